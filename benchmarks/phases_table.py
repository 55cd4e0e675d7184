"""Prints two phase traces (faster-whisper's from benchmarks/fw_phases.py, ct2j's from
-Dct2j.trace=FILE) side by side: benchmarks/compare --phases.
    phases_table.py FW_TRACE CT2J_TRACE"""
import json
import sys

ORDER = ["main", "imports", "native libraries", "model lookup", "model load", "tokenizer load", "feature extractor",
         "audio decode", "vad",
         "features", "detect language", "encode", "generate", "align", "output", "end"]


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def summary(trace):
    by_phase = {}
    for p in trace:
        count, total, rss = by_phase.get(p["phase"], (0, 0.0, 0.0))
        by_phase[p["phase"]] = (count + 1, total + p["ms"], max(rss, p["rss_mb"]))
    return by_phase


def first_start(trace, phase):
    return next((p["start_ms"] for p in trace if p["phase"] == phase), None)


def end_ms(trace):
    return max(p["start_ms"] + p["ms"] for p in trace)


def main(fw_path, ct_path):
    fw, ct = load(fw_path), load(ct_path)
    sides = (("faster-whisper", fw, summary(fw)), ("ct2j", ct, summary(ct)))
    print(f"{'':18}" + "".join(f" | {name:^20}" for name, _, _ in sides))
    print(f"{'phase':18}" + "".join(f" | {'n':>2} {'ms':>8} {'RSS MB':>8}" for _ in sides))
    phases = ORDER + sorted({p["phase"] for _, t, _ in sides for p in t} - set(ORDER))
    for phase in phases:
        if not any(phase in s for _, _, s in sides):
            continue
        row = f"{phase:18}"
        for _, trace, s in sides:
            if phase in ("main", "end"):
                at = first_start(trace, phase) if phase == "main" else end_ms(trace)
                row += f" | {'':>2} {'at ' + format(at, '.0f') if at is not None else '-':>8} {'':>8}"
            elif phase in s:
                count, total, rss = s[phase]
                row += f" | {count:>2} {total:8.0f} {rss:8.0f}"
            else:
                row += f" | {'':>2} {'-':>8} {'':>8}"
        print(row)
    for name, trace, _ in sides:
        print(f"\n{name}, in order (ms since the process started; RSS at the end of each phase):")
        for p in sorted(trace, key=lambda p: p["start_ms"]):
            print(f"  {p['start_ms']:9.0f} {p['ms']:9.1f} ms  {p['rss_mb']:7.1f} MB  {p['phase']}")
        print(f"  end at {end_ms(trace):.0f} ms")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
