"""A fake EHR for the SMART App Launch test (tests/service/smart_test.py): an authorization server
and a FHIR server on loopback, serving the resources of one FHIR Bundle (an mCODE example).

  {base}/.well-known/smart-configuration   for the FHIR bases /fhir, /fhir-nopkce (no S256 offered)
                                           and /fhir-evil (its paging links leave the server)
  /auth/authorize                          auto-approves: checks the request, redirects with a code
  /auth/token                              checks code (single use), redirect_uri, client_id and the
                                           PKCE verifier against the challenge; answers a token, the
                                           patient in context and an id_token
  {base}/Patient/{id}, {base}/{Type}?patient={id}&_count=N   searches, paged 3 entries a page

Standard library only. Everything it saw is in `self.seen` for the test's assertions.
"""
import base64
import hashlib
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE_SIZE = 3
BASES = ("/fhir", "/fhir-nopkce", "/fhir-evil")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakeEhr:
    def __init__(self, bundle, client_id, redirect_uri, patient_id, practitioner="Practitioner/dr-smart"):
        self.resources = [e["resource"] for e in bundle["entry"]]
        self.client_id, self.redirect_uri, self.patient_id = client_id, redirect_uri, patient_id
        self.practitioner = practitioner
        self.codes = {}      # code -> {challenge, aud, used, scope}
        self.tokens = set()  # access tokens issued
        self.launches = {"launch-123"}
        self.seen = {"authorize": [], "token": [], "fhir": [], "refused": []}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def base(self, name="/fhir"):
        return self.origin + name

    # ---- OAuth ----------------------------------------------------------------------------------

    def authorize(self, q):
        """Returns (status, location or error)."""
        def one(k):
            return q.get(k, [""])[0]
        self.seen["authorize"].append({k: one(k) for k in q})
        problems = []
        if one("response_type") != "code":
            problems.append("response_type")
        if one("client_id") != self.client_id:
            problems.append("client_id")
        if one("redirect_uri") != self.redirect_uri:
            problems.append("redirect_uri")
        if one("code_challenge_method") != "S256" or len(one("code_challenge")) != 43:
            problems.append("pkce")
        if not one("state"):
            problems.append("state")
        aud = one("aud")
        if aud not in [self.base(b) for b in BASES]:
            problems.append("aud")
        scopes = one("scope").split()
        for s in ("openid", "fhirUser", "patient/*.rs"):
            if s not in scopes:
                problems.append("scope " + s)
        launch = one("launch")
        if launch:
            if "launch" not in scopes or launch not in self.launches:
                problems.append("launch")
        elif "launch/patient" not in scopes:
            problems.append("standalone scope launch/patient")
        if problems:
            self.seen["refused"].append("authorize: " + ", ".join(problems))
            return 400, "invalid request: " + ", ".join(problems)
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {"challenge": one("code_challenge"), "aud": aud, "used": False}
        loc = self.redirect_uri + "?" + urllib.parse.urlencode({"code": code, "state": one("state")})
        return 302, loc

    def token(self, form):
        def one(k):
            return form.get(k, [""])[0]
        self.seen["token"].append(sorted(form.keys()))

        def refuse(error, why):
            self.seen["refused"].append("token: " + why)
            return 400, {"error": error, "error_description": why}
        if one("grant_type") != "authorization_code":
            return refuse("unsupported_grant_type", "grant_type")
        with self.lock:
            entry = self.codes.get(one("code"))
            if entry is None:
                return refuse("invalid_grant", "unknown code")
            if entry["used"]:
                return refuse("invalid_grant", "code used before")
            entry["used"] = True  # single use, whatever happens next
        if one("redirect_uri") != self.redirect_uri:
            return refuse("invalid_grant", "redirect_uri")
        if one("client_id") != self.client_id:
            return refuse("invalid_client", "client_id")
        verifier = one("code_verifier")
        if not verifier:
            return refuse("invalid_grant", "missing code_verifier")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != entry["challenge"]:
            return refuse("invalid_grant", "code_verifier does not match the challenge")
        access = "at-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(access)
        now = int(time.time())
        header = b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        payload = b64url(json.dumps({"iss": self.origin + "/auth", "sub": "u-1", "aud": self.client_id,
                                     "fhirUser": self.practitioner, "iat": now, "exp": now + 300}).encode())
        return 200, {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                     "scope": "launch openid fhirUser patient/*.rs", "patient": self.patient_id,
                     "id_token": f"{header}.{payload}.{b64url(b'not-checked')}"}

    # ---- FHIR -----------------------------------------------------------------------------------

    def fhir(self, base, path, q, authorization):
        self.seen["fhir"].append({"base": base, "path": path, "query": {k: v[0] for k, v in q.items()},
                                  "authorized": authorization[7:] in self.tokens
                                  if authorization.startswith("Bearer ") else False})
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            return 401, {"resourceType": "OperationOutcome"}
        parts = path.strip("/").split("/")
        if len(parts) == 2:
            for r in self.resources:
                if r["resourceType"] == parts[0] and r.get("id") == parts[1]:
                    return 200, r
            return 404, {"resourceType": "OperationOutcome"}
        rtype = parts[0]
        patient = q.get("patient", [""])[0]
        matches = [r for r in self.resources if r["resourceType"] == rtype and
                   json.dumps(r.get("subject", r.get("patient", {}))).find(f'"Patient/{patient}"') >= 0]
        offset = int(q.get("_offset", ["0"])[0])
        count = min(int(q.get("_count", ["100"])[0]), PAGE_SIZE)
        page = matches[offset:offset + count]
        bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                  "link": [{"relation": "self", "url": self.origin + base + path}],
                  "entry": [{"fullUrl": f"{self.origin}{base}/{r['resourceType']}/{r['id']}", "resource": r,
                             "search": {"mode": "match"}} for r in page]}
        if offset + count < len(matches):
            nq = {k: v[0] for k, v in q.items()}
            nq["_offset"] = str(offset + count)
            origin = self.origin
            if base == "/fhir-evil":
                origin = f"http://localhost:{self.port}"  # another origin: must not be followed
                nq["evil-page"] = "1"
            bundle["link"].append({"relation": "next", "url": origin + base + "/" + rtype + "?" +
                                   urllib.parse.urlencode(nq)})
        return 200, bundle

    def _handler(self):
        ehr = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status, body=None, location=None, ctype="application/json"):
                data = b""
                if body is not None:
                    data = (json.dumps(body) if not isinstance(body, str) else body).encode()
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
                for b in BASES:
                    if u.path == b + "/.well-known/smart-configuration":
                        methods = ["plain"] if b == "/fhir-nopkce" else ["S256"]
                        return self.send(200, {
                            "issuer": ehr.origin + "/auth",
                            "authorization_endpoint": ehr.origin + "/auth/authorize",
                            "token_endpoint": ehr.origin + "/auth/token",
                            "code_challenge_methods_supported": methods,
                            "scopes_supported": ["openid", "fhirUser", "launch", "launch/patient", "patient/*.rs"],
                            "capabilities": ["launch-ehr", "launch-standalone", "client-public", "context-ehr-patient",
                                             "context-standalone-patient", "sso-openid-connect",
                                             "permission-v2"]})
                if u.path == "/auth/authorize":
                    status, where = ehr.authorize(q)
                    return self.send(302, location=where) if status == 302 else self.send(status, where,
                                                                                            ctype="text/plain")
                for b in BASES:
                    if u.path.startswith(b + "/"):
                        status, body = ehr.fhir(b, u.path[len(b):], q, self.headers.get("Authorization", ""))
                        return self.send(status, body, ctype="application/fhir+json")
                self.send(404, {"error": "not found"})

            def do_POST(self):
                u = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                if u.path == "/auth/token":
                    if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                        return self.send(400, {"error": "invalid_request"})
                    status, answer = ehr.token(urllib.parse.parse_qs(body, keep_blank_values=True))
                    return self.send(status, answer)
                self.send(404, {"error": "not found"})

        return Handler
