"""Variables used where BuildKit expands them but set nowhere before (BuildKit's ``UndefinedVar``).

BuildKit expands ``$NAME`` itself in ENV, LABEL, ARG defaults, ADD/COPY (sources, destination,
``--chown``, ``--chmod``, expanding heredocs), WORKDIR, USER, VOLUME and STOPSIGNAL; RUN, CMD and
ENTRYPOINT are left to the shell.  A name that is neither set by ARG/ENV in the stage (or a
parent stage), nor declared by an ARG, nor defined by the base image expands to an empty
string - almost always a typo or an ARG declared too late.

The base image's variables are known for scratch and for the Docker Official Images listed in
``buildkit_facts``; for any other image a name is only reported when it is within two edits of
a defined one, since the image may define it.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.buildkit_facts import did_you_mean, image_env, suggest
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check
from layerlint.source import Span

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from layerlint.expand import Scope

_NON_ENV_ARGS = frozenset({"BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"})
_WORD_INSTRUCTIONS = frozenset({"WORKDIR", "USER", "VOLUME", "STOPSIGNAL"})

Found = list[tuple[Instruction, str, Span, "Scope"]]


def _stage_scope(glob: Scope, stage_base: str, parent: Scope | None) -> Scope:
    if parent is not None:
        return glob.enter_stage(parent)
    base = stage_base.strip()
    if base.lower() == "scratch":
        return glob.enter_stage(scratch=True)
    names = image_env(base)
    if names is None:
        return glob.enter_stage()
    return glob.enter_stage(image_env={name: "" for name in names if name != "PATH"})


def _check_word(scope: Scope, ins: Instruction, text: str, span: Span, found: Found, skip: frozenset[str] = frozenset()) -> None:
    from layerlint.expand import ExpansionError

    if "$" not in text:
        return
    names: list[str] = []
    try:
        scope.expand(text, unresolved=names.append)
    except ExpansionError:
        return
    found.extend((ins, name, span, scope) for name in names if name not in skip)


def _visit(ctx: RuleContext, ins: Instruction, scope: Scope, found: Found) -> Scope:
    """Record the unresolved names of one instruction; return the scope after it."""
    from layerlint.expand import ExpansionError, expand_heredoc

    keyword = ins.keyword
    if keyword == "ENV":
        assigned: set[str] = set()
        for pair in ins.pairs:
            # A name set earlier in the same ENV is env-refers-to-same-instruction's finding.
            skip = frozenset(assigned)
            _check_word(scope, ins, pair.key, pair.key_span, found, skip)
            _check_word(scope, ins, pair.value or "", pair.value_span or pair.span, found, skip)
            assigned.add(pair.key)
        try:
            return scope.with_env([(p.key, p.value or "") for p in ins.pairs])
        except ExpansionError:
            return scope
    if keyword == "ARG":
        for pair in ins.pairs:
            unresolved: list[str] = []
            try:
                after = scope.with_arg(pair.key, pair.value, unresolved=unresolved.append)
            except ExpansionError:
                continue
            found.extend((ins, name, pair.value_span or pair.span, scope) for name in unresolved)
            scope = after
        return scope
    if keyword == "LABEL":
        for pair in ins.pairs:
            _check_word(scope, ins, pair.key, pair.key_span, found)
            _check_word(scope, ins, pair.value or "", pair.value_span or pair.span, found)
    elif keyword in ("COPY", "ADD"):
        for flag in ins.flags:
            if flag.name in ("chown", "chmod") and flag.value:
                _check_word(scope, ins, flag.raw.partition("=")[2], flag.span, found)
        for word in ins.args:
            if not word.raw.startswith("<<"):
                _check_word(scope, ins, word.raw, word.span, found)
        for doc in ins.heredocs:
            if doc.expand and "$" in doc.content:
                names: list[str] = []
                try:
                    expand_heredoc(doc.content, scope.env, unresolved=names.append)
                except ExpansionError:
                    continue
                found.extend((ins, name, doc.word_span, scope) for name in names)
    elif keyword in _WORD_INSTRUCTIONS:
        for word in ins.args:
            _check_word(scope, ins, word.value if ins.exec_form else word.raw, word.span, found)
    return scope


def _undefined(ctx: RuleContext) -> Found:
    from layerlint.expand import ExpansionError, Scope

    build = ctx.build
    glob = Scope.initial(build.build_args, escape=ctx.dockerfile.escape)
    for pair in build.global_args:
        try:
            glob = glob.with_arg(pair.key, pair.value)
        except ExpansionError:
            continue
    found: Found = []
    ends: dict[int, Scope] = {}
    for stage in build.stages:
        parent = ends.get(stage.base_stage) if stage.base_stage is not None else None
        scope = _stage_scope(glob, stage.base_expanded, parent)
        for ins in stage.instructions[1:]:
            if ins.inner is None:
                scope = _visit(ctx, ins, scope, found)
        ends[stage.index] = scope
    return found


def _reportable(name: str, scope: Scope) -> tuple[bool, str]:
    """Whether an unresolved name is a finding, and the suggestion to show."""
    if not (name[0].isalpha() or name[0] == "_") or name in scope.declared_args or name in _NON_ENV_ARGS:
        return False, ""
    options = set(scope.env)
    if not scope.base_env_known and suggest(name, options) is None:
        return False, ""  # the base image may well define it
    return True, did_you_mean(name, options, "$")


@check("LL533")
def undefined_variable(ctx: RuleContext) -> Iterator[Hit]:
    seen: set[tuple[int, str]] = set()
    for ins, name, span, scope in _undefined(ctx):
        if (ins.index, name) in seen:
            continue
        seen.add((ins.index, name))
        report, hint = _reportable(name, scope)
        if report:
            yield ctx.hit(span, f"`${name}` is not set at this point{hint}: {ins.keyword} gets an empty string", None, ins)
