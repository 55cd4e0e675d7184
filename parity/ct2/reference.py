#!/usr/bin/env python3
"""reference.py MODELS_DIR MANIFEST OUT: runs every case of a ct2 parity manifest through
CTranslate2's Python API and writes one JSON line per case, {"id", "result"} or {"id", "error"},
in the schema parity/README.md describes (the Java runner, tools/run ct2-parity-run, writes the
same). parity/ct2/compare.py compares the two files.

Every model is loaded with device="cpu", compute_type="float32", inter_threads=1,
intra_threads=1: one worker thread and no intra-op parallelism, so float results do not depend
on how work is split.

Seeded cases load a fresh model right after ctranslate2.set_random_seed(seed). CTranslate2 seeds
each thread's random generator once, on that thread's first sampling call, so on a model that has
already sampled, set_random_seed has no effect; a fresh model has a fresh worker thread.
"""

import json
import sys

import numpy as np

import ctranslate2

KINDS = {
    "translator": ctranslate2.Translator,
    "generator": ctranslate2.Generator,
    "encoder": ctranslate2.Encoder,
}


def load(models_dir, kind):
    if kind not in KINDS:
        raise ValueError("unknown model %r (expected one of %s)" % (kind, ", ".join(KINDS)))
    return KINDS[kind](
        "%s/%s" % (models_dir, kind),
        device="cpu",
        compute_type="float32",
        inter_threads=1,
        intra_threads=1,
    )


def floats(values):
    return [float(v) for v in values]


def translate_batch(model, args):
    source = args.pop("source")
    target_prefix = args.pop("target_prefix", None)
    results = model.translate_batch(source, target_prefix, **args)
    return [
        {
            "hypotheses": [list(h) for h in r.hypotheses],
            "scores": floats(r.scores) if args.get("return_scores") else None,
            "attention": (
                [[floats(row) for row in hyp] for hyp in r.attention]
                if args.get("return_attention")
                else None
            ),
        }
        for r in results
    ]


def score_batch(model, args):
    if isinstance(model, ctranslate2.Translator):
        results = model.score_batch(args.pop("source"), args.pop("target"), **args)
    else:
        results = model.score_batch(args.pop("tokens"), **args)
    return [{"tokens": list(r.tokens), "log_probs": floats(r.log_probs)} for r in results]


def generate_batch(model, args):
    results = model.generate_batch(args.pop("start_tokens"), **args)
    return [
        {
            "sequences": [list(s) for s in r.sequences],
            "sequences_ids": [[int(i) for i in s] for s in r.sequences_ids],
            "scores": floats(r.scores) if args.get("return_scores") else None,
        }
        for r in results
    ]


def generate_tokens(model, args):
    with_log_prob = args.get("return_log_prob", False)
    return [
        {
            "step": int(s.step),
            "batch_id": int(s.batch_id),
            "token_id": int(s.token_id),
            "hypothesis_id": int(s.hypothesis_id),
            "token": s.token,
            "log_prob": float(s.log_prob) if with_log_prob else None,
            "is_last": bool(s.is_last),
        }
        for s in model.generate_tokens(args.pop("prompt"), **args)
    ]


def forward_batch(model, args):
    # The manifest names the batch "input" (ct2-interface); Python calls it "inputs".
    inputs = args.pop("input") if "input" in args else args.pop("inputs")
    output = model.forward_batch(inputs, **args)
    pooler = output.pooler_output
    return {
        "last_hidden_state": np.array(output.last_hidden_state, dtype=np.float32).tolist(),
        "pooler_output": None if pooler is None else np.array(pooler, dtype=np.float32).tolist(),
    }


CALLS = {
    "translator": {"translate_batch": translate_batch, "score_batch": score_batch},
    "generator": {
        "generate_batch": generate_batch,
        "generate_tokens": generate_tokens,
        "score_batch": score_batch,
    },
    "encoder": {"forward_batch": forward_batch},
}


def run_case(models_dir, cache, case):
    kind = case["model"]
    call = CALLS.get(kind, {}).get(case["call"])
    if call is None:
        raise ValueError("no call %r on model %r" % (case["call"], kind))
    args = case.get("args", {})
    if args.get("sampling_topk", 1) != 1 and "seed" not in case:
        # Without a seed, CTranslate2 draws one from std::random_device: no parity possible.
        raise ValueError("a sampling case (sampling_topk != 1) needs a seed")
    if "seed" in case:
        ctranslate2.set_random_seed(int(case["seed"]))
        model = load(models_dir, kind)
    else:
        if kind not in cache:
            cache[kind] = load(models_dir, kind)
        model = cache[kind]
    return call(model, dict(args))


def main():
    if len(sys.argv) != 4:
        raise SystemExit("usage: reference.py MODELS_DIR MANIFEST OUT")
    models_dir, manifest, out_path = sys.argv[1:]
    cache = {}
    with open(manifest, encoding="utf-8") as lines, open(out_path, "w", encoding="utf-8") as out:
        for line in lines:
            if not line.strip():
                continue
            case = json.loads(line)
            try:
                record = {"id": case["id"], "result": run_case(models_dir, cache, case)}
            except Exception as e:  # the case's error is its result; the next case still runs
                record = {"id": case["id"], "error": "%s: %s" % (type(e).__name__, e)}
            out.write(json.dumps(record) + "\n")
            if "error" in record:
                print("[reference] %s: %s" % (case["id"], record["error"]), file=sys.stderr)


if __name__ == "__main__":
    main()
