#!/usr/bin/env bash
# Install what is needed and run the server with embedded defaults: in-memory state,
# development mode (a generated secret), HTTP on loopback port 8080.
# Extra arguments go to `facilitation serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
exec .venv/bin/facilitation serve --dev "$@"
