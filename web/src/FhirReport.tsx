import { GROUPS } from './fields';

// The mapping report of POST /v1/fhir/map (docs/fhir-mapping.md): which field came from which
// resource, the values that conflicted (and which one was used), resources that gave nothing,
// notes, and what the bundle reported but the case never copies (stage group, grade).
export interface FhirMapReport {
  fields?: { field: string; value: unknown; resource: string; element?: string }[];
  conflicts?: { field: string; used: unknown; used_from?: string; date?: string; ignored?: { value: unknown; resource: string; date?: string }[] }[];
  unused?: string[];
  notes?: string[];
  reported?: { item: string; value: unknown; resource?: string; element?: string; date?: string }[];
}

const LABELS: Record<string, string> = Object.fromEntries(GROUPS.flatMap((g) => g.fields.map((f) => [f.path, f.label])));
export const fieldLabel = (path: string) => LABELS[path] ?? path;
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function FhirReport({ file, report }: { file: string; report: FhirMapReport }) {
  const fields = report.fields ?? [], conflicts = report.conflicts ?? [], unused = report.unused ?? [];
  const notes = report.notes ?? [], reported = report.reported ?? [];
  return (
    <section class="card fhir-report" aria-labelledby="fhir-report-h" data-testid="fhir-report">
      <h2 id="fhir-report-h">Mapping report for {file}</h2>
      <p>{fields.length} field{fields.length === 1 ? '' : 's'} filled, {conflicts.length} conflict{conflicts.length === 1 ? '' : 's'},{' '}
        {unused.length} unused resource{unused.length === 1 ? '' : 's'}. Review the fields before saving.</p>
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
          <h3>Reported in the bundle, not copied into the case</h3>
          <ul>{reported.map((r, i) => <li key={i}>{humanItem(r.item)}: {show(r.value)}{r.resource ? ` (${r.resource})` : ''}</li>)}</ul>
        </>
      )}
      {fields.length > 0 && (
        <details>
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
