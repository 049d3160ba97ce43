import { useEffect, useState } from 'preact/hooks';
import { api, errorText, loadKnowledge, type Decision, type Knowledge, type Meeting } from '../api';
import { decisionText } from '../Decisions';
import { oneLine } from '../CaseFacts';
import { fmtTime, useTitle } from '../util';
import { fmtDate } from './Meetings';

// Minutes of a meeting as a printable page (browser print → PDF): date, board, attendees, and
// for each agenda case its question and the decision in force in this meeting.
export function Minutes({ meetingId }: { meetingId: string }) {
  const [m, setM] = useState<Meeting | null>(null);
  const [byCase, setByCase] = useState<Record<string, Decision[]>>({});
  const [k, setK] = useState<Knowledge | null>(null);
  const [error, setError] = useState('');
  useTitle(m ? `Minutes: ${m.board}, ${fmtDate(m.date, m.time)}` : 'Minutes');
  useEffect(() => {
    loadKnowledge().then(setK).catch(() => setK(null));
    api.meeting(meetingId).then(async (mm) => {
      setM(mm);
      const lists = await Promise.all(mm.agenda.map((a) => api.decisions(a.case_id).then((r) => [a.case_id, r.decisions] as const)));
      setByCase(Object.fromEntries(lists));
    }).catch((e) => setError(errorText(e)));
  }, [meetingId]);

  if (!m) return <section><h1>Minutes</h1>{error ? <p class="error" role="alert">{error}</p> : <p>Loading…</p>}</section>;
  return (
    <section class="minutes" data-testid="minutes">
      <div class="heading-row">
        <h1>Minutes: {m.board}, {fmtDate(m.date, m.time)}</h1>
        <button type="button" class="primary no-print" onClick={() => window.print()}>Print or save as PDF</button>
      </div>
      <p class="no-print"><a href={`#/meetings/${encodeURIComponent(m.id)}`}>Back to the agenda</a>
        {' · '}<a href={`/v1/meetings/${encodeURIComponent(m.id)}/minutes`} target="_blank" rel="noopener">The minutes as a stand-alone page (from the server)</a></p>
      <p><span class="k">Attendees:</span> {m.attendees.length ? m.attendees.map((a) => `${a.name} (${a.role})`).join(', ') : 'none recorded'}</p>
      <ol class="minutes-cases">
        {m.agenda.map((a) => {
          const mine = (byCase[a.case_id] ?? []).filter((d) => d.decision.meeting_id === m.id);
          const current = mine.filter((d) => !d.amended_by);
          return (
            <li key={a.case_id} class="minutes-case" data-case={a.case_id}>
              <h2>{a.case?.label || a.case_id}</h2>
              <p class="one-line">{oneLine(a.case?.summary)}</p>
              <p><span class="k">Presented by</span> {a.presenter || '—'}. <span class="k">Question:</span> {a.question || '—'}</p>
              {current.length === 0 ? <p class="undecided"><strong>No decision recorded in this meeting.</strong></p> : current.map((d) => (
                <div key={d.id} class="minutes-decision">
                  <p><span class="k">Decision:</span> <strong>{decisionText(k, d.decision)}</strong>
                    {d.amends ? ` (amended; replaces decision ${d.amends})` : ''}</p>
                  {d.decision.workup_requested?.length > 0 && <p><span class="k">Work-up requested:</span> {d.decision.workup_requested.join('; ')}</p>}
                  {d.decision.reason && <p><span class="k">Reason (not a recommended option):</span> {d.decision.reason}</p>}
                  {d.decision.notes && <p><span class="k">Notes:</span> {d.decision.notes}</p>}
                  <p class="muted">Recorded {fmtTime(d.created_at)} by {d.created_by}; decision {d.id}, case revision {d.case_revision}.</p>
                </div>
              ))}
            </li>
          );
        })}
      </ol>
      <p class="muted">Zebra supports the care team's decision; it does not replace clinical judgement. Meeting revision {m.revision}.</p>
    </section>
  );
}
