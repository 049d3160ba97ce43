#!/usr/bin/env node
// Print emulation of the recommendation (issue 22): in print media every option's rationale,
// evidence and side effects are visible (no content left in closed <details>), citations are
// resolved into a numbered reference list, and the page carries its date, the knowledge version
// and the disclaimer once. Checked for the web app's recommendation and for
// `zebra evaluate --format html`, with Debian's Chromium through playwright-core.
//   node tests/web/print_e2e.mjs ZEBRA_BINARY SOURCE_DIR [ARTIFACT_DIR]
// Exit 0 when every check passed, 1 otherwise, 77 (skipped) when `zebra serve` is not built.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StartDemoServer } from './demo_server.mjs';

const [zebra, sourceArg = process.cwd(), artifactArg] = process.argv.slice(2);
const sourceDir = path.resolve(sourceArg);
if (!zebra) { console.error('usage: print_e2e.mjs ZEBRA_BINARY SOURCE_DIR [ARTIFACT_DIR]'); process.exit(2); }
const webDir = path.join(sourceDir, 'web');
const dist = path.join(webDir, 'dist');
const artifacts = artifactArg ?? path.join(sourceDir, 'build', 'web-artifacts');
fs.mkdirSync(artifacts, { recursive: true });
if (!fs.existsSync(path.join(dist, 'index.html'))) {
  console.error(`print_e2e: ${dist}/index.html is missing; run \`make web\` first`);
  process.exit(1);
}
if (spawnSync(zebra, ['serve', '--help'], { stdio: 'ignore' }).status !== 0) {
  console.error('print_e2e: `zebra serve` is not available in this build; skipped');
  process.exit(77);
}
const require = createRequire(path.join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zebra-print-e2e-'));
let passed = 0, failed = 0;
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`); }
  else { failed++; console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`); }
}

// ---- server with the demo accounts ----------------------------------------------------------
const { server, base } = await StartDemoServer({ zebra, sourceDir, dist, tmp });

// A stored, evaluated case with options that have side effects (metastatic G2 pancreatic NET).
const signIn = await fetch(`${base}/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ username: 'coordinator', password: 'zebra-demo' }) });
const cookie = (signIn.headers.get('set-cookie') ?? '').match(/zebra_session=([^;]+)/)?.[1] ?? '';
const { csrf_token: csrf } = await signIn.json();
const caseFile = ['pnet_metastatic_progressive_after_ssa.json', 'pnet_small_nonfunctioning.json']
  .map((f) => path.join(sourceDir, 'examples', 'cases', f)).find((f) => fs.existsSync(f));
const created = await fetch(`${base}/v1/cases`, { method: 'POST', body: fs.readFileSync(caseFile),
  headers: { 'Content-Type': 'application/json', Cookie: `zebra_session=${cookie}`, 'X-CSRF-Token': csrf } });
const caseId = (await created.json()).id;
check('a case is stored and evaluated', created.status === 201 && !!caseId, `status ${created.status}`);
const knowledge = await (await fetch(`${base}/v1/knowledge`, { headers: { Cookie: `zebra_session=${cookie}` } })).json();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});

// In print media: every option body, with its rationale, evidence and side effects, is rendered
// (a closed <details> leaves its content with no box at all).
async function printChecks(page, label, optionSel, bodyTexts) {
  await page.emulateMedia({ media: 'screen' });
  const closedOnScreen = await page.locator(`${optionSel}:not([open])`).count();
  await page.emulateMedia({ media: 'print' });
  const options = await page.locator(optionSel).count();
  check(`${label}: options listed`, options > 0, `${options}`);
  const hidden = await page.evaluate(([sel, texts]) => {
    const out = [];
    for (const d of document.querySelectorAll(sel)) {
      const body = [...d.children].filter((c) => c.tagName !== 'SUMMARY');
      const shown = body.filter((c) => c.getClientRects().length > 0 && getComputedStyle(c).visibility !== 'hidden');
      const textShown = shown.map((c) => c.innerText).join('\n');
      for (const t of texts) if (d.textContent.includes(t) && !textShown.includes(t)) out.push(`${d.dataset.option}: ${t}`);
      if (!shown.length) out.push(`${d.dataset.option}: nothing below the title`);
    }
    return out;
  }, [optionSel, bodyTexts]);
  check(`${label}: rationale, evidence and side effects of every option print (${closedOnScreen} closed on screen)`,
    hidden.length === 0, hidden.slice(0, 5).join('; '));
  const sideEffects = await page.evaluate((sel) => [...document.querySelectorAll(sel)]
    .filter((d) => /Side effects/.test(d.innerText)).length, optionSel);
  check(`${label}: side effects are in the printed text`, sideEffects > 0);
}

try {
  // ---- the web app ---------------------------------------------------------------------------
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  await context.addCookies([{ name: 'zebra_session', value: cookie, url: base }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  await page.goto(`${base}/#/cases/${caseId}`);
  await page.getByTestId('recommendation').waitFor({ timeout: 30000 });
  await printChecks(page, 'web app', 'details.option', ['Rationale', 'Evidence', 'Side effects']);
  const why = await page.locator('details.why table').first().isVisible();
  check('web app: the rules that fired print too', why);
  // The knowledge base (with the citations) loads beside the recommendation.
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid=print-references]');
    return r && r.querySelector('li') && !r.textContent.includes('not in the loaded knowledge base');
  }, null, { timeout: 10000 }).catch(() => {});
  const refs = page.getByTestId('print-references');
  check('web app: numbered reference list prints', await refs.isVisible() && (await refs.locator('ol > li').count()) > 0);
  const refText = (await refs.textContent()) ?? '';
  const someKey = Object.keys(knowledge.citations ?? {}).find((key) => refText.includes(`(${key})`));
  check('web app: references are resolved from the knowledge citations (text, DOI link)', !!someKey
    && refText.includes(knowledge.citations[someKey].reference) && refText.includes('https://doi.org/'), refText.slice(0, 200));
  const numbers = await page.locator('details.option .cite-numbers').first().textContent().catch(() => '');
  check('web app: options cite by number', /\[\d+(, \d+)*\]/.test(numbers ?? ''), numbers ?? '');
  const generated = (await page.getByTestId('print-generated').textContent()) ?? '';
  const today = new Date().toISOString().slice(0, 10);
  check('web app: print date and knowledge version', generated.includes(today) && generated.includes(knowledge.version ?? '1.'),
    generated);
  const notices = await page.evaluate(() => [...document.querySelectorAll('main *')]
    .filter((e) => e.children.length === 0 && /does not replace clinical judgement/.test(e.textContent)
      && e.getClientRects().length > 0).length);
  check('web app: the disclaimer prints once', notices === 1, `${notices}`);
  await page.emulateMedia({ media: 'screen' });
  check('web app: reference list is print-only', !(await refs.isVisible()));
  await page.emulateMedia({ media: 'print' });
  await page.screenshot({ path: path.join(artifacts, 'print-recommendation.png'), fullPage: true });
  await page.pdf({ path: path.join(artifacts, 'print-recommendation.pdf'), format: 'A4' });
  // Other browsers: printing itself opens the closed details (beforeprint) and closes them after.
  await page.emulateMedia({ media: 'screen' });
  const reopened = await page.evaluate(() => {
    window.dispatchEvent(new Event('beforeprint'));
    const closed = document.querySelectorAll('details:not([open])').length;
    window.dispatchEvent(new Event('afterprint'));
    return { closed, after: document.querySelectorAll('details:not([open])').length };
  });
  check('web app: beforeprint opens every details, afterprint closes them again', reopened.closed === 0 && reopened.after > 0,
    JSON.stringify(reopened));
  await context.close();

  // ---- zebra evaluate --format html ------------------------------------------------------------
  const out = spawnSync(zebra, ['evaluate', '--format', 'html', caseFile], { cwd: sourceDir, encoding: 'utf8' });
  check('zebra evaluate --format html', out.status === 0, out.stderr);
  const htmlFile = path.join(tmp, 'recommendation.html');
  fs.writeFileSync(htmlFile, out.stdout ?? '');
  const page2 = await browser.newPage();
  await page2.goto(`file://${htmlFile}`);
  await printChecks(page2, 'evaluate --format html', 'details[data-option]', ['Evidence:', 'Side effects:']);
  const list = await page2.locator('ol.references > li').allTextContents();
  check('evaluate --format html: numbered reference list', list.length > 0 && await page2.locator('ol.references').isVisible());
  const cited = await page2.locator('details[data-option] a[href^="#ref-"]').count();
  check('evaluate --format html: options cite the list by number', cited > 0, `${cited}`);
  const unresolved = list.filter((t) => {
    const key = t.match(/\((\w+)\)\s*$/)?.[1];
    const c = key && knowledge.citations?.[key];
    return !c || !t.includes(c.reference) || (c.doi && !t.includes(`https://doi.org/${c.doi}`));
  });
  check('evaluate --format html: every reference resolved from knowledge/citations.json (text, DOI link)',
    unresolved.length === 0, unresolved.slice(0, 3).join(' | '));
  const gen = (await page2.getByTestId('generated').textContent()) ?? '';
  check('evaluate --format html: generation date and knowledge version', gen.includes(new Date().toISOString().slice(0, 10))
    && gen.includes(`knowledge version ${knowledge.version}`), gen);
  const htmlNotices = (out.stdout.match(/does not replace clinical judgement/g) ?? []).length;
  check('evaluate --format html: the disclaimer once', htmlNotices === 1, `${htmlNotices}`);
  await page2.pdf({ path: path.join(artifacts, 'print-evaluate-html.pdf'), format: 'A4' });
} catch (e) {
  failed++;
  console.log(`FAIL ${e.stack ?? e}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
