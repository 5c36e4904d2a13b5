#!/usr/bin/env bash
# Start the desktop client against the demo server: installs the client extra and the Qt runtime libraries a real
# display needs, starts the demo server of run-demo.sh (or reuses the one running on PORT), and opens a station in
# ./demo-station. A new station opens on its set-up screen PRE-FILLED with the server address and a fresh one-time
# enrolment code: choose a site passphrase (8+ characters), press "Set up and enrol", write down the recovery key,
# then sign in as the demo nurse printed below. Later runs open the same station (type its passphrase).
# Usage: bash scripts/run-client.sh [PORT] [--language zh|en] [--check]   (default port 8000)
#   --check: everything but the window: start, show the set-up screen offscreen, exit (what the tests run)
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
apt_install ca-certificates espeak-ng   # espeak-ng: the kiosk reads questions aloud (issue 22)
qt_runtime_libs
python_venv "client,exports,server"
exec "$VENV/bin/python" "$ROOT/scripts/run_client.py" --root "$ROOT" "$@"
