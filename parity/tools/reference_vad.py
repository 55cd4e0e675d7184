#!/usr/bin/env python3
"""Reference Silero VAD results from faster-whisper 1.2.1, for the Java parity tests.

Writes into OUT_DIR:
  samples.f32   the 16 kHz mono samples everything was computed from (little-endian float32, no header)
  result.json   {"n_samples", "probs", "runs": [...]}, one run per option set:
                  options        the VadOptions kwargs used
                  timestamps     get_speech_timestamps(audio, VadOptions(**options))
                  collect        collect_chunks with max_duration inf (null in JSON), 30 and 2: metadata, chunk
                                 lengths and the SHA-256 of each chunk's little-endian float32 bytes
                  map            SpeechTimestampsMap(timestamps, 16000): get_chunk_index/get_original_time on a
                                 grid of times, chunk ends included, with is_end False and True, and
                                 get_original_time with every explicit chunk index

The samples are written back so the Java side runs on exactly the same input: decoding is not what these
tests are about. Probabilities come from faster-whisper's own cached model (get_vad_model) on the buffer
get_speech_timestamps pads, so they are the ones its state machine saw.
"""

import argparse
import hashlib
import json
import math
import os

import numpy as np
from faster_whisper.audio import decode_audio
from faster_whisper.vad import (
    SpeechTimestampsMap,
    VadOptions,
    collect_chunks,
    get_speech_timestamps,
    get_vad_model,
)

SAMPLING_RATE = 16000
WINDOW = 512


def _number(x):
    """JSON-safe float: infinities become null (json.dumps would write the non-standard Infinity)."""
    x = float(x)
    return None if math.isinf(x) else x


def _call(fn, *args, **kwargs):
    try:
        return {"value": fn(*args, **kwargs)}
    except Exception as e:  # the Java side must fail the same way
        return {"error": type(e).__name__}


def _query_times(mapping, timestamps):
    total = sum(c["end"] - c["start"] for c in timestamps) / SAMPLING_RATE
    # Whisper timestamps are multiples of 0.02 s plus a window offset: walk that grid past the end.
    times = [k * 0.02 for k in range(int(total / 0.02) + 3)]
    times += [k * 0.01 + 0.005 for k in range(int(total / 0.01) + 2)]
    for end in mapping.chunk_end_sample:
        times += [end / SAMPLING_RATE, (end - 1) / SAMPLING_RATE, (end + 1) / SAMPLING_RATE,
                  end / SAMPLING_RATE + 1e-9, end / SAMPLING_RATE - 1e-9]
    return times


def _map_queries(timestamps):
    mapping = SpeechTimestampsMap(timestamps, SAMPLING_RATE)
    queries = []
    for t in _query_times(mapping, timestamps):
        for is_end in (False, True):
            index = _call(mapping.get_chunk_index, t, is_end)
            original = _call(mapping.get_original_time, t, None, is_end)
            queries.append({"time": t, "is_end": is_end, "chunk_index": index, "original_time": original})
    explicit = []
    for t in (0.0, 0.5, 1.234, 7.77):
        for index in range(-len(timestamps), len(timestamps)):
            explicit.append({"time": t, "chunk_index": index,
                             "original_time": _call(mapping.get_original_time, t, index)})
    return {
        "chunk_end_sample": mapping.chunk_end_sample,
        "total_silence_before": mapping.total_silence_before,
        "queries": queries,
        "explicit": explicit,
    }


def _collect(audio, timestamps, max_duration):
    chunks, metadata = collect_chunks(audio, timestamps, max_duration=max_duration)
    return {
        "max_duration": _number(max_duration),
        "chunk_lengths": [int(len(c)) for c in chunks],
        "chunk_sha256": [hashlib.sha256(np.ascontiguousarray(c, dtype="<f4").tobytes()).hexdigest()
                         for c in chunks],
        "metadata": [{"offset": float(m["offset"]), "duration": float(m["duration"]),
                      "segments": [{"start": int(s["start"]), "end": int(s["end"])} for s in m["segments"]]}
                     for m in metadata],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", help="audio file to decode (or raw float32 file with --raw-input)")
    parser.add_argument("out_dir", help="directory to write into (created if missing)")
    parser.add_argument("--options", default="[{}]",
                        help="JSON list of VadOptions kwargs dicts, one run each (default: [{}])")
    parser.add_argument("--raw-input", action="store_true",
                        help="AUDIO is little-endian float32 samples at 16 kHz, not an audio file "
                             "(lets tests feed empty or synthetic signals)")
    parser.add_argument("--truncate", type=int, default=None,
                        help="keep only the first N samples after decoding")
    args = parser.parse_args(argv)

    if args.raw_input:
        audio = np.fromfile(args.audio, dtype="<f4").astype(np.float32)
    else:
        audio = decode_audio(args.audio, sampling_rate=SAMPLING_RATE)
    if args.truncate is not None:
        audio = np.ascontiguousarray(audio[: args.truncate])

    # The same padding get_speech_timestamps applies; the model zeroes this buffer's tail in place.
    padded = np.pad(audio, (0, WINDOW - audio.shape[0] % WINDOW))
    probs = get_vad_model()(padded)

    runs = []
    for options in json.loads(args.options):
        timestamps = get_speech_timestamps(audio, VadOptions(**options), sampling_rate=SAMPLING_RATE)
        runs.append({
            "options": options,
            "timestamps": [{"start": int(c["start"]), "end": int(c["end"])} for c in timestamps],
            "collect": [_collect(audio, timestamps, d) for d in (float("inf"), 30, 2)],
            "map": _map_queries(timestamps),
        })

    os.makedirs(args.out_dir, exist_ok=True)
    np.ascontiguousarray(audio, dtype="<f4").tofile(os.path.join(args.out_dir, "samples.f32"))
    with open(os.path.join(args.out_dir, "result.json"), "w") as f:
        json.dump({"n_samples": int(audio.shape[0]), "probs": [float(p) for p in probs], "runs": runs}, f)


if __name__ == "__main__":
    main()
