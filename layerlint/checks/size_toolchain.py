"""Compilers and build toolchains shipped in the final image (LL317).

To keep noise low the rule speaks only when all of these hold in the target stage (the
only stage of a single-stage file): a RUN installs a toolchain package and does not remove
it again in the same RUN (by name, or by the docker-library sweep ``apt-mark auto '.*'`` …
``apt-get purge --auto-remove``); some RUN of the stage builds something (make, go build, pip
install, ...), so the toolchain has a job at build time; and the image starts an
application (its CMD/ENTRYPOINT is not a shell), so it is not a development image.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.checks.size_common import PackageOp, package_changes
from layerlint.lazyre import lazy
from layerlint.ledger import run_scripts
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check

TOOLCHAIN = lazy(
    r"^(build-essential|build-base|gcc(-\d+)?|g\+\+(-\d+)?|gcc-c\+\+|gfortran(-\d+)?|clang(-\d+)?|llvm(-\d+)?"
    r"|golang(-go|-\d+(\.\d+)?(-go)?)?|go|rustc|rust|cargo|rust-all"
    r"|openjdk-?\d+(-jdk)?(-headless)?|default-jdk(-headless)?|java-[\d.]+-openjdk-devel|maven|gradle"
    r"|@development-tools|development tools)$",
    re.IGNORECASE,
)
_COMPILERS = frozenset({"make", "cmake", "ninja", "gcc", "g++", "cc", "c++", "clang", "clang++", "configure", "javac",
                        "rustc", "meson", "autoreconf"})  # fmt: skip
# Package-manager actions that compile (pip builds wheels, npm runs node-gyp, bundler builds native gems).
_BUILDING_OPS = frozenset({("pip", "install"), ("pip", "build"), ("npm", "install"), ("npm", "ci"), ("yarn", "install"),
                           ("pnpm", "install"), ("bundle", "install"), ("gem", "install"), ("go", "build"),
                           ("go", "install"), ("cargo", "build"), ("cargo", "install"), ("mvn", "build"),
                           ("gradle", "build"), ("pecl", "install"), ("docker-php-ext-install", "install")})  # fmt: skip
_SHELLS = {"sh", "bash", "ash", "dash", "zsh", "ksh"}


@check("LL317", instructions=("RUN",))
def build_toolchain_in_final_image(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    stage = ctx.stage_of(ins)
    if ins.keyword != "RUN" or stage is None or stage is not ctx.build.target_stage:
        return
    installs = _kept_toolchain(ctx, ins)
    if not installs or not _builds(ctx, stage.instructions) or not _runs_application(ctx, stage):
        return
    for op, names in installs:
        yield ctx.hit(
            op.command.span,
            f"{', '.join(names)} {'is a build tool' if len(names) == 1 else 'are build tools'} shipped in the final image"
            " although only their output runs: build in a separate stage and COPY --from it only the result"
            " (or remove them in the same RUN)",
            None,
            ins,
        )


def _swept(ctx: RuleContext, ins: Instruction, op: PackageOp) -> frozenset[str] | None:
    """Names an apt install keeps through a later ``apt-mark auto '.*'`` sweep; None if none sweeps it."""
    from layerlint.pkgfacts import apt_sweeps

    if op.family != "apt":
        return None
    for script in run_scripts(ctx, ins):
        if any(c is op.command for c in script.commands):
            for sweep in apt_sweeps(script):
                if sweep.removes(op.command):
                    return sweep.kept
    return None


def _kept_toolchain(ctx: RuleContext, ins: Instruction) -> list[tuple[PackageOp, list[str]]]:
    """Toolchain packages this RUN installs and does not remove again (by name, or by an apt-mark sweep)."""
    ops = package_changes(ctx, ins)
    out = []
    for k, op in enumerate(ops):
        if op.action != "install":
            continue
        removed = {n for later in ops[k + 1 :] if later.action == "remove" and later.family == op.family for n in later.names}
        if op.virtual is not None and op.virtual in removed:
            continue
        kept = _swept(ctx, ins, op)
        if kept is not None:
            removed |= set(op.names) - kept
        names = [n for n in op.names if TOOLCHAIN.match(n) and n not in removed and n != op.virtual]
        if names:
            out.append((op, names))
    return out


def _builds(ctx: RuleContext, instructions: list[Instruction]) -> bool:
    """Whether some RUN compiles: a compiler or build tool, or a package manager that builds."""
    from layerlint.pkgfacts import package_ops

    for other in instructions:
        if other.keyword != "RUN":
            continue
        for script in run_scripts(ctx, other):
            if any(cmd.name in _COMPILERS for cmd in script.commands):
                return True
            if any((op.manager, op.action) in _BUILDING_OPS for op in package_ops(script)):
                return True
    return False


def _runs_application(ctx: RuleContext, stage) -> bool:  # type: ignore[no-untyped-def]
    """The image's CMD/ENTRYPOINT (last in the stage lineage) starts a program that is not a shell."""
    from layerlint.build import lineage

    start = None
    for s in lineage(ctx.build, stage):
        for i in s.instructions:
            if i.keyword in ("CMD", "ENTRYPOINT") and i.args:
                start = i
    if start is None:
        return False
    first = start.args[0].value.split()[0] if start.args[0].value.split() else ""
    program = first.rsplit("/", 1)[-1]
    if start.exec_form and program in _SHELLS and len(start.args) > 2:
        return True  # ["sh", "-c", "exec app"]
    return program not in _SHELLS and program != ""
