#!/usr/bin/env bash
# Writes JDK 25 AOT caches (JEP 483/514/515) for Spark's JVMs, each from one small training job
# (build/sample.wav twice, local[2], the base model). A cold Spark JVM spends seconds loading and
# linking Spark's classes; with a cache it maps them.
#
#   spark/train-aot.sh
#       the driver's cache, which spark/run (the plain-JVM driver, no SPARK_HOME) then uses.
#   spark/train-aot.sh --executor SPARK_HOME [CACHE]
#       a cache for the executor JVMs a standalone worker starts from SPARK_HOME, printed with the
#       setting that uses it: --conf spark.executor.extraJavaOptions=-XX:AOTCache=CACHE
#       (it must lie at that path on every worker, beside the same SPARK_HOME and JDK).
#
# A cache is only used by a JVM with the class path and JDK it was trained with. An executor's
# command line is Spark's (its launcher builds it from SPARK_HOME), so the training JVM gets
# exactly that command, with Spark's SparkSubmit running the job in local mode instead of
# CoarseGrainedExecutorBackend. Not a real executor: a worker kills an executor 10 s after
# stopping it, and writing the cache takes longer. ct2j's own jars reach both the training JVM
# and a real executor through --jars / spark.jars (a URLClassLoader); the JDK archives those
# classes too and maps them when an executor loads the same jars (docs/spark.md).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
SPARK_DIR="$ROOT/spark"
MODEL="${CT2J_MODELS:-$CT2J_CACHE/models}/base"
[ -s "$ROOT/build/sample.wav" ] && [ -d "$MODEL" ] || { echo "spark/train-aot.sh: run scripts/setup.sh first (needs build/sample.wav and $MODEL)" >&2; exit 2; }
[ -f "$SPARK_DIR/target/spark-classpath.txt" ] || "$SPARK_DIR/run" --help >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir "$work/in"
cp "$ROOT/build/sample.wav" "$work/in/a.wav"; cp "$ROOT/build/sample.wav" "$work/in/b.wav"
job=("$work/in/*.wav" "$work/out" --format parquet --model "$MODEL" --conf spark.ui.enabled=false)

# AOTMode=on after training (or finding) a cache: a JVM that cannot use it fails instead of
# running without it, so a cache this reports as ok is one the JVM maps.
if [ "${1:-}" != --executor ]; then
  cache=$(ct2j_spark_driver_aot)
  state="up to date"
  if [ ! -f "$cache" ]; then
    state=ok
    CT2J_AOT_TRAIN=1 "$SPARK_DIR/run" "${job[@]}" --master 'local[2]' > "$work/train.log" 2>&1 \
      || { cat "$work/train.log" >&2; exit 1; }
  fi
  CT2J_JAVA_OPTS=-XX:AOTMode=on "$SPARK_DIR/run" --help >/dev/null \
    || { echo "spark/train-aot.sh: spark/run cannot use $cache" >&2; exit 1; }
  echo "spark aot cache (driver): $cache $state"
  exit 0
fi

spark_home=$(cd "${2:?usage: spark/train-aot.sh --executor SPARK_HOME [CACHE]}" && pwd)
[ -d "$spark_home/jars" ] || { echo "spark/train-aot.sh: $spark_home has no jars/ folder" >&2; exit 2; }
cache=${3:-$SPARK_DIR/target/aot/executor-$(ct2j_aot_key "$spark_home"/jars/*.jar).aot}
# The executor's command as Spark's launcher builds it (NUL-separated), without its main class.
mapfile -d '' -t launcher < <(SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=${SPARK_SCALA_VERSION:-2.13} \
  "$JAVA_HOME/bin/java" -cp "$spark_home/jars/*" org.apache.spark.launcher.Main \
  org.apache.spark.executor.CoarseGrainedExecutorBackend)
command=()
for arg in "${launcher[@]}"; do
  arg=${arg//$'\n'/} # the launcher prints a blank line before the command
  [ -n "$arg" ] && [ "$arg" != org.apache.spark.executor.CoarseGrainedExecutorBackend ] && command+=("$arg")
done
[ "${#command[@]}" -gt 2 ] || { echo "spark/train-aot.sh: Spark's launcher gave no executor command for $spark_home" >&2; exit 1; }
# --enable-native-access: what spark-transcribe adds to spark.executor.extraJavaOptions.
command+=(--enable-native-access=ALL-UNNAMED)
state="up to date"
if [ -n "${3:-}" ] || [ ! -f "$cache" ]; then
  state=ok
  mkdir -p "$(dirname "$cache")"
  rm -f "$cache"
  jar=$(ct2j_spark_jar)
  libs=$(ls "$SPARK_DIR"/target/lib/*.jar | paste -sd, -)
  MALLOC_ARENA_MAX=2 "${command[@]}" -XX:AOTCacheOutput="$cache" \
    org.apache.spark.deploy.SparkSubmit --master 'local[2]' --class dev.ct2j.spark.SparkTranscribe \
    --jars "$libs" "$jar" "${job[@]}" > "$work/train.log" 2>&1 || { cat "$work/train.log" >&2; exit 1; }
fi
"${command[@]}" -XX:AOTCache="$cache" -XX:AOTMode=on -version 2>/dev/null \
  || { echo "spark/train-aot.sh: an executor's JVM cannot use $cache" >&2; exit 1; }
echo "spark aot cache (executor): $cache $state"
echo "use it with: --conf spark.executor.extraJavaOptions=-XX:AOTCache=$cache"
