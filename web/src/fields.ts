// The case form's fields, grouped the way a tumour board reads a case. Paths and value sets
// follow schema/case.schema.json (zebra.case/v1); absent values mean "unknown".

export type FieldKind = 'number' | 'integer' | 'select' | 'bool' | 'multi' | 'text' | 'textarea';

export interface Field {
  path: string;           // dotted path inside the case, e.g. "tumor.ki67_percent"
  label: string;
  kind: FieldKind;
  unit?: string;
  help?: string;
  min?: number;
  max?: number;
  step?: string;
  options?: [string, string][];     // [value, label]
  numeric?: boolean;                // select whose values are integers
  showIf?: (c: any) => boolean;     // only relevant for some sites
}
export interface Group { id: string; title: string; help?: string; fields: Field[] }

const o = (...vals: (string | [string, string])[]): [string, string][] =>
  vals.map((v) => (Array.isArray(v) ? v : [v, humanize(v)]));

export function humanize(v: string): string {
  const s = v.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const site = (c: any) => c?.tumor?.primary_site;

export const GROUPS: Group[] = [
  {
    id: 'case', title: 'Case and patient',
    fields: [
      { path: 'id', label: 'Case identifier', kind: 'text', help: 'A board reference, not a name or record number.' },
      { path: 'patient.age_years', label: 'Age', kind: 'number', unit: 'years', min: 0, max: 120 },
      { path: 'patient.sex', label: 'Sex', kind: 'select', options: o('female', 'male', 'other', 'unknown') },
    ],
  },
  {
    id: 'site', title: 'Primary site',
    fields: [
      { path: 'tumor.primary_site', label: 'Primary site', kind: 'select', help: 'Required. Use "unknown primary" when no primary is found.',
        options: o('stomach', 'duodenum', 'ampulla', ['jejunum_ileum', 'Jejunum / ileum (small bowel)'], 'appendix', 'colon', 'rectum', 'pancreas', 'lung', 'thymus', ['unknown_primary', 'Unknown primary'], 'other') },
      { path: 'tumor.gastric_type', label: 'Gastric NET type', kind: 'select', showIf: (c) => site(c) === 'stomach',
        help: 'Type 1: atrophic gastritis; type 2: gastrinoma (ZES); type 3: sporadic.',
        options: o(['type1', 'Type 1'], ['type2', 'Type 2'], ['type3', 'Type 3'], ['ppi_associated', 'PPI-associated']) },
      { path: 'tumor.appendix_location', label: 'Location in the appendix', kind: 'select', showIf: (c) => site(c) === 'appendix',
        options: o('tip', 'body', 'base') },
    ],
  },
  {
    id: 'pathology', title: 'Pathology', help: 'Differentiation, proliferation (Ki-67, mitoses) and local extent.',
    fields: [
      { path: 'tumor.morphology', label: 'Differentiation', kind: 'select',
        options: o(['well_differentiated', 'Well differentiated (NET)'], ['poorly_differentiated_small_cell', 'Poorly differentiated, small cell (NEC)'],
          ['poorly_differentiated_large_cell', 'Poorly differentiated, large cell (NEC)'], ['poorly_differentiated', 'Poorly differentiated, type not stated'], ['minen', 'MiNEN'], 'unknown') },
      { path: 'tumor.ki67_percent', label: 'Ki-67 index', kind: 'number', unit: '%', min: 0, max: 100, step: '0.1', help: 'Hot-spot count, 500–2000 cells.' },
      { path: 'tumor.mitoses_per_2mm2', label: 'Mitoses', kind: 'number', unit: 'per 2 mm²', min: 0, max: 1000, step: '0.1' },
      { path: 'tumor.necrosis', label: 'Necrosis', kind: 'select', options: o('none', 'focal', 'extensive'), help: 'Used for lung carcinoids (typical vs atypical).' },
      { path: 'tumor.size_cm', label: 'Largest tumour size', kind: 'number', unit: 'cm', min: 0, max: 50, step: '0.1' },
      { path: 'tumor.multifocal', label: 'Multifocal', kind: 'bool' },
      { path: 'tumor.depth', label: 'Depth of invasion', kind: 'select',
        options: o('mucosa', 'submucosa', ['muscularis_propria', 'Muscularis propria'], 'subserosa', 'serosa', ['adjacent_organs', 'Adjacent organs']) },
      { path: 'tumor.invades', label: 'Invades', kind: 'multi',
        options: o('duodenum', ['common_bile_duct', 'Common bile duct'], 'pancreas', ['peripancreatic_fat', 'Peripancreatic fat'], 'mesoappendix',
          ['large_vessels', 'Large vessels'], ['adjacent_organs', 'Adjacent organs'], ['sphincter_of_oddi', 'Sphincter of Oddi'],
          ['visceral_peritoneum', 'Visceral peritoneum'], ['chest_wall', 'Chest wall'], 'mediastinum') },
      { path: 'tumor.mesoappendix_invasion_mm', label: 'Mesoappendiceal invasion depth', kind: 'number', unit: 'mm', min: 0, max: 100, step: '0.1',
        showIf: (c) => site(c) === 'appendix' },
      { path: 'tumor.lymphovascular_invasion', label: 'Lymphovascular invasion', kind: 'bool' },
      { path: 'tumor.goblet_cell_adenocarcinoma', label: 'Goblet-cell adenocarcinoma', kind: 'bool', showIf: (c) => site(c) === 'appendix',
        help: 'An adenocarcinoma, not a NET: it leaves the appendiceal NET pathway.' },
      { path: 'tumor.minen_aggressive_component', label: 'MiNEN: more aggressive component', kind: 'select',
        options: o('neuroendocrine', ['non_neuroendocrine', 'Non-neuroendocrine (adenocarcinoma)']) },
    ],
  },
  {
    id: 'stage', title: 'Stage', help: 'Leave T, N and M empty to let Zebra derive them from size and extent.',
    fields: [
      { path: 'tumor.t', label: 'T category', kind: 'select',
        options: o('TX', 'T0', 'Tis', 'T1', 'T1a', 'T1b', 'T1c', 'T1mi', 'T2', 'T2a', 'T2b', 'T3', 'T4').map(([v]) => [v, v] as [string, string]) },
      { path: 'tumor.n', label: 'N category', kind: 'select', options: o('NX', 'N0', 'N1', 'N2', 'N3').map(([v]) => [v, v] as [string, string]) },
      { path: 'tumor.m', label: 'M category', kind: 'select', options: o('MX', 'M0', 'M1', 'M1a', 'M1b', 'M1c').map(([v]) => [v, v] as [string, string]) },
      { path: 'tumor.nodes_positive', label: 'Positive lymph nodes', kind: 'integer', unit: 'nodes', min: 0, max: 200 },
      { path: 'tumor.mesenteric_mass_cm', label: 'Mesenteric mass', kind: 'number', unit: 'cm', min: 0, max: 50, step: '0.1' },
      { path: 'tumor.metastases.liver', label: 'Liver metastases', kind: 'bool' },
      { path: 'tumor.metastases.liver_burden_percent', label: 'Liver tumour burden', kind: 'number', unit: '% of liver', min: 0, max: 100 },
      { path: 'tumor.metastases.liver_resectable', label: 'Liver metastases resectable', kind: 'bool' },
      { path: 'tumor.metastases.extrahepatic', label: 'Extrahepatic metastases', kind: 'multi',
        options: o('bone', 'lung', 'peritoneum', ['distant_nodes', 'Distant nodes'], 'brain', 'other') },
      { path: 'tumor.resectability', label: 'Resectability (surgical opinion)', kind: 'select', options: o('resectable', 'borderline', 'unresectable', 'unknown') },
    ],
  },
  {
    id: 'function', title: 'Function', help: 'Hormone syndromes and their control.',
    fields: [
      { path: 'tumor.functional_syndrome', label: 'Functional syndrome', kind: 'select',
        options: o(['none', 'None (non-functioning)'], ['carcinoid_syndrome', 'Carcinoid syndrome'], 'insulinoma', 'gastrinoma', 'vipoma', 'glucagonoma', 'somatostatinoma', ['acth', 'Ectopic ACTH'], 'other') },
      { path: 'tumor.syndrome_controlled', label: 'Syndrome controlled', kind: 'bool' },
      { path: 'tumor.carcinoid_heart_disease', label: 'Carcinoid heart disease', kind: 'select', options: o('none', 'suspected', 'confirmed') },
    ],
  },
  {
    id: 'imaging', title: 'SSTR and FDG imaging',
    fields: [
      { path: 'tumor.sstr_imaging.modality', label: 'SSTR imaging modality', kind: 'select',
        options: o(['ga68_dotatate', '⁶⁸Ga-DOTATATE PET'], ['ga68_dotatoc', '⁶⁸Ga-DOTATOC PET'], ['cu64_dotatate', '⁶⁴Cu-DOTATATE PET'], ['octreoscan', 'Octreoscan (SPECT)']) },
      { path: 'tumor.sstr_imaging.result', label: 'SSTR result', kind: 'select', options: o('positive', 'negative', 'heterogeneous') },
      { path: 'tumor.sstr_imaging.uptake_vs_liver', label: 'Uptake compared with liver', kind: 'select',
        options: o(['above', 'Above liver'], ['equal', 'Equal to liver'], ['below', 'Below liver']), help: 'PRRT needs uptake at least equal to normal liver in all lesions.' },
      { path: 'tumor.fdg_pet', label: 'FDG-PET', kind: 'select', options: o('positive', 'negative', ['not_done', 'Not done']) },
    ],
  },
  {
    id: 'growth', title: 'Growth and burden',
    fields: [
      { path: 'tumor.growth', label: 'Growth', kind: 'select', options: o('stable', ['progressive', 'Progressive (RECIST)'], 'unknown') },
      { path: 'tumor.progression_months', label: 'Time over which it progressed', kind: 'number', unit: 'months', min: 0, max: 600 },
      { path: 'tumor.tumor_burden', label: 'Tumour burden', kind: 'select', options: o('low', 'moderate', 'high') },
      { path: 'tumor.symptomatic_bulk', label: 'Symptoms from tumour bulk', kind: 'bool' },
      { path: 'tumor.biomarkers.msi', label: 'MSI / MMR status', kind: 'select', options: o(['msi_h', 'MSI-high or dMMR'], ['mss', 'MSS or pMMR']) },
      { path: 'tumor.biomarkers.tmb_per_mb', label: 'Tumour mutational burden', kind: 'number', unit: 'mut/Mb', min: 0, max: 1000, step: '0.1' },
      { path: 'tumor.biomarkers.braf_v600e', label: 'BRAF V600E mutation', kind: 'bool' },
    ],
  },
  {
    id: 'history', title: 'Prior treatment',
    fields: [
      { path: 'history.setting', label: 'Setting', kind: 'select',
        options: o(['new_diagnosis', 'New diagnosis'], ['after_resection', 'After resection'], 'recurrence', 'progression') },
      { path: 'history.resection.procedure', label: 'Resection performed', kind: 'text', help: 'E.g. "appendectomy", "distal pancreatectomy".' },
      { path: 'history.resection.margin', label: 'Resection margin', kind: 'select', options: o(['r0', 'R0'], ['r1', 'R1'], ['r2', 'R2']) },
      { path: 'planned_procedure', label: 'Planned procedure', kind: 'select',
        options: o('none', 'surgery', ['liver_embolization', 'Liver embolisation'], ['prrt', 'PRRT'], 'other'), help: 'Triggers peri-procedural alerts (e.g. carcinoid crisis).' },
    ],
  },
  {
    id: 'health', title: 'General health and labs',
    fields: [
      { path: 'patient.ecog', label: 'ECOG performance status', kind: 'select', numeric: true,
        options: o(['0', '0 — fully active'], ['1', '1 — light work'], ['2', '2 — self-care, up > 50 %'], ['3', '3 — limited self-care'], ['4', '4 — bedbound']) },
      { path: 'patient.egfr_ml_min', label: 'eGFR / creatinine clearance', kind: 'number', unit: 'mL/min', min: 0, max: 250 },
      { path: 'patient.hemoglobin_g_dl', label: 'Haemoglobin', kind: 'number', unit: 'g/dL', min: 0, max: 25, step: '0.1' },
      { path: 'patient.platelets_10e9_l', label: 'Platelets', kind: 'number', unit: '×10⁹/L', min: 0, max: 2000 },
      { path: 'patient.neutrophils_10e9_l', label: 'Neutrophils', kind: 'number', unit: '×10⁹/L', min: 0, max: 100, step: '0.1' },
      { path: 'patient.bilirubin_x_uln', label: 'Bilirubin', kind: 'number', unit: '× ULN', min: 0, max: 50, step: '0.1' },
      { path: 'patient.diabetes', label: 'Diabetes', kind: 'select', options: o('none', 'controlled', 'uncontrolled') },
      { path: 'patient.pregnant', label: 'Pregnant', kind: 'bool' },
      { path: 'patient.heart_failure', label: 'Heart failure', kind: 'bool' },
      { path: 'patient.hereditary_syndrome', label: 'Hereditary syndrome', kind: 'select',
        options: o('none', ['men1', 'MEN1'], ['men4', 'MEN4'], ['vhl', 'VHL'], ['nf1', 'NF1'], ['tsc', 'TSC'], 'suspected', 'unknown') },
    ],
  },
  {
    id: 'goals', title: "The patient's goals", help: 'What matters most to the patient; shown in the patient view.',
    fields: [
      { path: 'patient.preferences.goals', label: 'Goals', kind: 'multi',
        options: o('cure', ['longer_life', 'Longer life'], ['symptom_relief', 'Symptom relief'], ['quality_of_life', 'Quality of life'],
          ['avoid_surgery', 'Avoid surgery'], ['fewer_hospital_visits', 'Fewer hospital visits'], ['oral_treatment', 'Treatment by mouth']) },
      { path: 'patient.preferences.notes', label: 'Preferences in the patient\'s words', kind: 'textarea', help: 'Up to 4000 characters.' },
    ],
  },
];

export const GOAL_LABELS: Record<string, string> = Object.fromEntries(
  GROUPS.find((g) => g.id === 'goals')!.fields[0].options!,
);

export const INTENT_ORDER = ['curative', 'disease_control', 'symptom_control', 'supportive', 'surveillance', 'research'];
export const INTENT_TITLES: Record<string, string> = {
  curative: 'Curative', disease_control: 'Disease control', symptom_control: 'Symptom control',
  supportive: 'Supportive care', surveillance: 'Surveillance', research: 'Research',
};
// Plain-language goal of each intent for the patient's option grid.
export const INTENT_PATIENT: Record<string, string> = {
  curative: 'Remove the tumour for good', disease_control: 'Slow or stop the tumour growing',
  symptom_control: 'Ease symptoms caused by hormones', supportive: 'Keep you well during care',
  surveillance: 'Watch the tumour closely', research: 'Try new care in a study',
};

export function getPath(obj: any, path: string): any {
  return path.split('.').reduce((a, k) => (a == null ? undefined : a[k]), obj);
}

// Returns a copy with the value at path set; undefined removes it and prunes empty parents.
export function setPath<T extends object>(obj: T, path: string, value: unknown): T {
  const keys = path.split('.');
  const copy: any = structuredClone(obj);
  const stack: any[] = [copy];
  let cur = copy;
  for (const k of keys.slice(0, -1)) {
    if (cur[k] == null || typeof cur[k] !== 'object') cur[k] = {};
    cur = cur[k];
    stack.push(cur);
  }
  const last = keys[keys.length - 1];
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete cur[last];
  else cur[last] = value;
  for (let i = keys.length - 2; i >= 0; i--) {
    const parent = stack[i];
    const child = parent[keys[i]];
    if (child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length === 0) delete parent[keys[i]];
  }
  return copy;
}

// "$.tumor.ki67_percent" or "$.history.prior_therapies[0].option" → "tumor.ki67_percent" / "history.prior_therapies.0.option".
export function errorPathToField(p: string): string {
  return p.replace(/^\$\.?/, '').replace(/\[(\d+)\]/g, '.$1').replace(/^\//, '').replace(/\//g, '.');
}

// Number fields are text fields with our own parser: a browser's <input type="number"> drops a
// decimal comma it does not expect in some locales, so "2,5" became 25 (issue 18). Here a
// decimal comma or point both mean a decimal separator; a comma followed by exactly three digits
// ("1,500") could be a thousands separator in English and is refused as ambiguous, never guessed.
export type Parsed = { value: number | undefined; error?: undefined } | { value?: undefined; error: string };

export function parseDecimal(text: string, opts: { integer?: boolean; min?: number; max?: number } = {}): Parsed {
  const t = text.trim().replace(/\u2212/g, '-');
  if (t === '') return { value: undefined };
  if (!/^-?(\d+([.,]\d*)?|[.,]\d+)$/.test(t)) {
    return { error: 'Not a number: use digits with one decimal point or comma, e.g. 2.5 or 2,5.' };
  }
  if (/^-?\d{1,3},\d{3}$/.test(t)) {
    return { error: `"${t}" is ambiguous (a thousands or a decimal separator?): write ${t.replace(',', '.')} or ${t.replace(',', '')}.` };
  }
  const value = Number(t.replace(',', '.'));
  if (!Number.isFinite(value)) return { error: 'Not a number.' };
  if (opts.integer && !Number.isInteger(value)) return { error: 'A whole number is needed.' };
  if (opts.min !== undefined && value < opts.min) return { error: `Must be at least ${formatNumber(opts.min)}.` };
  if (opts.max !== undefined && value > opts.max) return { error: `Must be at most ${formatNumber(opts.max)}.` };
  return { value };
}

// The value as the app echoes it back: a decimal point, no exponent, no trailing zeros.
export function formatNumber(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}
