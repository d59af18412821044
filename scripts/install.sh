#!/usr/bin/env bash
# Install everything the server and its tests need on a Debian machine, then build the
# web client. Safe to run again: each step is skipped when already done.
#
#   scripts/install.sh          server only
#   scripts/install.sh --test   also the test tools (Chromium, Redis, Playwright, linters)
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
[[ "${1:-}" == "--test" ]] && WITH_TEST=1

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

# ---- Debian packages ------------------------------------------------------------------
packages=(python3 python3-venv python3-pip ca-certificates iproute2)
# Janus is the SFU for group rooms, coturn the TURN relay; the server runs without them
# (peer to peer), but a fresh install should have them.
packages+=(janus coturn)
if [[ $WITH_TEST -eq 1 ]]; then
  packages+=(chromium redis-server fonts-dejavu-core kmod)
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- Python packages (pinned in pyproject.toml) -----------------------------------------
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed (found $("$PY" --version))." >&2
  exit 1
fi
[[ -x .venv/bin/python ]] || "$PY" -m venv .venv
extras=""
[[ $WITH_TEST -eq 1 ]] && extras="[test]"
stamp=".venv/.installed$extras"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" != "$want" ]]; then
  echo "==> pip install -e .$extras"
  .venv/bin/pip install -q --disable-pip-version-check -e ".$extras"
  echo "$want" > "$stamp"
fi

# ---- Web client (pinned in web_client/package-lock.json) ----------------------------------
lock_hash="$(sha256sum web_client/package-lock.json | cut -d' ' -f1)"
if [[ ! -f web_client/node_modules/.lock-hash ]] || \
   [[ "$(cat web_client/node_modules/.lock-hash)" != "$lock_hash" ]]; then
  echo "==> npm ci (web_client)"
  npm --prefix web_client ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > web_client/node_modules/.lock-hash
fi
echo "==> building the web client"
npm --prefix web_client run --silent build >/dev/null
