// Zebra against feelin (the JavaScript FEEL engine) on the peers model of issue 21
// (bench/peers_gen.mjs: a 44-rule COLLECT table with two outputs, a FIRST table of age bands and
// a literal expression) and the same cases: checks that both give identical outputs for every
// case (exit 1 on any difference), and prints the throughput of each and the ratio.
//
//   node bench/peers_compare.mjs --zebra build/zebra --dir DIR [--seed 42] [--json OUT.json]
//
// DIR holds peers.dmn and peers.ndjson from `node bench/peers_gen.mjs DIR --seed S` (same seed).
// Zebra is measured as the issue's target is stated, a whole process:
// `zebra dmn eval peers.dmn --inputs peers.ndjson` (start, model load, JSON in, evaluation, JSON
// out), as cases per CPU-second; the figure without process start ((t_N - t_1) / (N - 1)) is
// printed beside it. CPU time (user + system) on both sides, as in dt_compare.mjs.
//
// The JavaScript side is the evaluator of dt_compare.mjs around feelin (tables read from data,
// literal outputs evaluated once, each distinct entry text tested once per case and column
// through feelin's unaryTest(), which parses it on every call: feelin exports no evaluation of a
// parsed tree) and feelin's evaluate() for the literal expression. JSON.parse of each line and
// JSON.stringify of each answer are inside the timed loop, as Zebra's figure includes its JSON.
// Every case is evaluated by both and compared as JSON values.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { evaluate } from 'feelin';
import { CompileTable, EvaluateTable, ParseArgs, RunZebra, CpuSeconds, Same } from './dt_compare.mjs';
import { PeersTable, kBandTable, kFlagExpression } from './peers_gen.mjs';

function Main() {
  const opt = ParseArgs({ seed: '42' });
  const dmn = path.join(opt.dir, 'peers.dmn');
  const casesFile = path.join(opt.dir, 'peers.ndjson');
  const cases = fs.readFileSync(casesFile, 'utf8').split('\n').filter((l) => l.length);
  const n = cases.length;
  if (n < 2) throw new Error(`${casesFile}: need at least 2 cases`);

  // Zebra: three runs on one case (start and load), then one on all cases.
  const oneCase = path.join(opt.dir, 'peers_1.ndjson');
  fs.writeFileSync(oneCase, cases[0] + '\n');
  let t1 = Infinity;
  for (let k = 0; k < 3; ++k) t1 = Math.min(t1, RunZebra(opt.zebra, dmn, oneCase, path.join(opt.dir, 'peers_1.out.ndjson')));
  const outFile = path.join(opt.dir, 'peers.zebra.ndjson');
  const tn = RunZebra(opt.zebra, dmn, casesFile, outFile);
  const zebraOut = fs.readFileSync(outFile, 'utf8').split('\n').filter((l) => l.length);
  if (zebraOut.length !== n) throw new Error(`zebra wrote ${zebraOut.length} lines for ${n} cases`);

  // feelin: an untimed warm-up so V8 compiles, then every case timed.
  const assessment = CompileTable(PeersTable(Number(opt.seed)));
  const band = CompileTable(kBandTable);
  const evaluateCase = (line) => {
    const input = JSON.parse(line);
    const flag = evaluate(kFlagExpression, input);
    if (flag.warnings.length) throw new Error(`${kFlagExpression}: ${flag.warnings[0].message}`);
    return JSON.stringify({ Assessment: EvaluateTable(assessment, input), Band: EvaluateTable(band, input), Flag: flag.value });
  };
  for (let i = 0; i < Math.min(n, 200); ++i) evaluateCase(cases[i]);
  const jsOut = new Array(n);
  const start = CpuSeconds();
  for (let i = 0; i < n; ++i) jsOut[i] = evaluateCase(cases[i]);
  const js = CpuSeconds() - start;

  const diffs = [];
  for (let k = 0; k < n; ++k)
    if (!Same(JSON.parse(jsOut[k]), JSON.parse(zebraOut[k]))) diffs.push(k);

  const zebraRate = n / tn;                          // whole process
  const zebraEngineRate = (n - 1) / Math.max(tn - t1, 1e-9);  // without start and load
  const feelinRate = n / js;
  const ratio = zebraRate / feelinRate;
  const fmt = (x) => Math.round(x).toLocaleString('en');
  console.log(`peers model, ${fmt(n)} cases, CPU time:`);
  console.log(`  Zebra  (whole process)   ${fmt(zebraRate).padStart(12)} cases/s   (${tn.toFixed(3)} s; start and load ${(t1 * 1000).toFixed(0)} ms, to the 10 ms of /usr/bin/time; ` +
    `${fmt(zebraEngineRate)} cases/s without them)`);
  console.log(`  feelin ${feelin()}   ${fmt(feelinRate).padStart(12)} cases/s   (${js.toFixed(3)} s)`);
  console.log(`  ratio ${ratio.toFixed(1)}× (target 100×, and Zebra ≥ 1,500,000 cases/s: ${zebraRate >= 1.5e6 ? 'met' : 'missed'}); ` +
    `outputs: ${diffs.length ? `${diffs.length} DIFFERENT` : `identical on all ${fmt(n)} cases`}`);
  for (const k of diffs.slice(0, 5))
    console.log(`  case ${k + 1}: ${cases[k]}\n    zebra:  ${zebraOut[k]}\n    feelin: ${jsOut[k]}`);
  if (opt.json) {
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version };
    fs.writeFileSync(opt.json, JSON.stringify({ machine, cases: n, zebraCpuSeconds: tn, zebraStartSeconds: t1,
      zebraCasesPerSecond: zebraRate, zebraCasesPerSecondWithoutStart: zebraEngineRate, feelinCpuSeconds: js,
      feelinCasesPerSecond: feelinRate, ratio, differences: diffs.length }, null, 2) + '\n');
  }
  if (diffs.length) {
    console.log('FAIL: Zebra and feelin disagree on the peers model (cases listed above)');
    process.exit(1);
  }
}

function feelin() {
  const v = JSON.parse(fs.readFileSync(new URL('./node_modules/feelin/package.json', import.meta.url), 'utf8')).version;
  return `${v}`.padEnd(17);
}

Main();
