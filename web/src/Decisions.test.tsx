import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { DecisionForm } from './Decisions';
import type { Knowledge, Recommendation } from './api';

const rec = {
  options: [
    { id: 'ssa.lanreotide', title: 'Lanreotide', intent: 'disease_control', preferred: true, rationale: 'r', rank: 1 },
    { id: 'prrt.lu177_dotatate', title: 'PRRT', intent: 'disease_control', preferred: false, rationale: 'r', rank: 2 },
  ],
  not_recommended: [{ id: 'chemo.platinum_etoposide', reason: 'for poorly differentiated NEC only' }],
  alerts: [], workup: [{ id: 'workup.sstr_pet', text: 'SSTR PET' }], monitoring: [], missing: [], trace: [],
} as unknown as Recommendation;
const k = { version: '1', models: [], citations: {}, options: [
  { id: 'ssa.lanreotide', title: 'Lanreotide' }, { id: 'prrt.lu177_dotatate', title: 'PRRT' },
  { id: 'chemo.platinum_etoposide', title: 'Platinum–etoposide' }] } as Knowledge;

let host: HTMLElement;
let bodies: any[];
beforeEach(() => {
  bodies = [];
  host = document.createElement('div');
  document.body.appendChild(host);
  vi.stubGlobal('fetch', vi.fn(async (_url: string, init: RequestInit) => {
    bodies.push(JSON.parse(String(init.body)));
    return new Response(JSON.stringify({ id: 7, case_revision: 1, created_at: '', created_by: 'c', decision: bodies.at(-1) }),
      { status: 201, headers: { 'Content-Type': 'application/json' } });
  }));
});
afterEach(() => { render(null, host); host.remove(); vi.unstubAllGlobals(); });

const flush = () => act(async () => { await new Promise((r) => setTimeout(r, 0)); });
const q = <T extends Element>(s: string) => host.querySelector<T>(s)!;
function select(sel: string, value: string) {
  act(() => { const el = q<HTMLSelectElement>(sel); el.value = value; el.dispatchEvent(new Event('change', { bubbles: true })); });
}
function fill(sel: string, value: string) {
  act(() => { const el = q<HTMLInputElement>(sel); el.value = value; el.dispatchEvent(new Event('input', { bubbles: true })); });
}
const submit = async () => { act(() => { q<HTMLFormElement>('form').dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })); }); await flush(); };

describe('DecisionForm', () => {
  it('starts with the meeting\'s attendees and records the decision in the meeting', async () => {
    const onDone = vi.fn();
    act(() => { render(<DecisionForm caseId="c1" rec={rec} k={k} meetingId="m1" onDone={onDone}
      attendees={[{ role: 'Chair', name: 'Dr Amal Haddad' }, { role: 'Surgery', name: 'Mr Tom Reid' }]} />, host); });
    expect(q<HTMLInputElement>('#dec-new-att-name-0').value).toBe('Dr Amal Haddad');
    expect(q<HTMLInputElement>('#dec-new-att-name-1').value).toBe('Mr Tom Reid');
    await submit();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ outcome: 'option', option_id: 'ssa.lanreotide', meeting_id: 'm1',
      attendees: [{ role: 'Chair', name: 'Dr Amal Haddad' }, { role: 'Surgery', name: 'Mr Tom Reid' }] });
    expect(onDone).toHaveBeenCalled();
  });

  it('asks for the reason when a not-recommended option is chosen, and sends it', async () => {
    act(() => { render(<DecisionForm caseId="c1" rec={rec} k={k} onDone={() => {}} attendees={[{ role: 'Chair', name: 'A' }]} />, host); });
    expect(host.querySelector('#dec-new-reason')).toBeNull();
    select('#dec-new-option', 'chemo.platinum_etoposide');
    expect(host.textContent).toContain('not among the options recommended for this case: for poorly differentiated NEC only');
    await submit();
    expect(bodies).toHaveLength(0);
    expect(q('[role=alert]').textContent).toMatch(/reason/);
    fill('#dec-new-reason', 'Patient declined the alternatives');
    await submit();
    expect(bodies[0]).toMatchObject({ option_id: 'chemo.platinum_etoposide', reason: 'Patient declined the alternatives' });
  });

  it('defers for work-up with the work-up the evaluation lists', async () => {
    act(() => { render(<DecisionForm caseId="c1" rec={rec} k={k} onDone={() => {}} attendees={[{ role: 'Chair', name: 'A' }]} />, host); });
    act(() => { q<HTMLInputElement>('input[value=defer_workup]').click(); });
    expect(q<HTMLTextAreaElement>('#dec-new-workup').value).toBe('SSTR PET');
    await submit();
    expect(bodies[0]).toMatchObject({ outcome: 'defer_workup', workup_requested: ['SSTR PET'] });
    expect(bodies[0].option_id).toBeUndefined();
  });

  it('amends an earlier decision, starting from its content', async () => {
    const earlier = { id: 3, case_revision: 1, created_at: '', created_by: 'c', meeting_id: 'm1', amends: null, amended_by: null, recommended: true,
      decision: { outcome: 'option', option_id: 'ssa.lanreotide', workup_requested: [], attendees: [{ role: 'Chair', name: 'A' }], notes: 'n', reason: '', meeting_id: 'm1', amends: null } } as any;
    act(() => { render(<DecisionForm caseId="c1" rec={rec} k={k} meetingId="m1" amends={earlier} onDone={() => {}} attendees={[]} />, host); });
    expect(host.querySelector('h2')!.textContent).toBe('Amend decision 3');
    select('#dec-a3-option', 'prrt.lu177_dotatate');
    await submit();
    expect(bodies[0]).toMatchObject({ amends: 3, option_id: 'prrt.lu177_dotatate', notes: 'n' });
  });
});
