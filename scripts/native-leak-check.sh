#!/usr/bin/env bash
# Native leak check: builds the ct2j shim and its C test (native/tests/ct2j_native_test.c) with
# AddressSanitizer + LeakSanitizer (gcc's libasan) in build/native-asan, against the same
# CTranslate2 and FFmpeg that native/build.sh uses, and runs the test with leak detection on.
#
# The test runs once without suppressions; every leak record whose stack has a frame in our
# code (native/src, native/tests) fails the check, whatever any suppression says. Leaks entirely
# inside third-party code we do not own (MKL, OpenMP, oneDNN, CTranslate2's caches) may be
# listed in native/tests/lsan.supp, one commented rule per library and reason; when such leaks
# occur the test runs a second time with that file and any leak it does not cover fails the
# check. (Today there are none: the file does not exist until a rule is needed.)
# Exit status: non-zero when a check of the test fails, on an ASan error, on a leak in our code
# or on an unsuppressed third-party leak. The test's closing line "N passed, N failed" is printed.
#
# Usage: scripts/native-leak-check.sh        (env: CT2J_MODEL_DIR, CT2J_TEST_AUDIO, CT2J_CACHE)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
BUILD="$ROOT/build/native-asan"
SUPP="$ROOT/native/tests/lsan.supp"
MODEL_DIR=${CT2J_MODEL_DIR:-$CACHE/models/base}
AUDIO=${CT2J_TEST_AUDIO:-$ROOT/../shared/data/jfk.flac}
JOBS=${CT2J_JOBS:-2}

log() { echo "[leak-check] $*" >&2; }

[ -f "$MODEL_DIR/model.bin" ] || { log "no model at $MODEL_DIR (scripts/install-model.sh base)"; exit 2; }
[ -f "$AUDIO" ] || { log "no test audio at $AUDIO"; exit 2; }

# The prefixes native/build.sh builds into (cached: this only prints the CTranslate2 prefix
# when it is already built).
CT2_PREFIX=$("$ROOT/native/build.sh" --deps-only | tail -n 1)
FFMPEG_PREFIX="$CACHE/ffmpeg-8.1.2-audio-static"
[ -f "$CT2_PREFIX/.ok" ] || { log "CTranslate2 is not built at $CT2_PREFIX (run native/build.sh)"; exit 2; }
[ -f "$FFMPEG_PREFIX/.ok" ] || { log "FFmpeg is not built at $FFMPEG_PREFIX (run native/build.sh)"; exit 2; }

ASAN_LIB=$(gcc -print-file-name=libasan.so)
[ -e "$ASAN_LIB" ] || { log "gcc's AddressSanitizer runtime is missing (apt-get install libasan8)"; exit 2; }

log "building the shim with -fsanitize=address in $BUILD"
mkdir -p "$BUILD"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
  -DCT2_ROOT="$CT2_PREFIX" -DFFMPEG_ROOT="$FFMPEG_PREFIX" -DCT2J_SANITIZE=ON >"$BUILD/cmake.log" 2>&1 \
  || { cat "$BUILD/cmake.log" >&2; exit 1; }
cmake --build "$BUILD" -j "$JOBS" --target ct2j_native_test >"$BUILD/build.log" 2>&1 \
  || { tail -n 50 "$BUILD/build.log" >&2; exit 1; }

# Runs the test under ASan/LSan; $1: extra LSAN_OPTIONS, $2: report prefix. stdbuf keeps the test's
# stdout line-buffered: LSan ends the process from an atexit handler, before stdio is flushed.
run_test() {
  set +e
  CT2J_MODEL_DIR="$MODEL_DIR" CT2J_TEST_AUDIO="$AUDIO" \
    ASAN_OPTIONS="detect_leaks=1:exitcode=23:verify_asan_link_order=0:fast_unwind_on_malloc=0:malloc_context_size=30:symbolize=1" \
    LSAN_OPTIONS="report_objects=0${1:+:$1}" \
    stdbuf -oL "$BUILD/ct2j_native_test" >"$2.out" 2>"$2.err"
  echo $? >"$2.rc"
  set -e
}
# Leak records (Direct/Indirect) in a report; with "ours", only those with a frame in native/.
count_leaks() {
  awk -v ours="${2:-}" -v root="$ROOT/native/" '
    /^(Direct|Indirect) leak of/ { if (rec) n += hit; rec = 1; hit = (ours == ""); next }
    rec && index($0, root) { hit = 1 }
    /^$/ { if (rec) n += hit; rec = 0 }
    END { if (rec) n += hit; print n + 0 }' "$1"
}

REPORT="$BUILD/lsan"
log "running the native test under ASan/LSan, no suppressions (model $MODEL_DIR, audio $AUDIO)"
run_test "" "$REPORT-all"
status=$(cat "$REPORT-all.rc")
all=$(count_leaks "$REPORT-all.err")
ours=$(count_leaks "$REPORT-all.err" ours)
left=$all
leftfile="$REPORT-all.err"
rules=$( [ -f "$SUPP" ] && grep -cvE '^\s*(#|$)' "$SUPP" || echo 0)
if [ "$all" -gt "$ours" ] && [ "$rules" -gt 0 ]; then
  log "third-party leak records found: running again with $SUPP ($rules rule(s))"
  run_test "suppressions=$SUPP:print_suppressions=1" "$REPORT-suppressed"
  left=$(count_leaks "$REPORT-suppressed.err")
  leftfile="$REPORT-suppressed.err"
  sed -n '/^Suppressions used:/,/^-\{10,\}/p' "$leftfile" | grep -E '^ +[0-9]+ +[0-9]+ ' \
    | sed 's/^/[leak-check] suppressed: /' >&2 || true
fi

# The test's own closing line: "N passed, N failed".
closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$REPORT-all.out" | tail -n 1 || true)
failed=1
[ -n "$closing" ] && failed=$(echo "$closing" | sed 's/^[0-9]* passed, \([0-9]*\) failed$/\1/')
asan_errors=$(grep -c 'ERROR: AddressSanitizer' "$REPORT-all.err" || true)

log "LSan: $all leak record(s) without suppressions, $ours with a frame in native/ (ours, never suppressed),"\
" $left left after suppressions"
if [ "$left" -gt 0 ] || [ "$ours" -gt 0 ]; then
  grep -A 14 -E '^(Direct|Indirect) leak of' "$REPORT-all.err" | cut -c1-240 >&2
fi
[ "$failed" = 0 ] || grep '^FAIL ' "$REPORT-all.err" >&2 || true
[ "$asan_errors" -eq 0 ] || { log "AddressSanitizer errors:"; grep -A 20 'ERROR: AddressSanitizer' "$REPORT-all.err" >&2; }
[ -n "$closing" ] || { log "the native test did not finish (exit $status):"; tail -n 40 "$REPORT-all.err" >&2; }

echo "${closing:-native test did not finish}"
if [ "$status" != 0 ] && [ "$status" != 23 ] || [ "$failed" != 0 ] || [ "$asan_errors" -gt 0 ] \
   || [ "$left" -gt 0 ] || [ "$ours" -gt 0 ]; then
  log "FAILED: test exit $status, $failed failed check(s), $asan_errors ASan error(s), $ours leak(s) in our code,"\
" $left leak(s) not suppressed; reports in $BUILD/lsan-*"
  exit 1
fi
log "OK: no leaks in our code; reports in $BUILD/lsan-*"
