#!/usr/bin/env bash
# Writes the command line's AOT cache (see the ./ct2j launcher) with one training run: the README's
# first command on build/sample.wav, language detection included. Skipped when the cache for the
# current jars exists; CT2J_AOT=off in the environment turns the cache off.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
aot=$(ct2j_aot_cache)
if [ -f "$aot" ]; then
  echo "AOT cache up to date: $aot"
  exit 0
fi
CT2J_AOT_TRAIN=1 ./ct2j transcribe build/sample.wav --output-format jsonl > "$work/out.jsonl"
ls -la "$aot"
