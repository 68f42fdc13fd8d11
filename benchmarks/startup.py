"""Start-up cost of `layerlint Dockerfile`: import time over bare Python, and whole-process time.

Usage: python benchmarks/startup.py [DOCKERFILE] [--runs N]

Prints the summed top-level import time (python -X importtime) of the lint path minus that of
a bare interpreter run just before it (median and best of N such pairs: on a shared machine
the best pair is the one least disturbed by other load, timeit's convention), and the median
and best wall time of whole processes.  Bare Python's own import time is printed too: when
it swings, so does everything else.
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


def wall_s(argv: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dockerfile", nargs="?", default=str(REPO / "examples" / "Dockerfile"))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    lint = f"import sys; sys.argv=['layerlint', {args.dockerfile!r}]; from layerlint.cli import main; main()"
    bare, full = [], []
    for _ in range(args.runs):  # interleaved, so a burst of load touches both series alike
        bare.append(import_us("pass"))
        full.append(import_us(lint))
    over = sorted(f - b for f, b in zip(full, bare))  # each run paired with the bare run just before it
    print(f"imports, lint path over bare python: median {statistics.median(over) / 1000:.1f} ms, "
          f"best {over[0] / 1000:.1f} ms (bare python's own imports: median {statistics.median(bare) / 1000:.1f} ms, "
          f"best {min(bare) / 1000:.1f} ms; {args.runs} runs)")
    commands = {
        "bare python": [sys.executable, "-c", "pass"],
        f"layerlint {Path(args.dockerfile).name}": [sys.executable, "-m", "layerlint", args.dockerfile],
        f"layerlint --select ALL {Path(args.dockerfile).name}": [sys.executable, "-m", "layerlint", "--select", "ALL", args.dockerfile],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            walls[name].append(wall_s(argv))
    for name, times in walls.items():
        print(f"whole process `{name}`: median {statistics.median(times) * 1000:.1f} ms, best {min(times) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
