#!/usr/bin/env bash
# Set up (scripts/setup.sh --dev) and run the whole default test suite. Extra arguments go to
# pytest (e.g. `scripts/test.sh -m corpus` for the opt-in real-package tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
exec .venv/bin/python -m pytest -n 2 -q "$@"
