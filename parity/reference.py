"""The faster-whisper side of parity/check: runs every manifest case with faster-whisper 1.2.1
and writes one JSON line per case, in the shape `ct2j parity-run` writes.

Every line also carries numpy's dispatch on this machine ("dispatch": {"blas_core": the OpenBLAS
core numpy's bundled OpenBLAS picked (OPENBLAS_CORETYPE or CPUID), "log10": "svml" when numpy
dispatches float32 log10 to SVML (its X86_V4 target), else "libm", and "blas_threads": OpenBLAS's
thread count, which the Haswell kernels' summation order depends on}), which the log-mel features
depend on; compare.py fails a case whose ct2j line reproduced another one.

Each case gets a fresh WhisperModel (faster-whisper's FeatureExtractor keeps chunk_length from one
call to the next, so sharing a model would let one case leak into the next).
"""
import json
import os
import sys
import time

import ctranslate2
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
from threadpoolctl import threadpool_info

STORE = os.environ.get("CT2J_MODELS", os.path.expanduser("~/.cache/ct2j/models"))


def numpy_dispatch():
    """The OpenBLAS core and threads and the log10 implementation numpy uses in this process."""
    np.ones((4, 4), np.float32) @ np.ones((4, 4), np.float32)  # makes sure OpenBLAS is loaded
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))  # also matches numpy.libs/
    libs = [lib for lib in threadpool_info()
            if lib.get("internal_api") == "openblas"
            and os.path.realpath(lib.get("filepath", "")).startswith(numpy_dir)]
    if len(libs) != 1:
        print(f"[parity] warning: numpy's OpenBLAS not found by threadpoolctl ({threadpool_info()})",
              file=sys.stderr)
    from numpy._core._multiarray_umath import __cpu_features__
    return {"blas_core": libs[0].get("architecture") if libs else None,
            "blas_threads": libs[0].get("num_threads") if libs else None,
            "log10": "svml" if __cpu_features__.get("X86_V4") else "libm"}


def model_path(name):
    return name if os.path.isdir(name) else os.path.join(STORE, name)


def audio_of(base, case):
    audio = case.get("audio", "")
    if audio == ":empty:":
        return np.zeros((0,), dtype=np.float32)
    path = os.path.normpath(os.path.join(base, audio))
    channel = case.get("split_stereo_channel")
    if channel is not None:
        return decode_audio(path, split_stereo=True)[channel]
    return decode_audio(path)


def to_jsonable(value):
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if hasattr(value, "_asdict"):
        return to_jsonable(value._asdict())
    if hasattr(value, "__dataclass_fields__"):
        return {k: to_jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, np.generic):
        return value.item()
    return value


def segment_dict(s):
    return {
        "id": s.id, "seek": s.seek, "start": float(s.start), "end": float(s.end), "text": s.text,
        "tokens": list(s.tokens), "avg_logprob": float(s.avg_logprob),
        "compression_ratio": float(s.compression_ratio), "no_speech_prob": float(s.no_speech_prob),
        "temperature": s.temperature,
        "words": None if s.words is None else [
            {"start": float(w.start), "end": float(w.end), "word": w.word, "probability": float(w.probability)}
            for w in s.words],
    }


def run(manifest, out_path, threads):
    base = os.path.dirname(os.path.abspath(manifest))
    dispatch = numpy_dispatch()
    print(f"[parity] numpy dispatch: OpenBLAS {dispatch['blas_core']}, {dispatch['log10']} log10", file=sys.stderr)
    with open(manifest) as f, open(out_path, "w") as out:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            result = {"id": case["id"], "dispatch": dispatch}
            started = time.perf_counter()
            try:
                ctranslate2.set_random_seed(case.get("seed", 0))
                model = WhisperModel(model_path(case.get("model", "base")), device=case.get("device", "cpu"),
                                     compute_type=case.get("compute_type", "default"), cpu_threads=threads)
                options = dict(case.get("options") or {})
                if "vad_parameters" in options and isinstance(options["vad_parameters"], dict):
                    vad = options["vad_parameters"]
                    if vad.get("max_speech_duration_s") == "inf":
                        vad["max_speech_duration_s"] = float("inf")
                audio = audio_of(base, case)
                if case.get("mode", "sequential") == "batched":
                    segments, info = BatchedInferencePipeline(model).transcribe(audio, **options)
                else:
                    segments, info = model.transcribe(audio, **options)
                result["segments"] = [segment_dict(s) for s in segments]
                result["info"] = {
                    "language": info.language, "language_probability": float(info.language_probability),
                    "duration": info.duration, "duration_after_vad": info.duration_after_vad,
                    "all_language_probs": to_jsonable(info.all_language_probs),
                }
                del model
            except Exception as e:  # reported per case, like the Java side
                result["error"] = f"{type(e).__name__}: {e}".replace("\n", " ")
            result["seconds"] = time.perf_counter() - started
            out.write(json.dumps(result) + "\n")
            out.flush()


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
