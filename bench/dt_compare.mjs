// Zebra against feelin (the JavaScript FEEL engine) on the same generated decision tables and
// the same cases (bench/dt_gen.mjs): checks that both give identical outputs for every case
// feelin evaluates, and prints the throughput of each and the ratio.
//
//   node bench/dt_compare.mjs --zebra build/zebra --dir DIR [--budget-ms 4000] [--json OUT.json]
//
// Zebra is run as `zebra dmn eval TABLE.dmn --inputs CASES.ndjson` (JSON parse, evaluate, JSON
// out, per line). Process start and model loading are excluded by timing a run on one case and
// a run on N cases: per case = (t_N - t_1) / (N - 1).
//
// Times are CPU time (user + system; /usr/bin/time for Zebra, process.cpuUsage() for feelin),
// not wall time: both sides are single-threaded, so on an idle machine the two agree, and on a
// shared machine CPU time is not inflated by other processes' load.
//
// feelin evaluates FEEL only, so this file supplies the decision table around it. The evaluator
// is deliberately generous to feelin, so the ratio is a lower bound:
//   - the table is read once from JSON (no XML parsing), outside the timed loop;
//   - input expressions are plain names, read straight from the case object;
//   - "-" entries are skipped without calling feelin;
//   - output entries are FEEL literals, evaluated once at load (they cannot depend on the case);
//   - within one case each distinct (column, entry text) is tested once (as Zebra does);
//   - a rule stops at its first failing entry; FIRST stops at the first matching rule.
// Every input entry that is tested goes through feelin's public unaryTest(), which parses it
// again on every call: feelin exports no way to evaluate a parsed tree, and its parse depends on
// the names in the context (feelin issue #67), so a caller cannot cache it.
// The timed JS loop includes JSON.parse of the line and JSON.stringify of the result, as
// Zebra's figure includes its JSON input and output. A short untimed warm-up lets V8 compile.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { unaryTest, evaluate } from 'feelin';
import { TableToDmn } from './dt_gen.mjs';

// --name value pairs over `defaults`; --dir is required.
export function ParseArgs(defaults) {
  const opt = { zebra: 'build/zebra', dir: null, json: null, ...defaults };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; ++i) {
    if (!a[i].startsWith('--')) throw new Error(`unexpected argument ${a[i]}`);
    opt[a[i].slice(2)] = a[++i];
  }
  if (!opt.dir) throw new Error('--dir is required');
  return opt;
}

// --- the decision-table evaluator around feelin -------------------------------------------------

export function CompileTable(t) {
  const names = t.inputs.map((i) => i.name);
  const rules = t.rules.map((r) => {
    const out = {};
    t.outputs.forEach((o, k) => {
      const v = evaluate(r.outputs[k], {});
      if (v.warnings.length) throw new Error(`output entry ${r.outputs[k]}: ${v.warnings[0].message}`);
      out[o.name] = v.value;
    });
    const tests = [];
    r.inputs.forEach((text, c) => {
      if (text.trim() !== '-') tests.push({ c, text });
    });
    return { tests, out: t.outputs.length === 1 ? out[t.outputs[0].name] : out };
  });
  return { name: t.name, hitPolicy: t.hitPolicy, names, rules };
}

export function EvaluateTable(ct, input) {
  const values = ct.names.map((n) => (input[n] === undefined ? null : input[n]));
  const memo = ct.names.map(() => new Map());
  const hits = [];
  for (const rule of ct.rules) {
    let ok = true;
    for (const { c, text } of rule.tests) {
      let m = memo[c].get(text);
      if (m === undefined) {
        m = unaryTest(text, { ...input, '?': values[c] }).value === true;
        memo[c].set(text, m);
      }
      if (!m) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (ct.hitPolicy === 'FIRST') return rule.out;
    hits.push(rule.out);
  }
  // COLLECT without aggregation: the outputs of every matching rule, in rule order; like any
  // table with no matching rule and no default output, null when none matches (as Zebra does).
  return hits.length ? hits : null;
}

// --- running Zebra ------------------------------------------------------------------------------

// CPU seconds (user + system) of one `zebra dmn eval` run.
export function RunZebra(zebra, dmn, cases, outFile) {
  const fd = fs.openSync(outFile, 'w');
  const timeFile = `${outFile}.time`;
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, zebra, 'dmn', 'eval', dmn, '--inputs', cases],
    { stdio: ['ignore', fd, 'pipe'] });
  fs.closeSync(fd);
  if (r.status !== 0) throw new Error(`zebra dmn eval ${dmn} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
  const [user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  return user + sys;
}

export function CpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// --- comparing ----------------------------------------------------------------------------------

// Equal as JSON values: numbers by value, objects regardless of key order.
export function Same(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => Same(x, b[i]));
  if (typeof a === 'object') {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && Same(a[k], b[k]));
  }
  return false;
}

function Main() {
  const opt = ParseArgs({ 'budget-ms': '4000', tables: null });
  const dir = opt.dir;
  const budget = Number(opt['budget-ms']);
  const allCases = fs.readFileSync(path.join(dir, 'cases.ndjson'), 'utf8').split('\n').filter((l) => l.length);
  const tables = (opt.tables ? opt.tables.split(',') : fs.readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'results.json')
    .map((f) => f.slice(0, -5))).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const results = [];
  let failed = false;

  // Zebra's floor: the same command on a one-rule table whose only rule is all "-", i.e. reading
  // and parsing the JSON line, building the inputs, writing the JSON answer and flushing it,
  // with almost no table work. The "engine ratio" subtracts it from Zebra's time per case.
  const floorDmn = path.join(dir, 'floor.dmn');
  const any = JSON.parse(fs.readFileSync(path.join(dir, `${tables[0]}.json`), 'utf8'));
  fs.writeFileSync(floorDmn, TableToDmn({ ...any, hitPolicy: 'FIRST', rules: [{ inputs: any.inputs.map(() => '-'), outputs: any.rules[0].outputs }] }));
  const floorN = Math.min(allCases.length, 200000);
  const floorCases = path.join(dir, `cases_${floorN}.ndjson`), oneCase = path.join(dir, 'cases_1.ndjson');
  if (!fs.existsSync(floorCases)) fs.writeFileSync(floorCases, allCases.slice(0, floorN).join('\n') + '\n');
  if (!fs.existsSync(oneCase)) fs.writeFileSync(oneCase, allCases[0] + '\n');
  let f1 = Infinity;
  for (let k = 0; k < 3; ++k) f1 = Math.min(f1, RunZebra(opt.zebra, floorDmn, oneCase, path.join(dir, 'one.ndjson')));
  const floorPerCase = Math.max(RunZebra(opt.zebra, floorDmn, floorCases, path.join(dir, 'floor.out.ndjson')) - f1, 0) / (floorN - 1);
  console.log(`Zebra floor (JSON line in, inputs, JSON line out, flush; one all-"-" rule): ${(floorPerCase * 1e6).toFixed(2)} µs CPU per case`);
  console.log('table          rules  zebra cases   zebra cases/s  feelin cases  feelin cases/s        ratio  engine ratio  outputs');
  for (const name of tables) {
    const t = JSON.parse(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    const dmn = path.join(dir, `${name}.dmn`);
    const rules = t.rules.length;

    // Zebra: about two million rule visits per run, at least 2,000 cases.
    const n = Math.min(allCases.length, Math.max(2000, Math.floor(2e6 / rules)));
    const casesN = path.join(dir, `cases_${n}.ndjson`), cases1 = path.join(dir, 'cases_1.ndjson');
    if (!fs.existsSync(casesN)) fs.writeFileSync(casesN, allCases.slice(0, n).join('\n') + '\n');
    if (!fs.existsSync(cases1)) fs.writeFileSync(cases1, allCases[0] + '\n');
    const outN = path.join(dir, `${name}.zebra.ndjson`);
    let t1 = Infinity;
    for (let i = 0; i < 3; ++i) t1 = Math.min(t1, RunZebra(opt.zebra, dmn, cases1, path.join(dir, 'one.ndjson')));
    const tn = RunZebra(opt.zebra, dmn, casesN, outN);
    const zebraPerCase = Math.max(tn - t1, 1e-9) / (n - 1);
    const zebraOut = fs.readFileSync(outN, 'utf8').split('\n').filter((l) => l.length);
    if (zebraOut.length !== n) throw new Error(`${name}: zebra wrote ${zebraOut.length} lines for ${n} cases`);

    // feelin: warm up on the first cases (untimed), then as many cases as fit in the budget.
    const ct = CompileTable(t);
    const warm = rules >= 1000 ? 1 : 10;
    const jsOut = [];
    for (let i = 0; i < warm; ++i) jsOut.push(JSON.stringify({ [ct.name]: EvaluateTable(ct, JSON.parse(allCases[i])) }));
    const start = CpuSeconds();
    let elapsed = 0;
    let i = warm;
    while (i < n && (elapsed < budget / 1000 || i < warm + 3)) {
      jsOut.push(JSON.stringify({ [ct.name]: EvaluateTable(ct, JSON.parse(allCases[i])) }));
      ++i;
      elapsed = CpuSeconds() - start;
    }
    const jsPerCase = elapsed / (i - warm);

    // Compare every case feelin evaluated.
    const diffs = [];
    for (let k = 0; k < jsOut.length; ++k) {
      if (!Same(JSON.parse(jsOut[k]), JSON.parse(zebraOut[k]))) diffs.push(k);
    }
    const ratio = jsPerCase / zebraPerCase;
    const engineRatio = jsPerCase / Math.max(zebraPerCase - floorPerCase, 1e-9);
    console.log(`${name.padEnd(14)} ${String(rules).padStart(5)} ${String(n).padStart(12)} ${Math.round(1 / zebraPerCase).toLocaleString('en').padStart(15)} ` +
      `${String(jsOut.length).padStart(13)} ${(1 / jsPerCase).toFixed(1).padStart(15)} ${(Math.round(ratio).toLocaleString('en') + '×').padStart(12)} ` +
      `${(Math.round(engineRatio).toLocaleString('en') + '×').padStart(13)}  ` +
      (diffs.length ? `${diffs.length} DIFFERENT` : 'identical'));
    for (const k of diffs.slice(0, 5)) {
      console.log(`  case ${k + 1}: ${allCases[k]}\n    zebra:  ${zebraOut[k]}\n    feelin: ${jsOut[k]}`);
    }
    if (diffs.length) failed = true;
    results.push({ table: name, hitPolicy: t.hitPolicy, rules, zebraCases: n, zebraCasesPerSecond: 1 / zebraPerCase,
      zebraStartupSeconds: t1, feelinCases: jsOut.length, feelinCasesPerSecond: 1 / jsPerCase, ratio, engineRatio,
      zebraFloorMicroseconds: floorPerCase * 1e6,
      differences: diffs.length });
  }
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version };
  if (opt.json) fs.writeFileSync(opt.json, JSON.stringify({ machine, results }, null, 2) + '\n');
  const minRatio = Math.min(...results.map((r) => r.ratio));
  const minEngine = Math.min(...results.map((r) => r.engineRatio));
  console.log(`lowest ratio ${Math.round(minRatio).toLocaleString('en')}× end to end, ${Math.round(minEngine).toLocaleString('en')}× without Zebra's JSON floor ` +
    `(target ≥ 100×): ${minRatio >= 100 ? 'met' : 'MISSED'}`);
  if (failed) {
    console.log('FAIL: Zebra and feelin disagree (cases listed above)');
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) Main();
