"""Does a chunk's result depend on what CTranslate2 batches it with?

Runs faster-whisper's BatchedInferencePipeline (project venv: our CTranslate2 build) over a 102 s
concatenation of the shared audio at batch sizes 1, 3 and 8 and compares every segment's tokens,
avg_logprob and no_speech_prob bit for bit. The evidence behind README's note on batching across
requests. Usage: .venv/bin/python benchmarks/batch-composition.py MODEL_DIR DATA_DIR
"""
import sys

import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio

model_dir, data = sys.argv[1], sys.argv[2]
names = ["jfk.flac", "multilingual.mp3", "hotwords.mp3", "jfk.flac", "stereo_diarization.wav", "jfk.flac"]
audio = np.concatenate([decode_audio(f"{data}/{name}") for name in names])
pipeline = BatchedInferencePipeline(WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=1))
results = {}
for batch_size in (1, 3, 8):
    segments, _ = pipeline.transcribe(audio, batch_size=batch_size, language="en")
    results[batch_size] = [(tuple(s.tokens), s.avg_logprob, s.no_speech_prob) for s in segments]
for batch_size in (3, 8):
    pairs = list(zip(results[1], results[batch_size]))
    same = sum(a == b for a, b in pairs)
    print(f"batch {batch_size} vs 1 over {len(audio) / 16000:.0f} s: {same}/{len(results[1])} segments identical"
          f" ({len(results[batch_size])} segments)")
