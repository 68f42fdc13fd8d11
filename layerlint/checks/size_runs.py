"""Consecutive single-command RUN instructions that could be one layer (LL316)."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.size_common import commands, line, matters
from layerlint.fixes import join_runs
from layerlint.ledger import run_scripts
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


# Package managers by ecosystem: steps of two different ecosystems are different concerns.
_ECOSYSTEMS = {
    "apt-get": "apt", "apt": "apt", "aptitude": "apt", "dpkg": "apt", "apk": "apk", "yum": "rpm", "dnf": "rpm",
    "microdnf": "rpm", "zypper": "rpm", "rpm": "rpm", "pacman": "pacman", "pip": "python", "uv": "python",
    "poetry": "python", "pipenv": "python", "pipx": "python", "conda": "conda", "mamba": "conda",
    "micromamba": "conda", "npm": "node", "yarn": "node", "pnpm": "node", "gem": "ruby", "bundle": "ruby",
    "composer": "php", "pecl": "php", "docker-php-ext-install": "php", "go": "go", "cargo": "rust",
    "mvn": "java", "gradle": "java",
}  # fmt: skip


def _ecosystem(ctx: RuleContext, ins: Instruction) -> str | None:
    """The package ecosystem a RUN's package-manager commands belong to; None for none or several."""
    from layerlint.pkgfacts import package_ops

    found = {_ECOSYSTEMS.get(op.manager, op.manager) for script in run_scripts(ctx, ins) for op in package_ops(script)}
    return found.pop() if len(found) == 1 else None


def _unrelated(ctx: RuleContext, first: Instruction, second: Instruction) -> bool:
    """Whether two RUNs manage packages of different ecosystems (``apt-get install`` then ``pip install``).

    Those change for different reasons, so separate layers let each be cached on its own.
    Commands of unknown purpose (``/foo.sh``, ``useradd``) are never called unrelated.
    """
    a, b = _ecosystem(ctx, first), _ecosystem(ctx, second)
    return a is not None and b is not None and a != b


@check("LL316")
def consecutive_run_instructions(ctx: RuleContext) -> Iterator[Hit]:
    """Two RUNs in a row (comments aside) with the same flags, each running one command.

    A RUN that chains commands shows the author already decided where layers end, so it
    breaks the run of candidates; so does any other instruction, a different ``--mount``
    or ``--network`` flag, and a stage whose layers never reach the image.  Two package
    steps of different ecosystems are separate concerns and are not reported.
    """
    prev: tuple[Instruction, tuple[str, ...], int] | None = None
    for ins in ctx.dockerfile.instructions:
        if ins.keyword != "RUN" or not matters(ctx, ins):
            prev = None
            continue
        flags = tuple(f.text for f in ins.flags)
        count = len(commands(ctx, ins))
        if prev is not None and prev[1] == flags and prev[2] <= 1 and count <= 1 and not _unrelated(ctx, prev[0], ins):
            yield ctx.hit(
                ins.span,
                f"this RUN and the one at line {line(ctx, prev[0])} each run one command: every RUN adds a layer;"
                " join them with && into one RUN",
                join_runs(ctx, prev[0], ins, "Join this RUN to the one before it"),
                ins,
            )
        prev = (ins, flags, count)
