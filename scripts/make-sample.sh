#!/usr/bin/env bash
# Makes build/sample.wav, the README's first example, from a clone alone: one sentence spoken by
# espeak-ng (installed with apt-get when missing). The repo ships no audio of its own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
OUT="$ROOT/build/sample.wav"
[ -s "$OUT" ] && { echo "$OUT"; exit 0; }
if ! command -v espeak-ng >/dev/null; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends espeak-ng >&2
fi
mkdir -p "$ROOT/build"
espeak-ng -v en-us -s 150 -w "$OUT.tmp" \
  "Hello from the Java virtual machine. This short sample was made by a speech synthesizer, so the first command needs nothing else."
mv "$OUT.tmp" "$OUT"
echo "$OUT"
