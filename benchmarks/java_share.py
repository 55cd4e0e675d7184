"""Java's own share of a ct2j run, from its phase trace (-Dct2j.trace=FILE), two ways:
  - the main thread's view: its wall time outside native calls (CTranslate2's encode/generate/
    align/detect, FFmpeg's decode, ONNX Runtime's VAD) over the whole run, JVM start included;
    Java work done while the model loads on another thread counts, although it costs no time;
  - the wall-clock view: the time during which no thread is in a native call (the calls above
    and CTranslate2's model load), i.e. what the run would lose if Java took no time at all.
    java_share.py TRACE"""
import json
import sys

NATIVE = {"encode", "generate", "align", "detect language", "audio decode", "vad"}


def main(path):
    with open(path) as f:
        trace = [json.loads(line) for line in f if line.strip()]
    end = max(p["start_ms"] + p["ms"] for p in trace)
    on_main = [p for p in trace if p["thread"] == "main"]
    native = sum(p["ms"] for p in on_main if p["phase"] in NATIVE)
    by_phase = {}
    for p in on_main:
        n, ms = by_phase.get(p["phase"], (0, 0.0))
        by_phase[p["phase"]] = (n + 1, ms + p["ms"])
    for phase, (n, ms) in by_phase.items():
        kind = "native" if phase in NATIVE else "java"
        print(f"{phase:18s} {kind:6s} calls {n:4d}  {ms / 1000:9.3f} s")
    first = min(p["start_ms"] for p in on_main)
    print(f"process start to main: {first / 1000:.3f} s (JVM start, counted as Java)")
    print(f"run: {end / 1000:.3f} s; main thread in native calls: {native / 1000:.3f} s")
    print(f"java share: {100 * (1 - native / end):.2f} %")
    intervals = sorted((p["start_ms"], p["start_ms"] + p["ms"]) for p in trace
                       if p["phase"] in NATIVE or p["phase"] == "model load")
    covered, reach = 0.0, 0.0
    for start, stop in intervals:
        if stop > reach:
            covered += stop - max(start, reach)
            reach = stop
    print(f"wall time with no thread in a native call: {(end - covered) / 1000:.3f} s, "
          f"java share (wall clock): {100 * (1 - covered / end):.2f} %")


if __name__ == "__main__":
    main(sys.argv[1])
