#!/usr/bin/env bash
# Set up and run the trialpro server on 127.0.0.1 with the demo study (embedded SQLite in ./demo-data).
# Usage: bash scripts/run-demo.sh [PORT]     (default port 8000; data kept in ./demo-data between runs)
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
apt_install ca-certificates espeak-ng    # espeak-ng: the kiosk reads questions aloud (Mandarin, English)
python_venv "exports,server"
PORT="${1:-${PORT:-8000}}"
exec "$VENV/bin/trialpro-server" demo --data-dir "$ROOT/demo-data" --port "$PORT"
