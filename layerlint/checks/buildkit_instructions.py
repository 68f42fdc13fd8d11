"""COPY/ADD sources hidden by .dockerignore, and EXPOSE written the way ``docker run -p`` is.

Values are expanded with the instruction's ARG/ENV scope first, as BuildKit does before it
runs these checks; a value resting on something unknown is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.compat_facts import expand
from layerlint.model import Instruction, Word
from layerlint.rule import Edit, Fix, Hit, RuleContext, check

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from layerlint.dockerignore import DockerIgnore

_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")
_ROOT_PATTERNS = frozenset({"*", "**", "**/*"})

# --------------------------------------------------------------------------- .dockerignore


def _dockerignore(ctx: RuleContext) -> DockerIgnore | None:
    def load() -> DockerIgnore | None:
        from layerlint.dockerignore import DockerIgnore

        if ctx.context_dir is None:
            return None
        ignore = DockerIgnore.for_build(ctx.context_dir, ctx.source.path)
        return ignore if any(p.error is None for p in ignore.patterns) else None

    return ctx.memo("buildkit.dockerignore", load)  # type: ignore[no-any-return]


def _literal_prefix(pattern: str) -> tuple[str, bool]:
    """The path elements before the first one with a wildcard, and whether there is a wildcard."""
    parts = pattern.split("/")
    for k, part in enumerate(parts):
        if any(c in part for c in "*?["):
            return "/".join(parts[:k]), True
    return pattern, False


def _at_or_below(path: str, base: str) -> bool:
    return not base or path == base or path.startswith(base + "/")


def _reincluded(ignore: DockerIgnore, source: str) -> bool:
    """Whether a ``!`` exception may bring back something at or below ``source``.

    Then what the source copies cannot be told from the patterns, and BuildKit stays silent.
    """
    source = source.lstrip("/")
    source = "" if source == "." else source
    for pattern in ignore.patterns:
        if pattern.error is not None or not pattern.exclusion:
            continue
        prefix, wildcard = _literal_prefix(pattern.text)
        if _at_or_below(prefix, source) or (wildcard and _at_or_below(source, prefix)):
            return True
    return False


def excluded_source(ignore: DockerIgnore, source: str) -> str | None:
    """The cleaned source path when .dockerignore excludes it (BuildKit's CopyIgnoredFile test)."""
    from layerlint.dockerignore import go_clean

    path = go_clean(source)
    if path in (".", "/") and not any(
        p.error is None and not p.exclusion and p.text in _ROOT_PATTERNS for p in ignore.patterns
    ):
        return None  # the context root only counts as excluded when everything is
    if _reincluded(ignore, path):
        return None
    return path if ignore.matches_or_parent_matches(path) else None


@check("LL535", instructions=("COPY", "ADD"))
def copied_path_excluded_by_dockerignore(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if ins.inner is not None or (ins.keyword == "COPY" and ins.flag("from") is not None):
        return
    ignore = _dockerignore(ctx)
    if ignore is None:
        return
    for word in ins.args[:-1]:
        if word.raw.startswith("<<"):
            continue
        value = expand(ctx, ins, word.raw)
        if not value or value.startswith(_REMOTE):
            continue
        path = excluded_source(ignore, value)
        if path is not None:
            yield ctx.hit(
                word.span,
                f"`{path}` is excluded by .dockerignore, so the build context does not hold it: "
                f"this {ins.keyword} fails or copies less than it names",
                None,
                ins,
            )


# --------------------------------------------------------------------------- EXPOSE


def _exposed(ctx: RuleContext, ins: Instruction) -> Iterator[tuple[Word, str, bool]]:
    """Each port spec of an EXPOSE after expansion, with its word and whether the word can be rewritten."""
    if ins.inner is not None:
        return
    for word in ins.args:
        if "$" not in word.raw:
            yield word, word.value, word.raw == word.value
            continue
        value = expand(ctx, ins, word.raw)
        for port in value.split() if value else ():
            yield word, port, False


@check("LL537", instructions=("EXPOSE",))
def expose_protocol_not_lowercase(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for word, port, fixable in _exposed(ctx, ins):
        number, _, proto = port.partition("/")
        if proto == proto.lower():
            continue
        fixed = f"{number}/{proto.lower()}"
        fix = Fix(f"Write {fixed}", (Edit(word.span, fixed),)) if fixable else None
        yield ctx.hit(word.span, f"protocol in `{port}` is not lower case: write `{proto.lower()}`", fix, ins)


@check("LL538", instructions=("EXPOSE",))
def expose_with_host_mapping(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    for word, port, fixable in _exposed(ctx, ins):
        if ":" not in port:
            continue
        container = port.rsplit(":", 1)[1]
        fix = Fix(f"Expose {container}", (Edit(word.span, container),)) if fixable else None
        yield ctx.hit(
            word.span,
            f"EXPOSE `{port}` names a host address or port: an image can only declare its own port, so only "
            f"`{container}` is exposed; publish host ports with `docker run -p`",
            fix,
            ins,
        )
