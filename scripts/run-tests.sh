#!/usr/bin/env bash
# Set up everything the tests need (Qt runtime libraries, CJK fonts, PostgreSQL, Chromium, the kiosk's read-aloud
# engine espeak-ng, Python packages)
# and run the whole test suite: ruff, then pytest. Fails when no test ran (pytest exit code 5).
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
apt_install ca-certificates \
  libegl1 libgl1 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0 libx11-6 libxcb1 \
  fonts-noto-cjk postgresql chromium espeak-ng
python_venv "client,exports,server,test"
bash "$ROOT/scripts/fhir-venv.sh"
cd "$ROOT"
echo "==> ruff check"
"$VENV/bin/ruff" check .
echo "==> pytest"
export QT_QPA_PLATFORM=offscreen
# Python keeps the compiled modules (__pycache__/, ignored by git): hundreds of tests start `trialpro-server` or
# `trialpro-client` in a child process, and with PYTHONDONTWRITEBYTECODE set (some CI images set it) each child
# compiled the whole project again, seconds per command.
unset PYTHONDONTWRITEBYTECODE
set +e
# The default run leaves out the long loops marked `slow` (their sampled versions run) and runs in two
# pytest-xdist workers, each test file in one of them (CI has 2 cores; each worker has its own PostgreSQL cluster,
# Chromium, temp dir and scheduler group, see tests/conftest.py). Pass pytest arguments to choose, e.g.
# `bash scripts/run-tests.sh -m slow` for the long fuzz and crash loops, `-m "not slow"` for one process.
if [ "$#" -eq 0 ]; then set -- -m "not slow" -n 2 --dist loadfile; fi
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose" >&2
  exit 1
fi
exit "$status"
