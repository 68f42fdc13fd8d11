"""Dependency installs and the layer cache (LL201, LL202, LL206).

BuildKit reuses a RUN only when everything before it in the stage is unchanged: the cache
key of a layer chains the keys of the layers below it, and a COPY's key is the checksum of
the files it copies.  So a RUN that installs dependencies after ``COPY . .`` runs again
whenever any copied file changes, although only the manifest matters to it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from layerlint.checks.cache_model import (
    BuildContext,
    CopyOp,
    Install,
    Source,
    Step,
    build_context,
    cache_mounted,
    commands,
    copy_at,
    installs,
    join,
    mounts,
    steps,
    under,
)
from layerlint.fixes import delete_instruction, joined_text
from layerlint.rule import Edit, Fix, Hit, RuleContext, Safety, check
from layerlint.source import Span


def instruction_quote(ctx: RuleContext, step: Step, limit: int = 40) -> str:
    """The first line of an instruction, shortened, for messages: ``COPY . .``."""
    text = ctx.source.slice(step.ins.span).split("\n", 1)[0].rstrip(" \\")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def command_verb(cmd) -> str:  # type: ignore[no-untyped-def]
    """``apt-get install``, ``uv pip install``, ``pip install`` (for ``python -m pip install``)."""
    words = [w.unquoted for w in cmd.positional()]
    if cmd.tool == "python" and cmd.flag_value("-m"):
        return " ".join([cmd.flag_value("-m"), *words[:1]])
    if cmd.tool == "uv" and words[:1] == ["pip"]:
        return " ".join(["uv", *words[:2]])
    return " ".join([cmd.name, *words[:1]])


def line_of(ctx: RuleContext, step: Step) -> int:
    return ctx.source.position(step.ins.span.start).line


# --------------------------------------------------------------------------- what a COPY brings


def provides_file(op: CopyOp, source: Source, path: str) -> bool:
    """Whether a file (not directory) source of ``op`` lands exactly at ``path``."""
    if source.names_directory:
        return False
    landed = op.target_of(source)
    if landed is None:
        return False
    if landed == path:
        return True
    pattern = posixpath.basename(source.path)
    if not any(c in pattern for c in "*?[") or posixpath.dirname(landed) != posixpath.dirname(path):
        return False
    from layerlint.dockerignore import BadPattern, glob_match

    try:
        return glob_match(pattern, posixpath.basename(path))
    except BadPattern:
        return False


def brings_directory(op: CopyOp, source: Source, path: str, context: BuildContext | None) -> str | None:
    """For a source that copies a directory's contents, the context path that lands at
    ``path`` (``""``-rooted), else None.  Without a usable context only ``.`` and sources
    written as ``dir/`` count."""
    if op.dest is None:
        return None
    is_dir = source.names_directory or (context is not None and source.path and context.isdir(source.path))
    if not is_dir or not under(path, op.dest):
        return None
    rel = posixpath.relpath(path, op.dest) if path != op.dest else ""
    return posixpath.normpath(posixpath.join(source.path, rel)) if source.path else rel


def copies(ctx: RuleContext, before: list[Step]) -> list[tuple[Step, CopyOp]]:
    """The COPY/ADD steps among ``before`` that copy from the build context."""
    found = []
    for step in before:
        if step.ins.keyword in ("COPY", "ADD"):
            op = copy_at(ctx, step)
            if op is not None and op.sources:
                found.append((step, op))
    return found


def provided_by(ops: list[tuple[Step, CopyOp]], path: str) -> tuple[Step, Source] | None:
    """The last COPY of a single file (or a wildcard) that lands exactly at ``path``."""
    found = None
    for step, op in ops:
        for source in op.sources:
            if provides_file(op, source, path):
                found = step, source
    return found


def broad_copy(
    ops: list[tuple[Step, CopyOp]], path: str, context: BuildContext | None
) -> tuple[Step, Source] | None:
    """The first COPY of a directory (or the whole context) that brings the file at ``path``.

    The context root always counts.  For another directory, a trusted context must hold the
    file there; without one, it counts when no COPY of single files put the file in place.
    """
    for step, op in ops:
        for source in op.sources:
            rel = brings_directory(op, source, path, context)
            if rel is None:
                continue
            if source.whole_context:
                return step, source
            if context is not None and context.isdir(source.path):
                if context.sent(rel):
                    return step, source
            elif provided_by(ops, path) is None:
                return step, source
    return None


# --------------------------------------------------------------------------- LL201


def _binds_manifest(step: Step, install: Install) -> bool:
    names = {posixpath.basename(m) for m in (*install.manifests, *install.locks)}
    for mount in mounts(step.ins):
        if mount.type != "bind" or mount.from_:
            continue
        for end in (mount.source, mount.target):
            if end and posixpath.basename(end.rstrip("/")) in names:
                return True
    return False


def _context_bind(step: Step, path: str) -> bool:
    """A ``--mount=type=bind`` of the whole context that covers ``path``."""
    for mount in mounts(step.ins):
        if mount.type != "bind" or mount.from_ or (mount.source or ".").strip("./"):
            continue
        if under(path, mount.target_abs(step.cwd) or step.cwd):
            return True
    return False


def _first_files(install: Install, context: BuildContext | None, rel_dir: str | None) -> str:
    """The files to copy before the install, as a phrase: ``package.json and package-lock.json``."""
    if install.ecosystem == "java" and install.manifests == ("build.gradle",):
        return "the build scripts (settings.gradle*, build.gradle*, gradle/)"
    names = list(install.manifests)
    if install.manifests == ("pyproject.toml",) and not install.locks:
        names = ["pyproject.toml (or setup.py/setup.cfg)"]
    locks = [lock for lock in install.locks if lock not in names]
    if locks:
        present = [
            lock for lock in locks if context and rel_dir is not None and context.sent(posixpath.join(rel_dir, lock))
        ]
        if present:
            names.append(present[0])
        elif context is None:
            names.append(locks[0])
    return " and ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


def _nothing_to_download(context: BuildContext | None, rel_dir: str | None) -> bool:
    """A Go module without go.sum needs no download; with vendor/modules.txt go builds from vendor/."""
    if context is None or rel_dir is None or not context.sent(posixpath.join(rel_dir, "go.mod")):
        return False
    has_sum = context.sent(posixpath.join(rel_dir, "go.sum"))
    return not has_sum or context.sent(posixpath.join(rel_dir, "vendor", "modules.txt"))


@check("LL201")
def dependency_install_after_source_copy(ctx: RuleContext) -> Iterator[Hit]:
    context = build_context(ctx)
    for stage in ctx.build.stages:
        seq = steps(ctx, stage)
        done: set[str] = set()
        for k, step in enumerate(seq):
            if step.stage is not stage or step.ins.keyword != "RUN":
                continue
            for install in installs(ctx, step):
                if install.ecosystem in done:
                    continue
                hit = _late_install(ctx, seq, k, install, context)
                if hit is not None:
                    done.add(install.ecosystem)
                    yield hit


def _late_install(
    ctx: RuleContext, seq: list[Step], k: int, install: Install, context: BuildContext | None
) -> Hit | None:
    step = seq[k]
    probe = install.probe
    if probe is None or cache_mounted(install, step) or _binds_manifest(step, install):
        return None
    found = broad_copy(copies(ctx, seq[:k]), probe, context)
    if found is None:
        if not _context_bind(step, probe):
            return None
        where = "its `--mount=type=bind` of the whole build context"
        cut = k
    else:
        copy_step, source = found
        cut = seq.index(copy_step)
        what = "the whole build context" if source.whole_context else f"the directory that holds {install.manifests[0]}"
        where = f"line {line_of(ctx, copy_step)} `{instruction_quote(ctx, copy_step)}` copies {what} before it"
    for earlier in seq[:cut]:
        if earlier.ins.keyword == "RUN" and any(i.ecosystem == install.ecosystem for i in installs(ctx, earlier)):
            return None
    rel_dir = None
    if found is not None:
        rel = brings_directory(copy_at(ctx, found[0]), found[1], probe, context)  # type: ignore[arg-type]
        rel_dir = posixpath.dirname(rel) if rel is not None else None
    if install.ecosystem == "go" and _nothing_to_download(context, rel_dir):
        return None
    files = _first_files(install, context, rel_dir)
    if install.then.startswith("an install"):
        advice = (
            f"Copy {files} first and install only the dependencies; copy the source after that and install "
            f"the project itself with `--no-deps`"
        )
    else:
        advice = f"Copy {files} first, run {install.then}, then copy the rest"
    message = f"every edit to the copied sources re-runs this `{install.label}`: {where}. {advice}."
    return ctx.hit(install.command.span, message, instruction=step.ins)


# --------------------------------------------------------------------------- LL206


@check("LL206")
def lockfile_not_copied_before_install(ctx: RuleContext) -> Iterator[Hit]:
    context = build_context(ctx)
    for stage in ctx.build.stages:
        seq = steps(ctx, stage)
        for k, step in enumerate(seq):
            if step.stage is not stage or step.ins.keyword != "RUN":
                continue
            for install in installs(ctx, step):
                hit = _missing_lock(ctx, seq, k, install, context)
                if hit is not None:
                    yield hit


def _missing_lock(
    ctx: RuleContext, seq: list[Step], k: int, install: Install, context: BuildContext | None
) -> Hit | None:
    step = seq[k]
    probe = install.probe
    if probe is None or not install.locks or install.manifests[0] in install.locks:
        return None
    if _binds_manifest(step, install) or _context_bind(step, probe):
        return None
    ops = copies(ctx, seq[:k])
    if broad_copy(ops, probe, context) is not None:
        return None
    manifest_copy = provided_by(ops, probe)
    if manifest_copy is None:
        return None
    lock_paths = [join(install.directory, lock) for lock in install.locks]
    if any(provided_by(ops, path) for path in lock_paths if path):
        return None
    copy_step, source = manifest_copy
    source_dir = posixpath.dirname(source.path)
    manifest = install.manifests[0]
    where = f"line {line_of(ctx, copy_step)} copies {manifest} without it"
    if install.lock_required:
        lock = install.locks[0]
        message = f"`{install.label}` fails without {lock}: {where}. Copy {manifest} and {lock} together."
        return ctx.hit(install.command.span, message, instruction=step.ins)
    if context is None:
        return None
    present = [lock for lock in install.locks if context.sent(posixpath.join(source_dir, lock))]
    if not present:
        return None
    lock = present[0]
    message = (
        f"{lock} is in the build context but not copied before this `{install.label}` ({where}): it resolves "
        f"versions afresh instead of the locked ones, and the cached layer keeps whatever it resolved first. "
        f"Copy {lock} with {manifest}."
    )
    return ctx.hit(install.command.span, message, instruction=step.ins)


# --------------------------------------------------------------------------- LL202

_APT = frozenset({"apt-get", "apt", "aptitude"})
_APT_USES_LISTS = frozenset({"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "source", "download"})
_APK_FRESH = ("--no-cache", "-U", "--update", "--update-cache")


def _index_family(cmd) -> str | None:  # type: ignore[no-untyped-def]
    if cmd.name in _APT or cmd.tool in _APT:
        return "apt"
    if cmd.tool == "apk":
        return "apk"
    return None


def _refreshes(cmd) -> bool:  # type: ignore[no-untyped-def]
    """``apt-get update`` / ``apk update`` (or ``apk add --update``, which refreshes itself)."""
    family = _index_family(cmd)
    if family is None:
        return False
    sub = cmd.subcommand()
    return sub == "update" or (family == "apk" and sub in ("add", "upgrade") and cmd.has_flag(*_APK_FRESH))


def _uses_index(cmd) -> bool:  # type: ignore[no-untyped-def]
    family = _index_family(cmd)
    sub = cmd.subcommand()
    if family == "apt":
        return sub in _APT_USES_LISTS
    if family == "apk":
        return sub in ("add", "upgrade") and not cmd.has_flag(*_APK_FRESH)
    return False


@check("LL202")
def package_index_update_alone(ctx: RuleContext) -> Iterator[Hit]:
    reported: set[int] = set()
    for stage in ctx.build.stages:
        seq = steps(ctx, stage)
        for k, step in enumerate(seq):
            if step.ins.keyword != "RUN" or step.ins.index in reported:
                continue
            cmds = [cmd for _, cmd in commands(ctx, step.ins)]
            updates = [c for c in cmds if _index_family(c) and c.subcommand() == "update"]
            if not updates:
                continue
            update = updates[0]
            family = _index_family(update)
            if any(_index_family(c) == family and (_uses_index(c) or _refreshes(c) and c is not update) for c in cmds):
                continue
            user = _later_user(ctx, seq[k + 1 :], family)
            if user is None:
                continue
            reported.add(step.ins.index)
            later_step, later_cmd = user
            verb = command_verb(later_cmd)
            message = (
                f"this `{update.name} {update.subcommand()}` is cached in its own layer: when line "
                f"{line_of(ctx, later_step)} `{verb}` changes, it reuses these old package lists and installs "
                f"outdated versions or fails on removed ones. Update and install in the same RUN."
            )
            yield ctx.hit(update.span, message, _move_update(ctx, step, update, later_step, later_cmd), step.ins)


_PLAIN_STEP = (None, "&&", ";", "\n")


def _move_update(ctx: RuleContext, step: Step, update, later: Step, user) -> Fix | None:  # type: ignore[no-untyped-def]
    """Delete the lone update RUN and run the update right before the install that needs it.

    Only for a RUN that is nothing but the update, moved within its stage to a RUN with the
    same flags and user, in front of an install that runs unconditionally at the top level.
    Unsafe: the instructions in between now run before the update.
    """
    ins, target = step.ins, later.ins
    if ins.inner is not None or target.inner is not None or step.stage is not later.stage or step.user != later.user:
        return None
    if ins.heredocs or ins.exec_form or len(list(commands(ctx, ins))) != 1:
        return None
    if ins.flags and [f.text for f in ins.flags] != [f.text for f in target.flags]:
        return None
    if user.connector not in _PLAIN_STEP or user.depth or user.in_subshell or user.in_function:
        return None
    if user.in_condition or user.in_loop:
        return None
    text = joined_text(ins.command, update.span)
    if not text or update.redirects:
        return None
    start = user.span.start
    return Fix(
        f"Run {text} in the RUN at line {line_of(ctx, later)}",
        (delete_instruction(ctx.source, ins), Edit(Span(start, start), text + " && ")),
        Safety.UNSAFE,
    )


def _later_user(ctx: RuleContext, later: list[Step], family: str | None):  # type: ignore[no-untyped-def]
    """The first later RUN command that relies on the lists, unless that RUN refreshes them."""
    for step in later:
        if step.ins.keyword != "RUN":
            continue
        cmds = [cmd for _, cmd in commands(ctx, step.ins)]
        if any(_index_family(c) == family and _refreshes(c) for c in cmds):
            return None
        for cmd in cmds:
            if _index_family(cmd) == family and _uses_index(cmd):
                return step, cmd
    return None


# --------------------------------------------------------------------------- LL212

_SYSTEM = frozenset({"apt-get", "apt", "aptitude", "apk", "dnf", "yum", "microdnf", "zypper", "docker-php-ext-install",
                     "pecl"})  # fmt: skip
_NAMED = frozenset({"pip", "npm", "gem", "go", "cargo", "pipx"})
_NEUTRAL = frozenset(
    {
        "rm", "set", "true", ":", "echo", "ln", "mkdir", "export", "apt-mark", "update-ca-certificates", "ldconfig",
        "useradd", "groupadd", "adduser", "addgroup", "locale-gen", "dpkg-reconfigure", "docker-php-ext-configure",
        "docker-php-ext-enable", "update-alternatives", "debconf-set-selections",
    }
)  # fmt: skip
_PACKAGE_FILES = (".deb", ".rpm", ".apk", ".whl", ".gem", ".tgz")


def _local_operand(word) -> bool:  # type: ignore[no-untyped-def]
    text = word.unquoted
    return word.has_expansion or text.startswith((".", "/", "~")) or text.endswith(_PACKAGE_FILES)


def _context_free(op) -> bool:  # type: ignore[no-untyped-def]
    """A package action that reads nothing from the build context."""
    if any(_local_operand(w) for w in op.packages) or op.requirement_files or "xargs" in op.command.wrappers:
        return False
    if op.manager in _SYSTEM:
        return bool(op.packages) or op.action != "install"
    if op.manager not in _NAMED or op.action != "install" or not op.packages:
        return False
    if op.manager == "npm":
        return op.options.has("-g", "--global")
    if op.manager == "go":
        return all("@" in w.unquoted for w in op.packages)
    if op.manager == "cargo":
        return not op.options.has("--path")
    return not op.options.has("-e", "--editable")


def _removes_relative(cmd) -> bool:  # type: ignore[no-untyped-def]
    """An ``rm`` of a relative path may delete copied files."""
    return any(not w.unquoted.startswith("/") for w in cmd.positional())


def _movable_install(ctx: RuleContext, step: Step):  # type: ignore[no-untyped-def]
    """The first install of a RUN made only of context-free package commands, else None."""
    from layerlint.pkgfacts import package_ops

    first = None
    for script in ctx.scripts(step.ins):
        ops: dict[int, list] = {}
        for op in package_ops(script):
            ops.setdefault(id(op.command), []).append(op)
        for cmd in script.commands:
            if not cmd.words:
                continue
            if any(r.op == "<" for r in cmd.redirects):
                return None
            cmd_ops = ops.get(id(cmd), [])
            if cmd_ops:
                if not all(_context_free(op) for op in cmd_ops):
                    return None
                if first is None and any(op.action == "install" for op in cmd_ops):
                    first = cmd
            elif cmd.name not in _NEUTRAL or cmd.name == "rm" and _removes_relative(cmd):
                return None
    return first


@check("LL212")
def package_install_after_source_copy(ctx: RuleContext) -> Iterator[Hit]:
    for stage in ctx.build.stages:
        seq = steps(ctx, stage)
        copied: Step | None = None
        for step in seq:
            op = copy_at(ctx, step)
            if copied is None and op is not None and op.from_context and any(s.whole_context for s in op.sources):
                copied = step if step.stage is stage else None  # across stages "move it up" is no simple fix
            if copied is None or step.stage is not stage or step.ins.keyword != "RUN" or step.ins.exec_form:
                continue
            cmd = _movable_install(ctx, step)
            if cmd is None:
                continue
            verb = command_verb(cmd)
            message = (
                f"every change to the copied files re-runs this `{verb}`, which does not use them: line "
                f"{line_of(ctx, copied)} `{instruction_quote(ctx, copied)}` comes first. Move this RUN above it."
            )
            yield ctx.hit(cmd.span, message, instruction=step.ins)
