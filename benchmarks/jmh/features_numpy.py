"""Times faster-whisper 1.2.1's numpy FeatureExtractor on the synthetic signal that
FeatureExtractionBench uses, and compares with the JMH results.

    features_numpy.py AUDIO.f32 RESULTS.json [--seconds 10,30,600] [--min-time 2] [--min-calls 3]

AUDIO.f32 is the raw little-endian float32 signal written by dev.ct2j.bench.SyntheticAudio
(shorter lengths are its prefixes, exactly as in the Java benchmark). Each length gets one
warm-up call, then calls until both --min-calls and --min-time are reached; the mean per call is
reported, like JMH's average-time mode.
"""

import argparse
import json
import os
import statistics
import time

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

SAMPLE_RATE = 16000


def time_calls(fn, min_time, min_calls):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_calls or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def jmh_scores(path):
    scores = {}
    if not os.path.exists(path):
        return scores
    for row in json.load(open(path)):
        if row["benchmark"].endswith("FeatureExtractionBench.compute"):
            metric = row["primaryMetric"]
            assert metric["scoreUnit"] == "ms/op", metric["scoreUnit"]
            scores[int(row["params"]["seconds"])] = (float(metric["score"]), float(metric["scoreError"]))
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio")
    parser.add_argument("results")
    parser.add_argument("--seconds", default="10,30,600")
    parser.add_argument("--min-time", type=float, default=2.0)
    parser.add_argument("--min-calls", type=int, default=3)
    args = parser.parse_args()

    signal = np.fromfile(args.audio, dtype="<f4").astype(np.float32)
    extractor = FeatureExtractor(feature_size=80)
    java = jmh_scores(args.results)
    rows = []
    for seconds in (int(s) for s in args.seconds.split(",")):
        n = seconds * SAMPLE_RATE
        if n > signal.size:
            raise SystemExit(f"{args.audio} holds {signal.size / SAMPLE_RATE:.0f} s, {seconds} s requested")
        audio = np.ascontiguousarray(signal[:n])
        times = time_calls(lambda: extractor(audio), args.min_time, args.min_calls)
        rows.append({"seconds": seconds, "numpy_ms": statistics.fmean(times) * 1e3,
                     "numpy_median_ms": statistics.median(times) * 1e3,
                     "numpy_min_ms": min(times) * 1e3, "calls": len(times),
                     "ct2j_ms": java.get(seconds, (None, None))[0],
                     "ct2j_error_ms": java.get(seconds, (None, None))[1]})

    print(f"Feature extraction, 80 mels (ct2j: JMH mean ± 99.9% CI; numpy {np.__version__}: mean, median, min"
          f" per call; speed-up = numpy mean / ct2j mean)")
    print(f"{'audio':>8} {'ct2j ms':>18} {'numpy ms':>10} {'median':>9} {'min':>9} {'speed-up':>9}")
    for r in rows:
        label = f"{r['seconds'] // 60} min" if r["seconds"] >= 60 else f"{r['seconds']} s"
        if r["ct2j_ms"] is None:
            print(f"{label:>8} {'n/a':>18} {r['numpy_ms']:10.2f} {r['numpy_median_ms']:9.2f}"
                  f" {r['numpy_min_ms']:9.2f} {'n/a':>9}")
        else:
            ct2j = f"{r['ct2j_ms']:.2f} ± {r['ct2j_error_ms']:.2f}" if r["ct2j_error_ms"] == r["ct2j_error_ms"] \
                else f"{r['ct2j_ms']:.2f}"
            print(f"{label:>8} {ct2j:>18} {r['numpy_ms']:10.2f} {r['numpy_median_ms']:9.2f} {r['numpy_min_ms']:9.2f}"
                  f" {r['numpy_ms'] / r['ct2j_ms']:8.2f}x")
    print(json.dumps({"features": rows}))


if __name__ == "__main__":
    main()
