"""Times encode and generate on jfk's 30 s window through CTranslate2's Python API, the calls
EngineBench times through ct2j, and prints the ratio ct2j/Python per call from the JMH results.

    engine_python.py FEATURES.f32 MODEL_DIR RESULTS.json [--compute-type int8] [--threads 2]
                     [--warmup 2] [--iterations 3] [--time 4]

FEATURES.f32: raw little-endian float32 [80, frames] (faster-whisper's FeatureExtractor output
for jfk.flac; the run script writes it and passes the same file to EngineBench), zero-padded
or trimmed to 3000 frames as faster-whisper's pad_or_trim does. Timing mirrors EngineBench's JMH
settings: --warmup iterations, then --iterations, each running calls for --time seconds; the
score is the mean time per call over the measured iterations.
"""

import argparse
import json
import os
import statistics
import time

import ctranslate2
import numpy as np

PROMPT = [[50258, 50259, 50359]]


def iterations(fn, warmup, count, seconds):
    per_iteration = []
    for i in range(warmup + count):
        calls = 0
        start = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        if i >= warmup:
            per_iteration.append(elapsed / calls)
    return per_iteration


def jmh_scores(path):
    scores = {}
    if os.path.exists(path):
        for row in json.load(open(path)):
            name = row["benchmark"]
            if ".EngineBench." in name:
                metric = row["primaryMetric"]
                assert metric["scoreUnit"] == "ms/op", metric["scoreUnit"]
                scores[name.rsplit(".", 1)[1]] = (float(metric["score"]), float(metric["scoreError"]))
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features")
    parser.add_argument("model_dir")
    parser.add_argument("results")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--time", type=float, default=4.0)
    args = parser.parse_args()

    raw = np.fromfile(args.features, dtype="<f4").reshape(80, -1)
    window = np.zeros((1, 80, 3000), dtype=np.float32)
    window[0, :, : min(3000, raw.shape[1])] = raw[:, :3000]
    model = ctranslate2.models.Whisper(args.model_dir, device="cpu", compute_type=args.compute_type,
                                       intra_threads=args.threads)
    features = ctranslate2.StorageView.from_array(window)
    encoded = model.encode(features, to_cpu=False)

    def generate():
        return model.generate(encoded, PROMPT, beam_size=5, return_scores=True, return_no_speech_prob=True)

    ids = generate()[0].sequences_ids[0]
    print(f"[engine_python] ctranslate2 {ctranslate2.__version__} ({os.path.dirname(ctranslate2.__file__)}),"
          f" {args.compute_type}, {args.threads} threads; generate: {len(ids)} tokens {ids}")

    python = {
        "encode": iterations(lambda: model.encode(features, to_cpu=False), args.warmup, args.iterations, args.time),
        "generate": iterations(generate, args.warmup, args.iterations, args.time),
    }
    java = jmh_scores(args.results)
    rows = []
    print(f"Engine, base {args.compute_type}, {args.threads} threads, jfk 30 s window"
          f" (mean per call; ct2j ± JMH 99.9% CI, Python ± stdev over {args.iterations} iterations)")
    print(f"{'call':>9} {'ct2j ms':>16} {'Python ms':>16} {'ct2j/Python':>12}")
    for call, times in python.items():
        mean = statistics.fmean(times) * 1e3
        spread = (statistics.stdev(times) * 1e3) if len(times) > 1 else float("nan")
        score, error = java.get(call, (None, None))
        rows.append({"call": call, "python_ms": mean, "python_stdev_ms": spread,
                     "python_iterations_ms": [t * 1e3 for t in times], "ct2j_ms": score,
                     "ct2j_error_ms": error, "ratio": score / mean if score else None})
        ct2j = "n/a" if score is None else f"{score:.1f} ± {error:.1f}" if error == error else f"{score:.1f}"
        ratio = "n/a" if score is None else f"{score / mean:.3f}"
        print(f"{call:>9} {ct2j:>16} {f'{mean:.1f} ± {spread:.1f}':>16} {ratio:>12}")
    print(json.dumps({"engine": rows, "tokens": len(ids)}))


if __name__ == "__main__":
    main()
