"""Checks a running `ct2j serve` with OpenAI's official Python client (the `openai` package).

Run by dev.ct2j.server.ServerTest, which starts the server and writes the library's own results
for the same files and options to --expected. Modes:
  main   every response format, words and segments, streaming, translation, 401, 413, 400,
         409 on unloading a busy model, a load test of 8 clients x 10 requests, and the RSS
         given back after the model TTL
  queue  429 with Retry-After past --max-queue
Prints one JSON line of measurements; exits 1 with the failures listed.
"""
import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import openai
from openai import OpenAI

failures = []
checks = [0]


def check(condition, message):
    checks[0] += 1
    if not condition:
        failures.append(message)
        print("FAIL:", message, file=sys.stderr)
    return condition


def raw(base, method, path, key=None):
    request = urllib.request.Request(base + path, method=method)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def metric(base, key, name):
    _, _, text = raw(base, "GET", "/metrics", key)
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError("no metric " + name)


def segments_of(verbose):
    return [{"start": s.start, "end": s.end, "text": s.text, "tokens": list(s.tokens)}
            for s in (verbose.segments or [])]


def words_of(verbose):
    return [{"start": w.start, "end": w.end, "word": w.word} for w in (verbose.words or [])]


def error_body_ok(e, status):
    body = e.body if isinstance(e.body, dict) else {}
    inner = body.get("error", body)
    return (check(e.status_code == status, f"expected {status}, got {e.status_code}")
            and check(set(inner) >= {"message", "type", "param", "code"},
                      f"{status}: error body keys {sorted(inner)}"))


def main_mode(args, expected):
    base, key, data = args.base_url, args.api_key, args.data
    client = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=300)
    jfk = os.path.join(data, "jfk.flac")
    files = {name: os.path.join(data, name) for name in expected["files"]}
    stats = {}

    # 401: no key and a wrong key.
    status, _, body = raw(base, "GET", "/v1/models")
    check(status == 401 and set(json.loads(body)["error"]) == {"message", "type", "param", "code"},
          f"no key: {status} {body}")
    try:
        OpenAI(base_url=base + "/v1", api_key="wrong", max_retries=0).models.list()
        check(False, "401 expected with a wrong key")
    except openai.APIStatusError as e:
        error_body_ok(e, 401)
    # 413: a file above --max-upload-mb.
    big = os.path.join(args.work, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(args.max_upload_mb * 1024 * 1024 + 4096))
    try:
        client.audio.transcriptions.create(model="whisper-1", file=open(big, "rb"))
        check(False, "413 expected for an upload over the limit")
    except openai.APIStatusError as e:
        check(e.status_code == 413, f"413 expected, got {e.status_code}")
    # 400: garbage audio, and word granularity without verbose_json.
    garbage = os.path.join(args.work, "garbage.mp3")
    with open(garbage, "wb") as f:
        f.write(os.urandom(5000))
    try:
        client.audio.transcriptions.create(model="whisper-1", file=open(garbage, "rb"))
        check(False, "400 expected for garbage audio")
    except openai.APIStatusError as e:
        error_body_ok(e, 400)
    try:
        client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="json",
                                           timestamp_granularities=["word"])
        check(False, "400 expected for json with word granularity")
    except openai.APIStatusError as e:
        error_body_ok(e, 400)

    try:
        client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), include=["logprobs"])
        check(False, "400 expected for include[]=logprobs")
    except openai.APIStatusError as e:
        error_body_ok(e, 400)
    status, _, body = raw(base, "GET", "/metrics", key)
    check(status == 200 and 'ct2j_errors_total{endpoint="/v1/audio/transcriptions",status="400"}' in body
          and "ct2j_queue_depth 0" in body, "metrics count the errors")

    check(metric(base, key, "ct2j_loaded_models") == 0, "no model loaded before the first transcription")
    time.sleep(1)
    rss_before = metric(base, key, "ct2j_host_rss_bytes")
    stats["rss_before_first_load_mb"] = round(rss_before / 2**20, 1)

    # Models.
    listed = client.models.list()
    check(any(m.id == expected["model"] for m in listed.data), "GET /v1/models lists the default model")
    check(client.models.retrieve("whisper-1").object == "model", "GET /v1/models/whisper-1")

    # Every response format, for jfk.
    ref = expected["results"]["jfk.flac"]
    r = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"))
    check(r.text == ref["text"], f"json text {r.text!r}")
    r = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="text")
    check(r.strip() == ref["text"], f"text {r!r}")
    r = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="srt")
    check(r == ref["srt"], f"srt {r!r}")
    r = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="vtt")
    check(r == ref["vtt"], f"vtt {r!r}")
    v = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="verbose_json")
    check(v.language == "english" and v.duration == ref["duration"], f"verbose_json header {v.language} {v.duration}")
    check(segments_of(v) == ref["segments"], "verbose_json segments = the library's")
    check(not v.words, "no words without word granularity")
    v = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="verbose_json",
                                           timestamp_granularities=["word"])
    check(v.segments is None, "word only: segments null")
    check(words_of(v) == expected["results_words"]["jfk.flac"]["words"], "word only: words = the library's")
    v = client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), response_format="verbose_json",
                                           timestamp_granularities=["word", "segment"])
    check(words_of(v) == expected["results_words"]["jfk.flac"]["words"], "word+segment: words")
    check([s["text"] for s in segments_of(v)] == [s["text"] for s in expected["results_words"]["jfk.flac"]["segments"]],
          "word+segment: segments")

    # Streaming: a delta per segment, then done with the whole text.
    events = list(client.audio.transcriptions.create(model="whisper-1", file=open(jfk, "rb"), stream=True))
    types = [e.type for e in events]
    check(types == ["transcript.text.delta"] * len(ref["segments"]) + ["transcript.text.done"], f"stream events {types}")
    check("".join(e.delta for e in events[:-1]).strip() == ref["text"] and events[-1].text == ref["text"],
          "stream text")

    # Translation.
    t = client.audio.translations.create(model="whisper-1", file=open(jfk, "rb"), response_format="verbose_json")
    check(t.task == "translate" and t.text == expected["translation"]["jfk.flac"], f"translation {t.text!r}")

    # 409: DELETE while a transcription holds the model; 204 once it is idle.
    holder = ThreadPoolExecutor(1).submit(lambda: client.audio.transcriptions.create(
        model="whisper-1", file=open(os.path.join(data, "multilingual.mp3"), "rb")))
    deadline = time.time() + 30
    while time.time() < deadline and '"holders":1' not in raw(base, "GET", "/api/ps", key)[2]:
        time.sleep(0.02)
    status, _, body = raw(base, "DELETE", "/api/ps/" + expected["model"], key)
    check(status == 409 and '"error"' in body, f"DELETE of a busy model: {status} {body}")
    check(holder.result().text == expected["results"]["multilingual.mp3"]["text"],
          "the request holding the model finishes intact")
    status, _, body = raw(base, "DELETE", "/api/ps/" + expected["model"], key)
    check(status in (204, 404), f"DELETE of an idle model: {status} {body}")

    # Load test: 8 clients x 10 requests over the shared audio, each checked against the library.
    names = list(files)
    peak = [0.0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], metric(base, key, "ct2j_host_rss_bytes"))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def one(i):
        name = names[i % len(names)]
        c = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=600)
        started = time.time()
        v = c.audio.transcriptions.create(model="whisper-1", file=open(files[name], "rb"),
                                          response_format="verbose_json")
        return name, segments_of(v), time.time() - started

    started = time.time()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(80)))
    wall = time.time() - started
    done.set()
    sampler.join()
    mismatched = [n for n, segs, _ in results if segs != expected["results"][n]["segments"]]
    check(len(results) == 80, f"{len(results)} of 80 answered")
    check(not mismatched, f"{len(mismatched)} of 80 differ from the library: {mismatched[:5]}")
    latencies = sorted(r[2] for r in results)
    stats.update(load_requests=len(results), load_wall_s=round(wall, 1),
                 load_p50_s=round(latencies[len(latencies) // 2], 2),
                 load_p99_s=round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 2),
                 rss_peak_mb=round(peak[0] / 2**20, 1))
    check(peak[0] / 2**20 <= args.rss_bound_mb, f"peak RSS {peak[0] / 2**20:.0f} MB > {args.rss_bound_mb} MB")

    # The TTL: the model goes, and RSS comes back near where it was before the first load.
    idle_since = time.time()
    while metric(base, key, "ct2j_loaded_models") > 0 and time.time() - idle_since < 30:
        time.sleep(0.1)
    stats["unloaded_after_s"] = round(time.time() - idle_since, 1)
    check(metric(base, key, "ct2j_loaded_models") == 0, "the model was unloaded after its TTL")
    time.sleep(2)
    rss_after = min(metric(base, key, "ct2j_host_rss_bytes") for _ in range(3) if not time.sleep(0.3))
    stats["rss_after_ttl_mb"] = round(rss_after / 2**20, 1)
    stats["rss_after_minus_before_mb"] = round((rss_after - rss_before) / 2**20, 1)
    check(rss_after - rss_before <= 64 * 2**20,
          f"RSS after the TTL {rss_after / 2**20:.0f} MB is more than 64 MB above {rss_before / 2**20:.0f} MB")
    return stats


def queue_mode(args, expected):
    base, key = args.base_url, args.api_key or "unused"
    path = os.path.join(args.data, "multilingual.mp3")

    def one(_):
        c = OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=300)
        try:
            c.audio.transcriptions.with_raw_response.create(model="whisper-1", file=open(path, "rb"))
            return 200, None
        except openai.APIStatusError as e:
            return e.status_code, e.response.headers.get("retry-after")

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, range(4)))
    codes = sorted(c for c, _ in results)
    check(200 in codes and 429 in codes, f"queue: statuses {codes}")
    check(all(r == "1" for c, r in results if c == 429), f"429 carries Retry-After: {results}")
    return {"queue_statuses": codes}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--api-key")
    parser.add_argument("--mode", choices=["main", "queue"], required=True)
    parser.add_argument("--expected", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--max-upload-mb", type=int, default=2)
    parser.add_argument("--rss-bound-mb", type=float, default=1024)
    args = parser.parse_args()
    with open(args.expected) as f:
        expected = json.load(f)
    stats = main_mode(args, expected) if args.mode == "main" else queue_mode(args, expected)
    stats["mode"] = args.mode
    stats["failures"] = len(failures)
    print(json.dumps(stats))
    print(f"server checks ({args.mode}): {checks[0] - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
