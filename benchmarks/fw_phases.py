"""faster-whisper 1.2.1's run of one file, phase by phase: the Python side of
benchmarks/compare --phases. Writes the same JSON lines as ct2j's -Dct2j.trace=FILE (phase,
start_ms since the process started, ms, rss_mb at its end) by timing faster-whisper's own calls
from outside: its imports, ctranslate2.models.Whisper(...), tokenizers.Tokenizer.from_file,
decode_audio, the feature extractor, get_speech_timestamps, and the model's encode, generate,
detect_language and align. faster-whisper's code is not changed; its module globals are
rebound to timing wrappers before the model is made."""
import argparse
import json
import os
import sys
import time
import types

_TICKS = os.sysconf("SC_CLK_TCK")


def _process_start_boottime():
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / _TICKS  # field 22, starttime, in clock ticks since boot


_START = _process_start_boottime()
_TRACE = []


def _now_ms():
    return (time.clock_gettime(time.CLOCK_BOOTTIME) - _START) * 1000.0


def _rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def record(phase, start_ms):
    _TRACE.append({"phase": phase, "start_ms": round(start_ms, 3), "ms": round(_now_ms() - start_ms, 3),
                   "rss_mb": round(_rss_mb(), 1), "thread": "main"})


def timed(phase, function):
    def wrapper(*args, **kwargs):
        start = _now_ms()
        try:
            return function(*args, **kwargs)
        finally:
            record(phase, start)
    return wrapper


class Timed:
    """Delegates to an object, timing the named methods as phases."""

    def __init__(self, target, phases):
        self._target = target
        self._phases = phases

    def __getattr__(self, name):
        value = getattr(self._target, name)
        phase = self._phases.get(name)
        return timed(phase, value) if phase and callable(value) else value

    def __call__(self, *args, **kwargs):
        return timed(self._phases["__call__"], self._target)(*args, **kwargs)


record("main", _now_ms())
p = argparse.ArgumentParser()
p.add_argument("--audio", required=True)
p.add_argument("--model", required=True)
p.add_argument("--compute-type", default="int8")
p.add_argument("--beam-size", type=int, default=5)
p.add_argument("--mode", default="sequential")
p.add_argument("--batch-size", type=int, default=8)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--trace", required=True)
p.add_argument("--out", required=True)
a = p.parse_args()

start = _now_ms()
import faster_whisper  # noqa: E402
import faster_whisper.transcribe as fwt  # noqa: E402
record("imports", start)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "parity"))
from reference import segment_dict, to_jsonable  # noqa: E402

_whisper = fwt.ctranslate2.models.Whisper
fwt.ctranslate2 = types.SimpleNamespace(**{**vars(fwt.ctranslate2), "models": types.SimpleNamespace(
    **{**vars(fwt.ctranslate2.models), "Whisper": lambda *args, **kwargs: Timed(
        timed("model load", _whisper)(*args, **kwargs),
        {"encode": "encode", "generate": "generate", "detect_language": "detect language", "align": "align"})})})
_tokenizer = fwt.tokenizers.Tokenizer
fwt.tokenizers = types.SimpleNamespace(Tokenizer=types.SimpleNamespace(
    from_file=timed("tokenizer load", _tokenizer.from_file),
    from_pretrained=timed("tokenizer load", _tokenizer.from_pretrained)))
fwt.decode_audio = timed("audio decode", fwt.decode_audio)
fwt.get_speech_timestamps = timed("vad", fwt.get_speech_timestamps)

model = fwt.WhisperModel(a.model, device="cpu", compute_type=a.compute_type, cpu_threads=a.threads)
model.feature_extractor = Timed(model.feature_extractor, {"__call__": "features"})
if a.mode == "batched":
    # vad_parameters={} as benchmarks/fw_run.py: what ct2j's command line (whisper-ctranslate2's) passes.
    segments, info = fwt.BatchedInferencePipeline(model).transcribe(a.audio, beam_size=a.beam_size,
                                                                    batch_size=a.batch_size, vad_parameters={})
else:
    segments, info = model.transcribe(a.audio, beam_size=a.beam_size)
segments = [segment_dict(s) for s in segments]
start = _now_ms()
with open(a.out, "w") as f:
    json.dump({"info": {"language": info.language, "language_probability": info.language_probability,
                        "duration": info.duration, "all_language_probs": to_jsonable(info.all_language_probs)},
               "segments": segments}, f)
record("output", start)
record("end", _now_ms())
with open(a.trace, "w") as f:
    for line in _TRACE:
        f.write(json.dumps(line) + "\n")
