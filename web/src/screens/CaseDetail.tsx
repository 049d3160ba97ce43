import { useEffect, useState } from 'preact/hooks';
import {
  api, canDecide, canWrite, errorText, loadKnowledge,
  type AuditEntry, type CaseDoc, type Decision, type Evaluation, type Knowledge, type StoredCase, type User,
} from '../api';
import { RecommendationView } from './Recommendation';
import { CaseSourcePanel } from '../CaseSource';
import { CaseFacts, diffCases, fieldByPath, showValue } from '../CaseFacts';
import { DecisionForm, DecisionList } from '../Decisions';
import { ClassificationStrip } from './Present';
import { PatientView } from './PatientView';
import { fmtTime, useTitle } from '../util';

const TABS: [string, string][] = [
  ['summary', 'Case summary'], ['recommendation', 'Recommendation'], ['patient', 'Patient view'], ['decision', 'Board decision'], ['history', 'History'],
];

function DecisionPanel({ user, c, evaluation, k, decisions, onDecided }: {
  user: User; c: StoredCase; evaluation: Evaluation | null; k: Knowledge | null; decisions: Decision[];
  onDecided: () => void;
}) {
  const [amending, setAmending] = useState<Decision | null>(null);
  const [ok, setOk] = useState('');
  const done = (what: string) => { setOk(what); setAmending(null); onDecided(); };
  return (
    <div class="decision">
      <div aria-live="polite">{ok && <p class="ok">{ok}</p>}</div>
      {canDecide(user) ? (
        amending
          ? <DecisionForm key={`a${amending.id}`} caseId={c.id} rec={evaluation?.recommendation ?? null} k={k} attendees={[]}
              amends={amending} onCancel={() => setAmending(null)} onDone={() => done('Amendment recorded.')} />
          : <DecisionForm key={`n${decisions.length}`} caseId={c.id} rec={evaluation?.recommendation ?? null} k={k} attendees={[]}
              onDone={() => done('Decision recorded.')} />
      ) : (
        <p class="notice">Only clinicians record board decisions; your role is {user.role}.</p>
      )}
      <section aria-labelledby="decisions-h">
        <h2 id="decisions-h">Decisions</h2>
        <DecisionList user={user} decisions={decisions} k={k} onAmend={(d) => { setOk(''); setAmending(d); }} />
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
  const [shown, setShown] = useState<{ rev: number; doc: CaseDoc; prev: CaseDoc | null } | null>(null);
  const open = async (rev: number) => {
    try {
      const [a, b] = await Promise.all([api.getCase(c.id, rev), rev > 1 ? api.getCase(c.id, rev - 1) : Promise.resolve(null)]);
      setShown({ rev, doc: a.case, prev: b?.case ?? null });
    } catch (err) { setMsg(errorText(err)); }
  };
  // Each evaluation against the one before it: did the first choice or the set of options change?
  const changes = new Map<number, string>();
  evaluations.forEach((e, i) => {
    if (i === 0) return;
    const a = evaluations[i - 1].recommendation.options.map((o) => o.id), b = e.recommendation.options.map((o) => o.id);
    const parts: string[] = [];
    if (a[0] !== b[0]) parts.push(`first choice changed: ${a[0] ?? 'none'} → ${b[0] ?? 'none'}`);
    const added = b.filter((x) => !a.includes(x)), removed = a.filter((x) => !b.includes(x));
    if (added.length) parts.push(`added ${added.join(', ')}`);
    if (removed.length) parts.push(`removed ${removed.join(', ')}`);
    changes.set(e.id, parts.length ? `Recommendation changed: ${parts.join('; ')}` : 'Same recommendation as before');
  });
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
          <thead><tr><th scope="col">Revision</th><th scope="col">When</th><th scope="col">By</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>{[...revisions].reverse().map((r) => (
            <tr key={r.revision}><td>{r.revision}</td><td>{fmtTime(r.created_at)}</td><td>{r.created_by}</td>
              <td><button type="button" class="link" onClick={() => open(r.revision)}>Open and compare<span class="sr-only"> revision {r.revision}</span></button></td></tr>
          ))}</tbody>
        </table>
        {shown && (
          <div class="card" data-testid="revision-view">
            <div class="heading-row"><h3>Revision {shown.rev}</h3><button type="button" class="secondary small" onClick={() => setShown(null)}>Close</button></div>
            {shown.prev ? <RevisionDiff before={shown.prev} after={shown.doc} rev={shown.rev} /> : <p>The first revision.</p>}
            <details><summary>All facts of revision {shown.rev}</summary><CaseFacts doc={shown.doc} k={null} /></details>
          </div>
        )}
      </section>
      <section aria-labelledby="ev-h">
        <div class="heading-row">
          <h2 id="ev-h">Evaluations</h2>
          {canWrite(user) && <button type="button" class="secondary" onClick={reevaluate}>Evaluate again</button>}
        </div>
        <table class="data" data-testid="evaluations">
          <thead><tr><th scope="col">When</th><th scope="col">By</th><th scope="col">Case revision</th>
            <th scope="col">Knowledge</th><th scope="col">Engine</th><th scope="col">Change</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>{[...evaluations].reverse().map((e) => (
            <tr key={e.id}>
              <td>{fmtTime(e.created_at)}</td><td>{e.created_by}</td><td>{e.case_revision}</td>
              <td>{e.knowledge_version}</td><td>{e.engine_version}</td>
              <td class={changes.get(e.id)?.startsWith('Recommendation changed') ? 'warn-text' : ''}>{changes.get(e.id) ?? 'First evaluation'}</td>
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

function RevisionDiff({ before, after, rev }: { before: CaseDoc; after: CaseDoc; rev: number }) {
  const diff = diffCases(before, after);
  if (!diff.length) return <p>No change from revision {rev - 1}.</p>;
  return (
    <table class="data">
      <caption>Changes from revision {rev - 1} to {rev}</caption>
      <thead><tr><th scope="col">Field</th><th scope="col">Revision {rev - 1}</th><th scope="col">Revision {rev}</th></tr></thead>
      <tbody>{diff.map((d) => {
        const f = fieldByPath(d.path);
        return <tr key={d.path}><th scope="row">{f?.label ?? d.path}</th><td>{showValue(f, d.before)}</td><td>{showValue(f, d.after)}</td></tr>;
      })}</tbody>
    </table>
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
  const names: Record<string, string> = { summary: 'case summary', recommendation: 'recommendation', patient: 'patient view', decision: 'board decision', history: 'history' };
  useTitle(`Case ${caseId}: ${names[tab] ?? tab}`);

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
      {tab === 'summary' && (
        <div data-testid="case-summary">
          {rec && <ClassificationStrip rec={rec} />}
          <CaseFacts doc={c.case} k={k} missing={rec?.missing} />
          <CaseSourcePanel caseId={c.id} />
        </div>
      )}
      {tab === 'recommendation' && (
        <details class="card facts-details"><summary>Case facts (revision {c.revision})</summary><CaseFacts doc={c.case} k={k} missing={rec?.missing} /></details>
      )}
      {tab === 'recommendation' && (rec ? <RecommendationView rec={rec} k={k} doc={c.case} /> : <p>Not evaluated yet.</p>)}
      {tab === 'patient' && (rec ? <PatientView rec={rec} k={k} doc={c.case} decisions={decisions} /> : <p>Not evaluated yet.</p>)}
      {tab === 'decision' && <DecisionPanel user={user} c={c} evaluation={latest} k={k} decisions={decisions} onDecided={refresh} />}
      {tab === 'history' && <HistoryPanel user={user} c={c} evaluations={evaluations} onChanged={refresh} />}
    </section>
  );
}
