#!/usr/bin/env bash
# Engine speed: encode + generate (beam 5) on jfk's 30 s window, base model, 2 threads, through
# ct2j (our CTranslate2 build, FFM) and through the official ctranslate2 wheel of the same version
# from PyPI, alternating sides. Prints each side's timings and the ratio ct2j/wheel per compute type.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/env.sh"
REPEAT=${REPEAT:-7}
ROUNDS=${ROUNDS:-2}
"$ROOT/scripts/setup.sh"
"$ROOT/parity/setup-venv.sh" --without-binding
WHEEL_VENV="$ROOT/.venv-wheel"
if [ ! -x "$WHEEL_VENV/bin/python" ]; then
  python3 -m venv "$WHEEL_VENV"
  "$WHEEL_VENV/bin/pip" install --quiet --disable-pip-version-check ctranslate2==4.8.4 numpy==2.4.6
fi
MODEL_DIR=$("$ROOT/scripts/install-model.sh" base)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$ROOT/.venv/bin/python" "$ROOT/parity/tools/reference_features.py" "$ROOT/../shared/data/jfk.flac" 80 "$work" >/dev/null
for ct in int8 float32; do
  for round in $(seq "$ROUNDS"); do
    OMP_NUM_THREADS=2 "$WHEEL_VENV/bin/python" "$ROOT/benchmarks/engine_wheel.py" "$work/features.f32" "$MODEL_DIR" "$ct" 2 "$REPEAT" | tee -a "$work/results.jsonl"
    OMP_NUM_THREADS=2 "$ROOT/tools/run" bench-engine --features "$work/features.f32" --model "$MODEL_DIR" --compute-type "$ct" --threads 2 --repeat "$REPEAT" 2>/dev/null | tee -a "$work/results.jsonl"
  done
done
"$ROOT/.venv/bin/python" - "$work/results.jsonl" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
for ct in ("int8", "float32"):
    j = statistics.median(r["median_s"] for r in rows if r["compute_type"] == ct and r["side"] == "ct2j")
    w = statistics.median(r["median_s"] for r in rows if r["compute_type"] == ct and r["side"] != "ct2j")
    print(f"{ct}: ct2j {j*1000:.1f} ms, official wheel {w*1000:.1f} ms, ratio: {j/w:.3f}")
PY
