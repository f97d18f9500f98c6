#!/usr/bin/env bash
# Install what TGGrid needs on a Debian 12 machine (as root), only what is missing:
#   scripts/setup.sh            browsers, drivers, media tools and the virtualenv (to run a hub)
#   scripts/setup.sh --test     also Docker, debootstrap, PostgreSQL and test tools
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb x11vnc ffmpeg openbox novnc
          fonts-dejavu-core fonts-liberation python3-venv python3-dev gcc procps)
if [ "$want_test" = 1 ]; then
  packages+=(docker.io debootstrap debian-archive-keyring postgresql zbar-tools iproute2 tar
             docker-compose systemd haproxy)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The local node runs drivers and browsers as this unprivileged user when the hub runs as
# root (setting browser_user); no login, no home of its own: each session's folder is HOME.
if [ "$(id -u)" = 0 ] && ! id tggrid-browser >/dev/null 2>&1; then
  echo "setup: creating the user tggrid-browser"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    tggrid-browser
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating the virtualenv in .venv"
  "$python" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
stamp=.venv/.tggrid-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing TGGrid and its Python dependencies"
  .venv/bin/pip install -q -e '.[test]'
  touch "$stamp"
fi
