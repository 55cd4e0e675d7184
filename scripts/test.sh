#!/usr/bin/env bash
# The test command: builds what is missing, then runs the native shim tests and the Java tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/setup.sh
parity/setup-venv.sh
MODEL_DIR=$(scripts/install-model.sh base)

echo "== native shim tests (C API, no JVM)"
CT2J_MODEL_DIR="$MODEL_DIR" CT2J_TEST_AUDIO="$ROOT/../shared/data/jfk.flac" build/native/ct2j_native_test | tee build/native-test.log

echo "== native shim tests under AddressSanitizer/LeakSanitizer"
CT2J_MODEL_DIR="$MODEL_DIR" CT2J_TEST_AUDIO="$ROOT/../shared/data/jfk.flac" scripts/native-leak-check.sh

echo "== Java tests"
./mvnw -B test -Dct2j.model.dir="$MODEL_DIR" "$@"

echo "== parity with faster-whisper 1.2.1"
parity/check parity/manifest.jsonl | tee build/parity.log

# One closing line over all three suites (each has already failed the script if it failed).
native=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' build/native-test.log)
java=$(cat target/surefire-reports/*.txt | sed -n 's/^Tests run: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\), Skipped: \([0-9]*\).*/\1 \2 \3 \4/p' \
  | awk '{r+=$1; f+=$2+$3; s+=$4} END {print r-f-s, f, s}')
parity=$(sed -n 's/^parity: \([0-9]*\)\/\([0-9]*\) cases identical$/\1 \2/p' build/parity.log)
read -r np nf <<< "$native"; read -r jp jf js <<< "$java"; read -r pi pt <<< "$parity"
echo "native ${np} passed, java ${jp} passed (${js} skipped), parity ${pi}/${pt} identical"
echo "ct2j: $((np + jp + pi)) passed, $((nf + jf + pt - pi)) failed, ${js} skipped"
