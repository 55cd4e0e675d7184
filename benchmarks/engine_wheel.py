"""Times encode + generate on one 30 s window through CTranslate2's Python API (whichever
ctranslate2 the interpreter imports): the counterpart of `tools/run bench-engine`."""
import json
import sys
import time

import ctranslate2
import numpy as np


def main(features_path, model_dir, compute_type, threads, repeat):
    raw = np.fromfile(features_path, dtype=np.float32).reshape(80, -1)
    window = np.zeros((1, 80, 3000), dtype=np.float32)
    window[0, :, : min(3000, raw.shape[1])] = raw[:, :3000]
    model = ctranslate2.models.Whisper(model_dir, device="cpu", compute_type=compute_type, intra_threads=threads)
    features = ctranslate2.StorageView.from_array(window)
    times = []
    for i in range(-1, repeat):
        start = time.perf_counter()
        encoded = model.encode(features, to_cpu=False)
        result = model.generate(encoded, [[50258, 50259, 50359]], beam_size=5, return_scores=True,
                                return_no_speech_prob=True)[0]
        if i >= 0:
            times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"side": "python " + ctranslate2.__version__ + " " + ctranslate2.__file__,
                      "compute_type": compute_type, "median_s": times[repeat // 2], "min_s": times[0],
                      "max_s": times[-1], "tokens": len(result.sequences_ids[0])}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
