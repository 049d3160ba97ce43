// Generates the "peers model" of the compiled-evaluation issue (#21) and its cases: three
// decisions over the five inputs of bench/dt_gen.mjs — a 44-rule COLLECT table (the
// generated table of dt_gen.mjs), a FIRST table of age bands and a literal expression — so that
// `zebra dmn eval --inputs` is measured on a small model whose cost is the per-case path (JSON
// in, inputs bound, tables matched, JSON out) rather than one large table. Deterministic.
//
//   node bench/peers_gen.mjs OUT_DIR [--cases 100000] [--seed 42]
//
// Writes OUT_DIR/peers.dmn and OUT_DIR/peers.ndjson.
import fs from 'node:fs';
import path from 'node:path';
import { GenerateTable, TableToDmn, GenerateCases, ParseGeneratorArgs } from './dt_gen.mjs';

// The second and third decisions as data for the JavaScript side (bench/peers_compare.mjs); the
// XML below is the same model for Zebra (a difference between them shows as different outputs).
export const kBandTable = {
  name: 'Band', hitPolicy: 'FIRST', inputs: [{ name: 'Age' }], outputs: [{ name: 'Band' }],
  rules: [
    { inputs: ['< 18'], outputs: ['"child"'] },
    { inputs: ['[18..65)'], outputs: ['"adult"'] },
    { inputs: ['[65..80)'], outputs: ['"senior"'] },
    { inputs: ['-'], outputs: ['"old"'] },
  ],
};
export const kFlagExpression = 'Ki67 >= 20 and Smoker';

export function PeersTable(seed) {
  return GenerateTable(44, 'COLLECT', seed);
}

const kBands = `
  <decision id="band" name="Band">
    <variable id="vband" name="Band" typeRef="string"/>
    <informationRequirement id="irb"><requiredInput href="#i0"/></informationRequirement>
    <decisionTable id="dtb" hitPolicy="FIRST">
      <input id="bi0"><inputExpression id="bie0" typeRef="number"><text>Age</text></inputExpression></input>
      <output id="bo0" name="Band" typeRef="string"><outputValues id="bov"><text>"child","adult","senior","old"</text></outputValues></output>
      <rule id="b1"><inputEntry id="b1i"><text>&lt; 18</text></inputEntry><outputEntry id="b1o"><text>"child"</text></outputEntry></rule>
      <rule id="b2"><inputEntry id="b2i"><text>[18..65)</text></inputEntry><outputEntry id="b2o"><text>"adult"</text></outputEntry></rule>
      <rule id="b3"><inputEntry id="b3i"><text>[65..80)</text></inputEntry><outputEntry id="b3o"><text>"senior"</text></outputEntry></rule>
      <rule id="b4"><inputEntry id="b4i"><text>-</text></inputEntry><outputEntry id="b4o"><text>"old"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="flag" name="Flag">
    <variable id="vflag" name="Flag" typeRef="boolean"/>
    <informationRequirement id="irf1"><requiredInput href="#i1"/></informationRequirement>
    <informationRequirement id="irf4"><requiredInput href="#i4"/></informationRequirement>
    <literalExpression id="lf"><text>Ki67 &gt;= 20 and Smoker</text></literalExpression>
  </decision>
`;

function Main() {
  const { out: dir, opt } = ParseGeneratorArgs({ cases: '100000', seed: '42' },
    'usage: node bench/peers_gen.mjs OUT_DIR [--cases N] [--seed S]');
  fs.mkdirSync(dir, { recursive: true });
  const seed = Number(opt.seed);
  const table = PeersTable(seed);
  const dmn = TableToDmn(table).replace('</definitions>', kBands + '</definitions>');
  fs.writeFileSync(path.join(dir, 'peers.dmn'), dmn);
  fs.writeFileSync(path.join(dir, 'peers.ndjson'), GenerateCases(Number(opt.cases), seed));
}

if (import.meta.url === `file://${process.argv[1]}`) Main();
