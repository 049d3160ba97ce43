"""Shared helpers for the service tests (durability, scale-out, limits, slow clients).

Starts `zebra serve --port 0` (the kernel picks the port; the server prints it), talks HTTP with
the standard library only and always cleans up. Waits poll with generous deadlines because the
tests run on a loaded 2-core machine.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

SLOW = float(os.environ.get("ZEBRA_TEST_SLOWNESS", "1"))  # multiply every deadline


class Failures:
    """Collects failed checks; the test exits 1 when any failed."""

    def __init__(self):
        self.count = 0
        self.passed = 0
        self.gaps = 0

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.count += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def known_gap(self, ok, name, gap, detail=""):
        """A check the current server is known to fail (reported, see docs/security.md). It does not
        fail the test unless ZEBRA_STRICT=1; once it passes, it says so (move it to check())."""
        if ok:
            self.passed += 1
            print(f"ok   {name} (XPASS: known gap '{gap}' is fixed; make this a normal check)", flush=True)
        elif os.environ.get("ZEBRA_STRICT") == "1":
            self.count += 1
            print(f"FAIL {name} [known gap: {gap}]" + (f": {detail}" if detail else ""), flush=True)
        else:
            self.gaps += 1
            print(f"XFAIL {name} [known gap: {gap}]" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def exit_code(self):
        print(f"{self.passed} passed, {self.count} failed, {self.gaps} known gaps", flush=True)
        return 1 if self.count else 0


def temp_dir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env=None, timeout=120):
    """Runs a command; returns (exit code, stdout + stderr)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    p = subprocess.run(cmd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout * SLOW)
    return p.returncode, p.stdout


def add_user(zebra, db, username, role, password):
    rc, out = run([zebra, "user", "add", username, "--role", role, "--db", db], env={"ZEBRA_PASSWORD": password})
    if rc != 0:
        raise RuntimeError(f"zebra user add {username}: exit {rc}: {out}")


class Server:
    """One `zebra serve` process on an ephemeral loopback port."""

    def __init__(self, zebra, source_dir, workdir, db, extra_args=(), name="serve", port=0):
        self.zebra, self.source_dir, self.workdir, self.db = zebra, source_dir, workdir, db
        self.extra_args, self.name = list(extra_args), name
        self.port_arg = port  # 0: the kernel picks one; a fixed port when a URL must name it in advance
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self, timeout=60):
        self.starts += 1
        out_path = os.path.join(self.workdir, f"{self.name}.{self.starts}.out")
        self.log_path = os.path.join(self.workdir, f"{self.name}.{self.starts}.log")
        # Load tests stream writes with one token: the per-user rate limits are off here
        # (server_test covers them).
        cmd = [self.zebra, "serve", "--port", str(self.port_arg), "--db", self.db,
               "--knowledge", os.path.join(self.source_dir, "knowledge"),
               "--reads-per-minute", "0", "--writes-per-minute", "0"] + self.extra_args
        with open(out_path, "wb") as out, open(self.log_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            with open(out_path, "r", errors="replace") as f:
                m = re.search(r"running on port (\d+)", f.read())
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        log = self.log_text()
        self.stop()
        raise RuntimeError(f"{self.name} did not start (exit {self.proc.returncode}):\n{log}")

    def log_text(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @property
    def pid(self):
        return self.proc.pid

    def kill(self):
        """SIGKILL: no graceful shutdown, nothing flushed by the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self, timeout=30):
        """SIGTERM and wait; SIGKILL if it does not stop. Returns the exit code."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def client(self, token=None):
        return Client("127.0.0.1", self.port, token)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


class Client:
    def __init__(self, host, port, token=None, timeout=30, tls=None):
        self.host, self.port, self.token, self.timeout = host, port, token, timeout
        self.tls = tls  # an ssl.SSLContext: HTTPS

    def request(self, method, path, body=None, headers=None, timeout=None):
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if body is not None:
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        t = (timeout or self.timeout) * SLOW
        if self.tls:
            conn = http.client.HTTPSConnection(self.host, self.port, timeout=t, context=self.tls)
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=t)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            resp = Response(r.status, r.getheaders(), r.read())
            if self.tls:
                resp.tls_version = conn.sock.version() if conn.sock else None
            return resp
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)


def api_token(client, username, password, scope="write"):
    """Signs in with a session, creates an API token with it and returns the token. A viewer's
    token can only have the read scope."""
    r = client.post("/v1/session", {"username": username, "password": password}, timeout=60)
    if r.status != 200:
        raise RuntimeError(f"sign-in as {username}: HTTP {r.status} {r.body[:200]!r}")
    cookie = r.header("Set-Cookie").split(";", 1)[0]
    csrf = r.json()["csrf_token"]
    r = client.post("/v1/tokens", {"name": "test", "scope": scope}, headers={"Cookie": cookie, "X-CSRF-Token": csrf})
    if r.status != 201:
        raise RuntimeError(f"token for {username}: HTTP {r.status} {r.body[:200]!r}")
    return r.json()["token"]


def wait_port(port, timeout=30, proc=None):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        except OSError:
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.05)
    return False


def make_certificate(workdir):
    """A self-signed P-256 certificate for 127.0.0.1/localhost; returns (cert, key) paths."""
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    rc, out = run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                   "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                   "-keyout", key, "-out", cert])
    if rc != 0:
        raise RuntimeError("openssl req: " + out)
    return cert, key


class Nginx:
    """Debian's nginx running deploy/nginx/zebra.conf in a temp dir, as the current user.

    The deployed file is used as is except for: the upstream servers, the listen ports (IPv4
    loopback only), the certificate paths and the server name."""

    def __init__(self, source_dir, workdir, upstream_ports):
        self.source_dir, self.dir, self.upstream_ports = source_dir, os.path.join(workdir, "nginx"), upstream_ports
        self.proc = None

    def start(self, timeout=30):
        os.makedirs(self.dir, exist_ok=True)
        self.cert, key = make_certificate(self.dir)
        with open(os.path.join(self.source_dir, "deploy", "nginx", "zebra.conf")) as f:
            conf = f.read()
        for attempt in range(3):
            self.http_port, self.https_port = free_port(), free_port()
            site = re.sub(r"(?m)^\s*server 127\.0\.0\.1:8080[^;]*;",
                          "\n".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;"
                                    for p in self.upstream_ports), conf)
            site = re.sub(r"(?m)^\s*listen \[::\]:.*$", "", site)
            site = site.replace("listen 80;", f"listen 127.0.0.1:{self.http_port};")
            site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https_port} ssl http2;")
            site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {self.cert};", site)
            site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
            site = site.replace("zebra.example.org", "localhost")
            with open(os.path.join(self.dir, "zebra.conf"), "w") as f:
                f.write(site)
            d = self.dir
            main = (("user root root;\n" if os.geteuid() == 0 else "") +
                    f"worker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n"
                    "events { worker_connections 1024; }\n"
                    f"http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n"
                    f"  proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n"
                    f"  scgi_temp_path {d}/scgi;\n  include {d}/zebra.conf;\n}}\n")
            with open(os.path.join(d, "nginx.conf"), "w") as f:
                f.write(main)
            with open(os.path.join(d, "stderr.log"), "wb") as err:
                self.proc = subprocess.Popen(["nginx", "-p", d, "-e", f"{d}/error.log", "-c", f"{d}/nginx.conf",
                                              "-g", "daemon off;"], stdout=err, stderr=err, stdin=subprocess.DEVNULL)
            if wait_port(self.https_port, timeout, self.proc) and wait_port(self.http_port, timeout, self.proc):
                return self
            self.stop()  # most likely a port taken between free_port() and bind: try other ports
        raise RuntimeError("nginx did not start:\n" + self.log_text())

    def log_text(self):
        out = ""
        for name in ("stderr.log", "error.log"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    out += f.read()[-3000:]
            except OSError:
                pass
        return out

    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        return ctx

    def client(self, token=None):
        return Client("127.0.0.1", self.https_port, token, tls=self.tls_context())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.proc.wait(timeout=15 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def demo_cases(source_dir):
    d = os.path.join(source_dir, "examples", "cases")
    cases = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".json"):
            with open(os.path.join(d, name)) as f:
                cases.append(json.load(f))
    return cases


def rmtree(path):
    shutil.rmtree(path, ignore_errors=True)
