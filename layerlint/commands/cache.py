"""``layerlint cache PATH --changed FILE... | --since REF``: which layers a change rebuilds.

The model is ``layerlint.cachesim`` (docs/cache.md); this module turns the command line and
git into a :class:`~layerlint.cachesim.Changes`, runs the simulation, and renders it as the
Dockerfile with reused layers dimmed and rebuilt ones highlighted, or as JSON (README,
"JSON output").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from layerlint.cachesim import describe_cost
from layerlint.cli import EXIT_ERROR, EXIT_OK, UsageError

if TYPE_CHECKING:
    from layerlint.cachesim import Cost, Counterfactual, Simulation, Verdict
    from layerlint.estimate.context import ContextIndex


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``cache`` subcommand's arguments (called by ``layerlint.cli``)."""
    from layerlint.cli import _common

    parser.add_argument("path", help="the Dockerfile")
    parser.add_argument(
        "--changed", nargs="+", action="extend", default=[], metavar="FILE",
        help="changed files (absolute or relative to the current directory; deleted files count too)",
    )  # fmt: skip
    parser.add_argument("--since", metavar="REF", help="take the changes from git: `git diff REF` plus untracked files")
    parser.add_argument(
        "--changed-arg", action="append", default=[], metavar="NAME[=VALUE]",
        help="a build arg whose value changes in the next build (the value is optional)",
    )  # fmt: skip
    parser.add_argument(
        "--changed-base", action="append", default=[], metavar="IMAGE",
        help="a base image whose content changed (a repository, an exact reference, or '*')",
    )  # fmt: skip
    parser.add_argument("--context", help="build context directory (default: the Dockerfile's folder)")
    parser.add_argument("--format", default="text", choices=("text", "json"), help="text or json")
    _common(parser)


# --------------------------------------------------------------------------- changes


@dataclass
class Collected:
    """The change set, sorted by where each path falls."""

    files: list[str] = field(default_factory=list)  # context-relative, sent to the builder
    ignored: list[str] = field(default_factory=list)  # context-relative, excluded by .dockerignore
    outside: list[str] = field(default_factory=list)  # not under the context (as given)
    dockerfile: bool = False
    dockerignore: bool = False
    old_text: str | None = None  # the Dockerfile at --since, when it changed
    flipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _real(path: str) -> str:
    """An absolute path with symlinked parent directories resolved (not the file itself)."""
    path = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))


def relative_to(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` in POSIX form, None when it lies outside."""
    real, base = _real(path), os.path.realpath(root)
    try:
        rel = os.path.relpath(real, base)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
        return None
    return rel.replace(os.sep, "/")


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("--since needs git, which was not found") from None


def git_changes(directory: str, ref: str) -> tuple[str, list[str]]:
    """The repository top level and the absolute paths changed since ``ref``: the working tree
    against ``ref`` (staged or not, renames as delete + add) plus untracked files."""
    top = _git(["rev-parse", "--show-toplevel"], directory)
    if top.returncode != 0:
        raise UsageError(f"--since: {directory} is not inside a git repository")
    root = top.stdout.decode().strip()
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], root).returncode != 0:
        raise UsageError(f"--since: {ref!r} is not a commit in {root}")
    diff = _git(["diff", "--name-only", "--no-renames", "-z", ref, "--"], root)
    if diff.returncode != 0:
        raise UsageError(f"--since: git diff failed: {diff.stderr.decode(errors='replace').strip()}")
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    names = [n for n in (diff.stdout + b"\0" + untracked.stdout).decode("utf-8", "surrogateescape").split("\0") if n]
    return root, [os.path.join(root, n) for n in dict.fromkeys(names)]


def git_show(root: str, ref: str, path: str) -> str | None:
    """A file's text at ``ref``, None when it did not exist there."""
    rel = relative_to(path, root)
    if rel is None:
        return None
    shown = _git(["show", f"{ref}:{rel}"], root)
    if shown.returncode != 0:
        return None
    return shown.stdout.decode("utf-8", "replace").removeprefix("\ufeff")


def collect(
    changed: list[str],
    *,
    since: str | None,
    dockerfile_path: str,
    context_dir: str,
    index: ContextIndex,
) -> Collected:
    """Sort the changed paths (and, with ``since``, git's) into what the simulation needs."""
    from layerlint.dockerignore import DockerIgnore, find_dockerignore

    out = Collected()
    paths = [os.path.abspath(p) for p in changed]
    root = None
    if since is not None:
        root, found = git_changes(context_dir, since)
        paths.extend(found)
    ignore_file = find_dockerignore(context_dir, dockerfile_path)
    seen: set[str] = set()
    for path in paths:
        for item in _expand_dir(path):
            real = _real(item)
            if real in seen:
                continue
            seen.add(real)
            if real == _real(dockerfile_path):
                out.dockerfile = True
            if ignore_file is not None and real == _real(ignore_file):
                out.dockerignore = True
            rel = relative_to(item, context_dir)
            if rel is None:
                if real != _real(dockerfile_path):
                    out.outside.append(item)
            elif index.dockerignore.matches(rel):
                out.ignored.append(rel)
            else:
                out.files.append(rel)
    if out.dockerfile and root is not None and since is not None:
        out.old_text = git_show(root, since, dockerfile_path)
        if out.old_text is None:
            out.notes.append(f"the Dockerfile is new since {since}: every instruction counts as new")
            out.old_text = ""
    elif out.dockerfile:
        out.notes.append("the Dockerfile itself changed: pass --since REF to find the edited instructions")
    if out.dockerignore and ignore_file is not None:
        if root is not None and since is not None:
            old = DockerIgnore.parse(git_show(root, since, ignore_file) or "")
            out.flipped = _flipped(context_dir, old, index.dockerignore)
        else:
            out.notes.append(
                f"{os.path.basename(ignore_file)} changed: pass --since REF to see which files it adds to or removes from the context"
            )
    return out


def _expand_dir(path: str) -> list[str]:
    """A directory stands for every file below it."""
    if not os.path.isdir(path) or os.path.islink(path):
        return [path]
    found = []
    for top, dirs, files in os.walk(path):
        dirs.sort()
        found.extend(os.path.join(top, f) for f in sorted(files))
    return found or [path]


def _flipped(context_dir: str, old: Any, new: Any) -> list[str]:
    """Files whose exclusion differs between the old and new ``.dockerignore``."""
    from layerlint.dockerignore import DockerIgnore
    from layerlint.estimate.context import ContextIndex

    every = ContextIndex(context_dir, DockerIgnore()).files_under("")
    return [p for p in every if old.matches(p) != new.matches(p)]


def parse_changed_args(items: list[str]) -> tuple[tuple[str, str | None], ...]:
    out: dict[str, str | None] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not name.strip():
            raise UsageError(f"--changed-arg {item!r}: expected NAME or NAME=VALUE")
        out[name.strip()] = value if eq else None
    return tuple(out.items())


# --------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> int:
    from layerlint.cachesim import Changes, layer_sizer, reorder_counterfactual, simulate
    from layerlint.commands.common import context_dir as default_context
    from layerlint.commands.common import settings_for, write_output
    from layerlint.estimate.context import ContextIndex
    from layerlint.parse import parse
    from layerlint.source import SourceError, SourceFile, read_source

    if not (args.changed or args.since or args.changed_arg or args.changed_base):
        raise UsageError("name a change: --changed FILE..., --since REF, --changed-arg NAME or --changed-base IMAGE")
    try:
        source = read_source(args.path)
    except SourceError as exc:
        print(f"layerlint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    settings = settings_for(args.path, args)
    context_dir = default_context(args.path, settings) or os.curdir  # settings carry --context
    if not os.path.isdir(context_dir):
        raise UsageError(f"--context {context_dir}: not a directory")
    index = ContextIndex.for_dockerfile(context_dir, args.path)
    found = collect(args.changed, since=args.since, dockerfile_path=args.path, context_dir=context_dir, index=index)
    changes = Changes(
        files=tuple(found.files),
        flipped=tuple(found.flipped),
        args=parse_changed_args(args.changed_arg),
        bases=tuple(args.changed_base),
    )
    dockerfile = parse(source)
    old = parse(SourceFile(source.path, found.old_text)) if found.old_text is not None else None
    unfiltered = None
    if found.flipped:
        from layerlint.dockerignore import DockerIgnore

        unfiltered = ContextIndex(context_dir, DockerIgnore())
    options = {
        "context": index,
        "unfiltered": unfiltered,
        "target": settings.target,
        "builder": settings.builder,
        "build_args": settings.build_args,
        "sizer": layer_sizer(context_dir, index, settings.builder, args.path),
    }
    sim = simulate(dockerfile, changes, old=old, notes=found.notes, **options)  # type: ignore[arg-type]
    what_if = None
    if old is None:
        what_if = reorder_counterfactual(dockerfile, sim, lambda d: simulate(d, changes, **options), index)  # type: ignore[arg-type]
    for err in (*dockerfile.errors, *sim.build.errors):
        pos = source.position(err.span.start)
        print(f"{source.path}:{pos.line}:{pos.column}: {err.message}", file=sys.stderr)
    if args.format == "json":
        text = (
            json.dumps(
                document(sim, found, what_if, since=args.since, context_dir=context_dir), indent=2, ensure_ascii=False
            )
            + "\n"
        )
    else:
        from layerlint.report import use_color

        color = not args.no_color and not args.output_file and use_color(sys.stdout)
        text = render(sim, found, what_if, color=color)
    write_output(text, args.output_file)
    return EXIT_OK


# --------------------------------------------------------------------------- words


def change_phrase(sim: Simulation, found: Collected) -> str:
    """``a change to app.py``, ``changes to 3 files``, ``a change to build arg VERSION``..."""
    parts = []
    files = [*found.files, *found.flipped]
    if len(files) == 1:
        parts.append(files[0])
    elif len(files) <= 3 and files:
        parts.append(", ".join(files[:-1]) + " and " + files[-1])
    elif files:
        parts.append(f"{len(files)} files")
    for name, _ in sim.changes.args:
        parts.append(f"build arg {name}")
    for base in sim.changes.bases:
        parts.append(f"base image {base}")
    if found.old_text is not None:
        parts.append("the Dockerfile")
    if not parts:
        return "this change"
    count = len(files) + len(sim.changes.args) + len(sim.changes.bases) + (found.old_text is not None)
    return ("a change to " if count == 1 else "changes to ") + " and ".join(parts)


def summary_line(sim: Simulation, found: Collected) -> str:
    total = len(sim.layers())
    rebuilt = len(sim.rebuilt)
    phrase = change_phrase(sim, found)
    verb = "rebuild" if phrase.startswith("changes") else "rebuilds"
    text = f"{phrase} {verb} {rebuilt} of {total} layers"
    if rebuilt:
        text += f", {describe_cost(sim.bytes_rebuilt)}"
        pushed = sim.bytes_pushed
        if pushed.high != 0:
            text += f"; re-push {describe_cost(pushed)} compressed"
    if sim.maybe:
        text += f"; {len(sim.maybe)} more may rebuild (remote sources)"
    return text[0].upper() + text[1:] + "."


def what_if_line(sim: Simulation, what_if: Counterfactual) -> str:
    other = what_if.simulation
    rebuilt = len(other.rebuilt)
    noun = "layer" if rebuilt == 1 else "layers"
    text = f"{what_if.description[0].upper()}{what_if.description[1:]} would rebuild {rebuilt} {noun}"
    if rebuilt:
        text += f", {describe_cost(other.bytes_rebuilt)}"
    return text + f" (instead of {len(sim.rebuilt)})."


# --------------------------------------------------------------------------- text

_MARK = {"reused": "=", "rebuilt": "*", "changed": "*", "maybe": "?", "config": "·"}


def render(sim: Simulation, found: Collected, what_if: Counterfactual | None, *, color: bool = False) -> str:
    """The Dockerfile, line by line: ``!`` first rebuilt, ``*`` rebuilt, ``?`` may rebuild,
    ``=`` reused (dimmed), ``·`` config only; the cause under each stage's first rebuild."""
    from layerlint.report import Style

    style = Style(color)
    build = sim.build
    src = build.dockerfile.source
    target = build.target_stage
    label = (target.name or f"stage {target.index}") if target is not None else "-"
    out = [style(src.path, "bold") + f"  (builder: {build.builder}, target: {label})"]
    out.extend(_change_lines(found, style))
    out.append("")
    by_line: dict[int, tuple[Verdict, bool, bool]] = {}
    notes: dict[int, str] = {}
    for result in sim.stages:
        first, maybe = result.first_invalidated, result.first_maybe
        for v in result.verdicts:
            start = src.position(v.instruction.span.start).line
            end = src.position(max(v.instruction.span.start, v.instruction.span.end - 1)).line
            for n in range(start, end + 1):
                by_line[n] = (v, v is first, result.built)
            note = v is first or (v is maybe and first is None) or (v.status == "config" and v.edited)
            if note and v.cause is not None:
                notes[end] = v.cause.text
    width = len(str(len(src.line_starts)))
    for n in range(1, len(src.line_starts) + (0 if src.text.endswith("\n") else 1)):
        line = src.line_text(n)
        entry = by_line.get(n)
        if entry is None:
            out.append(style(f"{n:>{width}}    {line}", "dim"))
            continue
        v, first, built = entry
        mark = "!" if first else _MARK.get(v.status, " ")
        row = f"{n:>{width}} {mark}  {line}"
        if not built:
            out.append(style(row, "dim"))
        elif first:
            out.append(style(row, "red", "bold"))
        elif v.status in ("rebuilt", "changed"):
            out.append(style(row, "yellow"))
        elif v.status == "maybe":
            out.append(style(row, "magenta"))
        else:
            out.append(style(row, "dim"))
        if n in notes:
            out.append(style(" " * (width + 4) + "└─ " + notes[n], "cyan" if built else "dim"))
    out.append("")
    for result in sim.stages:
        out.append(_stage_line(result, sim, style))
    out.append("")
    out.append(style(summary_line(sim, found), "bold"))
    if what_if is not None:
        out.append(what_if_line(sim, what_if))
    for note in sim.notes:
        out.append(style(f"note: {note}", "dim"))
    return "\n".join(out) + "\n"


def _change_lines(found: Collected, style: Any) -> list[str]:
    out = []
    if found.files:
        out.append(
            "changed: "
            + ", ".join(found.files[:8])
            + (f" and {len(found.files) - 8} more" if len(found.files) > 8 else "")
        )
    if found.flipped:
        out.append(f"sent or withheld by the changed .dockerignore: {len(found.flipped)} file(s)")
    if found.ignored:
        out.append(
            style(
                "not sent to the builder (.dockerignore): "
                + ", ".join(found.ignored[:5])
                + (" ..." if len(found.ignored) > 5 else ""),
                "dim",
            )
        )
    if found.outside:
        out.append(style(f"outside the build context (no effect): {len(found.outside)} file(s)", "dim"))
    return out


def _stage_line(result: Any, sim: Simulation, style: Any) -> str:
    stage = result.stage
    name = f"stage {stage.index}" + (f" {stage.name!r}" if stage.name else "")
    if not result.built:
        return style(f"{name}: not built for this target", "dim")
    layers = [v for v in result.verdicts if v.layer.value == "filesystem"]
    rebuilt = [v for v in layers if v.status == "rebuilt"]
    first = result.first_invalidated
    src = sim.build.dockerfile.source
    if first is None:
        text = f"{name}: all {len(layers)} layers reused"
        if result.first_maybe is not None:
            text += f" (line {src.position(result.first_maybe.instruction.span.start).line} may rebuild)"
        return text
    line = src.position(first.instruction.span.start).line
    return (
        f"{name}: rebuilds {len(rebuilt)} of {len(layers)} layers from line {line}: {describe_cost(sim.cost(rebuilt))}"
    )


# --------------------------------------------------------------------------- json


def _cost_doc(cost: Cost | None) -> dict[str, int | None] | None:
    return None if cost is None else {"low": cost.low, "estimate": cost.estimate, "high": cost.high}


def _verdict_doc(sim: Simulation, v: Verdict | None) -> dict[str, Any] | None:
    if v is None:
        return None
    src = sim.build.dockerfile.source
    cause = v.cause
    return {
        "line": src.position(v.instruction.span.start).line,
        "keyword": v.instruction.keyword,
        "reason": cause.text if cause is not None else None,
        "cause": cause.kind if cause is not None else None,
        "files": list(cause.files) if cause is not None else [],
        "names": list(cause.names) if cause is not None else [],
    }


def document(
    sim: Simulation, found: Collected, what_if: Counterfactual | None, *, since: str | None, context_dir: str
) -> dict[str, Any]:
    """The ``layerlint cache --format json`` object (a public contract: README)."""
    src = sim.build.dockerfile.source
    target = sim.build.target_stage
    stages = []
    for result in sim.stages:
        stage = result.stage
        instructions = []
        for v in result.verdicts:
            item = _verdict_doc(sim, v)
            assert item is not None
            item.update(
                {
                    "end_line": src.position(max(v.instruction.span.start, v.instruction.span.end - 1)).line,
                    "layer": v.layer.value,
                    "status": v.status,
                    "edited": v.edited,
                    "bytes": _cost_doc(v.size),
                    "compressed": _cost_doc(v.pushed),
                }
            )
            instructions.append(item)
        layers = [v for v in result.verdicts if v.layer.value == "filesystem"]
        stages.append(
            {
                "index": stage.index,
                "name": stage.name,
                "base": stage.base_expanded,
                "built": result.built,
                "in_image": stage.in_image,
                "first_invalidated": _verdict_doc(sim, result.first_invalidated),
                "first_maybe": _verdict_doc(sim, result.first_maybe),
                "layers": {"total": len(layers), "rebuilt": sum(v.status == "rebuilt" for v in layers)},
                "instructions": instructions,
            }
        )
    doc: dict[str, Any] = {
        "path": src.path,
        "builder": sim.build.builder,
        "target": (target.name if target.name is not None else target.index) if target is not None else None,
        "context": context_dir,
        "changes": {
            "since": since,
            "files": found.files,
            "ignored": found.ignored,
            "outside_context": found.outside,
            "dockerignore_flipped": found.flipped,
            "dockerfile": found.dockerfile,
            "build_args": [name for name, _ in sim.changes.args],
            "bases": list(sim.changes.bases),
        },
        "stages": stages,
        "summary": {
            "text": summary_line(sim, found),
            "layers": {"total": len(sim.layers()), "rebuilt": len(sim.rebuilt), "maybe": len(sim.maybe)},
            "bytes_rebuilt": _cost_doc(sim.bytes_rebuilt),
            "bytes_pushed": _cost_doc(sim.bytes_pushed),
        },
        "what_if": None,
        "notes": list(sim.notes),
    }
    if what_if is not None:
        other = what_if.simulation
        doc["what_if"] = {
            "description": what_if.description,
            "text": what_if_line(sim, what_if),
            "layers": {"total": len(other.layers()), "rebuilt": len(other.rebuilt)},
            "bytes_rebuilt": _cost_doc(other.bytes_rebuilt),
            "dockerfile": what_if.text,
        }
    return doc
