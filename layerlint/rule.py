"""The rule API: what a check sees (``RuleContext``) and what it returns (``Hit``).

A check is a small function registered with ``@check("LL301")``.  It never imports the
engine, config or reporters; it only reads shared facts from the context and yields hits.
The engine attaches the rule's metadata (name, severity, category, aliases) from the
catalog, so a check cannot disagree with its documentation.

Two shapes, smallest first (hadolint's simple/custom rule idea):

* ``@check("LL501", instructions=("MAINTAINER",))`` - called once per matching instruction
  (ONBUILD triggers included) as ``fn(ctx, ins)``; the engine dispatches by keyword so a
  file is walked once for all such checks.
* ``@check("LL202")`` - called once per file as ``fn(ctx)`` for rules that need order or
  state across instructions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any

from layerlint.source import Span

if TYPE_CHECKING:
    from layerlint.model import Build, Dockerfile, Instruction, Stage
    from layerlint.shell import Script


class Severity(IntEnum):
    """Ordered so that thresholds compare naturally (``style`` < ... < ``error``)."""

    STYLE = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning, info or style)") from None

    @property
    def label(self) -> str:
        return self.name.lower()


CATEGORIES = ("syntax", "cache", "size", "pinning", "security", "correctness", "style")


class Safety(str, Enum):
    """``safe``: the built image behaves the same (only size/cache change); ``unsafe``: it may not."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text of ``span`` with ``text`` (an empty span inserts)."""

    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    safety: Safety = Safety.SAFE


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check reports: where, what it costs, and optionally how to fix it."""

    span: Span
    message: str
    fix: Fix | None = None
    instruction: int | None = None  # index of the instruction the hit belongs to (suppressions)


@dataclass(frozen=True, slots=True)
class Finding:
    """A hit with the rule's metadata attached by the engine; what reporters render."""

    path: str
    code: str
    name: str
    category: str
    severity: Severity
    message: str
    span: Span
    line: int
    column: int
    end_line: int
    end_column: int
    aliases: tuple[str, ...] = ()
    fix: Fix | None = None
    instruction: int | None = None


CheckFn = Callable[..., Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    fn: CheckFn
    instructions: tuple[str, ...] | None  # None: a whole-file check


REGISTRY: dict[str, Check] = {}


def check(code: str, *, instructions: Iterable[str] | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check of rule ``code`` (exactly one check per rule)."""

    def register(fn: CheckFn) -> CheckFn:
        if code in REGISTRY and REGISTRY[code].fn is not fn:
            raise RuntimeError(f"rule {code} has two checks: {REGISTRY[code].fn.__qualname__} and {fn.__qualname__}")
        REGISTRY[code] = Check(code, fn, tuple(instructions) if instructions is not None else None)
        return fn

    return register


@dataclass
class RuleContext:
    """Everything a check may read about one file, computed once and shared by all rules."""

    dockerfile: Dockerfile
    build: Build
    context_dir: str | None = None
    context_explicit: bool = False  # the user named the context (--context); else it is the Dockerfile's folder
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule: str = ""
    shell_override: str | None = None  # from a `# hadolint shell=` pragma
    _scripts: dict[int, Script] = field(default_factory=dict, repr=False)
    _heredoc_scripts: dict[tuple[int, int], Script] = field(default_factory=dict, repr=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def source(self):  # type: ignore[no-untyped-def]
        return self.dockerfile.source

    def option(self, name: str) -> Any:
        """The current rule's option value (defaults come from the catalog)."""
        return self.options.get(self.rule, {}).get(name)

    def stage_of(self, ins: Instruction) -> Stage | None:
        return self.build.stage_of(ins)

    def in_target(self, ins: Instruction) -> bool:
        """Whether the target build needs the instruction's stage (FROM, COPY --from, mounts)."""
        stage = self.build.stage_of(ins)
        return stage is not None and stage.reaches_target

    def in_image(self, ins: Instruction) -> bool:
        """Whether the instruction's layer is part of the target image (for size rules).

        A stage only read through ``COPY --from`` is needed by the build, but its layers
        are not in the image: bytes left there cost build time, not image size.
        """
        stage = self.build.stage_of(ins)
        return stage is not None and stage.in_image

    def script(self, ins: Instruction) -> Script:
        """Shell commands of a shell-form RUN (memoized per instruction)."""
        ins = ins.effective
        cached = self._scripts.get(ins.index)
        if cached is None:
            from layerlint.shell import parse_script

            if ins.exec_form:
                cached = parse_script("")
            else:
                cached = parse_script(ins.command.text, ins.command.to_source)
            self._scripts[ins.index] = cached
        return cached

    def scripts(self, ins: Instruction) -> Iterator[Script]:
        """The RUN's own command plus each heredoc body that the shell executes."""
        ins = ins.effective
        yield self.script(ins)
        if ins.keyword != "RUN":
            return
        for n, doc in enumerate(ins.heredocs):
            if not _heredoc_is_shell(ins.command.text, doc.content):
                continue
            key = (ins.index, n)
            cached = self._heredoc_scripts.get(key)
            if cached is None:
                from layerlint.shell import parse_script

                start = doc.body_span.start
                cached = parse_script(doc.content, lambda i, s=start: s + i)
                self._heredoc_scripts[key] = cached
            yield cached

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Share a derived fact between rules (e.g. a ledger of paths across layers)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def hit(self, span: Span, message: str, fix: Fix | None = None, instruction: Instruction | None = None) -> Hit:
        return Hit(span, message, fix, instruction.index if instruction is not None else None)


_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})


def _heredoc_is_shell(command: str, body: str) -> bool:
    """Whether a RUN heredoc body runs as a shell script.

    ``RUN <<EOF`` alone runs the body with the shell (or its shebang interpreter), and
    ``RUN bash <<EOF`` feeds it to a shell; ``RUN python3 <<EOF`` does not.
    """
    first = body.lstrip().split("\n", 1)[0]
    if first.startswith("#!"):
        interpreter = first[2:].split()
        if interpreter and interpreter[0].endswith("/env") and len(interpreter) > 1:
            interpreter = interpreter[1:]
        return bool(interpreter) and interpreter[0].rsplit("/", 1)[-1] in _SHELLS
    words = [w for w in command.split() if "<<" not in w and not w.startswith("-")]
    return not words or words[0].rsplit("/", 1)[-1] in _SHELLS
