import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import type { CaseDoc, Knowledge, Option, Recommendation, WhatIf } from '../api';
import { INTENT_ORDER, INTENT_TITLES, humanize } from '../fields';
import { SEVERITY_ORDER } from '../util';
import { TrialsPanel } from './TrialsPanel';
import { EvidenceLegend, OptionSources } from '../EvidenceLegend';
import { CiteNumbers, PrintReferences, citationOrder } from '../PrintReferences';

export function optionTitle(k: Knowledge | null, id: string): string {
  return k?.options.find((o) => o.id === id)?.title ?? id;
}

export function Citations({ keys, k }: { keys?: string[]; k: Knowledge | null }) {
  if (!keys?.length) return null;
  return (
    <ol class="citations">
      {keys.map((key) => {
        const c = k?.citations[key];
        return (
          <li key={key}>
            <span class="cite-key">[{key}]</span>{' '}
            {c ? c.reference : 'Reference not in the loaded knowledge base.'}
            {c?.url && <> <span class="url">{c.url}</span></>}
          </li>
        );
      })}
    </ol>
  );
}

function OptionCard({ o, k, order }: { o: Option; k: Knowledge | null; order: string[] }) {
  return (
    <details class={`option${o.preferred ? ' preferred' : ''}`} data-option={o.id}>
      <summary>
        <span class="option-title">{o.title}</span>
        {o.preferred && <span class="badge preferred-badge">Preferred</span>}
        {o.evidence && <span class="badge">Evidence {o.evidence}</span>}
      </summary>
      <div class="option-body">
        <h4>Rationale</h4>
        <p>{o.rationale}</p>
        {o.cautions && o.cautions.length > 0 && (
          <>
            <h4>Cautions</h4>
            <ul class="cautions">{o.cautions.map((c) => <li key={c}>{c}</li>)}</ul>
          </>
        )}
        {o.involves && (
          <>
            <h4>What it involves</h4>
            <p>{[o.involves.how, o.involves.how_often, o.involves.how_long].filter(Boolean).join('; ')}</p>
          </>
        )}
        {o.side_effects && o.side_effects.length > 0 && (
          <>
            <h4>Side effects</h4>
            <ul>{o.side_effects.map((s) => <li key={s}>{s}</li>)}</ul>
          </>
        )}
        <h4>Evidence and citations</h4>
        {o.evidence && <p>Evidence level: {o.evidence}<CiteNumbers keys={o.citations} order={order} /></p>}
        <Citations keys={o.citations} k={k} />
        <OptionSources o={o} />
      </div>
    </details>
  );
}

const LINE_TITLES: Record<string, string> = { first: 'first line', second: 'second line', later: 'later line' };

// The ranked plan (issue 17): the first choice with the knowledge's reason, the alternatives
// (other preferred options) and the later lines and other options, in rank order.
function RankedPlan({ rec }: { rec: Recommendation }) {
  const ranked = [...rec.options].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9));
  if (!ranked.length) return null;
  const [first, ...rest] = ranked;
  const parts: [string, Option[]][] = [
    ['First choice', [first]],
    ['Alternatives', rest.filter((o) => o.preferred)],
    ['Later lines and other options', rest.filter((o) => !o.preferred)],
  ];
  return (
    <section aria-labelledby="plan-h" class="card ranked-plan" data-testid="ranked-plan">
      <h2 id="plan-h">Ranked plan</h2>
      {parts.filter(([, list]) => list.length).map(([title, list]) => (
        <div key={title}>
          <h3>{title}</h3>
          <ol>
            {list.map((o) => (
              <li key={o.id} value={o.rank} data-rank={o.rank} data-option={o.id}>
                <strong>{o.title}</strong>
                {o.line && <span class="badge">{LINE_TITLES[o.line] ?? o.line}</span>}
                {o.rank_reason && <div class="why">{o.rank_reason}</div>}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

function setPath(doc: CaseDoc, path: string, value: unknown): CaseDoc {
  const copy = JSON.parse(JSON.stringify(doc));
  const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter(Boolean);
  let at: any = copy;
  parts.forEach((p, i) => {
    if (i === parts.length - 1) at[p] = value;
    else {
      if (at[p] === undefined || at[p] === null) at[p] = {};
      at = at[p];
    }
  });
  return copy;
}

function parseValue(text: string): unknown {
  try { return JSON.parse(text); } catch { return text; }
}

// The what-if table (POST /v1/evaluate?what_if=1) and a missing value filled in place: the case is
// evaluated with the value set and the change shown before anything is saved.
function WhatIfPanel({ rec, k, doc }: { rec: Recommendation; k: Knowledge | null; doc: CaseDoc }) {
  const [table, setTable] = useState<WhatIf[] | null>(rec.what_if ?? null);
  const [error, setError] = useState('');
  const [field, setField] = useState(rec.missing[0]?.field ?? '');
  const [value, setValue] = useState('');
  const [preview, setPreview] = useState<{ first: string | null; added: string[]; removed: string[] } | null>(null);
  const [previewError, setPreviewError] = useState('');
  useEffect(() => {
    if (rec.what_if) return;
    api.evaluateWhatIf(doc).then((r) => setTable(r.what_if ?? [])).catch((e) => setError(errorText(e)));
  }, [doc]);
  const ids = rec.options.map((o) => o.id);
  async function tryValue(e: Event) {
    e.preventDefault();
    setPreview(null);
    setPreviewError('');
    try {
      const r = await api.evaluate(setPath(doc, field, parseValue(value)));
      const now = r.options.map((o) => o.id);
      setPreview({ first: now[0] ?? null, added: now.filter((id) => !ids.includes(id)), removed: ids.filter((id) => !now.includes(id)) });
    } catch (err) {
      setPreviewError(errorText(err));
    }
  }
  const names = (list: string[]) => list.map((id) => optionTitle(k, id)).join(', ') || '—';
  return (
    <section aria-labelledby="whatif-h" data-testid="what-if">
      <h2 id="whatif-h">What if</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {!error && table === null && <p aria-live="polite">Evaluating the what-if table…</p>}
      {table && table.length === 0 && <p>No missing value or value near a cut-off would change the options.</p>}
      {table && table.length > 0 && (
        <table class="data">
          <caption class="sr-only">What would change with another value</caption>
          <thead><tr><th scope="col">Field</th><th scope="col">Value</th><th scope="col">Why</th><th scope="col">First choice</th><th scope="col">Added</th><th scope="col">Removed</th></tr></thead>
          <tbody>
            {table.map((w) => (
              <tr key={`${w.field}=${JSON.stringify(w.value)}`} title={w.summary}>
                <td><code>{w.field}</code></td>
                <td>{typeof w.value === 'string' ? w.value : JSON.stringify(w.value)}</td>
                <td>{w.why === 'missing' ? 'missing' : 'near a cut-off'}</td>
                <td>{w.first_choice ? optionTitle(k, w.first_choice) : '—'}</td>
                <td>{names(w.added)}</td>
                <td>{names(w.removed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rec.missing.length > 0 && (
        <form class="what-if-fill no-print" onSubmit={tryValue} data-testid="what-if-fill">
          <h3>Fill in a missing value</h3>
          <label>Field{' '}
            <select value={field} onChange={(e) => setField((e.target as HTMLSelectElement).value)}>
              {rec.missing.map((m) => <option key={m.field} value={m.field}>{m.field}</option>)}
            </select>
          </label>{' '}
          <label>Value{' '}
            <input value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} placeholder="e.g. positive or 12" />
          </label>{' '}
          <button type="submit" disabled={!field || !value}>Show the change</button>
          <p class="muted">Nothing is saved: edit the case to keep the value.</p>
          {previewError && <p class="error" role="alert">{previewError}</p>}
          {preview && (
            <p aria-live="polite" data-testid="what-if-preview">
              First choice: <strong>{preview.first ? optionTitle(k, preview.first) : 'none'}</strong>
              {preview.first !== (ids[0] ?? null) ? ` (now ${ids[0] ? optionTitle(k, ids[0]) : 'none'})` : ' (unchanged)'}.
              {' '}Added: {names(preview.added)}. Removed: {names(preview.removed)}.
            </p>
          )}
        </form>
      )}
    </section>
  );
}

export function RecommendationView({ rec, k, doc }: { rec: Recommendation; k: Knowledge | null; doc?: CaseDoc }) {
  const cls = rec.classification ?? {};
  const st = rec.stage ?? {};
  const alerts = [...rec.alerts].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3));
  const intents = [...new Set([...INTENT_ORDER, ...rec.options.map((o) => o.intent)])].filter((i) => rec.options.some((o) => o.intent === i));
  const fired = rec.trace.filter((t) => t.hit);
  const byDecision = new Map<string, string[]>();
  for (const t of fired) byDecision.set(t.decision, [...(byDecision.get(t.decision) ?? []), t.rule]);
  const order = citationOrder(rec);

  return (
    <div class="recommendation" data-testid="recommendation">
      <div class="summary-strip card">
        <div>
          <span class="k">Classification</span>
          <span class="v" data-testid="classification">{(cls.category ?? '').toUpperCase()}{cls.grade ? ` ${cls.grade}` : ''}</span>
          {cls.basis && <span class="basis">{cls.basis}</span>}
        </div>
        <div>
          <span class="k">Stage</span>
          <span class="v" data-testid="stage">{st.group ? `Stage ${st.group}` : 'Not staged'}</span>
          <span class="basis">
            {[st.t, st.n, st.m].filter(Boolean).join(' ')}{st.chapter ? ` · ${st.system ?? ''} ${st.chapter}` : ''}
            {st.derived?.length ? ` · derived: ${st.derived.join(', ')}` : ''}
          </span>
        </div>
        {rec.scenario && (
          <div>
            <span class="k">Scenario</span>
            <span class="v">{rec.scenario.title}</span>
          </div>
        )}
      </div>

      {alerts.length > 0 && (
        <section aria-labelledby="alerts-h">
          <h2 id="alerts-h">Alerts</h2>
          <ul class="alerts">
            {alerts.map((a) => (
              <li key={a.id} class={`alert alert-${a.severity}`}>
                <strong class="sev">{humanize(a.severity)}</strong> {a.text}
                {a.citations?.length ? <span class="cite-inline"> [{a.citations.join(', ')}]</span> : null}
              </li>
            ))}
          </ul>
        </section>
      )}

      <RankedPlan rec={rec} />

      <section aria-labelledby="options-h">
        <h2 id="options-h">Options</h2>
        {rec.options.length === 0 && <p>No options: see missing data and workup below.</p>}
        {intents.map((i) => (
          <div class="intent-group" key={i}>
            <h3>{INTENT_TITLES[i] ?? humanize(i)}</h3>
            {rec.options.filter((o) => o.intent === i).sort((a, b) => Number(b.preferred) - Number(a.preferred)).map((o) => <OptionCard key={o.id} o={o} k={k} order={order} />)}
          </div>
        ))}
        {rec.options.length > 0 && <EvidenceLegend />}
      </section>

      <TrialsPanel rec={rec} />

      {rec.not_recommended.length > 0 && (
        <section aria-labelledby="nr-h">
          <h2 id="nr-h">Not recommended</h2>
          <ul class="not-recommended">
            {rec.not_recommended.map((n) => (
              <li key={n.id}><strong>{optionTitle(k, n.id)}</strong>: {n.reason}
                {n.citations?.length ? <span class="cite-inline"> [{n.citations.join(', ')}]</span> : null}</li>
            ))}
          </ul>
        </section>
      )}

      <div class="two-col">
        <section aria-labelledby="workup-h">
          <h2 id="workup-h">Workup still needed</h2>
          {rec.workup.length ? <ul>{rec.workup.map((w) => <li key={w.id}>{w.text}</li>)}</ul> : <p>None.</p>}
        </section>
        <section aria-labelledby="missing-h">
          <h2 id="missing-h">Missing data</h2>
          {rec.missing.length ? (
            <ul class="missing">{rec.missing.map((m) => <li key={m.field}><code>{m.field}</code>: {m.blocks}</li>)}</ul>
          ) : <p>Nothing missing that changes the result.</p>}
        </section>
      </div>

      {(doc || rec.what_if) && <WhatIfPanel rec={rec} k={k} doc={doc ?? ({} as CaseDoc)} />}

      <section aria-labelledby="monitoring-h">
        <h2 id="monitoring-h">Monitoring plan</h2>
        {rec.monitoring.length ? (
          <ol class="timeline">
            {rec.monitoring.map((m, i) => (
              <li key={i}>
                <span class="when">{m.interval}</span>
                <span class="what"><strong>{m.test}</strong> — {m.duration}</span>
                {m.text && <span class="why">{m.text}</span>}
              </li>
            ))}
          </ol>
        ) : <p>No monitoring plan.</p>}
      </section>

      <details class="why card">
        <summary><h2 class="inline-h">Why: the rules that fired</h2></summary>
        <p class="muted">Knowledge {rec.knowledge_version}{rec.knowledge_date ? ` (${rec.knowledge_date})` : ''}, engine {rec.zebra_version}. {fired.length} of {rec.trace.length} rules matched.</p>
        <table class="data">
          <caption class="sr-only">Rules that fired, by decision table</caption>
          <thead><tr><th scope="col">Decision table</th><th scope="col">Rules that fired</th></tr></thead>
          <tbody>
            {[...byDecision.entries()].map(([d, rules]) => (
              <tr key={d}><th scope="row">{d}</th><td>{rules.map((r) => <code key={r} class="rule">{r}</code>)}</td></tr>
            ))}
          </tbody>
        </table>
      </details>
      <PrintReferences rec={rec} k={k} order={order} />
      {rec.notice && <p class="notice">{rec.notice}</p>}
    </div>
  );
}
