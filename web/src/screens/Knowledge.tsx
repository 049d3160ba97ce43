import { useEffect, useRef, useState } from 'preact/hooks';
import { useTitle } from '../util';
import { api, errorText, loadKnowledge, type Knowledge } from '../api';
import { INTENT_ORDER, INTENT_TITLES, humanize } from '../fields';
import type { DmnDisplay, DmnView } from '../dmn';

function ModelViewer({ name }: { name: string }) {
  const host = useRef<HTMLDivElement>(null);
  const display = useRef<DmnDisplay | null>(null);
  const [views, setViews] = useState<DmnView[]>([]);
  const [current, setCurrent] = useState('');
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let cancelled = false;
    setLoading(true); setError(''); setViews([]);
    Promise.all([import('../dmn'), api.model(name)])
      .then(async ([mod, xml]) => {
        if (cancelled || !host.current) return;
        display.current?.destroy();
        const d = new mod.DmnDisplay(host.current);
        display.current = d;
        const vs = await d.load(xml);
        if (cancelled) return;
        setViews(vs);
        // Open the first decision table rather than the diagram: the rules are what people read.
        const first = vs.find((v) => v.type === 'decisionTable') ?? vs[0];
        if (first) { await d.open(first.id); setCurrent(first.id); }
      })
      .catch((e) => !cancelled && setError(errorText(e)))
      .finally(() => !cancelled && setLoading(false));
    return () => { cancelled = true; display.current?.destroy(); display.current = null; };
  }, [name]);

  const open = async (id: string) => { setCurrent(id); await display.current?.open(id); };

  return (
    <div class="model-viewer">
      <div class="field inline">
        <label for="view-select">Decision</label>
        <select id="view-select" value={current} onChange={(e) => open(e.currentTarget.value)} disabled={!views.length}>
          {views.map((v) => <option key={v.id} value={v.id}>{v.name}{v.type === 'drd' ? ' (diagram)' : ''}</option>)}
        </select>
      </div>
      {loading && <p aria-live="polite">Loading decision tables…</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <div class="dmn-host" ref={host} data-testid="dmn-host" />
    </div>
  );
}

export function KnowledgeScreen() {
  useTitle('Knowledge');
  const [k, setK] = useState<Knowledge | null>(null);
  const [error, setError] = useState('');
  const [model, setModel] = useState('');
  useEffect(() => {
    loadKnowledge().then((kk) => { setK(kk); setModel(kk.models[0]?.file || kk.models[0]?.name || ''); }).catch((e) => setError(errorText(e)));
  }, []);

  if (error) return <section><h1>Knowledge</h1><p class="error" role="alert">{error}</p></section>;
  if (!k) return <section><h1>Knowledge</h1><p>Loading…</p></section>;
  const intents = [...new Set([...INTENT_ORDER, ...k.options.map((o) => o.intent ?? 'other')])];

  return (
    <section>
      <h1>Knowledge base {k.version}</h1>
      {k.date && <p class="muted">Released {k.date}.</p>}
      <section aria-labelledby="models-h">
        <h2 id="models-h">Decision models</h2>
        <div class="model-tabs" role="group" aria-label="Models">
          {k.models.map((m) => (
            <button type="button" key={m.name} class={(m.file || m.name) === model ? 'primary' : 'secondary'}
              aria-pressed={(m.file || m.name) === model} onClick={() => setModel(m.file || m.name)}>
              {m.name} <span class="count">({m.decisions.length} decisions, {m.rules} rules)</span>
            </button>
          ))}
        </div>
        {model && <ModelViewer name={model} />}
      </section>
      <section aria-labelledby="catalogue-h">
        <h2 id="catalogue-h">Option catalogue</h2>
        {intents.filter((i) => k.options.some((o) => (o.intent ?? 'other') === i)).map((i) => (
          <div key={i}>
            <h3>{INTENT_TITLES[i] ?? humanize(i)}</h3>
            <dl class="catalogue">
              {k.options.filter((o) => (o.intent ?? 'other') === i).map((o) => (
                <div key={o.id}>
                  <dt>{o.title} <code>{o.id}</code></dt>
                  <dd>{o.clinician_text}{o.citations?.length ? <span class="cite-inline"> [{o.citations.join(', ')}]</span> : null}</dd>
                </div>
              ))}
            </dl>
          </div>
        ))}
      </section>
      <section aria-labelledby="citations-h">
        <h2 id="citations-h">Citations</h2>
        <ol class="citations">
          {Object.entries(k.citations).map(([key, c]) => (
            <li key={key} id={`cite-${key}`}><span class="cite-key">[{key}]</span> {c.reference}{c.url && <> <span class="url">{c.url}</span></>}</li>
          ))}
        </ol>
      </section>
    </section>
  );
}
