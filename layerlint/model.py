"""The parsed Dockerfile: immutable values with exact spans.

Everything downstream (build model, shell facts, size estimates, rules, fixes, the language
server) reads these types and nothing else from the parser, so they are frozen and slotted:
cheap to create by the thousand and safe to share between rules.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from enum import Enum

from layerlint.source import SourceFile, Span


class LayerKind(str, Enum):
    """What an instruction contributes to the image (see ``layerlint.build``)."""

    BASE = "base"
    FILESYSTEM = "filesystem"
    METADATA = "metadata"


@dataclass(frozen=True, slots=True)
class Mapped:
    """Text assembled from pieces of the source, with the way back to source offsets.

    BuildKit joins continuation lines before it reads an instruction's arguments, so the
    joined text no longer lines up with the file.  ``pieces`` records, for each contiguous
    run of the joined text, where that run starts in the source, so a finding inside a RUN
    command can still point at the exact column of the exact physical line.
    """

    text: str
    pieces: tuple[tuple[int, int], ...]  # (offset in text, offset in source), ascending

    def to_source(self, index: int) -> int:
        """Source offset of character ``index`` of ``text`` (``len(text)`` maps past the end)."""
        if not self.pieces:
            return 0
        starts = [p[0] for p in self.pieces]
        i = max(0, bisect_right(starts, index) - 1)
        # At a piece boundary the end of the previous piece is the better answer for an end offset.
        text_start, source_start = self.pieces[i]
        return source_start + (index - text_start)

    def span(self, start: int, end: int) -> Span:
        """Source span of ``text[start:end]``."""
        src_start = self.to_source(start)
        src_end = self.to_source(end - 1) + 1 if end > start else src_start
        return Span(src_start, max(src_start, src_end))

    @staticmethod
    def plain(text: str, source_start: int) -> Mapped:
        return Mapped(text, ((0, source_start),))


@dataclass(frozen=True, slots=True)
class Word:
    """One argument word: ``raw`` as written (quotes kept), ``value`` with quotes removed.

    Variables are not expanded here; ``layerlint.expand`` does that with the stage's
    ARG/ENV scope when a check needs the built value.
    """

    raw: str
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Flag:
    """A leading ``--name[=value]`` option of an instruction."""

    name: str
    value: str | None
    span: Span
    raw: str

    @property
    def text(self) -> str:
        """The flag as BuildKit dumps it (``--name=value``), quotes already removed."""
        return f"--{self.name}" if self.value is None else f"--{self.name}={self.value}"


@dataclass(frozen=True, slots=True)
class KeyValue:
    """One ``key=value`` (or legacy ``key value``) pair of ENV, LABEL or ARG.

    ``value`` is raw (quotes kept) as BuildKit stores it; ``None`` for an ARG without a default.
    ``sep`` is ``"="`` for the modern form and ``""`` for the legacy space-separated form.
    """

    key: str
    value: str | None
    sep: str
    span: Span
    key_span: Span
    value_span: Span | None


@dataclass(frozen=True, slots=True)
class Heredoc:
    """A here-document attached to RUN, COPY or ADD.

    ``content`` is the raw body (before ``<<-`` tab chomping, as BuildKit keeps it);
    ``span`` covers the body and its terminator line; ``word_span`` the ``<<EOF`` word.
    """

    name: str
    content: str
    expand: bool
    chomp: bool
    file_descriptor: int
    word_span: Span
    body_span: Span
    span: Span

    @property
    def text(self) -> str:
        """The body as the build sees it: leading tabs removed for ``<<-``."""
        if not self.chomp:
            return self.content
        return "".join(line.lstrip("\t") for line in self.content.splitlines(keepends=True))


@dataclass(frozen=True, slots=True)
class Comment:
    """A ``#`` comment line (also those inside continuations), text without the ``#``."""

    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Directive:
    """A parser directive (``# syntax=``, ``# escape=``, ``# check=``) at the top of the file."""

    name: str
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class SyntaxIssue:
    """A problem the parser recovered from; the file is still analysed around it.

    ``level`` is ``"parse"`` for what BuildKit's parser itself rejects and ``"instruction"``
    for the argument checks BuildKit makes when it turns the parse tree into instructions;
    both fail ``docker build``.
    """

    message: str
    span: Span
    level: str = "parse"


@dataclass(frozen=True, slots=True)
class Instruction:
    """One Dockerfile instruction.

    ``args`` follow BuildKit's per-instruction split (see ``layerlint.parse``): for a
    shell-form RUN/CMD/ENTRYPOINT it is one word holding the joined command, for exec form
    one word per JSON element.  ``command`` is the text after the flags with continuations
    joined, mapped back to the source so shell commands keep exact spans.
    """

    keyword: str
    keyword_raw: str
    span: Span
    keyword_span: Span
    flags: tuple[Flag, ...]
    args: tuple[Word, ...]
    command: Mapped
    exec_form: bool
    heredocs: tuple[Heredoc, ...] = ()
    pairs: tuple[KeyValue, ...] = ()
    inner: Instruction | None = None
    index: int = 0

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


@dataclass(frozen=True, slots=True)
class Dockerfile:
    """A whole parsed file: directives, instructions, comments and recovered errors."""

    source: SourceFile
    instructions: tuple[Instruction, ...]
    directives: tuple[Directive, ...] = ()
    comments: tuple[Comment, ...] = ()
    errors: tuple[SyntaxIssue, ...] = ()
    escape: str = "\\"

    def directive(self, name: str) -> Directive | None:
        for d in self.directives:
            if d.name == name:
                return d
        return None


@dataclass(frozen=True, slots=True)
class Layer:
    """What one instruction adds to its stage's image."""

    instruction: Instruction
    kind: LayerKind
    ordinal: int | None  # 1-based count of created layers in the stage, None for metadata/base


@dataclass(slots=True)
class Stage:
    """One build stage: its FROM and the instructions up to the next FROM."""

    index: int
    name: str | None
    base: str
    base_expanded: str
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)
    base_stage: int | None = None  # index of the stage this one is built FROM, if any
    depends_on: set[int] = field(default_factory=set)  # stages it reads (FROM, COPY --from, mounts)
    reaches_target: bool = False  # the target build needs this stage (FROM, COPY --from, mounts)
    in_image: bool = False  # this stage's layers are part of the target image (its FROM chain)
    layers: list[Layer] = field(default_factory=list)
    platform: str | None = None

    @property
    def created_layers(self) -> int:
        return sum(1 for layer in self.layers if layer.kind is LayerKind.FILESYSTEM)

    @property
    def label(self) -> str:
        return self.name if self.name is not None else str(self.index)


@dataclass(slots=True)
class Build:
    """The build model: stages, their graph, the target and the layer classification."""

    dockerfile: Dockerfile
    stages: list[Stage]
    target: int | None
    builder: str = "buildkit"
    global_args: tuple[KeyValue, ...] = ()
    global_env: dict[str, str] = field(default_factory=dict)  # global ARG values after --build-arg
    build_args: dict[str, str] = field(default_factory=dict)
    errors: list[SyntaxIssue] = field(default_factory=list)  # stage-level problems (bad target, ...)

    @property
    def target_stage(self) -> Stage | None:
        return self.stages[self.target] if self.target is not None else None

    def stage_of(self, instruction: Instruction) -> Stage | None:
        """The stage that holds an instruction (None for the global ARGs before the first FROM)."""
        for stage in self.stages:
            if stage.from_instruction.index <= instruction.index and (
                not stage.instructions or stage.instructions[-1].index >= instruction.index
            ):
                return stage
        return None

    def stage_named(self, name: str) -> Stage | None:
        """Look up a stage by name (case-insensitive, as BuildKit) or by numeric index."""
        lowered = name.lower()
        for stage in self.stages:
            if stage.name is not None and stage.name.lower() == lowered:
                return stage
        if name.isdigit() and int(name) < len(self.stages):
            return self.stages[int(name)]
        return None
