#!/usr/bin/env bash
# The test command: builds what is missing, then runs the native shim tests and the Java tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/setup.sh
parity/setup-venv.sh
MODEL_DIR=$(scripts/install-model.sh base)

echo "== native shim tests (C API, no JVM)"
CT2J_MODEL_DIR="$MODEL_DIR" CT2J_TEST_AUDIO="$ROOT/../shared/data/jfk.flac" build/native/ct2j_native_test

echo "== Java tests"
./mvnw -B test -Dct2j.model.dir="$MODEL_DIR" "$@"

echo "== parity with faster-whisper 1.2.1"
parity/check parity/manifest.jsonl
