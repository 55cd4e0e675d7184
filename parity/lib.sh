# Shared by parity/check and parity/check-wheel (sourced, not run): the steps both take around
# their reference venv. Needs ROOT (the repository root) set and `set -euo pipefail` in the caller.
source "$ROOT/scripts/env.sh"

# parity_init NAME ARGS...: checks the arguments; sets MANIFEST (absolute) and THREADS.
parity_init() {
  local name=$1; shift
  [ $# -ge 1 ] || { echo "usage: parity/$name MANIFEST.jsonl" >&2; exit 2; }
  MANIFEST=$(realpath "$1")
  THREADS=${CT2J_PARITY_THREADS:-2}
}

# parity_setup: the ct2j side (native build, model, jar); parity_audio: the generated audio.
parity_setup() { "$ROOT/scripts/setup.sh"; }
parity_audio() { "$ROOT/parity/make-audio.sh" "$ROOT/build/parity-audio"; }

# parity_workdir: sets WORK, a temporary folder removed on exit. With CT2J_PARITY_KEEP=DIR the
# two result files (reference.jsonl, ct2j.jsonl) are copied to DIR before it goes.
parity_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ct2j-parity.XXXXXX")
  trap 'parity_keep; rm -rf "$WORK"' EXIT
}
parity_keep() {
  [ -n "${CT2J_PARITY_KEEP:-}" ] || return 0
  mkdir -p "$CT2J_PARITY_KEEP"
  cp -f "$WORK"/*.jsonl "$CT2J_PARITY_KEEP/" 2>/dev/null || true
}

# parity_reference VENV: faster-whisper 1.2.1 from VENV on every case -> $WORK/reference.jsonl.
parity_reference() {
  local venv=$1
  echo "[parity] faster-whisper ($(cd "$ROOT" && "$venv/bin/python" -c 'import faster_whisper, ctranslate2; print(faster_whisper.__version__, "on ctranslate2", ctranslate2.__version__, ctranslate2.__file__)'))" >&2
  OMP_NUM_THREADS=$THREADS "$venv/bin/python" "$ROOT/parity/reference.py" "$MANIFEST" "$WORK/reference.jsonl" "$THREADS"
}

# parity_ct2j: ct2j on every case -> $WORK/ct2j.jsonl.
parity_ct2j() {
  echo "[parity] ct2j" >&2
  OMP_NUM_THREADS=$THREADS "$ROOT/tools/run" parity-run "$MANIFEST" --out "$WORK/ct2j.jsonl" --threads "$THREADS"
}

# parity_compare VENV: the per-case table and "parity: X/Y cases identical"; exit 0 only if all are.
parity_compare() {
  "$1/bin/python" "$ROOT/parity/compare.py" "$MANIFEST" "$WORK/reference.jsonl" "$WORK/ct2j.jsonl"
}
