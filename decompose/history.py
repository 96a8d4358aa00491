"""History: co-change coupling and ownership from ``git log``, when the project is in a git
repository.

One bounded ``git log --no-merges --name-only`` call (the last ``max_commits`` commits that touch
the project folder, killed after ``timeout`` seconds) gives, per commit, its author and the files it
changed. From that:

- **ownership**: commits per module and per author; a module's owner is its most frequent author
  and ``owner_share`` that author's share of its commits (Bird et al., "Don't touch my code!",
  FSE 2011, use the same ownership measure);
- **co-change**: two modules changed in the same commit are logically coupled (Gall et al.,
  "Detection of logical coupling based on product release history", ICSM 1998). Commits that touch
  more than ``max_files`` modules (mass renames, formatting) are skipped. Between services this is
  the number of commits that would have needed a coordinated change of two services.

Nothing here is written to disk; the output is JSON-ready and deterministic for a given
repository state (commit dates are data, not generation timestamps).
"""

from __future__ import annotations

import itertools
import subprocess
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from decompose.graph import ProgramGraph
from decompose.model import Plan

_RS, _US = "\x1e", "\x1f"


def _git(args: list[str], cwd: Path, timeout: float) -> str | None:
    try:
        proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", *args],  # noqa: S607 - git from PATH is the point
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def read_log(
    root: Path, max_commits: int = 500, timeout: float = 10.0
) -> tuple[list[tuple[str, int, list[str]]], str]:
    """Commits touching ``root``, newest first.

    Args:
        root: the project folder.
        max_commits: at most this many commits are read.
        timeout: seconds before ``git`` is stopped.

    Returns:
        ``([(author, unix time, [path relative to root, ...]), ...], reason)``; the list is empty
        and ``reason`` says why when there is no usable history (not a repository, no git,
        timeout).
    """
    root = root.resolve()
    top = _git(["rev-parse", "--show-toplevel"], root, min(timeout, 5.0))
    if top is None:
        return [], "not a git repository (or git is not installed)"
    top_path = Path(top.strip()).resolve()
    try:
        prefix = root.relative_to(top_path).as_posix()
    except ValueError:
        return [], "project folder is outside the repository's work tree"
    prefix = "" if prefix == "." else prefix
    out = _git(
        [
            "-c",
            "core.quotepath=off",
            "log",
            "--no-merges",
            "--no-renames",
            f"-n{max_commits}",
            "--name-only",
            f"--format={_RS}%an{_US}%at",
            "--",
            prefix or ".",
        ],
        top_path,
        timeout,
    )
    if out is None:
        return [], f"git log failed or took longer than {timeout:g} s"
    commits: list[tuple[str, int, list[str]]] = []
    strip = prefix + "/" if prefix else ""
    for block in out.split(_RS)[1:]:
        head, _, body = block.partition("\n")
        author, _, ts = head.partition(_US)
        files = []
        for line in body.splitlines():
            line = line.strip()
            if line and line.startswith(strip):
                files.append(line[len(strip) :])
        commits.append((author.strip(), int(ts or 0), files))
    if not commits:
        return [], "no commits touch this folder"
    return commits, ""


def history(
    root: Path,
    graph: ProgramGraph,
    plan: Plan,
    max_commits: int = 500,
    timeout: float = 10.0,
    max_files: int = 30,
) -> dict[str, Any]:
    """Ownership and co-change coupling per module and per service.

    Args:
        root: the analyzed project folder.
        graph: the program graph (module paths).
        plan: the plan (services).
        max_commits: commits read at most (the newest).
        timeout: seconds allowed for ``git log``.
        max_files: commits touching more modules than this are ignored for co-change.

    Returns:
        ``{"available": False, "reason": str}`` without history, else ``{"available": True,
        "commits": n, "first": "YYYY-MM-DD", "last": "YYYY-MM-DD", "truncated": bool,
        "modules": {module: {"commits", "authors": {name: n}, "owner", "owner_share"}},
        "services": {service: {"commits", "authors", "owner", "owner_share", "co_change":
        {service: n}}}, "service_pairs": [{"a", "b", "commits", "share"}], "module_pairs":
        [{"a", "b", "commits", "services": [sa, sb]}]}`` (pairs across services, strongest first,
        at most 25). ``share`` is co-changing commits over commits touching either service.
    """
    import time

    commits, reason = read_log(root, max_commits, timeout)
    if not commits:
        return {"available": False, "reason": reason}
    by_path = {m.path: m.name for m in graph.modules if m.kind != "namespace"}
    of = plan.partition.as_dict()
    mod_commits: Counter[str] = Counter()
    mod_authors: dict[str, Counter[str]] = defaultdict(Counter)
    svc_commits: Counter[str] = Counter()
    svc_authors: dict[str, Counter[str]] = defaultdict(Counter)
    pair_mod: Counter[tuple[str, str]] = Counter()
    pair_svc: Counter[tuple[str, str]] = Counter()
    union_svc: Counter[tuple[str, str]] = Counter()
    services = sorted({s.name for s in plan.services})
    for author, _ts, files in commits:
        mods = sorted({by_path[f] for f in files if f in by_path})
        if not mods:
            continue
        svcs = sorted({of[m] for m in mods if m in of})
        for m in mods:
            mod_commits[m] += 1
            mod_authors[m][author] += 1
        for s in svcs:
            svc_commits[s] += 1
            svc_authors[s][author] += 1
        if len(mods) > max_files:
            continue
        for a, b in itertools.combinations(mods, 2):
            sa, sb = of.get(a), of.get(b)
            if sa and sb and sa != sb:
                pair_mod[(a, b)] += 1
        for a, b in itertools.combinations(svcs, 2):
            pair_svc[(a, b)] += 1
        touched = set(svcs)
        for a, b in itertools.combinations(services, 2):
            if a in touched or b in touched:
                union_svc[(a, b)] += 1

    def owner(c: Counter[str]) -> tuple[str, float]:
        if not c:
            return "", 0.0
        name, n = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return name, round(n / sum(c.values()), 3)

    modules: dict[str, Any] = {}
    for m in sorted(mod_commits):
        o, share = owner(mod_authors[m])
        modules[m] = {
            "commits": mod_commits[m],
            "authors": dict(sorted(mod_authors[m].items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            "owner": o,
            "owner_share": share,
        }
    svc_out: dict[str, Any] = {}
    for s in services:
        o, share = owner(svc_authors[s])
        co = {}
        for (a, b), n in pair_svc.items():
            if s in (a, b):
                co[b if a == s else a] = n
        svc_out[s] = {
            "commits": svc_commits[s],
            "authors": dict(sorted(svc_authors[s].items(), key=lambda kv: (-kv[1], kv[0]))[:5]),
            "owner": o,
            "owner_share": share,
            "co_change": dict(sorted(co.items())),
        }
    times = [t for _, t, _ in commits if t]
    return {
        "available": True,
        "commits": len(commits),
        "first": time.strftime("%Y-%m-%d", time.gmtime(min(times))) if times else "",
        "last": time.strftime("%Y-%m-%d", time.gmtime(max(times))) if times else "",
        "truncated": len(commits) >= max_commits,
        "max_commits": max_commits,
        "modules": modules,
        "services": svc_out,
        "service_pairs": [
            {
                "a": a,
                "b": b,
                "commits": n,
                "share": round(n / union_svc[(a, b)], 3) if union_svc[(a, b)] else 0.0,
            }
            for (a, b), n in sorted(pair_svc.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
        ],
        "module_pairs": [
            {"a": a, "b": b, "commits": n, "services": [of[a], of[b]]}
            for (a, b), n in sorted(pair_mod.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
        ],
    }
