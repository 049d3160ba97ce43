#!/usr/bin/env python3
"""Share of example and vignette cases that raise alert.verify_uncertain_rule (issue 16).

Usage: scripts/uncertain_alert_rate.py [ZEBRA_BINARY] [--list]
Evaluates examples/cases/*.json and the case of every tests/vignettes/**/*.json with
`zebra batch` and prints how many raise the alert (target: at most 10 %).
"""
import glob, json, os, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = [a for a in sys.argv[1:] if not a.startswith("--")]
zebra = args[0] if args else os.path.join(root, "build", "zebra")
cases = [(p, json.load(open(p))) for p in sorted(glob.glob(os.path.join(root, "examples/cases/*.json")))]
for p in sorted(glob.glob(os.path.join(root, "tests/vignettes/**/*.json"), recursive=True)):
    v = json.load(open(p))
    if isinstance(v, dict) and "case" in v:
        cases.append((p, v["case"]))
hits, errors = [], 0
with tempfile.TemporaryDirectory() as tmp:
    src, dst = os.path.join(tmp, "in.ndjson"), os.path.join(tmp, "out.ndjson")
    with open(src, "w") as f:
        for _, case in cases:
            f.write(json.dumps(case) + "\n")
    subprocess.run([zebra, "batch", src, "-o", dst, "--threads", "1"], capture_output=True, text=True)
    outs = open(dst).read().splitlines() if os.path.exists(dst) else []
    for (path, _), line in zip(cases, outs + [""] * (len(cases) - len(outs))):
        try:
            out = json.loads(line)
            out = out.get("recommendation", out)
        except ValueError:
            errors += 1
            continue
        alerts = [a for a in out.get("alerts", []) if a.get("id") == "alert.verify_uncertain_rule"]
        if alerts:
            hits.append((os.path.relpath(path, root), alerts[0].get("text", "")))
n = len(cases)
print(f"alert.verify_uncertain_rule: {len(hits)} of {n} cases ({100.0 * len(hits) / max(n, 1):.1f} %); {errors} not evaluated")
if "--list" in sys.argv:
    for p, t in hits:
        print(f"  {p}: {t}")
