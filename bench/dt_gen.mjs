// Generates the decision tables and input cases that Zebra and feelin both evaluate in
// `make bench` (bench/dt_compare.mjs). Deterministic: the same seed gives the same files.
//
//   node bench/dt_gen.mjs OUT_DIR [--rules 10,100,1000] [--policies FIRST,COLLECT] [--cases N] [--seed S]
//
// Writes, per table: OUT_DIR/<policy>_<rules>.dmn (DMN 1.3 XML for Zebra) and
// OUT_DIR/<policy>_<rules>.json (the same table as plain data for the JavaScript evaluator, so
// the JS side needs no XML parser); and once: OUT_DIR/cases.ndjson (one input object per line).
//
// Table shape: five inputs (a number with integer values, a number with decimal values, two
// strings, a boolean) and two outputs (a string and a number). Input entries mix ranges,
// comparisons, string lists, not(...), booleans and "-". Each rule is made selective enough
// that about three rules of a table match a case, so a FIRST table scans about a third of its
// rules and a COLLECT table visits all of them: the cost grows with the table, as in real use.
// FIRST tables end with a catch-all rule (the usual "otherwise").
import fs from 'node:fs';
import path from 'node:path';

// Small seeded PRNG (mulberry32): reproducible across Node versions, unlike Math.random.
function Rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kSites = ['stomach', 'duodenum', 'jejunum_ileum', 'appendix', 'colon', 'rectum', 'pancreas', 'lung',
  'thymus', 'ampulla', 'unknown_primary', 'other'];
const kGrades = ['G1', 'G2', 'G3', 'GX'];
const kRisks = ['very low', 'low', 'intermediate', 'high', 'very high'];

export const kInputs = [
  { name: 'Age', typeRef: 'number' },
  { name: 'Ki67', typeRef: 'number' },
  { name: 'Grade', typeRef: 'string' },
  { name: 'Site', typeRef: 'string' },
  { name: 'Smoker', typeRef: 'boolean' },
];
export const kOutputs = [
  { name: 'Risk', typeRef: 'string' },
  { name: 'Score', typeRef: 'number' },
];

// Case values: Age integer 0..99, Ki67 0.0..99.9 in steps of 0.1 (exact in both engines).
function GenerateCase(rnd) {
  return {
    Age: Math.floor(rnd() * 100),
    Ki67: Math.floor(rnd() * 1000) / 10,
    Grade: kGrades[Math.floor(rnd() * kGrades.length)],
    Site: kSites[Math.floor(rnd() * kSites.length)],
    Smoker: rnd() < 0.5,
  };
}

const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];
const q = (s) => `"${s}"`;

// One input entry for column `c`, with the fraction of cases it lets through.
function GenerateCell(rnd, c) {
  const r = rnd();
  switch (c) {
    case 0: {  // Age
      const a = Math.floor(rnd() * 90);
      if (r < 0.4) {
        const w = pick(rnd, [5, 10, 20, 30]);
        const b = Math.min(a + w, 99);
        const open = pick(rnd, ['[', '(']), close = pick(rnd, [']', ')']);
        const n = b - a + 1 - (open === '(' ? 1 : 0) - (close === ')' ? 1 : 0);
        return { text: `${open}${a}..${b}${close}`, pass: Math.max(n, 0) / 100 };
      }
      if (r < 0.6) return { text: `< ${a}`, pass: a / 100 };
      if (r < 0.8) return { text: `>= ${a}`, pass: (100 - a) / 100 };
      return { text: `${a}`, pass: 0.01 };
    }
    case 1: {  // Ki67
      const x = Math.floor(rnd() * 900) / 10;
      if (r < 0.3) return { text: `<= ${x}`, pass: (x + 0.1) / 100 };
      if (r < 0.6) return { text: `> ${x}`, pass: (99.9 - x) / 100 };
      const y = Math.min(99.9, Math.round((x + pick(rnd, [2.5, 5, 10, 17.5])) * 10) / 10);
      return { text: `[${x}..${y}]`, pass: (y - x + 0.1) / 100 };
    }
    case 2: {  // Grade
      if (r < 0.5) return { text: q(pick(rnd, kGrades)), pass: 0.25 };
      if (r < 0.8) {
        const i = Math.floor(rnd() * kGrades.length);
        return { text: `${q(kGrades[i])},${q(kGrades[(i + 1) % kGrades.length])}`, pass: 0.5 };
      }
      return { text: `not(${q(pick(rnd, kGrades))})`, pass: 0.75 };
    }
    case 3: {  // Site
      if (r < 0.6) return { text: q(pick(rnd, kSites)), pass: 1 / 12 };
      if (r < 0.85) {
        const i = Math.floor(rnd() * kSites.length);
        return { text: `${q(kSites[i])},${q(kSites[(i + 5) % kSites.length])}`, pass: 2 / 12 };
      }
      return { text: `not(${q(pick(rnd, kSites))})`, pass: 11 / 12 };
    }
    default:  // Smoker
      return { text: rnd() < 0.5 ? 'true' : 'false', pass: 0.5 };
  }
}

// A rule: columns in random order get a condition until the rule's pass fraction is at most
// `target`; the rest are "-".
function GenerateRule(rnd, target) {
  const cells = kInputs.map(() => '-');
  const order = [0, 1, 2, 3, 4];
  for (let i = order.length - 1; i > 0; --i) {  // Fisher-Yates: independent of sort internals
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let pass = 1;
  for (const c of order) {
    if (pass <= target) break;
    const cell = GenerateCell(rnd, c);
    cells[c] = cell.text;
    pass *= cell.pass;
  }
  return cells;
}

export function GenerateTable(rules, policy, seed) {
  const rnd = Rng(seed * 7919 + rules);
  const target = Math.min(0.5, 3 / rules);
  const list = [];
  for (let i = 0; i < rules; ++i) {
    const last = policy === 'FIRST' && i === rules - 1;
    list.push({
      inputs: last ? kInputs.map(() => '-') : GenerateRule(rnd, target),
      // Outputs are FEEL literals; Score is unique per rule so a wrong rule choice shows.
      outputs: [q(kRisks[Math.floor(rnd() * kRisks.length)]), `${i}.5`],
    });
  }
  return { name: 'Assessment', hitPolicy: policy, inputs: kInputs, outputs: kOutputs, rules: list };
}

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function TableToDmn(t) {
  const out = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="bench"');
  out.push('             namespace="http://zebra.example/bench">');
  t.inputs.forEach((inp, i) => {
    out.push(`  <inputData id="i${i}" name="${inp.name}"><variable id="v${i}" name="${inp.name}" typeRef="${inp.typeRef}"/></inputData>`);
  });
  out.push(`  <decision id="d" name="${t.name}">`);
  out.push(`    <variable id="vd" name="${t.name}"/>`);
  t.inputs.forEach((inp, i) => {
    out.push(`    <informationRequirement id="ir${i}"><requiredInput href="#i${i}"/></informationRequirement>`);
  });
  out.push(`    <decisionTable id="dt" hitPolicy="${t.hitPolicy}">`);
  t.inputs.forEach((inp, i) => {
    out.push(`      <input id="in${i}" label="${inp.name}"><inputExpression id="ie${i}" typeRef="${inp.typeRef}"><text>${inp.name}</text></inputExpression></input>`);
  });
  t.outputs.forEach((o, i) => out.push(`      <output id="o${i}" name="${o.name}" typeRef="${o.typeRef}"/>`));
  t.rules.forEach((r, n) => {
    out.push(`      <rule id="r${n}">`);
    r.inputs.forEach((c, i) => out.push(`        <inputEntry id="r${n}i${i}"><text>${esc(c)}</text></inputEntry>`));
    r.outputs.forEach((c, i) => out.push(`        <outputEntry id="r${n}o${i}"><text>${esc(c)}</text></outputEntry>`));
    out.push('      </rule>');
  });
  out.push('    </decisionTable>');
  out.push('  </decision>');
  out.push('</definitions>');
  return out.join('\n') + '\n';
}

// The generators' command line: one positional argument (where to write) and --name value pairs
// over `defaults`; without the positional, prints `usage` and exits with 2.
export function ParseGeneratorArgs(defaults, usage) {
  const args = process.argv.slice(2);
  const opt = { ...defaults };
  let out = null;
  for (let i = 0; i < args.length; ++i) {
    if (args[i].startsWith('--')) opt[args[i].slice(2)] = args[++i];
    else out = args[i];
  }
  if (!out) {
    console.error(usage);
    process.exit(2);
  }
  return { out, opt };
}

function Main() {
  const { out: dir, opt } = ParseGeneratorArgs({ rules: '10,100,1000', policies: 'FIRST,COLLECT', cases: '20000', seed: '42' },
    'usage: node bench/dt_gen.mjs OUT_DIR [--rules 10,100,1000] [--policies FIRST,COLLECT] [--cases N] [--seed S]');
  fs.mkdirSync(dir, { recursive: true });
  const seed = Number(opt.seed);
  for (const policy of opt.policies.split(',')) {
    for (const rules of opt.rules.split(',').map(Number)) {
      const t = GenerateTable(rules, policy, seed);
      fs.writeFileSync(path.join(dir, `${policy}_${rules}.dmn`), TableToDmn(t));
      fs.writeFileSync(path.join(dir, `${policy}_${rules}.json`), JSON.stringify(t));
    }
  }
  fs.writeFileSync(path.join(dir, 'cases.ndjson'), GenerateCases(Number(opt.cases), seed));
}

// `n` input objects as NDJSON text.
export function GenerateCases(n, seed) {
  const rnd = Rng(seed);
  const lines = [];
  for (let i = 0; i < n; ++i) lines.push(JSON.stringify(GenerateCase(rnd)));
  return lines.join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) Main();
