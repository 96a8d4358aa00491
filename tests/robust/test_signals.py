"""Signals and an unwritable cache, with real subprocesses (docs/reliability.md, ## Signals).

A run killed while its parse workers are busy must not leave the workers behind, nor keep a caller
that reads its output waiting: SIGTERM unwinds like Ctrl-C (exit 143), and after a SIGKILL of
the parent the workers notice on their own (``PR_SET_PDEATHSIG`` on Linux, else a thread that
watches ``os.getppid()``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not Path("/proc/self/task").is_dir(),
    reason="finds worker processes through /proc (Linux)",
)

N_PACKAGES = 50  # x 40 modules = 2,000 modules: parsing takes seconds with -j 2
N_MODULES = 40
N_FUNCS = 25


@pytest.fixture(scope="module")
def big_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 small modules in 50 packages that import each other in rings."""
    root = tmp_path_factory.mktemp("big")
    for d in range(N_PACKAGES):
        pkg = root / "app" / f"d{d}"
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        for i in range(N_MODULES):
            nxt = (i + 1) % N_MODULES
            lines = [
                f"from app.d{d} import m{nxt}",
                f"from app.d{(d + 1) % N_PACKAGES} import m{i}",
                "",
            ]
            for k in range(N_FUNCS):
                lines += [
                    f"def f{k}(x):",
                    f"    if x > {k}:",
                    f"        return m{nxt}.f{k}(x - 1) + {k}",
                    "    return x",
                    "",
                ]
            (pkg / f"m{i}.py").write_text("\n".join(lines))
    (root / "app" / "__init__.py").write_text("")
    return root


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads')."""
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for t in tasks:
        try:
            kids += [int(x) for x in Path(f"/proc/{pid}/task/{t}/children").read_text().split()]
        except OSError:
            pass
    return kids


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def started() -> Iterator[list[int]]:
    """The process ids a test started: whatever still runs at the end is killed, so a failing
    test does not leak workers into the rest of the suite."""
    pids: list[int] = []
    yield pids
    for p in pids:
        if alive(p):
            os.kill(p, signal.SIGKILL)


def start(
    cmd: list[str], cwd: Path, started: list[int]
) -> tuple[subprocess.Popen[bytes], list[int]]:
    """Start ``cmd`` with its output piped, and wait (up to 60 s) until it has 2 workers."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    started.append(proc.pid)
    deadline = time.monotonic() + 60
    kids: list[int] = []
    while time.monotonic() < deadline and proc.poll() is None:
        kids = children(proc.pid)
        started.extend(k for k in kids if k not in started)
        if len(kids) >= 2:
            break
        time.sleep(0.01)
    if len(kids) < 2:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"no parse workers appeared (rc {proc.returncode}): {err.decode()[-500:]}")
    return proc, kids


def wait_gone(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if alive(p)]
        if not left:
            return []
        time.sleep(0.05)
    return [p for p in pids if alive(p)]


def analyze_cmd(project: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "decompose", "analyze", str(project), "-j", "2", "--no-cache",
            "--no-history", "--out", str(out)]  # fmt: skip


def test_sigterm_stops_workers_and_exits_143(
    big_project: Path, tmp_path: Path, started: list[int]
) -> None:
    out = tmp_path / "out"
    proc, kids = start(analyze_cmd(big_project, out), tmp_path, started)
    # The workers do not hold the caller's pipes: once started, their stdio is /dev/null.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        links = {os.readlink(f"/proc/{k}/fd/{fd}") for k in kids for fd in (1, 2)}
        if links == {os.devnull}:
            break
        time.sleep(0.01)
    assert links == {os.devnull}
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 5
    assert proc.returncode == 143, err.decode()
    assert "decompose: terminated" in err.decode()
    assert "Traceback" not in err.decode()
    assert wait_gone(kids, 5) == []
    assert not (out / "report.md").exists()  # no partial outputs


def test_sigkill_of_the_parent_ends_the_workers(
    big_project: Path, tmp_path: Path, started: list[int]
) -> None:
    proc, kids = start(analyze_cmd(big_project, tmp_path / "out"), tmp_path, started)
    proc.kill()
    proc.communicate(timeout=10)  # a caller reading the output to EOF does not hang
    assert proc.returncode == -signal.SIGKILL
    assert wait_gone(kids, 5) == []


def test_sigkill_without_pdeathsig_the_watch_thread_ends_the_workers(
    big_project: Path, tmp_path: Path, started: list[int]
) -> None:
    """The portable fallback alone: the workers believe they are not on Linux (no prctl)."""
    code = (
        "import sys, types\n"
        "import decompose.pipeline as p\n"
        "p.sys = types.SimpleNamespace(platform='elsewhere')\n"
        "from decompose.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    cmd = [sys.executable, "-c", code, *analyze_cmd(big_project, tmp_path / "out")[3:]]
    proc, kids = start(cmd, tmp_path, started)
    proc.kill()
    proc.communicate(timeout=10)
    assert wait_gone(kids, 5) == []


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "decompose", *args],
        cwd=cwd,
        text=True,
        capture_output=True,
        timeout=120,
    )


SMALL = {
    "app/__init__.py": "",
    "app/a.py": "from app import b\n\ndef f():\n    return b.g()\n",
    "app/b.py": "def g():\n    return 1\n",
}
WARNING = "is not writable: running without a cache"


def check_warns_once(root: Path, cache: Path, tmp_path: Path) -> None:
    r = run(["analyze", str(root), "--cache-dir", str(cache), "--out", str(tmp_path / "o")], root)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count(WARNING) == 1, r.stderr
    assert f"cache folder {cache} " in r.stderr
    assert (tmp_path / "o" / "report.md").is_file()
    q = run(["analyze", str(root), "--cache-dir", str(cache), "--out", str(tmp_path / "q"), "-q"],
            root)  # fmt: skip
    assert q.returncode == 0 and WARNING not in q.stderr, q.stderr


def test_cache_path_through_a_file_warns_and_runs(make_project: Any, tmp_path: Path) -> None:
    root = make_project(SMALL)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    check_warns_once(root, blocker / "cache", tmp_path)


def test_read_only_cache_folder_warns_and_runs(make_project: Any, tmp_path: Path) -> None:
    """chmod does not bind root: as root the folder is made immutable (chattr +i) instead."""
    root = make_project(SMALL)
    cache = tmp_path / "ro-cache"
    cache.mkdir()
    if os.geteuid() != 0:
        cache.chmod(0o555)
        try:
            check_warns_once(root, cache, tmp_path)
        finally:
            cache.chmod(0o755)
        return
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(cache)]).returncode != 0:
        pytest.skip("running as root without chattr +i: a read-only folder cannot be made")
    try:
        check_warns_once(root, cache, tmp_path)
        assert list(cache.iterdir()) == []
    finally:
        subprocess.run([chattr, "-i", str(cache)], check=True)
