#!/usr/bin/env bash
# Creates the project venv (.venv): faster-whisper 1.2.1 and pinned dependencies, with the
# official ctranslate2 wheel replaced by CTranslate2's Python binding compiled from the same
# source against the same libctranslate2 that ct2j uses, so both sides of the parity harness run
# one engine. Idempotent: re-running only redoes what changed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$ROOT/parity/requirements.txt" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/parity/requirements.txt"
  echo "$want" > "$stamp"
  rm -f "$VENV/.ct2-binding"
fi
# whisper-ctranslate2, the reference of the output writers (parity/writers-check.sh and the
# dev.ct2j.output tests), without its dependencies: the ones it imports are already here.
writers_stamp="$VENV/.requirements-writers.sha256"
writers_want=$(sha256sum "$ROOT/parity/requirements-writers.txt" | cut -d' ' -f1)
if [ ! -f "$writers_stamp" ] || [ "$(cat "$writers_stamp")" != "$writers_want" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r "$ROOT/parity/requirements-writers.txt"
  echo "$writers_want" > "$writers_stamp"
fi
# OpenAI's official client, which the server tests call ct2j serve with (server/check.py).
server_stamp="$VENV/.requirements-server.sha256"
server_want=$(sha256sum "$ROOT/parity/requirements-server.txt" | cut -d' ' -f1)
if [ ! -f "$server_stamp" ] || [ "$(cat "$server_stamp")" != "$server_want" ]; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
    -r "$ROOT/parity/requirements-server.txt"
  echo "$server_want" > "$server_stamp"
fi
[ "${1:-}" = "--without-binding" ] && exit 0

CT2_PREFIX=$("$ROOT/native/build.sh" --deps-only)
binding_stamp="$VENV/.ct2-binding"
if [ ! -f "$binding_stamp" ] || [ "$(cat "$binding_stamp")" != "$CT2_PREFIX" ]; then
  wheels="$CACHE/wheels/$(basename "$CT2_PREFIX")"
  if ! ls "$wheels"/ctranslate2-*.whl >/dev/null 2>&1; then
    echo "[venv] building CTranslate2's Python binding against $CT2_PREFIX" >&2
    src=$(ls -d "$CACHE"/src/ct2rs-*/CTranslate2/python | head -n 1)
    build="$CACHE/build/python-binding"
    rm -rf "$build" && mkdir -p "$build" && cp -r "$src/." "$build/"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check pybind11==2.13.6 setuptools wheel
    (cd "$build" && CTRANSLATE2_ROOT="$CT2_PREFIX" LDFLAGS="-Wl,-rpath,$CT2_PREFIX/lib" \
       CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
       "$VENV/bin/pip" wheel --quiet --no-deps --no-build-isolation -w "$wheels" . >&2)
    rm -rf "$build"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheels"/ctranslate2-*.whl
  echo "$CT2_PREFIX" > "$binding_stamp"
fi
