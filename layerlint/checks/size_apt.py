"""apt: package lists (LL301) and, once docker-clean is gone, downloaded packages (LL320) left in the
layer; Recommends installed (LL302)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.checks.size_common import (
    cache_hits,
    commands,
    earlier_copies_into,
    earlier_run_matches,
    line,
    matters,
    subcommand_word,
)
from layerlint.fixes import append_to_run, insert_after
from layerlint.lazyre import lazy
from layerlint.model import Instruction
from layerlint.rule import Fix, Hit, RuleContext, Safety, check

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerlint.shell import Command

_CLEAN_LISTS = "rm -rf /var/lib/apt/lists/*"


@check("LL301", instructions=("RUN",))
def apt_lists_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    yield from cache_hits(
        ctx,
        ins,
        {"apt-lists"},
        lambda e, cmd: "remove /var/lib/apt/lists/* at the end of the same RUN (a later RUN cannot take them out)",
        lambda cmd, word: _fix(ctx, ins),
    )


def _fix(ctx: RuleContext, ins: Instruction) -> Fix | None:
    if _lists_needed_later(ctx, ins):
        return None
    return append_to_run(ctx, ins, _CLEAN_LISTS, "Remove the apt lists at the end of the RUN")


_USES_LISTS = frozenset(
    {"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download", "satisfy"}
)


def _lists_needed_later(ctx: RuleContext, ins: Instruction) -> bool:
    """A later RUN of this image (or of one built FROM it) uses apt before its own update.

    Removing the lists here would make that RUN fail, so the rule then offers no fix.
    """
    from layerlint.build import lineage

    stage = ctx.stage_of(ins)
    for other in ctx.dockerfile.instructions[ins.index + 1 :]:
        later = ctx.stage_of(other)
        if other.effective.keyword != "RUN" or (
            stage is not None and (later is None or stage.index not in {s.index for s in lineage(ctx.build, later)})
        ):
            continue
        for cmd in commands(ctx, other):
            sub = cmd.subcommand() if cmd.tool in ("apt-get", "apt", "aptitude") else None
            if sub == "update":
                break
            if sub in _USES_LISTS:
                return True
    return False


_OFF = lazy(r"^APT::Install-Recommends\s*=\s*[\"']?(false|0|no|off)[\"']?$", re.IGNORECASE)
_CONF_OFF = lazy(r"APT::Install-Recommends\s*(\"|\\\")?\s*(false|0|no|off)\b", re.IGNORECASE)


@check("LL302", instructions=("RUN",))
def apt_recommends_installed(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    for cmd in commands(ctx, ins):
        if cmd.tool not in ("apt-get", "apt", "aptitude") or cmd.subcommand() != "install":
            continue
        opts = cmd.options()
        if opts.has("--no-install-recommends", "--without-recommends") or (cmd.tool == "aptitude" and opts.has("-R")):
            continue
        if any(_OFF.match(v) for v in opts.values("-o", "--option")):
            continue
        if _configured_off(ctx, ins):
            return
        word = subcommand_word(ctx, ins, cmd)
        flag = "--without-recommends" if cmd.tool == "aptitude" else "--no-install-recommends"
        fix = insert_after(word, flag, f"Add {flag}", Safety.UNSAFE) if word is not None else None
        yield ctx.hit(
            cmd.span,
            f"{cmd.name} install also installs every Recommends package (often more than the packages asked for):"
            f" add {flag} and list what you really need",
            fix,
            ins,
        )


def _configured_off(ctx: RuleContext, ins: Instruction) -> bool:
    """An earlier RUN wrote ``APT::Install-Recommends "false"`` or a COPY filled apt.conf.d."""
    key = f"apt-recommends-off:{ins.index}"
    return ctx.memo(
        key,
        lambda: earlier_run_matches(ctx, ins, "apt-recommends-off", lambda t: bool(_CONF_OFF.search(t)))
        or earlier_copies_into(ctx, ins, "/etc/apt/apt.conf.d"),
    )


# --------------------------------------------------------------------------- LL320

_APT = frozenset({"apt-get", "apt", "aptitude"})
_DOWNLOADS = frozenset({"install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "satisfy"})
_WRITES_BIN = _DOWNLOADS | {"update"}  # every command that reads the lists rebuilds the binary caches
_CLEANS = frozenset({"clean", "distclean", "dist-clean"})
_ARCHIVES = "/var/cache/apt/archives"
_BINS = ("/var/cache/apt/pkgcache.bin", "/var/cache/apt/srcpkgcache.bin")
# `apt` deletes what it downloaded unless told to keep it; apt-get keeps it unless told not to.
_APT_KEEPS = lazy(r"(?i)Binary::apt::APT::Keep-Downloaded-Packages\W+(?:true|yes|on|1)\b")
_APT_GET_DROPS = lazy(r"(?i)(?<!Binary::apt::)\bAPT::Keep-Downloaded-Packages\W+(?:false|no|off|0)\b")
_OPTION_KEEPS = lazy(r"(?i)^(?:Binary::apt::)?APT::Keep-Downloaded-Packages=(?:true|yes|on|1)$")


def _keeps_debs(ctx: RuleContext, ins: Instruction, cmd: Command) -> bool:
    """Whether this install leaves the .deb files it downloaded in /var/cache/apt/archives."""
    if cmd.tool == "apt":
        if any(_OPTION_KEEPS.match(v) for v in cmd.options().values("-o", "--option")):
            return True
        return earlier_run_matches(ctx, ins, "apt-keeps-downloads", lambda t: bool(_APT_KEEPS.search(t)))
    return not earlier_run_matches(ctx, ins, "apt-get-drops-downloads", lambda t: bool(_APT_GET_DROPS.search(t)))


def _removed(cmd: Command, target: str) -> bool:
    """``rm`` of ``target``, of a folder holding it, or of everything in it (``archives/*.deb``)."""
    from layerlint.ledger import covers, normalize

    if cmd.tool not in ("rm", "unlink"):
        return False
    for word in cmd.positional():
        raw = word.unquoted
        if not raw.startswith("/") or "$" in raw:
            continue
        path = normalize(raw)
        parent, _, last = path.rpartition("/")
        if covers(path, target) or (parent == target and any(c in last for c in "*?[")):
            return True
    return False


def _left(ctx: RuleContext, ins: Instruction, later: list[Command], targets: tuple[str, ...]) -> bool:
    """Whether ``targets`` reach the layer: not mounted, not cleaned or removed by a ``later`` command."""
    from layerlint.ledger import covers, mount_targets

    if all(any(covers(m, t) for m in mount_targets(ins, ("cache", "tmpfs", "bind"))) for t in targets):
        return False
    for cmd in later:
        if cmd.tool in _APT and cmd.subcommand() in _CLEANS:
            return False
        if all(_removed(cmd, t) for t in targets):
            return False
    return True


@check("LL320", instructions=("RUN",))
def apt_cache_left_in_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    from layerlint.checks.apt_facts import docker_clean_disabled

    if not matters(ctx, ins):
        return
    cmds = commands(ctx, ins)
    debs: Command | None = None  # the first install whose .deb files stay
    bins: Command | None = None  # the first command whose binary caches stay
    disabled = None
    for k, cmd in enumerate(cmds):
        sub = cmd.subcommand() if cmd.tool in _APT else None
        if sub not in _WRITES_BIN:
            continue
        found = docker_clean_disabled(ctx, ins, cmd.span.start)
        if found is None:
            continue
        disabled = disabled or found
        later = cmds[k + 1 :]
        if debs is None and sub in _DOWNLOADS and _keeps_debs(ctx, ins, cmd) and _left(ctx, ins, later, (_ARCHIVES,)):
            debs = cmd
        if bins is None and any(_left(ctx, ins, later, (b,)) for b in _BINS):
            bins = cmd
    at = debs or bins
    if at is None or disabled is None:
        return
    what = " and ".join(
        w
        for w, left in (
            ("the downloaded .deb files in /var/cache/apt/archives", debs),
            ("the package caches /var/cache/apt/pkgcache.bin and srcpkgcache.bin", bins),
        )
        if left is not None
    )
    how = "removed" if disabled[1].tool in ("rm", "unlink", "shred", "mv") else "rewritten"
    where = "earlier in this RUN" if disabled[0].index == ins.index else f"on line {line(ctx, disabled[0])}"
    # `apt-get clean` would also empty a cache mounted on the archives (LL207).
    cure = "apt-get clean" if _left(ctx, ins, [], (_ARCHIVES,)) else "rm -f /var/cache/apt/*.bin"
    message = (
        f"`{at.name} {at.subcommand()}` leaves {what} in this layer, because /etc/apt/apt.conf.d/docker-clean, which "
        f"would delete them, was {how} {where}: run `{cure}` at the end of the same RUN, or mount a cache on "
        "/var/cache/apt"
    )
    yield ctx.hit(at.span, message, append_to_run(ctx, ins, cure, f"Run {cure} at the end of the RUN"), ins)
