#!/usr/bin/env bash
# parity/make-audio.sh OUTDIR: makes the generated parity audio (parity/manifest*.jsonl refer to it
# as ../build/parity-audio/NAME): three espeak-ng sentences, resampled and re-encoded so that the
# int8 and float32 cases cover other rates, channel layouts and codecs than the shared files.
#
#   speech-8k.wav           sentence 1, 8000 Hz mono s16 (sox)
#   speech-22k.flac         sentence 2, 22050 Hz mono s16 FLAC (sox)
#   speech-48k.wav          sentence 3, 48000 Hz mono s16 (sox)
#   speech-48k-stereo.wav   sentence 3, 48000 Hz stereo s24; right channel quieter and 15 ms late
#   speech-noise-44k.wav    sentence 2 with pink noise, 44100 Hz mono s16
#   speech-opus.ogg         sentence 1, libopus 48 kHz 32 kbit/s in Ogg (ffmpeg, bitexact)
#   speech-aac.m4a          sentence 2, FFmpeg's native AAC encoder, 44100 Hz 96 kbit/s (bitexact)
#
# Reproducible: no dither (sox -D), fixed pseudo-random seeds (sox -R), bitexact muxers and
# encoders (no version strings, fixed Ogg serial numbers); the same espeak-ng/sox/ffmpeg versions
# on the same machine give byte-identical files (OUTDIR/SHA256SUMS lists them). Encoders with
# run-time SIMD dispatch (libopus, FFmpeg's AAC) may give other bytes on another CPU, which does
# not matter for parity: both sides decode the same file. Idempotent: when OUTDIR holds every file
# and the stamp matches this script's hash, it returns at once. Installs espeak-ng, sox and ffmpeg
# with apt-get when they are missing.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: parity/make-audio.sh OUTDIR" >&2; exit 2; }
OUT=$1
SELF=$(realpath "${BASH_SOURCE[0]}")
KEY=$(sha256sum "$SELF" | cut -d' ' -f1)
FILES=(speech-8k.wav speech-22k.flac speech-48k.wav speech-48k-stereo.wav speech-noise-44k.wav
       speech-opus.ogg speech-aac.m4a)

complete() {
  [ -f "$OUT/.make-audio.sha256" ] && [ "$(cat "$OUT/.make-audio.sha256")" = "$KEY" ] || return 1
  for f in "${FILES[@]}"; do [ -s "$OUT/$f" ] || return 1; done
}
complete && exit 0

mkdir -p "$OUT"
exec 9>"$OUT/.make-audio.lock"
flock 9                      # a concurrent run makes the files once; the other one waits
complete && exit 0

missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "[parity-audio] installing ${missing[*]}" >&2
  apt_install() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
  apt_install || { $SUDO apt-get update -qq >&2; apt_install; }
fi

export LC_ALL=C
work=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
SOX=(sox -R -D -V1)
FF=(ffmpeg -nostdin -hide_banner -loglevel error -y)
SENTENCES=(
  "The quick brown fox jumps over the lazy dog, while the farmer watches from the kitchen window and finishes his morning coffee."
  "Please remember to bring your passport, a warm jacket and enough water for the long train journey through the mountains."
  "Scientists measured the temperature of the lake every hour for three days, and found that it changed by less than one degree."
)
VOICES=(en-us en en-us+m3)
SPEEDS=(155 150 160)
for i in 0 1 2; do
  espeak-ng -v "${VOICES[$i]}" -s "${SPEEDS[$i]}" -w "$work/raw$i.wav" "${SENTENCES[$i]}"
  # leading and trailing silence, so that timestamps do not start at zero
  "${SOX[@]}" "$work/raw$i.wav" -b 16 "$work/s$i.wav" pad 0.4 0.6
done

"${SOX[@]}" "$work/s0.wav" -r 8000 -c 1 -b 16 "$work/speech-8k.wav"
"${SOX[@]}" "$work/s1.wav" -r 22050 -c 1 -b 16 -C 8 "$work/speech-22k.flac"
"${SOX[@]}" "$work/s2.wav" -r 48000 -c 1 -b 16 "$work/speech-48k.wav"

"${SOX[@]}" "$work/s2.wav" -r 48000 -c 1 -b 24 "$work/left.wav" pad 0 0.015
"${SOX[@]}" "$work/s2.wav" -r 48000 -c 1 -b 24 "$work/right.wav" vol 0.5 pad 0.015 0
"${SOX[@]}" -M "$work/left.wav" "$work/right.wav" -b 24 "$work/speech-48k-stereo.wav"

"${SOX[@]}" "$work/s1.wav" -r 44100 -c 1 -b 16 "$work/clean.wav"
len=$(soxi -s "$work/clean.wav")
"${SOX[@]}" -n -r 44100 -c 1 -b 16 "$work/noise.wav" synth "${len}s" pinknoise vol 0.12
"${SOX[@]}" -m -v 0.8 "$work/clean.wav" -v 1 "$work/noise.wav" -b 16 "$work/speech-noise-44k.wav"

"${SOX[@]}" "$work/s0.wav" -r 48000 -c 1 -b 16 "$work/opus-in.wav"
"${FF[@]}" -i "$work/opus-in.wav" -map_metadata -1 -c:a libopus -b:a 32k -vbr on -compression_level 10 \
  -frame_duration 20 -application audio -flags:a +bitexact -fflags +bitexact "$work/speech-opus.ogg"
"${SOX[@]}" "$work/s1.wav" -r 44100 -c 1 -b 16 "$work/aac-in.wav"
"${FF[@]}" -i "$work/aac-in.wav" -map_metadata -1 -c:a aac -b:a 96k -ar 44100 \
  -flags:a +bitexact -fflags +bitexact "$work/speech-aac.m4a"

(cd "$work" && sha256sum "${FILES[@]}") > "$work/SHA256SUMS"
for f in "${FILES[@]}" SHA256SUMS; do mv -f "$work/$f" "$OUT/$f"; done
echo "$KEY" > "$OUT/.make-audio.sha256"
echo "[parity-audio] made ${#FILES[@]} files in $OUT" >&2
