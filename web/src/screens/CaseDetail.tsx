import { useEffect, useState } from 'preact/hooks';
import {
  api, canDecide, canWrite, errorText, loadKnowledge,
  type AuditEntry, type Attendee, type Decision, type Evaluation, type Knowledge, type StoredCase, type User,
} from '../api';
import { RecommendationView, optionTitle } from './Recommendation';
import { PatientView } from './PatientView';
import { fmtTime } from '../util';

const TABS: [string, string][] = [
  ['recommendation', 'Recommendation'], ['patient', 'Patient view'], ['decision', 'Board decision'], ['history', 'History'],
];
const BOARD_ROLES = ['Chair', 'Medical oncology', 'Surgery', 'Radiology', 'Nuclear medicine', 'Pathology',
  'Gastroenterology', 'Endocrinology', 'Specialist nurse', 'Other'];

function DecisionPanel({ user, c, evaluation, k, decisions, onDecided }: {
  user: User; c: StoredCase; evaluation: Evaluation | null; k: Knowledge | null; decisions: Decision[];
  onDecided: () => void;
}) {
  const recOptions = evaluation?.recommendation.options ?? [];
  const [optionId, setOptionId] = useState(recOptions.find((o) => o.preferred)?.id ?? '');
  const [attendees, setAttendees] = useState<Attendee[]>([{ role: 'Chair', name: '' }]);
  const [notes, setNotes] = useState('');
  const [error, setError] = useState('');
  const [ok, setOk] = useState('');
  const [busy, setBusy] = useState(false);
  const allowed = canDecide(user);
  const others = (k?.options ?? []).filter((o) => !recOptions.some((r) => r.id === o.id));

  const setAtt = (i: number, key: keyof Attendee, v: string) =>
    setAttendees(attendees.map((a, j) => (j === i ? { ...a, [key]: v } : a)));

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(''); setOk('');
    if (!optionId) { setError('Choose the option the board decided on.'); return; }
    setBusy(true);
    try {
      await api.decide(c.id, { option_id: optionId, attendees: attendees.filter((a) => a.name.trim()), notes });
      setOk('Decision recorded.'); setNotes('');
      onDecided();
    } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };

  return (
    <div class="decision">
      {allowed ? (
        <form class="card" onSubmit={submit} data-testid="decision-form">
          <h2>Record the board's decision</h2>
          <div class="field">
            <label for="decision-option">Option chosen</label>
            <select id="decision-option" value={optionId} onChange={(e) => setOptionId(e.currentTarget.value)}>
              <option value="">— choose —</option>
              <optgroup label="Options for this case">
                {recOptions.map((o) => <option key={o.id} value={o.id}>{o.title}{o.preferred ? ' (preferred)' : ''}</option>)}
              </optgroup>
              {others.length > 0 && (
                <optgroup label="Other options in the catalogue">
                  {others.map((o) => <option key={o.id} value={o.id}>{o.title}</option>)}
                </optgroup>
              )}
            </select>
          </div>
          <fieldset class="field">
            <legend>Attendees</legend>
            {attendees.map((a, i) => (
              <div class="attendee-row" key={i}>
                <div class="field">
                  <label for={`att-role-${i}`}>Role</label>
                  <select id={`att-role-${i}`} value={a.role} onChange={(e) => setAtt(i, 'role', e.currentTarget.value)}>
                    {BOARD_ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </div>
                <div class="field">
                  <label for={`att-name-${i}`}>Name</label>
                  <input id={`att-name-${i}`} value={a.name} onInput={(e) => setAtt(i, 'name', e.currentTarget.value)} />
                </div>
                {attendees.length > 1 && (
                  <button type="button" class="secondary small" onClick={() => setAttendees(attendees.filter((_, j) => j !== i))}>
                    Remove<span class="sr-only"> attendee {i + 1}</span>
                  </button>
                )}
              </div>
            ))}
            <button type="button" class="secondary small" onClick={() => setAttendees([...attendees, { role: 'Medical oncology', name: '' }])}>Add attendee</button>
          </fieldset>
          <div class="field">
            <label for="decision-notes">Notes</label>
            <textarea id="decision-notes" rows={4} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
          </div>
          {error && <p class="error" role="alert">{error}</p>}
          <div aria-live="polite">{ok && <p class="ok">{ok}</p>}</div>
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Recording…' : 'Record decision'}</button>
        </form>
      ) : (
        <p class="notice">Only clinicians record board decisions; your role is {user.role}.</p>
      )}
      <section aria-labelledby="decisions-h">
        <h2 id="decisions-h">Decisions</h2>
        {decisions.length === 0 ? <p>No decision recorded yet.</p> : (
          <ol class="decision-list" data-testid="decision-list">
            {[...decisions].reverse().map((d) => (
              <li key={d.id} class="card">
                <p><strong>{optionTitle(k, d.decision.option_id)}</strong> — {fmtTime(d.created_at)} by {d.created_by}, case revision {d.case_revision}</p>
                {d.decision.attendees?.length > 0 && (
                  <p>Attendees: {d.decision.attendees.map((a) => `${a.name} (${a.role})`).join(', ')}</p>
                )}
                {d.decision.notes && <blockquote>{d.decision.notes}</blockquote>}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function HistoryPanel({ user, c, evaluations, onChanged }: {
  user: User; c: StoredCase; evaluations: Evaluation[]; onChanged: () => void;
}) {
  const [revisions, setRevisions] = useState<{ revision: number; created_at: string; created_by: string }[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [msg, setMsg] = useState('');
  useEffect(() => {
    api.revisions(c.id).then((r) => setRevisions(r.revisions)).catch(() => {});
    api.audit(c.id).then((r) => setAudit(r.entries)).catch(() => {});
  }, [c.id, evaluations.length]);

  const replay = async (e: Evaluation) => {
    setMsg('');
    try {
      const r = await api.replay(c.id, e.id);
      setMsg(r.identical
        ? `Evaluation ${e.id} reproduced exactly (knowledge ${r.current_knowledge_version}).`
        : `Evaluation ${e.id} differs today: stored with knowledge ${r.stored_knowledge_version}, now ${r.current_knowledge_version}.`);
    } catch (err) { setMsg(errorText(err)); }
  };
  const reevaluate = async () => {
    setMsg('');
    try { await api.reevaluate(c.id); setMsg('Evaluated again.'); onChanged(); } catch (err) { setMsg(errorText(err)); }
  };

  return (
    <div class="history">
      <div aria-live="polite">{msg && <p class="ok">{msg}</p>}</div>
      <section aria-labelledby="rev-h">
        <h2 id="rev-h">Revisions</h2>
        <table class="data">
          <thead><tr><th scope="col">Revision</th><th scope="col">When</th><th scope="col">By</th></tr></thead>
          <tbody>{[...revisions].reverse().map((r) => (
            <tr key={r.revision}><td>{r.revision}</td><td>{fmtTime(r.created_at)}</td><td>{r.created_by}</td></tr>
          ))}</tbody>
        </table>
      </section>
      <section aria-labelledby="ev-h">
        <div class="heading-row">
          <h2 id="ev-h">Evaluations</h2>
          {canWrite(user) && <button type="button" class="secondary" onClick={reevaluate}>Evaluate again</button>}
        </div>
        <table class="data">
          <thead><tr><th scope="col">When</th><th scope="col">By</th><th scope="col">Case revision</th>
            <th scope="col">Knowledge</th><th scope="col">Engine</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>{[...evaluations].reverse().map((e) => (
            <tr key={e.id}>
              <td>{fmtTime(e.created_at)}</td><td>{e.created_by}</td><td>{e.case_revision}</td>
              <td>{e.knowledge_version}</td><td>{e.engine_version}</td>
              <td>{canWrite(user) && <button type="button" class="link" onClick={() => replay(e)}>Replay<span class="sr-only"> evaluation {e.id}</span></button>}</td>
            </tr>
          ))}</tbody>
        </table>
      </section>
      <section aria-labelledby="audit-h">
        <h2 id="audit-h">Audit trail</h2>
        {audit.length === 0 ? <p>No entries.</p> : (
          <table class="data">
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th></tr></thead>
            <tbody>{[...audit].reverse().map((a) => (
              <tr key={a.seq}><td>{fmtTime(a.at)}</td><td>{a.actor}</td>
                <td>{a.action.replace(/_/g, ' ')}{a.detail && typeof a.detail === 'object' ? <span class="muted"> {summarise(a.detail)}</span> : a.detail ? ` ${a.detail}` : ''}</td></tr>
            ))}</tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function summarise(d: object): string {
  return Object.entries(d).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}: ${v}`).join(', ');
}

export function CaseDetail({ user, caseId, tab }: { user: User; caseId: string; tab: string }) {
  const [c, setC] = useState<StoredCase | null>(null);
  const [evaluations, setEvaluations] = useState<Evaluation[]>([]);
  const [decisions, setDecisions] = useState<Decision[]>([]);
  const [k, setK] = useState<Knowledge | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const refresh = () => setTick(tick + 1);

  useEffect(() => {
    setError('');
    Promise.all([api.getCase(caseId), api.evaluations(caseId), api.decisions(caseId)])
      .then(([cc, ev, de]) => { setC(cc); setEvaluations(ev.evaluations); setDecisions(de.decisions); })
      .catch((e) => setError(errorText(e)));
    loadKnowledge().then(setK).catch(() => setK(null));
  }, [caseId, tick]);

  if (error) return <section><h1>Case {caseId}</h1><p class="error" role="alert">{error}</p></section>;
  if (!c) return <section><h1>Case {caseId}</h1><p aria-live="polite">Loading…</p></section>;

  const latest = evaluations.length ? evaluations[evaluations.length - 1] : null;
  const rec = latest?.recommendation;
  const base = `#/cases/${encodeURIComponent(caseId)}`;

  return (
    <section>
      <div class="heading-row">
        <h1>Case {typeof c.case.id === 'string' && c.case.id ? c.case.id : c.id}</h1>
        <span class="muted">Revision {c.revision} · {fmtTime(c.created_at)} by {c.created_by}</span>
        {canWrite(user) && <a class="button secondary no-print" href={`${base}/edit`}>{'Edit case'}</a>}
      </div>
      <nav class="tabs no-print" aria-label="Case views">
        {TABS.map(([id, label]) => (
          <a key={id} href={`${base}/${id}`} aria-current={tab === id ? 'page' : undefined}>{label}</a>
        ))}
      </nav>
      {latest && latest.case_revision !== c.revision && (
        <p class="notice">The latest evaluation is for revision {latest.case_revision}; the case is at revision {c.revision}.</p>
      )}
      {tab === 'recommendation' && (rec ? <RecommendationView rec={rec} k={k} doc={c.case} /> : <p>Not evaluated yet.</p>)}
      {tab === 'patient' && (rec ? <PatientView rec={rec} k={k} doc={c.case} decisions={decisions} /> : <p>Not evaluated yet.</p>)}
      {tab === 'decision' && <DecisionPanel user={user} c={c} evaluation={latest} k={k} decisions={decisions} onDecided={refresh} />}
      {tab === 'history' && <HistoryPanel user={user} c={c} evaluations={evaluations} onChanged={refresh} />}
    </section>
  );
}
