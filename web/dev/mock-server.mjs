#!/usr/bin/env node
// Development only: a small in-memory stand-in for `zebra serve` (docs/api.md) that serves
// web/dist and evaluates with `zebra evaluate`. The browser test always uses the real server.
//   node web/dev/mock-server.mjs ZEBRA_BINARY [PORT]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [zebra, port = '8099'] = process.argv.slice(2);
const dist = path.join(root, 'web/dist');
const users = { clinician: 'clinician', coordinator: 'coordinator', viewer: 'viewer' };
const sessions = new Map();
const cases = new Map();
let seq = 0;
const now = () => new Date().toISOString();

function evaluate(c, whatIf = false) {
  const r = spawnSync(zebra, ['evaluate', ...(whatIf ? ['--what-if'] : []), '-'], { input: JSON.stringify(c), cwd: root });
  if (r.status !== 0) return { error: r.stderr.toString().trim() };
  return { rec: JSON.parse(r.stdout.toString()) };
}
function validate(c) {
  const errors = [];
  const t = c?.tumor ?? {};
  if (t.ki67_percent !== undefined && (t.ki67_percent < 0 || t.ki67_percent > 100)) errors.push({ path: '$.tumor.ki67_percent', message: 'must be at most 100' });
  if (!t.primary_site) errors.push({ path: '$.tumor.primary_site', message: 'is required' });
  if (!errors.length) { const e = evaluate(c); if (e.error) errors.push({ path: '$', message: e.error }); }
  return errors;
}
const knowledge = (() => {
  const kb = path.join(root, 'knowledge');
  const cat = JSON.parse(fs.readFileSync(path.join(kb, 'catalogue.json'), 'utf8'));
  const man = JSON.parse(fs.readFileSync(path.join(kb, 'manifest.json'), 'utf8'));
  return {
    version: man.knowledge_version, date: man.release_date,
    models: man.models.map((f) => ({ name: f.replace('.dmn', ''), file: f, decisions: [], rules: 0 })),
    options: Object.entries(cat.options).map(([id, o]) => ({ id, ...o })),
    citations: JSON.parse(fs.readFileSync(path.join(kb, 'citations.json'), 'utf8')),
  };
})();
const demo = fs.readdirSync(path.join(root, 'examples/cases')).sort().map((f) => {
  const c = JSON.parse(fs.readFileSync(path.join(root, 'examples/cases', f), 'utf8'));
  return { file: f, title: f.replace('.json', '').replace(/_/g, ' '), case: c };
});

function store(c, user, id) {
  const entry = cases.get(id) ?? { id, revisions: [], evaluations: [], decisions: [], audit: [] };
  const revision = entry.revisions.length + 1;
  entry.revisions.push({ revision, created_at: now(), created_by: user, case: c });
  const e = evaluate(c);
  const ev = { id: `ev${++seq}`, case_revision: revision, knowledge_version: knowledge.version, engine_version: '0.1.0', created_at: now(), created_by: user, recommendation: e.rec };
  entry.evaluations.push(ev);
  entry.audit.push({ seq: ++seq, at: now(), actor: user, action: revision === 1 ? 'case.create' : 'case.update', detail: { revision } });
  cases.set(id, entry);
  return { id, revision, created_at: now(), created_by: user, case: c, evaluation: ev };
}
for (const d of demo) store(d.case, 'demo', d.case.id);

// Enriched list entry (summary, readiness, decision status) as GET /v1/cases answers it.
function listEntry(e) {
  const r = e.revisions.at(-1); const ev = e.evaluations.at(-1); const rec = ev?.recommendation;
  const site = r.case?.tumor?.primary_site ?? null;
  const grade = rec?.classification?.grade ?? null; const stage = rec?.stage?.group ?? null;
  const text = [site, grade, stage && `stage ${stage}`, rec?.scenario?.title].filter(Boolean).join(' · ');
  return { id: e.id, label: e.id, revision: r.revision, updated_at: r.created_at, updated_by: r.created_by,
    status: e.decisions.length ? 'decided' : 'evaluated', last_evaluation: ev ? { id: ev.id, at: ev.created_at } : null,
    summary: { site, category: rec?.classification?.category ?? null, grade, stage, tnm: null, scenario: rec?.scenario ?? null, text },
    readiness: rec ? { ready: rec.missing.length === 0, missing_count: rec.missing.length, missing: rec.missing,
      workup_pending_count: rec.workup.length, workup_pending: rec.workup, critical_alerts: rec.alerts.filter((a) => a.severity === 'critical').length,
      evaluation_id: ev.id, case_revision: ev.case_revision } : null,
    decision: decisionStatus(e.decisions) };
}
function decisionStatus(list) {
  const d = list.filter((x) => !x.amended_by).at(-1);
  if (!d) return { status: 'undecided', decision_id: null, option_id: null, meeting_id: null, at: null, amended: false };
  return { status: d.decision.outcome === 'defer_workup' ? 'deferred' : 'decided', decision_id: d.id, option_id: d.decision.option_id,
    meeting_id: d.meeting_id, at: d.created_at, amended: !!d.amends };
}
const meetings = new Map();
function meetingView(mt, rev) {
  const m = rev ? mt.revs[rev - 1] : mt.revs.at(-1);
  const agenda = m.agenda.map((a, i) => {
    const e = cases.get(a.case_id); const le = e ? listEntry(e) : null;
    return { position: i + 1, case_id: a.case_id, presenter: a.presenter ?? '', question: a.question ?? '',
      case: le && { label: le.label, revision: le.revision, updated_at: le.updated_at, summary: le.summary, readiness: le.readiness },
      decision: decisionStatus((e?.decisions ?? []).filter((d) => d.meeting_id === mt.id)) };
  });
  return { id: mt.id, revision: m.revision, created_at: m.created_at, created_by: m.created_by, date: m.date, time: m.time ?? null, board: m.board,
    attendees: m.attendees ?? [], agenda, counts: { cases: agenda.length, decided: agenda.filter((a) => a.decision.status !== 'undecided').length,
      deferred: agenda.filter((a) => a.decision.status === 'deferred').length, ready: agenda.filter((a) => a.case?.readiness?.ready).length } };
}
function meetingRoute(req, res, id, sub, json, who) {
  const user = who.user.username;
  if (!id) {
    if (req.method === 'POST') {
      if (who.user.role === 'viewer') return problem(res, 403, 'forbidden');
      const b = json(); const mid = `mtg-${++seq}`;
      meetings.set(mid, { id: mid, revs: [{ ...b, agenda: b.agenda ?? [], revision: 1, created_at: now(), created_by: user }] });
      return send(res, 201, meetingView(meetings.get(mid)));
    }
    return send(res, 200, { meetings: [...meetings.values()].reverse().map((mt) => { const v = meetingView(mt); return {
      id: v.id, revision: v.revision, date: v.date, time: v.time, board: v.board, updated_at: v.created_at, updated_by: v.created_by,
      attendees: v.attendees.length, cases: v.counts.cases, decided: v.counts.decided }; }) });
  }
  const mt = meetings.get(id);
  if (!mt) return problem(res, 404, 'no such meeting');
  if (sub === 'minutes') return send(res, 200, `<!doctype html><title>Minutes</title><h1>Minutes ${mt.revs.at(-1).board}</h1>`, 'text/html');
  if (req.method === 'PUT') {
    if (who.user.role === 'viewer') return problem(res, 403, 'forbidden');
    const b = json();
    if (b.revision !== mt.revs.length) return problem(res, 409, 'stale revision');
    const bad = (b.agenda ?? []).findIndex((a) => !cases.has(a.case_id));
    if (bad >= 0) return problem(res, 400, 'unknown case', [{ path: `agenda[${bad}].case_id`, message: 'no such case' }]);
    const { revision, ...rest } = b;
    mt.revs.push({ ...rest, revision: mt.revs.length + 1, created_at: now(), created_by: user });
  }
  return send(res, 200, meetingView(mt));
}

const send = (res, status, body, type = 'application/json') => {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'" });
  res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
};
const problem = (res, status, detail, errors) => send(res, status, { title: detail, status, detail, errors }, 'application/problem+json');

http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  let body = '';
  for await (const chunk of req) body += chunk;
  const json = () => { try { return JSON.parse(body); } catch { return null; } };
  const sid = /zebra_session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const who = sid ? sessions.get(sid) : undefined;
  const p = url.pathname;
  if (!p.startsWith('/v1')) {
    const f = path.join(dist, p === '/' ? 'index.html' : p);
    if (!f.startsWith(dist) || !fs.existsSync(f) || fs.statSync(f).isDirectory()) return send(res, 200, fs.readFileSync(path.join(dist, 'index.html')), 'text/html');
    const types = { '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.html': 'text/html' };
    return send(res, 200, fs.readFileSync(f), types[path.extname(f)] ?? 'application/octet-stream');
  }
  if (p === '/v1/health') return send(res, 200, { status: 'ok', store: 'memory', knowledge_version: knowledge.version, engine_version: '0.1.0' });
  if (p === '/v1/session') {
    if (req.method === 'POST') {
      const b = json();
      if (!b || users[b.username] === undefined || b.password !== 'zebra-demo') { res.writeHead(401); return res.end(); }
      const id = Math.random().toString(36).slice(2);
      sessions.set(id, { user: { username: b.username, role: users[b.username] }, csrf_token: 'csrf' + id });
      res.setHeader('Set-Cookie', `zebra_session=${id}; HttpOnly; SameSite=Strict; Path=/`);
      return send(res, 200, sessions.get(id));
    }
    if (!who) { res.writeHead(401); return res.end(); }
    if (req.method === 'DELETE') { sessions.delete(sid); res.writeHead(204); return res.end(); }
    return send(res, 200, who);
  }
  if (p === '/v1/validate') { const errors = validate(json()); return send(res, 200, { valid: !errors.length, errors }); }
  if (p === '/v1/knowledge') return send(res, 200, knowledge);
  if (p.startsWith('/v1/knowledge/models/')) {
    const f = path.join(root, 'knowledge', decodeURIComponent(p.split('/').pop()) + '.dmn');
    return fs.existsSync(f) ? send(res, 200, fs.readFileSync(f, 'utf8'), 'application/xml') : problem(res, 404, 'no such model');
  }
  if (p === '/v1/demo-cases') return send(res, 200, demo);
  if (p === '/v1/evaluate' && req.method === 'POST') {
    const r = evaluate(json(), url.searchParams.get('what_if') === '1');
    return r.error ? problem(res, 400, r.error, [{ path: '$', message: r.error }]) : send(res, 200, r.rec);
  }
  if (p === '/v1/fhir/map' && req.method === 'POST') {
    const tmp = path.join(fs.mkdtempSync('/tmp/zebra-mock-'), 'bundle.json');
    fs.writeFileSync(tmp, body);
    const r = spawnSync(zebra, ['fhir', 'map', tmp], { cwd: root });
    return r.status === 0 ? send(res, 200, r.stdout.toString()) : problem(res, 400, r.stderr.toString().trim(), [{ path: '$', message: r.stderr.toString().trim() }]);
  }
  if (!who) { res.writeHead(401); return res.end(); }
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== who.csrf_token) return problem(res, 403, 'CSRF token missing');
  const role = who.user.role;
  const mm = p.match(/^\/v1\/meetings(?:\/([^/]+))?(?:\/(\w+))?$/);
  if (mm) return meetingRoute(req, res, mm[1] && decodeURIComponent(mm[1]), mm[2], json, who);
  const m = p.match(/^\/v1\/cases(?:\/([^/]+))?(?:\/(\w+))?/);
  if (!m) return problem(res, 404, 'not found');
  const [, id, sub] = m;
  if (!id) {
    if (req.method === 'POST') {
      if (role === 'viewer') return problem(res, 403, 'forbidden');
      const c = json(); const errors = validate(c);
      if (errors.length) return problem(res, 400, 'invalid case', errors);
      return send(res, 201, store(c, who.user.username, c.id));
    }
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const f = (k) => url.searchParams.get(k);
    let list = [...cases.values()].map(listEntry).filter((c) => !q || JSON.stringify([c.id, c.label, c.summary.text]).toLowerCase().includes(q))
      .filter((c) => !f('site') || c.summary.site === f('site'))
      .filter((c) => !f('readiness') || (f('readiness') === 'ready') === !!c.readiness?.ready)
      .filter((c) => !f('decision') || c.decision.status === f('decision'));
    const sort = f('sort') ?? '-updated'; const key = sort.replace('-', '');
    const val = (c) => key === 'label' ? c.label : key === 'missing' ? (c.readiness?.missing_count ?? 0) : key === 'updated' ? c.updated_at : key === 'decision' ? c.decision.status : (c.summary[key] ?? '');
    list.sort((a, b) => (val(a) < val(b) ? -1 : val(a) > val(b) ? 1 : a.id < b.id ? -1 : 1) * (sort.startsWith('-') ? -1 : 1));
    return send(res, 200, { cases: list });
  }
  const e = cases.get(decodeURIComponent(id));
  if (!e) return problem(res, 404, 'no such case');
  const latest = e.revisions.at(-1);
  if (!sub) {
    if (req.method === 'PUT') { const c = json(); return send(res, 200, store(c, who.user.username, e.id)); }
    const r = e.revisions[Number(url.searchParams.get('revision') ?? e.revisions.length) - 1];
    if (!r) return problem(res, 404, 'no such revision');
    return send(res, 200, { id: e.id, revision: r.revision, created_at: r.created_at, created_by: r.created_by, case: r.case });
  }
  if (sub === 'revisions') return send(res, 200, { revisions: e.revisions.map(({ revision, created_at, created_by }) => ({ revision, created_at, created_by })) });
  if (sub === 'evaluations') return send(res, 200, { evaluations: e.evaluations });
  if (sub === 'decisions') return send(res, 200, { decisions: e.decisions });
  if (sub === 'audit') return send(res, 200, { entries: e.audit });
  if (sub === 'decision') {
    if (role !== 'clinician') return problem(res, 403, 'clinicians only');
    const b = json();
    const rec = e.evaluations.at(-1).recommendation;
    const outcome = b.outcome ?? 'option';
    const recommended = outcome !== 'option' || rec.options.some((o) => o.id === b.option_id);
    if (!recommended && !b.reason) return problem(res, 400, 'reason required', [{ path: 'reason', message: 'required for an option that is not recommended' }]);
    const mt = b.meeting_id ? meetings.get(b.meeting_id) : null;
    const prev = b.amends ? e.decisions.find((x) => x.id === b.amends) : null;
    if (b.amends && (!prev || prev.amended_by)) return problem(res, 409, 'cannot amend');
    const meeting_id = b.meeting_id ?? prev?.meeting_id ?? null;
    const decision = { outcome, option_id: outcome === 'option' ? b.option_id : null, workup_requested: b.workup_requested ?? [],
      attendees: b.attendees ?? mt?.revs.at(-1).attendees ?? [], notes: b.notes ?? '', reason: b.reason ?? '', meeting_id, amends: b.amends ?? null };
    const d = { id: ++seq, case_revision: latest.revision, created_at: now(), created_by: who.user.username, decision, meeting_id,
      amends: b.amends ?? null, amended_by: null, recommended };
    if (prev) prev.amended_by = d.id;
    e.decisions.push(d);
    return send(res, 201, d);
  }
  return problem(res, 404, 'not found');
}).listen(Number(port), '127.0.0.1', () => console.log(`Zebra is running on port ${port}`));
