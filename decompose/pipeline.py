"""The pipeline: discover -> parse (cached, parallel) -> graph -> propose -> plan.

Library code: raises :class:`~decompose.errors.DecomposeError` subclasses, never prints or
exits. Progress is reported through an optional callback so the CLI can draw a bar.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from decompose.cache import FactCache, cache_key, default_cache_dir, pickle_facts
from decompose.config import AnalyzeSettings, Config
from decompose.discover import Project, discover
from decompose.graph import ProgramGraph, build_graph
from decompose.model import FileFacts, Partition, Plan, SourceFile
from decompose.parse import parse_file

Progress = Callable[[str, int, int], None]
_PARALLEL_MIN = 64  # below this many files to parse, a process pool costs more than it saves


@dataclass(slots=True)
class Timings:
    """Wall-clock seconds per stage."""

    discover: float = 0.0
    parse: float = 0.0
    graph: float = 0.0
    partition: float = 0.0
    plan: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {
            k: round(getattr(self, k), 4)
            for k in ("discover", "parse", "graph", "partition", "plan")
        }


@dataclass(slots=True)
class FactsResult:
    """Facts for a project, with cache statistics."""

    project: Project
    facts: list[FileFacts]
    cache_hits: int = 0
    cache_misses: int = 0
    cache_repaired: int = 0


@dataclass(slots=True)
class Analysis:
    """Everything ``analyze`` computed."""

    project: Project
    graph: ProgramGraph
    partition: Partition
    plan: Plan
    config: Config
    timings: Timings = field(default_factory=Timings)
    cache_hits: int = 0
    cache_misses: int = 0

    @property
    def skipped(self) -> list[str]:
        """Paths of files that could not be parsed or decoded (facts partly recovered)."""
        return [
            m.path for m in self.graph.modules if m.status not in ("ok",) and m.kind != "namespace"
        ]


_Task = tuple[SourceFile, SourceFile | None, str, str]  # file, stub, cache key, sha256 of bytes


def _parse_and_store(root: Path, cache: FactCache, task: _Task) -> FileFacts:
    """Parse one file and cache its facts, unless the file changed since its bytes were hashed
    (the facts would then not match the key: they are used for this run but not stored)."""
    sf, stub, key, sha = task
    facts = parse_file(sf, root, stub)
    if facts.sha256 == sha:
        cache.put(key, facts)
    return facts


def _worker_init(parent: int) -> None:
    """Initializer of every parse worker: the worker must never outlive the run.

    * SIGTERM gets its default action back (a forked worker inherits the CLI's handler) and
      SIGINT is ignored: the parent alone handles both and then terminates the pool.
    * On Linux, ``prctl(PR_SET_PDEATHSIG, SIGTERM)``: the kernel sends SIGTERM when the parent
      dies, even by SIGKILL. Failures (another OS, a sandbox) are ignored.
    * Everywhere, a daemon thread compares :func:`os.getppid` with ``parent`` every second and
      ends the worker with :func:`os._exit` once the parent is gone (the worker is re-parented).
    * stdin, stdout and stderr are pointed at ``/dev/null``: a forked worker would otherwise keep
      the caller's pipes open, and a caller reading them to EOF would wait for the worker.
      Workers print nothing; their exceptions travel back to the parent through the pool.

    Args:
        parent: the process id of the process that created the pool.
    """
    import signal
    import threading

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass
    if os.getppid() != parent:  # the parent died before the watch was set up
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="decompose-parent-watch", daemon=True).start()


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and terminate the workers now (a run that is interrupted or
    terminated must not wait for the chunks in flight, nor leave workers behind)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.terminate()
        except (OSError, ValueError):
            pass
    for p in procs:
        try:
            p.join(timeout=2.0)
            if p.is_alive():
                p.kill()
        except (OSError, ValueError, AssertionError):
            pass


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection in the block, and the objects alive at its start (the facts,
    then the graph: they live to the end of the run) left out of the collections after it
    (:func:`gc.freeze`) until it ends. The stages allocate millions of objects, nearly all of
    them acyclic and long-lived, and the collector rescanned them again and again: 6.3 s of a
    cold transformers run went to it (2.0 s after; peak RSS unchanged, 0.83 GB)."""
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _parse_chunk(args: tuple[str, FactCache, list[_Task]]) -> list[bytes]:
    """Worker entry point: parse and cache a chunk (the worker writes its own cache entries, so
    pickling for the cache happens in parallel too). Returns each file's facts pickled once
    (:func:`decompose.cache.pickle_facts`), the same bytes as its cache entry: the pool's default
    pickling of the dataclasses cost twice as much in the worker and in the parent."""
    root, cache, tasks = args
    r = Path(root)
    out = []
    for sf, stub, key, sha in tasks:
        facts = parse_file(sf, r, stub)
        payload = pickle_facts(facts)
        if facts.sha256 == sha:
            cache.put_pickled(key, payload)
        out.append(payload)
    return out


def collect_facts(
    project: Project,
    cache: FactCache,
    jobs: int = 0,
    progress: Progress | None = None,
) -> FactsResult:
    """Parse every file of ``project``, reusing cached facts.

    Every file's bytes are read and hashed here (SHA-256, see :func:`decompose.cache.cache_key`);
    cache misses are parsed in a pool of ``jobs`` processes (in this process when there are fewer
    than 64 of them, or ``jobs == 1``), each worker storing its own entries. The result does not
    depend on ``jobs``, on the order of ``project.files`` or on ``PYTHONHASHSEED``. If the pool
    breaks (a worker killed), the remaining files are parsed in this process.

    Args:
        project: from :func:`decompose.discover.discover`.
        cache: the fact cache (possibly disabled).
        jobs: worker processes for cache misses; 0 = all cores; 1 = in this process.
        progress: ``callback(stage, done, total)``.

    Returns:
        FactsResult with facts sorted by module name. Never raises for a bad file: a file that
        cannot be read, decoded or parsed yields facts with a located diagnostic.
    """
    import hashlib

    stubs = {s.module: s for s in project.stubs}
    facts: dict[str, FileFacts] = {}
    todo: list[_Task] = []
    for sf in project.files:
        stub = stubs.get(sf.module)
        try:
            data = (project.root / sf.relpath).read_bytes()
            stub_data = (project.root / stub.relpath).read_bytes() if stub else None
        except OSError:
            facts[sf.module] = parse_file(sf, project.root, stub)  # becomes a read_error
            continue
        key = cache_key(sf, data, stub_data)
        hit = cache.get(key)
        if hit is not None and hit.source == sf:
            facts[sf.module] = hit
        else:
            todo.append((sf, stub, key, hashlib.sha256(data).hexdigest()))
    total = len(project.files)
    done = total - len(todo)
    if progress:
        progress("parse", done, total)
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    if workers > 1 and len(todo) >= _PARALLEL_MIN:
        from concurrent.futures.process import BrokenProcessPool

        # Biggest files first, dealt round-robin: chunks of similar cost, no straggler at the end.
        todo.sort(key=lambda t: (-t[0].size, t[0].module))
        n_chunks = min(len(todo), workers * 8)
        chunks = [todo[i::n_chunks] for i in range(n_chunks)]
        try:
            with ProcessPoolExecutor(
                max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),)
            ) as pool:
                try:
                    args = [(str(project.root), cache, ch) for ch in chunks]
                    results = pool.map(_parse_chunk, args)  # submits all (starts the workers)
                    # Unpickling builds millions of acyclic objects: no collections meanwhile.
                    gc_was_enabled = gc.isenabled()
                    gc.disable()
                    try:
                        for ch, res in zip(chunks, results, strict=True):
                            for (sf, _, _, _), f in zip(ch, res, strict=True):
                                facts[sf.module] = pickle.loads(f)
                            done += len(ch)
                            if progress:
                                progress("parse", done, total)
                    finally:
                        if gc_was_enabled:
                            gc.enable()
                except BrokenProcessPool:
                    raise  # the pool has already stopped its workers
                except BaseException:  # Ctrl-C, the CLI's SIGTERM exit, a worker's error
                    _stop_pool(pool)  # before the `with` waits for the chunks in flight
                    raise
        except BrokenProcessPool:
            todo = [t for t in todo if t[0].module not in facts]
        else:
            todo = []
    for task in todo:
        facts[task[0].module] = _parse_and_store(project.root, cache, task)
        done += 1
        if progress and (done % 25 == 0 or done == total):
            progress("parse", done, total)
    if cache.misses:
        cache.sweep()
    ordered = [facts[m] for m in sorted(facts)]
    return FactsResult(project, ordered, cache.hits, cache.misses, cache.repaired)


def make_cache(config: Config, cache_dir: Path | None, no_cache: bool) -> FactCache:
    """The fact cache for a run: ``cache_dir`` (CLI) over ``config.cache_dir`` over the
    default location."""
    folder = cache_dir or (Path(config.cache_dir).expanduser() if config.cache_dir else None)
    return FactCache(folder or default_cache_dir(), enabled=not no_cache)


def load_graph(
    path: Path,
    config: Config,
    cache: FactCache,
    jobs: int = 0,
    progress: Progress | None = None,
    timings: Timings | None = None,
    project: Project | None = None,
) -> tuple[Project, ProgramGraph, FactsResult]:
    """Discover, parse and build the program graph of ``path`` (``project``: reuse a discovery
    already made for this path and config).

    Raises:
        UsageError: bad path or roots. NoSourcesError: no Python file.
    """
    t = timings or Timings()
    t0 = time.perf_counter()
    if project is None:
        project = discover(
            path, config.roots, config.exclude, config.include_notebooks, config.respect_gitignore
        )
    t.discover = time.perf_counter() - t0
    t0 = time.perf_counter()
    fr = collect_facts(project, cache, jobs or config.jobs, progress)
    t.parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    with _gc_paused():
        graph = build_graph(
            fr.facts,
            project.first_party,
            project.alias_roots,
            project.aliases,
            project.diagnostics,
            project.entry_points,
        )
    t.graph = time.perf_counter() - t0
    return project, graph, fr


def analyze(
    path: Path,
    config: Config,
    settings: AnalyzeSettings | None = None,
    cache: FactCache | None = None,
    jobs: int = 0,
    progress: Progress | None = None,
    moves: Sequence[tuple[str, str]] = (),
    history: bool = True,
    project: Project | None = None,
) -> Analysis:
    """Run the whole analysis of the project at ``path``.

    Args:
        path: project folder.
        config: loaded configuration.
        settings: overrides ``config.analyze`` (CLI flags).
        cache: fact cache (default: the configured one).
        jobs: parse workers (0 = all cores).
        progress: ``callback(stage, done, total)``.
        moves: what-if ``(module pattern, service)`` moves applied to the proposal; the plan
            compares itself with the unmoved one in ``extras["decision"]["what_if"]``.
        history: read ``git log`` for ownership and co-change (when ``path`` is in a repository).

    Returns:
        An :class:`Analysis`. ``plan.extras`` holds ``roles``, ``footprints``,
        ``data_coupling``, ``history`` and ``decision`` (see decompose.decision).

    Raises:
        DecomposeError subclasses for anything that prevents the run.
    """
    from decompose.boundary import build_plan
    from decompose.partition import propose

    settings = settings or config.analyze
    cache = cache or make_cache(config, None, False)
    timings = Timings()
    project, graph, fr = load_graph(path, config, cache, jobs, progress, timings, project)
    with _gc_paused():
        t0 = time.perf_counter()
        if progress:
            progress("partition", 0, 1)
        partition, info = propose(graph, settings)
        timings.partition = time.perf_counter() - t0
        t0 = time.perf_counter()
        from decompose.decision import evaluate, what_if

        if moves:
            plan, extra = what_if(project.root, graph, partition, settings, info, moves, history)
            partition = plan.partition
        else:
            plan = build_plan(graph, partition, settings, info)
            extra = evaluate(project.root, graph, plan, history)
        plan = replace(plan, extras={**plan.extras, **extra})
        timings.plan = time.perf_counter() - t0
    used = replace(config, analyze=settings)  # the settings this run actually used
    return Analysis(project, graph, partition, plan, used, timings, fr.cache_hits, fr.cache_misses)


def with_overrides(settings: AnalyzeSettings, **kw: object) -> AnalyzeSettings:
    """A copy of ``settings`` with the non-None keyword values replaced."""
    changes = {k: v for k, v in kw.items() if v is not None}
    return replace(settings, **changes)  # type: ignore[arg-type]


def modules_for_files(graph: ProgramGraph, files: Sequence[str]) -> list[str]:
    """Module names of the given POSIX relative paths (unknown paths are ignored)."""
    by_path = {m.path: m.name for m in graph.modules}
    return sorted({by_path[f] for f in files if f in by_path})
