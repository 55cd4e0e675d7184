#!/usr/bin/env bash
# ct2j JMH benchmarks in one command:
#
#   benchmarks/jmh/run.sh [JMH benchmark regex ...]       e.g.  benchmarks/jmh/run.sh FfmBench Tokenizer
#
# Sets up the repo (scripts/setup.sh: native library, base model, VAD, numpy constants; the
# parity venv), installs dev.ct2j:ct2j into the local Maven repository, builds
# benchmarks/jmh/target/benchmarks.jar, writes the shared inputs (synthetic audio; faster-whisper's
# features of jfk.flac), runs JMH (JSON to benchmarks/jmh/results.json, log to target/jmh.log)
# and then the Python counterparts (features_numpy.py, engine_python.py), which print ct2j vs
# numpy / CTranslate2-Python tables.
#
# Environment:
#   JMH_ARGS     JMH options (default "-wi 2 -i 3 -f 1"; iteration times come from the annotations,
#                override with e.g. "-w 1s -r 1s"). Do not pass -jvmArgsAppend here: this script
#                sets it (a command-line -jvmArgsAppend replaces the annotations' one), add JVM
#                flags through JMH_JVM_ARGS instead.
#   JMH_JVM_ARGS extra flags for the forked JVMs.
#   SKIP_PYTHON  1: skip the numpy / Python comparisons.
#   OMP_NUM_THREADS  default 2, for both sides of the engine comparison.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../../scripts/env.sh"   # JAVA_HOME (JDK 25+), ROOT
cd "$ROOT"

JMH_ARGS=${JMH_ARGS:--wi 2 -i 3 -f 1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
NATIVE_LIB="$ROOT/build/native/lib/libct2j.so"
MODEL_DIR="${CT2J_MODELS:-$HOME/.cache/ct2j/models}/base"
DATA="$ROOT/../shared/data"
WORK="$HERE/target/data"
PY="$ROOT/.venv/bin/python"
RESULTS="$HERE/results.json"

echo "[bench] setting up (scripts/setup.sh, parity venv)" >&2
scripts/setup.sh
parity/setup-venv.sh >&2
echo "[bench] installing dev.ct2j:ct2j and building the benchmarks jar" >&2
./mvnw -q -B -Dmaven.test.skip=true install >&2
./mvnw -q -B -f "$HERE/pom.xml" package >&2
JAR="$HERE/target/benchmarks.jar"

mkdir -p "$WORK"
# Inputs both sides read: the synthetic signal (10 s and 30 s are its prefixes) and
# faster-whisper's own features of jfk.flac.
[ "$WORK/synthetic-600s.f32" -nt "$JAR" ] || "$JAVA_HOME/bin/java" -cp "$JAR" dev.ct2j.bench.SyntheticAudio "$WORK/synthetic-600s.f32" 600
[ -s "$WORK/jfk/features.f32" ] || "$PY" parity/tools/reference_features.py "$DATA/jfk.flac" 80 "$WORK/jfk" >/dev/null

FORK_ARGS="--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss4m"
FORK_ARGS+=" -Dct2j.native.lib=$NATIVE_LIB -Dct2j.model.dir=$MODEL_DIR -Dct2j.repo=$ROOT -Dct2j.test.data=$DATA"
FORK_ARGS+=" -Dct2j.bench.features=$WORK/jfk/features.f32"
[ -z "${JMH_JVM_ARGS:-}" ] || FORK_ARGS+=" $JMH_JVM_ARGS"

echo "[bench] java -jar $JAR $JMH_ARGS $* (OMP_NUM_THREADS=$OMP_NUM_THREADS)" >&2
# shellcheck disable=SC2086 # JMH_ARGS is a list of options
# The host JVM only runs JMH's runner (which touches sun.misc.Unsafe); forks inherit its flags.
"$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow \
  -jar "$JAR" $JMH_ARGS -rf json -rff "$RESULTS" -jvmArgsAppend "$FORK_ARGS" "$@" 2>&1 | tee "$HERE/target/jmh.log"

echo
echo "[bench] JMH results: $RESULTS"
if [ "${SKIP_PYTHON:-0}" != 1 ]; then
  if grep -q 'FeatureExtractionBench' "$RESULTS"; then
    echo
    "$PY" "$HERE/features_numpy.py" "$WORK/synthetic-600s.f32" "$RESULTS" | tee "$HERE/target/features_numpy.txt"
  fi
  if grep -q 'EngineBench' "$RESULTS"; then
    echo
    "$PY" "$HERE/engine_python.py" "$WORK/jfk/features.f32" "$MODEL_DIR" "$RESULTS" \
      --threads "${CT2J_BENCH_THREADS:-2}" | tee "$HERE/target/engine_python.txt"
  fi
fi
