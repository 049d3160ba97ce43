import type { CaseDoc, Knowledge } from './api';
import { GROUPS, formatNumber, getPath, humanize, type Field } from './fields';

const FIELDS: Field[] = GROUPS.flatMap((g) => g.fields);
export const fieldByPath = (path: string) => FIELDS.find((f) => f.path === path);
// A field's label, or for a path the form has no field for (tumor.metastases, stage) its last part in words.
export const fieldLabelOf = (path: string) => fieldByPath(path)?.label ?? humanize(path.split('.').pop() ?? path);

// The one-line summary of a case (GET /v1/cases `summary`), with the site's label.
export function oneLine(s: { site: string | null; grade: string | null; stage: string | null; scenario: { title: string } | null; text: string } | null | undefined): string {
  if (!s) return '';
  const parts = [s.site ? showValue(fieldByPath('tumor.primary_site'), s.site) : null, s.grade, s.stage ? `stage ${s.stage}` : null, s.scenario?.title];
  return parts.filter(Boolean).join(' · ') || s.text;
}

// A field's value as the board reads it: the option's label, Yes/No, the number with its unit.
export function showValue(f: Field | undefined, v: unknown): string {
  if (v === undefined || v === null) return 'unknown';
  if (!f) return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  if (f.kind === 'bool') return v === true ? 'Yes' : v === false ? 'No' : String(v);
  if (f.kind === 'select') return f.options?.find(([o]) => o === String(v))?.[1] ?? String(v);
  if (f.kind === 'multi' && Array.isArray(v)) return v.map((x) => f.options?.find(([o]) => o === x)?.[1] ?? String(x)).join(', ') || 'none';
  if ((f.kind === 'number' || f.kind === 'integer') && typeof v === 'number') return `${formatNumber(v)}${f.unit ? ` ${f.unit}` : ''}`;
  return String(v);
}

// The read-only case summary: every known fact, grouped as in the form, and the fields that are
// unknown but would change the result (from the evaluation's `missing`) marked as such.
export function CaseFacts({ doc, k, missing = [], compact = false }: {
  doc: CaseDoc; k: Knowledge | null; missing?: { field: string; blocks: string }[]; compact?: boolean;
}) {
  const prior = (getPath(doc, 'history.prior_therapies') as any[] | undefined) ?? [];
  const missingSet = new Set(missing.map((m) => m.field));
  return (
    <div class={`case-facts${compact ? ' compact' : ''}`} data-testid="case-facts">
      {GROUPS.map((g) => {
        const rows = g.fields.filter((f) => getPath(doc, f.path) !== undefined && f.path !== 'id');
        const miss = g.fields.filter((f) => missingSet.has(f.path) && getPath(doc, f.path) === undefined);
        if (!rows.length && !miss.length && !(g.id === 'history' && prior.length)) return null;
        return (
          <section key={g.id} class="facts-group" aria-labelledby={`facts-${g.id}`}>
            <h3 id={`facts-${g.id}`}>{g.title}</h3>
            <dl>
              {rows.map((f) => (
                <div key={f.path} class="fact"><dt>{f.label}</dt><dd>{showValue(f, getPath(doc, f.path))}</dd></div>
              ))}
              {miss.map((f) => (
                <div key={f.path} class="fact missing-fact"><dt>{f.label}</dt><dd>unknown — needed</dd></div>
              ))}
              {g.id === 'history' && prior.map((p, i) => (
                <div key={`pt-${i}`} class="fact">
                  <dt>Prior therapy {i + 1}</dt>
                  <dd>{k?.options.find((o) => o.id === p.option)?.title ?? p.option ?? 'unknown'}
                    {p.response ? `, ${p.response}` : ''}{typeof p.months === 'number' ? `, ${formatNumber(p.months)} months` : ''}
                    {p.stopped ? `, stopped: ${String(p.stopped).replace(/_/g, ' ')}` : ''}</dd>
                </div>
              ))}
            </dl>
          </section>
        );
      })}
    </div>
  );
}

// Field-by-field differences between two revisions of a case (flattened dotted paths).
export function diffCases(a: CaseDoc, b: CaseDoc): { path: string; before: unknown; after: unknown }[] {
  const flat = (o: unknown, pre: string, out: Map<string, unknown>) => {
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      for (const [key, v] of Object.entries(o)) flat(v, pre ? `${pre}.${key}` : key, out);
    } else out.set(pre, o);
    return out;
  };
  const fa = flat(a, '', new Map()), fb = flat(b, '', new Map());
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return keys.filter((key) => JSON.stringify(fa.get(key)) !== JSON.stringify(fb.get(key)))
    .map((path) => ({ path, before: fa.get(path), after: fb.get(path) }));
}
