#!/usr/bin/env bash
# CI's CUDA check, on a machine without a GPU: compiles and links the shim's CUDA code paths
# (-DCT2J_WITH_CUDA=ON, cudart_static) against the CUDA 13.0 headers and runtime from PyPI
# (gpu/cuda-toolkit.sh --headers, ~45 MB of wheels), then runs ct2j_cuda_smoke, which must find
# no device and fail the memory query with a message instead of crashing.
# The shim is linked to the CPU engine (native/build.sh's): its CUDA code calls only the CUDA
# runtime, never CTranslate2's CUDA side, so this compiles all of it without the CUDA engine
# (which gpu/build-kit.sh builds: ~9 min at -j1, too long for a cold CI). Ends with
# "cuda shim: N passed, M failed".
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
started=$SECONDS
CUDA_HOME=$(gpu/cuda-toolkit.sh --headers)
CT2_PREFIX=$(native/build.sh --deps-only | tail -n 1)
FFMPEG_PREFIX=$(ls -d "$CT2J_CACHE"/ffmpeg-*-audio-static | head -n 1)
BUILD="$ROOT/build/native-cuda-check"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCT2_ROOT="$CT2_PREFIX" \
  -DFFMPEG_ROOT="$FFMPEG_PREFIX" -DCT2J_WITH_CUDA=ON -DCUDAToolkit_ROOT="$CUDA_HOME" > "$BUILD.log" 2>&1 \
  || { cat "$BUILD.log" >&2; exit 1; }
# -Werror on the shim's own sources only for this build: the CUDA paths must compile cleanly.
cmake --build "$BUILD" -j "${CT2J_JOBS:-2}" --target ct2j ct2j_cuda_smoke >> "$BUILD.log" 2>&1 \
  || { tail -n 40 "$BUILD.log" >&2; exit 1; }
if grep -n 'warning:' "$BUILD.log" | grep -q 'native/src'; then
  grep -n 'warning:' "$BUILD.log" | grep 'native/src' >&2
  echo "cuda shim: the CUDA build of the shim has compiler warnings" >&2; exit 1
fi
readelf -d "$BUILD/lib/libct2j.so" | grep -q 'libcudart' && { echo "cuda shim: libct2j.so needs a shared libcudart (expected cudart_static)" >&2; exit 1; }
out=$("$BUILD/ct2j_cuda_smoke") || { echo "$out"; echo "cuda shim: ct2j_cuda_smoke failed" >&2; exit 1; }
echo "$out"
counts=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
read -r p f <<< "$counts"
echo "cuda shim: compiled against CUDA $("$CUDA_HOME/bin/nvcc" --version | sed -n "s/.*release \([0-9.]*\).*/\1/p") in $((SECONDS - started)) s; $p passed, $f failed"
