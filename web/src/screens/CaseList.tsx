import { useEffect, useRef, useState } from 'preact/hooks';
import { api, canWrite, errorText, type CaseQuery, type CaseSummary, type User } from '../api';
import { fmtTime, useTitle } from '../util';
import { DecisionCell, ReadinessCell } from './Meetings';
import { GROUPS } from '../fields';
import { oneLine } from '../CaseFacts';

const SORTS: [string, string][] = [
  ['-updated', 'Last change, newest first'], ['updated', 'Last change, oldest first'], ['label', 'Case name'],
  ['site', 'Primary site'], ['grade', 'Grade'], ['stage', 'Stage'], ['scenario', 'Scenario'],
  ['-missing', 'Most missing data first'], ['decision', 'Decision status'],
];
const SITES = GROUPS.find((g) => g.id === 'site')!.fields[0].options!;

// The case list (issue 18): a one-line summary, readiness and decision status per case; search,
// sort and filter are done by the server (GET /v1/cases?q&sort&site&readiness&decision).
export function CaseList({ user }: { user: User }) {
  useTitle('Cases');
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState('');
  const [query, setQuery] = useState<CaseQuery>({ sort: '-updated' });
  const [q, setQ] = useState('');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    let live = true;
    api.cases(query).then((r) => { if (live) setCases(r.cases); }).catch((e) => setError(errorText(e)));
    return () => { live = false; };
  }, [JSON.stringify(query)]);
  const set = (key: keyof CaseQuery, v: string) => setQuery({ ...query, [key]: v });
  const search = (v: string) => {
    setQ(v);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setQuery((cur) => ({ ...cur, q: v })), 250);
  };

  return (
    <section>
      <div class="heading-row">
        <h1>Cases</h1>
        {canWrite(user) && <a class="button primary" href="#/cases/new">New case</a>}
      </div>
      <form class="card filters" role="search" onSubmit={(e) => e.preventDefault()} data-testid="case-filters">
        <div class="field"><label for="cl-q">Search</label>
          <input id="cl-q" type="search" value={q} placeholder="name, site, grade, stage, scenario" onInput={(e) => search(e.currentTarget.value)} /></div>
        <div class="field"><label for="cl-sort">Sort by</label>
          <select id="cl-sort" value={query.sort} onChange={(e) => set('sort', e.currentTarget.value)}>
            {SORTS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select></div>
        <div class="field"><label for="cl-site">Primary site</label>
          <select id="cl-site" value={query.site ?? ''} onChange={(e) => set('site', e.currentTarget.value)}>
            <option value="">All</option>{SITES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select></div>
        <div class="field"><label for="cl-ready">Readiness</label>
          <select id="cl-ready" value={query.readiness ?? ''} onChange={(e) => set('readiness', e.currentTarget.value)}>
            <option value="">All</option><option value="ready">Ready</option><option value="incomplete">Missing data</option>
          </select></div>
        <div class="field"><label for="cl-dec">Decision</label>
          <select id="cl-dec" value={query.decision ?? ''} onChange={(e) => set('decision', e.currentTarget.value)}>
            <option value="">All</option><option value="undecided">Undecided</option><option value="decided">Decided</option><option value="deferred">Deferred for work-up</option>
          </select></div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {!cases && !error && <p aria-live="polite">Loading cases…</p>}
      <p class="sr-only" aria-live="polite">{cases ? `${cases.length} case${cases.length === 1 ? '' : 's'} shown` : ''}</p>
      {cases && cases.length === 0 && <p>No cases match.{canWrite(user) ? ' Create one, or load a demo case from the form.' : ''}</p>}
      {cases && cases.length > 0 && (
        <div class="table-wrap">
          <table class="data case-table" data-testid="case-table">
            <caption class="sr-only">Cases</caption>
            <thead>
              <tr><th scope="col">Case</th><th scope="col">Summary</th><th scope="col">Readiness</th>
                <th scope="col">Decision</th><th scope="col">Last change</th></tr>
            </thead>
            <tbody>
              {cases.map((c) => (
                <tr key={c.id} data-case={c.id}>
                  <th scope="row"><a href={`#/cases/${encodeURIComponent(c.id)}`}>{c.label || c.id}</a></th>
                  <td class="one-line">{oneLine(c.summary) || <span class="muted">not evaluated</span>}</td>
                  <td><ReadinessCell r={c.readiness} /></td>
                  <td><DecisionCell d={c.decision ?? { status: c.status === 'decided' ? 'decided' : 'undecided' }} /></td>
                  <td>{fmtTime(c.updated_at)} by {c.updated_by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
