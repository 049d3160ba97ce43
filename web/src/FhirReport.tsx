import { GROUPS } from './fields';
import type { ComponentChildren } from 'preact';
import type { FhirMapReport } from './api';

// The one view of a FHIR mapping report (docs/fhir-mapping.md): after a bundle import in the case
// form, and on the case summary of a case opened by a SMART launch (CaseSource).
export type { FhirMapReport };

const LABELS: Record<string, string> = Object.fromEntries(GROUPS.flatMap((g) => g.fields.map((f) => [f.path, f.label])));
export const fieldLabel = (path: string) => LABELS[path] ?? path;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function FhirReport({ file, title, intro, advice = 'Review the fields before saving.', fieldsOpen = false, from = 'the bundle', report }: {
  file?: string; title?: string; intro?: ComponentChildren; advice?: string; fieldsOpen?: boolean; from?: string; report: FhirMapReport;
}) {
  const fields = report.fields ?? [], conflicts = report.conflicts ?? [], unused = report.unused ?? [];
  const notes = report.notes ?? [], reported = report.reported ?? [];
  return (
    <section class="card fhir-report" aria-labelledby="fhir-report-h" data-testid="fhir-report">
      <h2 id="fhir-report-h">{title ?? `Mapping report for ${file}`}</h2>
      {intro}
      <p>{fields.length} field{fields.length === 1 ? '' : 's'} filled, {conflicts.length} conflict{conflicts.length === 1 ? '' : 's'},{' '}
        {unused.length} unused resource{unused.length === 1 ? '' : 's'}. {advice}</p>
      {conflicts.length > 0 && (
        <>
          <h3>Conflicts (the latest value is used)</h3>
          <ul data-testid="fhir-conflicts">{conflicts.map((c) => (
            <li key={c.field}><strong>{fieldLabel(c.field)}</strong>: used {show(c.used)} from {c.used_from}{c.date ? ` (${c.date})` : ''};
              {' '}not used: {(c.ignored ?? []).map((i) => `${show(i.value)} from ${i.resource}${i.date ? ` (${i.date})` : ''}`).join(', ')}</li>
          ))}</ul>
        </>
      )}
      {unused.length > 0 && (
        <>
          <h3>Resources not used</h3>
          <ul data-testid="fhir-unused">{unused.map((u) => <li key={u}>{u}</li>)}</ul>
        </>
      )}
      {notes.length > 0 && (
        <>
          <h3>Notes</h3>
          <ul data-testid="fhir-notes">{notes.map((n) => <li key={n}>{n}</li>)}</ul>
        </>
      )}
      {reported.length > 0 && (
        <>
          <h3>Reported in {from}, not copied into the case</h3>
          <ul>{reported.map((r, i) => <li key={i}>{humanItem(r.item)}: {show(r.value)}{r.resource ? ` (${r.resource})` : ''}</li>)}</ul>
        </>
      )}
      {fields.length > 0 && (
        <details open={fieldsOpen}>
          <summary>Fields and their sources</summary>
          <table class="data">
            <caption class="sr-only">Case fields filled from the bundle</caption>
            <thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Source resource</th></tr></thead>
            <tbody>{fields.map((f) => (
              <tr key={f.field}><th scope="row">{fieldLabel(f.field)}</th><td>{show(f.value)}</td>
                <td>{f.resource}{f.element ? <span class="muted"> · {f.element}</span> : null}</td></tr>
            ))}</tbody>
          </table>
        </details>
      )}
    </section>
  );
}

const humanItem = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
