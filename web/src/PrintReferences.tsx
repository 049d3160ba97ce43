// What a printed recommendation carries besides the screen (issue 22): the citations resolved
// into one numbered reference list (knowledge/citations.json), the date it was printed with the
// knowledge and engine versions. Shown in print only; on screen each option lists its own sources.
import type { Knowledge, Recommendation } from './api';

// Citation keys in the order the recommendation first cites them: alerts, options, not recommended.
export function citationOrder(rec: Recommendation): string[] {
  const order: string[] = [];
  const add = (keys?: string[]) => keys?.forEach((key) => { if (!order.includes(key)) order.push(key); });
  rec.alerts.forEach((a) => add(a.citations));
  rec.options.forEach((o) => add(o.citations));
  rec.not_recommended.forEach((n) => add(n.citations));
  return order;
}

// "[2, 5]": the numbers of `keys` in the printed reference list.
export function CiteNumbers({ keys, order }: { keys?: string[]; order: string[] }) {
  if (!keys?.length) return null;
  return <span class="print-only cite-numbers"> [{keys.map((key) => order.indexOf(key) + 1).join(', ')}]</span>;
}

export function PrintReferences({ rec, k, order }: { rec: Recommendation; k: Knowledge | null; order: string[] }) {
  const printed = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return (
    <section class="print-only print-references" data-testid="print-references">
      {order.length > 0 && (
        <>
          <h2>References</h2>
          <ol>
            {order.map((key) => {
              const c = k?.citations[key];
              const link = c?.doi ? `https://doi.org/${c.doi}` : c?.url;
              return (
                <li key={key}>
                  {c ? c.reference : 'Reference not in the loaded knowledge base.'}
                  {link && <> {link}</>} <span class="muted">({key})</span>
                </li>
              );
            })}
          </ol>
        </>
      )}
      <p class="muted" data-testid="print-generated">
        Printed {printed} UTC. Knowledge {rec.knowledge_version}{rec.knowledge_date ? ` (${rec.knowledge_date})` : ''},
        engine {rec.zebra_version}.
      </p>
    </section>
  );
}

// Printing opens every closed <details> and closes them again afterwards, for browsers whose
// print CSS cannot reach closed content (styles.css shows it in Chromium without this).
export function openDetailsWhilePrinting() {
  let opened: HTMLDetailsElement[] = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll<HTMLDetailsElement>('details:not([open])')];
    opened.forEach((d) => { d.open = true; });
  });
  window.addEventListener('afterprint', () => {
    opened.forEach((d) => { d.open = false; });
    opened = [];
  });
}
