import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import {
  api, canWrite, errorText, ApiError,
  type AgendaItem, type AgendaItemInput, type Attendee, type CaseSummary, type Meeting, type MeetingSummary, type Readiness, type User,
} from '../api';
import { AttendeesEditor } from '../Decisions';
import { go } from '../router';
import { fmtTime, useTitle } from '../util';
import { fieldLabelOf, oneLine } from '../CaseFacts';

export const fmtDate = (d: string, t?: string | null) => {
  const x = new Date(`${d}T${t || '00:00'}`);
  if (isNaN(x.getTime())) return d;
  return x.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }) + (t ? `, ${t}` : '');
};
// Meetings are edited by coordinators and clinicians (docs/api.md); viewers read them.
const canPlan = (u: User) => canWrite(u);

export function MeetingList({ user }: { user: User }) {
  useTitle('Meetings');
  const [meetings, setMeetings] = useState<MeetingSummary[] | null>(null);
  const [error, setError] = useState('');
  const today = new Date().toISOString().slice(0, 10);
  const [date, setDate] = useState(today);
  const [time, setTime] = useState('');
  const [board, setBoard] = useState('GEP-NET board');
  const [busy, setBusy] = useState(false);
  useEffect(() => { api.meetings().then((r) => setMeetings(r.meetings)).catch((e) => setError(errorText(e))); }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError('');
    try {
      // Standing attendees carry over from the board's latest meeting.
      const last = meetings?.find((m) => m.board === board);
      const attendees: Attendee[] = last ? (await api.meeting(last.id)).attendees : [];
      const m = await api.createMeeting({ date, board, attendees, agenda: [], ...(time ? { time } : {}) });
      go(`/meetings/${encodeURIComponent(m.id)}`);
    } catch (err) { setError(errorText(err)); } finally { setBusy(false); }
  };

  return (
    <section>
      <h1>Meetings</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {canPlan(user) && (
        <form class="card toolbar" onSubmit={create} data-testid="new-meeting">
          <div class="field inline"><label for="m-date">Date</label>
            <input id="m-date" type="date" required value={date} onInput={(e) => setDate(e.currentTarget.value)} /></div>
          <div class="field inline"><label for="m-time">Time (optional)</label>
            <input id="m-time" type="time" value={time} onInput={(e) => setTime(e.currentTarget.value)} /></div>
          <div class="field inline"><label for="m-board">Board</label>
            <input id="m-board" required value={board} onInput={(e) => setBoard(e.currentTarget.value)} /></div>
          <button type="submit" class="primary" disabled={busy}>New meeting</button>
        </form>
      )}
      {!meetings && !error && <p>Loading meetings…</p>}
      {meetings && meetings.length === 0 && <p>No meetings yet.</p>}
      {meetings && meetings.length > 0 && (
        <div class="table-wrap">
          <table class="data" data-testid="meeting-table">
            <caption class="sr-only">Tumour-board meetings, newest first</caption>
            <thead><tr><th scope="col">Meeting</th><th scope="col">Cases</th><th scope="col">Decided</th><th scope="col">Attendees</th><th scope="col">Last change</th></tr></thead>
            <tbody>{meetings.map((m) => (
              <tr key={m.id}>
                <th scope="row"><a href={`#/meetings/${encodeURIComponent(m.id)}`}>{m.board}, {fmtDate(m.date, m.time)}</a></th>
                <td>{m.cases}</td><td>{m.decided} of {m.cases}</td><td>{m.attendees}</td>
                <td>{fmtTime(m.updated_at)} by {m.updated_by}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const fieldName = fieldLabelOf;

export function ReadinessCell({ r }: { r: Readiness | null | undefined }) {
  if (!r) return <span class="status">not evaluated</span>;
  return (
    <div class="readiness" data-testid="readiness">
      {r.ready ? <span class="status status-decided">ready</span>
        : <span class="status status-missing" title={r.missing.map((m) => fieldName(m.field)).join(', ')}>
          {r.missing_count} missing: {r.missing.map((m) => fieldName(m.field)).join(', ')}</span>}
      {r.workup_pending_count > 0 && <span class="status">work-up pending: {r.workup_pending_count}</span>}
      {r.critical_alerts > 0 && <span class="status status-critical">{r.critical_alerts} critical alert{r.critical_alerts > 1 ? 's' : ''}</span>}
    </div>
  );
}

export function DecisionCell({ d }: { d: { status: string; amended?: boolean } | null | undefined }) {
  const s = d?.status ?? 'undecided';
  return <span class={`status status-${s}`}>{s === 'deferred' ? 'deferred for work-up' : s}{d?.amended ? ' (amended)' : ''}</span>;
}

// The agenda of one meeting: read by everyone; coordinators and clinicians edit it (add, remove
// and reorder cases, presenter, question, standing attendees) and save it as a new revision.
export function MeetingAgenda({ user, meetingId }: { user: User; meetingId: string }) {
  const [m, setM] = useState<Meeting | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(false);
  const [tick, setTick] = useState(0);
  useTitle(m ? `Agenda: ${m.board}, ${fmtDate(m.date, m.time)}` : 'Meeting');
  useEffect(() => { api.meeting(meetingId).then(setM).catch((e) => setError(errorText(e))); }, [meetingId, tick]);

  if (error && !m) return <section><h1>Meeting</h1><p class="error" role="alert">{error}</p></section>;
  if (!m) return <section><h1>Meeting</h1><p>Loading…</p></section>;
  const base = `#/meetings/${encodeURIComponent(m.id)}`;
  return (
    <section>
      <div class="heading-row">
        <h1>Agenda: {m.board}, {fmtDate(m.date, m.time)}</h1>
        <span class="muted">Revision {m.revision} · {fmtTime(m.created_at)} by {m.created_by}</span>
      </div>
      <div class="toolbar no-print">
        {m.agenda.length > 0 && <a class="button primary" href={`${base}/present/1`}>Present</a>}
        <a class="button secondary" href={`${base}/minutes`}>Minutes</a>
        {canPlan(user) && !editing && <button type="button" class="secondary" onClick={() => setEditing(true)}>Edit agenda</button>}
      </div>
      <p>{m.counts.cases} case{m.counts.cases === 1 ? '' : 's'}, {m.counts.ready} ready, {m.counts.decided} decided ({m.counts.deferred} deferred).</p>
      <p><span class="k">Standing attendees:</span> {m.attendees.length ? m.attendees.map((a) => `${a.name} (${a.role})`).join(', ') : 'none yet'}</p>
      {editing ? <AgendaEditor m={m} onSaved={(next) => { setM(next); setEditing(false); setTick(tick + 1); }} onCancel={() => setEditing(false)} />
        : <AgendaTable m={m} />}
    </section>
  );
}

function AgendaTable({ m }: { m: Meeting }) {
  if (!m.agenda.length) return <p>No cases on the agenda yet.</p>;
  const base = `#/meetings/${encodeURIComponent(m.id)}`;
  return (
    <ol class="agenda" data-testid="agenda">
      {m.agenda.map((a: AgendaItem) => (
        <li key={a.case_id} class="card agenda-item" data-case={a.case_id}>
          <div class="agenda-head">
            <span class="pos">{a.position}</span>
            <a href={`${base}/present/${a.position}`} class="agenda-case">{a.case?.label || a.case_id}</a>
            <DecisionCell d={a.decision} />
          </div>
          <p class="one-line">{oneLine(a.case?.summary) || 'No evaluation yet.'}</p>
          <ReadinessCell r={a.case?.readiness} />
          <dl class="agenda-meta">
            <div><dt>Presenter</dt><dd>{a.presenter || '—'}</dd></div>
            <div><dt>Question to the board</dt><dd>{a.question || '—'}</dd></div>
          </dl>
        </li>
      ))}
    </ol>
  );
}

function AgendaEditor({ m, onSaved, onCancel }: { m: Meeting; onSaved: (m: Meeting) => void; onCancel: () => void }) {
  const [items, setItems] = useState<(AgendaItemInput & { label: string })[]>(
    m.agenda.map((a) => ({ case_id: a.case_id, presenter: a.presenter, question: a.question, label: a.case?.label || a.case_id })));
  const [attendees, setAttendees] = useState<Attendee[]>(m.attendees);
  const [cases, setCases] = useState<CaseSummary[]>([]);
  const [q, setQ] = useState('');
  const [adding, setAdding] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const focusAfter = useRef<string | null>(null);
  // Answers may arrive out of order while typing: only the newest query's answer is used.
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    api.cases({ q }).then((r) => { if (mine === seq.current) setCases(r.cases); }).catch(() => { if (mine === seq.current) setCases([]); });
  }, [q]);

  // Updates go through the updater form: two quick edits must not overwrite each other.
  const set = (i: number, key: 'presenter' | 'question', v: string) => setItems((cur) => cur.map((x, j) => (j === i ? { ...x, [key]: v } : x)));
  const move = (i: number, by: number) => {
    const j = i + by;
    if (j < 0 || j >= items.length) return;
    setItems((cur) => {
      const next = [...cur];
      [next[i], next[j]] = [next[j], next[i]];
      return next;
    });
    // Keep the keyboard on the moved case: its same button, or the other one at either end.
    const same = by < 0 ? 'up' : 'down', other = by < 0 ? 'down' : 'up';
    focusAfter.current = (by < 0 ? j === 0 : j === items.length - 1) ? `ag-${other}-${j}` : `ag-${same}-${j}`;
  };
  // Focus moves in the same commit as the reorder (not on a timer that could fire mid-typing).
  useLayoutEffect(() => {
    if (focusAfter.current) { document.getElementById(focusAfter.current)?.focus(); focusAfter.current = null; }
  });
  const add = () => {
    const c = cases.find((x) => x.id === adding);
    if (!c || items.some((x) => x.case_id === c.id)) return;
    setItems((cur) => [...cur, { case_id: c.id, presenter: '', question: '', label: c.label || c.id }]);
    setAdding('');
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError('');
    try {
      const next = await api.updateMeeting(m.id, {
        revision: m.revision, date: m.date, board: m.board, ...(m.time ? { time: m.time } : {}),
        attendees: attendees.filter((a) => a.name.trim() && a.role.trim()),
        agenda: items.map(({ case_id, presenter, question }) => ({ case_id, presenter: presenter ?? '', question: question ?? '' })),
      });
      onSaved(next);
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) setError('Someone else changed this meeting meanwhile; reload it and make your change again.');
      else setError(err instanceof ApiError && err.problem.errors?.length ? err.problem.errors.map((x) => `${x.path}: ${x.message}`).join('; ') : errorText(err));
    } finally { setBusy(false); }
  };
  const available = cases.filter((c) => !items.some((x) => x.case_id === c.id));

  return (
    <form class="agenda-editor" onSubmit={save} data-testid="agenda-editor">
      <h2>Edit the agenda</h2>
      <div class="card">
        <AttendeesEditor idPrefix="standing" list={attendees} onChange={setAttendees} />
      </div>
      <ol class="agenda">
        {items.map((x, i) => (
          <li key={x.case_id} class="card agenda-item">
            <div class="agenda-head"><span class="pos">{i + 1}</span><strong>{x.label}</strong>
              <span class="reorder">
                <button type="button" class="secondary small" id={`ag-up-${i}`} disabled={i === 0} onClick={() => move(i, -1)}>Move up<span class="sr-only"> {x.label}</span></button>
                <button type="button" class="secondary small" id={`ag-down-${i}`} disabled={i === items.length - 1} onClick={() => move(i, 1)}>Move down<span class="sr-only"> {x.label}</span></button>
                <button type="button" class="secondary small" onClick={() => setItems((cur) => cur.filter((_, j) => j !== i))}>Remove<span class="sr-only"> {x.label}</span></button>
              </span>
            </div>
            <div class="grid">
              <div class="field"><label for={`ag-presenter-${i}`}>Presenter<span class="sr-only"> of {x.label}</span></label>
                <input id={`ag-presenter-${i}`} value={x.presenter} onInput={(e) => set(i, 'presenter', e.currentTarget.value)} /></div>
              <div class="field wide"><label for={`ag-question-${i}`}>Question to the board<span class="sr-only"> on {x.label}</span></label>
                <input id={`ag-question-${i}`} value={x.question} onInput={(e) => set(i, 'question', e.currentTarget.value)} /></div>
            </div>
          </li>
        ))}
      </ol>
      <div class="card toolbar">
        <div class="field inline"><label for="ag-search">Find a case</label>
          <input id="ag-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} /></div>
        <div class="field inline"><label for="ag-add">Case to add</label>
          <select id="ag-add" value={adding} onChange={(e) => setAdding(e.currentTarget.value)}>
            <option value="">— choose a case —</option>
            {available.map((c) => <option key={c.id} value={c.id}>{c.label || c.id}{c.summary ? ` — ${oneLine(c.summary)}` : ''}</option>)}
          </select></div>
        <button type="button" class="secondary" onClick={add} disabled={!adding}>Add to agenda</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Saving…' : 'Save agenda'}</button>
        <button type="button" class="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
