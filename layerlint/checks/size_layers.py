"""Bytes a later layer cannot take back (ledger-based rules).

* LL312 files removed in a later layer than the one that created them;
* LL313 ``chown``/``chmod``/``chgrp``/``touch`` of earlier files (stored a second time);
* LL314 an archive left in the image after it was extracted;
* LL315 packages installed in one layer and removed in another.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from layerlint.checks.size_common import commands, line, matters, package_changes
from layerlint.estimate import size_note, size_of
from layerlint.fixes import delete_instruction
from layerlint.ledger import _SYSTEM_DIRS, CACHES, Change, Created, inside, join, ledger
from layerlint.model import Instruction
from layerlint.rule import Edit, Fix, Hit, RuleContext, Safety, check
from layerlint.shell import Command
from layerlint.source import Span

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.estimate.sizes import SizeRange

_VERB = {
    "copy": "copied by COPY",
    "add": "added by ADD",
    "download": "downloaded",
    "extract": "extracted",
    "clone": "cloned",
    "write": "written",
    "workdir": "built",
    "cache": "written",
}


def _what(entry: Created) -> str:
    if entry.how == "cache":
        return f"{CACHES[entry.source].what} ({entry.path})"
    return entry.path + ("/" if entry.tree and entry.path != "/" else "")


def _origin(ctx: RuleContext, entry: Created) -> str:
    return f"{_VERB.get(entry.how, 'created')} at line {line(ctx, entry.instruction)}"


def _by_run(entry: Created) -> bool:
    return entry.how not in ("copy", "add") and entry.instruction.keyword != "ADD"


def _plausible(ctx: RuleContext, entry: Created, path: str) -> bool:
    """Whether ``path``, inside the tree ``entry`` wrote, really came from that layer.

    A tree rooted at a system directory (``COPY --from=b /out/ /usr/local/bin/``) shares it
    with the base image, so no claim is made; a build-context source is looked up on disk
    when the context is known (honouring .dockerignore).
    """
    if entry.path in _SYSTEM_DIRS and entry.how != "cache":
        return False
    if not entry.from_context or not ctx.context_dir or entry.how == "extract":
        return True
    import glob  # only when the context is on disk

    rel = entry.source.rstrip("/\\") + path[len(entry.path.rstrip("/")) :]
    rel = os.path.normpath(rel.lstrip("/")) if rel.strip("./") else "."
    hits = glob.glob(os.path.join(glob.escape(ctx.context_dir), rel)) if any(c in rel for c in "*?[") else (
        [os.path.join(ctx.context_dir, rel)] if os.path.exists(os.path.join(ctx.context_dir, rel)) else []
    )
    if not hits:
        return False
    ignore = ctx.memo("dockerignore", lambda: _dockerignore(ctx))
    return ignore is None or not all(ignore.matches(os.path.relpath(h, ctx.context_dir).replace(os.sep, "/")) for h in hits)


def _dockerignore(ctx: RuleContext):  # type: ignore[no-untyped-def]
    from layerlint.dockerignore import DockerIgnore

    try:
        return DockerIgnore.for_build(ctx.context_dir or ".", ctx.source.path)
    except Exception:  # noqa: BLE001 - a broken .dockerignore is another rule's business
        return None


def _earlier(ctx: RuleContext, change: Change, ops_need_recursion: bool) -> list[Created]:
    """The earlier entries a change really reaches (empty directories do not count)."""
    sure = [
        e
        for e in change.matches
        if e.how != "mkdir" and (not ops_need_recursion or change.recursive or not e.tree and change.path in e.names)
    ]
    maybe = [e for e in change.within if e.how != "mkdir" and _plausible(ctx, e, change.path)]
    # The deepest, then newest, tree is the likeliest origin of a path inside several.
    maybe.sort(key=lambda e: (-e.path.count("/"), -e.instruction.index))
    return sure or maybe


NEGLIGIBLE = 64 << 10  # LL312 ignores a removed single file known to be at most this many bytes


def _negligible(entries: list[Created], size: SizeRange | None) -> bool:
    """Whether a removal reaches only single files whose bytes are bounded and small.

    Directory trees are always worth a word: what they hold at build time is less certain
    than a lint-time look at the context or a guess at a command's output.
    """
    return size is not None and size.high is not None and size.high <= NEGLIGIBLE and not any(e.tree for e in entries)


@check("LL312", instructions=("RUN",))
def files_removed_in_later_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    book = ledger(ctx)
    extracted = {id(x.created) for x in book.extractions(ins) if x.created is not None}
    for change in book.changes(ins):
        if change.op != "remove":
            continue
        entries = [e for e in _earlier(ctx, change, False) if id(e) not in extracted]  # LL314 reports those
        size = size_of(ctx, change) if entries else None
        if not entries or _negligible(entries, size):
            continue
        first = entries[0]
        if _by_run(first):
            advice = f"delete it in the RUN at line {line(ctx, first.instruction)} that created it"
        elif first.from_context:
            advice = "keep it out of the image (.dockerignore, a narrower COPY, or RUN --mount=type=bind)"
        else:
            advice = "copy only what the image needs"
        if first in change.matches:
            origin = f"{_what(first)} was {_origin(ctx, first)}"
        else:
            origin = f"it is part of {_what(first)}, {_origin(ctx, first)},"
        yield ctx.hit(
            change.span,
            f"removing {change.path} frees nothing: {origin} and its bytes{size_note(size)} stay in that"
            f" layer; {advice}",
            None,
            ins,
        )


_COPY_FLAG = {"chown": "--chown", "chgrp": "--chown", "chmod": "--chmod"}


_LISTED = 4  # paths a LL313 message names before "and N more"


def _rewritten(ctx: RuleContext, changes: list[tuple[Change, list[Created]]]) -> str:
    """``/app/ (copied by COPY at line 2)``, or the paths one command rewrites and where they came from."""
    change, entries = changes[0]
    first = entries[0]
    if len(changes) == 1 and change.path == first.path:
        return f"{_what(first)} ({_origin(ctx, first)})"
    paths = [c.path for c, _ in changes]
    listed = ", ".join(paths[:_LISTED]) + (f" and {len(paths) - _LISTED} more" if len(paths) > _LISTED else "")
    origins: dict[int, str] = {}
    for c, found in changes:
        e = found[0]
        origins.setdefault(id(e), _origin(ctx, e) if c.path == e.path else f"part of {_what(e)}, {_origin(ctx, e)}")
    return f"{listed} ({'; '.join(origins.values())})"


def _total_size(ctx: RuleContext, changes: list[tuple[Change, list[Created]]]) -> SizeRange | None:
    from layerlint.estimate.sizes import total

    sizes = [size_of(ctx, c) for c, _ in changes]
    return None if None in sizes else total(sizes)  # type: ignore[arg-type]


@check("LL313", instructions=("RUN",))
def permissions_changed_in_later_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    """One finding per command: ``chown -R app db log tmp`` names its paths once, not three times."""
    if not matters(ctx, ins):
        return
    book = ledger(ctx)
    by_span = {cmd.span: cmd for cmd in commands(ctx, ins)}
    grouped: dict[tuple[Span, str], list[tuple[Change, list[Created]]]] = {}
    for change in book.changes(ins):
        if change.op not in ("chown", "chmod", "chgrp", "touch"):
            continue
        entries = _earlier(ctx, change, change.op != "touch")
        if entries:
            grouped.setdefault((change.command, change.op), []).append((change, entries))
    for (command, op), changes in grouped.items():
        change, entries = changes[0]
        first = entries[0]
        cmd = by_span.get(command)
        if _by_run(first):
            advice = f"do it in the RUN at line {line(ctx, first.instruction)} that created them"
        elif op in _COPY_FLAG:
            advice = f"set it while copying: {first.instruction.keyword} {_copy_flag(op, cmd)}"
        else:
            advice = "set the time where the files are made"
        yield ctx.hit(
            Span(change.span.start, changes[-1][0].span.end),
            f"{op} rewrites {_rewritten(ctx, changes)}: this layer stores a second copy of"
            f" every file it touches{size_note(_total_size(ctx, changes))}; {advice}",
            _chown_fix(ctx, ins, change, cmd, entries) if len(changes) == 1 else None,
            ins,
        )


_OWNER = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*$"


def _chown_fix(
    ctx: RuleContext, ins: Instruction, change: Change, cmd: Command | None, entries: list[Created]
) -> Fix | None:
    """``COPY src /dest`` + ``RUN chown -R user:group /dest`` -> ``COPY --chown=user:group src /dest``.

    Only when nothing else could depend on the RUN: it follows the COPY directly, runs that
    one plain ``chown`` of exactly the COPY's destination, with an explicit group (``chown
    user`` keeps the group, ``--chown=user`` does not), and no earlier layer put files there.
    Unsafe all the same: the destination directory itself may already exist in the base image.
    """
    copy = entries[0].instruction
    if change.op != "chown" or cmd is None or copy.keyword != "COPY" or copy.inner is not None or copy.flag("chown"):
        return None
    if ins.inner is not None or ins.flags or ins.heredocs or ins.index != copy.index + 1:
        return None
    if ctx.stage_of(ins) is not ctx.stage_of(copy):
        return None
    if [c.span for c in commands(ctx, ins)] != [cmd.span] or cmd.assignments or cmd.wrappers or cmd.redirects:
        return None
    opts = cmd.options()
    pos = opts.positional
    recursive = opts.has("-R", "--recursive")
    if len(pos) != 2 or any(o.name not in ("-R", "--recursive") for o in opts.options):
        return None
    owner = pos[0].value or ""
    if not re.match(_OWNER, owner):
        return None
    dest = copy.args[-1] if len(copy.args) > 1 and not copy.exec_form else None
    book = ledger(ctx)
    if dest is None or "$" in dest.raw or any(e.instruction is not copy for e in entries):
        return None
    target = join(book.state(copy).workdir, dest.value)
    made = book.created_by(copy)
    if change.path != target or not (recursive or (len(made) == 1 and not made[0].tree and target in made[0].names)):
        return None
    if any(n == target or inside(n, target) for e in book.before(copy) for n in e.names):
        return None
    flag = Edit(Span(copy.keyword_span.end, copy.keyword_span.end), f" --chown={owner}")
    return Fix(f"Copy with --chown={owner} and drop the RUN", (flag, delete_instruction(ctx.source, ins)), Safety.UNSAFE)


def _copy_flag(op: str, cmd: Command | None) -> str:
    flag = _COPY_FLAG[op]
    pos = cmd.positional() if cmd is not None else ()
    value = pos[0].unquoted if pos else "..."
    if op == "chgrp":
        value = ":" + value
    return f"{flag}={value}"


_INSTALL_VERBS = {"tar": "extracted", "unzip": "extracted", "bsdtar": "extracted"}


@check("LL314", instructions=("RUN",))
def archive_left_after_extraction(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    for x in ledger(ctx).extractions(ins):
        entry = x.created
        if entry is None:
            continue
        verb = _INSTALL_VERBS.get(x.tool, "installed" if x.tool not in ("gunzip", "gzip", "bunzip2", "bzip2", "unxz", "xz",
                                                                        "zstd", "unzstd", "lzma", "unlzma") else "unpacked")
        if entry.instruction.index != ins.index:
            if entry.how in ("copy", "add"):
                advice = "ADD a local archive to extract it in one layer, or bind-mount it (RUN --mount=type=bind)"
            else:
                advice = "download, extract and delete it in one RUN"
            yield ctx.hit(
                x.span,
                f"{x.archive}{size_note(size_of(ctx, entry))} was {_origin(ctx, entry)} and stays in that layer after it"
                f" is {verb} here; {advice}",
                None,
                ins,
            )
        elif x.kept:
            yield ctx.hit(
                x.span,
                f"{x.archive}{size_note(size_of(ctx, entry))} stays in this layer after it is {verb}: delete it in the"
                " same RUN"
                + (" (or stream it: curl ... | tar -x)" if verb == "extracted" else ""),
                None,
                ins,
            )


# --------------------------------------------------------------------------- LL315

@check("LL315", instructions=("RUN",))
def packages_removed_in_later_layer(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if not matters(ctx, ins):
        return
    removals = [op for op in package_changes(ctx, ins) if op.action == "remove"]
    if not removals:
        return
    installed = _installed_before(ctx, ins)
    for op in removals:
        found = [(n, installed[(op.family, n)]) for n in op.names if (op.family, n) in installed]
        if not found:
            continue
        lines = sorted({line(ctx, i) for _, i in found})
        where = ("the RUN at line " if len(lines) == 1 else "the RUNs at lines ") + ", ".join(map(str, lines))
        one = len(found) == 1
        yield ctx.hit(
            op.command.span,
            f"{', '.join(n for n, _ in found)} {'was' if one else 'were'} installed by {where}: removing"
            f" {'it' if one else 'them'} in a later layer frees nothing; install, use and remove build-only packages"
            " in one RUN, or build in a separate stage",
            None,
            ins,
        )


def _installed_before(ctx: RuleContext, ins: Instruction) -> dict[tuple[str, str], Instruction]:
    """Packages installed by the RUNs of ``ins``'s image before it (parent stages too)."""
    from layerlint.build import lineage

    stage = ctx.stage_of(ins)
    pool = [i for s in lineage(ctx.build, stage) for i in s.instructions] if stage is not None else list(ctx.dockerfile.instructions)
    out: dict[tuple[str, str], Instruction] = {}
    for other in pool:
        if other.index >= ins.index or other.keyword != "RUN":
            continue
        for op in package_changes(ctx, other):
            for n in op.names:
                if op.action == "install":
                    out[(op.family, n)] = other
                else:
                    out.pop((op.family, n), None)
    return out
