#!/usr/bin/env bash
# The one entry point on the GPU machine (docs/gpu.md). The kit travels as parts over several
# device calls (gpu/build-kit.sh); every call runs this script:
#   gpu/run.sh --receive       checks the parts that have arrived so far, prints what is missing
#   gpu/run.sh                 checks all parts, unpacks, checks the GPU, then runs the steps
#   gpu/run.sh --dry-run [--kit DIR]
#                              the same steps on this CPU machine with --device cpu, from an
#                              unpacked kit (default: build-kit.sh's parts unpacked into a temp dir)
# Steps, each under its own time budget (seconds), so that a full run stays under 8 minutes:
#   smoke 20, reference 150, ct2j 150, compare 20, memcheck 110 (+ unpack and nvidia-smi ~20)
# Figures go to $OUT (default build/gpu-out) as at most 8 small files: summary.txt, env.txt,
# memcheck.txt, parity.txt, throughput.txt, reference.jsonl, ct2j.jsonl, run.log.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XFER="$ROOT/build/gpu-xfer"
MODE=run
KIT=
while [ $# -gt 0 ]; do
  case "$1" in
    --receive) MODE=receive ;;
    --dry-run) MODE=dry ;;
    --kit) KIT=$(realpath "${2:?--kit needs a directory}"); shift ;;
    *) echo "usage: gpu/run.sh [--receive | --dry-run [--kit DIR]]" >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$ROOT/build/gpu-out}
mkdir -p "$OUT"
started=$SECONDS

# ---- the parts -----------------------------------------------------------------------------------
check_parts() { # prints one line per part; returns 1 if any is missing or corrupt
  [ -f "$XFER/parts.sha256" ] || { echo "receive: $XFER/parts.sha256 is missing (carry build/gpu-xfer/parts.sha256)"; return 1; }
  local ok=0 bad=0 missing=() name
  while read -r sum name; do
    if [ ! -f "$XFER/$name" ]; then missing+=("$name")
    elif [ "$(sha256sum "$XFER/$name" | cut -c1-64)" = "$sum" ]; then ok=$((ok + 1))
    else echo "receive: $name is corrupt (sha256 differs)"; bad=$((bad + 1)); fi
  done < "$XFER/parts.sha256"
  echo "receive: $ok of $(wc -l < "$XFER/parts.sha256") parts present and intact${missing:+; missing: ${missing[*]}}"
  [ ${#missing[@]} -eq 0 ] && [ "$bad" -eq 0 ]
}
if [ "$MODE" = receive ]; then
  check_parts
  echo "receive: $((SECONDS - started)) s"
  exit 0
fi

LOG="$OUT/run.log"
: > "$LOG"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
say() { echo "$*" | tee -a "$SUMMARY"; }
# step NAME BUDGET CMD...: runs CMD under `timeout`, logs its output, records its time
FAILED=()
step() {
  local name=$1 budget=$2; shift 2
  local t0=$SECONDS status
  echo "== $name (budget $budget s)" >> "$LOG"
  timeout --kill-after=5 "$budget" "$@" >> "$LOG" 2>&1
  status=$?
  local verdict=ok
  [ $status -eq 124 ] || [ $status -eq 137 ] && verdict="TIMED OUT"
  [ $status -ne 0 ] && [ "$verdict" = ok ] && verdict="FAILED (exit $status)"
  [ "$verdict" = ok ] || FAILED+=("$name")
  say "step $name: $verdict, $((SECONDS - t0)) s of $budget s"
  return 0
}

# xz, or Python's lzma where the machine has no xz
unxz_kit() {
  if command -v xz >/dev/null; then xz -T0 -dc kit.tar.xz
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open("kit.tar.xz"), sys.stdout.buffer)'; fi
}
if [ -z "$KIT" ]; then
  if [ "$MODE" = dry ]; then KIT=$(mktemp -d "${TMPDIR:-/tmp}/ct2j-kit.XXXXXX"); trap 'rm -rf "$KIT"' EXIT
  else KIT="$ROOT/build/gpu-kit"; fi
  check_parts | tee -a "$SUMMARY" || { say "run: the kit is incomplete; send the missing parts first (docs/gpu.md)"; exit 1; }
  stamp=$(sha256sum "$XFER/parts.sha256" | cut -c1-64)
  if [ "$(cat "$KIT/.unpacked" 2>/dev/null)" != "$stamp" ]; then
    t0=$SECONDS
    rm -rf "$KIT" && mkdir -p "$KIT"
    cat "$XFER"/part-* | tar -C "$KIT" -xf - \
      && (cd "$KIT" && unxz_kit | tar -xf - && tar -xf models.tar && rm -f kit.tar.xz models.tar) \
      || { say "run: unpacking failed"; exit 1; }
    echo "$stamp" > "$KIT/.unpacked"
    say "unpack: $((SECONDS - t0)) s ($(du -sm "$KIT" | cut -f1) MiB)"
  fi
fi
for need in jre/bin/java native/libct2j.so native/libctranslate2.so.4 py/site/faster_whisper models/base/model.bin \
            manifest-gpu.jsonl KIT_INFO; do
  [ -e "$KIT/$need" ] || { say "run: the kit at $KIT has no $need"; exit 1; }
done
sed 's/^/kit: /' "$KIT/KIT_INFO" >> "$SUMMARY"

# ---- the machine ---------------------------------------------------------------------------------
ENV="$OUT/env.txt"
{ echo "mode: $MODE"; uname -a; nproc; free -m | head -n 2; cat "$KIT/KIT_INFO"; } > "$ENV" 2>&1
if [ "$MODE" = dry ]; then
  DEVICE=cpu
  PY=${CT2J_DRY_PYTHON:-$ROOT/.venv/bin/python}
  # The venv gives only what differs by Python version (numpy, PyYAML, onnxruntime): everything
  # else is imported from the kit (reference_gpu.py checks faster_whisper and ctranslate2).
  PYPATH="$KIT/py/site"
  THREADS=2
else
  DEVICE=cuda
  grep -q '^engine=cuda ' "$KIT/KIT_INFO" \
    || { say "run: this kit carries the CPU engine in the CUDA one's place (CT2J_KIT_ENGINE): dry runs only"; exit 1; }
  PY=python3
  PYPATH="$KIT/py/site:$KIT/py/cp312"
  THREADS=4
  if ! nvidia-smi >> "$ENV" 2>&1; then say "run: nvidia-smi failed: no GPU"; exit 1; fi
  nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version --format=csv,noheader | sed 's/^/gpu: /' | tee -a "$SUMMARY"
  # libcublas.so.13, which CTranslate2 opens at run time, from the machine's nvidia-cublas wheel
  cublas=$("$PY" -c 'import glob, site, os; print(next(iter(sorted({os.path.dirname(p) for d in site.getsitepackages() for p in glob.glob(d + "/nvidia/cu13/lib/libcublas.so.13")})), ""))' 2>/dev/null)
  [ -n "$cublas" ] || cublas=$(ldconfig -p 2>/dev/null | sed -n 's/.*libcublas\.so\.13 .*=> \(.*\)\/libcublas\.so\.13$/\1/p' | head -n 1)
  [ -n "$cublas" ] || { say "run: libcublas.so.13 found neither in the machine's site-packages (nvidia-cublas) nor by ldconfig"; exit 1; }
  export LD_LIBRARY_PATH="$cublas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "libcublas: $cublas" >> "$ENV"
fi
"$PY" --version >> "$ENV" 2>&1
# Every cache in the kit's folder: the machine's home may be read-only or shared.
export CT2J_MODELS="$KIT/models" HF_HUB_OFFLINE=1 MALLOC_ARENA_MAX=2 CT2J_CACHE="$KIT/.cache" \
  DJL_CACHE_DIR="$KIT/.cache/djl" ENGINE_CACHE_DIR="$KIT/.cache/djl" TMPDIR="${TMPDIR:-/tmp}"
export LD_LIBRARY_PATH="$KIT/native${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
JAVA=("$KIT/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m -Dct2j.native.lib="$KIT/native/libct2j.so"
  -cp "$KIT/lib/*" dev.ct2j.tools.Tools)

# The cases: on CPU (dry run) the jfk ones, with float16 -> float32 and int8_float16 -> int8.
CASES="$KIT/.cases.jsonl" # beside the kit: audio paths in the cases are relative to it
"$PY" - "$KIT/manifest-gpu.jsonl" "$CASES" "$MODE" <<'EOF'
import json, sys
src, dst, mode = sys.argv[1:4]
cpu = {"float16": "float32", "int8_float16": "int8"}
with open(src) as f, open(dst, "w") as out:
    for line in f:
        case = json.loads(line)
        if mode == "dry":
            if "jfk" not in case["audio"]:
                continue
            case["device"] = "cpu"
            case["compute_type"] = cpu.get(case["compute_type"], case["compute_type"])
        out.write(json.dumps(case) + "\n")
EOF

# ---- the steps -----------------------------------------------------------------------------------
step smoke 20 "$KIT/native/ct2j_cuda_smoke"
# Here only: the shim's C test suite on the kit's CUDA build (its CPU paths); on the GPU machine
# the device time goes to the GPU steps.
[ "$MODE" = dry ] && step native 60 env CT2J_MODEL_DIR="$KIT/models/base" CT2J_TEST_AUDIO="$KIT/audio/jfk.flac" \
  "$KIT/native/ct2j_native_test"
step reference 150 env PYTHONPATH="$PYPATH" OMP_NUM_THREADS=$THREADS "$PY" "$ROOT/gpu/reference_gpu.py" "$KIT" \
  "$KIT/.cases.jsonl" "$OUT/reference.jsonl" "$THREADS"
step ct2j 150 env OMP_NUM_THREADS=$THREADS "${JAVA[@]}" parity-run "$KIT/.cases.jsonl" --out "$OUT/ct2j.jsonl" --threads "$THREADS"
# compare.py exits 1 when a case differs; on a GPU that can be nondeterminism, which parity.txt
# shows field by field, so the step fails only when compare itself did not finish.
step compare 20 bash -c '"$0" "$1/parity/compare.py" "$2" "$3/reference.jsonl" "$3/ct2j.jsonl" > "$3/parity.txt"; grep -q "^parity: " "$3/parity.txt"' \
  "$PY" "$ROOT" "$KIT/.cases.jsonl" "$OUT"
if [ "$MODE" = dry ]; then
  memcheck=(--device cpu --compute-type int8 --cycles 2 --threads 2)
else
  memcheck=(--device cuda --compute-type float16 --cycles 10 --threads 4)
fi
step memcheck 110 bash -c '"$@" > "'"$OUT"'/memcheck.txt"' _ "${JAVA[@]}" memcheck --model base --audio "$KIT/audio/jfk.flac" "${memcheck[@]}"

# ---- the figures ---------------------------------------------------------------------------------
"$PY" - "$OUT" "$KIT/.cases.jsonl" "$MODE" <<'EOF' 2>&1 | tee -a "$SUMMARY"
import json, os, sys
out, cases_path, mode = sys.argv[1:4]
def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return {}
    return {r["id"]: r for r in (json.loads(l) for l in open(path) if l.strip())}
cases = [json.loads(l) for l in open(cases_path) if l.strip()]
ref, got = load("reference.jsonl"), load("ct2j.jsonl")
# The GPU test group: every case runs on both sides without error and gives text.
group_ok = 0
for c in cases:
    ok = all(c["id"] in side and "error" not in side[c["id"]]
             and "".join(s["text"] for s in side[c["id"]].get("segments", [])).strip() for side in (ref, got))
    group_ok += ok
    if not ok:
        errors = [side.get(c["id"], {}).get("error", "no text") for side in (ref, got)]
        print(f"test group: {c['id']} failed: faster-whisper: {errors[0]}; ct2j: {errors[1]}")
print(f"test group ({mode}): {group_ok} passed, {len(cases) - group_ok} failed")
lines = ["case                       compute        fw s   ct2j s  ct2j/fw  audio s  fw xRT  ct2j xRT"]
for c in cases:
    r, g = ref.get(c["id"], {}), got.get(c["id"], {})
    if "seconds" not in r or "seconds" not in g or "info" not in g:
        continue
    duration = g["info"].get("duration") or 0
    lines.append(f"{c['id']:<26} {c['compute_type']:<13} {r['seconds']:6.2f} {g['seconds']:8.2f} {g['seconds'] / r['seconds']:8.3f}"
                 f" {duration:8.1f} {duration / r['seconds']:7.1f} {duration / g['seconds']:9.1f}")
with open(os.path.join(out, "throughput.txt"), "w") as f:
    f.write("Seconds per case, model load and decoding included on both sides (a fresh model per case);\n"
            "ct2j/fw < 1 means ct2j took less time; xRT = audio seconds per second.\n")
    f.write("\n".join(lines) + "\n")
for kind in ("sequential", "batched-8", "batched-16"):
    ids = [c["id"] for c in cases if c.get("throughput") == kind and c["id"] in ref and c["id"] in got
           and "seconds" in ref[c["id"]] and "seconds" in got[c["id"]]]
    if ids:
        fw = sum(ref[i]["seconds"] for i in ids)
        ct = sum(got[i]["seconds"] for i in ids)
        print(f"throughput {kind}: ct2j/faster-whisper time ratio {ct / fw:.3f} ({ct:.2f} s vs {fw:.2f} s over {len(ids)} cases)")
mem = os.path.join(out, "memcheck.txt")
if os.path.exists(mem):
    js = [l for l in open(mem) if l.startswith("{")]
    if js:
        m = json.loads(js[-1])
        if m.get("gpu_baseline_mb") is not None:
            print(f"gpu memory (MiB, device-wide): baseline {m['gpu_baseline_mb']:.1f}, loaded {m['gpu_loaded_mb']:.1f},"
                  f" transcribed {m['gpu_transcribed_mb']:.1f}, unloaded to cpu {m['gpu_after_unload_cpu_mb']:.1f},"
                  f" unloaded {m['gpu_after_unload_mb']:.1f}, after close {m['gpu_after_close_mb']:.1f}"
                  f" ({m['gpu_after_close_mb'] - m['gpu_baseline_mb']:+.1f} vs baseline; target within 16)")
        print(f"host rss (MB): start {m['rss_start_mb']:.1f}, after close {m['rss_after_close_mb']:.1f},"
              f" slope {m['rss_slope_mb_per_cycle']:.3f} MB/cycle over {m['cycles']} cycles")
EOF
grep -h '^parity: ' "$OUT/parity.txt" 2>/dev/null | tee -a "$SUMMARY"
FAILED=($(printf '%s\n' "${FAILED[@]}" | grep -v '^$'))
say "run ($MODE): $((SECONDS - started)) s in all; ${#FAILED[@]} steps failed${FAILED:+: ${FAILED[*]}}"
[ ${#FAILED[@]} -eq 0 ]
