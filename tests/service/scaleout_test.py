#!/usr/bin/env python3
"""Scale-out: two `zebra serve` replicas on one PostgreSQL behind nginx (deploy/nginx/zebra.conf).

  tests/with_postgres.sh scaleout_test.py ZEBRA SOURCE_DIR

Both replicas start concurrently on an empty database (migrations serialise on an advisory
lock). A case written through replica A is read identically through replica B and through
nginx; a session opened on one replica is valid on the other; concurrent case writes through
nginx reach both replicas, every one is readable everywhere, and `zebra audit verify` finds the
shared audit chain intact with one entry per write.
"""
import copy
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

WRITERS = 8
WRITES_EACH = 8


def post_count(server):
    """POST /v1/cases requests this replica answered with 201, from its /metrics."""
    text = server.client().get("/metrics").body.decode()
    total = 0
    for line in text.splitlines():
        if line.startswith("zebra_http_requests_total{") and 'method="POST"' in line and 'route="/v1/cases"' in line \
                and 'status="201"' in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def audit_entries(zebra, db):
    rc, out = harness.run([zebra, "audit", "verify", "--db", db])
    n = None
    if rc == 0 and "intact:" in out:
        n = int(out.split("intact:")[1].split()[0])
    return rc, out.strip(), n


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    zebra, source = sys.argv[1], sys.argv[2]
    db = os.environ.get("ZEBRA_TEST_PG_URL")
    if not db:
        print("ZEBRA_TEST_PG_URL is not set (run under tests/with_postgres.sh)")
        return 2
    f = harness.Failures()
    work = harness.temp_dir("zebra-scaleout.")
    replicas, nginx = [], None
    try:
        harness.add_user(zebra, db, "coord", "coordinator", "scaleout-pass")
        # Both replicas start at the same time on the same database.
        a = harness.Server(zebra, source, work, db, name="replica-a")
        b = harness.Server(zebra, source, work, db, name="replica-b")
        replicas = [a, b]
        errors = []

        def start(s):
            try:
                s.start()
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
        threads = [threading.Thread(target=start, args=(s,)) for s in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        f.check(not errors, "two replicas start concurrently on one PostgreSQL", "; ".join(errors)[:2000])
        if errors:
            return f.exit_code()
        nginx = harness.Nginx(source, work, [a.port, b.port]).start()

        token = harness.api_token(a.client(), "coord", "scaleout-pass")
        ca, cb, cn = a.client(token), b.client(token), nginx.client(token)
        template = harness.demo_cases(source)[0]

        # ---- one write, read everywhere ------------------------------------------------------
        case = copy.deepcopy(template)
        case["id"] = "scaleout-a"
        r = ca.post("/v1/cases", case)
        f.check(r.status == 201, "POST /v1/cases through replica A → 201", str(r.status))
        created = r.json()
        cid = created["id"]
        via_b, via_n = cb.get(f"/v1/cases/{cid}"), cn.get(f"/v1/cases/{cid}")
        f.check(via_b.status == 200 and via_b.json()["case"] == case, "replica B reads the case identically")
        f.check(via_n.status == 200 and via_n.json()["case"] == case, "nginx reads the case identically")
        f.check(via_b.json() == via_n.json() == {k: v for k, v in created.items() if k != "evaluation"},
                "same id, revision, author and time on both replicas")
        ev_b = cb.get(f"/v1/cases/{cid}/evaluations").json()["evaluations"]
        f.check(len(ev_b) == 1 and ev_b[0] == created["evaluation"], "replica B returns A's stored evaluation")
        r = cb.request("PUT", f"/v1/cases/{cid}", dict(case, id="scaleout-b"))
        f.check(r.status == 200 and r.json()["revision"] == 2, "replica B adds revision 2", str(r.status))
        f.check(ca.get(f"/v1/cases/{cid}").json()["revision"] == 2, "replica A sees revision 2")

        # Sessions live in the database: signed in on B, used on A with its CSRF token.
        r = b.client().post("/v1/session", {"username": "coord", "password": "scaleout-pass"})
        cookie, csrf = r.header("Set-Cookie").split(";", 1)[0], r.json()["csrf_token"]
        r = a.client().get("/v1/session", headers={"Cookie": cookie})
        f.check(r.status == 200 and r.json()["user"]["username"] == "coord", "a session from B is valid on A")
        r = a.client().post("/v1/cases", dict(case, id="scaleout-session"), headers={"Cookie": cookie, "X-CSRF-Token": csrf})
        f.check(r.status == 201, "a write on A with B's session and CSRF token → 201", str(r.status))
        r = a.client().post("/v1/cases", dict(case, id="scaleout-nocsrf"), headers={"Cookie": cookie})
        f.check(r.status == 403, "without the CSRF token → 403", str(r.status))

        rc, out, before = audit_entries(zebra, db)
        f.check(rc == 0, "audit chain intact before the concurrent writes", out)

        # ---- concurrent writes through nginx -----------------------------------------------
        posts_before = [post_count(a), post_count(b)]
        acks, failures, lock = [], [], threading.Lock()

        def writer(w):
            client = nginx.client(token)
            for i in range(WRITES_EACH):
                c = copy.deepcopy(template)
                c["id"] = f"scaleout-{w}-{i}"
                try:
                    r = client.post("/v1/cases", c)
                except Exception as e:  # noqa: BLE001
                    with lock:
                        failures.append(repr(e))
                    continue
                with lock:
                    if r.status == 201:
                        acks.append((r.json()["id"], c))
                    else:
                        failures.append(f"{r.status} {r.body[:100]!r}")
        t0 = time.monotonic()
        threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        took = time.monotonic() - t0
        total = WRITERS * WRITES_EACH
        f.check(not failures and len(acks) == total, f"{total} concurrent writes through nginx → 201 "
                f"({took:.1f} s)", f"{len(failures)} failed: {failures[:3]}")
        served = [post_count(a) - posts_before[0], post_count(b) - posts_before[1]]
        f.check(min(served) > 0 and sum(served) == total, f"both replicas took writes (A {served[0]}, B {served[1]})")
        wrong = [cid for cid, c in acks if cb.get(f"/v1/cases/{cid}").json().get("case") != c
                 or ca.get(f"/v1/cases/{cid}").json().get("case") != c]
        f.check(not wrong, "every concurrent write reads back identically on both replicas", repr(wrong[:3]))
        f.check(len({cid for cid, _ in acks}) == total, "every write got its own case id")

        # Each write adds exactly two audit entries (case.create + evaluation.create), each read one.
        rc, out, after = audit_entries(zebra, db)
        f.check(rc == 0, "zebra audit verify on the shared PostgreSQL store: intact", out)
        print(out)
        entries = ca.get(f"/v1/cases/{acks[0][0]}/audit").json()["entries"] if acks else []
        actions = sorted(e["action"] for e in entries)
        f.check("case.create" in actions, "a concurrent write has its case.create audit entry", repr(actions))
        if before is not None and after is not None:
            f.check(after - before >= 2 * total, f"audit grew by {after - before} entries (>= {2 * total})")

        f.check(all(s.stop() == 0 for s in replicas), "both replicas stop cleanly")
    except Exception as e:  # noqa: BLE001
        f.check(False, "test ran to completion", f"{type(e).__name__}: {e}")
        for s in replicas:
            print(s.log_text()[-2000:])
        if nginx is not None:
            print(nginx.log_text())
    finally:
        if nginx is not None:
            nginx.stop()
        for s in replicas:
            s.stop()
        harness.rmtree(work)
    return f.exit_code()


if __name__ == "__main__":
    sys.exit(main())
