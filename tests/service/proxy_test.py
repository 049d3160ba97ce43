#!/usr/bin/env python3
"""`zebra serve` behind the shipped TLS reverse proxy (deploy/nginx/zebra.conf, Debian nginx).

  proxy_test.py ZEBRA SOURCE_DIR

TLS 1.2/1.3 only, HSTS and the security headers exactly once on every answer (nginx's own error
pages too), HTTP redirected to HTTPS, the session cookie marked Secure, X-Forwarded-Proto not
spoofable, the limits zebra serve alone does not enforce (chunked and compressed bodies, total
header size) and slowloris: 50 connections sending headers one byte per second do not delay
normal requests and are dropped by client_header_timeout.
"""
import http.client
import json
import os
import socket
import ssl
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from limits_test import edge_attacks, raw_request, slowloris  # noqa: E402

MAX_BODY = 2 * 1024 * 1024


def tls_raw(nginx, data, timeout=30):
    """raw_request over TLS: (status, headers lower-case, body)."""
    ctx = nginx.tls_context()
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", nginx.https_port), timeout=timeout * harness.SLOW),
                        server_hostname="localhost")
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        r = http.client.HTTPResponse(s)
        try:
            r.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError, ssl.SSLError):
            return None, {}, b""
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        s.close()


def headers_once(resp_headers):
    """Each security header exactly once, with zebra serve's values, plus HSTS."""
    want = {"content-security-policy": "default-src 'self'; frame-ancestors 'none'", "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer", "strict-transport-security": "max-age=63072000; includeSubDomains"}
    seen = {}
    for k, v in resp_headers:
        seen.setdefault(k.lower(), []).append(v)
    return all(seen.get(k) == [v] for k, v in want.items())


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    zebra, source = sys.argv[1], sys.argv[2]
    f = harness.Failures()
    work = harness.temp_dir("zebra-proxy.")
    server = nginx = None
    try:
        server = harness.Server(zebra, source, work, "sqlite:" + os.path.join(work, "z.db"),
                                ["--demo", "--trusted-proxy", "127.0.0.1"]).start()
        nginx = harness.Nginx(source, work, [server.port]).start()
        c = nginx.client()
        case = harness.demo_cases(source)[0]

        # ---- TLS -----------------------------------------------------------------------------
        r = c.get("/v1/health")
        f.check(r.status == 200 and r.json()["status"] == "ok", "GET /v1/health over HTTPS", str(r.status))
        f.check(r.tls_version in ("TLSv1.2", "TLSv1.3"), f"negotiated {r.tls_version}")
        for version in ("TLSv1_2", "TLSv1_3"):
            ctx = nginx.tls_context()
            ctx.minimum_version = ctx.maximum_version = getattr(ssl.TLSVersion, version)
            r = harness.Client("127.0.0.1", nginx.https_port, tls=ctx).get("/v1/health")
            f.check(r.status == 200 and r.tls_version == version.replace("_", "."), f"{version} accepted")
        refused = True
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 on purpose
        try:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            ctx.set_ciphers("ALL:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            harness.Client("127.0.0.1", nginx.https_port, tls=ctx).get("/v1/health", timeout=10)
            refused = False
        except (ssl.SSLError, OSError):
            pass
        f.check(refused, "TLS 1.0/1.1 handshakes are refused")

        r = harness.Client("127.0.0.1", nginx.http_port).get("/v1/cases?x=1")
        f.check(r.status == 301 and (r.header("Location") or "").startswith("https://localhost")
                and r.header("Location").endswith("/v1/cases?x=1"), "plain HTTP → 301 to https://",
                f"{r.status} {r.header('Location')}")

        # ---- headers on proxied and on nginx's own answers -------------------------------------
        for label, resp in [("API 200", c.get("/v1/health")), ("static 200", c.get("/")),
                            ("zebra 404 problem", c.get("/v1/nope")), ("zebra 401", c.get("/v1/cases"))]:
            f.check(headers_once(resp.headers), f"security headers + HSTS exactly once on {label} ({resp.status})",
                    repr(resp.headers))
        st, h, body = tls_raw(nginx, b"POST /v1/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n"
                              b"Connection: close\r\n\r\n" % (MAX_BODY + 1))
        f.check(st == 413, "body over 2 MiB → 413 from nginx", str(st))
        f.check(headers_once(list(h.items())), "security headers + HSTS on nginx's 413 page", repr(h))
        f.check(c.get("/metrics").status == 404, "/metrics is not published through the proxy")

        # ---- the limits zebra serve does not enforce on its own --------------------------------
        chunk = b"x" * 65536
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(MAX_BODY // len(chunk) * 2)) + b"0\r\n\r\n"
        st, h, body = tls_raw(nginx, b"POST /v1/evaluate HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                              b"Content-Type: application/json\r\nConnection: close\r\n\r\n" + chunked)
        f.check(st == 413, "chunked body of 4 MiB → 413", str(st))
        st, h, body = tls_raw(nginx, b"POST /v1/evaluate HTTP/1.1\r\nHost: localhost\r\nContent-Encoding: gzip\r\n"
                              b"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        f.check(st == 415, "Content-Encoding: gzip request → 415", str(st))
        many = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(2000))
        st, h, body = tls_raw(nginx, b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\n" + many + b"Connection: close\r\n\r\n")
        f.check(st in (400, 431, 494), "190 KB of headers → 400/431/494", str(st))
        r = c.post("/v1/evaluate", case)
        f.check(r.status == 200, "POST /v1/evaluate through the proxy → 200", str(r.status))
        direct = server.client().post("/v1/evaluate", case)
        f.check(r.body == direct.body, "the proxied evaluation is byte-identical to the direct one")

        # ---- the edge attacks of issue 13, through the proxy -----------------------------------
        edge_attacks(f, server, c, work, send=lambda data, **kw: tls_raw(nginx, data, **kw), label="through nginx")
        f.check(c.get("/v1/health").status == 200, "answers normally after the edge attacks through nginx")

        # ---- session cookie over TLS -----------------------------------------------------------
        r = c.post("/v1/session", {"username": "coordinator", "password": "zebra-demo"},
                   headers={"X-Forwarded-Proto": "http"})
        cookie = r.header("Set-Cookie") or ""
        f.check(r.status == 200 and "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie,
                "session cookie over HTTPS is Secure, HttpOnly, SameSite=Strict (client's X-Forwarded-Proto ignored)",
                cookie)
        r = server.client().post("/v1/session", {"username": "coordinator", "password": "zebra-demo"},
                                 headers={"X-Forwarded-Proto": "http"})
        f.check(r.status == 200 and "Secure" not in (r.header("Set-Cookie") or ""),
                "direct plain-HTTP sign-in: cookie not Secure (control)")

        # ---- slowloris through the proxy --------------------------------------------------------
        # Each slow client completes the TLS handshake, then sends its request one byte per second.
        def tls_connect():
            raw = socket.create_connection(("127.0.0.1", nginx.https_port), timeout=30 * harness.SLOW)
            return nginx.tls_context().wrap_socket(raw, server_hostname="localhost")
        slowloris(f, nginx.https_port, c, direct=False, drop_within=40, connect=tls_connect)
        f.check(nginx.proc.poll() is None and server.proc.poll() is None, "nginx and zebra serve still running")
    except Exception as e:  # noqa: BLE001
        f.check(False, "test ran to completion", f"{type(e).__name__}: {e}")
        if nginx is not None:
            print(nginx.log_text())
        if server is not None:
            print(server.log_text()[-3000:])
    finally:
        if nginx is not None:
            nginx.stop()
        if server is not None:
            server.stop()
        harness.rmtree(work)
    return f.exit_code()


if __name__ == "__main__":
    sys.exit(main())
