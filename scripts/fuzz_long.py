"""Run the fuzz tests in long mode and count the inputs they tried.

Usage: python scripts/fuzz_long.py [--examples 3000] [--rounds 1] [-- extra pytest args]

CI runs ``tests/test_fuzz.py`` with a small, derandomized budget (``LAYERLINT_FUZZ=ci``).
This runs the same properties with ``LAYERLINT_FUZZ=long``: ``--examples`` inputs per
property test, a fresh random seed per round, and failures saved in ``.hypothesis/`` so a
later run replays them first.  It prints the number of inputs that passed and failed per
test (from Hypothesis' statistics) and exits non-zero if any failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAT = re.compile(r"^(tests/\S+::\S+):$|(\d+) passing, (\d+) failing")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=3000, help="inputs per property test and round (default 3000)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat with new seeds (default 1)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest after --")
    args = parser.parse_args()
    env = {**os.environ, "LAYERLINT_FUZZ": "long", "LAYERLINT_FUZZ_EXAMPLES": str(args.examples)}
    totals: dict[str, list[int]] = {}
    code = 0
    start = time.monotonic()
    for n in range(args.rounds):
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--hypothesis-show-statistics",
               str(REPO / "tests" / "test_fuzz.py"), *args.pytest_args]  # fmt: skip
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        sys.stdout.write(proc.stdout[-4000:] if proc.returncode else "")
        code = code or proc.returncode
        test = "?"
        for line in proc.stdout.splitlines():
            m = STAT.search(line.strip())
            if m and m.group(1):
                test = m.group(1)
            elif m:
                counts = totals.setdefault(test, [0, 0])
                counts[0] += int(m.group(2))
                counts[1] += int(m.group(3))
        print(f"round {n + 1}/{args.rounds}: pytest exit {proc.returncode}", flush=True)
    for test, (passed, failed) in sorted(totals.items()):
        print(f"{passed:8d} passed {failed:4d} failed  {test}")
    passed = sum(c[0] for c in totals.values())
    failed = sum(c[1] for c in totals.values())
    print(f"total: {passed} inputs passed, {failed} failed, in {time.monotonic() - start:.0f} s")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
