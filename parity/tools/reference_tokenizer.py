"""Print faster-whisper 1.2.1's tokenizer behaviour for one model as JSON.

Usage: python reference_tokenizer.py <model_dir>

The Java tokenizer tests (dev.ct2j.tokenizer) run this script and compare every
value. The inputs live here, next to the expected outputs, so a new case needs
no Java change. It calls faster-whisper's own Tokenizer and
get_suppressed_tokens over tokenizers.Tokenizer.from_file(<model_dir>/tokenizer.json),
exactly as WhisperModel does when the model directory holds a tokenizer.json.
"""

import json
import os
import random
import sys

import tokenizers
from faster_whisper.tokenizer import _LANGUAGE_CODES, _TASKS, Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

ENCODE_TEXTS = [
    "",
    " ",
    "Hello world",
    " Hello world",
    "  two leading spaces",
    "ComfyUI",
    " ComfyUI",
    " And so my fellow Americans, ask not what your country can do for you.",
    "你好，世界",
    " 我们今天去公园散步。",
    "こんにちは、世界！",
    " 今日はいい天気ですね。",
    "¡Hola! ¿Qué tal? naïve café",
    " Ελληνικά русский עברית العربية ไทย",
    " emoji 🍕🎉 and 👩‍👩‍👧",
    ' punctuation: "quoted" (paren) [bracket] {brace} <angle> -- — – … ♪♪',
    "tab\tnewline\nend",
    "\u00a0non-breaking\u3000ideographic space",
    "text with <|endoftext|> inside",
    "<|0.00|>",
    " hello" * 600,
]

SPLIT_TEXTS = {
    "en": [
        " Hello, world! It's a (test) -- don't stop.",
        ' "Quoted," she said... ok ,  ( ) - dash',
        " I love 🍕 and 🎉! ComfyUI rocks.",
        " a\u00a0b\u3000c , d",
    ],
    "fr": [" elle est l'écritoire, n'est-ce pas ?"],
    "zh": [" 我们今天去公园散步。天气很好！", "你好，世界"],
    "ja": ["こんにちは、世界！今日はいい天気ですね。"],
    "th": [" สวัสดีครับ ยินดีต้อนรับ"],
    "yue": [" 我哋今日去公園散步。"],
    "de": [" Größere Übungen, „bitte“ – schön!"],
}


def special_ids(tok):
    return {
        "eot": tok.eot,
        "sot": tok.sot,
        "sot_lm": tok.sot_lm,
        "sot_prev": tok.sot_prev,
        "transcribe": tok.transcribe,
        "translate": tok.translate,
        "no_timestamps": tok.no_timestamps,
        "no_speech": tok.no_speech,
        "timestamp_begin": tok.timestamp_begin,
    }


def suppressed(tok):
    cases = [[-1], [13], [-1, 13], [13, 50257, 7], [-1, -2, 5], [-2, 5], []]
    out = []
    for case in cases:
        # get_suppressed_tokens extends a non-(-1) list in place; pass a copy.
        out.append({"input": case, "output": list(get_suppressed_tokens(tok, list(case)))})
    return out


def split_case(tok, tokens):
    words, word_tokens = tok.split_to_word_tokens(list(tokens))
    uwords, uword_tokens = tok.split_tokens_on_unicode(list(tokens))
    return {
        "tokens": list(tokens),
        "words": words,
        "word_tokens": word_tokens,
        "unicode_words": uwords,
        "unicode_word_tokens": uword_tokens,
    }


def main():
    model_dir = sys.argv[1]
    hf = tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    ml = Tokenizer(hf, True, task="transcribe", language="en")
    en_only = Tokenizer(hf, False)
    tb = ml.timestamp_begin
    eot = ml.eot

    result = {
        "tokenizers_version": tokenizers.__version__,
        "tasks": list(_TASKS),
        "language_codes": list(_LANGUAGE_CODES),
        "language_tokens": {
            code: hf.token_to_id("<|%s|>" % code) for code in _LANGUAGE_CODES
        },
        "token_to_id": {
            token: hf.token_to_id(token)
            for token in [
                "<|endoftext|>",
                "<|nospeech|>",
                "<|nocaptions|>",
                "<|yue|>",
                "<|0.00|>",
                "<|30.00|>",
                "hello",
                "Ġhello",
                "!",
                "not a token",
            ]
        },
    }

    sot_sequences = []
    for task, language in [
        ("transcribe", "en"),
        ("translate", "de"),
        ("transcribe", "zh"),
        ("translate", "haw"),
        ("transcribe", "yue"),
    ]:
        tok = Tokenizer(hf, True, task=task, language=language)
        sot_sequences.append(
            {
                "task": task,
                "language": language,
                "task_token": tok.task,
                "language_token": tok.language,
                "sot_sequence": tok.sot_sequence,
            }
        )

    result["multilingual"] = {
        "special": special_ids(ml),
        "sot_sequences": sot_sequences,
        "non_speech_tokens": list(ml.non_speech_tokens),
        "suppressed": suppressed(ml),
    }
    result["english_only"] = {
        "special": special_ids(en_only),
        "language_code": en_only.language_code,
        "sot_sequence": en_only.sot_sequence,
        "non_speech_tokens": list(en_only.non_speech_tokens),
        "suppressed": suppressed(en_only),
    }

    result["encode"] = [{"text": t, "ids": ml.encode(t)} for t in ENCODE_TEXTS]

    hello = ml.encode(" Hello world.")
    nihao = ml.encode(" 你好世界")
    decode_lists = [
        [],
        hello,
        ml.sot_sequence + [tb] + hello + [tb + 50] + nihao + [tb + 101, eot],
        [ml.sot_prev] + hello + [ml.no_timestamps, ml.no_speech, eot + 5] + nihao,
        nihao[:1],
        nihao[:2],
        nihao[1:],
        [246],
        [8404, 871, 287, 6, 246, 526, 3210, 20378],
        [tb, tb],
        list(range(tb, tb + 1501)),
        [tb + 1501, tb + 3000, tb + 12345],
        [tb + 7] + nihao[:1] + [tb + 8] + nihao[1:] + [tb + 9],
    ]
    result["decode"] = [
        {
            "ids": ids,
            "decode": ml.decode(ids),
            "decode_with_timestamps": ml.decode_with_timestamps(ids),
        }
        for ids in decode_lists
    ]

    splits = []
    for language, texts in SPLIT_TEXTS.items():
        tok = Tokenizer(hf, True, task="transcribe", language=language)
        for text in texts:
            tokens = tok.encode(text)
            for variant in (tokens, tokens + [eot], [tb] + tokens + [tb + 100, eot], tokens[:-1]):
                case = split_case(tok, variant)
                case.update({"multilingual": True, "language": language})
                splits.append(case)
    # faster-whisper's tests/test_tokenizer.py::test_split_on_unicode case
    # (an English-only view over the multilingual vocabulary, like the test).
    for tokens in (
        [8404, 871, 287, 6, 246, 526, 3210, 20378],
        ml.encode(" 🍕") + [246] + ml.encode("é ok"),
        nihao[:1] + hello + nihao[1:],
        [],
    ):
        case = split_case(en_only, tokens)
        case.update({"multilingual": False, "language": None})
        splits.append(case)
        case = split_case(Tokenizer(hf, True, "transcribe", "ja"), tokens)
        case.update({"multilingual": True, "language": "ja"})
        splits.append(case)
    result["split"] = splits

    # HF's own decode (skip_special_tokens=True, as faster-whisper calls it) of every id alone, a
    # few past the vocabulary, and of seeded random runs: ct2j decodes byte-level BPE in Java, and
    # runs weighted towards the lone-byte tokens give broken UTF-8 of every kind.
    size = hf.get_vocab_size(with_added_tokens=True)
    result["hf_decode_each"] = [hf.decode([i]) for i in range(size + 3)]
    lone_bytes = [i for i in range(size) if len(hf.id_to_token(i) or "") == 1]
    rng = random.Random(1201)
    runs = []
    for _ in range(3000):
        n = rng.randint(1, 8)
        ids = [rng.choice(lone_bytes) if rng.random() < 0.6 else rng.randrange(size + 3) for _ in range(n)]
        runs.append({"ids": ids, "decode": hf.decode(ids)})
    result["hf_decode_runs"] = runs

    json.dump(result, sys.stdout, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
