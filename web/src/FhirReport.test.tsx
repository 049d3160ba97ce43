import { afterEach, describe, expect, it } from 'vitest';
import { render } from 'preact';
import { FhirReport } from './FhirReport';
import { diffCases, showValue, fieldByPath } from './CaseFacts';

let host: HTMLElement;
afterEach(() => { render(null, host); host.remove(); });

describe('FhirReport', () => {
  it('lists conflicts, unused resources and notes, fields by their labels', () => {
    host = document.createElement('div');
    document.body.appendChild(host);
    render(<FhirReport file="b.json" report={{
      fields: [{ field: 'tumor.ki67_percent', value: 2, resource: 'Observation/ki', element: 'valueQuantity.value' }],
      conflicts: [{ field: 'patient.egfr_ml_min', used: 58, used_from: 'Observation/new', date: '2025-08-12',
        ignored: [{ value: 71, resource: 'Observation/old', date: '2025-02-01' }] }],
      unused: ["Observation/plt: unit 'g/L' not in the code tables"],
      notes: ["Observation/plt: unit 'g/L' not convertible; value not used"],
    }} />, host);
    expect(host.textContent).toContain('1 field filled, 1 conflict, 1 unused resource');
    expect(host.querySelector('[data-testid=fhir-conflicts]')!.textContent)
      .toBe('eGFR / creatinine clearance: used 58 from Observation/new (2025-08-12); not used: 71 from Observation/old (2025-02-01)');
    expect(host.querySelector('[data-testid=fhir-unused]')!.textContent).toContain("unit 'g/L'");
    expect(host.querySelector('[data-testid=fhir-notes]')!.textContent).toContain('not convertible');
    expect(host.querySelector('tbody th')!.textContent).toBe('Ki-67 index');
  });
});

describe('case facts', () => {
  it('shows values with their labels and units', () => {
    expect(showValue(fieldByPath('tumor.ki67_percent'), 2.5)).toBe('2.5 %');
    expect(showValue(fieldByPath('tumor.primary_site'), 'jejunum_ileum')).toBe('Jejunum / ileum (small bowel)');
    expect(showValue(fieldByPath('tumor.multifocal'), false)).toBe('No');
    expect(showValue(fieldByPath('tumor.ki67_percent'), undefined)).toBe('unknown');
  });
  it('compares two revisions field by field', () => {
    expect(diffCases({ tumor: { ki67_percent: 25, primary_site: 'pancreas' } }, { tumor: { ki67_percent: 2.5, primary_site: 'pancreas', m: 'M0' } }))
      .toEqual([{ path: 'tumor.ki67_percent', before: 25, after: 2.5 }, { path: 'tumor.m', before: undefined, after: 'M0' }]);
  });
});
