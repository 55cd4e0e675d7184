"""Runs faster-whisper 1.2.1 on one file and writes {"info", "segments"} JSON, timing the
transcription itself: the faster-whisper side of benchmarks/compare."""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from reference import segment_dict, to_jsonable  # noqa: E402

from faster_whisper import BatchedInferencePipeline, WhisperModel  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--audio", required=True)
p.add_argument("--model", required=True)
p.add_argument("--compute-type", default="int8")
p.add_argument("--beam-size", type=int, default=5)
p.add_argument("--mode", default="sequential")
p.add_argument("--batch-size", type=int, default=8)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--out", required=True)
a = p.parse_args()
start = time.perf_counter()
model = WhisperModel(a.model, device="cpu", compute_type=a.compute_type, cpu_threads=a.threads)
if a.mode == "batched":
    # vad_parameters={}: what whisper-ctranslate2, and so ct2j's command line, passes. To the batched
    # pipeline an empty dict is not None: min_silence_duration_ms stays 2000 instead of 160.
    segments, info = BatchedInferencePipeline(model).transcribe(a.audio, beam_size=a.beam_size, batch_size=a.batch_size,
                                                                vad_parameters={})
else:
    segments, info = model.transcribe(a.audio, beam_size=a.beam_size)
segments = [segment_dict(s) for s in segments]
elapsed = time.perf_counter() - start
with open(a.out, "w") as f:
    json.dump({"info": {"language": info.language, "language_probability": info.language_probability,
                        "duration": info.duration, "all_language_probs": to_jsonable(info.all_language_probs)},
               "segments": segments, "seconds": elapsed}, f)
