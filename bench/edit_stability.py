"""Stability of the names-on proposal under single-edge edits (docs/quality.md §12).

Usage: python bench/edit_stability.py SRC_FOLDER TRIALS [variant: default|c64|c1] [rng seed]
Even trials add one random function-level import between two modules, odd trials remove one
existing import; each prints MoJoFM(after -> before), the modules whose service changed under
the best one-to-one matching of services, and how many service names appeared/disappeared.
"""

import json
import random
import statistics
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from decompose.config import AnalyzeSettings, Config
from decompose.metrics import mojofm
from decompose.model import ModuleEdge
from decompose.partition import Tuning, propose
from decompose.pipeline import load_graph, make_cache

root = Path(sys.argv[1])
trials = int(sys.argv[2])
variant = sys.argv[3] if len(sys.argv) > 3 else "default"
cfg = Config()
_, g, _ = load_graph(root, cfg, make_cache(cfg, None, True))
tuning = {"default": None, "c64": Tuning(consensus_runs=64), "c1": Tuning(consensus_runs=1)}.get(
    variant
)


def run(graph):
    p, _ = propose(graph, AnalyzeSettings(), tuning=tuning)
    return p.as_dict()


base = run(g)
mods = sorted(m.name for m in g.modules if m.kind not in ("namespace",))
existing = {(e.src, e.dst) for e in g.imports}
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
scores, moved, renamed = [], [], []
for t in range(trials):
    if t % 2 == 0:
        while True:
            a, b = rng.sample(mods, 2)
            if (a, b) not in existing:
                break
        e = ModuleEdge(a, b, "import", 1, 1, "function")
        g2 = replace(g, imports=tuple(sorted(g.imports + (e,))))
        what = f"+ {a} -> {b}"
    else:
        e = rng.choice(g.imports)
        g2 = replace(g, imports=tuple(x for x in g.imports if x != e))
        what = f"- {e.src} -> {e.dst}"
    after = run(g2)
    s = mojofm(after, base)
    # modules whose service changed, under the best one-to-one label match (names ignored)
    pair = defaultdict(int)
    for m in base:
        pair[(after.get(m), base[m])] += 1
    used_a, used_b, kept = set(), set(), 0
    for (x, y), c in sorted(pair.items(), key=lambda kv: -kv[1]):
        if x not in used_a and y not in used_b:
            used_a.add(x)
            used_b.add(y)
            kept += c
    mv = len(base) - kept
    nb = set(base.values())
    na = set(after.values())
    scores.append(s)
    moved.append(mv)
    renamed.append(len(nb ^ na))
    print(f"  {what}: MoJoFM {s:.1f}, moved {mv}, names added/removed {len(nb ^ na)}", flush=True)
print(
    json.dumps(
        {
            "project": root.name,
            "variant": variant,
            "modules": len(base),
            "services": len(set(base.values())),
            "mean": round(statistics.fmean(scores), 1),
            "min": round(min(scores), 1),
            "moved_median": statistics.median(moved),
            "moved_max": max(moved),
            "name_changes_mean": statistics.fmean(renamed),
        }
    )
)
