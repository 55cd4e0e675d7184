"""How large the differences between two parity result files are, case by case.

    python parity/diff-sizes.py MANIFEST REFERENCE.jsonl OTHER.jsonl [--markdown]

parity/compare.py says whether a case is identical and lists the first differences; this says by
how much the cases differ: which fields differ (with compare.py's tolerances), max |diff| of
avg_logprob, no_speech_prob, language_probability and of the word probabilities and times, how
many tokens differ (an edit count over all segments' tokens) and whether the text differs. Used
by parity/check-wheel; reads the same JSON lines that reference.py and `ct2j parity-run` write.
diff is an absolute difference; "identical" means within those tolerances, not bit for bit.
"""
import difflib
import json
import sys

SEGMENT_TOL = {"avg_logprob": 1e-4, "no_speech_prob": 1e-4, "compression_ratio": 1e-6}
WORD_TOL = 1e-4
LANG_TOL = 1e-4


def load(path):
    with open(path) as f:
        return {r["id"]: r for r in (json.loads(line) for line in f if line.strip())}


def token_edits(a, b):
    """Tokens inserted, deleted or replaced to turn a into b."""
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in ops if tag != "equal")


def sizes(ref, got):
    """Returns a dict: fields (sorted list of differing field names) and the sizes."""
    out = {"fields": set(), "d_avg_logprob": 0.0, "d_no_speech_prob": 0.0, "d_language_probability": 0.0,
           "d_word_probability": 0.0, "d_word_time": 0.0, "token_edits": 0, "tokens": 0,
           "text_differs": False, "segments": None}
    if "error" in ref or "error" in got:
        rerr, gerr = ref.get("error", "").split(":")[0], got.get("error", "").split(":")[0]
        # as in compare.py: faster-whisper's argument errors are ct2j's IllegalArgumentException
        same = rerr == gerr or (rerr in ("ValueError", "AssertionError", "TypeError")
                                and gerr == "IllegalArgumentException")
        if not (rerr and gerr and same):
            out["fields"].add("error")
        out["fields"] = sorted(out["fields"])
        return out
    ri, gi = ref["info"], got["info"]
    if ri["language"] != gi["language"]:
        out["fields"].add("language")
    d = abs(ri["language_probability"] - gi["language_probability"])
    out["d_language_probability"] = d
    if d > LANG_TOL:
        out["fields"].add("language_probability")
    rs, gs = ref["segments"], got["segments"]
    if len(rs) != len(gs):
        out["fields"].add("segment count")
        out["segments"] = (len(rs), len(gs))
    rt = [t for s in rs for t in s["tokens"]]
    gt = [t for s in gs for t in s["tokens"]]
    out["tokens"] = len(rt)
    out["token_edits"] = token_edits(rt, gt)
    out["text_differs"] = "".join(s["text"] for s in rs) != "".join(s["text"] for s in gs)
    for r, g in zip(rs, gs):
        for key in ("text", "tokens", "seek", "start", "end", "temperature"):
            if r[key] != g[key]:
                out["fields"].add(key)
        for key, tol in SEGMENT_TOL.items():
            dv = abs(float(r[key]) - float(g[key]))
            if f"d_{key}" in out:
                out[f"d_{key}"] = max(out[f"d_{key}"], dv)
            if dv > tol:
                out["fields"].add(key)
        rw, gw = r.get("words") or [], g.get("words") or []
        if len(rw) != len(gw):
            out["fields"].add("word count")
        for a, b in zip(rw, gw):
            if a["word"] != b["word"]:
                out["fields"].add("word text")
            dt = max(abs(a["start"] - b["start"]), abs(a["end"] - b["end"]))
            dp = abs(a["probability"] - b["probability"])
            out["d_word_time"] = max(out["d_word_time"], dt)
            out["d_word_probability"] = max(out["d_word_probability"], dp)
            if dt > WORD_TOL:
                out["fields"].add("word times")
            if dp > WORD_TOL:
                out["fields"].add("word probability")
    out["fields"] = sorted(out["fields"])
    return out


def rows(manifest, ref_path, got_path):
    cases = [json.loads(line) for line in open(manifest) if line.strip()]
    ref, got = load(ref_path), load(got_path)
    for case in cases:
        r, g = ref.get(case["id"]), got.get(case["id"])
        s = sizes(r, g) if r is not None and g is not None else None
        yield case, s


def fmt(x):
    return "0" if x == 0 else f"{x:.2e}"


def main(argv):
    markdown = "--markdown" in argv
    manifest, ref_path, got_path = [a for a in argv if a != "--markdown"][:3]
    header = ["case", "compute", "mode", "result", "fields that differ", "max diff avg_logprob",
              "max diff no_speech", "diff lang prob", "max diff word prob", "max diff word time",
              "tokens differing", "text differs"]
    table = []
    for case, s in rows(manifest, ref_path, got_path):
        compute = case.get("compute_type", "default")
        mode = case.get("mode", "sequential")
        if s is None:
            table.append([case["id"], compute, mode, "missing", "", "", "", "", "", "", "", ""])
            continue
        result = "DIFFERENT" if s["fields"] else "identical"
        fields = ", ".join(s["fields"]) or "-"
        if s["segments"]:
            fields += f" ({s['segments'][0]} vs {s['segments'][1]} segments)"
        table.append([case["id"], compute, mode, result, fields, fmt(s["d_avg_logprob"]),
                      fmt(s["d_no_speech_prob"]), fmt(s["d_language_probability"]),
                      fmt(s["d_word_probability"]), fmt(s["d_word_time"]),
                      f"{s['token_edits']}/{s['tokens']}", "yes" if s["text_differs"] else "no"])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in table:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
        for row in [header] + table:
            print("  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
