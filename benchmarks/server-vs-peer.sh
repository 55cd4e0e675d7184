#!/usr/bin/env bash
# benchmarks/server-vs-peer.sh [REQUESTS_PER_CLIENT]: ct2j serve against faster-whisper-server 0.0.3
# (FastAPI, on the project's faster-whisper 1.2.1 and CTranslate2 build), side by side in one run.
# Equal settings: base model, int8, CPU, 2 decoding workers x 1 thread each (faster-whisper's
# num_workers / cpu_threads), the sequential transcribe (batch size 1), json responses, jfk.flac.
# 1, 4 and 8 concurrent clients; throughput (requests/s), p50/p99 latency, and the load average.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$ROOT/scripts/env.sh"
PER_CLIENT=${1:-3}
MODEL=${CT2J_MODELS:-$HOME/.cache/ct2j/models}/base
AUDIO="$ROOT/../shared/data/jfk.flac"
"$ROOT/parity/setup-venv.sh" --without-binding
PEER_VENV="$ROOT/.venv-peer"
stamp="$PEER_VENV/.requirements.sha256"
want=$(sha256sum "$ROOT/benchmarks/requirements-peer.txt" | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  rm -rf "$PEER_VENV"
  "$ROOT/.venv/bin/python" -m venv "$PEER_VENV"
  # The project venv's packages (faster-whisper 1.2.1 on our CTranslate2 build) come after its own.
  site=$("$PEER_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  "$ROOT/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/ct2j-project-venv.pth"
  # --no-deps: every dependency is pinned in the file, faster-whisper comes from the project venv.
  "$PEER_VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-hashes \
    -r "$ROOT/benchmarks/requirements-peer.txt"
  echo "$want" > "$stamp"
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/peer.yaml" <<YAML
batch_size: 1
models:
  - name: whisper-1
    path: $MODEL
    model_options: {device: cpu, compute_type: int8, cpu_threads: 1, num_workers: 2}
YAML
"$ROOT/server/run" --port 18310 --model "$MODEL" --preload "$MODEL" --compute-type int8 --workers 2 \
  --cpu-threads 1 --model-ttl -1 --max-queue 64 --local-files-only > "$work/ct2j.log" 2>&1 &
pids+=($!)
"$PEER_VENV/bin/faster-whisper-server" --config "$work/peer.yaml" --host 127.0.0.1 --port 18311 \
  > "$work/peer.log" 2>&1 &
pids+=($!)
"$ROOT/.venv/bin/python" - "$AUDIO" "$PER_CLIENT" <<'PY'
import json, os, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from openai import OpenAI

audio, per_client = sys.argv[1], int(sys.argv[2])
servers = {"ct2j": "http://127.0.0.1:18310", "faster-whisper-server": "http://127.0.0.1:18311"}
for name, url in servers.items():
    deadline = time.time() + 120
    while True:
        try:
            if urllib.request.urlopen(url + "/health", timeout=5).status == 200:
                break
        except Exception:
            pass
        if time.time() > deadline:
            sys.exit(f"{name} did not become healthy")
        time.sleep(0.2)

def call(url):
    # model_name: what faster-whisper-server reads; model: what OpenAI's API (and ct2j) reads.
    c = OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0, timeout=600)
    started = time.time()
    c.audio.transcriptions.create(model="whisper-1", file=open(audio, "rb"), extra_body={"model_name": "whisper-1"})
    return time.time() - started

for url in servers.values():
    call(url)  # warm-up: the peer loads its model on first use
rows = []
for clients in (1, 4, 8):
    for name, url in servers.items():
        n = clients * per_client
        load_before = os.getloadavg()[0]
        started = time.time()
        with ThreadPoolExecutor(clients) as pool:
            latencies = sorted(pool.map(lambda _: call(url), range(n)))
        wall = time.time() - started
        rows.append({"server": name, "clients": clients, "requests": n, "throughput_rps": round(n / wall, 3),
                     "p50_s": round(latencies[n // 2], 2), "p99_s": round(latencies[min(n - 1, int(n * 0.99))], 2),
                     "load_1min_before": round(load_before, 2), "load_1min_after": round(os.getloadavg()[0], 2)})
        print(json.dumps(rows[-1]), flush=True)
for clients in (1, 4, 8):
    a, b = [r for r in rows if r["clients"] == clients]
    print(f"clients {clients}: ct2j/peer throughput {a['throughput_rps'] / b['throughput_rps']:.2f}x, "
          f"p50 {a['p50_s']} vs {b['p50_s']} s, p99 {a['p99_s']} vs {b['p99_s']} s")
PY
