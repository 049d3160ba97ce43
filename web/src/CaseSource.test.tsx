import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { CaseSourcePanel } from './CaseSource';

// A source as GET /v1/cases/{id}/source answers it after a SMART launch (docs/api.md).
const source = {
  kind: 'smart',
  fhir_base: 'https://ehr.example.org/fhir/r4',
  patient: 'Patient/pt-17',
  imported_at: '2026-12-06T08:30:00Z',
  mapping_report: {
    fields: [
      { field: 'tumor.ki67_percent', value: 12, resource: 'Observation/ki67-2026', element: 'valueQuantity.value' },
      { field: 'tumor.primary_site', value: 'pancreas', resource: 'Condition/pnet', element: 'bodySite' },
      { field: 'tumor.size_cm', value: 2.4, resource: 'Observation/tumour-size', element: 'component[33728-7].valueQuantity' },
    ],
    conflicts: [{ field: 'patient.egfr_ml_min', used: 58, used_from: 'Observation/egfr-aug', date: '2026-08-12',
      ignored: [{ value: 71, resource: 'Observation/egfr-feb', date: '2026-02-01' }] }],
    unused: ['Observation/plt: unit \'g/L\' not in the code tables', 'Procedure/colonoscopy: not a resection'],
    notes: ['stage group differs: IIIB reported (Observation/stage-group valueCodeableConcept), IIA derived from T, N and M; the derived group is used, the reported one is not copied'],
    reported: [{ item: 'stage_group', value: 'IIIB', resource: 'Observation/stage-group', element: 'valueCodeableConcept', date: '2026-07-01' }],
  },
};

let host: HTMLElement;
const urls: string[] = [];
function answer(status: number, body: unknown) {
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    urls.push(url);
    return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' } });
  }));
}
beforeEach(() => { host = document.createElement('div'); document.body.appendChild(host); });
afterEach(() => { render(null, host); host.remove(); urls.length = 0; vi.unstubAllGlobals(); });
const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });

describe('CaseSourcePanel', () => {
  it('shows the EHR, the patient reference and the mapping report of a case opened by a SMART launch', async () => {
    answer(200, source);
    act(() => { render(<CaseSourcePanel caseId="smart 1" />, host); });
    await flush();
    expect(urls).toEqual(['/v1/cases/smart%201/source']);
    expect(host.querySelector('h2')!.textContent).toBe('Opened from the EHR');
    const origin = host.querySelector('[data-testid=case-source-origin]')!.textContent!;
    expect(origin).toContain('From the FHIR server ehr.example.org');
    expect(origin).not.toContain('/fhir/r4');
    expect(origin).toContain('patient Patient/pt-17');
    expect(origin).toContain('imported 6 Dec 2026');
    expect(host.textContent).toContain('3 fields filled, 1 conflict, 2 unused resources');
    // Fields with their source resource and element, by their labels.
    const rows = [...host.querySelectorAll('tbody tr')].map((r) => r.textContent);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toBe('Ki-67 index12Observation/ki67-2026 · valueQuantity.value');
    expect(rows[2]).toContain('Observation/tumour-size');
    expect(host.querySelector('details')!.open).toBe(true);
    expect(host.querySelector('[data-testid=fhir-conflicts]')!.textContent)
      .toBe('eGFR / creatinine clearance: used 58 from Observation/egfr-aug (2026-08-12); not used: 71 from Observation/egfr-feb (2026-02-01)');
    const unused = [...host.querySelectorAll('[data-testid=fhir-unused] li')].map((li) => li.textContent);
    expect(unused).toEqual(source.mapping_report.unused);
    expect(host.querySelector('[data-testid=fhir-notes]')!.textContent).toContain('stage group differs: IIIB reported');
    expect(host.textContent).toContain('Reported in the EHR, not copied into the case');
    expect(host.textContent).toContain('Stage group: IIIB (Observation/stage-group)');
  });

  it('reads the source once per case and collapses the fields on a later view', async () => {
    answer(200, source);
    act(() => { render(<CaseSourcePanel caseId="smart 2" />, host); });
    await flush();
    act(() => { render(null, host); });
    act(() => { render(<CaseSourcePanel caseId="smart 2" />, host); });
    await flush();
    expect(urls).toEqual(['/v1/cases/smart%202/source']);
    expect(host.querySelector('[data-testid=case-source]')).not.toBeNull();
    expect(host.querySelector('details')!.open).toBe(false);
  });

  it('shows nothing for a case entered by hand (404)', async () => {
    answer(404, { type: 'https://zebra.example/problems/not-found', title: 'Not found', status: 404, detail: 'case c1 was not imported from an EHR' });
    act(() => { render(<CaseSourcePanel caseId="c1" />, host); });
    await flush();
    expect(urls).toEqual(['/v1/cases/c1/source']);
    expect(host.innerHTML).toBe('');
  });

  it('says so when the source cannot be read for another reason', async () => {
    answer(503, { title: 'Audit log unavailable', status: 503, detail: 'the access could not be recorded in the audit log, so it is refused; try again later' });
    act(() => { render(<CaseSourcePanel caseId="c2" />, host); });
    await flush();
    expect(host.querySelector('[data-testid=case-source-error]')!.textContent).toContain('audit log');
    expect(host.querySelector('[data-testid=case-source]')).toBeNull();
  });
});
