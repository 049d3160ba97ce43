import { useEffect, useState } from 'preact/hooks';
import {
  api, canDecide, canWrite, errorText, loadKnowledge,
  type CaseDoc, type Decision, type Evaluation, type Knowledge, type Meeting, type Option, type Recommendation, type StoredCase, type User, type WhatIf,
} from '../api';
import { CaseFacts, fieldByPath, fieldLabelOf, showValue } from '../CaseFacts';
import { DecisionForm, DecisionList } from '../Decisions';
import { NumberInput } from '../NumberInput';
import { OptionSources } from '../EvidenceLegend';
import { getPath, humanize, setPath } from '../fields';
import { go } from '../router';
import { SEVERITY_ORDER, useTitle } from '../util';
import { DecisionCell, ReadinessCell, fmtDate } from './Meetings';

const title = (k: Knowledge | null, id: string | null) => (id && k?.options.find((o) => o.id === id)?.title) || id || 'none';

// Presentation mode (issue 18): one agenda case at a time on a 1280×720 projector — the facts,
// the classification strip, alerts (critical first), the ranked options side by side, missing data
// to fill in place with its what-if, the decision in this meeting; previous and next case.
export function Present({ user, meetingId, position }: { user: User; meetingId: string; position: number }) {
  const [m, setM] = useState<Meeting | null>(null);
  const [c, setC] = useState<StoredCase | null>(null);
  const [ev, setEv] = useState<Evaluation | null>(null);
  const [decisions, setDecisions] = useState<Decision[]>([]);
  const [k, setK] = useState<Knowledge | null>(null);
  const [error, setError] = useState('');
  const [amending, setAmending] = useState<Decision | null>(null);
  const [deciding, setDeciding] = useState(false);
  const [tick, setTick] = useState(0);
  const item = m?.agenda[position - 1];
  useTitle(m && item ? `Presenting ${position} of ${m.agenda.length}: ${item.case?.label || item.case_id}` : 'Presentation');

  useEffect(() => {
    document.body.classList.add('presenting');
    loadKnowledge().then(setK).catch(() => setK(null));
    return () => document.body.classList.remove('presenting');
  }, []);
  useEffect(() => { api.meeting(meetingId).then(setM).catch((e) => setError(errorText(e))); }, [meetingId, tick]);
  useEffect(() => {
    if (!item) return;
    setC(null); setEv(null); setAmending(null); setDeciding(false); setError('');
    Promise.all([api.getCase(item.case_id), api.evaluations(item.case_id), api.decisions(item.case_id)])
      .then(([cc, e, d]) => { setC(cc); setEv(e.evaluations[e.evaluations.length - 1] ?? null); setDecisions(d.decisions); })
      .catch((e) => setError(errorText(e)));
  }, [item?.case_id, tick]);

  const count = m?.agenda.length ?? 0;
  const to = (p: number) => go(`/meetings/${encodeURIComponent(meetingId)}/present/${p}`);
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (t.closest('input, select, textarea, [contenteditable]')) return;
      if ((e.key === 'ArrowRight' || e.key === 'PageDown') && position < count) to(position + 1);
      if ((e.key === 'ArrowLeft' || e.key === 'PageUp') && position > 1) to(position - 1);
    };
    addEventListener('keydown', key);
    return () => removeEventListener('keydown', key);
  }, [position, count]);

  if (!m) return <section><h1>Presentation</h1>{error ? <p class="error" role="alert">{error}</p> : <p>Loading…</p>}</section>;
  if (!item) return <section><h1>Presentation</h1><p>There is no case {position} on this agenda. <a href={`#/meetings/${encodeURIComponent(meetingId)}`}>Back to the agenda</a></p></section>;
  const rec = ev?.recommendation ?? null;
  const inMeeting = decisions.filter((d) => d.decision.meeting_id === meetingId);
  const refresh = () => setTick(tick + 1);

  return (
    <section class="present" data-testid="presentation">
      <nav class="present-nav" aria-label="Agenda cases">
        <a class="button secondary small" href={`#/meetings/${encodeURIComponent(meetingId)}`}>Agenda</a>
        <span class="muted">{m.board}, {fmtDate(m.date, m.time)} · case {position} of {count}</span>
        <button type="button" class="secondary small" disabled={position <= 1} onClick={() => to(position - 1)}>Previous case</button>
        <button type="button" class="primary small" disabled={position >= count} onClick={() => to(position + 1)}>Next case</button>
        <button type="button" class="secondary small" onClick={() => (document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen?.())}>Full screen</button>
      </nav>
      <div class="heading-row">
        <h1>{position}. {item.case?.label || item.case_id}</h1>
        <DecisionCell d={item.decision} />
      </div>
      <p class="present-question"><span class="k">Question:</span> {item.question || '—'} <span class="muted">· presented by {item.presenter || '—'}</span></p>
      {error && <p class="error" role="alert">{error}</p>}
      {!c ? <p>Loading the case…</p> : (
        <>
          {rec ? <ClassificationStrip rec={rec} /> : <p class="notice">This case has not been evaluated.</p>}
          <ReadinessCell r={item.case?.readiness} />
          {rec && rec.alerts.length > 0 && (
            <section aria-labelledby="p-alerts-h">
              <h2 id="p-alerts-h">Alerts</h2>
              <ul class="alerts">{[...rec.alerts].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9)).map((a) => (
                <li key={a.id} class={`alert alert-${a.severity}`}><strong class="sev">{humanize(a.severity)}:</strong> {a.text}</li>
              ))}</ul>
            </section>
          )}
          <div class="present-cols">
            <section aria-labelledby="p-facts-h" class="card">
              <h2 id="p-facts-h">Case facts</h2>
              <CaseFacts doc={c.case} k={k} missing={rec?.missing} compact />
            </section>
            {rec && rec.missing.length > 0 && (
              <MissingInPlace user={user} c={c} rec={rec} k={k} onSaved={refresh} />
            )}
          </div>
          {rec && <OptionsSideBySide rec={rec} k={k} />}
          <section aria-labelledby="p-dec-h" class="present-decision">
            <h2 id="p-dec-h">Decision in this meeting</h2>
            <DecisionList user={user} decisions={inMeeting} k={k} onAmend={(d) => { setAmending(d); setDeciding(false); }} />
            {canDecide(user) && !amending && !deciding && (
              <button type="button" class="primary" onClick={() => setDeciding(true)}>{inMeeting.length ? 'Record another decision' : 'Record decision'}</button>
            )}
            {canDecide(user) && (deciding || amending) && (
              <DecisionForm key={amending?.id ?? 'new'} caseId={c.id} rec={rec} k={k} meetingId={meetingId} attendees={m.attendees}
                amends={amending ?? undefined} onCancel={() => { setAmending(null); setDeciding(false); }}
                onDone={() => { setAmending(null); setDeciding(false); refresh(); }} />
            )}
            {!canDecide(user) && <p class="muted">Only clinicians record decisions; your role is {user.role}.</p>}
          </section>
          <nav class="present-nav bottom" aria-label="Previous and next case">
            <button type="button" class="secondary" disabled={position <= 1} onClick={() => to(position - 1)}>Previous case</button>
            <button type="button" class="primary" disabled={position >= count} onClick={() => to(position + 1)}>Next case</button>
          </nav>
        </>
      )}
    </section>
  );
}

export function ClassificationStrip({ rec }: { rec: Recommendation }) {
  const st = rec.stage;
  const tnm = st ? [st.t, st.n, st.m].map((x, i) => x ?? ['TX', 'NX', 'MX'][i]).join(' ') : '';
  return (
    <div class="summary-strip card" data-testid="classification-strip">
      <div><span class="k">Category</span><span class="v">{(rec.classification?.category ?? '—').toUpperCase()}</span></div>
      <div><span class="k">Grade</span><span class="v">{rec.classification?.grade ?? '—'}</span>{rec.classification?.basis && <span class="basis">{rec.classification.basis}</span>}</div>
      <div><span class="k">Stage</span><span class="v">{st?.group ?? '—'}</span><span class="basis">{tnm}</span></div>
      <div><span class="k">Scenario</span><span class="v scenario">{rec.scenario?.title ?? '—'}</span></div>
    </div>
  );
}

function OptionsSideBySide({ rec, k }: { rec: Recommendation; k: Knowledge | null }) {
  const ranked = [...rec.options].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  const grid = new Map((rec.patient_summary?.option_grid ?? []).map((g) => [g.id, g]));
  return (
    <section aria-labelledby="p-opts-h">
      <h2 id="p-opts-h">Ranked options</h2>
      <ol class="side-by-side" data-testid="options-side-by-side">
        {ranked.map((o: Option) => {
          const g = grid.get(o.id);
          const harms = [...(o.side_effects ?? []), ...(o.cautions ?? [])];
          return (
            <li key={o.id} class={`choice option-col${o.preferred ? ' preferred' : ''}`} data-option={o.id}>
              <h3><span class="rank">{o.rank ?? '–'}</span> {o.title}</h3>
              <dl>
                <dt>Benefits</dt><dd>{g?.benefits || o.rationale}</dd>
                <dt>Harms</dt><dd>{harms.length ? <ul>{harms.slice(0, 4).map((h) => <li key={h}>{h}</li>)}</ul> : '—'}</dd>
                <dt>Evidence</dt><dd>{o.evidence ?? '—'}{o.line ? ` · ${o.line} line` : ''}</dd>
                <dt>Sources</dt><dd><OptionSources o={o} /></dd>
              </dl>
              {o.rank_reason && <p class="why muted">{o.rank_reason}</p>}
            </li>
          );
        })}
      </ol>
      {rec.not_recommended.length > 0 && (
        <details class="card">
          <summary>Not recommended ({rec.not_recommended.length})</summary>
          <ul class="not-recommended">{rec.not_recommended.map((n) => <li key={n.id}><strong>{title(k, n.id)}</strong>: {n.reason}</li>)}</ul>
        </details>
      )}
    </section>
  );
}

// The missing fields that block a decision, each editable here: a value entered is evaluated at
// once (POST /v1/evaluate) and compared with the stored recommendation — the what-if — and a
// coordinator or clinician may keep it as a new revision of the case.
function MissingInPlace({ user, c, rec, k, onSaved }: { user: User; c: StoredCase; rec: Recommendation; k: Knowledge | null; onSaved: () => void }) {
  const [draft, setDraft] = useState<CaseDoc>(c.case);
  const [probes, setProbes] = useState<WhatIf[] | null>(null);
  const [result, setResult] = useState<{ path: string; value: unknown; rec: Recommendation } | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState('');
  useEffect(() => { api.evaluateWhatIf(c.case).then((r) => setProbes(r.what_if ?? [])).catch(() => setProbes(null)); }, [c.id, c.revision]);

  const tryValue = async (path: string, value: unknown) => {
    setError(''); setSaved('');
    const next = setPath(draft, path, value);
    setDraft(next);
    if (value === undefined) { setResult(null); return; }
    setBusy(true);
    try { setResult({ path, value, rec: await api.evaluate(next) }); } catch (e) { setError(errorText(e)); setResult(null); } finally { setBusy(false); }
  };
  const keep = async () => {
    setBusy(true); setError('');
    try { await api.updateCase(c.id, draft); setSaved('Saved as a new revision of the case and evaluated again.'); onSaved(); }
    catch (e) { setError(errorText(e)); } finally { setBusy(false); }
  };

  return (
    <section aria-labelledby="p-missing-h" class="card missing-in-place" data-testid="missing-in-place">
      <h2 id="p-missing-h">Missing data</h2>
      <ul class="plain-list">
        {rec.missing.map((mi) => {
          const f = fieldByPath(mi.field);
          const id = `mip-${mi.field.replace(/\./g, '-')}`;
          const cur = getPath(draft, mi.field);
          const fieldProbes = (probes ?? []).filter((p) => p.field === mi.field || p.field === `$.${mi.field}`);
          return (
            <li key={mi.field} class="field">
              {f && (f.kind === 'number' || f.kind === 'integer') ? (
                <>
                  <label for={id}>{f.label}{f.unit && <span class="unit"> ({f.unit})</span>}</label>
                  <NumberInput id={id} value={typeof cur === 'number' ? cur : undefined} integer={f.kind === 'integer'} unit={f.unit}
                    describedBy={`${id}-why`} onChange={(v, why) => { if (!why) void tryValue(mi.field, v); }} />
                </>
              ) : f && (f.kind === 'select' || f.kind === 'bool') ? (
                <>
                  <label for={id}>{f.label}</label>
                  <select id={id} aria-describedby={`${id}-why`} value={cur === undefined ? '' : f.kind === 'bool' ? (cur ? 'yes' : 'no') : String(cur)}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      void tryValue(mi.field, v === '' ? undefined : f.kind === 'bool' ? v === 'yes' : f.numeric ? Number(v) : v);
                    }}>
                    <option value="">— unknown —</option>
                    {f.kind === 'bool' ? <><option value="yes">Yes</option><option value="no">No</option></>
                      : f.options!.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
                  </select>
                </>
              ) : <span class="k">{fieldLabelOf(mi.field)}</span>}
              <p class="help" id={`${id}-why`}>Needed for {mi.blocks}.{!f || f.kind === 'multi' || f.kind === 'text' ? ' Fill it in the case form.' : ''}</p>
              {fieldProbes.length > 0 && (
                <ul class="probes">{fieldProbes.map((p, i) => <li key={i}>If {showValue(f, p.value)}: {p.summary}</li>)}</ul>
              )}
            </li>
          );
        })}
      </ul>
      <div aria-live="polite" data-testid="what-if-result">
        {busy && <p>Evaluating…</p>}
        {result && !busy && <WhatIfOutcome before={rec} after={result.rec} path={result.path} value={result.value} k={k} />}
        {saved && <p class="ok">{saved}</p>}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {result && canWrite(user) && <button type="button" class="secondary" disabled={busy} onClick={keep}>Keep the value: save a new revision of the case</button>}
    </section>
  );
}

function WhatIfOutcome({ before, after, path, value, k }: { before: Recommendation; after: Recommendation; path: string; value: unknown; k: Knowledge | null }) {
  const b = before.options.map((o) => o.id), a = after.options.map((o) => o.id);
  const added = a.filter((x) => !b.includes(x)), removed = b.filter((x) => !a.includes(x));
  const changedFirst = b[0] !== a[0];
  const f = fieldByPath(path);
  const same = !added.length && !removed.length && !changedFirst;
  return (
    <div class={`what-if-outcome ${same ? 'same' : 'changed'}`}>
      <p><strong>What if {fieldLabelOf(path)} is {showValue(f, value)}:</strong>{' '}
        {same ? 'the recommendation would not change.' : changedFirst
          ? `the first choice would be ${title(k, a[0] ?? null)} (now ${title(k, b[0] ?? null)}).`
          : `the first choice stays ${title(k, a[0] ?? null)}.`}</p>
      {added.length > 0 && <p>Added: {added.map((x) => title(k, x)).join(', ')}</p>}
      {removed.length > 0 && <p>Removed: {removed.map((x) => title(k, x)).join(', ')}</p>}
    </div>
  );
}
