#!/usr/bin/env python3
"""Request limits, hostile inputs, slow clients and security headers of `zebra serve`.

  limits_test.py ZEBRA SOURCE_DIR

(a) a body over --max-body → 413 problem (Content-Length, chunked and gzip-compressed);
(b) an oversized request line or header → 414/431/400;
(c) JSON nested 100,000 deep in POST /v1/evaluate → 400 problem, server alive;
(d) hostile but well-formed large inputs (a near-limit case, a large FHIR bundle) answer within
    a bound;
(e) slowloris: 50 connections sending their request one byte per second; normal requests are
    still answered promptly, and every slow connection is dropped once the request timeout
    (--request-timeout, here 4 s) has passed, not before, and counted in /metrics;
(f) the edge attacks of issue 13 (docs/security.md): file reads out of the web root ("//etc/passwd",
    encoded slashes, the store's own files), many-range requests, endless header sections (memory
    watched), "Content-Length: 2a", invalid UTF-8 and repeated keys in JSON bodies, cross-origin
    text/plain sign-in, and X-Real-IP from an untrusted peer;
plus security headers on API, static and error responses, and no case data in 401/403 answers.
"""
import copy
import gzip
import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MAX_BODY = 2 * 1024 * 1024  # the default --max-body, passed explicitly
SLOW_CLIENTS = 50
# Shorter than the default 10 s to keep the test fast; scaled on slow machines like every bound.
REQUEST_TIMEOUT = max(2, round(4 * harness.SLOW))


def raw_request(port, data, timeout=30, read_all=True):
    """Sends raw bytes; returns (status, headers dict lower-case, body) or (None, {}, b"") on EOF."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout * harness.SLOW)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        r = http.client.HTTPResponse(s)
        try:
            r.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None, {}, b""
        headers = {k.lower(): v for k, v in r.getheaders()}
        body = r.read() if read_all else b""
        return r.status, headers, body
    finally:
        s.close()


def is_problem(status, headers, body, expected):
    if status != expected:
        return False
    if not headers.get("content-type", "").startswith("application/problem+json"):
        return False
    try:
        return json.loads(body).get("status") == expected
    except ValueError:
        return False


def security_headers_ok(headers):
    h = {k.lower(): v for k, v in headers.items()}
    csp = h.get("content-security-policy", "")
    return ("frame-ancestors 'none'" in csp and "default-src" in csp and
            h.get("x-content-type-options") == "nosniff" and h.get("referrer-policy") == "no-referrer")


def alive(client):
    try:
        return client.get("/v1/health", timeout=20).status == 200
    except OSError:
        return False


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    zebra, source = sys.argv[1], sys.argv[2]
    f = harness.Failures()
    work = harness.temp_dir("zebra-limits.")
    server = None
    try:
        db = "sqlite:" + os.path.join(work, "z.db")
        server = harness.Server(zebra, source, work, db, ["--demo", "--max-body", str(MAX_BODY),
                                                           "--request-timeout", str(REQUEST_TIMEOUT)]).start()
        port = server.port
        anon = server.client()
        case = harness.demo_cases(source)[0]
        case_text = json.dumps(case).encode()

        # ---- (a) body limits -------------------------------------------------------------------
        big = b'{"pad":"' + b"x" * (MAX_BODY + 1) + b'"}'
        st, h, body = raw_request(port, b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                  b"Content-Length: %d\r\n\r\n" % len(big) + big)
        f.check(is_problem(st, h, body, 413), "body over --max-body (Content-Length) → 413 problem", f"{st} {body[:120]!r}")
        f.check(security_headers_ok(h), "security headers on the 413 answer", repr(h))

        chunk = b"x" * 65536
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // len(chunk) * 2)) + b"0\r\n\r\n"
        st, h, body = raw_request(port, b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                  b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked)
        # cpp-httplib 0.11 does not apply the body limit to chunked bodies, so zebra serve refuses
        # Transfer-Encoding from the headers alone, before reading any of the body.
        f.check(is_problem(st, h, body, 411), f"chunked body of {len(chunked) // 1024} KiB (2x the limit) → 411 problem",
                f"{st} {body[:120]!r}")
        st, h, body = raw_request(port, b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                  b"Transfer-Encoding: chunked\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                                  b"5\r\nhello\r\n0\r\n\r\n")
        f.check(is_problem(st, h, body, 400), "Transfer-Encoding with Content-Length (smuggling) → 400 problem",
                f"{st} {body[:120]!r}")

        # 40 MiB of zeros compress to ~40 KiB: the limit must hold for the decoded body too.
        bomb = gzip.compress(b'{"pad":"' + b"0" * (40 << 20) + b'"}', compresslevel=9)
        st, h, body = raw_request(port, b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                                  b"Content-Encoding: gzip\r\nConnection: close\r\nContent-Length: %d\r\n\r\n"
                                  % len(bomb) + bomb)
        # cpp-httplib 0.11 inflates Content-Encoding bodies without a limit: refused unread.
        f.check(is_problem(st, h, body, 415), f"gzip body of {len(bomb) // 1024} KiB that inflates to 40 MiB → 415 problem",
                f"{st} {body[:120]!r}")
        t0 = time.monotonic()
        st, h, body = raw_request(port, b"POST /v1/evaluate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\r\n")
        took = time.monotonic() - t0
        f.check(is_problem(st, h, body, 411) and took < 2, f"POST without Content-Length → 411 problem at once "
                f"({took:.2f} s; it waited 5 s for a bare 400)", f"{st} {body[:120]!r}")
        f.check(alive(anon), "server alive after the body-limit requests")

        # ---- (b) request line and header limits ------------------------------------------------
        st, h, body = raw_request(port, b"GET /v1/health?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        f.check(st in (414, 400), "request line of 9 KB → 414 or 400", str(st))
        st, h, body = raw_request(port, b"GET /v1/health HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        f.check(st in (431, 400), "header line of 9 KB → 431 or 400", str(st))
        many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(2000))
        st, h, body = raw_request(port, b"GET /v1/health HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")
        f.check(is_problem(st, h, body, 431), "2,000 header lines (190 KB of headers) → 431 problem", str(st))
        few = b"".join(b"X-H%d: v\r\n" % i for i in range(98))
        st, h, body = raw_request(port, b"GET /v1/health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" + few + b"\r\n")
        f.check(st == 200, "100 header lines → 200", str(st))
        f.check(alive(anon), "server alive after the oversized headers")

        # ---- (c) deep nesting --------------------------------------------------------------
        for label, text in [("arrays", b"[" * 100000 + b"]" * 100000),
                            ("objects", b'{"a":' * 100000 + b"1" + b"}" * 100000),
                            ("unclosed arrays", b"[" * 100000)]:
            r = anon.post("/v1/evaluate", text)
            f.check(is_problem(r.status, {k.lower(): v for k, v in r.headers}, r.body, 400),
                    f"JSON {label} nested 100,000 deep → 400 problem", f"{r.status} {r.body[:120]!r}")
            r = anon.post("/v1/validate", text)
            f.check(r.status in (200, 400) and (r.status == 400 or r.json()["valid"] is False),
                    f"POST /v1/validate with {label} nested 100,000 deep → invalid, no crash", str(r.status))
        r = anon.post("/v1/fhir/map", b'{"resourceType":"Bundle","entry":' + b"[" * 100000 + b"]" * 100000 + b"}")
        f.check(r.status == 400, "FHIR bundle nested 100,000 deep → 400", str(r.status))
        f.check(alive(anon), "server alive after the deep nesting")

        # ---- (d) large, expensive but well-formed inputs --------------------------------------
        heavy = copy.deepcopy(case)
        heavy.setdefault("tumor", {})["invades"] = ["duodenum", "pancreas"] * ((MAX_BODY - 2000) // 26)
        heavy_text = json.dumps(heavy).encode()
        t0 = time.monotonic()
        r = anon.post("/v1/evaluate", heavy_text, timeout=60)
        took = time.monotonic() - t0
        f.check(r.status == 400, f"case with a {len(heavy_text) // 1024} KiB non-unique array → 400", str(r.status))
        f.check(took < 10 * harness.SLOW, f"... answered in {took:.2f} s (< 10 s)")

        bundle_path = os.path.join(source, "tests", "fhir", "ileum-carcinoid-syndrome-liver.bundle.json")
        with open(bundle_path) as fh:
            bundle = json.load(fh)
        observations = [e for e in bundle.get("entry", []) if e.get("resource", {}).get("resourceType") == "Observation"]
        if observations:
            entries = list(bundle["entry"])
            one = len(json.dumps(observations[0]))
            for i in range((MAX_BODY - len(json.dumps(bundle)) - 4000) // (one + 30)):
                e = copy.deepcopy(observations[i % len(observations)])
                e.get("resource", {})["id"] = f"extra-{i}"
                if "fullUrl" in e:
                    e["fullUrl"] = f"urn:uuid:extra-{i}"
                entries.append(e)
            bundle["entry"] = entries
        bundle_text = json.dumps(bundle).encode()
        t0 = time.monotonic()
        r = anon.post("/v1/evaluate", bundle_text, timeout=60)
        took = time.monotonic() - t0
        f.check(r.status in (200, 400), f"FHIR bundle of {len(bundle['entry'])} entries ({len(bundle_text) // 1024} KiB)"
                f" → 200 or 400", f"{r.status} {r.body[:160]!r}")
        f.check(took < 10 * harness.SLOW, f"... answered in {took:.2f} s (< 10 s)")

        # ---- security headers ------------------------------------------------------------------
        for label, resp in [("API GET /v1/health", anon.get("/v1/health")),
                            ("static GET /", anon.get("/", headers={"Accept": "text/html"})),
                            ("static fallback GET /cases/x", anon.get("/cases/x")),
                            ("404 problem", anon.get("/v1/no-such-route")),
                            ("401", anon.get("/v1/cases")),
                            ("400 problem", anon.post("/v1/evaluate", b"{"))]:
            f.check(security_headers_ok(dict(resp.headers)), f"security headers on {label} ({resp.status})",
                    repr(resp.headers))
        r = anon.get("/v1/cases")
        f.check(r.header("Cache-Control") == "no-store", "API answers are Cache-Control: no-store")

        # ---- 401/403 carry no case data ---------------------------------------------------------
        listed_as_viewer = None
        viewer_token = harness.api_token(anon, "viewer", "zebra-demo", scope="read")
        viewer = server.client(viewer_token)
        cases = viewer.get("/v1/cases").json()["cases"]
        f.check(len(cases) > 0, "demo store has cases to protect")
        cid = cases[0]["id"]
        listed_as_viewer = viewer.get(f"/v1/cases/{cid}").json()["case"]
        secret = [listed_as_viewer.get("id", ""), json.dumps(listed_as_viewer.get("tumor", {}))[:40]]
        marker = "MARKER-7f3a-not-to-be-echoed"
        probes = [
            ("401 GET /v1/cases without credentials", anon.get("/v1/cases")),
            ("401 GET /v1/cases/{id} with a wrong token", server.client("zt_wrong").get(f"/v1/cases/{cid}")),
            ("401 GET /v1/cases/{id} with a wrong cookie", anon.get(f"/v1/cases/{cid}", headers={"Cookie": "zebra_session=x"})),
            ("403 POST /v1/cases as viewer", viewer.post("/v1/cases", dict(case, id=marker))),
            ("403 PUT /v1/cases/{id} as viewer", viewer.request("PUT", f"/v1/cases/{cid}", dict(case, id=marker))),
            ("403 POST decision as viewer", viewer.post(f"/v1/cases/{cid}/decision", {"option_id": "x", "notes": marker})),
        ]
        for label, resp in probes:
            text = resp.body.decode("utf-8", "replace")
            leaked = [s for s in secret + [marker, cid] if s and s in text]
            expected = int(label[:3])
            f.check(resp.status == expected and not leaked, f"{label}: no case data in the answer",
                    f"{resp.status} leaked {leaked}")
        f.check(anon.get("/v1/cases").body == b"", "401 has an empty body")

        # ---- (f) edge attacks (issue 13) ------------------------------------------------------
        edge_attacks(f, server, anon, work)
        f.check(alive(anon), "server alive after the edge attacks")

        # ---- (e) slowloris ----------------------------------------------------------------
        # A slow connection goes when its request has not arrived within the request timeout of a
        # worker taking it (at once: 50 < 64 workers); allow 2 s for a loaded machine.
        slowloris(f, port, anon, direct=True, drop_within=REQUEST_TIMEOUT + 2 * harness.SLOW,
                  dropped_not_before=REQUEST_TIMEOUT - 0.5, settle=1.0, normal_requests=5)
        f.check(server.stop() == 0, "server stops cleanly after all of the above")
    except Exception as e:  # noqa: BLE001
        f.check(False, "test ran to completion", f"{type(e).__name__}: {e}")
        if server is not None:
            print(server.log_text()[-3000:])
    finally:
        if server is not None:
            server.stop()
        harness.rmtree(work)
    return f.exit_code()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def file_read_attempts(work):
    """Request targets that tried to read files outside the web root (sent exactly as written)."""
    wal = os.path.join(work, "z.db-wal")
    return [b"//etc/passwd", b"/%2Fetc/passwd", b"/%2fetc/passwd", b"//proc/self/cmdline", b"//proc/self/environ",
            b"/%2Fproc/self/environ", b"/" + wal.encode(), b"/%2F" + wal.lstrip("/").encode(),
            b"/..%2F..%2F..%2F..%2Fetc/passwd", b"/assets/../../../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd",
            b"/assets%2F..%2F..%2Fetc%2Fpasswd", b"/.%2e/.%2e/etc/passwd"]


def edge_attacks(f, server, anon, work, port=None, send=None, label=""):
    """The attacks of issue 13 that arrive at the HTTP edge. `send(raw_bytes)` → (status, headers,
    body) sends a raw request (default: straight to zebra serve on `port`)."""
    port = port or server.port
    send = send or (lambda data, **kw: raw_request(port, data, **kw))
    where = f" {label}" if label else ""
    # 1. Files out of the web root: never served, whatever the spelling.
    for target in file_read_attempts(work):
        st, h, body = send(b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        leaked = any(marker in body for marker in (b"root:x:0", b"zebra\x00serve", b"SQLite", b"PATH=", b"--db"))
        f.check(st in (400, 404) and not leaked, f"GET {target.decode()}{where} → 400/404, no file content",
                f"{st} {body[:80]!r}")
    # 2. Many ranges: refused before any multipart answer is built; one range still works.
    # Each "0-" is the whole file: on the largest built asset, 2,600 of them made a multipart
    # answer of gigabytes, built in memory.
    assets = os.path.join(server.source_dir, "web", "dist", "assets")
    names = sorted(os.listdir(assets), key=lambda n: -os.path.getsize(os.path.join(assets, n))) \
        if os.path.isdir(assets) else []
    target = ("/assets/" + names[0]).encode() if names else b"/"
    ranges = ",".join(["0-"] * 2600)
    st, h, body = send(b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nRange: bytes=" + ranges.encode() +
                       b"\r\nConnection: close\r\n\r\n")
    f.check(st in (200, 416) and len(body) < 16 << 20,
            f"Range header with 2,600 whole-file ranges on {target.decode()}{where} → 416 (or the file once), "
            f"not a multipart answer", f"{st} {len(body)} bytes")
    st, h, body = send(b"GET / HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n")
    f.check(st in (200, 206) and len(body) <= 100000, f"a single range{where} is still answered", str(st))
    # 3. An endless header section: refused once the header limit passes, memory flat.
    if label == "":
        before = rss_kib(server.pid)
        line = b"X-Flood: " + b"f" * 7000 + b"\r\n"
        flood = b"GET /v1/health HTTP/1.1\r\nHost: t\r\n" + line * (64 * 1024 * 1024 // len(line))
        st, h, body = send(flood + b"\r\n", timeout=60)
        grown = (rss_kib(server.pid) - before) // 1024
        f.check(st == 431 or st is None, "64 MiB of header lines → 431 (connection closed)", str(st))
        f.check(grown < 32, f"... server memory grew {grown} MiB (< 32 MiB)")
    # 4. Content-Length with trailing garbage is not a length.
    st, h, body = send(b"POST /v1/validate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 2a\r\nConnection: close\r\n\r\n{}")
    # (nginx answers this one itself, with its own 400 page)
    f.check(is_problem(st, h, body, 400) or (label and st == 400), f"Content-Length: 2a{where} → 400",
            f"{st} {body[:100]!r}")
    # 5. Invalid UTF-8 and repeated keys: located 400s (invalid UTF-8 was a 500).
    case = harness.demo_cases(server.source_dir)[0]
    good = json.dumps(case)
    bad_utf8 = good.encode().replace(b'"' + case["id"].encode() + b'"', b'"bad-\xff\xfe"', 1)
    for path in ("/v1/evaluate", "/v1/validate", "/v1/fhir/map"):
        st, h, body = send(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                           b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(bad_utf8) + bad_utf8)
        ok = st == 400 or (path == "/v1/validate" and st == 200)
        text = body.decode("utf-8", "strict") if ok else ""
        f.check(ok and "UTF-8" in text, f"POST {path} with invalid UTF-8{where} → located 400 (valid UTF-8 answer)",
                f"{st} {body[:160]!r}")
    tumor = json.dumps(case["tumor"])
    repeated = good.replace('"tumor": ' + tumor, '"tumor": ' + tumor[:-1] + ', "ki67_percent": 25, "ki67_percent": 2}', 1)
    assert repeated != good
    r = anon.post("/v1/evaluate", repeated.encode())
    errors = r.json().get("errors", []) if r.status == 400 else []
    f.check(r.status == 400 and any(e.get("path") == "$.tumor.ki67_percent" for e in errors),
            f"repeated key tumor.ki67_percent{where} → 400 naming $.tumor.ki67_percent", f"{r.status} {r.body[:200]!r}")
    # 6. Login CSRF: a cross-site text/plain sign-in is refused.
    r = anon.post("/v1/session", json.dumps({"username": "viewer", "password": "zebra-demo"}),
                  headers={"Content-Type": "text/plain"})
    f.check(r.status == 415 and not r.header("Set-Cookie"), f"sign-in as text/plain{where} → 415, no cookie",
            str(r.status))
    # 7. X-Real-IP from a peer that is not a configured proxy does not choose the throttled address.
    if label == "":
        for i in range(5):
            anon.post("/v1/session", {"username": "no-such-user-%d" % i, "password": "x"},
                      headers={"X-Real-IP": "198.51.100.%d" % i})
        r = anon.post("/v1/session", {"username": "no-such-user-9", "password": "x"},
                      headers={"X-Real-IP": "198.51.100.77"})
        f.check(r.status == 429, "X-Real-IP from an untrusted peer is ignored: 5 failures lock the real address",
                str(r.status))


def timed_out_total(client):
    """zebra_connections_timed_out_total from /metrics, or None."""
    try:
        text = client.get("/metrics", timeout=20).body.decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("zebra_connections_timed_out_total "):
            return int(line.split()[1])
    return None


def slowloris(f, port, client, direct, clients=SLOW_CLIENTS, drop_within=30, dropped_not_before=0.0, connect=None,
              settle=2.0, normal_requests=10):
    """Opens `clients` connections that send a request one byte per second. Normal requests through
    `client` must still be answered promptly, and every slow connection must be dropped within
    `drop_within` seconds of connecting (and not before `dropped_not_before`).

    `direct`: the attack goes straight at zebra serve, which closes a connection whose request has
    not arrived within its request timeout (src/server/deadline_server.h); the drops are also
    counted in /metrics, and the normal requests must all run while every slow connection is still
    open. Otherwise through the TLS reverse proxy (deploy/nginx/zebra.conf, proxy_test.py).
    `settle`: seconds between opening the slow connections and the first normal request.
    `connect`: returns a connected socket (default plain TCP to `port`)."""
    request = b"GET /v1/health HTTP/1.1\r\nHost: slow\r\nX-Slow: " + b"s" * 200 + b"\r\n\r\n"
    stop = threading.Event()
    dropped_after = {}  # connection index → seconds until the server closed it
    lock = threading.Lock()
    counted_before = timed_out_total(client) if direct else None

    def slow(i):
        start = time.monotonic()
        try:
            s = connect() if connect else socket.create_connection(("127.0.0.1", port), timeout=10)
        except OSError:
            with lock:
                dropped_after[i] = 0.0
            return
        s.settimeout(1.0)
        try:
            for byte in request:
                if stop.is_set():
                    return
                s.sendall(bytes([byte]))
                # A closed connection shows as EOF (or reset) on read; the recv waits out the second.
                try:
                    if s.recv(1) == b"":
                        raise ConnectionResetError
                except socket.timeout:
                    pass
        except OSError:
            with lock:
                dropped_after[i] = time.monotonic() - start
        finally:
            s.close()

    where = "directly" if direct else "through the proxy"
    threads = [threading.Thread(target=slow, args=(i,), daemon=True) for i in range(clients)]
    attack_start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(settle)
    # Normal requests during the attack: each must be answered promptly.
    latencies, errors = [], 0
    for _ in range(normal_requests):
        t0 = time.monotonic()
        try:
            ok = client.get("/v1/health", timeout=5 if direct else 30).status == 200
        except OSError:
            ok = False
        latencies.append(time.monotonic() - t0)
        errors += 0 if ok else 1
        time.sleep(0.3)
    normal_done = time.monotonic() - attack_start
    with lock:
        open_during = clients - len(dropped_after)
    worst = max(latencies)
    f.check(errors == 0, f"{clients} slowloris connections {where}: {len(latencies)} normal requests answered "
            f"(between {settle:.1f} s and {normal_done:.1f} s into the attack)", f"{errors} failed")
    f.check(worst < 2.0 * harness.SLOW, f"... slowest normal answer {worst:.3f} s, median "
            f"{sorted(latencies)[len(latencies) // 2]:.3f} s (< 2 s)")
    if direct:
        f.check(open_during == clients, f"... all {clients} slow connections were still open meanwhile",
                f"{open_during} open")
    deadline = attack_start + drop_within + 1
    while time.monotonic() < deadline and len(dropped_after) < clients:
        time.sleep(0.2)
    stop.set()
    with lock:
        times = sorted(dropped_after.values())
    n = len(times)
    span = f" (first after {times[0]:.2f} s, last after {times[-1]:.2f} s)" if times else ""
    f.check(n == clients, f"... {n}/{clients} slow connections dropped{span}")
    f.check(bool(times) and times[-1] <= drop_within and times[0] >= dropped_not_before,
            f"... each dropped between {dropped_not_before:.1f} s and {drop_within:.1f} s after connecting", span)
    for t in threads:
        t.join(timeout=5)
    if direct:
        counted_after = timed_out_total(client)
        f.check(counted_before is not None and counted_after is not None and counted_after - counted_before == clients,
                f"... /metrics zebra_connections_timed_out_total rose by {clients}",
                f"before {counted_before}, after {counted_after}")
    # Once the attackers are gone the server answers again.
    f.check(alive(client), f"answers normally once the slow clients ({where}) are gone")


if __name__ == "__main__":
    sys.exit(main())
