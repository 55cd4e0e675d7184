#!/usr/bin/env bash
# Builds, on a CPU machine, everything a GPU run needs (docs/gpu.md), and packs it into parts that
# each fit one device call (at most 64 MiB travels per call: the working tree plus carried paths).
#   gpu/build-kit.sh             build (cached) and pack into build/gpu-xfer/
#   gpu/build-kit.sh --unpacked DIR   also unpack the parts into DIR, as gpu/run.sh does on the device
# Heavy outputs are cached outside the clone in $CT2J_KIT_CACHE (default $CT2J_CACHE/gpu-kit): the
# CUDA CTranslate2 build (~9 min at -j1 on a quiet machine), the CUDA shim, the jlinked runtime,
# the reference wheels. The CPU side must be built first (scripts/setup.sh: MKL, oneDNN, FFmpeg,
# the jars); the kit reuses them. Prints one line per part and the size check last:
#   "kit: N parts, X MiB in all, largest Y MiB of a Z MiB budget per call: ok"
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$ROOT"
UNPACK=
case "${1:-}" in
  "") ;;
  --unpacked) UNPACK=${2:?--unpacked needs a directory} ;;
  *) echo "usage: gpu/build-kit.sh [--unpacked DIR]" >&2; exit 2 ;;
esac
KIT_CACHE=${CT2J_KIT_CACHE:-$CT2J_CACHE/gpu-kit}
JOBS=${CT2J_JOBS:-2}
ARCHS=${CT2J_CUDA_ARCHS:-9.0}  # the H200 (sm_90); nvcc 13 takes 7.5 and up
XFER="$ROOT/build/gpu-xfer"
# The per-call limit, less the working tree that travels with every call and a margin.
CALL_BUDGET_MIB=64
MAX_CALLS=4 # each call costs device time (docs/gpu.md): the kit must travel in at most this many
LONG_MINUTES=5
log() { echo "[kit] $*" >&2; }
mkdir -p "$KIT_CACHE"
started=$SECONDS
step_start=$SECONDS
timing() { log "$1: $((SECONDS - step_start)) s"; step_start=$SECONDS; }

for tool in patchelf xz; do
  command -v $tool >/dev/null || { s=; [ "$(id -u)" -eq 0 ] || s=sudo
    $s apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive $s apt-get install -y -qq --no-install-recommends patchelf xz-utils >&2; break; }
done

# ---- 1. the CUDA engine and the CUDA shim -------------------------------------------------------
# CT2J_KIT_ENGINE: cuda (default) builds the CUDA engine if it is not cached; cpu puts the CPU
# engine in its place, for a dry run only (run.sh refuses it on a GPU); auto takes the CUDA engine
# when it is cached and the CPU one otherwise: CI's choice, so that a cold CI does not spend ~9 min
# on the CUDA engine (scripts/test.sh).
ENGINE=${CT2J_KIT_ENGINE:-cuda}
CT2_CPU=$("$ROOT/native/build.sh" --deps-only | tail -n 1)
if [ "$ENGINE" = auto ]; then
  ENGINE=cpu
  for info in "$KIT_CACHE"/ctranslate2-*/BUILD_INFO; do
    [ -f "$(dirname "$info")/.ok" ] && grep -q -- "-DWITH_CUDA=ON .*-DCUDA_ARCH_LIST=$ARCHS " "$info" && ENGINE=cuda
  done
  log "engine: $ENGINE (auto: the CUDA engine is $([ "$ENGINE" = cuda ] || echo "not ")cached in $KIT_CACHE)"
fi
case "$ENGINE" in
  cuda)
    CUDA_HOME=$(CT2J_CACHE="$KIT_CACHE" "$ROOT/gpu/cuda-toolkit.sh")
    CT2_CUDA=$(CT2J_ENGINE_CACHE="$KIT_CACHE" CT2J_CUDA_HOME="$CUDA_HOME" CT2J_CUDA_ARCHS="$ARCHS" CT2J_JOBS="$JOBS" \
      "$ROOT/native/build.sh" --cuda --deps-only | tail -n 1) ;;
  cpu)
    CUDA_HOME=$("$ROOT/gpu/cuda-toolkit.sh" --headers) # where scripts/cuda-check.sh takes it from
    CT2_CUDA=$CT2_CPU ;;
  *) echo "[kit] CT2J_KIT_ENGINE must be cuda, cpu or auto, not '$ENGINE'" >&2; exit 2 ;;
esac
FFMPEG_PREFIX=$(ls -d "$CT2J_CACHE"/ffmpeg-*-audio-static | head -n 1)
[ -f "$FFMPEG_PREFIX/.ok" ] || { echo "[kit] FFmpeg is not built: run scripts/setup.sh first" >&2; exit 1; }
timing "CUDA engine ($CT2_CUDA)"
# In the clone (CMake's cache names its source folder): with the CPU engine, the very build
# scripts/cuda-check.sh makes (same toolkit, same engine), so CI compiles it once.
if [ "$ENGINE" = cuda ]; then SHIM="$ROOT/build/gpu-shim-cuda"; else SHIM="$ROOT/build/native-cuda-check"; fi
cmake -S "$ROOT" -B "$SHIM" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCT2_ROOT="$CT2_CUDA" \
  -DFFMPEG_ROOT="$FFMPEG_PREFIX" -DCT2J_WITH_CUDA=ON -DCUDAToolkit_ROOT="$CUDA_HOME" >&2
cmake --build "$SHIM" -j "$JOBS" --target ct2j ct2j_cuda_smoke ct2j_native_test >&2
timing "CUDA shim"

# ---- 2. the Java side: a jlinked runtime, the tools and their jars -----------------------------
tools_jar=$(ls "$ROOT"/tools/target/ct2j-tools-*.jar 2>/dev/null | head -n 1 || true)
[ -n "$tools_jar" ] && [ -d "$ROOT/tools/target/lib" ] \
  || { echo "[kit] tools/target is missing: run scripts/setup.sh (or mvnw install + -f tools/pom.xml install)" >&2; exit 1; }
JDK_KEY=$(stat -c '%s %Y' "$JAVA_HOME/lib/modules" | sha256sum | cut -c1-12)
# What the tools and their jars use (java.management: memcheck's heap figures; java.net.http: the
# model hub client; java.sql: Jackson's optional date types; jdk.unsupported: JNA and DJL).
MODULES=java.base,java.logging,java.management,java.net.http,java.sql,jdk.unsupported,jdk.zipfs
RUNTIME="$KIT_CACHE/jre-$JDK_KEY-$(echo "$MODULES" | sha256sum | cut -c1-8)"
if [ ! -f "$RUNTIME/.ok" ]; then
  rm -rf "$RUNTIME"
  # No --compress: xz packs the plain modules image to ~15 MB, zip-9's to ~25 MB.
  "$JAVA_HOME/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --output "$RUNTIME" >&2
  find "$RUNTIME/lib" -name '*.so' -exec strip --strip-unneeded {} +
  "$RUNTIME/bin/java" -version >&2
  touch "$RUNTIME/.ok"
fi
timing "jlinked runtime"

# ---- 3. the reference side: faster-whisper's wheels and CTranslate2's binding for Python 3.12 -----
PY_TARGET=(--only-binary=:all: --python-version 3.12 --implementation cp --abi cp312
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64
  --platform manylinux_2_17_x86_64)
PY_KEY=$(cat "$ROOT/gpu/requirements-reference.txt" "$ROOT/gpu/requirements-binding.txt" | sha256sum | cut -c1-12)
PYREF="$KIT_CACHE/pyref-$PY_KEY"
if [ ! -f "$PYREF/.ok" ]; then
  rm -rf "$PYREF" && mkdir -p "$PYREF"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile --require-hashes \
    "${PY_TARGET[@]}" --target "$PYREF/site" -r "$ROOT/gpu/requirements-reference.txt" >&2
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
    "${PY_TARGET[@]}" -d "$PYREF/wheel" -r "$ROOT/gpu/requirements-binding.txt" >&2
  rm -rf "$PYREF"/site/bin
  touch "$PYREF/.ok"
fi
timing "reference wheels"

# ---- 4. audio: jfk and a long file, with the samples faster-whisper's decode_audio (PyAV) gives ---
AUDIO="$KIT_CACHE/audio"
mkdir -p "$AUDIO"
cp -f "$ROOT/../shared/data/jfk.flac" "$AUDIO/jfk.flac"
[ -f "$AUDIO/long-${LONG_MINUTES}min.flac" ] \
  || "$ROOT/benchmarks/make-long-audio.sh" "$LONG_MINUTES" "$AUDIO/long-${LONG_MINUTES}min.flac" >/dev/null
"$ROOT/parity/setup-venv.sh" --without-binding >&2
# int16, as PyAV's resampler hands them to decode_audio (which divides by 32768): half the size of
# float32, and the division on the device gives the same bits.
"$ROOT/.venv/bin/python" - "$AUDIO" <<'EOF'
import os, sys
import numpy as np
from faster_whisper import decode_audio
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if name.endswith(".flac"):
        out = os.path.join(d, name + ".s16")
        if not os.path.exists(out):
            s16 = np.round(decode_audio(os.path.join(d, name)) * 32768.0).astype("<i2")
            assert np.array_equal(s16.astype(np.float32) / 32768.0, decode_audio(os.path.join(d, name)))
            s16.tofile(out + ".tmp")
            os.replace(out + ".tmp", out)
EOF
timing "audio"

# ---- 5. the kit tree ------------------------------------------------------------------------------
STAGE="$KIT_CACHE/stage"
rm -rf "$STAGE" && mkdir -p "$STAGE"/{native,lib,py/site,py/cp312,audio,models}
# natives: the CUDA shim and engine (also the CPU engine: MKL and oneDNN are linked in), libgomp
cp -L "$SHIM/lib/libct2j.so" "$SHIM/ct2j_cuda_smoke" "$SHIM/ct2j_native_test" "$STAGE/native/"
cp -L "$CT2_CUDA/lib/libctranslate2.so.4" "$STAGE/native/libctranslate2.so.4"
strip --strip-unneeded "$STAGE/native/libctranslate2.so.4"
patchelf --set-rpath '$ORIGIN' "$STAGE/native/libctranslate2.so.4" # finds libgomp.so.1 beside it
cp -L "$(gcc -print-file-name=libgomp.so.1)" "$STAGE/native/libgomp.so.1"
patchelf --set-rpath '$ORIGIN' "$STAGE/native/ct2j_cuda_smoke" "$STAGE/native/ct2j_native_test"
# jars: the natives travel in native/ (CT2J_NATIVE_LIB points there); other platforms' libraries go
cp "$tools_jar" "$STAGE/lib/"
cp "$ROOT"/tools/target/lib/*.jar "$STAGE/lib/"
for jar in "$STAGE"/lib/ct2j-0*.jar; do zip -q -d "$jar" 'dev/ct2j/native/*' >/dev/null || true; done
for jar in "$STAGE"/lib/onnxruntime-*.jar; do
  zip -q -d "$jar" 'ai/onnxruntime/native/linux-aarch64/*' 'ai/onnxruntime/native/osx-*' 'ai/onnxruntime/native/win-*' >/dev/null || true
done
for jar in "$STAGE"/lib/tokenizers-*.jar; do
  zip -q -d "$jar" 'native/lib/linux-aarch64/*' 'native/lib/osx-*' 'native/lib/win-*' >/dev/null || true
done
cp -r "$RUNTIME" "$STAGE/jre" && rm -f "$STAGE/jre/.ok"
# python: version-independent packages in py/site, CPython 3.12 builds in py/cp312
cp -r "$PYREF/site/." "$STAGE/py/site/"
for pkg in numpy numpy.libs yaml _yaml; do
  for p in "$STAGE"/py/site/$pkg "$STAGE"/py/site/$pkg-*.dist-info "$STAGE"/py/site/${pkg^^}*.dist-info; do
    [ -e "$p" ] && mv "$p" "$STAGE/py/cp312/"
  done
done
mv "$STAGE"/py/site/PyYAML-*.dist-info "$STAGE/py/cp312/" 2>/dev/null || true
# CTranslate2's binding: its Python files from the source we build, two compiled extensions beside
# them (Python picks the one of its version), both relinked onto native/libctranslate2.so.4:
#   cp312: the official 4.8.4 wheel's (for the GPU machine), cp311: ours, from .venv's build
#   (for the dry run here).
CT2_SRC=$(ls -d "$CT2J_CACHE"/src/ct2rs-*/CTranslate2 | head -n 1)
mkdir -p "$STAGE/py/site/ctranslate2"
(cd "$CT2_SRC/python/ctranslate2" && cp -r --parents $(find . -name '*.py') "$STAGE/py/site/ctranslate2/")
tmp=$(mktemp -d)
unzip -q -o "$PYREF"/wheel/ctranslate2-*cp312*.whl 'ctranslate2/_ext.*' -d "$tmp"
cp "$tmp"/ctranslate2/_ext.cpython-312-*.so "$STAGE/py/site/ctranslate2/"
CPU_WHEEL=$(ls "$CT2J_CACHE"/wheels/"$(basename "$CT2_CPU")"/ctranslate2-*cp311*.whl | head -n 1)
unzip -q -o "$CPU_WHEEL" 'ctranslate2/_ext.*' -d "$tmp"
cp "$tmp"/ctranslate2/_ext.cpython-311-*.so "$STAGE/py/site/ctranslate2/"
rm -rf "$tmp"
for ext in "$STAGE"/py/site/ctranslate2/_ext.*.so; do
  strip --strip-unneeded "$ext" # before patchelf: stripping a patched file can break it
  old=$(patchelf --print-needed "$ext" | grep '^libctranslate2' || true)
  [ -n "$old" ] && [ "$old" != libctranslate2.so.4 ] && patchelf --replace-needed "$old" libctranslate2.so.4 "$ext"
  patchelf --set-rpath '$ORIGIN/../../../native' "$ext"
done
# Every CTranslate2 symbol each binding needs must be exported by the kit's library.
defined=$(mktemp); nm -D --defined-only "$STAGE/native/libctranslate2.so.4" | awk '{print $3}' | sort -u > "$defined"
for ext in "$STAGE"/py/site/ctranslate2/_ext.*.so; do
  missing=$(nm -D --undefined-only "$ext" | awk '{print $2}' | grep ctranslate2 | sort -u | comm -23 - "$defined" | wc -l)
  [ "$missing" = 0 ] || { echo "[kit] $(basename "$ext") needs $missing CTranslate2 symbols the kit's library lacks" >&2; exit 1; }
done
rm -f "$defined"
cp "$AUDIO"/jfk.flac "$AUDIO"/jfk.flac.s16 "$AUDIO/long-${LONG_MINUTES}min.flac" "$AUDIO/long-${LONG_MINUTES}min.flac.s16" "$STAGE/audio/"
cp "$ROOT/gpu/manifest-gpu.jsonl" "$STAGE/"
MODEL_DIR=$("$ROOT/scripts/install-model.sh" base)
cp -r "$MODEL_DIR" "$STAGE/models/base"
# What the kit was built from, for the run's figures.
{ echo "built=$(date -u +%FT%TZ)"; echo "commit=$(git -C "$ROOT" rev-parse HEAD)"; echo "engine=$ENGINE $(basename "$CT2_CUDA")"
  echo "cuda_archs=$ARCHS"; echo "toolkit=$("$CUDA_HOME/bin/nvcc" --version | sed -n 's/.*release \([0-9.]*\), \(V.*\)/\1 (\2)/p')"; echo "jdk=$("$STAGE/jre/bin/java" -version 2>&1 | head -n 1)"
} > "$STAGE/KIT_INFO"
timing "kit tree ($(du -sm "$STAGE" | cut -f1) MiB unpacked)"

# ---- 6. pack: one stream (the compressible part as tar.xz, then the model as is), split per call --
rm -rf "$XFER" && mkdir -p "$XFER"
pack="$KIT_CACHE/pack"
rm -rf "$pack" && mkdir -p "$pack"
# -3: within 5% of -6's size here, at half its time (~100 s on 2 busy cores)
tar -C "$STAGE" --exclude=./models -cf - . | xz -T "$JOBS" -3 > "$pack/kit.tar.xz"
tar -C "$STAGE" -cf "$pack/models.tar" models
(cd "$pack" && tar -cf - kit.tar.xz models.tar) > "$pack/stream.tar"
tree_kib=$(git -C "$ROOT" ls-files -co --exclude-standard -z | (cd "$ROOT" && xargs -0 du -ck 2>/dev/null) | tail -n 1 | cut -f1)
part_bytes=$(( (CALL_BUDGET_MIB * 1024 - tree_kib - 1024) * 1024 ))
(cd "$XFER" && split -d -a 2 -b "$part_bytes" "$pack/stream.tar" part-)
(cd "$XFER" && sha256sum part-* > parts.sha256)
rm -rf "$pack"
timing "pack"
n=$(ls "$XFER"/part-* | wc -l)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
largest=0 total=0
for p in "$XFER"/part-*; do
  b=$(stat -c %s "$p"); total=$((total + b)); [ "$b" -gt "$largest" ] && largest=$b
  log "$(basename "$p"): $(mib "$b") MiB (+ $(mib $((tree_kib * 1024))) MiB working tree = $(mib $((b + tree_kib * 1024))) MiB in its call)"
done
log "kit.tar.xz part of the stream: everything but the model; the model (base, float16) travels uncompressed"
log "built in $((SECONDS - started)) s"
if [ -n "$UNPACK" ]; then
  rm -rf "$UNPACK" && mkdir -p "$UNPACK"
  cat "$XFER"/part-* | tar -C "$UNPACK" -xf - && (cd "$UNPACK" && xz -dc kit.tar.xz | tar -xf - && tar -xf models.tar && rm -f kit.tar.xz models.tar)
  log "unpacked into $UNPACK"
fi
verdict=ok
[ $(( largest + tree_kib * 1024 )) -le $(( CALL_BUDGET_MIB * 1048576 )) ] && [ "$n" -le "$MAX_CALLS" ] || verdict=OVER
[ "$ENGINE" = cuda ] || log "note: the CPU engine stands in for the CUDA one in this kit (dry run only): the real kit differs by a few MiB"
echo "kit: $n parts ($n device calls of at most $MAX_CALLS), $(mib "$total") MiB in all, largest call $(mib $((largest + tree_kib * 1024))) MiB of a $CALL_BUDGET_MIB MiB budget per call ($ENGINE engine): $verdict"
[ "$verdict" = ok ]
