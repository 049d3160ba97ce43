// `zebra serve --demo` for the browser tests: a free port, a scratch SQLite store, the built web
// app; resolves once /v1/health answers.
import { spawn } from 'node:child_process';
import path from 'node:path';

// Polls {base}/v1/health every 100 ms; after ~20 s throws the message `failure()` gives.
export async function WaitForHealth(base, failure) {
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/v1/health`)).ok) return; } catch { /* not up yet */ }
    if (i > 200) throw new Error(failure());
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Returns { server (the child process), base (its http://127.0.0.1:PORT) }.
export async function StartDemoServer({ zebra, sourceDir, dist, tmp }) {
  let log = '';
  const server = spawn(zebra, ['serve', '--demo', '--port', '0', '--db', `sqlite:${path.join(tmp, 'zebra.db')}`, '--web-root', dist],
    { cwd: sourceDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not report its port:\n${log}`)), 30000);
    const scan = (chunk) => {
      log += chunk.toString();
      const m = log.match(/running on port (\d+)/) ?? log.match(/listening on http:\/\/[^:\s]+:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    server.stdout.on('data', scan);
    server.stderr.on('data', scan);
    server.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  await WaitForHealth(base, () => 'server health check never passed');
  return { server, base };
}
