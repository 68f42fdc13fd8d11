"""What COPY and ADD feed into the cache (LL204, LL205, LL211).

A COPY's cache key is the checksum of the files it copies, so whatever lands in the build
context (a ``.git`` directory, ``node_modules``, build output) decides how often the COPY
and every layer after it rebuild.  A remote ADD is keyed by what the server answers on
each build, unless ``--checksum`` pins it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from layerlint.checks.cache import instruction_quote
from layerlint.checks.cache_model import (
    BuildContext,
    Step,
    build_context,
    copy_at,
    fits,
    is_git_source,
    is_url,
    mount_flag,
    mounts,
    steps,
)
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check
from layerlint.source import Span

# --------------------------------------------------------------------------- LL204

_COMMIT = r"^[0-9a-fA-F]{40}([0-9a-fA-F]{24})?$"
_MOVING_REFS = frozenset({"", "main", "master", "develop", "development", "dev", "trunk", "head", "latest", "stable",
                          "next", "nightly", "edge"})  # fmt: skip


def _split(url: str):  # type: ignore[no-untyped-def]
    """``urlsplit`` that never raises: a malformed URL (``https://[host/x``) reads as having no parts."""
    from urllib.parse import urlsplit

    try:
        return urlsplit(url)
    except ValueError:
        return urlsplit("")


def _git_ref(url: str) -> tuple[str, bool]:
    """(the ref a git source names, whether a commit pins it)."""
    from urllib.parse import parse_qs  # urllib.parse only when a git source is linted

    base, _, fragment = url.partition("#")
    query = parse_qs(_split(base).query)
    if query.get("checksum") or query.get("commit"):
        return "", True
    ref = fragment.split(":", 1)[0]
    for key in ("ref", "branch", "tag"):
        if query.get(key):
            ref = query[key][0]
    return ref, bool(re.match(_COMMIT, ref))


@check("LL204", instructions=("ADD",))
def remote_source_not_pinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ins = ins.effective
    if ins.flag("checksum") is not None or len(ins.args) < 2:
        return
    for word in ins.args[:-1]:
        url = word.value
        if is_git_source(url):
            ref, pinned = _git_ref(url)
            moving = ref.lower() in _MOVING_REFS or ref.startswith("refs/heads/") or "branch=" in url
            if pinned or not moving:
                continue
            shown = f"`{ref}`" if ref else "the default branch"
            message = (
                f"BuildKit asks the remote which commit {shown} points to on every build and fetches again when it "
                f"moved, so this layer and every layer after it change with no edit here. Pin a commit: "
                f"`#<full commit sha>` (or `?checksum=<sha>`)."
            )
            yield ctx.hit(word.span, message, instruction=ins)
        elif is_url(url):
            host = _split(url).hostname or "the server"
            message = (
                f"without --checksum, BuildKit contacts {host} on every build (a HEAD with the saved ETag, or a full "
                f"download when the server sends none) and rebuilds this layer and all after it whenever the bytes or "
                f"their Last-Modified date change; nothing checks what arrives. Add --checksum=sha256:<digest>, which "
                f"also lets a cached build skip the request."
            )
            yield ctx.hit(word.span, message, instruction=ins)


# --------------------------------------------------------------------------- whole-context copies


def _whole_context_copies(ctx: RuleContext) -> list[tuple[Step, Span]]:
    """COPY/ADD of the context root and RUN binds of it, with the span of the source."""
    found: list[tuple[Step, Span]] = []
    for stage in ctx.build.stages:
        for step in steps(ctx, stage):
            if step.stage is not stage:
                continue
            op = copy_at(ctx, step)
            if op is not None:
                for source in op.sources:
                    if source.whole_context:
                        found.append((step, step.ins.args[source.word_index].span))
                        break
                continue
            if step.ins.keyword == "RUN":
                for mount in mounts(step.ins):
                    if mount.type == "bind" and not mount.from_ and not (mount.source or ".").strip("./"):
                        found.append((step, mount_flag(step.ins, mount).span))
    return found


_NOTABLE = (".git", "node_modules", ".env", ".venv", "venv", "__pycache__", "dist", "build", "target", "coverage",
            ".terraform", ".idea", ".vscode", ".DS_Store")  # fmt: skip


def _parent_dockerignore(ctx: RuleContext, root: str) -> bool:
    """A .dockerignore in a directory above that could be the real context (it holds every
    literal COPY source too): the build may well send that directory instead."""
    current = os.path.abspath(root)
    for _ in range(4):
        if os.path.exists(os.path.join(current, ".git")):
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent
        if os.path.isfile(os.path.join(current, ".dockerignore")) and fits(ctx, current):
            return True
    return False


def _whole_copies(ctx: RuleContext, with_dockerignore: bool) -> tuple[BuildContext, list[tuple[Step, Span]]] | None:
    """The trusted context and its whole-context copies, when a .dockerignore is (or is not) there."""
    context = build_context(ctx)
    if context is None or (context.dockerignore_path() is not None) != with_dockerignore:
        return None
    copies = _whole_context_copies(ctx)
    return (context, copies) if copies else None


@check("LL205")
def whole_context_without_dockerignore(ctx: RuleContext) -> Iterator[Hit]:
    found = _whole_copies(ctx, with_dockerignore=False)
    if found is None or _parent_dockerignore(ctx, found[0].root):
        return
    context, copies = found
    step, span = copies[0]
    present = [name for name in _NOTABLE if context.exists(name)]
    if present:
        listed = ", ".join(f"{n}/" if context.isdir(n) else n for n in present[:4])
        what = f"everything in the context, including {listed}"
        if ".git" in present:
            what += " (git rewrites .git on every commit)"
    else:
        what = "every file in the context, this Dockerfile included"
    more = f" (and {len(copies) - 1} more whole-context copies)" if len(copies) > 1 else ""
    message = (
        f"there is no .dockerignore, so `{instruction_quote(ctx, step)}`{more} sends and layers {what}: a change to "
        f"any of them re-runs this step and every layer after it. Add a .dockerignore listing .git, build output, "
        f"dependency folders and secrets."
    )
    yield ctx.hit(span, message, instruction=step.ins)


@check("LL211")
def git_directory_in_copied_context(ctx: RuleContext) -> Iterator[Hit]:
    found = _whole_copies(ctx, with_dockerignore=True)
    if found is None or not found[0].exists(".git") or found[0].ignored(".git"):
        return
    copies = found[1]
    step, span = copies[0]
    message = (
        f".dockerignore does not exclude .git, so `{instruction_quote(ctx, step)}` copies the repository's history: "
        f"git rewrites files in .git on every commit (and its index on a mere `git status`), so this step and every "
        f"layer after it rebuild even when no source changed. Add `.git` to .dockerignore."
    )
    yield ctx.hit(span, message, instruction=step.ins)
