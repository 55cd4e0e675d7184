"""What numpy computes faster-whisper's features with on this machine: the OpenBLAS core its
bundled OpenBLAS selected, OpenBLAS's thread count, and numpy's SIMD dispatch (X86_V4 is the
AVX-512 target that holds SVML's log10). ct2j reproduces the same path (NumpyPath); the Java tests
and the parity harness compare the two so that they never compare unlike with unlike."""

import ctypes
import glob
import os

import numpy as np


def _openblas():
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__) + ".libs", "*openblas*.so*"))
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)  # already loaded by numpy: the same instance
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                if getattr(handle, prefix + "_get_corename" + suffix, None) is not None:
                    return handle, prefix, suffix
    return None, None, None


def dispatch():
    """A dict: numpy version, OpenBLAS core name and threads, X86_V4 / AVX512_SKX, the raw config."""
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    np.ones((2, 2), np.float32) @ np.ones((2, 2), np.float32)  # OpenBLAS initialises on first use
    out = {
        "numpy": np.__version__,
        "cpu_baseline": list(__cpu_baseline__),
        "cpu_dispatch": list(__cpu_dispatch__),
        "x86_v4": bool(__cpu_features__.get("X86_V4", False)),
        "avx512_skx": bool(__cpu_features__.get("AVX512_SKX", False)),
        "openblas_corename": None,
        "openblas_threads": None,
        "openblas_config": None,
    }
    handle, prefix, suffix = _openblas()
    if handle is not None:
        core = getattr(handle, prefix + "_get_corename" + suffix)
        core.restype = ctypes.c_char_p
        out["openblas_corename"] = core().decode()
        threads = getattr(handle, prefix + "_get_num_threads" + suffix, None)
        if threads is not None:
            threads.restype = ctypes.c_int
            out["openblas_threads"] = int(threads())
        config = getattr(handle, prefix + "_get_config" + suffix, None)
        if config is not None:
            config.restype = ctypes.c_char_p
            out["openblas_config"] = config().decode()
    return out
