import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type CaseSource as Source } from './api';
import { FhirReport } from './FhirReport';
import { fmtTime } from './util';

// Where a case opened by a SMART launch came from (GET /v1/cases/{id}/source): the EHR, the patient
// reference, when it was imported, and the mapping report of that import. Nothing for a case
// entered by hand (404).

// A source never changes once stored, so it is read once per case and page load (each read is
// audited as case.source.read); failures are not kept, so the next view asks again.
const cache = new Map<string, Promise<Source | null>>();
function loadSource(caseId: string): Promise<Source | null> {
  let p = cache.get(caseId);
  if (!p) {
    p = api.caseSource(caseId);
    p.catch(() => cache.delete(caseId));
    cache.set(caseId, p);
  }
  return p;
}

// The fields table is open the first time a case's report is shown in this page, collapsed after.
const seen = new Set<string>();

export function fhirHost(base: string): string {
  try { return new URL(base).host || base; } catch { return base; }
}

export function CaseSourceView({ source, fieldsOpen = false }: { source: Source; fieldsOpen?: boolean }) {
  const fromEhr = source.kind === 'smart';
  return (
    <div data-testid="case-source">
      <FhirReport
        title={fromEhr ? 'Opened from the EHR' : 'Imported from FHIR'}
        intro={<p data-testid="case-source-origin">
          From the FHIR server <strong>{fhirHost(source.fhir_base)}</strong>: patient <code>{source.patient}</code>,
          {' '}imported {fmtTime(source.imported_at)}.
        </p>}
        advice="Check the conflicts and the resources not used against the EHR."
        fieldsOpen={fieldsOpen}
        from={fromEhr ? 'the EHR' : 'the FHIR data'}
        report={source.mapping_report ?? {}} />
    </div>
  );
}

export function CaseSourcePanel({ caseId }: { caseId: string }) {
  const [source, setSource] = useState<Source | null>(null);
  const [error, setError] = useState('');
  const [open] = useState(() => !seen.has(caseId));
  useEffect(() => {
    let live = true;
    setSource(null);
    setError('');
    loadSource(caseId).then((s) => { if (live) setSource(s); }).catch((e) => { if (live) setError(errorText(e)); });
    return () => { live = false; };
  }, [caseId]);
  useEffect(() => { if (source) seen.add(caseId); }, [source, caseId]);
  if (error) return <p class="error" data-testid="case-source-error">Where this case came from could not be read: {error}</p>;
  return source ? <CaseSourceView source={source} fieldsOpen={open} /> : null;
}
