"""Package-manager hygiene compatible with hadolint: yum, dnf and zypper prompts and pins,
``zypper dist-upgrade``, unpinned Go modules, and wget's progress output.

The walk over RUN scripts, variable expansion and the one-finding-per-RUN report come from
``compat_pinning``, so these rules read package lists held in ARG/ENV the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from layerlint.checks.compat_facts import run_commands
from layerlint.checks.compat_pinning import Found, _check_packages, _ops, _report, _unpinned, package_values
from layerlint.model import Instruction
from layerlint.pkgfacts import PackageOp
from layerlint.rule import Edit, Fix, Hit, RuleContext, check
from layerlint.shell import Script, ShellWord
from layerlint.source import Span

_PROMPTING = frozenset({"install", "upgrade", "remove", "autoremove", "purge"})

# --------------------------------------------------------------------------- confirmation prompts


def _piped_yes(script: Script, op: PackageOp) -> bool:
    k = script.commands.index(op.command)
    return op.command.connector in ("|", "|&") and k > 0 and script.commands[k - 1].name == "yes"


def _rpm_answers_yes(script: Script, op: PackageOp) -> bool:
    opts = op.options
    if opts.has("-y", "--assumeyes", "--assume-yes"):
        return True
    if any(re.fullmatch(r"assumeyes=(?:1|true|yes|on)", v, re.I) for v in opts.values("--setopt")):
        return True
    return _piped_yes(script, op)


def _zypper_answers_yes(script: Script, op: PackageOp) -> bool:
    return op.options.has("-n", "--non-interactive", "-y", "--no-confirm") or _piped_yes(script, op)


def _prompts(
    ctx: RuleContext, ins: Instruction, managers: Iterable[str], answers: Callable[[Script, PackageOp], bool], flag: str
) -> Iterator[Hit]:
    for script, op in _ops(ctx, ins, managers, _VERBS):
        if op.action not in _PROMPTING or answers(script, op):
            continue
        assert op.verb is not None
        span = Span(op.command.words[0].span.start, op.verb.span.end)
        fix = Fix(f"add {flag}", (Edit(Span(op.verb.span.end, op.verb.span.end), f" {flag}"),))
        yield ctx.hit(
            span,
            f"`{op.command.name} {op.verb.unquoted}` asks for confirmation: without {flag} the build has nobody to answer and fails",
            fix,
            ins,
        )


# Verbs that may prompt, in every spelling pkgfacts knows (the action filters the rest).
_VERBS = (
    "install", "localinstall", "reinstall", "groupinstall", "builddep", "update", "upgrade", "update-minimal",
    "upgrade-minimal", "distro-sync", "remove", "erase", "groupremove", "autoremove",
    "in", "source-install", "si", "rm", "up", "dist-upgrade", "dup", "patch",
)  # fmt: skip


@check("LL430", instructions=("RUN",))
def yum_without_assume_yes(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _prompts(ctx, ins, ("yum",), _rpm_answers_yes, "-y")


@check("LL431", instructions=("RUN",))
def dnf_without_assume_yes(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _prompts(ctx, ins, ("dnf", "microdnf"), _rpm_answers_yes, "-y")


@check("LL432", instructions=("RUN",))
def zypper_without_non_interactive(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _prompts(ctx, ins, ("zypper",), _zypper_answers_yes, "-y")


@check("LL433", instructions=("RUN",))
def zypper_dist_upgrade(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for _, op in _ops(ctx, ins, ("zypper",), ("dist-upgrade", "dup")):
        assert op.verb is not None
        yield ctx.hit(
            Span(op.command.words[0].span.start, op.verb.span.end),
            f"`zypper {op.verb.unquoted}` upgrades the whole distribution, possibly to a new release: each rebuild "
            "gets a different system; use a newer base image and install named packages",
            None,
            ins,
        )


# --------------------------------------------------------------------------- versions


def _before_verb(op: PackageOp) -> list[str]:
    assert op.verb is not None
    return [w.unquoted for w in op.command.positional() if w.span.start < op.verb.span.start]


def _rpm_packages(op: PackageOp) -> list[ShellWord]:
    """Packages that can carry a version: groups (`group install`, `@group`) cannot."""
    assert op.verb is not None
    if op.verb.unquoted == "groupinstall" or any(w in ("group", "groups") for w in _before_verb(op)):
        return []
    return [w for w in op.packages if not w.unquoted.startswith("@")]


def _rpm_pinned(op: PackageOp) -> Callable[[str], bool]:
    module = "module" in _before_verb(op)

    def pinned(spec: str) -> bool:
        if module:
            return ":" in spec
        return bool(re.search(r"-\d", spec)) or spec.endswith(".rpm") or spec.startswith(("/", "./")) or "://" in spec

    return pinned


def _rpm_unpinned(ctx: RuleContext, ins: Instruction, managers: tuple[str, ...]) -> Iterator[Hit]:
    found: list[Found] = []
    for script, op in _ops(ctx, ins, managers, ("install", "localinstall", "reinstall", "groupinstall")):
        found.extend(_unpinned(ctx, ins, script, op, _rpm_packages(op), _rpm_pinned(op)))
    yield from _report(ctx, ins, found, "use `name-version`, or `module:stream`")


@check("LL434", instructions=("RUN",))
def yum_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _rpm_unpinned(ctx, ins, ("yum",))


@check("LL435", instructions=("RUN",))
def dnf_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from _rpm_unpinned(ctx, ins, ("dnf", "microdnf"))


def _zypper_pinned(spec: str) -> bool:
    return any(c in spec for c in "=<>") or spec.endswith(".rpm")


def _zypper_packages(op: PackageOp) -> list[ShellWord]:
    kind = op.options.value("-t", "--type")
    return list(op.packages) if kind in (None, "package") else []


@check("LL436", instructions=("RUN",))
def zypper_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ops = _ops(ctx, ins, ("zypper",), ("install", "in"))
    yield from _check_packages(ctx, ins, ops, _zypper_pinned, "use `name=version` or `name>=version`", _zypper_packages)


# --------------------------------------------------------------------------- go install / get / run

_MOVING = frozenset({"latest", "upgrade", "patch", "master", "main", "HEAD"})


def _go_pinned(spec: str) -> bool:
    if spec.startswith((".", "/")) or spec in ("std", "all", "cmd"):
        return True
    version = spec.rpartition("@")[2] if "@" in spec else ""
    return bool(version) and version not in _MOVING


@check("LL437", instructions=("RUN",))
def go_module_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    found: list[Found] = []
    for script, cmd in run_commands(ctx, ins):
        if cmd.tool != "go":
            continue
        positional = cmd.positional()
        if not positional or positional[0].unquoted not in ("install", "get", "run"):
            continue
        sub = positional[0].unquoted
        words = positional[1:2] if sub == "run" else positional[1:]
        for word in words:
            values, note = package_values(ctx, ins, script, cmd, word)
            for value in values or ():
                if value and not value.endswith(".go") and not _go_pinned(value):
                    found.append((word, value, note))
    if found:
        names = ", ".join(dict.fromkeys(f"`{v}`" for _, v, _ in found))
        notes = "".join(f"; {n}" for n in dict.fromkeys(n for _, _, n in found if n))
        yield ctx.hit(
            found[0][0].span,
            f"{names} has no fixed version: Go fetches whatever is newest when the image is built; add `@vX.Y.Z`"
            + notes,
            None,
            ins,
        )


# --------------------------------------------------------------------------- wget output

_QUIET_WGET = frozenset({"-q", "--quiet", "-nv", "--no-verbose", "-o", "--output-file", "-a", "--append-output", "--progress"})


@check("LL438", instructions=("RUN",))
def wget_progress_in_build_log(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for _, cmd in run_commands(ctx, ins):
        if cmd.tool != "wget":
            continue
        names = {o.name for o in cmd.options().options} | {w.unquoted.partition("=")[0] for w in cmd.args}
        if names & _QUIET_WGET:
            continue
        if any(r.op in ("&>", "&>>") or (r.fd == 2 and r.op in (">", ">>")) for r in cmd.redirects):
            continue
        yield ctx.hit(
            cmd.words[0].span,
            "wget writes a progress line every few kilobytes when the build log is not a terminal, burying the "
            "output that matters: add `--progress=dot:giga`, `-nv` or `-q` (BusyBox wget knows only `-q`)",
            None,
            ins,
        )
