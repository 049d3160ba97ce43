// Writes N varied, valid zebra.case/v1 cases as NDJSON for the batch benchmark. Deterministic.
//
//   node bench/batch_gen.mjs OUT.ndjson [--cases 1000000] [--seed 42] [--examples examples/cases]
//
// Each case starts from one of the demo cases in examples/cases (so it stays clinically
// coherent and valid) and varies what can vary without changing the clinical picture: its id,
// age, sex, ECOG 0–2, renal function, Ki-67 and tumour size within ±25 %, mitoses.
import fs from 'node:fs';
import path from 'node:path';
import { ParseGeneratorArgs } from './dt_gen.mjs';

function Rng(seed) {  // mulberry32
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function Main() {
  const { out, opt } = ParseGeneratorArgs(
    { cases: '1000000', seed: '42', examples: path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'examples', 'cases') },
    'usage: node bench/batch_gen.mjs OUT.ndjson [--cases N] [--seed S] [--examples DIR]');
  const templates = fs.readdirSync(opt.examples).filter((f) => f.endsWith('.json')).sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(opt.examples, f), 'utf8')));
  const rnd = Rng(Number(opt.seed));
  const n = Number(opt.cases);
  const fd = fs.openSync(out, 'w');
  const round1 = (x) => Math.round(x * 10) / 10;
  const vary = (x, lo, hi) => Math.min(hi, Math.max(lo, round1(x * (0.75 + rnd() * 0.5))));
  let buf = '';
  for (let i = 0; i < n; ++i) {
    const c = structuredClone(templates[i % templates.length]);
    c.id = `bench-${i}`;
    const p = (c.patient ??= {});
    p.age_years = 18 + Math.floor(rnd() * 70);
    if (p.sex !== undefined && p.pregnant === undefined) p.sex = rnd() < 0.5 ? 'female' : 'male';
    p.ecog = Math.floor(rnd() * 3);
    p.egfr_ml_min = 30 + Math.floor(rnd() * 90);
    const t = c.tumor;
    if (typeof t.ki67_percent === 'number') t.ki67_percent = vary(t.ki67_percent, 0, 100);
    if (typeof t.size_cm === 'number') t.size_cm = vary(t.size_cm, 0.1, 50);
    if (typeof t.mitoses_per_2mm2 === 'number') t.mitoses_per_2mm2 = Math.round(vary(t.mitoses_per_2mm2, 0, 1000));
    buf += JSON.stringify(c) + '\n';
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
}

Main();
