"""Encoder calls of 8 windows against smaller calls, on faster-whisper's own engine binding.

  .venv/bin/python benchmarks/encoder_split.py MODEL_DIR AUDIO [int8|float32]

Checks that encoding 8 windows of 30 s in calls of 4, 2 or 1 gives the values of the one call
bit for bit, then times each split in a fresh process and prints its peak RSS: the one call holds
the self-attention scores of all 8 windows ([8, heads, 1500, 1500] floats), which is what the
batched pipeline's peak is made of (ct2j encodes a window per call on the CPU: ct2j_encode_split).
"""
import resource
import subprocess
import sys
import time

import numpy as np


def windows(audio_path):
    from faster_whisper import decode_audio
    from faster_whisper.feature_extractor import FeatureExtractor
    audio = decode_audio(audio_path)
    if len(audio) < 8 * 480000:
        sys.exit(f"{audio_path}: need at least 4 minutes of audio")
    extractor = FeatureExtractor()
    return np.ascontiguousarray(np.stack([extractor(audio[i * 480000:(i + 1) * 480000])[:, :3000] for i in range(8)]))


def encoder(model_dir, compute):
    import ctranslate2
    model = ctranslate2.models.Whisper(model_dir, device="cpu", compute_type=compute, intra_threads=2)
    return lambda x: np.array(model.encode(ctranslate2.StorageView.from_array(np.ascontiguousarray(x)), to_cpu=True))


def encode_in_calls(encode, features, per_call):
    return np.concatenate([encode(features[i:i + per_call]) for i in range(0, len(features), per_call)])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--one":  # a child: one split, timed, peak RSS
        _, _, model_dir, audio_path, compute, per_call = sys.argv
        features = windows(audio_path)
        encode = encoder(model_dir, compute)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.time()
        for _ in range(3):
            encode_in_calls(encode, features, int(per_call))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"| {per_call} | {(time.time() - start) / 3:.2f} | {peak:.0f} | {before:.0f} |")
        return
    model_dir, audio_path = sys.argv[1], sys.argv[2]
    compute = sys.argv[3] if len(sys.argv) > 3 else "int8"
    features = windows(audio_path)
    encode = encoder(model_dir, compute)
    whole = encode(features)
    for per_call in (4, 2, 1):
        same = np.array_equal(whole, encode_in_calls(encode, features, per_call))
        print(f"{compute}: 8 windows in calls of {per_call}: identical to one call: {same}")
    del whole, encode
    print("| windows per call | s per 8 windows | peak RSS MB | RSS before encoding MB |")
    print("|---|---|---|---|")
    for per_call in (8, 4, 2, 1):
        subprocess.run([sys.executable, __file__, "--one", model_dir, audio_path, compute, str(per_call)], check=True)


if __name__ == "__main__":
    main()
