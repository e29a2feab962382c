#!/usr/bin/env bash
# Label the AllSides corpus (corpus/allsides) and record wall time, peak memory, sentence
# and pair counts next to the results.
#
# Usage (from anywhere; extra flags go to `python -m stance label`):
#   lab/benchmarks/label_allsides.sh                      # the project's model (settings: model = "auto")
#   lab/benchmarks/label_allsides.sh --model models/X --threads 2
# Environment:
#   CORPUS=corpus/allsides   the corpus to label (another one for a smoke test)
#   OUT=results/allsides     where the tables go (parquet) and timing.json is written
#   COLD=1                   score into a fresh, empty cache (an honest cold timing; the
#                            project cache .stance_cache is then not filled)
#   PYTHON=python            interpreter (default: .venv/bin/python when present)
#   OMP_WAIT_POLICY=PASSIVE  (default here) idle OpenMP threads sleep instead of spinning:
#                            on this shared 2-core machine that labelled 20 documents in
#                            42 s instead of 73 s (25 CPU s instead of 48); set ACTIVE to compare
set -euo pipefail
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
cd "$(dirname "$0")/../.."
CORPUS=${CORPUS:-corpus/allsides}
OUT=${OUT:-results/allsides}
PYTHON=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python)}
extra=("$@")
if [ "${COLD:-0}" = 1 ]; then
  cold_cache=$(mktemp -d)
  trap 'rm -rf "$cold_cache"' EXIT
  extra+=(--cache-dir "$cold_cache")
fi

"$PYTHON" - "$CORPUS" "$OUT" "${extra[@]}" <<'PY'
"""Run `stance label` as a child process, then write OUT/timing.json from its run.json."""
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone

corpus, out, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
cmd = [sys.executable, "-m", "stance", "label", corpus, "--out", out, "--format", "parquet", *extra]
print("+", " ".join(cmd), flush=True)
t0 = time.perf_counter()
rc = subprocess.call(cmd)
wall = time.perf_counter() - t0
if rc:
    sys.exit(rc)
run = json.load(open(os.path.join(out, "run.json")))
record = {
    "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    "command": " ".join(cmd),
    "model": run["model"], "model_fingerprint": run["model_fingerprint"],
    "documents": run["documents"], "sentences": run["sentences"],
    "target_sentences": run["target_sentences"],
    "pairs_scored": run["pairs_scored"], "pairs_cached": run["pairs_cached"],
    # each scored (sentence, target) pair is 3 premise/hypothesis passes through the model
    "nli_passes": 3 * run["pairs_scored"],
    "seconds_wall": round(wall, 1), "seconds_prepare": run["seconds_prepare"],
    "seconds_label": run["seconds_total"],
    "documents_per_s": round(run["documents"] / run["seconds_total"], 2),
    "target_sentences_per_s": round(run["target_sentences"] / run["seconds_total"], 1),
    "pairs_scored_per_s": round(run["pairs_scored"] / run["seconds_total"], 1),
    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
    "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
    "loadavg_end": round(os.getloadavg()[0], 2),  # a busy machine slows the run
}
with open(os.path.join(out, "timing.json"), "w") as fh:
    json.dump(record, fh, indent=1)
print(json.dumps(record, indent=1))
PY
