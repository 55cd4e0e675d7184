#!/usr/bin/env bash
# Builds the native side of ct2j:
#   1. CTranslate2 from the pinned `ct2rs` crate (which publishes CTranslate2's full tree),
#      with Intel MKL (static, from PyPI) and oneDNN (static, from the pinned `onednn-src` crate):
#      the same backends, versions and flags as the official ctranslate2 wheels;
#   2. FFmpeg 8.1.2 (static, audio only) from the pinned `ffmpeg-src` crate: the same release as
#      the FFmpeg inside PyAV's wheel, so that decoded samples match faster-whisper's bit for bit;
#   3. the ct2j shim (top-level CMakeLists.txt) against both, into build/native/lib.
# Heavy outputs are cached outside the clone in $CT2J_CACHE (default ~/.cache/ct2j), keyed by
# versions and flags, so a second run only rebuilds the shim.
#
# Usage: native/build.sh [--cuda] [--deps-only]
#   --cuda       configure CTranslate2 with CUDA (needs nvcc; see docs/gpu.md)
#   --deps-only  stop after CTranslate2 (used by the parity venv build)
# Prints the CTranslate2 install prefix on its last line.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
# Where the CTranslate2 build goes (gpu/build-kit.sh keeps its CUDA engine in its own cache).
ENGINE_CACHE=${CT2J_ENGINE_CACHE:-$CACHE}
JOBS=${CT2J_JOBS:-$(nproc)}

CT2RS_VERSION=0.10.3        # publishes CTranslate2 4.8.4
CT2RS_SHA256=edf9167bb229e98360fe2ae650bf44936bf043f11cf6e620994bd0ef51c6cf8c
ONEDNN_SRC_VERSION=0.1.22   # publishes oneDNN 3.14.1
ONEDNN_SRC_SHA256=e44a92c32c52aa160b62ffeae2e4c17206d2c6332120efffed9542132fd19401
FFMPEG_SRC_VERSION=8.1.2    # publishes FFmpeg 8.1.2: the release PyAV 18.1 (faster-whisper's decoder) bundles
FFMPEG_SRC_SHA256=dab50ae98987270a0363d2d2ce78c4b7cc462e6a9719927bbd0202ac6594f67c
MKL_VERSION=2025.3.0

WITH_CUDA=OFF
DEPS_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --cuda) WITH_CUDA=ON ;;
    --deps-only) DEPS_ONLY=1 ;;
    *) echo "native/build.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done

log() { echo "[native] $*" >&2; }
mkdir -p "$CACHE"

# ---- 1. sources, from the crate registry, checksum-verified ---------------------------------
fetch_crate() { # name version sha256 -> prints extracted dir
  local name=$1 version=$2 sha=$3 dest="$CACHE/src/$1-$2"
  if [ ! -f "$dest/.ok" ]; then
    log "fetching crate $name $version"
    cargo fetch --locked --manifest-path "$ROOT/native/deps/Cargo.toml" >&2
    local crate
    crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$name-$version.crate" | head -n 1)
    echo "$sha  $crate" | sha256sum -c --quiet - >&2 || { echo "checksum mismatch for $crate" >&2; exit 1; }
    rm -rf "$dest" && mkdir -p "$CACHE/src"
    tar -xzf "$crate" -C "$CACHE/src"
    touch "$dest/.ok"
  fi
  echo "$dest"
}
CT2_SRC="$(fetch_crate ct2rs "$CT2RS_VERSION" "$CT2RS_SHA256")/CTranslate2"
DNNL_SRC="$(fetch_crate onednn-src "$ONEDNN_SRC_VERSION" "$ONEDNN_SRC_SHA256")/oneDNN"
FFMPEG_CRATE="$(fetch_crate ffmpeg-src "$FFMPEG_SRC_VERSION" "$FFMPEG_SRC_SHA256")"
CT2_VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' "$CT2_SRC/python/ctranslate2/version.py")
DNNL_VERSION=$(sed -n 's/^set(PROJECT_VERSION "\(.*\)")/\1/p' "$DNNL_SRC/CMakeLists.txt")
log "CTranslate2 $CT2_VERSION, oneDNN $DNNL_VERSION, MKL $MKL_VERSION"

# ---- 2. Intel MKL (static libraries + headers) from PyPI, hash-pinned -----------------------
MKL_ROOT="$CACHE/mkl-$MKL_VERSION"
if [ ! -f "$MKL_ROOT/.ok" ]; then
  log "downloading MKL $MKL_VERSION"
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --require-hashes -r "$ROOT/native/deps/requirements-mkl.txt" -d "$tmp" >&2
  rm -rf "$MKL_ROOT" && mkdir -p "$MKL_ROOT/lib" "$MKL_ROOT/include"
  (cd "$tmp" && unzip -q -o 'mkl_include-*.whl' '*/data/include/*' \
     && unzip -q -o 'mkl_static-*.whl' '*/libmkl_core.a' '*/libmkl_intel_ilp64.a' '*/libmkl_gnu_thread.a')
  cp -r "$tmp"/mkl_include-*.data/data/include/. "$MKL_ROOT/include/"
  cp "$tmp"/mkl_static-*.data/data/lib/*.a "$MKL_ROOT/lib/"
  rm -rf "$tmp"
  touch "$MKL_ROOT/.ok"
fi

# ---- 3. oneDNN, static, only what CTranslate2 uses (as in its wheel build) -------------------
DNNL_PREFIX="$CACHE/onednn-$DNNL_VERSION-omp-static"
if [ ! -f "$DNNL_PREFIX/.ok" ]; then
  log "building oneDNN $DNNL_VERSION (static, CONVOLUTION;REORDER)"
  bdir="$CACHE/build/onednn-$DNNL_VERSION"
  rm -rf "$bdir" "$DNNL_PREFIX"
  cmake -S "$DNNL_SRC" -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$DNNL_PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
    -DONEDNN_LIBRARY_TYPE=STATIC -DONEDNN_BUILD_EXAMPLES=OFF -DONEDNN_BUILD_TESTS=OFF \
    -DONEDNN_ENABLE_WORKLOAD=INFERENCE -DONEDNN_ENABLE_PRIMITIVE="CONVOLUTION;REORDER" \
    -DONEDNN_BUILD_GRAPH=OFF -DONEDNN_BUILD_DOC=OFF -DONEDNN_CPU_RUNTIME=OMP >&2
  cmake --build "$bdir" -j "$JOBS" >&2
  cmake --install "$bdir" >&2
  rm -rf "$bdir"
  touch "$DNNL_PREFIX/.ok"
fi

# ---- 4. CTranslate2 ---------------------------------------------------------------------------
CT2_FLAGS=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-msse4.1 -DBUILD_CLI=OFF -DBUILD_TESTS=OFF
  -DWITH_MKL=ON -DWITH_DNNL=ON -DOPENMP_RUNTIME=COMP -DWITH_RUY=OFF
  -DWITH_CUDA="$WITH_CUDA")
CUDA_FLAGS=()
KEY_EXTRA=()
if [ "$WITH_CUDA" = ON ]; then
  # nvcc 13 rejects the archs below 7.5 that FindCUDA's "Common" list expands to.
  CT2_FLAGS+=(-DWITH_CUDNN=OFF -DCUDA_DYNAMIC_LOADING=ON "-DCUDA_ARCH_LIST=${CT2J_CUDA_ARCHS:-7.5;8.0;8.6;8.9;9.0}"
    "-DCUDA_NVCC_FLAGS=-Xfatbin=-compress-all")
  # The toolkit comes from PyPI's wheels (gpu/cuda-toolkit.sh) unless CT2J_CUDA_HOME names one.
  # Its path stays out of the cache key; its nvcc version goes in instead.
  CUDA_HOME=${CT2J_CUDA_HOME:-$("$ROOT/gpu/cuda-toolkit.sh")}
  export PATH="$CUDA_HOME/bin:$PATH"
  CUDA_FLAGS=(-DCUDA_TOOLKIT_ROOT_DIR="$CUDA_HOME")
  KEY_EXTRA=("cuda=$("$CUDA_HOME/bin/nvcc" --version | tail -n 1)")
fi
KEY=$(printf '%s\n' "$CT2_VERSION" "$DNNL_VERSION" "$MKL_VERSION" "${CT2_FLAGS[@]}" "${KEY_EXTRA[@]}" | sha256sum | cut -c1-12)
CT2_PREFIX="$ENGINE_CACHE/ctranslate2-$CT2_VERSION-$KEY"
if [ ! -f "$CT2_PREFIX/.ok" ]; then
  log "building CTranslate2 $CT2_VERSION ($KEY): ${CT2_FLAGS[*]}"
  bdir="$ENGINE_CACHE/build/ctranslate2-$KEY"
  rm -rf "$bdir" "$CT2_PREFIX"
  start=$(date +%s)
  MKLROOT="$MKL_ROOT" cmake -S "$CT2_SRC" -B "$bdir" -G Ninja "${CT2_FLAGS[@]}" "${CUDA_FLAGS[@]}" \
    -DCMAKE_INSTALL_PREFIX="$CT2_PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
    -DDNNL_INCLUDE_DIR="$DNNL_PREFIX/include" -DDNNL_LIBRARY="$DNNL_PREFIX/lib/libdnnl.a" >&2
  cmake --build "$bdir" -j "$JOBS" >&2
  cmake --install "$bdir" >&2
  rm -rf "$bdir"
  printf '%s\n' "version=$CT2_VERSION" "onednn=$DNNL_VERSION" "mkl=$MKL_VERSION" \
    "flags=${CT2_FLAGS[*]}" "build_seconds=$(( $(date +%s) - start ))" > "$CT2_PREFIX/BUILD_INFO"
  touch "$CT2_PREFIX/.ok"
fi
[ "$DEPS_ONLY" = 1 ] && { echo "$CT2_PREFIX"; exit 0; }

# ---- 5. FFmpeg, static and audio-only (decoders, demuxers, libswresample) -------------------
FFMPEG_PREFIX="$CACHE/ffmpeg-$FFMPEG_SRC_VERSION-audio-static"
if [ ! -f "$FFMPEG_PREFIX/.ok" ]; then
  log "building FFmpeg $FFMPEG_SRC_VERSION (static, audio decoders)"
  command -v nasm >/dev/null || { echo "nasm is needed to build FFmpeg with its SIMD code (apt-get install nasm)" >&2; exit 1; }
  bdir="$CACHE/build/ffmpeg-$FFMPEG_SRC_VERSION"
  rm -rf "$bdir" "$FFMPEG_PREFIX" && mkdir -p "$bdir"
  tar -xJf "$FFMPEG_CRATE/native/ffmpeg.tar.xz" -C "$bdir"
  # Assembly stays on: PyAV's FFmpeg runs the SIMD versions of the DSP routines, and the C
  # fallbacks round differently.
  (cd "$bdir/ffmpeg" && ./configure --prefix="$FFMPEG_PREFIX" --enable-static --disable-shared --enable-pic \
      --disable-programs --disable-doc --disable-network --disable-autodetect \
      --disable-avdevice --disable-avfilter --disable-swscale \
      --disable-encoders --disable-muxers --disable-hwaccels --disable-indevs --disable-outdevs \
      --disable-filters --disable-bsfs --disable-protocols --enable-protocol=file,pipe \
      --disable-decoders --enable-decoder='aac*,ac3*,eac3*,alac,als,amrnb,amrwb,ape,atrac*,cook,dca,dsd_*,flac,g722,g723_1,g726*,g729,gsm*,mace*,mlp,mp1*,mp2*,mp3*,nellymoser,opus,pcm_*,adpcm_*,qcelp,qdm2,ra_*,shorten,tak,truehd,tta,vorbis,wavpack,wma*,speex,sipr,twinvq,metasound,imc,iac,interplay_dpcm,roq_dpcm,sol_dpcm,xan_dpcm,derf_dpcm,gremlin_dpcm,dolby_e,evrc,hca,hcom,acelp_kelvin,siren,msnsiren,osq,apac,bonk,misc4,ftr,xma*,dfpwm,rka,wady_dpcm,cbd2_dpcm,qoa,ahx' \
      >&2)
  make -C "$bdir/ffmpeg" -j "$JOBS" >&2
  make -C "$bdir/ffmpeg" install-libs install-headers >&2 # the crate has no doc/examples for "install"
  rm -rf "$bdir"
  touch "$FFMPEG_PREFIX/.ok"
fi


# ---- 6. the ct2j shim -------------------------------------------------------------------------
cmake -S "$ROOT" -B "$ROOT/build/native" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCT2_ROOT="$CT2_PREFIX" -DFFMPEG_ROOT="$FFMPEG_PREFIX" -DCT2J_WITH_CUDA="$WITH_CUDA" >&2
cmake --build "$ROOT/build/native" -j "$JOBS" >&2

# ---- 7. what the jar carries (dev/ct2j/native/linux-x86_64/, from build/jar-natives) ------------
# Real files, not build/native/lib's symlink. libgomp is the one library they load that a bare
# Debian lacks; NativeLibrary loads it first, so libctranslate2's NEEDED entry binds to this copy.
# The list names each file with its sha256, in load order: the jar's extraction folder is named by
# its hash, and every extracted file is checked against it.
JAR_NATIVES="$ROOT/build/jar-natives"
mkdir -p "$JAR_NATIVES"
cp -fL "$(gcc -print-file-name=libgomp.so.1)" "$JAR_NATIVES/libgomp.so.1"
cp -fL "$ROOT/build/native/lib/libctranslate2.so.4" "$ROOT/build/native/lib/libct2j.so" "$JAR_NATIVES/"
(cd "$JAR_NATIVES" && sha256sum libgomp.so.1 libctranslate2.so.4 libct2j.so > natives.sha256.tmp \
  && mv natives.sha256.tmp natives.sha256)
echo "$CT2_PREFIX"
