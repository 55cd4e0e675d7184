#!/usr/bin/env bash
# parity/writers-check.sh: ct2j's output writers (dev.ct2j.output) against whisper-ctranslate2
# 0.5.8's, byte for byte, on jfk.flac and multilingual.mp3 (base, float32, beam 5, 2 threads).
# Both sides run one engine (.venv's faster-whisper is on the project's own CTranslate2 build), so
# their segments are the same and the files compare the writers. Cases:
#   plain        the CLI, no word timestamps, --output_format all
#   words        the CLI, --word_timestamps True --highlight_words True
# On ct2j's side these two run the real command line, ./ct2j transcribe, given whisper-ctranslate2's
# own flags (underscore spellings, True values), so its defaults and file naming are checked too.
#   lines        --max_line_width 42 --max_line_count 2 --max_words_per_line 6 (words across segments)
#   words-per-line  --max_words_per_line 4 --pretty_json True
# The last two rewrite the words case's segments with each side's writers alone (whisper-
# ctranslate2's get_writer on its JSON; ct2j's write-outputs --from-json on its own JSON), which
# saves two transcriptions per side. Every case is also written by ct2j from whisper-ctranslate2's
# JSON, which separates a writer difference from a decoding one.
# Prints a line per file and "writers: N/M files identical"; exit 0 only if all are.
# Env: CT2J_TEST_DATA (the audio; default ../shared/data), CT2J_MODEL_DIR (default the store's base),
# CT2J_PARITY_THREADS (2), CT2J_WRITERS_KEEP=DIR keeps both sides' files.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/env.sh"
DATA=${CT2J_TEST_DATA:-$ROOT/../shared/data}
MODEL=${CT2J_MODEL_DIR:-${CT2J_MODELS:-$HOME/.cache/ct2j/models}/base}
THREADS=${CT2J_PARITY_THREADS:-2}
VENV="$ROOT/.venv"
AUDIO=("$DATA/jfk.flac" "$DATA/multilingual.mp3")
for f in "${AUDIO[@]}" "$MODEL/model.bin"; do
  [ -f "$f" ] || { echo "writers-check: missing $f" >&2; exit 1; }
done
started=$(date +%s)

"$ROOT/parity/setup-venv.sh"  # installs whisper-ctranslate2 (parity/requirements-writers.txt)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ct2j-writers.XXXXXX")
keep() { [ -z "${CT2J_WRITERS_KEEP:-}" ] || { mkdir -p "$CT2J_WRITERS_KEEP"; cp -r "$WORK/." "$CT2J_WRITERS_KEEP/"; }; }
trap 'keep; rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=$THREADS

wc2() { # wc2 CASE ARGS...: whisper-ctranslate2's CLI (its console script's main) on both files
  local case=$1; shift
  # Seeded as ct2j is (write-outputs --seed 0): a window that falls back to temperature > 0 samples,
  # and an unseeded CTranslate2 draws its seed from std::random_device.
  "$VENV/bin/python" -c 'import sys, ctranslate2; ctranslate2.set_random_seed(0); sys.argv[0] = "whisper-ctranslate2"
from whisper_ctranslate2.whisper_ctranslate2 import main; main()' "${AUDIO[@]}" --model_directory "$MODEL" --device cpu --compute_type float32 \
    --threads "$THREADS" --output_format all --output_dir "$WORK/wc2/$case" --verbose False "$@" >/dev/null 2>"$WORK/wc2-$case.log" \
    || { cat "$WORK/wc2-$case.log" >&2; exit 1; }
}
wc2_writers() { # wc2_writers CASE FROM OPTIONS-DICT: whisper-ctranslate2's writers on its FROM case's JSON
  local case=$1 from=$2 options=$3
  mkdir -p "$WORK/wc2/$case"
  "$VENV/bin/python" - "$WORK/wc2/$from" "$WORK/wc2/$case" "$options" "${AUDIO[@]}" <<'PY'
import json, os, sys
from whisper_ctranslate2.writers import get_writer
source, target, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for audio in sys.argv[4:]:
    stem = os.path.splitext(os.path.basename(audio))[0]
    with open(os.path.join(source, stem + ".json"), encoding="utf-8") as f:
        result = json.load(f)
    get_writer("all", target)(result, audio, options)
PY
}
ct2j() { # ct2j CASE ARGS...: ct2j's write-outputs
  local case=$1; shift
  "$ROOT/tools/run" write-outputs "${AUDIO[@]}" --output-dir "$WORK/ct2j/$case" --output-format all "$@"
}

echo "[writers] whisper-ctranslate2 $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("whisper-ctranslate2"))') on faster-whisper $("$VENV/bin/python" -c 'import faster_whisper; print(faster_whisper.__version__)')" >&2
wc2 plain
wc2 words --word_timestamps True --highlight_words True
wc2_writers lines words '{"highlight_words": false, "max_line_width": 42, "max_line_count": 2, "max_words_per_line": 6, "pretty_json": false}'
wc2_writers words-per-line words '{"highlight_words": false, "max_line_width": null, "max_line_count": null, "max_words_per_line": 4, "pretty_json": true}'
echo "[writers] ct2j" >&2
cli() { # cli CASE ARGS...: ./ct2j transcribe with whisper-ctranslate2's arguments (seeded as wc2 is)
  local case=$1; shift
  "$ROOT/ct2j" transcribe "${AUDIO[@]}" --model_directory "$MODEL" --device cpu --compute_type float32 \
    --threads "$THREADS" --output_format all --output_dir "$WORK/ct2j/$case" --verbose False --seed 0 "$@"
}
cli plain
cli words --word_timestamps True --highlight_words True
ct2j lines --from-json "$WORK/ct2j/words" --max-line-width 42 --max-line-count 2 --max-words-per-line 6
ct2j words-per-line --from-json "$WORK/ct2j/words" --max-words-per-line 4 --pretty-json
# The writers alone: ct2j writing whisper-ctranslate2's segments.
for spec in "plain plain" "words words --highlight-words" \
            "lines words --max-line-width 42 --max-line-count 2 --max-words-per-line 6" \
            "words-per-line words --max-words-per-line 4 --pretty-json"; do
  read -r -a a <<<"$spec"
  "$ROOT/tools/run" write-outputs "${AUDIO[@]}" --output-dir "$WORK/alone/${a[0]}" --output-format all \
    --from-json "$WORK/wc2/${a[1]}" "${a[@]:2}"
done

compare() { # compare DIR LABEL: every whisper-ctranslate2 file against DIR's; sets same/total
  same=0; total=0
  for case in plain words lines words-per-line; do
    for audio in "${AUDIO[@]}"; do
      stem=$(basename "${audio%.*}")
      for ext in txt vtt srt tsv json; do
        total=$((total + 1))
        ref="$WORK/wc2/$case/$stem.$ext" ours="$1/$case/$stem.$ext"
        if [ ! -f "$ref" ] || [ ! -f "$ours" ]; then
          printf '%-10s %-32s %s\n' MISSING "$case/$stem.$ext" "$2"
        elif diff=$(cmp "$ref" "$ours" 2>&1); then
          same=$((same + 1))
          printf '%-10s %-32s %s (%s bytes)\n' identical "$case/$stem.$ext" "$2" "$(stat -c %s "$ref")"
        else
          printf '%-10s %-32s %s: %s\n' DIFFERENT "$case/$stem.$ext" "$2" "${diff#"$ref" }"
        fi
      done
    done
  done
}
compare "$WORK/alone" "(ct2j writers, whisper-ctranslate2 segments)"
alone_same=$same alone_total=$total
compare "$WORK/ct2j" "(ct2j end to end)"
echo "[writers] $((alone_same))/$alone_total files identical with whisper-ctranslate2's segments; $(( $(date +%s) - started )) s" >&2
echo "writers: $same/$total files identical"
[ "$same" -eq "$total" ] && [ "$alone_same" -eq "$alone_total" ]
