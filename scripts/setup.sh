#!/usr/bin/env bash
# Set up everything decompose and its tests need on a fresh Debian machine with Python 3.11+:
# system packages (Graphviz for images, Chromium for the browser test) and a virtualenv in .venv.
# Idempotent: a second run only checks. Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

need_apt=()
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
if [ "${1:-}" = "--dev" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium chromium-driver)
  command -v git >/dev/null 2>&1 || need_apt+=(git)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing system packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these system packages: ${need_apt[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi
