#!/usr/bin/env python3
"""Reference outputs of each numpy step of faster-whisper's FeatureExtractor, for the Java tests.

FeatureExtractor.__call__ runs, on float32 data: frames * window, np.fft.rfft, astype(complex64),
np.abs(...) ** 2, mel_filters @ magnitudes, np.log10(np.clip(...)). The Java side reproduces each
step bit for bit; this script feeds each numpy operation random (seeded) inputs shaped and laid
out as in FeatureExtractor and writes inputs and outputs (raw little-endian, no header) to OUT_DIR:

  rfft{N}_in.f32       [R, N] float32 frames (N = 400, and 360 = 2*4*3*3*5 for the other radices)
  rfft{N}_out.c64      np.fft.rfft(frames, n=N, axis=-1), complex64 (what FeatureExtractor gets)
  rfft{N}_out.c128     np.fft.rfft(frames.astype(float64)), to check the double-precision core
  abs_in.c64           complex64 values (real rfft outputs, random magnitudes, edge cases)
  abs_out.f32          np.abs(z);  power_out.f32: np.abs(z) ** 2
  filters{M}.f32       FeatureExtractor(M).mel_filters, [M, 201]
  mm{M}_{F}_in.f32     magnitudes stored [F, 201] (C order), passed as the [201, F] transposed
                       view exactly like FeatureExtractor's magnitudes
  mm{M}_{F}_out.f32    mel_filters @ magnitudes, [M, F]
  log10_in.f32         float32 values spanning 1e-10 .. 1e4 (and beyond), log10_out.f32 np.log10
  whole{M}_{L}_in.f32  L synthetic samples; whole{M}_{L}_out.f32 FeatureExtractor(M)(samples)
  meta.json            shapes, seed, numpy version and the machine facts the results depend on

With --env-only only meta.json is written.
"""

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_dispatch import dispatch  # noqa: E402

# Shapes that take every OpenBLAS path: sgemv (1 frame), SkylakeX's small-matrix kernel (up to
# frames * n_mels = 1200), and the packed kernels under each of the driver's thread splits (the
# Haswell kernel's order depends on them: 20-100 frames split the mels between threads).
FRAMES = (1, 2, 3, 4, 5, 8, 9, 10, 15, 16, 17, 20, 33, 40, 64, 100, 101, 333, 1101, 1500, 3001, 4001)
# Whole FeatureExtractor calls on synthetic speech-like signals: (n_mels, samples).
WHOLE = ((80, 1), (80, 2400), (80, 5120), (80, 176000), (80, 480000), (128, 5120), (128, 176000))


def _write(path, array):
    np.ascontiguousarray(array).tofile(path)


def environment():
    """numpy's SIMD dispatch and the OpenBLAS core and threads numpy's bundled OpenBLAS selected."""
    return dispatch()


def rfft_cases(rng, out_dir, n, count):
    frames = np.empty((count, n), np.float32)
    scales = 10.0 ** rng.uniform(-7, 1, count)
    for i in range(count):
        frames[i] = rng.standard_normal(n) * scales[i]
    window = np.hanning(n + 1)[:-1].astype(np.float32)
    frames[: count // 2] *= window  # like FeatureExtractor's windowed frames
    frames[0] = 0.0
    frames[1, :] = 0.0
    frames[1, n // 3] = 1.0  # an impulse
    _write(os.path.join(out_dir, "rfft%d_in.f32" % n), frames)
    _write(os.path.join(out_dir, "rfft%d_out.c64" % n), np.fft.rfft(frames, n=n, axis=-1))
    _write(os.path.join(out_dir, "rfft%d_out.c128" % n), np.fft.rfft(frames.astype(np.float64), n=n, axis=-1))
    return frames


def abs_cases(rng, out_dir, frames):
    spectra = np.fft.rfft(frames, n=400, axis=-1).astype(np.complex64).ravel()
    count = 100000
    re = rng.standard_normal(count) * 10.0 ** rng.uniform(-25, 15, count)
    im = rng.standard_normal(count) * 10.0 ** rng.uniform(-25, 15, count)
    rand = (re + 1j * im).astype(np.complex64)
    f32 = np.finfo(np.float32)
    edge = np.array([0, 1, 1j, -1, -1j, 3 + 4j, -3 - 4j, 1 + 1j, 1e-30 + 1e-30j, 1e30 + 1e30j,
                     f32.tiny, 1e-45j, 1e-40 + 1e-41j, f32.max, f32.max + 1j * f32.max,
                     1e20 + 1e-20j, 1 + 1e-8j], np.complex64)
    z = np.concatenate([spectra, rand, edge])
    _write(os.path.join(out_dir, "abs_in.c64"), z)
    with np.errstate(over="ignore"):
        _write(os.path.join(out_dir, "abs_out.f32"), np.abs(z))
        _write(os.path.join(out_dir, "power_out.f32"), np.abs(z) ** 2)
    return z.size


def matmul_cases(rng, out_dir):
    from faster_whisper.feature_extractor import FeatureExtractor
    shapes = []
    for n_mels in (80, 128):
        filters = FeatureExtractor(feature_size=n_mels).mel_filters
        _write(os.path.join(out_dir, "filters%d.f32" % n_mels), filters)
        for f in FRAMES:
            # Power spectra: squared Gaussian bins, per-frame scale over 14 decades.
            stored = (rng.standard_normal((f, 201)) ** 2
                      * 10.0 ** rng.uniform(-12, 2, (f, 1))).astype(np.float32)
            if f == 1 and n_mels == 80:
                stored[:] = 0.0  # empty audio: an all-zero spectrum
            magnitudes = stored.T  # [201, F] F-contiguous, as np.abs(stft[..., :-1]) ** 2
            assert magnitudes.strides == (4, 804)
            product = filters @ magnitudes
            _write(os.path.join(out_dir, "mm%d_%d_in.f32" % (n_mels, f)), stored)
            _write(os.path.join(out_dir, "mm%d_%d_out.f32" % (n_mels, f)), product)
            shapes.append([n_mels, f])
    return shapes


def log10_cases(rng, out_dir):
    x = (10.0 ** rng.uniform(-10, 4, 100000)).astype(np.float32)
    extra = np.array([1e-10, 1e-9, 1e-5, 0.1, 0.5, 0.75, 0.74999994, 0.99999994, 1, 1.0000001,
                      1.4999999, 1.5, 2, 3, 10, 100, 1e4, 12345.678, 1e30, 3.4e38], np.float32)
    x = np.concatenate([x, extra, np.nextafter(extra, np.float32(0))]).astype(np.float32)
    _write(os.path.join(out_dir, "log10_in.f32"), x)
    _write(os.path.join(out_dir, "log10_out.f32"), np.log10(x))
    return x.size


def whole_cases(rng, out_dir):
    from faster_whisper.feature_extractor import FeatureExtractor
    done = []
    for n_mels, length in WHOLE:
        t = np.arange(length)
        x = (0.3 * np.sin(t * 0.01 * (1 + np.sin(t * 1e-4))) + 0.05 * rng.standard_normal(length)).astype(np.float32)
        _write(os.path.join(out_dir, "whole%d_%d_in.f32" % (n_mels, length)), x)
        _write(os.path.join(out_dir, "whole%d_%d_out.f32" % (n_mels, length)), FeatureExtractor(feature_size=n_mels)(x))
        done.append([n_mels, length])
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--env-only", action="store_true")
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    meta = {"seed": args.seed, "environment": environment()}
    if not args.env_only:
        rng = np.random.default_rng(args.seed)
        frames = rfft_cases(rng, args.out_dir, 400, 3000)
        rfft_cases(rng, args.out_dir, 360, 500)
        meta["rfft"] = {"400": 3000, "360": 500}
        meta["abs"] = abs_cases(rng, args.out_dir, frames[:500])
        meta["matmul"] = matmul_cases(rng, args.out_dir)
        meta["log10"] = log10_cases(rng, args.out_dir)
        meta["whole"] = whole_cases(rng, args.out_dir)
    with open(os.path.join(args.out_dir, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
