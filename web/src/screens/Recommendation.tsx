import type { Knowledge, Option, Recommendation } from '../api';
import { INTENT_ORDER, INTENT_TITLES, humanize } from '../fields';
import { SEVERITY_ORDER } from '../util';
import { EvidenceLegend, OptionSources } from '../EvidenceLegend';

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

function OptionCard({ o, k }: { o: Option; k: Knowledge | null }) {
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
        {o.evidence && <p>Evidence level: {o.evidence}</p>}
        <Citations keys={o.citations} k={k} />
        <OptionSources o={o} />
      </div>
    </details>
  );
}

export function RecommendationView({ rec, k }: { rec: Recommendation; k: Knowledge | null }) {
  const cls = rec.classification ?? {};
  const st = rec.stage ?? {};
  const alerts = [...rec.alerts].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 3) - (SEVERITY_ORDER[b.severity] ?? 3));
  const intents = [...new Set([...INTENT_ORDER, ...rec.options.map((o) => o.intent)])].filter((i) => rec.options.some((o) => o.intent === i));
  const fired = rec.trace.filter((t) => t.hit);
  const byDecision = new Map<string, string[]>();
  for (const t of fired) byDecision.set(t.decision, [...(byDecision.get(t.decision) ?? []), t.rule]);

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

      <section aria-labelledby="options-h">
        <h2 id="options-h">Options</h2>
        {rec.options.length === 0 && <p>No options: see missing data and workup below.</p>}
        {intents.map((i) => (
          <div class="intent-group" key={i}>
            <h3>{INTENT_TITLES[i] ?? humanize(i)}</h3>
            {rec.options.filter((o) => o.intent === i).sort((a, b) => Number(b.preferred) - Number(a.preferred)).map((o) => <OptionCard key={o.id} o={o} k={k} />)}
          </div>
        ))}
        {rec.options.length > 0 && <EvidenceLegend />}
      </section>

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
      {rec.notice && <p class="notice">{rec.notice}</p>}
    </div>
  );
}
