#!/usr/bin/env bash
# Installs and builds everything ct2j needs on a fresh machine; fast when already done.
#   - Debian packages (FFmpeg dev libraries, cmake, ninja, ...)
#   - CTranslate2 + the ct2j shim (native/build.sh; heavy parts cached in ~/.cache/ct2j)
#   - the default model, base, from PyPI (scripts/install-model.sh)
#   - the Java library (into the local Maven repository), the tools and the CLI (Maven Wrapper)
#   - build/sample.wav, the README's first example (espeak-ng)
#   - the command line's AOT cache (JDK 25, JEP 483/514), from one training run on it
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

# One line per step on stderr; each step's full output goes to build/setup.log, whose path (and
# last lines) are printed when a step fails.
mkdir -p build
LOG="$ROOT/build/setup.log"
: > "$LOG"
step() {
  local name=$1; shift
  local started=$SECONDS
  echo "== $name" >> "$LOG"
  if "$@" >> "$LOG" 2>&1; then
    echo "[setup] $name: ok ($((SECONDS - started)) s)" >&2
  else
    local status=$?
    echo "[setup] $name: FAILED (exit $status); full log: $LOG" >&2
    tail -n 20 "$LOG" | sed 's/^/[setup]   /' >&2
    exit "$status"
  fi
}

install_packages() {
  local packages=(cmake ninja-build pkg-config unzip nasm) missing=() p
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  local sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

stage_jar_data() {
  local vad
  vad=$(scripts/install-vad.sh)
  # numpy's SVML log10 table, read from the pinned numpy wheel: makes the features bit-exact.
  python3 scripts/extract-numpy-constants.py --quiet
  # The jar carries both (dev/ct2j/data/), taken from the same pinned wheels; never committed.
  mkdir -p build/jar-data
  cp -f "$vad" "$CT2J_CACHE/numpy-svml-log10.bin" build/jar-data/
}

# The library (with its natives) goes into the local Maven repository; the CLI and the tools are
# separate Maven projects that depend on it by its coordinates, as a user's project does.
build_java() {
  ./mvnw -q -B -DskipTests install
  ./mvnw -q -B -Dmaven.test.skip=true -f tools/pom.xml install
  ./mvnw -q -B -Dmaven.test.skip=true -f cli/pom.xml package
}

step "Debian packages" install_packages
command -v cargo >/dev/null || { echo "[setup] cargo is needed to fetch CTranslate2's source crate" >&2; exit 1; }
step "CTranslate2 and the ct2j shim (native/build.sh; about 25 min the first time)" native/build.sh
step "model base" scripts/install-model.sh base
step "Silero VAD and numpy's log10 table" stage_jar_data
step "Java library, tools and CLI (Maven)" build_java
step "build/sample.wav" scripts/make-sample.sh
step "the command line's AOT cache (one training run on build/sample.wav)" scripts/train-aot.sh
echo "[setup] ready: $(ls cli/target/ct2j-cli-*.jar) (log: $LOG)" >&2
