#!/usr/bin/env bash
# Device check: everything that needs a GPU, in one run of at most 8 minutes.
#
#   bash benches/device_check.sh [--out DIR] [--wheels DIR] [--quick] [--bench-args "..."]
#
# 1. `gpu-laddu info` (GPUs, memory, CUDA runtime and driver, backends, MPI) and nvidia-smi;
# 2. the GPU-marked tests (pytest -m gpu), then every backend-fixture test with cupy (-k cupy);
# 3. the GPU benchmark (benches/bench_gpu.py: K-matrix model, 1M and 10M events, f64 and f32);
# 4. a report: device_check.json and device_check.md (plus bench_gpu.*, the tests' JUnit XML
#    and the whole log) in --out, else $OUT, else benches/results/device_check.
#
# Needs only python3 with numpy, pyarrow, cupy-cuda13x (+ NVRTC), numba and pytest: the
# package runs from the checkout (PYTHONPATH, no pip install).  Tests needing a package that
# is absent (iminuit, scipy) are left out and the report says so; wheels in --wheels DIR
# (default ./.whl when present) are installed into a temporary folder first.  --quick runs the
# benchmark at 1M events only; --bench-args replaces the benchmark's arguments (a dry run of
# this script on a CPU: --bench-args "--backend numba --events 20000 --numba-events 10000").
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${OUT:-$ROOT/benches/results/device_check}"
WHEELS="$ROOT/.whl"
SIZES="1000000,10000000"
BENCH_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT_DIR="$2"; shift 2 ;;
    --wheels) WHEELS="$2"; shift 2 ;;
    --quick) SIZES="1000000"; shift ;;
    --bench-args) BENCH_ARGS="$2"; shift 2 ;;
    *) echo "usage: bash benches/device_check.sh [--out DIR] [--wheels DIR] [--quick] [--bench-args ARGS]" >&2
       exit 2 ;;
  esac
done
TOTAL=480
START=$SECONDS
PY="${PYTHON:-python3}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
WORK="$(mktemp -d -t gpu_laddu_device_check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
LOG="$OUT_DIR/device_check.log"
: > "$LOG"
say() { echo "[device_check $((SECONDS - START))s] $*" | tee -a "$LOG"; }
left() { echo $((TOTAL - (SECONDS - START))); }

cd "$ROOT" || exit 2
if compgen -G "$WHEELS/*.whl" > /dev/null; then
  say "installing wheels from $WHEELS"
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$WORK/site" "$WHEELS"/*.whl \
    >> "$LOG" 2>&1 || say "wheel install failed"
  export PYTHONPATH="$WORK/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export CUPY_CACHE_DIR="$WORK/cupy" GPU_LADDU_CACHE_DIR="$WORK/gpu_laddu" MPLBACKEND=Agg

say "1/4 info"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >> "$LOG" 2>&1 \
  || say "nvidia-smi unavailable"
timeout 60 "$PY" -m gpu_laddu.cli info --json > "$WORK/info.json" 2>> "$LOG" || say "gpu-laddu info failed"
cat "$WORK/info.json" >> "$LOG" 2>/dev/null

# Tests that need a package absent here are left out by name (their backends are tested in CI).
EXCLUDE=""
"$PY" -c "import iminuit" 2> /dev/null || EXCLUDE="$EXCLUDE and not migrad"
"$PY" -c "import scipy" 2> /dev/null || EXCLUDE="$EXCLUDE and not lbfgsb"
run_tests() {  # name, seconds, pytest arguments...
  local name="$1" limit="$2"
  shift 2
  say "2/4 $name tests (at most ${limit}s): $*"
  timeout -s INT -k 20 "$limit" "$PY" -m pytest tests -q --continue-on-collection-errors \
    --junitxml="$OUT_DIR/tests_$name.xml" "$@" 2>&1 | tee -a "$LOG" | tail -n 25
}
GPU_ARGS=(-m gpu)
[ -z "$EXCLUDE" ] || GPU_ARGS+=(-k "${EXCLUDE# and }")
run_tests gpu 120 "${GPU_ARGS[@]}"
CUPY_LIMIT=$(( $(left) - 240 ))  # the benchmark keeps 240 s
run_tests cupy $(( CUPY_LIMIT > 150 ? 150 : (CUPY_LIMIT < 60 ? 60 : CUPY_LIMIT) )) -m "not gpu" -k "cupy${EXCLUDE}"

BENCH_LEFT=$(( $(left) - 25 ))
say "3/4 benchmark (at most ${BENCH_LEFT}s)"
[ -n "$BENCH_ARGS" ] || BENCH_ARGS="--backend cupy --events $SIZES"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of arguments
timeout -s INT -k 15 "$BENCH_LEFT" "$PY" benches/bench_gpu.py $BENCH_ARGS --time-budget $(( BENCH_LEFT - 45 )) \
  --out "$OUT_DIR" 2>&1 | tee -a "$LOG" | tail -n 30

say "4/4 report"
"$PY" - "$OUT_DIR" "$WORK/info.json" "$EXCLUDE" "$((SECONDS - START))" <<'PYEOF' 2>&1 | tee -a "$LOG"
import json, sys
import xml.etree.ElementTree as ET
from pathlib import Path

out, info_path, exclude, elapsed = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
report = {"elapsed_s": elapsed, "excluded": exclude.replace(" and not ", " ").split(), "tests": {}}
try:
    report["info"] = json.loads(info_path.read_text())
except (OSError, ValueError):
    report["info"] = None
for name in ("gpu", "cupy"):
    path = out / f"tests_{name}.xml"
    if not path.exists():
        report["tests"][name] = {"ran": False}
        continue
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    failed, uncollected = [], []
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for case in suite.iter("testcase"):
        counts["tests"] += 1
        problems = [(tag, case.find(tag)) for tag in ("failure", "error") if case.find(tag) is not None]
        if case.find("skipped") is not None and not problems:
            counts["skipped"] += 1
        for tag, node in problems[:1]:
            text = node.text or ""
            if node.get("message") == "collection failure" and "ModuleNotFoundError" in text:
                missing = [line for line in text.splitlines() if "ModuleNotFoundError" in line]
                uncollected.append(f"{case.get('name')}: {missing[-1].strip() if missing else 'a package is missing'}")
                counts["tests"] -= 1  # a module this machine lacks a package for: reported, not failed
                continue
            counts["failures" if tag == "failure" else "errors"] += 1
            message = (node.get("message") or text).strip().splitlines()
            failed.append(f"{case.get('classname')}::{case.get('name')}: {message[0][:200] if message else tag}")
    counts["passed"] = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    report["tests"][name] = {"ran": True, **counts, "time_s": float(suite.get("time", 0)), "failed": failed,
                             "not_collected": uncollected}
try:
    report["bench"] = json.loads((out / "bench_gpu.json").read_text())
except (OSError, ValueError):
    report["bench"] = None
report["gpu_found"] = bool((report["info"] or {}).get("gpus") or (report["bench"] or {}).get("gpus"))
report["ok"] = (report["gpu_found"] and report["bench"] is not None
                and all(t.get("ran") and not t["failures"] and not t["errors"] for t in report["tests"].values()))
(out / "device_check.json").write_text(json.dumps(report, indent=2))

lines = [f"# gpu_laddu device check: {'OK' if report['ok'] else 'FAILED'} ({elapsed} s)", ""]
info = report["info"] or {}
if not report["gpu_found"]:
    lines.append("- no usable GPU was found: the GPU tests were skipped")
for g in info.get("gpus", []):
    lines.append(f"- GPU {g['index']}: {g['name']}, {g['memory_total_gib']} GiB, compute {g['compute_capability']}")
lines.append(f"- CUDA runtime {info.get('cuda_runtime')}, driver {info.get('cuda_driver')}, cupy {info.get('cupy')}, "
             f"numba {info.get('numba')}, python {info.get('python')}, MPI: {(info.get('mpi') or {}).get('library')}")
if report["excluded"]:
    lines.append(f"- left out (package absent): tests named {', '.join(report['excluded'])}")
lines += ["", "| tests | passed | failed | errors | skipped | time |", "|---|---|---|---|---|---|"]
for name, t in report["tests"].items():
    if t["ran"]:
        lines.append(f"| {name} | {t['passed']} | {t['failures']} | {t['errors']} | {t['skipped']} | {t['time_s']:.0f} s |")
    else:
        lines.append(f"| {name} | did not run | | | | |")
for name, t in report["tests"].items():
    for f in t.get("failed", []):
        lines.append(f"- {name}: {f}")
    for f in t.get("not_collected", []):
        lines.append(f"- {name}: not collected, {f}")
lines.append("")
bench_md = out / "bench_gpu.md"
lines.append(bench_md.read_text() if bench_md.exists() else "benchmark: no result (see device_check.log)")
(out / "device_check.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines[:12]))
PYEOF
say "done: $OUT_DIR/device_check.md"
"$PY" -c "import json,sys; sys.exit(0 if json.load(open('$OUT_DIR/device_check.json'))['ok'] else 1)"
