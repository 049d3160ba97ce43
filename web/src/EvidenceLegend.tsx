// Evidence labels and option sources (issue 16): what RCT-3, RETRO, CONS, LABEL… mean, and which
// guideline or label, with its year, strength and approval status, stands behind an option.
import type { Option } from './api';

export const EVIDENCE_LABELS: [string, string][] = [
  ['RCT-3', 'randomised phase 3 trial in this population'],
  ['RCT-2', 'randomised phase 2 trial'],
  ['PROSP', 'prospective non-randomised, single-arm or registry study'],
  ['RETRO', 'retrospective series or population data'],
  ['CONS', 'expert consensus or guideline statement without high-level data'],
  ['LABEL', 'regulatory label (FDA/EMA indication), not a statement of guideline preference'],
];

export function EvidenceLegend() {
  return (
    <details class="evidence-legend">
      <summary>What the evidence labels mean</summary>
      <dl>
        {EVIDENCE_LABELS.map(([label, meaning]) => (
          <div key={label}><dt>{label}</dt><dd>{meaning}</dd></div>
        ))}
      </dl>
    </details>
  );
}

const STATUS: Record<string, string> = {
  approved: 'approved', off_label: 'off-label', not_approved: 'not approved', not_applicable: 'not applicable',
};

export function OptionSources({ o }: { o: Option }) {
  if (!o.sources?.length && !o.approval) return null;
  return (
    <>
      {o.sources && o.sources.length > 0 && (
        <>
          <h4>Guidelines and labels</h4>
          <ul class="sources">
            {o.sources.map((s) => (
              <li key={`${s.guideline}-${s.year}`}>
                {s.url ? <a href={s.url} rel="noreferrer noopener" target="_blank">{s.guideline}</a> : s.guideline} ({s.year})
                {s.strength ? `: ${s.strength}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {o.approval && (
        <p class="approval">
          Approval: FDA {STATUS[o.approval.fda] ?? o.approval.fda}, EMA {STATUS[o.approval.ema] ?? o.approval.ema}
          {o.approval.note ? `. ${o.approval.note}` : ''}
        </p>
      )}
    </>
  );
}
