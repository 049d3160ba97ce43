import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type CaseDoc, type Decision, type Knowledge, type PatientSummary, type Recommendation } from '../api';
import { GOAL_LABELS } from '../fields';

type Lang = 'en' | 'ar';

// Words of the handout itself (the clinical content comes from the recommendation's
// patient_summary, in the same language).
const LABELS: Record<Lang, Record<string, string>> = {
  en: {
    lead: 'A handout to read with the patient. Print it or save it as PDF.', print: 'Print handout', language: 'Language',
    title: 'About your tumour and your choices', name: 'Name', date: 'Date', contact: 'Clinic contact',
    board: "The team's recommendation", grid: 'Your choices side by side', what: 'What it is',
    benefits: 'What it may do for you', harms: 'Side effects and risks', involves: 'What it involves',
    how_often: 'How often', how_long: 'For how long', if_not: 'If you do not choose it',
    questions: 'Questions you may want to ask', matters: 'What matters to you',
    no_goals: 'No goals recorded yet. Tell your care team what matters most to you.', notes: 'Notes',
    none: 'Your care team will talk with you about the next steps.', loading: 'Preparing the handout…',
    notice: 'This sheet helps you talk with your care team. It does not replace their advice.',
  },
  ar: {
    lead: 'ورقة يقرؤها الفريق مع المريض. اطبعها أو احفظها بصيغة PDF.', print: 'اطبع الورقة', language: 'اللغة',
    title: 'عن ورمك وخياراتك', name: 'الاسم', date: 'التاريخ', contact: 'رقم العيادة للتواصل',
    board: 'توصية الفريق', grid: 'خياراتك جنبًا إلى جنب', what: 'ما هو', benefits: 'ما قد يفيدك به',
    harms: 'الآثار الجانبية والمخاطر', involves: 'ما يتطلبه', how_often: 'كم مرة', how_long: 'إلى متى',
    if_not: 'إذا لم تختره', questions: 'أسئلة قد ترغب في طرحها', matters: 'ما يهمك',
    no_goals: 'لم تُسجل أهدافك بعد. أخبر فريق رعايتك بما يهمك أكثر.', notes: 'ملاحظات',
    none: 'سيحدثك فريق رعايتك عن الخطوات التالية.', loading: 'جارٍ إعداد الورقة…',
    notice: 'تساعدك هذه الورقة على الحديث مع فريق رعايتك، ولا تغني عن نصيحتهم.',
  },
};
const GOALS_AR: Record<string, string> = {
  cure: 'الشفاء', longer_life: 'أن أعيش مدة أطول', symptom_relief: 'تخفيف الأعراض', quality_of_life: 'جودة الحياة',
  avoid_surgery: 'تجنب الجراحة', fewer_hospital_visits: 'زيارات أقل للمستشفى', oral_treatment: 'علاج عن طريق الفم',
};

// The patient's handout: plain-language summary, the option grid for shared decision making
// (one card per option with labelled rows, so a phone never hides the labels), the board's
// recommendation when one is recorded, questions, goals and space for notes. English or Arabic
// (right to left). Prints on A4 (styles.css @media print); no rule ids or versions.
export function PatientView({ rec, k, doc, decisions = [] }: {
  rec: Recommendation; k: Knowledge | null; doc: CaseDoc; decisions?: Decision[];
}) {
  const [lang, setLang] = useState<Lang>(() => (new URLSearchParams(location.hash.split('?')[1] ?? '').get('lang') === 'ar' ? 'ar' : 'en'));
  const stored = rec.patient_summary?.option_grid ? rec.patient_summary : null;
  const [summary, setSummary] = useState<PatientSummary | null>(lang === 'en' ? stored : null);
  const [error, setError] = useState('');
  useEffect(() => {
    if (lang === 'en' && stored) { setSummary(stored); return; }
    let live = true;
    setSummary(null);
    api.evaluate(doc, lang).then((r) => { if (live) setSummary(r.patient_summary ?? null); })
      .catch((e) => { if (live) setError(errorText(e)); });
    return () => { live = false; };
  }, [lang, rec]);

  const t = LABELS[lang];
  const prefs: any = (doc as any).patient?.preferences ?? {};
  const goals: string[] = prefs.goals ?? [];
  const grid = summary?.option_grid ?? [];
  // The decision in force: the newest not amended; a deferral for work-up names no option yet.
  const inForce = [...decisions].reverse().find((d) => !d.amended_by) ?? null;
  const latest = inForce && inForce.decision.outcome !== 'defer_workup' && inForce.decision.option_id ? inForce : null;
  const chosen = latest ? (grid.find((g) => g.id === latest.decision.option_id)?.name
    ?? k?.options.find((o) => o.id === latest.decision.option_id)?.title ?? latest.decision.option_id) : '';
  const dir = lang === 'ar' ? 'rtl' : 'ltr';

  return (
    <div class={`patient-view lang-${lang}`} data-testid="patient-view" lang={lang} dir={dir}>
      <div class="heading-row no-print">
        <p class="muted">{t.lead}</p>
        <label class="lang-switch">{t.language}{' '}
          <select value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)} data-testid="handout-lang">
            <option value="en" lang="en">English</option>
            <option value="ar" lang="ar">العربية</option>
          </select>
        </label>
        <button type="button" class="secondary" onClick={() => window.print()}>{t.print}</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {!summary ? <p>{t.loading}</p> : (
        <section class="handout" data-testid="handout" lang={lang} dir={dir}>
          <h2>{t.title}</h2>
          <div class="fill">
            {[t.name, t.date, t.contact].map((f) => <p key={f}><span>{f}:</span><span class="line" /></p>)}
          </div>
          <p class="plain" data-testid="patient-summary">{summary.text}</p>
          {latest && (
            <p class="board" data-testid="board-recommendation"><strong>{t.board}:</strong> {chosen}</p>
          )}

          <h3>{t.grid}</h3>
          {grid.length === 0 ? <p>{t.none}</p> : (
            <div class="choices" data-testid="option-grid">
              {grid.map((g) => (
                <article class="choice" key={g.id} data-option={g.id}>
                  <h4>{g.name}</h4>
                  <dl>
                    <dt>{t.what}</dt><dd>{g.what_it_is}</dd>
                    <dt>{t.benefits}</dt><dd>{g.benefits}</dd>
                    {g.harms.length > 0 && <><dt>{t.harms}</dt><dd><ul>{g.harms.map((h) => <li key={h}>{h}</li>)}</ul></dd></>}
                    <dt>{t.involves}</dt>
                    <dd>{g.involves.how}
                      {g.involves.how_often && <><br />{t.how_often}: {g.involves.how_often}</>}
                      {g.involves.how_long && <><br />{t.how_long}: {g.involves.how_long}</>}
                    </dd>
                    <dt>{t.if_not}</dt><dd>{g.if_not_chosen}</dd>
                  </dl>
                </article>
              ))}
            </div>
          )}

          {summary.questions_to_ask?.length ? (
            <>
              <h3>{t.questions}</h3>
              <ul class="questions">{summary.questions_to_ask.map((q) => <li key={q}>{q}</li>)}</ul>
            </>
          ) : null}

          <h3>{t.matters}</h3>
          {goals.length || prefs.notes ? (
            <div data-testid="patient-goals">
              {goals.length > 0 && <ul class="goals">{goals.map((g) => (
                <li key={g}>{lang === 'ar' ? (GOALS_AR[g] ?? g) : (GOAL_LABELS[g] ?? g)}</li>
              ))}</ul>}
              {prefs.notes && <blockquote lang="und">{prefs.notes}</blockquote>}
            </div>
          ) : <p>{t.no_goals}</p>}
          <h3>{t.notes}</h3>
          <div class="notes" />
          <p class="notice">{t.notice}</p>
        </section>
      )}
    </div>
  );
}
