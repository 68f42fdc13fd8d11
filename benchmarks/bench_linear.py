"""Does lint time grow linearly with input size?  Size-doubling measurements, in process.

Usage:
    python benchmarks/bench_linear.py                 # parser + whole engine on normal and hostile inputs
    python benchmarks/bench_linear.py --checks        # per check module on a growing realistic file
    python benchmarks/bench_linear.py --sizes 1,2,4,8 --runs 3

For each input family the text is built at sizes k, 2k, 4k, ... and the best-of-N time is
printed with the ratio to the previous size.  Linear code doubles (ratio ~2); a quadratic scan
shows ~4; a regex that backtracks explodes.  Hostile inputs are the shapes fuzzing found or
that classic regex traps need: one huge line, thousands of continuations, unbalanced quotes,
brackets and ``${``, heredocs that never end, CR-only line endings.

``--checks`` times every check module separately on ``gen_corpus.scaled(k)`` (multi-stage,
120 instructions per unit) and flags modules whose time grows faster than the file.  Not a
test: timings depend on the machine, so this prints figures and never fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from gen_corpus import scaled  # noqa: E402

# Each family: text for a size unit ``n`` (the unit is chosen so n=1 is a few KB).
FAMILIES: dict[str, Callable[[int], str]] = {
    "realistic multi-stage": lambda n: scaled(n),
    "one huge RUN line": lambda n: "FROM alpine\nRUN " + " && ".join(f"echo {i} 'q' \"x\" $V{i}" for i in range(400 * n)) + "\n",
    "10k-style continuations": lambda n: "FROM alpine\nRUN true \\\n" + "".join(f"  && echo {i} \\\n" for i in range(1000 * n)) + "  && true\n",
    "unbalanced quotes": lambda n: "FROM alpine\n" + "".join(f"RUN echo \"unterminated {i} 'x\n" for i in range(200 * n)),
    "unbalanced brackets": lambda n: "FROM alpine\n" + "".join(f'CMD ["a", "b{i}", [[[\n' for i in range(200 * n)),
    "open ${ expansions": lambda n: "FROM alpine\nARG A=1\n" + "".join(f"ENV X{i}=${{A:-${{A:-${{A\n" for i in range(200 * n)),
    "unterminated heredoc": lambda n: "FROM alpine\nRUN <<EOF\n" + "echo line\n" * (2000 * n),
    "many heredocs": lambda n: "FROM alpine\n" + "".join(f"RUN <<E{i} cat\nbody {i}\nE{i}\n" for i in range(200 * n)),
    "CR-only line endings": lambda n: "FROM alpine\r" + "".join(f"RUN echo {i}\r" for i in range(500 * n)),
    "long flag lists": lambda n: "FROM alpine\nRUN " + "".join(f"--mount=type=cache,target=/c{i} " for i in range(300 * n)) + "true\n",
    "backslash runs": lambda n: "FROM alpine\nRUN echo " + "\\" * (3000 * n) + "x\n",
    "deep $( nesting": lambda n: "FROM alpine\nRUN " + "$(echo " * (50 * n) + "x" + ")" * (50 * n) + "\n",
}


def best(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _lint(text: str) -> Callable[[], object]:
    from layerlint.engine import lint_source
    from layerlint.settings import Settings
    from layerlint.source import SourceFile

    return lambda: lint_source(SourceFile("Dockerfile", text), Settings(), context_dir=None)


def families(sizes: list[int], runs: int) -> None:
    from layerlint.parse import parse_text

    _lint("FROM alpine\nRUN true\n")()  # import every check module before timing
    print(f"{'input':26} {'size':>6} {'KiB':>7} {'parse ms':>9} {'x':>5} {'lint ms':>9} {'x':>5}")
    for name, make in FAMILIES.items():
        prev = None
        for k in sizes:
            text = make(k)
            p = best(lambda: parse_text(text), runs)
            t = best(_lint(text), runs)
            ratio = ("" if prev is None else f"{p / prev[0]:5.1f}", "" if prev is None else f"{t / prev[1]:5.1f}")
            print(f"{name:26} {k:>6} {len(text) / 1024:7.1f} {p * 1000:9.1f} {ratio[0]:>5} {t * 1000:9.1f} {ratio[1]:>5}")
            prev = (p, t)


def per_check(sizes: list[int], runs: int, long_stage: bool) -> None:
    """Time each check module on growing files; ratio per doubling ~2 is linear, ~4 quadratic."""
    from layerlint import catalog, engine

    metas = catalog.load()
    spent: dict[str, float] = defaultdict(float)
    original = engine._run

    def timed(ctx, rid, fn, path, *args):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return original(ctx, rid, fn, path, *args)
        finally:
            spent[metas[rid].module] += time.perf_counter() - t

    engine._run = timed
    _lint("FROM alpine\nRUN true\n")()
    table: dict[str, list[float]] = defaultdict(list)
    totals = []
    for k in sizes:
        text = scaled(k, long_stage=long_stage)
        rounds = []
        for _ in range(runs):
            spent.clear()
            t = time.perf_counter()
            _lint(text)()
            rounds.append((time.perf_counter() - t, dict(spent)))
        total, spent_best = min(rounds, key=lambda r: r[0])
        totals.append(total)
        for module in {m.module for m in metas.values()}:
            table[module].append(spent_best.get(module, 0.0))
    engine._run = original
    sizes_txt = " ".join(f"{'x' + str(k):>9}" for k in sizes)
    print(f"{'check module':22} {sizes_txt}   growth per doubling")
    for module, times in sorted(table.items(), key=lambda kv: -kv[1][-1]):
        growth = _growth(sizes, times)
        flag = "  <- faster than the file" if growth > 2.6 and times[-1] > 0.005 else ""
        print(f"{module:22} " + " ".join(f"{t * 1000:8.1f}ms" for t in times) + f"   {growth:4.1f}{flag}")
    print(f"{'whole lint':22} " + " ".join(f"{t * 1000:8.1f}ms" for t in totals) + f"   {_growth(sizes, totals):4.1f}")


def _growth(sizes: list[int], times: list[float]) -> float:
    """Geometric mean time ratio per doubling of the input between the first and last size."""
    import math

    if times[0] <= 0 or sizes[-1] == sizes[0]:
        return 0.0
    doublings = math.log2(sizes[-1] / sizes[0])
    return (times[-1] / times[0]) ** (1 / doublings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checks", action="store_true", help="per check module on a growing realistic file")
    parser.add_argument("--long-stage", action="store_true", help="with --checks: grow one stage, not the stage count")
    parser.add_argument("--sizes", default="1,2,4,8", help="size factors (default 1,2,4,8)")
    parser.add_argument("--runs", type=int, default=3, help="best of N (default 3)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.checks:
        per_check(sizes, args.runs, args.long_stage)
    else:
        families(sizes, args.runs)


if __name__ == "__main__":
    main()
