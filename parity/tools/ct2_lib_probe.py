#!/usr/bin/env python3
"""Looks inside a libctranslate2 and runs its numeric pieces on fixed inputs, to compare two builds
(e.g. the official wheel's and ct2j's) piece by piece. Used for parity/README.md, "Official wheel".

    python ct2_lib_probe.py versions LIB          MKL and oneDNN versions linked into LIB
    python ct2_lib_probe.py run LIB ISA OUT.npz    oneDNN GEMMs and CTranslate2's CPU kernels for
                                                   ISA (0 GENERIC, 1 AVX, 2 AVX2, 3 AVX512)
    python ct2_lib_probe.py diff A.npz B.npz       which outputs differ, and by how much

Local (non-exported) functions are reached through the symbol table (`nm`) and the load address
of an exported one; run with the same OMP_NUM_THREADS for both libraries.
"""
import ctypes
import subprocess
import sys

import numpy as np

P, L, F, B = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float, ctypes.c_bool


class Lib:
    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.syms = {}
        for line in subprocess.run(["nm", path], capture_output=True, text=True, check=True).stdout.splitlines():
            parts = line.split()
            if len(parts) == 3:
                self.syms[parts[2]] = int(parts[0], 16)
        anchor = "mkl_serv_get_version_string"
        self.base = ctypes.cast(getattr(self.lib, anchor), ctypes.c_void_p).value - self.syms[anchor]

    def fn(self, name, restype, *argtypes):
        return ctypes.CFUNCTYPE(restype, *argtypes)(self.base + self.syms[name])


class DnnlVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_int), ("minor", ctypes.c_int), ("patch", ctypes.c_int),
                ("hash", ctypes.c_char_p), ("cpu_runtime", ctypes.c_uint), ("gpu_runtime", ctypes.c_uint)]


def versions(path):
    lib = Lib(path)
    buf = ctypes.create_string_buffer(256)
    lib.fn("mkl_serv_get_version_string", None, ctypes.c_char_p, ctypes.c_int)(buf, 256)
    print("MKL:", buf.value.decode().strip())
    v = lib.fn("dnnl_version", ctypes.POINTER(DnnlVersion)).__call__().contents
    print(f"oneDNN: {v.major}.{v.minor}.{v.patch} (commit {v.hash.decode()})")
    comment = subprocess.run(["readelf", "-p", ".comment", path], capture_output=True, text=True).stdout
    print("compilers:", "; ".join(sorted({l.split("]", 1)[1].strip() for l in comment.splitlines() if "]" in l})))


def kernel(isa, name):
    return name.replace("CpuIsaE2", f"CpuIsaE{isa}")


def run(path, isa, out):
    lib = Lib(path)
    rng = np.random.default_rng(1234)
    res = {}
    sgemm = lib.fn("dnnl_sgemm", ctypes.c_int, ctypes.c_char, ctypes.c_char, L, L, L, F, P, L, P, L, F, P, L)
    u8 = lib.fn("dnnl_gemm_u8s8s32", ctypes.c_int, ctypes.c_char, ctypes.c_char, ctypes.c_char, L, L, L, F,
                P, L, ctypes.c_uint8, P, L, ctypes.c_int8, F, P, L, P)
    for name, m, n, k in [("enc_qkv", 1500, 512, 512), ("enc_ffn1", 1500, 2048, 512), ("enc_ffn2", 1500, 512, 2048),
                          ("attn_qk", 1500, 1500, 64), ("dec_5", 5, 512, 512), ("dec_1", 1, 512, 512),
                          ("logits_5", 5, 51865, 512), ("dec_ffn_5", 5, 2048, 512)]:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((n, k), dtype=np.float32) * 0.05
        c = np.zeros((m, n), np.float32)
        assert sgemm(b"N", b"T", m, n, k, 1.0, a.ctypes.data, k, b.ctypes.data, k, 0.0, c.ctypes.data, n) == 0
        res["sgemm_" + name] = c
        ua = rng.integers(0, 256, (m, k), dtype=np.uint8)
        sb = rng.integers(-127, 128, (n, k), dtype=np.int8)
        ci = np.zeros((m, n), np.int32)
        comp = np.zeros(n, np.int32)
        assert u8(b"N", b"T", b"R", m, n, k, 1.0, ua.ctypes.data, k, 0, sb.ctypes.data, k, 0, 0.0,
                  ci.ctypes.data, n, comp.ctypes.data) == 0
        res["u8s8s32_" + name] = ci
    x = (rng.standard_normal(1500 * 512) * 3).astype(np.float32)
    for name, mangled in [("gelu", "_ZN11ctranslate23cpu4geluILNS0_6CpuIsaE2EEEvPKfPfl"),
                          ("exp", "_ZN11ctranslate23cpu3expILNS0_6CpuIsaE2EEEvPKfPfl"),
                          ("log", "_ZN11ctranslate23cpu3logILNS0_6CpuIsaE2EEEvPKfPfl"),
                          ("tanh", "_ZN11ctranslate23cpu4tanhILNS0_6CpuIsaE2EEEvPKfPfl"),
                          ("sigmoid", "_ZN11ctranslate23cpu7sigmoidILNS0_6CpuIsaE2EEEvPKfPfl"),
                          ("swish", "_ZN11ctranslate23cpu5swishILNS0_6CpuIsaE2EEEvPKfPfl")]:
        inp = np.abs(x) + 1e-3 if name == "log" else np.clip(x, -20, 20)
        y = np.empty_like(inp)
        lib.fn(kernel(isa, mangled), None, P, P, L)(inp.ctypes.data, y.ctypes.data, inp.size)
        res[name] = y
    softmax = lib.fn(kernel(isa, "_ZN11ctranslate23cpu7softmaxILNS0_6CpuIsaE2EEEvPKfPKiPfllb"), None, P, P, P, L, L, B)
    for name, (b, d) in {"softmax_vocab": (5, 51865), "softmax_attn": (8 * 1500, 1500)}.items():
        inp = (rng.standard_normal((b, d)) * 4).astype(np.float32)
        for log in (False, True):
            y = np.empty_like(inp)
            softmax(inp.ctypes.data, None, y.ctypes.data, b, d, log)
            res[name + ("_log" if log else "")] = y
    inp = (rng.standard_normal((1500, 512)) * 2 + 0.3).astype(np.float32)
    gamma = rng.standard_normal(512).astype(np.float32)
    beta = rng.standard_normal(512).astype(np.float32)
    y = np.empty_like(inp)
    lib.fn(kernel(isa, "_ZN11ctranslate23cpu10layer_normILNS0_6CpuIsaE2EEEvPKfS4_S4_Pfllf"), None, P, P, P, P, L, L, F)(
        inp.ctypes.data, gamma.ctypes.data, beta.ctypes.data, y.ctypes.data, 1500, 512, 1e-5)
    res["layer_norm"] = y
    quant = lib.fn(kernel(isa, "_ZN11ctranslate23cpu11quantize_s8ILNS0_6CpuIsaE2EEEvPKfPaPfllbb"), None, P, P, P, L, L, B, B)
    for shift in (False, True):
        q, scales = np.empty(inp.shape, np.int8), np.empty(1500, np.float32)
        quant(inp.ctypes.data, q.ctypes.data, scales.ctypes.data, 1500, 512, shift, True)
        res[f"quantize_s8_shift{int(shift)}"], res[f"quantize_scales_shift{int(shift)}"] = q, scales
    deq = lib.fn(kernel(isa, "_ZN11ctranslate23cpu22dequantize_gemm_outputILNS0_6CpuIsaE2EEEvPKiPKfS6_llPfS6_PKNS_3ops14ActivationTypeE"),
                 None, P, P, P, L, L, P, P, P)
    c = rng.integers(-200000, 200000, (1500, 2048), dtype=np.int32)
    a_scale = (rng.random(1500) * 50 + 1).astype(np.float32)
    b_scale = (rng.random(2048) * 50 + 1).astype(np.float32)
    bias = rng.standard_normal(2048).astype(np.float32)
    for name, act in (("dequantize", None), ("dequantize_gelu", 3)):
        y = np.empty((1500, 2048), np.float32)
        deq(c.ctypes.data, a_scale.ctypes.data, b_scale.ctypes.data, 1500, 2048, y.ctypes.data, bias.ctypes.data,
            None if act is None else ctypes.byref(ctypes.c_int(act)))
        res[name] = y
    np.savez(out, **res)


def diff(a_path, b_path):
    a, b = np.load(a_path), np.load(b_path)
    for key in a.files:
        d = np.abs(a[key].astype(np.float64) - b[key].astype(np.float64))
        state = "identical" if np.array_equal(a[key], b[key]) else "DIFFERENT"
        print(f"{key:<24} {state:<10} max |d| {d.max():.3g}, {np.count_nonzero(d)}/{d.size} differ")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "versions" and len(sys.argv) == 3:
        versions(sys.argv[2])
    elif cmd == "run" and len(sys.argv) == 5:
        run(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "diff" and len(sys.argv) == 4:
        diff(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
