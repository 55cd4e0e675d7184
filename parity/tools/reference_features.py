#!/usr/bin/env python3
"""Reference log-mel features from faster-whisper 1.2.1, for the Java parity tests.

Writes into OUT_DIR (all raw files little-endian float32, no header):
  samples.f32   the 16 kHz mono samples the features were computed from
  features.f32  FeatureExtractor output, row-major [n_mels, frames]
  filters.f32   FeatureExtractor.mel_filters, row-major [n_mels, n_fft/2+1]
  window.f32    the float32 periodic Hann window FeatureExtractor.__call__ builds
  meta.json     shapes and the arguments used

The samples are written back so the Java side runs on exactly the same input:
decoding (PyAV resampling) is not what these tests are about.
"""

import argparse
import json
import os
import sys

import numpy as np
from faster_whisper.audio import decode_audio
from faster_whisper.feature_extractor import FeatureExtractor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from numpy_dispatch import dispatch  # noqa: E402


def _write_f32(path, array):
    np.ascontiguousarray(array, dtype="<f4").tofile(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", help="audio file to decode (or raw float32 file with --raw-input)")
    parser.add_argument("n_mels", type=int, help="feature_size, e.g. 80 or 128")
    parser.add_argument("out_dir", help="directory to write into (created if missing)")
    parser.add_argument("--chunk-length", type=int, default=None,
                        help="passed as chunk_length to FeatureExtractor.__call__")
    parser.add_argument("--padding", type=int, default=None,
                        help="passed as padding to FeatureExtractor.__call__ (default: its own, 160)")
    parser.add_argument("--raw-input", action="store_true",
                        help="AUDIO is little-endian float32 samples at 16 kHz, not an audio file "
                             "(lets tests feed empty or synthetic signals)")
    args = parser.parse_args(argv)

    if args.raw_input:
        audio = np.fromfile(args.audio, dtype="<f4").astype(np.float32)
    else:
        audio = decode_audio(args.audio, sampling_rate=16000)

    extractor = FeatureExtractor(feature_size=args.n_mels)
    call_kwargs = {}
    if args.chunk_length is not None:
        call_kwargs["chunk_length"] = args.chunk_length
    if args.padding is not None:
        call_kwargs["padding"] = args.padding
    features = extractor(audio, **call_kwargs)

    window = np.hanning(extractor.n_fft + 1)[:-1].astype("float32")

    os.makedirs(args.out_dir, exist_ok=True)
    _write_f32(os.path.join(args.out_dir, "samples.f32"), audio)
    _write_f32(os.path.join(args.out_dir, "features.f32"), features)
    _write_f32(os.path.join(args.out_dir, "filters.f32"), extractor.mel_filters)
    _write_f32(os.path.join(args.out_dir, "window.f32"), window)

    meta = {
        "audio": args.audio,
        "raw_input": args.raw_input,
        "samples": int(audio.shape[0]),
        "n_mels": int(features.shape[0]),
        "frames": int(features.shape[1]),
        "features_dtype": str(features.dtype),
        "filters_shape": list(extractor.mel_filters.shape),
        "n_fft": extractor.n_fft,
        "chunk_length": args.chunk_length,
        "padding": args.padding,
        "numpy": np.__version__,
        "dispatch": dispatch(),
    }
    with open(os.path.join(args.out_dir, "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
