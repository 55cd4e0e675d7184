#!/usr/bin/env bash
# parity/ct2/models.sh: prints (last stdout line) the folder holding the three tiny CTranslate2
# test models (translator, generator, encoder), building them with make-models.py when missing.
# The folder is named after make-models.py's hash: the weights come from its fixed seed, so a
# changed script means different models, and an unchanged one can reuse the cache across clones.
# Built into a temporary sibling and renamed, so an interrupted or concurrent build never leaves a
# half-written folder under the final name.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
SCRIPT="$ROOT/parity/ct2/make-models.py"
DIR="$CACHE/models/ct2-tiny-$(sha256sum "$SCRIPT" | cut -c1-12)"
if [ ! -f "$DIR/encoder/model.bin" ]; then
  mkdir -p "$CACHE/models"
  tmp=$(mktemp -d "$DIR.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "[ct2-models] building $DIR" >&2
  "$ROOT/.venv/bin/python" "$SCRIPT" "$tmp/models" >&2
  # Another build may have won the race; its result is the same bytes, so keep it.
  mv -T "$tmp/models" "$DIR" 2>/dev/null || [ -f "$DIR/encoder/model.bin" ]
fi
echo "$DIR"
