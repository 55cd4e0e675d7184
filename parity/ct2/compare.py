#!/usr/bin/env python3
"""compare.py MANIFEST REFERENCE OURS: compares two ct2 parity result files case by case.

Strings, ints and booleans must be equal, lists the same length, objects the same keys, and
floats within TOLERANCE (absolute). null only matches null. One line per manifest case:
"identical", or the first differing path (e.g. "[0].scores[1]: 0.512 vs 0.513"); then
"parity-ct2: X/Y cases identical". Exit status 0 only if X == Y.

A case where both sides raised counts as identical (the messages differ by language, so only
the fact is compared); a case where one side raised and the other did not is a difference.
"""

import json
import math
import sys

TOLERANCE = 1e-5


def first_difference(ref, ours, path=""):
    """The first path at which ours departs from ref, as "path: ref vs ours", or None."""
    if isinstance(ref, bool) or isinstance(ours, bool):
        if type(ref) is not type(ours) or ref != ours:
            return "%s: %r vs %r" % (path or "result", ref, ours)
        return None
    if isinstance(ref, int):
        # Python's json always writes a float with a point or exponent, so an int here is an
        # int field (token id, step): exact, and ours must be an int too.
        if not isinstance(ours, int) or ref != ours:
            return "%s: %s vs %s" % (path or "result", json.dumps(ref), json.dumps(ours))
        return None
    if isinstance(ref, float) and isinstance(ours, (int, float)):
        # A JSON writer may print the float 1.0 as 1, so ours may parse as an int.
        a, b = float(ref), float(ours)
        if math.isnan(a) or math.isnan(b):
            same = math.isnan(a) and math.isnan(b)
        elif math.isinf(a) or math.isinf(b):
            same = a == b
        else:
            same = abs(a - b) <= TOLERANCE
        return None if same else "%s: %r vs %r" % (path or "result", ref, ours)
    if isinstance(ref, list) and isinstance(ours, list):
        if len(ref) != len(ours):
            return "%s: length %d vs %d" % (path or "result", len(ref), len(ours))
        for i, (r, o) in enumerate(zip(ref, ours)):
            d = first_difference(r, o, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if isinstance(ref, dict) and isinstance(ours, dict):
        if set(ref) != set(ours):
            missing = sorted(set(ref) - set(ours))
            extra = sorted(set(ours) - set(ref))
            return "%s: keys differ (missing %s, extra %s)" % (path or "result", missing, extra)
        for key in ref:
            d = first_difference(ref[key], ours[key], "%s.%s" % (path, key) if path else key)
            if d:
                return d
        return None
    if ref is None and ours is None:
        return None
    if type(ref) is not type(ours) or ref != ours:
        return "%s: %s vs %s" % (path or "result", json.dumps(ref), json.dumps(ours))
    return None


def compare_case(ref, ours):
    """None if the two records agree, else the reason."""
    if ours is None:
        return "missing from ours"
    if ref is None:
        return "missing from the reference"
    if "error" in ref or "error" in ours:
        if "error" in ref and "error" in ours:
            return None
        if "error" in ref:
            return "reference raised (%s), ours did not" % ref["error"]
        return "ours raised (%s), the reference did not" % ours["error"]
    if "result" not in ours:
        return "ours has no result"
    return first_difference(ref["result"], ours["result"])


def read_results(path):
    records = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as e:
                    raise SystemExit("%s:%d: not JSON: %s" % (path, n, e))
                records[record.get("id")] = record
    return records


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: compare.py MANIFEST REFERENCE OURS")
    manifest, reference, ours = sys.argv[1:]
    with open(manifest, encoding="utf-8") as f:
        ids = [json.loads(line)["id"] for line in f if line.strip()]
    ref_records = read_results(reference)
    our_records = read_results(ours)
    identical = 0
    width = max((len(i) for i in ids), default=0)
    for case_id in ids:
        reason = compare_case(ref_records.get(case_id), our_records.get(case_id))
        if reason is None:
            identical += 1
            both_raised = "error" in ref_records[case_id]
            print("%-*s  identical%s" % (width, case_id, " (both raised)" if both_raised else ""))
        else:
            print("%-*s  DIFFERS %s" % (width, case_id, reason))
    print("parity-ct2: %d/%d cases identical" % (identical, len(ids)))
    sys.exit(0 if identical == len(ids) and ids else 1)


if __name__ == "__main__":
    main()
