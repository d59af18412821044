#!/usr/bin/env bash
# Install everything and run the whole test suite: linters, type checks, Python tests,
# and the browser tests in real Chromium, all inside a private network namespace so no
# test traffic can leave the machine. Needs root (for the namespace); CI calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test

echo "==> ruff"
.venv/bin/ruff check .
echo "==> mypy"
.venv/bin/mypy
echo "==> tsc --noEmit"
npm --prefix web_client run --silent typecheck

echo "==> pytest (in a private network namespace)"
export CI="${CI:-}"
scripts/in-netns.sh .venv/bin/python -m pytest -p no:cacheprovider "$@"
