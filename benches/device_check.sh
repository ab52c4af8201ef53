#!/usr/bin/env bash
# Device check: everything that needs a GPU, in one run of at most 8 minutes.
#
#   bash benches/device_check.sh [--out DIR] [--wheels DIR] [--quick] [--bench-args "..."]
#                                [--tests-args "..."] [--skip-preflight]
#
# 0. preflight (benches/device_check_preflight.py): driver and CUDA version, a GPU, cuBLAS
#    (`import cupy.cublas`, a @ b), cuSOLVER (a tiny linalg.solve), an NVRTC compile and launch,
#    NCCL if present; the first thing missing stops the check with one line saying what and how
#    to get it (exit status 3);
# 1. `gpu-laddu info` (GPUs, memory, CUDA runtime and driver, backends, MPI) and nvidia-smi;
# 2. the GPU-marked tests (pytest -m gpu), then every backend-fixture test with cupy (-k cupy):
#    each first listed with --collect-only, then run with JUnit XML;
# 3. the GPU benchmark (benches/bench_gpu.py: K-matrix model, 1M and 10M events, f64 and f32);
# 4. a report (benches/device_check_report.py): device_check.json and device_check.md (plus
#    bench_gpu.*, the tests' JUnit XML, steps.tsv and the whole log) in --out, else $OUT, else
#    benches/results/device_check.
#
# Every step's exit status is recorded in steps.tsv (never lost in a pipe), and a test suite
# counts as passed only when pytest exited 0 and every collected test has a result: a timeout
# that leaves tests unrun is a FAIL.  The exit status is 0 only when the report says OK.
#
# Needs only python3 with numpy, pyarrow, cupy-cuda13x with its CUDA libraries (cupy-cuda13x[ctk]
# or the nvidia-* wheels, see docker/requirements-cuda.txt), numba and pytest: the package runs
# from the checkout (PYTHONPATH, no pip install).  Tests needing a package that is absent
# (iminuit, scipy) are left out and the report says so.  Wheels in --wheels DIR (default ./.whl
# when present) are installed into a virtual environment that sees the system's packages, so
# CuPy's library finder finds the nvidia-* libraries in its site-packages (LD_LIBRARY_PATH is
# set to them as well).  --quick runs the benchmark at 1M events only; --bench-args replaces
# the benchmark's arguments and --tests-args adds pytest arguments to both test runs (a dry run
# of this script on a CPU: --skip-preflight --bench-args "--backend numba --events 20000
# --numba-events 10000").
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${OUT:-$ROOT/benches/results/device_check}"
WHEELS="$ROOT/.whl"
SIZES="1000000,10000000"
BENCH_ARGS=""
TESTS_ARGS=""
PREFLIGHT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT_DIR="$2"; shift 2 ;;
    --wheels) WHEELS="$2"; shift 2 ;;
    --quick) SIZES="1000000"; shift ;;
    --bench-args) BENCH_ARGS="$2"; shift 2 ;;
    --tests-args) TESTS_ARGS="$2"; shift 2 ;;
    --skip-preflight) PREFLIGHT=0; shift ;;
    *) echo "usage: bash benches/device_check.sh [--out DIR] [--wheels DIR] [--quick] [--bench-args ARGS]" \
            "[--tests-args ARGS] [--skip-preflight]" >&2
       exit 2 ;;
  esac
done
TOTAL="${DEVICE_CHECK_SECONDS:-480}"
START=$SECONDS
PY="${PYTHON:-python3}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
WORK="$(mktemp -d -t gpu_laddu_device_check.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
LOG="$OUT_DIR/device_check.log"
STEPS="$OUT_DIR/steps.tsv"
: > "$LOG"
: > "$STEPS"
rm -f "$OUT_DIR"/tests_*.xml "$OUT_DIR"/collected_*.txt "$OUT_DIR"/preflight.txt "$OUT_DIR"/bench_gpu.json \
  "$OUT_DIR"/device_check.json "$OUT_DIR"/device_check.md
say() { echo "[device_check $((SECONDS - START))s] $*" | tee -a "$LOG"; }
left() { echo $((TOTAL - (SECONDS - START))); }
# step NAME TAIL COMMAND...: runs COMMAND with its output in the log and in $WORK/NAME.out,
# records its exit status in steps.tsv and shows the last TAIL lines.
step() {
  local name="$1" tail_lines="$2" rc t0=$SECONDS
  shift 2
  "$@" > "$WORK/$name.out" 2>&1
  rc=$?
  cat "$WORK/$name.out" >> "$LOG"
  [ "$tail_lines" -eq 0 ] || tail -n "$tail_lines" "$WORK/$name.out"
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - t0))" >> "$STEPS"
  say "step $name: exit status $rc"
  return "$rc"
}

cd "$ROOT" || exit 2
if compgen -G "$WHEELS/*.whl" > /dev/null; then
  say "installing wheels from $WHEELS into a virtual environment (system packages visible)"
  if step venv 0 "$PY" -m venv --system-site-packages "$WORK/venv" \
     && step wheels 5 "$WORK/venv/bin/python" -m pip install -q --no-index --no-deps --no-compile \
          --no-cache-dir "$WHEELS"/*.whl; then
    PY="$WORK/venv/bin/python"
    # CuPy's finder looks in site-packages/nvidia/*/lib; the loader path covers anything else.
    NV_LIBS="$(compgen -G "$WORK/venv/lib/python*/site-packages/nvidia/*/lib" | paste -sd: -)"
    [ -z "$NV_LIBS" ] || export LD_LIBRARY_PATH="$NV_LIBS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    say "nvidia libraries: ${NV_LIBS:-none}"
  else
    say "FAILED: the wheels in $WHEELS did not install (see $LOG)"
    exit 3
  fi
fi
say "python: $PY"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
export CUPY_CACHE_DIR="$WORK/cupy" GPU_LADDU_CACHE_DIR="$WORK/gpu_laddu" MPLBACKEND=Agg

if [ "$PREFLIGHT" -eq 1 ]; then
  say "0/4 preflight"
  step preflight 0 timeout 120 "$PY" benches/device_check_preflight.py
  rc=$?
  tail -n 1 "$WORK/preflight.out" > "$OUT_DIR/preflight.txt"
  if [ "$rc" -ne 0 ]; then
    [ -s "$OUT_DIR/preflight.txt" ] || echo "preflight FAILED: exit status $rc, no output" > "$OUT_DIR/preflight.txt"
    echo "device_check: $(cat "$OUT_DIR/preflight.txt")" | tee -a "$LOG"
    exit 3
  fi
  cat "$OUT_DIR/preflight.txt"
else
  echo "preflight skipped (--skip-preflight)" > "$OUT_DIR/preflight.txt"
  printf 'preflight\t0\t0\n' >> "$STEPS"
fi

say "1/4 info"
step nvidia_smi 0 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
step info 0 timeout 60 "$PY" -m gpu_laddu.cli info --json
# the JSON alone (stderr went to the same file): the last line that starts a JSON object onwards
sed -n '/^{/,$p' "$WORK/info.out" > "$WORK/info.json"

# Tests that need a package absent here are left out by name (their backends are tested in CI).
EXCLUDE=""
"$PY" -c "import iminuit" 2> /dev/null || EXCLUDE="$EXCLUDE and not migrad"
"$PY" -c "import scipy" 2> /dev/null || EXCLUDE="$EXCLUDE and not lbfgsb"
run_tests() {  # name, seconds, pytest arguments...
  local name="$1" limit="$2"
  shift 2
  say "2/4 $name tests (at most ${limit}s): $*"
  # shellcheck disable=SC2086  # TESTS_ARGS is a list of arguments
  step "collect_$name" 0 timeout 120 "$PY" -m pytest tests -q --collect-only --continue-on-collection-errors \
    -p no:cacheprovider "$@" $TESTS_ARGS
  cp "$WORK/collect_$name.out" "$OUT_DIR/collected_$name.txt"
  # shellcheck disable=SC2086
  step "tests_$name" 25 timeout -s INT -k 20 "$limit" "$PY" -m pytest tests -q --continue-on-collection-errors \
    -p no:cacheprovider --junitxml="$OUT_DIR/tests_$name.xml" "$@" $TESTS_ARGS
}
GPU_ARGS=(-m gpu)
[ -z "$EXCLUDE" ] || GPU_ARGS+=(-k "${EXCLUDE# and }")
run_tests gpu "${DEVICE_CHECK_GPU_TESTS_SECONDS:-120}" "${GPU_ARGS[@]}"
CUPY_LIMIT=$(( $(left) - 240 ))  # the benchmark keeps 240 s
CUPY_LIMIT=$(( CUPY_LIMIT > 150 ? 150 : (CUPY_LIMIT < 60 ? 60 : CUPY_LIMIT) ))
run_tests cupy "${DEVICE_CHECK_CUPY_TESTS_SECONDS:-$CUPY_LIMIT}" -m "not gpu" -k "cupy${EXCLUDE}"

BENCH_LEFT=$(( $(left) - 25 ))
BENCH_LEFT=$(( BENCH_LEFT < 60 ? 60 : BENCH_LEFT ))
say "3/4 benchmark (at most ${BENCH_LEFT}s)"
[ -n "$BENCH_ARGS" ] || BENCH_ARGS="--backend cupy --events $SIZES"
# shellcheck disable=SC2086  # BENCH_ARGS is a list of arguments
step bench 30 timeout -s INT -k 15 "$BENCH_LEFT" "$PY" benches/bench_gpu.py $BENCH_ARGS \
  --time-budget $(( BENCH_LEFT - 45 > 10 ? BENCH_LEFT - 45 : 10 )) --out "$OUT_DIR"

say "4/4 report"
"$PY" benches/device_check_report.py "$OUT_DIR" "$WORK/info.json" "$EXCLUDE" "$((SECONDS - START))" \
  > "$WORK/report.out" 2>&1
rc=$?
tee -a "$LOG" < "$WORK/report.out"
say "done: $OUT_DIR/device_check.md (exit status $rc)"
exit "$rc"
