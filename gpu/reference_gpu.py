"""parity/reference.py on the GPU machine: that machine has faster-whisper's wheels only from the kit
and no PyAV, so the samples come from the kit (int16 as PyAV's resampler gave them on the build
machine, written by gpu/build-kit.sh; decode_audio divides them by 32768, as done here) and `av`
is a stub module that faster_whisper.audio imports but never calls here.

    python3 gpu/reference_gpu.py KIT MANIFEST OUT.jsonl [THREADS]
Prints where faster_whisper and ctranslate2 were imported from; fails unless both are the kit's.
"""
import os
import sys
import types

kit = os.path.realpath(sys.argv[1])
# Always the stub, also where PyAV is installed (the dry run's venv): the run must not need it.
sys.modules["av"] = types.ModuleType("av")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
import reference  # noqa: E402
import ctranslate2  # noqa: E402
import faster_whisper  # noqa: E402

for module in (faster_whisper, ctranslate2):
    where = os.path.realpath(module.__file__)
    print(f"[gpu] {module.__name__} {module.__version__} from {where}", file=sys.stderr)
    if not where.startswith(kit + os.sep):
        sys.exit(f"[gpu] {module.__name__} was not imported from the kit ({kit}) but from {where}")
print(f"[gpu] numpy {np.__version__} from {os.path.dirname(np.__file__)};"
      f" ctranslate2 sees {ctranslate2.get_cuda_device_count()} CUDA device(s)", file=sys.stderr)


def audio_of(base, case):
    decoded = os.path.join(base, case["audio"] + ".s16")
    return np.fromfile(decoded, dtype="<i2").astype(np.float32) / 32768.0


reference.audio_of = audio_of
reference.run(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 0)
