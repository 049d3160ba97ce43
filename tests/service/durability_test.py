#!/usr/bin/env python3
"""Crash durability of `zebra serve`: acknowledged case writes survive SIGKILL.

  durability_test.py ZEBRA SOURCE_DIR [--postgres]

Streams case creations and updates from several client threads, records every acknowledged
(id, revision, content, evaluation), kills the server with SIGKILL mid-stream, restarts it on the
same store and checks: every acknowledged revision is readable with identical content and its
evaluation is stored with identical output; every stored case has a readable revision 1 and
every stored revision has its evaluation (no half-written case); `zebra audit verify` passes.
With --postgres the store is $ZEBRA_TEST_PG_URL (run under tests/with_postgres.sh).

SIGKILL tests a process crash: data the server acknowledged must already be committed to the
database (SQLite WAL with synchronous=FULL, PostgreSQL commit). It does not simulate power loss.
"""
import copy
import http.client
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

WRITERS = 4
ACKS_BEFORE_KILL = 40   # kill once this many writes are acknowledged ...
MAX_STREAM_SECONDS = 20  # ... or after this long, whichever comes first
CYCLES = 2               # kill/restart cycles


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    zebra, source = sys.argv[1], sys.argv[2]
    postgres = "--postgres" in sys.argv[3:]
    f = harness.Failures()
    work = harness.temp_dir("zebra-durability.")
    server = None
    try:
        if postgres:
            db = os.environ.get("ZEBRA_TEST_PG_URL")
            if not db:
                print("ZEBRA_TEST_PG_URL is not set (run under tests/with_postgres.sh)")
                return 2
        else:
            db = "sqlite:" + os.path.join(work, "z.db")
        harness.add_user(zebra, db, "coord", "coordinator", "durability-pass")
        server = harness.Server(zebra, source, work, db).start()
        token = harness.api_token(server.client(), "coord", "durability-pass")
        templates = harness.demo_cases(source)

        acks = []            # (case_id, revision, case dict, evaluation dict)
        unexpected = []      # non-2xx answers before the kill
        lock = threading.Lock()
        serial = [0]

        for cycle in range(1, CYCLES + 1):
            stop = threading.Event()
            killed = threading.Event()
            cycle_acks = []

            def writer(wid, cycle=cycle, stop=stop, killed=killed, cycle_acks=cycle_acks):
                rng = random.Random(wid * 1000 + cycle)
                mine = []  # this writer's acknowledged case ids
                client = harness.Client("127.0.0.1", server.port, token, timeout=30)
                while not stop.is_set():
                    with lock:
                        serial[0] += 1
                        n = serial[0]
                    case = copy.deepcopy(rng.choice(templates))
                    case["id"] = f"durability-{cycle}-{wid}-{n}"
                    update = mine and rng.random() < 0.3
                    try:
                        if update:
                            cid = rng.choice(mine)
                            r = client.request("PUT", f"/v1/cases/{cid}", case)
                        else:
                            r = client.post("/v1/cases", case)
                    except (OSError, http.client.HTTPException):
                        if not killed.is_set():
                            with lock:
                                unexpected.append(("connection error before kill", n))
                        return  # the server is gone
                    if r.status in (200, 201):
                        body = r.json()
                        with lock:
                            acks.append((body["id"], body["revision"], case, body["evaluation"]))
                            cycle_acks.append(body["id"])
                        if not update:
                            mine.append(body["id"])
                    elif not killed.is_set():
                        with lock:
                            unexpected.append((r.status, r.body[:200]))

            threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(WRITERS)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + MAX_STREAM_SECONDS * harness.SLOW
            while len(cycle_acks) < ACKS_BEFORE_KILL and time.monotonic() < deadline:
                time.sleep(0.02)
            killed.set()
            server.kill()  # mid-stream: every writer has a request in flight or about to be sent
            stop.set()
            for t in threads:
                t.join(timeout=60)
            f.check(len(cycle_acks) >= 5, f"cycle {cycle}: writes acknowledged before SIGKILL",
                    f"only {len(cycle_acks)}")
            print(f"cycle {cycle}: {len(cycle_acks)} writes acknowledged, then SIGKILL", flush=True)

            # The store as the crash left it: the audit chain must already be intact.
            rc, out = harness.run([zebra, "audit", "verify", "--db", db])
            f.check(rc == 0, f"cycle {cycle}: audit verify right after SIGKILL", out.strip())
            server.start()

        f.check(not unexpected, "no error answers before the kill", repr(unexpected[:5]))
        client = server.client(token)

        # Every acknowledged revision: identical content, its evaluation stored identically.
        lost, changed, missing_eval = [], [], []
        evaluations = {}
        for cid, rev, case, evaluation in acks:
            r = client.get(f"/v1/cases/{cid}?revision={rev}")
            if r.status != 200:
                lost.append((cid, rev, r.status))
                continue
            if r.json()["case"] != case:
                changed.append((cid, rev))
            if cid not in evaluations:
                evaluations[cid] = client.get(f"/v1/cases/{cid}/evaluations").json()["evaluations"]
            stored = [e for e in evaluations[cid] if e["id"] == evaluation["id"]]
            if not stored or stored[0] != evaluation:
                missing_eval.append((cid, rev, evaluation["id"]))
        f.check(len(acks) >= 10, f"{len(acks)} acknowledged writes to check")
        f.check(not lost, "every acknowledged revision is readable after the crashes", repr(lost[:5]))
        f.check(not changed, "every acknowledged revision has identical content", repr(changed[:5]))
        f.check(not missing_eval, "every acknowledged evaluation is stored with identical output",
                repr(missing_eval[:5]))

        # Nothing half-written: every stored case and revision is complete.
        listed = client.get("/v1/cases").json()["cases"]
        incomplete, unreadable = [], []
        for c in listed:
            cid = c["id"]
            if client.get(f"/v1/cases/{cid}?revision=1").status != 200:
                unreadable.append(cid)
                continue
            revs = [x["revision"] for x in client.get(f"/v1/cases/{cid}/revisions").json()["revisions"]]
            evaluated = {e["case_revision"] for e in client.get(f"/v1/cases/{cid}/evaluations").json()["evaluations"]}
            if revs[:1] != [1] or sorted(revs) != list(range(1, len(revs) + 1)):
                incomplete.append((cid, "revisions " + repr(revs)))
            for n in revs:
                if n not in evaluated:
                    incomplete.append((cid, f"revision {n} without evaluation"))
        acked_ids = {a[0] for a in acks}
        f.check(acked_ids <= {c["id"] for c in listed}, "every acknowledged case is listed")
        f.check(not unreadable, "every listed case has a readable revision 1", repr(unreadable[:5]))
        # A revision and its evaluation are stored in one transaction (Store::*CaseWithEvaluation),
        # so even an unacknowledged write is either complete or absent.
        f.check(not incomplete, "every stored revision has its evaluation (no half-written case)",
                repr(incomplete[:5]))
        print(f"{len(listed)} cases stored, {len(acked_ids)} acknowledged", flush=True)

        # The server still works after the crashes, and stops cleanly.
        r = client.post("/v1/cases", dict(templates[0], id="after-crash"))
        f.check(r.status == 201, "a new write after restart is acknowledged", str(r.status))
        f.check(server.stop() == 0, "SIGTERM stops the restarted server with exit 0")
        rc, out = harness.run([zebra, "audit", "verify", "--db", db])
        f.check(rc == 0 and "intact" in out, "zebra audit verify passes at the end", out.strip())
        print(out.strip())
    except Exception as e:  # noqa: BLE001 - a test harness reports and fails
        f.check(False, "test ran to completion", f"{type(e).__name__}: {e}")
        if server is not None:
            print(server.log_text()[-3000:])
    finally:
        if server is not None:
            server.stop()
        harness.rmtree(work)
    return f.exit_code()


if __name__ == "__main__":
    sys.exit(main())
