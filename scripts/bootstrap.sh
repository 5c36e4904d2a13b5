# Sourced by run-demo.sh and run-tests.sh: installs what trialpro needs, idempotently.
# Works on a fresh Debian 12 with only python3; uses sudo when not root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_install PKG...: install the Debian packages that are missing (nothing when all are present).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# python_venv EXTRAS: a venv in .venv with trialpro (editable) and pinned dependencies.
python_venv() {
  local extras="$1"
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    apt_install python3-venv
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.trialpro-installed-$extras"
  local want
  want="$(cat "$ROOT/constraints.txt" "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "==> installing Python packages (pinned in constraints.txt)"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -c "$ROOT/constraints.txt" -e "$ROOT[$extras]"
    echo "$want" > "$stamp"
  fi
}

# qt_runtime_libs: the Debian libraries Qt 6's xcb platform plugin loads on a real X11 display (doc.qt.io "Qt for
# X11 Requirements"; libxcb-cursor0 since Qt 6.5), plus OpenGL/EGL, fonts (with CJK for the Chinese screens),
# GLib and D-Bus. The offscreen platform of the tests needs only a few of them; a clinic's screen needs all.
qt_runtime_libs() {
  apt_install libegl1 libgl1 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6 fonts-noto-cjk \
    libx11-6 libx11-xcb1 libxext6 libxi6 libxrender1 libsm6 libice6 libxkbcommon0 libxkbcommon-x11-0 \
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
    libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 \
    libxcb-xinerama0 libxcb-xkb1
}
