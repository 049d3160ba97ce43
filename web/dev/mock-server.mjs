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

function evaluate(c) {
  const r = spawnSync(zebra, ['evaluate', '-'], { input: JSON.stringify(c), cwd: root });
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
  if (!who) { res.writeHead(401); return res.end(); }
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== who.csrf_token) return problem(res, 403, 'CSRF token missing');
  const role = who.user.role;
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
    return send(res, 200, { cases: [...cases.values()].map((e) => {
      const r = e.revisions.at(-1); const ev = e.evaluations.at(-1);
      return { id: e.id, label: e.id, revision: r.revision, updated_at: r.created_at, updated_by: r.created_by,
        status: e.decisions.length ? 'decided' : 'evaluated', last_evaluation: ev ? { id: ev.id, at: ev.created_at } : null };
    }) });
  }
  const e = cases.get(decodeURIComponent(id));
  if (!e) return problem(res, 404, 'no such case');
  const latest = e.revisions.at(-1);
  if (!sub) {
    if (req.method === 'PUT') { const c = json(); return send(res, 200, store(c, who.user.username, e.id)); }
    return send(res, 200, { id: e.id, revision: latest.revision, created_at: latest.created_at, created_by: latest.created_by, case: latest.case });
  }
  if (sub === 'revisions') return send(res, 200, { revisions: e.revisions.map(({ revision, created_at, created_by }) => ({ revision, created_at, created_by })) });
  if (sub === 'evaluations') return send(res, 200, { evaluations: e.evaluations });
  if (sub === 'decisions') return send(res, 200, { decisions: e.decisions });
  if (sub === 'audit') return send(res, 200, { entries: e.audit });
  if (sub === 'decision') {
    if (role !== 'clinician') return problem(res, 403, 'clinicians only');
    const d = { id: `d${++seq}`, case_revision: latest.revision, created_at: now(), created_by: who.user.username, decision: json() };
    e.decisions.push(d);
    return send(res, 201, d);
  }
  return problem(res, 404, 'not found');
}).listen(Number(port), '127.0.0.1', () => console.log(`Zebra is running on port ${port}`));
