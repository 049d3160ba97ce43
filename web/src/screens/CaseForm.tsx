import { useEffect, useRef, useState } from 'preact/hooks';
import { api, canWrite, errorText, loadKnowledge, ApiError, type CaseDoc, type CatalogueOption, type DemoCase, type FieldError, type User } from '../api';
import { GROUPS, errorPathToField, getPath, setPath, type Field } from '../fields';
import { go } from '../router';
import { NumberInput } from '../NumberInput';
import { FhirReport, fieldLabel, type FhirMapReport } from '../FhirReport';
import { useTitle } from '../util';

const fieldId = (path: string) => 'f-' + path.replace(/\./g, '-');

function newCase(): CaseDoc {
  const d = new Date();
  const stamp = `${d.getFullYear()}${String(d.getMonth() + 1).padStart(2, '0')}${String(d.getDate()).padStart(2, '0')}`;
  return { schema: 'zebra.case/v1', id: `case-${stamp}-${Math.random().toString(36).slice(2, 6)}`, tumor: {} };
}

function FieldInput({ f, value, error, disabled, onChange }: {
  f: Field; value: any; error?: string; disabled: boolean; onChange: (v: unknown, refused?: string) => void;
}) {
  const id = fieldId(f.path);
  const described = [f.help ? `${id}-help` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: f.path, disabled, 'aria-describedby': described, 'aria-invalid': error ? true : undefined };
  let control;
  if (f.kind === 'select') {
    control = (
      <select {...common} value={value === undefined ? '' : String(value)}
        onChange={(e) => { const v = e.currentTarget.value; onChange(v === '' ? undefined : f.numeric ? Number(v) : v); }}>
        <option value="">— unknown —</option>
        {f.options!.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    );
  } else if (f.kind === 'bool') {
    control = (
      <select {...common} value={value === true ? 'yes' : value === false ? 'no' : ''}
        onChange={(e) => { const v = e.currentTarget.value; onChange(v === 'yes' ? true : v === 'no' ? false : undefined); }}>
        <option value="">— unknown —</option>
        <option value="yes">Yes</option>
        <option value="no">No</option>
      </select>
    );
  } else if (f.kind === 'multi') {
    const arr: string[] = Array.isArray(value) ? value : [];
    return (
      <fieldset class={`field multi${error ? ' invalid' : ''}`} aria-describedby={described}>
        <legend>{f.label}</legend>
        <div class="checks">
          {f.options!.map(([v, l]) => (
            <label key={v} class="check">
              <input type="checkbox" name={f.path} value={v} disabled={disabled} checked={arr.includes(v)}
                onChange={(e) => onChange(e.currentTarget.checked ? [...arr, v] : arr.filter((x) => x !== v))} />
              {l}
            </label>
          ))}
        </div>
        {f.help && <p class="help" id={`${id}-help`}>{f.help}</p>}
        {error && <p class="field-error" id={`${id}-err`}>{error}</p>}
      </fieldset>
    );
  } else if (f.kind === 'textarea') {
    control = <textarea {...common} rows={3} value={value ?? ''} onInput={(e) => onChange(e.currentTarget.value || undefined)} />;
  } else if (f.kind === 'text') {
    control = <input {...common} type="text" value={value ?? ''} onInput={(e) => onChange(e.currentTarget.value || undefined)} />;
  } else {
    control = (
      <NumberInput id={id} value={typeof value === 'number' ? value : undefined} integer={f.kind === 'integer'} unit={f.unit}
        disabled={disabled} describedBy={described} invalid={!!error} onChange={(v, err) => onChange(v, err)} />
    );
  }
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{f.label}{f.unit && <span class="unit"> ({f.unit})</span>}</label>
      {control}
      {f.help && <p class="help" id={`${id}-help`}>{f.help}</p>}
      {error && <p class="field-error" id={`${id}-err`}>{error}</p>}
    </div>
  );
}

function PriorTherapies({ list, catalogue, disabled, errors, onChange, onRefuse }: {
  list: any[]; catalogue: CatalogueOption[]; disabled: boolean; errors: Record<string, string>;
  onChange: (l: any[] | undefined) => void; onRefuse: (path: string, why: string | undefined) => void;
}) {
  const update = (i: number, key: string, v: unknown) => {
    const next = list.map((row, j) => {
      if (j !== i) return row;
      const r = { ...row };
      if (v === undefined || v === '') delete r[key]; else r[key] = v;
      return r;
    });
    onChange(next);
  };
  return (
    <fieldset class="field prior">
      <legend>Prior therapies</legend>
      {list.length === 0 && <p class="help">None recorded.</p>}
      {list.map((row, i) => {
        const base = `history.prior_therapies.${i}`;
        const err = errors[`${base}.option`] || errors[`${base}.months`] || errors[`${base}.response`] || errors[base];
        return (
          <div class="prior-row" key={i}>
            <div class="field">
              <label for={`pt-${i}-option`}>Therapy {i + 1}</label>
              <select id={`pt-${i}-option`} disabled={disabled} value={row.option ?? ''}
                onChange={(e) => update(i, 'option', e.currentTarget.value)}>
                <option value="">— choose —</option>
                {catalogue.map((c) => <option key={c.id} value={c.id}>{c.title}</option>)}
                {row.option && !catalogue.some((c) => c.id === row.option) && <option value={row.option}>{row.option}</option>}
              </select>
            </div>
            <div class="field">
              <label for={`pt-${i}-response`}>Response</label>
              <select id={`pt-${i}-response`} disabled={disabled} value={row.response ?? ''}
                onChange={(e) => update(i, 'response', e.currentTarget.value)}>
                <option value="">— unknown —</option>
                <option value="response">Response</option>
                <option value="stable">Stable</option>
                <option value="progression">Progression</option>
                <option value="intolerance">Intolerance</option>
              </select>
            </div>
            <div class="field">
              <label for={`pt-${i}-months`}>Duration <span class="unit">(months)</span></label>
              <NumberInput id={`pt-${i}-months`} disabled={disabled} value={typeof row.months === 'number' ? row.months : undefined}
                unit="months" onChange={(v, why) => { onRefuse(`${base}.months`, why); if (!why) update(i, 'months', v); }} />
            </div>
            {!disabled && (
              <button type="button" class="secondary small" onClick={() => { const n = list.filter((_, j) => j !== i); onChange(n.length ? n : undefined); }}>
                Remove<span class="sr-only"> therapy {i + 1}</span>
              </button>
            )}
            {err && <p class="field-error">{err}</p>}
          </div>
        );
      })}
      {!disabled && <button type="button" class="secondary small" onClick={() => onChange([...list, {}])}>Add prior therapy</button>}
    </fieldset>
  );
}

export function CaseForm({ user, caseId }: { user: User; caseId?: string }) {
  const [doc, setDoc] = useState<CaseDoc | null>(caseId ? null : newCase());
  const [errors, setErrors] = useState<FieldError[]>([]);
  // Number fields whose text could not be read: kept out of the case and listed before saving.
  const [refused, setRefused] = useState<Record<string, string>>({});
  const [demos, setDemos] = useState<DemoCase[]>([]);
  const [catalogue, setCatalogue] = useState<CatalogueOption[]>([]);
  const [message, setMessage] = useState('');
  const [report, setReport] = useState<{ file: string; report: FhirMapReport } | null>(null);
  const [failure, setFailure] = useState('');
  const [summary, setSummary] = useState(false);
  const [saving, setSaving] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const seq = useRef(0);
  const summaryRef = useRef<HTMLDivElement>(null);
  const topRef = useRef<HTMLDivElement>(null);
  const writable = canWrite(user);
  useTitle(caseId ? `Edit case ${caseId}` : 'New case');

  useEffect(() => {
    api.demoCases().then(setDemos).catch(() => setDemos([]));
    loadKnowledge().then((k) => setCatalogue(k.options)).catch(() => setCatalogue([]));
    if (caseId) api.getCase(caseId).then((s) => setDoc(s.case)).catch((e) => setFailure(errorText(e)));
    return () => window.clearTimeout(timer.current);
  }, [caseId]);

  // The error summary takes focus when it appears after a failed save.
  useEffect(() => { if (summary) summaryRef.current?.focus(); }, [summary, failure]);

  // Inline validation: the server's own messages (POST /v1/validate), a moment after each change.
  const validateSoon = (d: CaseDoc) => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(async () => {
      const mine = ++seq.current;
      try {
        const r = await api.validate(d);
        if (mine === seq.current) setErrors(r.errors ?? []);
      } catch { /* validation is a convenience; saving validates again */ }
    }, 350);
  };
  // Updaters, not values: two quick edits (before a render) must not overwrite each other.
  const change = (f: (d: CaseDoc) => CaseDoc) => setDoc((cur) => { const next = f(cur ?? newCase()); validateSoon(next); return next; });
  const refuse = (path: string, why: string | undefined) => setRefused((cur) => {
    if (cur[path] === why) return cur;
    const next = { ...cur };
    if (why) next[path] = why; else delete next[path];
    return next;
  });

  const byField: Record<string, string> = {};
  const unplaced: FieldError[] = [];
  const known = new Set(GROUPS.flatMap((g) => g.fields.map((f) => f.path)));
  for (const e of errors) {
    const p = errorPathToField(e.path);
    if (byField[p]) continue;
    byField[p] = e.message;
    if (!known.has(p) && !p.startsWith('history.prior_therapies')) unplaced.push(e);
  }
  // Every problem, named by its field's label, for the summary above the form.
  const labelFor = (path: string, raw: string) => {
    const m = /^history\.prior_therapies\.(\d+)(?:\.(\w+))?/.exec(path);
    if (m) return `Therapy ${Number(m[1]) + 1}${m[2] ? `: ${m[2] === 'months' ? 'duration' : m[2]}` : ''}`;
    return known.has(path) ? fieldLabel(path) : raw;
  };
  const problems: { path: string; label: string; message: string }[] = [
    ...Object.entries(refused).map(([path, message]) => ({ path, label: labelFor(path, path), message })),
    ...errors.map((e) => {
      const path = errorPathToField(e.path);
      return { path, label: labelFor(path, e.path), message: e.message };
    }).filter((p) => !refused[p.path]),
  ];
  const focusField = (path: string) => {
    const m = /^history\.prior_therapies\.(\d+)(?:\.(\w+))?/.exec(path);
    const el = document.getElementById(m ? `pt-${m[1]}-${m[2] ?? 'option'}` : fieldId(path))
      ?? document.querySelector<HTMLElement>(`[name="${CSS.escape(path)}"]`);
    el?.focus();
  };

  const loadDemo = (file: string) => {
    const d = demos.find((x) => x.file === file);
    if (!d) return;
    const c = structuredClone(d.case);
    if (caseId) c.id = caseId;
    setRefused({}); setReport(null);
    change(() => c);
    setMessage(`Loaded demo case "${d.title}".`);
  };

  const importFhir = async (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    setFailure(''); setMessage(''); setReport(null); setSummary(false);
    try {
      const bundle = JSON.parse(await file.text());
      const r = await api.fhirMap(bundle);
      const c = r.case as CaseDoc;
      if (caseId) c.id = caseId;
      setRefused({});
      change(() => c);
      setReport({ file: file.name, report: (r.report ?? {}) as FhirMapReport });
      setMessage(`Imported ${file.name}. Review the fields and the mapping report before saving.`);
    } catch (err) {
      let why = err instanceof SyntaxError ? `${file.name} is not valid JSON.` : `FHIR import failed: ${errorText(err)}`;
      if (err instanceof ApiError && (err.problem.errors?.length ?? 0) > 1) {
        why += ` (${err.problem.errors!.slice(1).map((x) => `${x.path}: ${x.message}`).join('; ')})`;
      }
      setFailure(why);
      topRef.current?.focus();
    } finally { input.value = ''; }
  };

  const save = async (e: Event) => {
    e.preventDefault();
    if (!doc) return;
    setFailure(''); setMessage('');
    if (Object.keys(refused).length) {
      setFailure('Some values could not be read; correct them before saving.');
      setSummary(true);
      return;
    }
    setSaving(true);
    try {
      const r = caseId ? await api.updateCase(caseId, doc) : await api.createCase(doc);
      go(`/cases/${encodeURIComponent(r.id!)}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        // The sign-in dialog opens over the form (main.tsx); the content stays here.
        setFailure('Not saved: your session has ended. Sign in again, then save; your entries are kept.');
      } else if (err instanceof ApiError && err.problem.errors?.length) {
        setErrors(err.problem.errors);
        setFailure('The case has errors; see the list below and the marked fields.');
        setSummary(true);
      } else setFailure(errorText(err));
    } finally { setSaving(false); }
  };

  if (!doc) return <section><h1>Edit case</h1>{failure ? <p class="error" role="alert">{failure}</p> : <p>Loading…</p>}</section>;

  return (
    <section>
      <h1>{caseId ? `Edit case ${caseId}` : 'New case'}</h1>
      {!writable && <p class="notice">Your role (viewer) can read cases but not change them.</p>}
      <div ref={topRef} tabIndex={-1} class="form-top">
        {failure && !summary && <p class="error" role="alert" data-testid="form-failure">{failure}</p>}
        {summary && (failure || problems.length > 0) && (
          <div class="error-summary" ref={summaryRef} tabIndex={-1} role="alert" aria-labelledby="error-summary-h" data-testid="error-summary">
            <h2 id="error-summary-h">There is a problem</h2>
            {failure && <p>{failure}</p>}
            <ul>{problems.map((p) => (
              <li key={p.path}><a href={`#${fieldId(p.path)}`} onClick={(ev) => { ev.preventDefault(); focusField(p.path); }}>{p.label}</a>: {p.message}</li>
            ))}</ul>
          </div>
        )}
      </div>
      {writable && (
        <div class="toolbar card">
          <div class="field inline">
            <label for="demo-select">Start from a demo case</label>
            <select id="demo-select" value="" onChange={(e) => loadDemo(e.currentTarget.value)} disabled={!demos.length}>
              <option value="">{demos.length ? '— choose a demo case —' : 'No demo cases available'}</option>
              {demos.map((d) => <option key={d.file} value={d.file}>{d.title}</option>)}
            </select>
          </div>
          <div class="field inline">
            <label for="fhir-file">Import FHIR bundle</label>
            <input id="fhir-file" type="file" accept=".json,application/json,application/fhir+json" onChange={importFhir} />
          </div>
        </div>
      )}
      <div aria-live="polite">{message && <p class="ok">{message}</p>}</div>
      {report && <FhirReport file={report.file} report={report.report} />}
      <form onSubmit={save} noValidate>
        {GROUPS.map((g) => (
          <fieldset class="group card" key={g.id} id={`group-${g.id}`} disabled={!writable}>
            <legend>{g.title}</legend>
            {g.help && <p class="help">{g.help}</p>}
            <div class="grid">
              {g.fields.filter((f) => !f.showIf || f.showIf(doc) || getPath(doc, f.path) !== undefined).map((f) => (
                <FieldInput key={f.path} f={f} value={getPath(doc, f.path)} error={refused[f.path] ? undefined : byField[f.path]} disabled={!writable}
                  onChange={(v, why) => { refuse(f.path, why); if (!why) change((d) => setPath(d, f.path, v)); }} />
              ))}
            </div>
            {g.id === 'history' && (
              <PriorTherapies list={(getPath(doc, 'history.prior_therapies') as any[]) ?? []} catalogue={catalogue}
                disabled={!writable} errors={byField} onRefuse={refuse} onChange={(l) => change((d) => setPath(d, 'history.prior_therapies', l))} />
            )}
          </fieldset>
        ))}
        <div class="form-errors" aria-live="polite">
          {unplaced.length > 0 && (
            <ul class="error">{unplaced.map((e) => <li key={e.path}><code>{e.path}</code>: {e.message}</li>)}</ul>
          )}
          {problems.length > 0 && <p class="warn-text" data-testid="error-count">{problems.length} problem{problems.length > 1 ? 's' : ''} to fix before saving.</p>}
        </div>
        {writable && (
          <div class="actions sticky">
            <button type="submit" class="primary" disabled={saving}>{saving ? 'Saving…' : caseId ? 'Save new revision and evaluate' : 'Create case and evaluate'}</button>
            <a class="button secondary" href={caseId ? `#/cases/${encodeURIComponent(caseId)}` : '#/cases'}>Cancel</a>
          </div>
        )}
      </form>
    </section>
  );
}
