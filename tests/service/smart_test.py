"""SMART App Launch end to end (issue 20): a fake EHR (tests/service/fake_ehr.py: authorization
server and FHIR server on loopback, serving the shared mCODE example) launches Zebra; the browser
(a cookie jar following redirects) lands on the new case; refusals for a wrong state, an
unconfigured iss, a replayed code and PKCE failures; the CDS Hooks smart link; the FHIR export.

usage: smart_test.py ZEBRA SOURCE_DIR
"""
import base64
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from fake_ehr import FakeEhr  # noqa: E402

CLIENT_ID = "zebra-test-client"
SHARED_BUNDLE = "examples/fhir/mcode-pnet-g2-bundle.json"


class Browser:
    """Follows redirects and keeps cookies per host:port, as a browser would (no script)."""

    def __init__(self):
        self.cookies = {}  # "host:port" -> {name: value}
        self.history = []  # (status, url)

    def cookie_header(self, netloc):
        jar = self.cookies.get(netloc, {})
        return "; ".join(f"{k}={v}" for k, v in jar.items())

    def request(self, method, url, body=None, headers=None):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30 * harness.SLOW)
        h = dict(headers or {})
        if self.cookie_header(u.netloc):
            h["Cookie"] = self.cookie_header(u.netloc)
        if body is not None:
            h.setdefault("Content-Type", "application/json")
        try:
            conn.request(method, u.path + ("?" + u.query if u.query else ""), body=body, headers=h)
            r = conn.getresponse()
            resp = harness.Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for k, v in resp.headers:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                jar = self.cookies.setdefault(u.netloc, {})
                if "max-age=0" in v.lower().replace(" ", ""):
                    jar.pop(name, None)
                else:
                    jar[name] = value
        self.history.append((resp.status, url))
        return resp

    def get(self, url, follow=True, max_hops=10):
        """GET, following redirects; returns (last response, last URL)."""
        for _ in range(max_hops):
            r = self.request("GET", url)
            if not follow or r.status not in (301, 302, 303, 307) or not r.header("Location"):
                return r, url
            url = urllib.parse.urljoin(url, r.header("Location"))
        raise RuntimeError("too many redirects")


def audit_entries(zebra, db):
    p = subprocess.run([zebra, "audit", "export", "--db", db], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60 * harness.SLOW)
    if p.returncode != 0:
        raise RuntimeError("zebra audit export: " + p.stderr)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def main():
    zebra, source = sys.argv[1], sys.argv[2]
    f = harness.Failures()
    work = harness.temp_dir("zebra-smart-")
    ehr = None
    server = None
    try:
        shared = os.path.join(source, "..", "shared", SHARED_BUNDLE)
        if not os.path.exists(shared):
            shared = os.path.join("/work/shared", SHARED_BUNDLE)
        with open(shared) as fh:
            bundle = json.load(fh)
        patient_id = next(e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        port = harness.free_port()
        zebra_origin = f"http://127.0.0.1:{port}"
        redirect_uri = zebra_origin + "/smart/callback"
        ehr = FakeEhr(bundle, CLIENT_ID, redirect_uri, patient_id).start()
        config = os.path.join(work, "smart.json")
        with open(config, "w") as fh:
            json.dump({"client_id": CLIENT_ID, "redirect_uri": redirect_uri, "role": "clinician", "write_back": True,
                       "issuers": [ehr.base("/fhir"), ehr.base("/fhir-nopkce"), ehr.base("/fhir-evil")]}, fh)
        db = "sqlite:" + os.path.join(work, "zebra.db")

        # A plain http issuer is refused without --insecure-dev.
        rc, out = harness.run([zebra, "serve", "--port", "0", "--db", db, "--smart-config", config,
                               "--knowledge", os.path.join(source, "knowledge")], timeout=60)
        f.check(rc == 1 and "--smart-config" in out and "insecure-dev" in out, "http issuer refused without --insecure-dev",
                f"exit {rc}: {out[-300:]}")

        # The setting as a key of the --config file (TOML), as `zebra config example` names it.
        toml = os.path.join(work, "zebra.toml")
        with open(toml, "w") as fh:
            fh.write(f'smart-config = "{config}"\ninsecure-dev = true\n')
        server = harness.Server(zebra, source, work, db, ["--config", toml], name="smart", port=port).start()
        f.check("SMART App Launch for 3 FHIR server(s)" in server.log_text(), "smart-config read from the --config file")
        fhir = ehr.base("/fhir")

        # ---- EHR launch: the browser ends on the case, signed in ----------------------------------
        b = Browser()
        launch_url = zebra_origin + "/smart/launch?" + urllib.parse.urlencode({"iss": fhir, "launch": "launch-123"})
        r, final = b.get(launch_url)
        f.check(final.startswith(zebra_origin + "/#/cases/"), "EHR launch redirects to the case in the web app",
                f"{r.status} {final} {r.body[:300]!r} refused={ehr.seen['refused']}")
        case_id = urllib.parse.unquote(final.rsplit("/", 1)[-1]) if "/#/cases/" in final else ""
        auth = ehr.seen["authorize"][-1] if ehr.seen["authorize"] else {}
        f.check(auth.get("aud") == fhir and auth.get("code_challenge_method") == "S256" and
                auth.get("scope") == "launch openid fhirUser patient/*.rs" and auth.get("launch") == "launch-123",
                "authorization request: aud=iss, PKCE S256, EHR-launch scopes, launch", json.dumps(auth))
        session = b.cookies.get(f"127.0.0.1:{port}", {}).get("zebra_session")
        f.check(bool(session), "the launch signs the browser in (session cookie)")
        r = b.request("GET", f"{zebra_origin}/v1/cases/{case_id}")
        f.check(r.status == 200, "GET /v1/cases/{id} with the session shows the case", f"{r.status} {r.body[:200]!r}")
        got = r.json()["case"] if r.status == 200 else {}
        # The case equals what `zebra fhir map` makes of the whole bundle: nothing lost to paging.
        # (As of today: a launch reads the EHR's data as of the time of the call.)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        rc, out = harness.run([zebra, "fhir", "map", shared, "--as-of", today])
        expected = json.loads(out)["case"] if rc == 0 else None
        for c in (got, expected):
            if isinstance(c, dict):
                c.pop("id", None)
        f.check(expected is not None and got == expected, "the case holds everything the bundle says",
                f"\n got {json.dumps(got)[:400]}\n want {json.dumps(expected)[:400]}")
        ki67 = next(e["resource"]["valueQuantity"]["value"] for e in bundle["entry"]
                    if e["resource"]["id"].endswith("ki67"))
        f.check(got.get("tumor", {}).get("ki67_percent") == ki67, "Ki-67 from the EHR's Observation", json.dumps(got)[:200])
        reads = [x for x in ehr.seen["fhir"] if x["base"] == "/fhir"]
        f.check(all(x["authorized"] for x in reads) and any("_offset" in x["query"] for x in reads) and
                all(x["query"].get("_count") for x in reads if not x["path"].startswith("/Patient/")),
                "FHIR reads carry the token, ask _count and follow next pages", json.dumps(reads)[:400])
        f.check({x["path"].strip("/").split("/")[0] for x in reads} >=
                {"Patient", "Condition", "Observation", "MedicationStatement", "MedicationRequest",
                 "MedicationAdministration", "Procedure"}, "every resource type is searched")

        # The mapping report is kept with the case: fields with their source resource.
        r = b.request("GET", f"{zebra_origin}/v1/cases/{case_id}/source")
        src = r.json() if r.status == 200 else {}
        report = src.get("mapping_report", {})
        f.check(src.get("kind") == "smart" and src.get("fhir_base") == fhir and src.get("patient") == f"Patient/{patient_id}"
                and report.get("fields") and all(x.get("resource") for x in report["fields"]) and
                report.get("unused") == [] and report.get("conflicts") == [] and
                {x["item"] for x in report.get("reported", [])} == {"stage_group", "histologic_grade"},
                "the case keeps its source and mapping report (grade and stage reported, nothing unused)",
                f"{r.status} {json.dumps(src)[:400]}")

        # Tokens stay on the server: not in the browser's cookies, pages or the server's log.
        visible = json.dumps(b.cookies) + "".join(str(u) for _, u in b.history)
        log = server.log_text()
        f.check(ehr.tokens and not any(t in visible or t in log for t in ehr.tokens),
                "access tokens never reach the browser or the log")

        # ---- replayed callback (same code and state): the state is single-use ----------------------
        callback = next(u for s, u in b.history if u.startswith(redirect_uri))
        r = b.request("GET", callback)
        f.check(r.status == 400 and b"smart-invalid-state" in r.body, "replayed callback refused (400)",
                f"{r.status} {r.body[:200]!r}")

        # ---- a used code with a fresh state: the token endpoint refuses it, so does Zebra ----------
        used_code = urllib.parse.parse_qs(urllib.parse.urlsplit(callback).query)["code"][0]
        b2 = Browser()
        r = b2.request("GET", launch_url)
        state2 = urllib.parse.parse_qs(urllib.parse.urlsplit(r.header("Location")).query)["state"][0]
        r = b2.request("GET", redirect_uri + "?" + urllib.parse.urlencode({"code": used_code, "state": state2}))
        f.check(r.status == 401 and b"smart-code-refused" in r.body and
                "token: code used before" in ehr.seen["refused"], "replayed code refused (401)",
                f"{r.status} {r.body[:200]!r} {ehr.seen['refused']}")

        # ---- wrong state ----------------------------------------------------------------------------
        b3 = Browser()
        r = b3.request("GET", launch_url)
        r = b3.request("GET", r.header("Location"))  # the fake EHR approves and sends a code back
        code3 = urllib.parse.parse_qs(urllib.parse.urlsplit(r.header("Location")).query)["code"][0]
        r = b3.request("GET", redirect_uri + "?" + urllib.parse.urlencode({"code": code3, "state": "not-the-state"}))
        f.check(r.status == 400 and b"smart-invalid-state" in r.body and b"text/html" in
                (r.header("Content-Type") or "").encode(), "wrong state refused (400, an error page)",
                f"{r.status} {r.body[:200]!r}")

        # ---- PKCE: a code issued for another launch (another challenge) is refused -----------------
        b4 = Browser()
        r = b4.request("GET", launch_url)
        state4 = urllib.parse.parse_qs(urllib.parse.urlsplit(r.header("Location")).query)["state"][0]
        r = b4.request("GET", redirect_uri + "?" + urllib.parse.urlencode({"code": code3, "state": state4}))
        f.check(r.status == 401 and b"smart-code-refused" in r.body and
                "token: code_verifier does not match the challenge" in ehr.seen["refused"],
                "a code from another launch fails the PKCE check (401)", f"{r.status} {ehr.seen['refused']}")
        # The fake token endpoint really checks the verifier: without one a fresh code is refused.
        b5 = Browser()
        r = b5.request("GET", launch_url)
        r = b5.request("GET", r.header("Location"))
        code5 = urllib.parse.parse_qs(urllib.parse.urlsplit(r.header("Location")).query)["code"][0]
        conn = http.client.HTTPConnection("127.0.0.1", ehr.port, timeout=10)
        conn.request("POST", "/auth/token", body=urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code5, "redirect_uri": redirect_uri, "client_id": CLIENT_ID}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        tr = conn.getresponse()
        tr.read()
        f.check(tr.status == 400 and "token: missing code_verifier" in ehr.seen["refused"],
                "the fake EHR refuses a code exchange without a PKCE verifier")
        # An EHR that does not offer S256 is refused before the browser is sent there.
        r = Browser().request("GET", zebra_origin + "/smart/launch?" + urllib.parse.urlencode(
            {"iss": ehr.base("/fhir-nopkce"), "launch": "launch-123"}))
        f.check(r.status == 502 and b"smart-pkce-unsupported" in r.body, "an EHR without PKCE S256 is refused (502)",
                f"{r.status} {r.body[:200]!r}")

        # ---- iss not configured ---------------------------------------------------------------------
        n_authorize = len(ehr.seen["authorize"])
        for iss in (ehr.base("/other"), f"http://localhost:{ehr.port}/fhir", "https://evil.example/fhir"):
            r = Browser().request("GET", zebra_origin + "/smart/launch?" + urllib.parse.urlencode(
                {"iss": iss, "launch": "launch-123"}))
            f.check(r.status == 403 and b"smart-issuer-not-allowed" in r.body, f"iss {iss} refused (403)",
                    f"{r.status} {r.body[:200]!r}")
        f.check(len(ehr.seen["authorize"]) == n_authorize, "no browser is sent to an unconfigured EHR")

        # ---- a paging link to another origin is not followed ---------------------------------------
        r, final = Browser().get(zebra_origin + "/smart/launch?" + urllib.parse.urlencode(
            {"iss": ehr.base("/fhir-evil"), "launch": "launch-123"}))
        f.check(r.status == 502 and b"smart-fhir" in r.body, "a paging link off the FHIR server is refused (502)",
                f"{r.status} {r.body[:200]!r}")
        f.check(not any("evil-page" in x["query"] for x in ehr.seen["fhir"]), "the foreign paging link was not fetched")

        # ---- standalone launch ----------------------------------------------------------------------
        bs = Browser()
        r, final = bs.get(zebra_origin + "/smart/launch?" + urllib.parse.urlencode({"iss": fhir}))
        auth = ehr.seen["authorize"][-1]
        f.check(final.startswith(zebra_origin + "/#/cases/") and "launch" not in auth and
                auth.get("scope") == "launch/patient openid fhirUser patient/*.rs",
                "standalone launch (launch/patient) opens a case", f"{final} {json.dumps(auth)}")

        # ---- audit: launches and refusals recorded, without patient data ---------------------------
        entries = audit_entries(zebra, db)
        refused = [e for e in entries if e["action"] == "smart.launch_refused"]
        launched = [e for e in entries if e["action"] == "smart.launch"]
        f.check(len(refused) >= 7 and len(launched) == 2, "every launch and refusal is audited",
                f"{len(refused)} refused, {len(launched)} launched")
        f.check(not any(patient_id in json.dumps(e) or "at-" in e.get("detail", "") for e in refused + launched),
                "audit rows hold no patient id or token")
        f.check(launched and launched[0]["actor"] == "dr-smart@127.0.0.1" and launched[0]["case_id"] == case_id,
                "the launch is audited under the EHR user and the case", json.dumps(launched[:1]))

        # ---- CDS Hooks cards link to the SMART launch ----------------------------------------------
        with open(os.path.join(source, "..", "shared", "examples", "cds-hooks", "cds-patient-view-request.json")
                  if os.path.exists(os.path.join(source, "..", "shared")) else
                  "/work/shared/examples/cds-hooks/cds-patient-view-request.json") as fh:
            hook = json.load(fh)
        r = server.client().post("/cds-services/net-tumor-board", hook)
        cards = r.json().get("cards", []) if r.status == 200 else []
        smart_links = [l for c in cards for l in c.get("links", []) if l.get("type") == "smart"]
        f.check(cards and len(smart_links) == len(cards) and
                all(l["url"] == zebra_origin + "/smart/launch" for l in smart_links),
                "every CDS Hooks card links to the SMART launch", f"{r.status} {json.dumps(smart_links)[:300]}")

        # ---- FHIR export of the board decision ------------------------------------------------------
        r = b.request("GET", f"{zebra_origin}/v1/session")
        csrf = r.json().get("csrf_token", "") if r.status == 200 else ""
        r = b.request("GET", f"{zebra_origin}/v1/cases/{case_id}/evaluations")
        options = r.json()["evaluations"][-1]["recommendation"].get("options", []) if r.status == 200 else []
        option_id = options[0]["id"] if options else ""
        r = b.request("POST", f"{zebra_origin}/v1/cases/{case_id}/decision", body=json.dumps(
            {"option_id": option_id, "attendees": [{"role": "oncologist", "name": "A"}],
             "notes": "Board agreed; review in three months."}), headers={"X-CSRF-Token": csrf})
        f.check(r.status == 201, "decision recorded by the launched clinician", f"{r.status} {r.body[:200]!r}")
        r = b.request("GET", f"{zebra_origin}/v1/cases/{case_id}/fhir")
        export = r.json() if r.status == 200 else {}
        res = {e["resource"]["resourceType"]: e["resource"] for e in export.get("entry", [])}
        doc, plan = res.get("DocumentReference", {}), res.get("CarePlan", {})
        html = base64.b64decode(doc["content"][0]["attachment"]["data"]).decode() if doc.get("content") else ""
        minutes = base64.b64decode(doc["content"][1]["attachment"]["data"]).decode() if len(doc.get("content", [])) > 1 else ""
        with open(os.path.join(source, "knowledge", "catalogue.json")) as fh:
            title = json.load(fh)["options"].get(option_id, {}).get("title")
        f.check(export.get("resourceType") == "Bundle" and export.get("type") == "collection" and
                "<html" in html.lower() and "review in three months" in minutes,
                "export: a collection with the printable summary and the minutes", f"{r.status} {r.body[:300]!r}")
        coding = plan.get("activity", [{}])[0].get("detail", {}).get("code", {}).get("coding", [{}])[0]
        f.check(plan.get("intent") == "plan" and plan.get("status") == "active" and coding.get("code") == option_id and
                coding.get("display") == title and plan.get("created"),
                "export: a CarePlan naming the chosen option", json.dumps(plan)[:400])
        f.check(plan.get("subject", {}).get("reference") == f"Patient/{patient_id}" and
                doc.get("subject", {}).get("reference") == f"Patient/{patient_id}",
                "export: references the EHR's patient", json.dumps(plan.get("subject")))
        r = Browser().request("GET", f"{zebra_origin}/v1/cases/{case_id}/fhir")
        f.check(r.status == 401, "export needs sign-in", str(r.status))
    finally:
        if server:
            server.stop()
        if ehr:
            ehr.stop()
        harness.rmtree(work)
    return f.exit_code()


if __name__ == "__main__":
    sys.exit(main())
