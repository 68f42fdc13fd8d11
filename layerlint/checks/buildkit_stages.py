"""FROM lines as BuildKit's build checks judge them: stage names, ``AS`` casing, ARGs and platforms.

FROM words see only the global ARGs (those before the first FROM) and the automatic platform
ARGs; BuildKit expands them before it resolves the base image, and so do these checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.checks.buildkit_facts import casing, did_you_mean, keyword_casing, valid_image_reference
from layerlint.model import Flag, Instruction, Word
from layerlint.rule import Edit, Fix, Hit, RuleContext, check
from layerlint.source import Span

RESERVED_STAGE_NAMES = frozenset({"scratch", "context"})
# BuildKit's automatic ARGs in FROM lines (``defaultArgs``), the OS-version pair included.
AUTOMATIC_ARGS = frozenset(
    {
        "BUILDPLATFORM", "BUILDOS", "BUILDOSVERSION", "BUILDARCH", "BUILDVARIANT",
        "TARGETPLATFORM", "TARGETOS", "TARGETOSVERSION", "TARGETARCH", "TARGETVARIANT", "TARGETSTAGE",
    }
)  # fmt: skip


def _as_word(ins: Instruction) -> Word | None:
    """The ``AS`` keyword of ``FROM image AS name``."""
    args = ins.args
    if ins.inner is None and len(args) == 3 and args[1].raw.upper() == "AS":
        return args[1]
    return None


def _stage_name_word(ins: Instruction) -> Word | None:
    return ins.args[2] if _as_word(ins) is not None else None


def _replace(word: Word, text: str, title: str) -> Fix:
    return Fix(title, (Edit(word.span, text),))


def _flag_text(flag: Flag) -> str:
    """A flag's value as written (quotes and variables kept)."""
    return flag.raw.partition("=")[2]


# --------------------------------------------------------------------------- names and casing


@check("LL140", instructions=("FROM",))
def stage_name_not_lowercase(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    word = _stage_name_word(ins)
    if word is None or word.raw == word.raw.lower():
        return
    lower = word.raw.lower()
    yield ctx.hit(
        word.span,
        f"stage name `{word.raw}` is not lower case: BuildKit stores it as `{lower}`, so other spellings only mislead",
        _replace(word, lower, f"Rename the stage to {lower}"),
        ins,
    )


@check("LL530", instructions=("FROM",))
def from_as_casing_mismatch(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    word = _as_word(ins)
    keyword = ins.keyword_raw
    if word is None:
        return
    case = casing(keyword)
    if case is None:
        return  # a mixed-case keyword is LL532's concern
    if casing(word.raw) == case:
        return
    yield ctx.hit(word.span, f"`{word.raw}` is cased differently from `{keyword}` on the same line", _as_fix(ctx, ins, word), ins)


def _as_fix(ctx: RuleContext, ins: Instruction, word: Word) -> Fix:
    """Write ``AS`` like ``FROM`` - unless ``FROM`` breaks the file's keyword casing: then both follow the file.

    Matching a ``from`` that inconsistent-instruction-casing is about to make ``FROM`` would
    only trade one mismatch for another.
    """
    majority = keyword_casing(ctx)[0]
    target = majority if casing(ins.keyword_raw) != majority else casing(ins.keyword_raw)
    edits = []
    if casing(ins.keyword_raw) != target:
        edits.append(Edit(ins.keyword_span, ins.keyword if target == "upper" else ins.keyword.lower()))
    wanted = word.raw.upper() if target == "upper" else word.raw.lower()
    if wanted != word.raw:
        edits.append(Edit(word.span, wanted))
    return Fix(f"Write {ins.keyword if target == 'upper' else ins.keyword.lower()} ... {wanted}", tuple(edits))


@check("LL141", instructions=("FROM",))
def reserved_stage_name(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    word = _stage_name_word(ins)
    if word is None or word.value.lower() not in RESERVED_STAGE_NAMES:
        return
    name = word.value.lower()
    yield ctx.hit(
        word.span,
        f"`{name}` is a reserved name (`FROM {name}` and `--from={name}` mean the built-in one), so this stage cannot be referenced",
        None,
        ins,
    )


# --------------------------------------------------------------------------- ARGs in FROM


def _from_words(ins: Instruction) -> Iterator[tuple[str, Span]]:
    """The texts BuildKit expands on a FROM line: the image and ``--platform``."""
    if ins.args:
        yield ins.args[0].raw, ins.args[0].span
    flag = ins.flag("platform")
    if flag is not None and flag.value:
        yield _flag_text(flag), flag.span


@check("LL142", instructions=("FROM",))
def undefined_arg_in_from(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    from layerlint.expand import ExpansionError, process_word

    if ins.inner is not None:
        return
    declared = AUTOMATIC_ARGS | {pair.key for pair in ctx.build.global_args}
    for text, span in _from_words(ins):
        if "$" not in text:
            continue
        missing: list[str] = []
        try:
            process_word(text, ctx.build.global_env, ctx.dockerfile.escape, unresolved=missing.append)
        except ExpansionError:
            continue
        for name in missing:
            if name in declared or not (name[0].isalpha() or name[0] == "_"):
                continue
            yield ctx.hit(
                span,
                f"`${name}` is not a global ARG, so FROM expands it to an empty string{did_you_mean(name, declared)}",
                None,
                ins,
            )


def _default_globals(ctx: RuleContext) -> dict[str, str]:
    """Global ARG values from their defaults alone, as if no --build-arg were given."""
    from layerlint.expand import ExpansionError, Scope

    def compute() -> dict[str, str]:
        scope = Scope.initial(escape=ctx.dockerfile.escape)
        for pair in ctx.build.global_args:
            try:
                scope = scope.with_arg(pair.key, pair.value)
            except ExpansionError:
                return {}
        return dict(scope.global_args)

    return ctx.memo("buildkit.default_globals", compute)  # type: ignore[no-any-return]


@check("LL144", instructions=("FROM",))
def invalid_default_arg_in_from(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    from layerlint.expand import ExpansionError, process_word

    if ins.inner is not None or not ins.args or "$" not in ins.args[0].raw:
        return
    word = ins.args[0]
    env = _default_globals(ctx)
    if not env:
        return
    try:
        value = process_word(word.raw, env, ctx.dockerfile.escape)
    except ExpansionError:
        return
    if valid_image_reference(value):
        return
    shown = f"`{value}`" if value else "an empty name"
    yield ctx.hit(
        word.span,
        f"with the ARG defaults `{word.raw}` becomes {shown}, not an image name: the build fails unless --build-arg is given",
        None,
        ins,
    )


# --------------------------------------------------------------------------- --platform


@check("LL143", instructions=("FROM",))
def redundant_target_platform(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    from layerlint.expand import ExpansionError, process_word, referenced_names

    flag = ins.flag("platform")
    if ins.inner is not None or flag is None or not flag.value:
        return
    text = _flag_text(flag)
    env = ctx.build.global_env
    missing: list[str] = []
    try:
        value = process_word(text, env, ctx.dockerfile.escape, unresolved=missing.append)
    except ExpansionError:
        return
    if missing or referenced_names(text, ctx.dockerfile.escape) != {"TARGETPLATFORM"} or value != env.get("TARGETPLATFORM"):
        return
    end = flag.span.end
    rest = ctx.source.text
    while end < len(rest) and rest[end] in " \t":
        end += 1
    yield ctx.hit(
        flag.span,
        f"--platform={text} asks for the target platform, which FROM already uses: the flag only adds noise",
        Fix("Remove the --platform flag", (Edit(Span(flag.span.start, end), ""),)),
        ins,
    )
