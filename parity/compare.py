"""Compares faster-whisper's and ct2j's results for a manifest, field by field.

Identical means: same language and number of segments; per segment equal text, tokens, seek,
start, end and temperature; |d| <= 1e-4 for avg_logprob, no_speech_prob and
language_probability; |d| <= 1e-6 for compression_ratio; per word equal text and start, end,
probability within 1e-4. A case that errors on both sides with the same exception type counts as
identical (faster-whisper's own errors are part of its behaviour).

Before the fields, each case's "dispatch" objects must agree: {"blas_core", "blas_threads",
"log10"} is the OpenBLAS core and thread count and the log10 (svml or libm) numpy used
(reference.py) and the ones ct2j reproduced (`ct2j parity-run`; "blas_core": "fallback" when it
reproduced none exactly). Cores that share their sgemm kernels count as one (Zen runs Haswell's,
Cooperlake and SapphireRapids run SkylakeX's). A case whose sides differ there, or lack it, is
DIFFERENT even if every field agrees: it compared unlike with unlike.
"""
import json
import sys

TOL = {"avg_logprob": 1e-4, "no_speech_prob": 1e-4, "compression_ratio": 1e-6}


def load(path):
    with open(path) as f:
        return {r["id"]: r for r in (json.loads(line) for line in f if line.strip())}


def close(a, b, tol):
    if a is None or b is None:
        return a is b
    return abs(float(a) - float(b)) <= tol


def describe(dispatch, side):
    """'numpy ran OpenBLAS Haswell with libm log10', 'ct2j reproduced SkylakeX with svml'."""
    if not isinstance(dispatch, dict):
        return f"{side}'s result has no dispatch"
    core, log10, threads = dispatch.get("blas_core"), dispatch.get("log10"), dispatch.get("blas_threads")
    if side == "numpy":
        return f"numpy ran OpenBLAS {core} on {threads} threads with {log10} log10"
    core = "the fallback (no exact core)" if core == "fallback" else core
    return f"ct2j reproduced {core} on {threads} threads with {log10}"


# OpenBLAS cores that run the same sgemm kernels (kernel/x86_64/KERNEL.*), named as ct2j names them.
KERNEL_FAMILY = {"Zen": "Haswell", "Cooperlake": "SkylakeX", "SapphireRapids": "SkylakeX"}


def normalized(dispatch):
    if not isinstance(dispatch, dict):
        return None
    d = dict(dispatch)
    d["blas_core"] = KERNEL_FAMILY.get(d.get("blas_core"), d.get("blas_core"))
    return d


def dispatch_diff(ref, got):
    """Returns [] when both sides ran (or reproduced) the same dispatch, else one message."""
    rd, gd = ref.get("dispatch"), got.get("dispatch")
    if rd is not None and normalized(rd) == normalized(gd):
        return []
    return [f"dispatch mismatch: {describe(rd, 'numpy')}, {describe(gd, 'ct2j')}"]


def compare(ref, got):
    """Returns a list of differences (empty when identical)."""
    diffs = []
    if "error" in ref or "error" in got:
        rerr, gerr = ref.get("error"), got.get("error")
        if rerr and gerr and rerr.split(":")[0] in ("ValueError", "AssertionError", "TypeError") \
                and gerr.split(":")[0] in ("IllegalArgumentException",):
            return []
        return [f"error: faster-whisper={rerr!r} ct2j={gerr!r}"]
    ri, gi = ref["info"], got["info"]
    if ri["language"] != gi["language"]:
        diffs.append(f"language {ri['language']} != {gi['language']}")
    if not close(ri["language_probability"], gi["language_probability"], 1e-4):
        diffs.append(f"language_probability {ri['language_probability']} != {gi['language_probability']}")
    rs, gs = ref["segments"], got["segments"]
    if len(rs) != len(gs):
        diffs.append(f"{len(rs)} segments != {len(gs)}")
    for i, (r, g) in enumerate(zip(rs, gs)):
        for key in ("text", "tokens", "seek", "start", "end", "temperature"):
            if r[key] != g[key]:
                diffs.append(f"segment {i} {key}: {r[key]!r} != {g[key]!r}")
        for key, tol in TOL.items():
            if not close(r[key], g[key], tol):
                diffs.append(f"segment {i} {key}: {r[key]} != {g[key]}")
        rw, gw = r.get("words"), g.get("words")
        if (rw is None) != (gw is None):
            diffs.append(f"segment {i} words: {rw is not None} != {gw is not None}")
        elif rw is not None:
            if len(rw) != len(gw):
                diffs.append(f"segment {i}: {len(rw)} words != {len(gw)}")
            for j, (a, b) in enumerate(zip(rw, gw)):
                if a["word"] != b["word"]:
                    diffs.append(f"segment {i} word {j}: {a['word']!r} != {b['word']!r}")
                for key in ("start", "end", "probability"):
                    if not close(a[key], b[key], 1e-4):
                        diffs.append(f"segment {i} word {j} {key}: {a[key]} != {b[key]}")
    return diffs


def main(manifest, ref_path, got_path):
    ids = [json.loads(line)["id"] for line in open(manifest) if line.strip()]
    ref, got = load(ref_path), load(got_path)
    identical = 0
    first = lambda results: next((r.get("dispatch") for r in results.values() if "dispatch" in r), None)
    print(f"dispatch: {describe(first(ref), 'numpy')}; {describe(first(got), 'ct2j')}")
    print(f"{'case':<40} {'result':<10} {'fw s':>7} {'ct2j s':>7}  details")
    for case_id in ids:
        r, g = ref.get(case_id), got.get(case_id)
        if r is None or g is None:
            diffs = ["missing result"]
        elif "error" in g and g["error"].startswith("UnsupportedOperationException"):
            diffs = ["unsupported"]
        else:
            diffs = dispatch_diff(r, g) + compare(r, g)
        ok = not diffs
        identical += ok
        rs = f"{r.get('seconds', 0):7.2f}" if r else "      -"
        gs = f"{g.get('seconds', 0):7.2f}" if g else "      -"
        detail = "" if ok else "; ".join(diffs[:3]) + (f" (+{len(diffs) - 3} more)" if len(diffs) > 3 else "")
        print(f"{case_id:<40} {'identical' if ok else 'DIFFERENT':<10} {rs} {gs}  {detail}")
    print(f"parity: {identical}/{len(ids)} cases identical")
    return 0 if identical == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
