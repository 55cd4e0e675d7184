#!/usr/bin/env bash
# The test command: builds what is missing, then runs the native shim tests and the Java tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
scripts/setup.sh
parity/setup-venv.sh
MODEL_DIR=$(scripts/install-model.sh base)
# The tiny random-weight Translator, Generator and Encoder (built once, cached in $CT2J_CACHE).
CT2_MODELS=$(parity/ct2/models.sh | tail -n 1)
export CT2J_CT2_MODELS="$CT2_MODELS"

echo "== native shim tests (C API, no JVM)"
CT2J_MODEL_DIR="$MODEL_DIR" CT2J_TEST_AUDIO="$ROOT/../shared/data/jfk.flac" build/native/ct2j_native_test | tee build/native-test.log

echo "== native shim tests under AddressSanitizer/LeakSanitizer"
CT2J_MODEL_DIR="$MODEL_DIR" CT2J_TEST_AUDIO="$ROOT/../shared/data/jfk.flac" scripts/native-leak-check.sh

echo "== the shim's CUDA code paths, compiled and linked against CUDA 13.0 from PyPI (no GPU needed)"
scripts/cuda-check.sh | tee build/cuda-check.log

echo "== libFuzzer on the native boundary (ct2j_audio_decode, model.bin), 120 s per target"
scripts/fuzz.sh | tee build/fuzz.log

echo "== Java tests (numpy path: machine environment${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE})"
# The library's tests, then it goes into the local Maven repository, where the tools and the CLI
# (separate Maven projects) find it by its coordinates and run their own tests against it.
rm -rf build/surefire && mkdir -p build/surefire
./mvnw -B install -Dct2j.model.dir="$MODEL_DIR" -Dct2j.ct2models.dir="$CT2_MODELS" "$@"
cp -r target/surefire-reports build/surefire/machine
./mvnw -B -f tools/pom.xml install -Dct2j.model.dir="$MODEL_DIR" "$@"
cp -r tools/target/surefire-reports build/surefire/tools
./mvnw -B -f cli/pom.xml package -Dct2j.model.dir="$MODEL_DIR" "$@"
cp -r cli/target/surefire-reports build/surefire/cli

echo "== ct2j-spark: local[2], local-cluster (executor JVMs) and Parquet, on dev.ct2j:ct2j by its coordinates"
./mvnw -B -f spark/pom.xml verify -Dct2j.model.dir="$MODEL_DIR" "$@"
cp -r spark/target/surefire-reports build/surefire/spark

echo "== ct2j-spark AOT caches (spark/train-aot.sh): the driver's and an executor's, each then used with -XX:AOTMode=on"
spark/spark-home.sh build/spark-aot-home
{ spark/train-aot.sh && spark/train-aot.sh --executor build/spark-aot-home; } | tee build/spark-aot.log

echo "== ct2j serve: OpenAI's Python client against the server on loopback (formats, errors, 8x10 load, TTL memory)"
./mvnw -B -f server/pom.xml verify -Dct2j.model.dir="$MODEL_DIR" "$@" | tee build/server.log
cp -r server/target/surefire-reports build/surefire/server

echo "== the consumer example: dev.ct2j:ct2j by its coordinates, in a JVM with an empty home"
examples/maven-consumer/check.sh "$MODEL_DIR" "$ROOT/../shared/data/jfk.flac" | tee build/consumer.log

# numpy's feature bits depend on the OpenBLAS core it runs (and ct2j follows it): the feature tests
# and the int8 parity subset run again under each core this CPU can run, on top of the machine's
# own environment above. The variable is set for one command at a time, never unset.
CORES=(Haswell)
if grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo \
   && grep -qw avx512dq /proc/cpuinfo && grep -qw avx512cd /proc/cpuinfo; then
  CORES+=(SkylakeX)
else
  echo "== (no AVX-512 on this CPU: the SkylakeX core is not run)"
fi
for core in "${CORES[@]}"; do
  echo "== feature tests with OPENBLAS_CORETYPE=$core"
  rm -rf target/surefire-reports
  OPENBLAS_CORETYPE=$core ./mvnw -B -q test -Dct2j.model.dir="$MODEL_DIR" -Dtest='FeatureExtractor*Test'
  cp -r target/surefire-reports "build/surefire/$core"
done

echo "== parity with faster-whisper 1.2.1"
parity/check parity/manifest.jsonl | tee build/parity.log
for core in "${CORES[@]}"; do
  echo "== int8 parity subset with OPENBLAS_CORETYPE=$core"
  OPENBLAS_CORETYPE=$core parity/check parity/manifest-int8.jsonl | tee "build/parity-int8-$core.log"
done

echo "== output files against whisper-ctranslate2 0.5.8's (txt, vtt, srt, tsv, json; jfk and multilingual)"
parity/writers-check.sh | tee build/writers.log

echo "== CTranslate2 text models: parity with CTranslate2's Python API (translator, generator, encoder)"
parity/check-ct2 parity/manifest-ct2.jsonl | tee build/parity-ct2.log

# The GPU kit (docs/gpu.md): built with the CUDA engine where it is cached, else with the CPU engine
# in its place (a cold CI does not build the CUDA engine: ~9 min); its size against the per-call
# budget; then gpu/run.sh --dry-run runs its steps from the unpacked kit with --device cpu.
echo "== the GPU kit: size check (gpu/build-kit.sh) and a dry run on CPU (gpu/run.sh --dry-run)"
CT2J_KIT_ENGINE=${CT2J_KIT_ENGINE:-auto} gpu/build-kit.sh | tee build/gpu-kit.log
OUT="$ROOT/build/gpu-dry-run" gpu/run.sh --dry-run | tee build/gpu-dry-run.log

# One closing line over all the suites (each has already failed the script if it failed).
native=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' build/native-test.log)
java=$(cat build/surefire/*/*.txt | sed -n 's/^Tests run: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\), Skipped: \([0-9]*\).*/\1 \2 \3 \4/p' \
  | awk '{r+=$1; f+=$2+$3; s+=$4} END {print r-f-s, f, s}')
int8_logs=(); for core in "${CORES[@]}"; do int8_logs+=("build/parity-int8-$core.log"); done
parity=$(cat build/parity.log "${int8_logs[@]}" \
  | sed -n 's/^parity: \([0-9]*\)\/\([0-9]*\) cases identical$/\1 \2/p' | awk '{i+=$1; t+=$2} END {print i, t}')
consumer=$(grep -c '^consumer example: passed$' build/consumer.log || true)
fuzz=$(grep -c '^fuzz [a-z]*: .*, 0 crashes$' build/fuzz.log || true)
writers=$(sed -n 's/^writers: \([0-9]*\)\/\([0-9]*\) files identical$/\1 \2/p' build/writers.log)
parity_ct2=$(sed -n 's/^parity-ct2: \([0-9]*\)\/\([0-9]*\) cases identical$/\1 \2/p' build/parity-ct2.log)
# The server's JUnit test is in java above; the client checks it runs (server/check.py) count here.
server=$(sed -n 's/.*server checks ([a-z]*): \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' build/server.log \
  | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
read -r wi wt <<< "$writers"; read -r np nf <<< "$native"; read -r jp jf js <<< "$java"; read -r pi pt <<< "$parity"
read -r sp sf <<< "$server"; read -r ci ct <<< "$parity_ct2"
cuda=$(sed -n 's/^cuda shim: .*; \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' build/cuda-check.log)
read -r cp cf <<< "$cuda"
kit=$(grep -c '^kit: .*: ok$' build/gpu-kit.log || true)
spark_aot=$(grep -c '^spark aot cache (.*): .* \(ok\|up to date\)$' build/spark-aot.log || true)
dry=$(sed -n 's/^test group (dry): \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' build/gpu-dry-run.log)
read -r dp df <<< "$dry"
echo "native ${np} passed, java ${jp} passed (${js} skipped), server client checks ${sp} passed, consumer example ${consumer}/1, fuzz targets ${fuzz}/2 clean, parity ${pi}/${pt} identical, writers ${wi}/${wt} files identical, parity-ct2 ${ci}/${ct} identical, cuda shim ${cp} passed, spark aot caches ${spark_aot}/2, gpu kit size ${kit}/1, gpu dry run ${dp} cases passed"
echo "ct2j: $((np + jp + sp + consumer + fuzz + pi + wi + ci + cp + spark_aot + kit + dp)) passed, $((nf + jf + sf + 1 - consumer + 2 - fuzz + pt - pi + wt - wi + ct - ci + cf + 2 - spark_aot + 1 - kit + df)) failed, ${js} skipped"
