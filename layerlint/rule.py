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
from enum import Enum, IntEnum

from layerlint.source import Frozen, Span, _set

TYPE_CHECKING = False  # typing costs ~5 ms to import; annotations are strings here anyway
if TYPE_CHECKING:
    from typing import Any

    from layerlint.model import Build, Dockerfile, Instruction, Mapped, Stage
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


# Frozen slotted values with hand-written __init__ (see layerlint.source.Value): the fields,
# order, defaults, equality, hashing and dataclasses.replace of @dataclass(frozen=True,
# slots=True), without compiling generated methods at every start-up.


class Edit(Frozen):
    """Replace the text of ``span`` with ``text`` (an empty span inserts)."""

    __slots__ = ("span", "text")
    span: Span
    text: str

    def __init__(self, span: Span, text: str) -> None:
        _set(self, "span", span)
        _set(self, "text", text)


class Fix(Frozen):
    __slots__ = ("title", "edits", "safety")
    title: str
    edits: tuple[Edit, ...]
    safety: Safety

    def __init__(self, title: str, edits: tuple[Edit, ...], safety: Safety = Safety.SAFE) -> None:
        _set(self, "title", title)
        _set(self, "edits", edits)
        _set(self, "safety", safety)


class Hit(Frozen):
    """What a check reports: where, what it costs, and optionally how to fix it."""

    __slots__ = ("span", "message", "fix", "instruction")
    span: Span
    message: str
    fix: Fix | None
    instruction: int | None  # index of the instruction the hit belongs to (suppressions)

    def __init__(self, span: Span, message: str, fix: Fix | None = None, instruction: int | None = None) -> None:
        _set(self, "span", span)
        _set(self, "message", message)
        _set(self, "fix", fix)
        _set(self, "instruction", instruction)


class Finding(Frozen):
    """A hit with the rule's metadata attached by the engine; what reporters render."""

    __slots__ = (
        "path",
        "code",
        "name",
        "category",
        "severity",
        "message",
        "span",
        "line",
        "column",
        "end_line",
        "end_column",
        "aliases",
        "fix",
        "instruction",
    )
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
    aliases: tuple[str, ...]
    fix: Fix | None
    instruction: int | None

    def __init__(
        self,
        path: str,
        code: str,
        name: str,
        category: str,
        severity: Severity,
        message: str,
        span: Span,
        line: int,
        column: int,
        end_line: int,
        end_column: int,
        aliases: tuple[str, ...] = (),
        fix: Fix | None = None,
        instruction: int | None = None,
    ) -> None:
        _set(self, "path", path)
        _set(self, "code", code)
        _set(self, "name", name)
        _set(self, "category", category)
        _set(self, "severity", severity)
        _set(self, "message", message)
        _set(self, "span", span)
        _set(self, "line", line)
        _set(self, "column", column)
        _set(self, "end_line", end_line)
        _set(self, "end_column", end_column)
        _set(self, "aliases", aliases)
        _set(self, "fix", fix)
        _set(self, "instruction", instruction)


CheckFn = Callable[..., Iterable[Hit]]


class Check(Frozen):
    __slots__ = ("code", "fn", "instructions")
    code: str
    fn: CheckFn
    instructions: tuple[str, ...] | None  # None: a whole-file check

    def __init__(self, code: str, fn: CheckFn, instructions: tuple[str, ...] | None) -> None:
        _set(self, "code", code)
        _set(self, "fn", fn)
        _set(self, "instructions", instructions)


REGISTRY: dict[str, Check] = {}


def check(code: str, *, instructions: Iterable[str] | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check of rule ``code`` (exactly one check per rule)."""

    def register(fn: CheckFn) -> CheckFn:
        if code in REGISTRY and REGISTRY[code].fn is not fn:
            raise RuntimeError(f"rule {code} has two checks: {REGISTRY[code].fn.__qualname__} and {fn.__qualname__}")
        REGISTRY[code] = Check(code, fn, tuple(instructions) if instructions is not None else None)
        return fn

    return register


class RuleContext:
    """Everything a check may read about one file, computed once and shared by all rules."""

    def __init__(
        self,
        dockerfile: Dockerfile,
        build: Build,
        context_dir: str | None = None,
        context_explicit: bool = False,  # the user named the context (--context); else it is the Dockerfile's folder
        options: dict[str, dict[str, Any]] | None = None,
        rule: str = "",
        shell_override: str | None = None,  # from a `# hadolint shell=` pragma
    ) -> None:
        self.dockerfile = dockerfile
        self.build = build
        self.context_dir = context_dir
        self.context_explicit = context_explicit
        self.options: dict[str, dict[str, Any]] = {} if options is None else options
        self.rule = rule
        self.shell_override = shell_override
        self._scripts: dict[int, Script] = {}
        self._heredoc_scripts: dict[tuple[int, int], Script] = {}
        self._cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return (
            f"RuleContext(dockerfile={self.dockerfile!r}, build={self.build!r}, context_dir={self.context_dir!r}, "
            f"context_explicit={self.context_explicit!r}, options={self.options!r}, rule={self.rule!r}, "
            f"shell_override={self.shell_override!r})"
        )

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
            cached = _parsed(ins.command) if not ins.exec_form else _parsed(None)
            self._scripts[ins.index] = cached
        return cached

    def scripts(self, ins: Instruction) -> Iterator[Script]:
        """The RUN's own command plus each heredoc body that the shell executes."""
        ins = ins.effective
        yield self.script(ins)
        if ins.keyword != "RUN":
            return
        for n, doc in enumerate(ins.heredocs):
            if not heredoc_is_shell(ins.command.text, doc.content):
                continue
            key = (ins.index, n)
            cached = self._heredoc_scripts.get(key)
            if cached is None:
                cached = _parsed_body(doc.content, doc.body_span.start)
                self._heredoc_scripts[key] = cached
            yield cached

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """Share a derived fact between rules (e.g. a ledger of paths across layers)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def hit(self, span: Span, message: str, fix: Fix | None = None, instruction: Instruction | None = None) -> Hit:
        return Hit(span, message, fix, instruction.index if instruction is not None else None)


# Parsed shell per process, keyed by the text and where it sits in the file.  Scripts are
# immutable, so one parse serves every file a worker lints that repeats a RUN (generated
# and templated Dockerfiles do, a lot) and every re-lint of an editor buffer for the
# instructions the edit did not move.  Bounded, so a long-lived server does not grow.
_SCRIPT_CACHE: dict[object, Script] = {}
_SCRIPT_CACHE_SIZE = 2048


def _remember(key: object, script: Script) -> Script:
    if len(_SCRIPT_CACHE) >= _SCRIPT_CACHE_SIZE:
        _SCRIPT_CACHE.pop(next(iter(_SCRIPT_CACHE)))  # oldest first: dicts keep insertion order
    _SCRIPT_CACHE[key] = script
    return script


def _parsed(command: Mapped | None) -> Script:
    """The script of a shell-form command (``None``: the empty script of an exec form)."""
    key = ("", ()) if command is None else (command.text, command.pieces)
    found = _SCRIPT_CACHE.get(key)
    if found is not None:
        return found
    from layerlint.shell import parse_script

    return _remember(key, parse_script("") if command is None else parse_script(command.text, command.to_source))


def _parsed_body(body: str, start: int) -> Script:
    """The script of a heredoc body that starts at source offset ``start``."""
    key = (body, start)
    found = _SCRIPT_CACHE.get(key)
    if found is not None:
        return found
    from layerlint.shell import parse_script

    return _remember(key, parse_script(body, lambda i, s=start: s + i))


_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh"})


def heredoc_is_shell(command: str, body: str) -> bool:
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
