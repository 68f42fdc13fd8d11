"""Start-up cost of `layerlint Dockerfile`: import time over bare Python, and whole-process time.

Usage: python benchmarks/startup.py [DOCKERFILE] [--runs N]

Prints the summed top-level import time (python -X importtime) of the lint path minus that of
a bare interpreter (median and best of N runs: on a shared machine the best run is the one
least disturbed by other load), and the median wall time of the whole process over N runs.
Every import made while linting counts, including the check modules the engine loads.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def import_us(code: str) -> int:
    """Sum of top-level cumulative import times in microseconds."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    total = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        if not name.startswith("  "):  # top level: exactly one space after '|'
            total += int(cumulative)
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dockerfile", nargs="?", default=str(REPO / "examples" / "Dockerfile"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    lint = f"import sys; sys.argv=['layerlint', {args.dockerfile!r}]; from layerlint.cli import main; main()"
    bare = [import_us("pass") for _ in range(args.runs)]
    full = [import_us(lint) for _ in range(args.runs)]
    print(f"imports, lint path over bare python: median {(statistics.median(full) - statistics.median(bare)) / 1000:.1f} ms, "
          f"best {(min(full) - min(bare)) / 1000:.1f} ms (bare {statistics.median(bare) / 1000:.1f} ms, {args.runs} runs)")
    walls = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "layerlint", args.dockerfile], capture_output=True)
        walls.append(time.perf_counter() - t)
    base = []
    for _ in range(args.runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True)
        base.append(time.perf_counter() - t)
    print(f"whole process `layerlint {Path(args.dockerfile).name}`: median {statistics.median(walls) * 1000:.1f} ms "
          f"(bare python {statistics.median(base) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
