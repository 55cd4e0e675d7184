#!/usr/bin/env bash
# Makes a long speech file reproducibly: espeak-ng passages (fixed texts, voices and speeds) with
# pauses, interleaved with the shared jfk.flac and stereo_diarization.wav, as 16 kHz mono FLAC.
#   benchmarks/make-long-audio.sh [MINUTES|SECONDSs] [OUT]
#   (defaults: 10, ~/.cache/ct2j/audio/long-MINUTESmin.flac; "80s" makes long-80s.flac, 80 seconds)
# The same espeak-ng/sox versions give the same file; the output is cached by name.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=${1:-10}
case "$MINUTES" in
  *s) target=${MINUTES%s}; name=long-${MINUTES}.flac ;;
  *) target=$((MINUTES * 60)); name=long-${MINUTES}min.flac ;;
esac
[[ "$target" =~ ^[1-9][0-9]*$ ]] || { echo "make-long-audio.sh: length must be MINUTES or SECONDSs, got '$MINUTES'" >&2; exit 2; }
OUT=${2:-${CT2J_CACHE:-$HOME/.cache/ct2j}/audio/$name}
if [ -f "$OUT" ]; then echo "$OUT"; exit 0; fi
for tool in espeak-ng sox; do
  command -v $tool >/dev/null || { SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends espeak-ng sox >&2; break; }
done
DATA="$ROOT/../shared/data"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
PASSAGES=(
  "The old lighthouse keeper climbed the stairs every evening at dusk. He counted one hundred and twelve steps, polished the great lens, and lit the lamp that warned the fishing boats away from the rocks."
  "Our quarterly report shows that revenue grew by eight percent, while operating costs fell slightly. The board will meet on Thursday to discuss the new warehouse and the hiring plan for the spring."
  "To make bread, mix flour, water, salt and yeast. Knead the dough for ten minutes, let it rise for two hours, shape it gently, and bake it in a hot oven until the crust sounds hollow when tapped."
  "The committee reviewed three proposals for the bridge. The first was cheaper, the second was faster to build, and the third promised to last a century. After a long debate, they chose the third."
  "In the morning the valley was full of fog. By noon the sun had burned it away, and the hikers could see the river winding between the fields, the church tower, and the distant blue mountains."
  "Please remember that the library will close early on Friday for maintenance. Books may be returned through the slot by the main entrance, and the reading room will reopen on Monday at nine."
  "The experiment measured how quickly the solution changed color at different temperatures. At twenty degrees it took four minutes; at forty degrees, less than one. The results were plotted on a simple chart."
  "She opened the letter slowly. It was from her grandmother, written in careful blue ink, describing the garden, the new kittens, and a recipe for plum jam that had been in the family for generations."
  "Traffic on the northern highway is moving slowly because of roadworks near the second exit. Drivers heading to the airport should allow an extra twenty minutes or take the coastal route instead."
  "The orchestra tuned their instruments while the audience settled into their seats. Then the conductor raised his baton, the hall fell silent, and the first notes of the symphony filled the room."
  "Good software is written twice: once to understand the problem, and once to solve it well. Tests, clear names and small functions make the second version easier to read, to change and to trust."
  "At the market, the farmer sold apples, pears, honey and fresh eggs. Children gathered around a table of wooden toys, and a musician played an accordion beside the fountain in the square."
)
VOICES=("en-us" "en" "en-us+f3" "en+m3")
SPEEDS=(150 165 140 175)
i=0
# jfk and the left and right halves of the stereo file, as 16 kHz mono
sox -R -D "$DATA/jfk.flac" -r 16000 -c 1 -b 16 "$work/jfk.wav"
sox -R -D "$DATA/stereo_diarization.wav" -r 16000 -c 1 -b 16 "$work/stereo.wav" remix 1,2
sox -R -D -n -r 16000 -c 1 -b 16 "$work/pause.wav" trim 0 1.5
total=0
list=()
round=0
while [ "$total" -lt "$target" ]; do
  for p in "${!PASSAGES[@]}"; do
    v=${VOICES[$(( (p + round) % ${#VOICES[@]} ))]}; s=${SPEEDS[$(( (p + 2 * round) % ${#SPEEDS[@]} ))]}
    espeak-ng -v "$v" -s "$s" -w "$work/raw$i.wav" "${PASSAGES[$p]}"
    sox -R -D "$work/raw$i.wav" -r 16000 -c 1 -b 16 "$work/p$i.wav"
    list+=("$work/p$i.wav" "$work/pause.wav")
    if [ $((p % 4)) -eq 3 ]; then list+=("$work/jfk.wav" "$work/pause.wav"); fi
    if [ $((p % 6)) -eq 5 ]; then list+=("$work/stereo.wav" "$work/pause.wav"); fi
    i=$((i + 1))
  done
  round=$((round + 1))
  sox -R -D "${list[@]}" "$work/all.wav"
  total=$(printf '%.0f' "$(soxi -D "$work/all.wav")")
done
mkdir -p "$(dirname "$OUT")"
sox -R -D "$work/all.wav" "$work/out.flac" trim 0 "$target"
mv "$work/out.flac" "$OUT"
echo "$OUT"
