#!/usr/bin/env bash
# Regenerates the FFM bindings (bindings/src/main/java/dev/ct2j/bindings) from native/include/ct2j.h.
# With jextract on PATH it runs jextract; otherwise bindings/tools/gen_bindings.py writes the same
# layout (libclang from the project venv). BindingsMatchHeaderTest fails when they drift apart.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$ROOT/bindings/src/main/java"
rm -rf "$OUT/dev/ct2j/bindings"
if command -v jextract >/dev/null 2>&1; then
  jextract --target-package dev.ct2j.bindings --output "$OUT" \
    --include-function 'ct2j_.*' --include-struct 'ct2j_.*' --include-constant 'CT2J_.*' \
    "$ROOT/native/include/ct2j.h"
else
  "$ROOT/parity/setup-venv.sh"
  "$ROOT/.venv/bin/python" "$ROOT/bindings/tools/gen_bindings.py" "$ROOT/native/include/ct2j.h" "$OUT/dev/ct2j/bindings"
fi
