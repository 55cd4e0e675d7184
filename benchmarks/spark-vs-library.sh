#!/usr/bin/env bash
# Spark overhead, as a ratio from one run: the same 10-minute corpus (10 one-minute FLAC files cut
# from benchmarks/make-long-audio.sh's file) transcribed
#   (1) by spark-transcribe on local-cluster[1,2,...]: one executor JVM with 2 task slots, started
#       by a worker from a SPARK_HOME whose jars/ are Spark's; ct2j reaches it through spark.jars;
#   (2) by the plain library: one JVM, one model with inter_threads 2, two threads.
# Both use beam_size 1 by default (greedy; the cheaper the decoding, the larger Spark's share looks;
# SPARK_BENCH_BEAM=5 runs faster-whisper's default) and the model options an executor with 2 slots
# derives. Prints each side's times, the executor's peak
# RSS (from its lifecycle log) and `ratio: X.XX` (Spark job / library total, model load included).
# The library runs before and after the Spark job and the ratio takes the mean of the two: this
# machine's speed drifts by 5-10 % within minutes, as much as the overhead being measured.
#   benchmarks/spark-vs-library.sh [MODEL_DIR]
# Needs the spark project built (spark/run builds it) and ffmpeg; everything goes under build/spark-bench.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
MODEL=${1:-$CT2J_CACHE/models/base}
BENCH="$ROOT/build/spark-bench"
BEAM=${SPARK_BENCH_BEAM:-1}
mkdir -p "$BENCH"

# ---- the corpus ------------------------------------------------------------------------------
LONG="$BENCH/long-10min.flac"
[ -f "$LONG" ] || "$ROOT/benchmarks/make-long-audio.sh" 10 "$LONG" >/dev/null
if [ ! -d "$BENCH/corpus" ]; then
  # Ten exact minutes by seeking (the segment muxer leaves a last file with no samples).
  rm -rf "$BENCH/corpus.tmp"; mkdir -p "$BENCH/corpus.tmp"
  for i in 0 1 2 3 4 5 6 7 8 9; do
    ffmpeg -v error -ss $((i * 60)) -t 60 -i "$LONG" -c:a flac "$BENCH/corpus.tmp/part-0$i.flac"
  done
  mv "$BENCH/corpus.tmp" "$BENCH/corpus"
fi
FILES=("$BENCH"/corpus/*.flac)
total=0; for f in "${FILES[@]}"; do total=$(echo "$total + $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")" | bc -l); done
echo "corpus: ${#FILES[@]} files, $total s; beam_size $BEAM"

# ---- the library ----------------------------------------------------------------------------
CP="$ROOT/spark/target/lib/*:$(cat "$ROOT/spark/target/spark-classpath.txt")"
run_library() {
  MALLOC_ARENA_MAX=2 "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m -cp "$CP" \
    "$ROOT/benchmarks/SparkVsLibraryBaseline.java" "$MODEL" "$BEAM" 2 "${FILES[@]}" 2>"$BENCH/library-$1.log" | tail -n 1
}
lib_total() { echo "$1" | sed -n 's/.*"total_s":\([0-9.]*\).*/\1/p'; }
lib_before=$(run_library before)
echo "library before: $lib_before"

# ---- Spark: a SPARK_HOME of Spark's own jars only --------------------------------------------
rm -rf "$BENCH/spark-home" "$BENCH/out" "$BENCH/lifecycle"
"$ROOT/spark/spark-home.sh" "$BENCH/spark-home"
echo "spark jars: $(ls "$BENCH/spark-home/jars" | wc -l) jars, $(du -shL "$BENCH/spark-home/jars" | cut -f1)"
# AOT caches for the driver and the executor (spark/train-aot.sh; untimed setup, as the CLI's
# training run is): SPARK_BENCH_AOT=off runs both JVMs cold.
aot_conf=()
if [ "${SPARK_BENCH_AOT:-on}" != off ]; then
  "$ROOT/spark/train-aot.sh" >/dev/null
  executor_aot=$("$ROOT/spark/train-aot.sh" --executor "$BENCH/spark-home" | sed -n 's/^spark aot cache (executor): \(.*\) \(ok\|up to date\)$/\1/p')
  [ -f "$executor_aot" ] || { echo "spark-vs-library: no executor AOT cache from spark/train-aot.sh" >&2; exit 1; }
  aot_conf=(--conf spark.executor.extraJavaOptions=-XX:AOTCache="$executor_aot")
  echo "AOT caches: driver $(basename "$(ct2j_spark_driver_aot)"), executor $(basename "$executor_aot")"
fi
# The session does not wait for the executor (a standalone master's default), so "job" includes
# whatever of the executor's start the driver's planning does not cover. Making the session wait
# (spark.cores.max=2 with minRegisteredResourcesRatio=1) gave a higher ratio: 1.118 against
# 1.085-1.109, since the planning then no longer overlaps the executor's start.
start=$(date +%s.%N)
SPARK_HOME="$BENCH/spark-home" SPARK_SCALA_VERSION=2.13 CT2J_AOT=${SPARK_BENCH_AOT:-on} "$ROOT/spark/run" \
  "$BENCH/corpus/*.flac" "$BENCH/out" \
  --format parquet --master 'local-cluster[1,2,2048]' --model "$MODEL" --beam-size "$BEAM" \
  --conf spark.executor.cores=2 --conf spark.executor.memory=1g --conf spark.ui.enabled=false \
  "${aot_conf[@]}" \
  --conf spark.ct2j.lifecycleLog="$BENCH/lifecycle" 2> "$BENCH/spark.log"
end=$(date +%s.%N)
summary=$(grep '^spark-transcribe:' "$BENCH/spark.log")
echo "$summary"
spark_total=$(echo "$end - $start" | bc -l)
session=$(echo "$summary" | sed -n 's/.*session \([0-9.]*\) s.*/\1/p')
job=$(echo "$summary" | sed -n 's/.*job \([0-9.]*\) s.*/\1/p')
# The executor wrote its log; wait for its JVM to be gone so the close line is there.
for log in "$BENCH"/lifecycle/[0-9]*-*.log; do
  pid=$(basename "$log" .log); pid=${pid##*-}
  tail --pid="$pid" -f /dev/null
  echo "executor $(basename "$log"): $(grep -o 'load model=.*' "$log" | sed 's/model=[^ ]* //') | $(grep -o 'close-all.*' "$log")"
done

# ---- the library, again ----------------------------------------------------------------------
lib_after=$(run_library after)
echo "library after: $lib_after"
lib_total=$(echo "($(lib_total "$lib_before") + $(lib_total "$lib_after")) / 2" | bc -l)
printf 'spark: session %.1f s, job %.1f s, end to end (JVM start to exit) %.1f s\n' "$session" "$job" "$spark_total"
printf 'ratio: %.3f (Spark job / library load+transcribe, mean of before and after: %.2f s); end to end %.3f\n' \
  "$(echo "$job / $lib_total" | bc -l)" "$lib_total" "$(echo "$spark_total / $lib_total" | bc -l)"
