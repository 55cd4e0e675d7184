#!/usr/bin/env bash
# Fuzzes the native boundary with libFuzzer (native/fuzz/): ct2j_audio_decode ("audio") and
# ct2j_model_load over model.bin ("model"), each built with clang-14 and
# -fsanitize=fuzzer,address,undefined in build/native-fuzz against the CTranslate2 and FFmpeg that
# native/build.sh caches.
#
# For each target: installs clang-14 and libFuzzer's runtime when missing, builds when needed,
# writes the seed corpus when missing (audio: 0.5 s cuts of /work/shared/data's four files in
# 13 codec/container pairs; model: a 4 KB Whisper model.bin from native/fuzz/make-model-seed.py),
# replays native/fuzz/regressions/<target>/ (the inputs of past findings), then fuzzes for N
# seconds in one process; the targets run at the same time. The corpus grows in
# $CT2J_CACHE/fuzz/corpus/<target>/ (default ~/.cache/ct2j) from run to run; crash, leak and
# timeout inputs go to $CT2J_CACHE/fuzz/artifacts/<target>/, logs to build/native-fuzz/<target>.log.
# Prints one line per target: "fuzz <target>: N execs, cov C, ft F, K crashes".
# Exit status: non-zero on any crash, leak, sanitizer report or timeout (or a failed replay).
#
# Usage: scripts/fuzz.sh [--seconds N] [--target audio|model|all]   (default: 120 s, all)
#   env: CT2J_CACHE, CT2J_FUZZ_DATA (the source audio; default ../shared/data), CT2J_JOBS
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
BUILD="$ROOT/build/native-fuzz"
DATA=${CT2J_FUZZ_DATA:-$ROOT/../shared/data}
JOBS=${CT2J_JOBS:-2}
SECONDS_PER_TARGET=120
TARGETS=(audio model)

usage() { sed -n 's/^# Usage: //p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) [ $# -ge 2 ] || usage; SECONDS_PER_TARGET=$2; shift 2 ;;
    --target) [ $# -ge 2 ] || usage
      case "$2" in audio|model) TARGETS=("$2") ;; all) TARGETS=(audio model) ;; *) usage ;; esac; shift 2 ;;
    *) usage ;;
  esac
done
[[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || usage

log() { echo "[fuzz] $*" >&2; }

# ---- tools: clang-14, libFuzzer's runtime (libclang-rt-14-dev), ffmpeg for the audio seeds ----
PACKAGES=(clang-14 libclang-rt-14-dev ffmpeg python3 cmake ninja-build pkg-config)
missing=()
for p in "${PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
[ -f "$(clang-14 -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" ] \
  || { log "libFuzzer's runtime is missing (apt-get install libclang-rt-14-dev)"; exit 2; }

# ---- build (cached: ninja only recompiles what changed) ---------------------------------------
CT2_PREFIX=$("$ROOT/native/build.sh" --deps-only | tail -n 1)
FFMPEG_PREFIX="$CACHE/ffmpeg-8.1.2-audio-static"
[ -f "$CT2_PREFIX/.ok" ] || { log "CTranslate2 is not built at $CT2_PREFIX (run native/build.sh)"; exit 2; }
[ -f "$FFMPEG_PREFIX/.ok" ] || { log "FFmpeg is not built at $FFMPEG_PREFIX (run native/build.sh)"; exit 2; }
mkdir -p "$BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
  log "configuring the fuzz targets in $BUILD"
  cmake -S "$ROOT/native/fuzz" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCT2_ROOT="$CT2_PREFIX" -DFFMPEG_ROOT="$FFMPEG_PREFIX" >"$BUILD/cmake.log" 2>&1 \
    || { cat "$BUILD/cmake.log" >&2; rm -f "$BUILD/build.ninja"; exit 1; }
fi
cmake --build "$BUILD" -j "$JOBS" >"$BUILD/build.log" 2>&1 || { tail -n 50 "$BUILD/build.log" >&2; exit 1; }

# ---- seed corpora ------------------------------------------------------------------------------
# Audio: each source cut to 0.5 s (after its first 0.3 s) in several codecs and containers. The
# last byte of an input picks the decode options (native/fuzz/fuzz_audio_decode.c); one byte is
# appended to each seed, cycling through sample rates and split_stereo.
make_audio_corpus() { # dir
  local dir=$1 tmp i=0 src name spec ext args option
  tmp=$(mktemp -d)
  local formats=(
    "wav|-ar 16000 -ac 1 -c:a pcm_s16le"
    "u8.wav|-ar 8000 -c:a pcm_u8"
    "alaw.wav|-ar 8000 -ac 1 -c:a pcm_alaw"
    "adpcm.wav|-ar 11025 -c:a adpcm_ms"
    "flac|-ar 16000 -c:a flac"
    "mp3|-ar 22050 -c:a libmp3lame -b:a 32k"
    "opus.ogg|-ar 48000 -c:a libopus -b:a 16k"
    "vorbis.ogg|-ar 22050 -c:a libvorbis -q:a 0"
    "m4a|-ar 16000 -c:a aac -b:a 24k"
    "alac.m4a|-ar 8000 -c:a alac"
    "mkv|-ar 16000 -c:a libopus -b:a 16k"
    "wv|-ar 8000 -c:a wavpack"
    "spx.ogg|-ar 16000 -ac 1 -c:a libspeex"
  )
  for src in jfk.flac hotwords.mp3 multilingual.mp3 stereo_diarization.wav; do
    [ -f "$DATA/$src" ] || { log "no source audio $DATA/$src (CT2J_FUZZ_DATA)"; rm -rf "$tmp"; exit 2; }
    for spec in "${formats[@]}"; do
      ext=${spec%%|*} args=${spec#*|}
      name="${src%.*}.$ext"
      # shellcheck disable=SC2086
      ffmpeg -nostdin -v error -y -ss 0.3 -t 0.5 -i "$DATA/$src" -map 0:a:0 -map_metadata -1 $args \
        "$tmp/$name" || { log "ffmpeg could not write $name"; rm -rf "$tmp"; exit 1; }
      option=$(( i % 16 )); i=$(( i + 1 ))
      printf "\\$(printf '%03o' "$option")" >>"$tmp/$name"
    done
  done
  mkdir -p "$dir" && mv "$tmp"/* "$dir"/ && rm -rf "$tmp"
}
make_model_corpus() { # dir
  mkdir -p "$1"
  python3 "$ROOT/native/fuzz/make-model-seed.py" "$1/whisper-tiny-seed.bin"
}

# ---- one target --------------------------------------------------------------------------------
# libFuzzer's final stats ("stat::number_of_executed_units: N") and its last status line
# ("#N DONE cov: C ft: F corp: ...") give the closing line.
failed=0
# fuzz_model_load's model directory lives in here (tmpfs when there is one); a crashing input
# kills the target before it can remove it, so the whole folder goes at exit.
shm=/dev/shm; [ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
CT2J_FUZZ_TMPDIR=$(mktemp -d "$shm/ct2j-fuzz.XXXXXX")
export CT2J_FUZZ_TMPDIR
trap 'rm -rf "$CT2J_FUZZ_TMPDIR"' EXIT
fuzz_target() { # name binary max_len
  local name=$1 bin="$BUILD/$2" max_len=$3
  local corpus="$CACHE/fuzz/corpus/$name" artifacts="$CACHE/fuzz/artifacts/$name"
  local regressions="$ROOT/native/fuzz/regressions/$name" dict="$ROOT/native/fuzz/$name.dict"
  local logfile="$BUILD/$name.log" rc=0 before after
  mkdir -p "$artifacts"
  if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    log "$name: writing the seed corpus into $corpus"
    "make_${name}_corpus" "$corpus"
  fi
  # -entropic_scale_per_exec_time: inputs that cost more (an odd sample rate makes
  # libswresample build a large filter) are mutated less often; without it the audio target fell
  # from 900 to 100 exec/s within minutes.
  local opts=(-print_final_stats=1 -max_len="$max_len" -timeout=25 -rss_limit_mb=4096
              -entropic_scale_per_exec_time=1 -artifact_prefix="$artifacts/")
  [ -f "$dict" ] && opts+=(-dict="$dict")
  export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

  local inputs=()
  [ -d "$regressions" ] && mapfile -t inputs < <(find "$regressions" -type f | sort)
  if [ ${#inputs[@]} -gt 0 ]; then
    log "$name: replaying ${#inputs[@]} regression input(s) from native/fuzz/regressions/$name"
    # -timeout=5: a slow input (a decompression bomb) counts as a failure here.
    if ! "$bin" "${opts[@]}" -timeout=5 "${inputs[@]}" >"$BUILD/$name-regressions.log" 2>&1; then
      log "$name: a regression input fails again:"; tail -n 40 "$BUILD/$name-regressions.log" >&2
      echo "fuzz $name: regression replay failed"; failed=1; return
    fi
  fi

  before=$(find "$artifacts" -type f | wc -l)
  touch "$BUILD/$name.started"
  log "$name: fuzzing for ${SECONDS_PER_TARGET} s, corpus $corpus ($(ls "$corpus" | wc -l) inputs)"
  "$bin" "${opts[@]}" -max_total_time="$SECONDS_PER_TARGET" "$corpus" >"$logfile" 2>&1 || rc=$?
  after=$(find "$artifacts" -type f | wc -l)
  local execs cov ft reports crashes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logfile" | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+' "$logfile" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$logfile" | tail -n 1 | cut -d' ' -f2)
  reports=$(grep -cE '^==[0-9]+==ERROR: |runtime error: |^SUMMARY: |ERROR: libFuzzer' "$logfile" || true)
  crashes=$(( after - before ))
  [ "$crashes" -gt 0 ] || [ "$rc" = 0 ] || crashes=1
  echo "fuzz $name: ${execs:-0} execs, cov ${cov:-0}, ft ${ft:-0}, $crashes crashes"
  if [ "$rc" != 0 ] || [ "$reports" -gt 0 ] || [ "$crashes" -gt 0 ]; then
    log "$name: FAILED (libFuzzer exit $rc, $reports sanitizer/libFuzzer report(s)); log $logfile, inputs in $artifacts:"
    grep -E -A 25 '^==[0-9]+==ERROR: |runtime error: |ERROR: libFuzzer' "$logfile" | head -n 60 >&2 || true
    find "$artifacts" -type f -newer "$BUILD/$name.started" | sed 's/^/[fuzz]   /' >&2 || true
    failed=1
  fi
}

run_target() { # name: fuzz_target with that target's binary and input size; exits with its status
  case "$1" in
    audio) fuzz_target audio fuzz_audio_decode 4096 ;;
    model) fuzz_target model fuzz_model_load 8192 ;;
  esac
  exit "$failed"
}

# The targets run side by side: a libFuzzer process uses one core, so on 2 cores both get their
# full time in the wall time of one. Their closing lines come in target order, each once it ends.
pids=()
for t in "${TARGETS[@]}"; do
  (run_target "$t") >"$BUILD/$t.summary" &
  pids+=("$!")
done
for i in "${!TARGETS[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$BUILD/${TARGETS[$i]}.summary"
done
exit "$failed"
