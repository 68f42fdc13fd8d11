"""The parsed Dockerfile: immutable values with exact spans.

Everything downstream (build model, shell facts, size estimates, rules, fixes, the language
server) reads these types and nothing else from the parser, so they are frozen and slotted:
cheap to create by the thousand and safe to share between rules.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import Enum

from layerlint.source import Frozen, SourceFile, Span, Value, _set

_INF = float("inf")


class LayerKind(str, Enum):
    """What an instruction contributes to the image (see ``layerlint.build``)."""

    BASE = "base"
    FILESYSTEM = "filesystem"
    METADATA = "metadata"


# The value types below are ``Frozen`` slotted classes with hand-written ``__init__`` rather
# than ``@dataclass(frozen=True, slots=True)``: same fields, order, equality, hashing, repr
# and ``dataclasses.replace`` support, without compiling generated code at every start-up
# (see ``layerlint.source.Value``).


class Mapped(Frozen):
    """Text assembled from pieces of the source, with the way back to source offsets.

    BuildKit joins continuation lines before it reads an instruction's arguments, so the
    joined text no longer lines up with the file.  ``pieces`` records, for each contiguous
    run of the joined text, where that run starts in the source, so a finding inside a RUN
    command can still point at the exact column of the exact physical line.
    """

    __slots__ = ("text", "pieces")
    text: str
    pieces: tuple[tuple[int, int], ...]  # (offset in text, offset in source), ascending

    def __init__(self, text: str, pieces: tuple[tuple[int, int], ...]) -> None:
        _set(self, "text", text)
        _set(self, "pieces", pieces)

    def to_source(self, index: int) -> int:
        """Source offset of character ``index`` of ``text`` (``len(text)`` maps past the end)."""
        pieces = self.pieces
        if len(pieces) == 1:
            return pieces[0][1] + index - pieces[0][0]
        if not pieces:
            return 0
        # At a piece boundary the end of the previous piece is the better answer for an end offset.
        i = max(0, bisect_right(pieces, (index, _INF)) - 1)
        text_start, source_start = pieces[i]
        return source_start + (index - text_start)

    def span(self, start: int, end: int) -> Span:
        """Source span of ``text[start:end]``."""
        src_start = self.to_source(start)
        src_end = self.to_source(end - 1) + 1 if end > start else src_start
        return Span(src_start, max(src_start, src_end))

    @staticmethod
    def plain(text: str, source_start: int) -> Mapped:
        return Mapped(text, ((0, source_start),))


class Word(Frozen):
    """One argument word: ``raw`` as written (quotes kept), ``value`` with quotes removed.

    Variables are not expanded here; ``layerlint.expand`` does that with the stage's
    ARG/ENV scope when a check needs the built value.
    """

    __slots__ = ("raw", "value", "span")
    raw: str
    value: str
    span: Span

    def __init__(self, raw: str, value: str, span: Span) -> None:
        _set(self, "raw", raw)
        _set(self, "value", value)
        _set(self, "span", span)


class Flag(Frozen):
    """A leading ``--name[=value]`` option of an instruction."""

    __slots__ = ("name", "value", "span", "raw")
    name: str
    value: str | None
    span: Span
    raw: str

    def __init__(self, name: str, value: str | None, span: Span, raw: str) -> None:
        _set(self, "name", name)
        _set(self, "value", value)
        _set(self, "span", span)
        _set(self, "raw", raw)

    @property
    def text(self) -> str:
        """The flag as BuildKit dumps it (``--name=value``), quotes already removed."""
        return f"--{self.name}" if self.value is None else f"--{self.name}={self.value}"


class KeyValue(Frozen):
    """One ``key=value`` (or legacy ``key value``) pair of ENV, LABEL or ARG.

    ``value`` is raw (quotes kept) as BuildKit stores it; ``None`` for an ARG without a default.
    ``sep`` is ``"="`` for the modern form and ``""`` for the legacy space-separated form.
    """

    __slots__ = ("key", "value", "sep", "span", "key_span", "value_span")
    key: str
    value: str | None
    sep: str
    span: Span
    key_span: Span
    value_span: Span | None

    def __init__(self, key: str, value: str | None, sep: str, span: Span, key_span: Span, value_span: Span | None) -> None:
        _set(self, "key", key)
        _set(self, "value", value)
        _set(self, "sep", sep)
        _set(self, "span", span)
        _set(self, "key_span", key_span)
        _set(self, "value_span", value_span)


class Heredoc(Frozen):
    """A here-document attached to RUN, COPY or ADD.

    ``content`` is the raw body (before ``<<-`` tab chomping, as BuildKit keeps it);
    ``span`` covers the body and its terminator line; ``word_span`` the ``<<EOF`` word.
    """

    __slots__ = ("name", "content", "expand", "chomp", "file_descriptor", "word_span", "body_span", "span")
    name: str
    content: str
    expand: bool
    chomp: bool
    file_descriptor: int
    word_span: Span
    body_span: Span
    span: Span

    def __init__(
        self,
        name: str,
        content: str,
        expand: bool,
        chomp: bool,
        file_descriptor: int,
        word_span: Span,
        body_span: Span,
        span: Span,
    ) -> None:
        _set(self, "name", name)
        _set(self, "content", content)
        _set(self, "expand", expand)
        _set(self, "chomp", chomp)
        _set(self, "file_descriptor", file_descriptor)
        _set(self, "word_span", word_span)
        _set(self, "body_span", body_span)
        _set(self, "span", span)

    @property
    def text(self) -> str:
        """The body as the build sees it: leading tabs removed for ``<<-``."""
        if not self.chomp:
            return self.content
        return "".join(line.lstrip("\t") for line in self.content.splitlines(keepends=True))


class Comment(Frozen):
    """A ``#`` comment line (also those inside continuations), text without the ``#``."""

    __slots__ = ("text", "span")
    text: str
    span: Span

    def __init__(self, text: str, span: Span) -> None:
        _set(self, "text", text)
        _set(self, "span", span)


class Directive(Frozen):
    """A parser directive (``# syntax=``, ``# escape=``, ``# check=``) at the top of the file."""

    __slots__ = ("name", "value", "span")
    name: str
    value: str
    span: Span

    def __init__(self, name: str, value: str, span: Span) -> None:
        _set(self, "name", name)
        _set(self, "value", value)
        _set(self, "span", span)


class SyntaxIssue(Frozen):
    """A problem the parser recovered from; the file is still analysed around it.

    ``level`` is ``"parse"`` for what BuildKit's parser itself rejects and ``"instruction"``
    for the argument checks BuildKit makes when it turns the parse tree into instructions;
    both fail ``docker build``.
    """

    __slots__ = ("message", "span", "level")
    message: str
    span: Span
    level: str

    def __init__(self, message: str, span: Span, level: str = "parse") -> None:
        _set(self, "message", message)
        _set(self, "span", span)
        _set(self, "level", level)


class Instruction(Frozen):
    """One Dockerfile instruction.

    ``args`` follow BuildKit's per-instruction split (see ``layerlint.parse``): for a
    shell-form RUN/CMD/ENTRYPOINT it is one word holding the joined command, for exec form
    one word per JSON element.  ``command`` is the text after the flags with continuations
    joined, mapped back to the source so shell commands keep exact spans.
    """

    __slots__ = (
        "keyword",
        "keyword_raw",
        "span",
        "keyword_span",
        "flags",
        "args",
        "command",
        "exec_form",
        "heredocs",
        "pairs",
        "inner",
        "index",
    )
    keyword: str
    keyword_raw: str
    span: Span
    keyword_span: Span
    flags: tuple[Flag, ...]
    args: tuple[Word, ...]
    command: Mapped
    exec_form: bool
    heredocs: tuple[Heredoc, ...]
    pairs: tuple[KeyValue, ...]
    inner: Instruction | None
    index: int

    def __init__(
        self,
        keyword: str,
        keyword_raw: str,
        span: Span,
        keyword_span: Span,
        flags: tuple[Flag, ...],
        args: tuple[Word, ...],
        command: Mapped,
        exec_form: bool,
        heredocs: tuple[Heredoc, ...] = (),
        pairs: tuple[KeyValue, ...] = (),
        inner: Instruction | None = None,
        index: int = 0,
    ) -> None:
        _set(self, "keyword", keyword)
        _set(self, "keyword_raw", keyword_raw)
        _set(self, "span", span)
        _set(self, "keyword_span", keyword_span)
        _set(self, "flags", flags)
        _set(self, "args", args)
        _set(self, "command", command)
        _set(self, "exec_form", exec_form)
        _set(self, "heredocs", heredocs)
        _set(self, "pairs", pairs)
        _set(self, "inner", inner)
        _set(self, "index", index)

    def flag(self, name: str) -> Flag | None:
        """The last flag called ``name`` (later flags win, as in BuildKit)."""
        found = None
        for f in self.flags:
            if f.name == name:
                found = f
        return found

    def flags_named(self, name: str) -> tuple[Flag, ...]:
        return tuple(f for f in self.flags if f.name == name)

    @property
    def shell_form(self) -> bool:
        return not self.exec_form

    @property
    def effective(self) -> Instruction:
        """The instruction that runs: the trigger of an ONBUILD, else itself."""
        return self.inner if self.inner is not None else self


# Words every pragma comment holds: `# layerlint: ignore=`, `# hadolint ...`, BuildKit's `# check=`.
PRAGMA_WORDS = ("layerlint", "hadolint", "check")
CHECK_BUILD_ARG = "BUILDKIT_DOCKERFILE_CHECK"  # overrides the check directive, as in BuildKit


class Dockerfile(Frozen):
    """A whole parsed file: directives, instructions, comments and recovered errors."""

    __slots__ = ("source", "instructions", "directives", "comments", "errors", "escape")
    source: SourceFile
    instructions: tuple[Instruction, ...]
    directives: tuple[Directive, ...]
    comments: tuple[Comment, ...]
    errors: tuple[SyntaxIssue, ...]
    escape: str

    def __init__(
        self,
        source: SourceFile,
        instructions: tuple[Instruction, ...],
        directives: tuple[Directive, ...] = (),
        comments: tuple[Comment, ...] = (),
        errors: tuple[SyntaxIssue, ...] = (),
        escape: str = "\\",
    ) -> None:
        _set(self, "source", source)
        _set(self, "instructions", instructions)
        _set(self, "directives", directives)
        _set(self, "comments", comments)
        _set(self, "errors", errors)
        _set(self, "escape", escape)

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None

    def pragma_comments(self) -> tuple[Comment, ...]:
        """The comments that may carry a suppression or pragma: they name layerlint, hadolint or
        a BuildKit check (``layerlint.suppress`` reads no others, and most files have none)."""
        return tuple(c for c in self.comments if any(word in c.text.lower() for word in PRAGMA_WORDS))

    def may_have_pragmas(self, build_args: dict[str, str] | None = None) -> bool:
        """Whether ``layerlint.suppress`` can find anything: a pragma comment, the ``check``
        directive, or ``BUILDKIT_DOCKERFILE_CHECK`` among the build arguments."""
        return bool(
            self.pragma_comments() or self.directive("check") is not None or (build_args and CHECK_BUILD_ARG in build_args)
        )



class Layer(Frozen):
    """What one instruction adds to its stage's image."""

    __slots__ = ("instruction", "kind", "ordinal")
    instruction: Instruction
    kind: LayerKind
    ordinal: int | None  # 1-based count of created layers in the stage, None for metadata/base

    def __init__(self, instruction: Instruction, kind: LayerKind, ordinal: int | None) -> None:
        _set(self, "instruction", instruction)
        _set(self, "kind", kind)
        _set(self, "ordinal", ordinal)


class Stage(Value):
    """One build stage: its FROM and the instructions up to the next FROM."""

    __slots__ = (
        "index",
        "name",
        "base",
        "base_expanded",
        "from_instruction",
        "instructions",
        "base_stage",
        "depends_on",
        "reaches_target",
        "in_image",
        "layers",
        "platform",
    )
    index: int
    name: str | None
    base: str
    base_expanded: str
    from_instruction: Instruction
    instructions: list[Instruction]
    base_stage: int | None  # index of the stage this one is built FROM, if any
    depends_on: set[int]  # stages it reads (FROM, COPY --from, mounts)
    reaches_target: bool  # the target build needs this stage (FROM, COPY --from, mounts)
    in_image: bool  # this stage's layers are part of the target image (its FROM chain)
    layers: list[Layer]
    platform: str | None

    def __init__(
        self,
        index: int,
        name: str | None,
        base: str,
        base_expanded: str,
        from_instruction: Instruction,
        instructions: list[Instruction] | None = None,
        base_stage: int | None = None,
        depends_on: set[int] | None = None,
        reaches_target: bool = False,
        in_image: bool = False,
        layers: list[Layer] | None = None,
        platform: str | None = None,
    ) -> None:
        self.index = index
        self.name = name
        self.base = base
        self.base_expanded = base_expanded
        self.from_instruction = from_instruction
        self.instructions = [] if instructions is None else instructions
        self.base_stage = base_stage
        self.depends_on = set() if depends_on is None else depends_on
        self.reaches_target = reaches_target
        self.in_image = in_image
        self.layers = [] if layers is None else layers
        self.platform = platform

    @property
    def created_layers(self) -> int:
        return sum(1 for layer in self.layers if layer.kind is LayerKind.FILESYSTEM)

    @property
    def label(self) -> str:
        return self.name if self.name is not None else str(self.index)


class Build(Value):
    """The build model: stages, their graph, the target and the layer classification."""

    __slots__ = (
        "dockerfile",
        "stages",
        "target",
        "builder",
        "global_args",
        "global_env",
        "build_args",
        "errors",
        "facts",
    )
    dockerfile: Dockerfile
    stages: list[Stage]
    target: int | None
    builder: str
    global_args: tuple[KeyValue, ...]
    global_env: dict[str, str]  # global ARG values after --build-arg
    build_args: dict[str, str]
    errors: list[SyntaxIssue]  # stage-level problems (bad target, ...)
    facts: dict[str, object]  # shared derived facts (build.scopes)

    def __init__(
        self,
        dockerfile: Dockerfile,
        stages: list[Stage],
        target: int | None,
        builder: str = "buildkit",
        global_args: tuple[KeyValue, ...] = (),
        global_env: dict[str, str] | None = None,
        build_args: dict[str, str] | None = None,
        errors: list[SyntaxIssue] | None = None,
        facts: dict[str, object] | None = None,
    ) -> None:
        self.dockerfile = dockerfile
        self.stages = stages
        self.target = target
        self.builder = builder
        self.global_args = global_args
        self.global_env = {} if global_env is None else global_env
        self.build_args = {} if build_args is None else build_args
        self.errors = [] if errors is None else errors
        self.facts = {} if facts is None else facts

    @property
    def target_stage(self) -> Stage | None:
        return self.stages[self.target] if self.target is not None else None

    def stage_of(self, instruction: Instruction) -> Stage | None:
        """The stage that holds an instruction (None for the global ARGs before the first FROM)."""
        owners = self.facts.get("stage_of")
        if owners is None:
            owners = {ins.index: stage for stage in self.stages for ins in stage.instructions}
            self.facts["stage_of"] = owners
        return owners.get(instruction.index)  # type: ignore[attr-defined]

    def stage_named(self, name: str) -> Stage | None:
        """Look up a stage by name (case-insensitive, as BuildKit) or by numeric index."""
        lowered = name.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == lowered:
                return stage
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None
