#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run `decompose analyze` on the bundled AI-monolith sample.
# Output: decompose-out/ (graph.json, proposal.json, boundaries.toml, report.md, report.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/decompose analyze samples/predictly --out decompose-out "$@"
