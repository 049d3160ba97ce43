import { useState } from 'preact/hooks';
import { api, canDecide, errorText, ApiError, type Attendee, type Decision, type DecisionInput, type Knowledge, type Recommendation, type User } from './api';
import { fmtTime } from './util';

export const BOARD_ROLES = ['Chair', 'Medical oncology', 'Surgery', 'Radiology', 'Nuclear medicine', 'Pathology',
  'Gastroenterology', 'Endocrinology', 'Specialist nurse', 'Coordinator', 'Other'];

const titleOf = (k: Knowledge | null, id: string | null | undefined) =>
  (id && k?.options.find((o) => o.id === id)?.title) || id || '';

// The attendee rows, shared by the meeting's standing attendees and a decision's attendees.
// onChange takes an updater (a state setter), so quick successive edits never overwrite each other.
export function AttendeesEditor({ idPrefix, list, onChange }: {
  idPrefix: string; list: Attendee[]; onChange: (f: (l: Attendee[]) => Attendee[]) => void;
}) {
  const set = (i: number, key: keyof Attendee, v: string) => onChange((cur) => cur.map((a, j) => (j === i ? { ...a, [key]: v } : a)));
  const roles = (r: string) => (BOARD_ROLES.includes(r) || !r ? BOARD_ROLES : [r, ...BOARD_ROLES]);
  return (
    <fieldset class="field attendees">
      <legend>Attendees</legend>
      {list.length === 0 && <p class="help">None yet.</p>}
      {list.map((a, i) => (
        <div class="attendee-row" key={i}>
          <div class="field">
            <label for={`${idPrefix}-role-${i}`}>Role<span class="sr-only"> of attendee {i + 1}</span></label>
            <select id={`${idPrefix}-role-${i}`} value={a.role} onChange={(e) => set(i, 'role', e.currentTarget.value)}>
              {roles(a.role).map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </div>
          <div class="field">
            <label for={`${idPrefix}-name-${i}`}>Name<span class="sr-only"> of attendee {i + 1}</span></label>
            <input id={`${idPrefix}-name-${i}`} value={a.name} onInput={(e) => set(i, 'name', e.currentTarget.value)} />
          </div>
          <button type="button" class="secondary small" onClick={() => onChange((cur) => cur.filter((_, j) => j !== i))}>
            Remove<span class="sr-only"> attendee {i + 1}</span>
          </button>
        </div>
      ))}
      <button type="button" class="secondary small" onClick={() => onChange((cur) => [...cur, { role: 'Medical oncology', name: '' }])}>Add attendee</button>
    </fieldset>
  );
}

// Records the board's decision: an option (a not-recommended one needs the reason) or a deferral
// for work-up; in a meeting the attendees start as the meeting's standing attendees; `amends`
// replaces an earlier decision (a new, audited record; the old one stays).
export function DecisionForm({ caseId, rec, k, meetingId, attendees, amends, onDone, onCancel }: {
  caseId: string; rec: Recommendation | null; k: Knowledge | null; meetingId?: string; attendees: Attendee[];
  amends?: Decision; onDone: (d: Decision) => void; onCancel?: () => void;
}) {
  const recOptions = rec?.options ?? [];
  const prev = amends?.decision;
  const [outcome, setOutcome] = useState<'option' | 'defer_workup'>(prev?.outcome ?? 'option');
  const [optionId, setOptionId] = useState(prev?.option_id ?? recOptions[0]?.id ?? '');
  const [reason, setReason] = useState(prev?.reason ?? '');
  const [workup, setWorkup] = useState<string>((prev?.workup_requested ?? rec?.workup.map((w) => w.text) ?? []).join('\n'));
  const [people, setPeople] = useState<Attendee[]>(prev?.attendees?.length ? prev.attendees : attendees.length ? attendees : [{ role: 'Chair', name: '' }]);
  const [notes, setNotes] = useState(prev?.notes ?? '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const others = (k?.options ?? []).filter((o) => !recOptions.some((r) => r.id === o.id));
  const notRecommended = outcome === 'option' && !!optionId && !recOptions.some((o) => o.id === optionId);
  const nrReason = rec?.not_recommended.find((n) => n.id === optionId)?.reason;
  const idp = `dec-${amends ? `a${amends.id}` : 'new'}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    const body: DecisionInput = { outcome, attendees: people.filter((a) => a.name.trim() && a.role.trim()), notes };
    if (meetingId) body.meeting_id = meetingId;
    if (amends) body.amends = amends.id;
    if (outcome === 'option') {
      if (!optionId) { setError('Choose the option the board decided on.'); return; }
      body.option_id = optionId;
      if (notRecommended) {
        if (!reason.trim()) { setError('This option is not among the recommended options: give the board\'s reason.'); document.getElementById(`${idp}-reason`)?.focus(); return; }
        body.reason = reason.trim();
      }
    } else {
      const list = workup.split('\n').map((s) => s.trim()).filter(Boolean);
      if (!list.length) { setError('Name the work-up the board asks for.'); document.getElementById(`${idp}-workup`)?.focus(); return; }
      body.workup_requested = list;
    }
    if (!body.attendees?.length) { setError('Name at least one attendee.'); return; }
    setBusy(true);
    try {
      onDone(await api.decide(caseId, body));
    } catch (err) {
      const paths = err instanceof ApiError ? err.problem.errors?.map((x) => `${x.path}: ${x.message}`).join('; ') : '';
      setError(paths || errorText(err));
    } finally { setBusy(false); }
  };

  return (
    <form class="card decision-form" onSubmit={submit} data-testid="decision-form" noValidate>
      <h2>{amends ? `Amend decision ${amends.id}` : "Record the board's decision"}</h2>
      <fieldset class="field">
        <legend>Outcome</legend>
        <label class="check"><input type="radio" name={`${idp}-outcome`} value="option" checked={outcome === 'option'} onChange={() => setOutcome('option')} /> Treatment or follow-up option</label>
        <label class="check"><input type="radio" name={`${idp}-outcome`} value="defer_workup" checked={outcome === 'defer_workup'} onChange={() => setOutcome('defer_workup')} /> Defer for work-up</label>
      </fieldset>
      {outcome === 'option' ? (
        <>
          <div class="field">
            <label for={`${idp}-option`}>Option chosen</label>
            <select id={`${idp}-option`} value={optionId} onChange={(e) => setOptionId(e.currentTarget.value)}>
              <option value="">— choose —</option>
              <optgroup label="Recommended for this case, in rank order">
                {recOptions.map((o) => <option key={o.id} value={o.id}>{o.rank ? `${o.rank}. ` : ''}{o.title}</option>)}
              </optgroup>
              {others.length > 0 && (
                <optgroup label="Not recommended for this case">
                  {others.map((o) => <option key={o.id} value={o.id}>{o.title}</option>)}
                </optgroup>
              )}
            </select>
          </div>
          {notRecommended && (
            <div class="field reason">
              <p class="warn-text" id={`${idp}-nr`}>{titleOf(k, optionId)} is not among the options recommended for this case{nrReason ? `: ${nrReason}` : '.'}</p>
              <label for={`${idp}-reason`}>The board's reason for choosing it</label>
              <textarea id={`${idp}-reason`} rows={3} required aria-describedby={`${idp}-nr`} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </div>
          )}
        </>
      ) : (
        <div class="field">
          <label for={`${idp}-workup`}>Work-up requested before the case returns (one per line)</label>
          <textarea id={`${idp}-workup`} rows={4} value={workup} onInput={(e) => setWorkup(e.currentTarget.value)} />
        </div>
      )}
      <AttendeesEditor idPrefix={`${idp}-att`} list={people} onChange={setPeople} />
      <div class="field">
        <label for={`${idp}-notes`}>Notes</label>
        <textarea id={`${idp}-notes`} rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Recording…' : amends ? 'Record amendment' : 'Record decision'}</button>
        {onCancel && <button type="button" class="secondary" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}

export function decisionText(k: Knowledge | null, d: Decision['decision']): string {
  return d.outcome === 'defer_workup' ? 'Deferred for work-up' : titleOf(k, d.option_id);
}

// Decisions of a case, newest first; each in force can be amended by a clinician.
export function DecisionList({ user, decisions, k, onAmend, meetingId }: {
  user: User; decisions: Decision[]; k: Knowledge | null; onAmend?: (d: Decision) => void; meetingId?: string;
}) {
  const list = meetingId ? decisions.filter((d) => d.decision.meeting_id === meetingId || d.meeting_id === meetingId) : decisions;
  if (!list.length) return <p>No decision recorded yet.</p>;
  return (
    <ol class="decision-list" data-testid="decision-list">
      {[...list].reverse().map((d) => (
        <li key={d.id} class={`card${d.amended_by ? ' superseded' : ''}`} data-decision={d.id}>
          <p><strong>{decisionText(k, d.decision)}</strong>
            {d.amended_by ? <span class="badge">amended by decision {d.amended_by}</span> : <span class="badge in-force">in force</span>}
            {d.amends ? <span class="badge">amends decision {d.amends}</span> : null}
            {!d.recommended && <span class="badge warn-badge">not a recommended option</span>}
          </p>
          <p class="muted">Decision {d.id} · {fmtTime(d.created_at)} by {d.created_by} · case revision {d.case_revision}</p>
          {d.decision.reason && <p><span class="k">Reason:</span> {d.decision.reason}</p>}
          {d.decision.workup_requested?.length > 0 && (
            <><p class="k">Work-up requested:</p><ul>{d.decision.workup_requested.map((w) => <li key={w}>{w}</li>)}</ul></>
          )}
          {d.decision.attendees?.length > 0 && <p>Attendees: {d.decision.attendees.map((a) => `${a.name} (${a.role})`).join(', ')}</p>}
          {d.decision.notes && <blockquote>{d.decision.notes}</blockquote>}
          {onAmend && canDecide(user) && !d.amended_by && (
            <button type="button" class="secondary small" onClick={() => onAmend(d)}>Amend<span class="sr-only"> decision {d.id}</span></button>
          )}
        </li>
      ))}
    </ol>
  );
}
