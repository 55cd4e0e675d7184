#!/usr/bin/env bash
# Installs the Silero VAD model that faster-whisper 1.2.1 ships into the ct2j model store and prints its path.
#   scripts/install-vad.sh
# The store is $CT2J_MODELS (default ~/.cache/ct2j/models); `SileroVadModel.locateDefault()` looks there.
# The model comes out of the hash-pinned faster-whisper 1.2.1 wheel (faster_whisper/assets/silero_vad_v6.onnx),
# so ct2j runs the very file faster-whisper runs; the extracted file is checked against its own pinned SHA-256.
# The install is atomic: a half-written file is never left under the final name.
set -euo pipefail
STORE=${CT2J_MODELS:-$HOME/.cache/ct2j/models}
REQS="faster-whisper==1.2.1 --hash=sha256:79a66ad50688c0b794dd501dc340a736992a6342f7f95e5811be60b5224a26a7"
MEMBER=faster_whisper/assets/silero_vad_v6.onnx
MODEL_SHA=4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2
dest="$STORE/silero_vad_v6.onnx"
if [ -f "$dest" ] && echo "$MODEL_SHA  $dest" | sha256sum -c --quiet - >/dev/null 2>&1; then echo "$dest"; exit 0; fi

partial=
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct2j-vad.XXXXXX")
trap 'rm -rf "$tmp"; [ -z "$partial" ] || rm -f "$partial"' EXIT
echo "$REQS" > "$tmp/requirements.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  -r "$tmp/requirements.txt" -d "$tmp/wheels" >&2
wheel=$(ls "$tmp"/wheels/faster_whisper-1.2.1-*.whl)
unzip -q -o "$wheel" "$MEMBER" -d "$tmp/unpacked" \
  || { echo "install-vad: $wheel lacks $MEMBER" >&2; exit 1; }
echo "$MODEL_SHA  $tmp/unpacked/$MEMBER" | sha256sum -c --quiet - >&2 \
  || { echo "install-vad: $MEMBER does not match its checksum" >&2; exit 1; }
mkdir -p "$STORE"
# Same filesystem as the destination, so the final mv is an atomic rename.
partial=$(mktemp "$STORE/.silero_vad_v6.onnx.XXXXXX")
cp "$tmp/unpacked/$MEMBER" "$partial" && chmod 644 "$partial" && mv -f "$partial" "$dest"
echo "$dest"
