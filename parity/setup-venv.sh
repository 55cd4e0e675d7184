#!/usr/bin/env bash
# Creates the project venv (.venv) with faster-whisper 1.2.1 and pinned dependencies.
# Idempotent: re-running only installs what changed in parity/requirements.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$ROOT/parity/requirements.txt" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/parity/requirements.txt"
echo "$want" > "$stamp"
