import { useEffect, useState } from 'preact/hooks';
import { formatNumber, parseDecimal } from './fields';

// A number field that reads "2,5" and "2.5" alike, refuses what it cannot read (visibly, through
// onChange's error), and echoes the value it stored, so a tenfold value can never pass unseen.
// The text the user typed is kept as typed; the parsed value goes to onChange.
export function NumberInput({ id, value, integer, unit, disabled, describedBy, invalid, onChange }: {
  id: string; value: number | undefined; integer?: boolean; unit?: string; disabled?: boolean;
  describedBy?: string; invalid?: boolean;
  onChange: (value: number | undefined, error?: string) => void;
}) {
  const [text, setText] = useState(value === undefined ? '' : formatNumber(value));
  const [error, setError] = useState<string | undefined>(undefined);
  // A value set from outside (a demo case, an import, a what-if) replaces the text, unless the
  // text already reads as that value (so "2,5" stays as typed).
  useEffect(() => {
    const p = parseDecimal(text, { integer });
    if (p.error === undefined && p.value === value) return;
    if (p.error !== undefined && value === undefined) return;
    setText(value === undefined ? '' : formatNumber(value));
    setError(undefined);
  }, [value]);

  const p = parseDecimal(text, { integer });
  const echo = p.error === undefined && p.value !== undefined && text.trim() !== formatNumber(p.value);
  const echoId = `${id}-echo`;
  const refuseId = `${id}-refused`;
  const described = [describedBy, echo ? echoId : '', error ? refuseId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <input id={id} type="text" inputMode={integer ? 'numeric' : 'decimal'} autoComplete="off" spellcheck={false}
        value={text} disabled={disabled} aria-describedby={described} aria-invalid={invalid || error ? true : undefined}
        onInput={(e) => {
          const t = e.currentTarget.value;
          setText(t);
          const r = parseDecimal(t, { integer });
          setError(r.error);
          onChange(r.error === undefined ? r.value : undefined, r.error);
        }} />
      {echo && <p class="echo" id={echoId} data-testid="number-echo">Read as {formatNumber(p.value!)}{unit ? ` ${unit}` : ''}</p>}
      {error && <p class="field-error" id={refuseId} role="status" data-testid="number-refused">{error}</p>}
    </>
  );
}
