#!/usr/bin/env bash
# Installs the CUDA 13.0 toolkit from PyPI's wheels (native/deps/requirements-cuda.txt, hash-pinned)
# into $CT2J_CACHE/cuda-<key> and prints its root. No GPU and no driver are needed to compile.
#   gpu/cuda-toolkit.sh            the full toolkit: nvcc, headers, cudart, cuBLAS, cuRAND
#                                  (what CTranslate2's CUDA build needs)
#   gpu/cuda-toolkit.sh --headers  nvcc, cudart and their headers only (~45 MB of wheels): enough to
#                                  compile and link the shim's CUDA code paths (CI's quick check)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CT2J_CACHE:-$HOME/.cache/ct2j}
REQ="$ROOT/native/deps/requirements-cuda.txt"
FULL=1
[ "${1:-}" = "--headers" ] && FULL=0
KEY=$(sha256sum "$REQ" | cut -c1-12)
FULL_DIR="$CACHE/cuda-$KEY"
# A full toolkit is a superset of the headers-only one: reuse it when it is there.
if [ -f "$FULL_DIR/.ok" ]; then echo "$FULL_DIR"; exit 0; fi
DIR=$FULL_DIR
wanted=(cat)
if [ "$FULL" = 0 ]; then
  DIR="$CACHE/cuda-$KEY-headers"
  [ -f "$DIR/.ok" ] && { echo "$DIR"; exit 0; }
  wanted=(grep -E '^(nvidia-cuda-nvcc|nvidia-cuda-runtime|nvidia-cuda-crt|nvidia-nvvm)==')
fi
echo "[cuda] installing the CUDA toolkit wheels into $DIR" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${wanted[@]}" "$REQ" | grep -v '^#' > "$tmp/req.txt"
# --platform/--only-binary: the wheels are manylinux x86_64 and pure data; the host Python's own
# tags do not matter.
python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes --only-binary=:all: \
  --platform manylinux_2_27_x86_64 --platform manylinux2014_x86_64 --platform manylinux2010_x86_64 \
  --python-version 3.11 -r "$tmp/req.txt" -d "$tmp/wheels" >&2
rm -rf "$DIR" && mkdir -p "$tmp/x" "$CACHE"
for w in "$tmp"/wheels/*.whl; do unzip -q -o "$w" 'nvidia/cu13/*' -d "$tmp/x"; done
mv "$tmp/x/nvidia/cu13" "$DIR"
# The wheels ship only versioned sonames and no lib64: CMake's FindCUDA/FindCUDAToolkit look for
# the unversioned names (libcudart.so, libcublas.so) under lib64 or lib.
(cd "$DIR/lib" && for f in lib*.so.*; do ln -sf "$f" "${f%%.so.*}.so"; done)
ln -sfn lib "$DIR/lib64"
chmod +x "$DIR"/bin/* "$DIR"/nvvm/bin/* 2>/dev/null || true
"$DIR/bin/nvcc" --version | tail -n 2 >&2
touch "$DIR/.ok"
echo "$DIR"
