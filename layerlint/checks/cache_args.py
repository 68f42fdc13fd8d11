"""Per-build values declared above the layers they invalidate (LL203).

The BuildKit rule, from ``frontend/dockerfile/dockerfile2llb/convert.go``: ``dispatchArg``
adds every ARG that has a value (a default, a ``--build-arg`` or the inherited global
value) to the stage's LLB state with ``AddEnv``; ``dispatchEnv`` does the same for ENV.
``dispatchRun`` builds the ExecOp from that state, and an ExecOp's definition - hence its
cache key - includes its whole environment.  So a new value re-runs *every* later RUN of
the stage whether or not it mentions the variable, and the layers after it follow.  COPY,
ADD and WORKDIR are file operations whose keys hold no environment: they only change when
the value is expanded into their arguments.  Docker's reference says the same ("Impact on
build caching": all RUN instructions following an ARG use it implicitly).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.lazyre import lazy
from layerlint.model import Instruction, Stage
from layerlint.rule import Hit, RuleContext, check
from layerlint.source import Span

_REF = lazy(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_WORDS = lazy(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")

# Words that may surround the marker of a per-build value; any other word makes the name
# about something else (PROTOBUF_COMMIT pins a dependency, WAIT_TIME is a setting).
_QUALIFIERS = frozenset(
    {
        "build", "git", "vcs", "source", "src", "ci", "image", "app", "application", "release", "project",
        "service", "short", "long", "full", "head", "current", "latest", "compile", "pipeline", "job", "run",
        "workflow", "hash", "repo", "repository", "docker", "container", "label", "oci", "commit", "sha",
        "github", "gitlab", "circle", "circleci", "drone", "travis", "jenkins", "bitbucket", "buildkite",
        "codebuild", "teamcity", "azure", "semantic", "sem", "date", "datetime", "timestamp", "time", "created",
        "revision", "rev", "ref", "number", "num", "id", "version", "ver", "tag", "epoch"
    }
)
_ALWAYS = frozenset({"date", "datetime", "timestamp", "commit", "sha", "revision", "rev", "hash"})
_NEEDS = {
    "time": {"build", "compile", "release", "commit", "created", "image"},
    "created": {"build", "image"},
    "ref": {"git", "vcs", "source", "commit", "head"},
    "id": {"build", "run", "pipeline", "job", "workflow", "commit"},
    "number": {"build", "run", "pipeline", "job", "workflow"},
    "num": {"build", "run", "pipeline", "job", "workflow"},
    "tag": {"git", "image", "release", "docker", "build"},
    "epoch": {"build", "commit"},
}
_VERSION_ONLY = frozenset({"version", "ver", "app", "application", "build", "release", "image", "project", "service",
                           "git", "ci", "semantic", "sem", "full", "short"})
_EXEMPT = frozenset({"SOURCE_DATE_EPOCH"})  # set per commit on purpose, for reproducible output


def name_words(name: str) -> list[str]:
    """``GIT_COMMIT`` -> ``[git, commit]``; ``buildDate`` -> ``[build, date]``."""
    return [w.lower() for w in _WORDS.findall(name.replace("-", "_"))]


_PER_COMMIT = frozenset({"commit", "sha", "revision", "rev", "hash", "ref", "tag", "version", "ver"})


def volatility(name: str, extra: frozenset[str] = frozenset()) -> str | None:
    """``"build"`` for a value that changes on every build (a date, a build number),
    ``"commit"`` for one that follows the sources (a commit hash, a version), else None."""
    if name.upper() in extra:
        return "build"
    if name.upper() in _EXEMPT:
        return None
    words = name_words(name)
    if not words or any(w not in _QUALIFIERS for w in words):
        return None
    present = set(words)
    volatile = bool(present & _ALWAYS) or words == ["created"]
    volatile = volatile or any(m in present and (present - {m}) & partners for m, partners in _NEEDS.items())
    volatile = volatile or bool(present & {"version", "ver"}) and present <= _VERSION_ONLY
    if not volatile:
        return None
    dated = present & {"date", "datetime", "timestamp", "time", "created", "epoch", "id", "number", "num"}
    return "commit" if present & _PER_COMMIT and not dated else "build"


def is_volatile(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """Whether a variable name says its value changes from one build to the next."""
    return volatility(name, extra) is not None


class _Value:
    """One per-build value: where it was declared and what it reached."""

    __slots__ = ("name", "declared", "span", "names", "per_commit", "needless", "carriers", "labels", "used_at")

    def __init__(self, name: str, declared: Instruction, span: Span, names: set[str], per_commit: bool) -> None:
        self.name, self.declared, self.span, self.names, self.per_commit = name, declared, span, names, per_commit
        self.needless: list[Instruction] = []
        self.carriers: list[Instruction] = []
        self.labels: list[Instruction] = []  # LABELs using it: metadata, free to move
        self.used_at: Instruction | None = None


def _references(ins: Instruction, text: str) -> set[str]:
    found = set(_REF.findall(text))
    for doc in ins.heredocs:
        found |= set(_REF.findall(doc.content))
    return found


@check("LL203")
def volatile_arg_declared_early(ctx: RuleContext) -> Iterator[Hit]:
    extra = frozenset(str(n).upper() for n in (ctx.option("extra-names") or ()))
    for stage in ctx.build.stages:
        for value in _track(ctx, stage, extra):
            if value.needless:
                yield ctx.hit(value.span, _message(ctx, value), instruction=value.declared)


def _track(ctx: RuleContext, stage: Stage, extra: frozenset[str]) -> list[_Value]:
    values: list[_Value] = []
    active: dict[str, _Value] = {}
    sources_copied = False
    for ins in stage.instructions[1:]:
        if ins.keyword == "ONBUILD":
            continue
        if ins.keyword in ("ARG", "ENV"):
            for pair in ins.pairs:
                refs = set(_REF.findall(pair.value or ""))
                carried = next((active[r] for r in refs if r in active), None)
                if carried is not None:
                    carried.names.add(pair.key)
                    active[pair.key] = carried
                    if carried.used_at is None and ins not in carried.carriers:
                        carried.carriers.append(ins)
                elif ins.keyword == "ARG" and volatility(pair.key, extra):
                    if pair.key not in active:
                        per_commit = volatility(pair.key, extra) == "commit"
                        value = _Value(pair.key, ins, pair.key_span, {pair.key}, per_commit)
                        values.append(value)
                        active[pair.key] = value
                else:
                    active.pop(pair.key, None)
            continue
        refs = _references(ins, ctx.source.slice(ins.span))
        for name, value in list(active.items()):
            if value.used_at is not None:
                continue
            if refs & value.names and ins.keyword == "LABEL":
                value.labels.append(ins)
            elif refs & value.names:
                value.used_at = ins
            elif ins.keyword == "RUN" and not (value.per_commit and sources_copied):
                value.needless.append(ins)
        sources_copied = sources_copied or _copies_sources(ins)
    return values


def _copies_sources(ins: Instruction) -> bool:
    """A COPY/ADD of the context root or of a directory: it changes with most commits, so a
    value that follows the commit (a hash, a version) costs nothing more after it."""
    if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None:
        return False
    for word in ins.args[:-1]:
        text = word.value.rstrip("/") if word.value not in ("/",) else "."
        base = text.rsplit("/", 1)[-1]
        if text in (".", "", "*") or word.value.endswith("/") or "." not in base:
            return True
    return False


def _message(ctx: RuleContext, value: _Value) -> str:
    first = value.needless[0]
    line = ctx.source.position(first.span.start).line
    quote = ctx.source.slice(first.span).split("\n", 1)[0].rstrip(" \\")
    if len(quote) > 40:
        quote = quote[:39].rstrip() + "…"
    head = (
        f"`{value.name}` looks like it changes every build, and BuildKit puts each declared ARG in the environment "
        f"of every later RUN: a new value re-runs line {line} `{quote}` and every layer after it"
    )
    moved = ["it"]
    if value.carriers:
        lines = ", ".join(str(ctx.source.position(c.span.start).line) for c in value.carriers)
        moved.append(f"the {value.carriers[0].keyword} on line {lines} that copies it")
    if value.labels:
        lines = ", ".join(str(ctx.source.position(c.span.start).line) for c in value.labels)
        moved.append(f"the LABEL on line {lines}")
    what = moved[0] if len(moved) == 1 else f"{moved[0]} (with {' and '.join(moved[1:])})"
    if value.used_at is not None:
        use = ctx.source.position(value.used_at.span.start).line
        return f"{head}, though nothing needs it before line {use}. Declare {what} just before line {use}."
    if value.labels:
        return f"{head}, though only a LABEL uses it. Move {what} to the end of the stage."
    return (
        f"{head}, though nothing in the stage names it. Declare {what} just before the RUN whose script reads it, "
        f"or remove it."
    )
