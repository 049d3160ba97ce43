import type { CaseDoc, Knowledge, Recommendation } from '../api';
import { GOAL_LABELS, INTENT_PATIENT } from '../fields';

// The patient's handout: plain-language summary, an option grid for shared decision making,
// questions to ask and the goals recorded. Prints cleanly (styles.css @media print).
export function PatientView({ rec, k, doc }: { rec: Recommendation; k: Knowledge | null; doc: CaseDoc }) {
  const prefs: any = (doc as any).patient?.preferences ?? {};
  const goals: string[] = prefs.goals ?? [];
  // The grid shows the preferred options first, then the rest, at most six side by side.
  const opts = [...rec.options].sort((a, b) => Number(b.preferred) - Number(a.preferred)).slice(0, 6);
  const cat = (id: string) => k?.options.find((o) => o.id === id);

  return (
    <div class="patient-view" data-testid="patient-view">
      <div class="heading-row no-print">
        <p class="muted">A handout to read with the patient. Print it or save it as PDF.</p>
        <button type="button" class="secondary" onClick={() => window.print()}>Print handout</button>
      </div>
      <section class="handout">
        <h2>About your tumour and your choices</h2>
        <p class="plain">{rec.patient_summary?.text ?? 'No summary is available.'}</p>

        <h2>Your choices side by side</h2>
        {opts.length === 0 ? <p>Your care team will talk with you about the next steps.</p> : (
          <div class="grid-scroll">
            <table class="option-grid" data-testid="option-grid">
              <caption class="sr-only">Treatment choices compared</caption>
              <thead>
                <tr><td></td>{opts.map((o) => <th scope="col" key={o.id}>{o.title}</th>)}</tr>
              </thead>
              <tbody>
                <tr><th scope="row">Goal</th>{opts.map((o) => <td key={o.id}>{INTENT_PATIENT[o.intent] ?? o.intent}</td>)}</tr>
                <tr><th scope="row">What it is</th>{opts.map((o) => <td key={o.id}>{cat(o.id)?.patient_text ?? ''}</td>)}</tr>
                <tr><th scope="row">What it involves</th>{opts.map((o) => <td key={o.id}>{o.involves?.how ?? cat(o.id)?.involves?.how ?? ''}</td>)}</tr>
                <tr><th scope="row">How often</th>{opts.map((o) => (
                  <td key={o.id}>{[o.involves?.how_often, o.involves?.how_long].filter(Boolean).join(', for ')}</td>
                ))}</tr>
                <tr><th scope="row">Main side effects</th>{opts.map((o) => {
                  const se = cat(o.id)?.patient_side_effects ?? o.side_effects ?? [];
                  return <td key={o.id}><ul>{se.slice(0, 4).map((s) => <li key={s}>{s}</li>)}</ul></td>;
                })}</tr>
              </tbody>
            </table>
          </div>
        )}

        {rec.patient_summary?.questions_to_ask?.length ? (
          <>
            <h2>Questions you may want to ask</h2>
            <ul class="questions">{rec.patient_summary.questions_to_ask.map((q) => <li key={q}>{q}</li>)}</ul>
          </>
        ) : null}

        <h2>What matters to you</h2>
        {goals.length || prefs.notes ? (
          <div data-testid="patient-goals">
            {goals.length > 0 && <ul class="goals">{goals.map((g) => <li key={g}>{GOAL_LABELS[g] ?? g}</li>)}</ul>}
            {prefs.notes && <blockquote>{prefs.notes}</blockquote>}
          </div>
        ) : <p>No goals recorded yet. Tell your care team what matters most to you.</p>}
        <p class="notice">This sheet helps you talk with your care team. It does not replace their advice.</p>
      </section>
    </div>
  );
}
