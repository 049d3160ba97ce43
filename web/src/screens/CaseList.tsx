import { useEffect, useState } from 'preact/hooks';
import { api, canWrite, errorText, type CaseSummary, type User } from '../api';
import { fmtTime } from '../util';

export function CaseList({ user }: { user: User }) {
  const [cases, setCases] = useState<CaseSummary[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.cases().then((r) => setCases(r.cases)).catch((e) => setError(errorText(e)));
  }, []);

  return (
    <section>
      <div class="heading-row">
        <h1>Board agenda</h1>
        {canWrite(user) && <a class="button primary" href="#/cases/new">New case</a>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!cases && !error && <p aria-live="polite">Loading cases…</p>}
      {cases && cases.length === 0 && <p>No cases yet.{canWrite(user) ? ' Create one, or load a demo case from the form.' : ''}</p>}
      {cases && cases.length > 0 && (
        <table class="data" data-testid="case-table">
          <caption class="sr-only">Cases on the board's agenda</caption>
          <thead>
            <tr><th scope="col">Case</th><th scope="col">Status</th><th scope="col">Revision</th>
              <th scope="col">Last change</th><th scope="col">Last evaluation</th></tr>
          </thead>
          <tbody>
            {cases.map((c) => (
              <tr key={c.id}>
                <th scope="row"><a href={`#/cases/${encodeURIComponent(c.id)}`}>{c.label || c.id}</a></th>
                <td><span class={`status status-${c.status}`}>{c.status.replace(/_/g, ' ')}</span></td>
                <td>{c.revision}</td>
                <td>{fmtTime(c.updated_at)} by {c.updated_by}</td>
                <td>{c.last_evaluation ? fmtTime(c.last_evaluation.at) : 'never'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
