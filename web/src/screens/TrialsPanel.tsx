// Clinical trials (issue 23): the studies of the local registry snapshot this case may fit, with
// what matched and what remains to check, as the recommendation gives them (no matching here).
import type { Recommendation } from '../api';

export interface Trial {
  nct_id: string; title: string; phase: string | null; status: string; countries: string[];
  matched: string[]; to_check: string[]; snapshot_date: string; stale?: boolean;
  criteria_encoded?: boolean; url?: string;
}
export interface TrialsRegistry {
  snapshot_date: string; studies: number; criteria_encoded: number; may_fit: number; excluded: number;
  stale: boolean; stale_note: string | null;
}
const CARD = { background: 'var(--card)', border: '1px solid var(--line)', borderRadius: '6px', marginBottom: '0.4rem', padding: '0.45rem 0.8rem' };
type WithTrials = Recommendation & { trials?: Trial[]; trials_registry?: TrialsRegistry };

export function TrialsPanel({ rec }: { rec: Recommendation }) {
  const r = rec as WithTrials;
  const reg = r.trials_registry;
  if (!reg) return null;
  const trials = r.trials ?? [];
  return (
    <section aria-labelledby="trials-h" class="trials-panel" data-testid="trials-panel">
      <h2 id="trials-h">Clinical trials</h2>
      <p class="muted">
        Local registry snapshot {reg.snapshot_date}: {reg.may_fit} of {reg.studies} studies may fit; {reg.excluded} ruled out by known facts.
      </p>
      {reg.stale && <p class="alert alert-warning" role="status"><strong class="sev">Stale</strong> {reg.stale_note}</p>}
      {trials.length === 0 && <p>No study in the local registry fits the known facts.</p>}
      {trials.map((t) => (
        <details class="trial" key={t.nct_id} data-trial={t.nct_id} style={CARD}>
          <summary>
            <strong>{t.nct_id}</strong> {t.title} <span class="muted">({t.phase ?? 'phase n/a'}, {t.status.replace(/_/g, ' ')}{t.countries.length ? `; ${t.countries.join(', ')}` : ''})</span>
          </summary>
          {t.matched.length > 0 && <><p><em>Matched</em></p><ul>{t.matched.map((m) => <li key={m}>{m}</li>)}</ul></>}
          {t.to_check.length > 0 && <><p><em>To check</em></p><ul>{t.to_check.map((m) => <li key={m}>{m}</li>)}</ul></>}
          {t.url && <p class="url">{t.url}</p>}
        </details>
      ))}
    </section>
  );
}
