"""Inline suppressions, and accountability for them (LL003 unused, LL004 invalid).

Forms (rules named by id, name or alias, separated by commas or blanks; a trailing ``# reason``
is allowed):

* ``# layerlint: ignore[=RULES]`` - the next instruction, whole span with heredoc bodies.  It
  sits directly above the instruction (other comment lines between are fine, a blank line is
  not) or on a comment line inside the instruction's continuation lines.
* ``# layerlint: stage-ignore[=RULES]`` - from the next instruction to the end of its stage.
* ``# layerlint: file-ignore[=RULES]`` (alias ``global-ignore``) - the whole file.
* hadolint's ``# hadolint ignore=``, ``# hadolint stage ignore=`` (directly above a FROM, for
  that stage) and ``# hadolint global ignore=``, with hadolint's grammar: a name outside
  hadolint's alphabet that names no rule voids the whole pragma, as in hadolint, and DL/SC
  codes no layerlint rule carries are skipped silently.  ``# hadolint shell=NAME`` sets
  ``RuleContext.shell_override`` (``prepare`` must run before the checks).
* ShellCheck codes (``SC2086``) name the findings of the rule that runs ShellCheck that carry
  that code, in every form.
* BuildKit's ``# check=skip=A,B // reason`` comment directly above an instruction, for that
  instruction (never reported as unused).
* BuildKit's ``# check=skip=A,B;error=true`` parser directive, or the build argument
  ``BUILDKIT_DOCKERFILE_CHECK`` that replaces it as in BuildKit.  ``skip=all`` and
  ``error=true`` concern the rules that carry a BuildKit check name as an alias (BuildKit's own
  checks), not layerlint's other rules.

LL003 reports a suppression that suppresses nothing, like ruff's RUF100 and sqlfluff's
unused noqa.  A suppression can only be judged for rules that ran: names of rules that are
not enabled (by selection, config, per-file-ignores) are never reported as unused, in any form,
so a pragma kept for another configuration does not turn into noise.  ``# hadolint`` pragmas
and ``# check=`` comments are never reported as unused: the first are kept for hadolint, whose
rules read some cases differently (removing one could make hadolint fire again), the second
configure ``docker build --check``, whose checks layerlint's rules approximate but do not replace.
ShellCheck codes, and the rule that runs ShellCheck, are judged only where ShellCheck did run
(the binary is an optional extra) and, for a code, where that code is selected.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from functools import cache

from layerlint.model import CHECK_BUILD_ARG
from layerlint.rule import Edit, Finding, Fix, Safety, Severity
from layerlint.settings import is_subcode
from layerlint.source import Frozen, Span, Value, _set

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.model import Dockerfile
    from layerlint.rule import RuleContext

# BuildKit's build checks (frontend/dockerfile/linter/ruleset.go), for names in `# check=skip=`
# that no layerlint rule carries yet: they are valid and skipped silently.
BUILDKIT_CHECKS = frozenset(
    "StageNameCasing FromAsCasing NoEmptyContinuation ConsistentInstructionCasing DuplicateStageName "
    "ReservedStageName JSONArgsRecommended MaintainerDeprecated UndefinedArgInFrom WorkdirRelativePath "
    "UndefinedVar MultipleInstructionsDisallowed LegacyKeyValueFormat RedundantTargetPlatform "
    "SecretsUsedInArgOrEnv InvalidDefaultArgInFrom FromPlatformFlagConstDisallowed CopyIgnoredFile "
    "InvalidBaseImagePlatform InvalidDefinitionDescription ExposeProtoCasing ExposeInvalidFormat".split()
)
VERBS = {"ignore": "next", "stage-ignore": "stage", "file-ignore": "file", "global-ignore": "file"}
WHERE = {"next": "on the next instruction", "stage": "in this stage", "file": "in this file"}

# Patterns stay strings: ``re`` compiles and caches them on first use, so a file without
# suppression comments never pays for compiling them.
_LAYERLINT = r"(?is)#\s*layerlint\s*:(?P<body>.*)$"
_LAYERLINT_BODY = r"(?s)\s*(?P<verb>[A-Za-z][A-Za-z-]*)\s*(?:(?P<eq>=)(?P<list>.*))?$"
_HADOLINT = r"(?s)#[ \t]*hadolint[ \t]+(?P<body>.*)$"
_HADOLINT_IGNORE = r"(?:(?P<scope>global|stage)[ \t]+)?ignore[ \t]*=(?P<list>[^#]*)"
_HADOLINT_SHELL = r"shell[ \t]*=[ \t]*(?P<shell>[^\s#]+)"
_HADOLINT_OTHER = r"(?:(?:global|stage)[ \t]+)?(?P<verb>[A-Za-z-]+)[ \t]*="
_HADOLINT_ALPHABET = frozenset("DLSC0123456789")
_FOREIGN_CODE = r"(?:DL|SC)\d+"
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}  # fmt: skip


class RuleRef(Frozen):
    """A rule name as written in a suppression, and the rule ids it resolves to."""

    __slots__ = ("text", "span", "ids")  # constructor order: Value relies on it

    text: str
    span: Span
    ids: tuple[str, ...]

    def __init__(self, text: str, span: Span, ids: tuple[str, ...]) -> None:
        _set(self, "text", text)
        _set(self, "span", span)
        _set(self, "ids", ids)


class Pragma(Frozen):
    """One suppression comment."""

    __slots__ = ("form", "scope", "span", "rules", "list_span", "void")  # constructor order: Value relies on it

    form: str  # "layerlint" | "hadolint" | "check"
    scope: str  # "next" | "stage" | "file"
    span: Span
    rules: tuple[RuleRef, ...] | None  # None: every rule
    list_span: Span | None
    void: bool  # hadolint rejects the whole line: it suppresses nothing

    def __init__(
        self,
        form: str,
        scope: str,
        span: Span,
        rules: tuple[RuleRef, ...] | None,
        list_span: Span | None = None,
        void: bool = False,
    ) -> None:
        _set(self, "form", form)
        _set(self, "scope", scope)
        _set(self, "span", span)
        _set(self, "rules", rules)
        _set(self, "list_span", list_span)
        _set(self, "void", void)


class Problem(Frozen):
    """Something LL004 reports: an unknown rule, an unreadable or misplaced suppression."""

    __slots__ = ("span", "message")  # constructor order: Value relies on it

    span: Span
    message: str

    def __init__(self, span: Span, message: str) -> None:
        _set(self, "span", span)
        _set(self, "message", message)


class CheckConfig(Frozen):
    """BuildKit's check options, from the ``# check=`` directive or ``BUILDKIT_DOCKERFILE_CHECK``."""

    __slots__ = (  # constructor order: Value relies on it
        "skip_all",
        "skip",
        "error",
        "experimental_all",
        "experimental",
    )

    skip_all: bool
    skip: tuple[RuleRef, ...]
    error: bool
    experimental_all: bool
    experimental: tuple[RuleRef, ...]

    def __init__(
        self,
        skip_all: bool = False,
        skip: tuple[RuleRef, ...] = (),
        error: bool = False,
        experimental_all: bool = False,
        experimental: tuple[RuleRef, ...] = (),
    ) -> None:
        _set(self, "skip_all", skip_all)
        _set(self, "skip", skip)
        _set(self, "error", error)
        _set(self, "experimental_all", experimental_all)
        _set(self, "experimental", experimental)


_NO_CHECKS = CheckConfig()


class Pragmas(Frozen):
    """Everything the comments of one file say about suppressions and the shell."""

    __slots__ = ("suppressions", "check", "shell", "problems")  # constructor order: Value relies on it

    suppressions: tuple[Pragma, ...]
    check: CheckConfig
    shell: str | None
    problems: tuple[Problem, ...]

    def __init__(
        self,
        suppressions: tuple[Pragma, ...] = (),
        check: CheckConfig = _NO_CHECKS,
        shell: str | None = None,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        _set(self, "suppressions", suppressions)
        _set(self, "check", check)
        _set(self, "shell", shell)
        _set(self, "problems", problems)


# --------------------------------------------------------------------------- reading


def read(dockerfile: Dockerfile, build_args: dict[str, str] | None = None) -> Pragmas:
    """Parse every suppression comment, the check directive and the shell pragma of a file."""
    text = dockerfile.source.text
    suppressions: list[Pragma] = []
    problems: list[Problem] = []
    shell: str | None = None
    for comment in dockerfile.pragma_comments():
        raw = text[comment.span.start : comment.span.end]
        if "layerlint" in raw[:40].lower():
            _read_layerlint(raw, comment.span, suppressions, problems)
        elif "hadolint" in raw[:40]:
            found = _read_hadolint(raw, comment.span, suppressions, problems)
            shell = shell or found
        elif "check" in raw[:20]:
            _read_instruction_check(raw, comment.span, suppressions, problems)
    check = CheckConfig()
    directive = dockerfile.directive("check")
    if directive is not None:
        raw = text[directive.span.start : directive.span.end]
        m = re.match(r"#\s*\w+\s*=\s*", raw)
        base = directive.span.start + (m.end() if m else 0)
        check = _read_check(raw[m.end() if m else 0 :], base, directive.span, "check directive", problems)
    if build_args and CHECK_BUILD_ARG in build_args:
        check = _read_check(build_args[CHECK_BUILD_ARG], None, Span(0, 0), f"build argument {CHECK_BUILD_ARG}", problems)
    return Pragmas(tuple(suppressions), check, shell, tuple(problems))


def prepare(ctx: RuleContext) -> Pragmas:
    """Read the pragmas once per file and set the hadolint shell pragma before checks run."""
    pragmas: Pragmas = ctx.memo("suppress.pragmas", lambda: read(ctx.dockerfile, ctx.build.build_args))
    if pragmas.shell is not None:
        ctx.shell_override = pragmas.shell
    return pragmas


def _refs(text: str, base: int, pattern: str = r"[^,\s]+") -> tuple[RuleRef, ...]:
    """Rule names in ``text`` (which starts at source offset ``base``), resolved to ids."""
    from layerlint import catalog

    out = []
    for m in re.finditer(pattern, text):
        name = m.group().strip()
        if not name:
            continue
        start = base + m.start() + len(m.group()) - len(m.group().lstrip())
        ids = catalog.resolve_all(name) or ([name.upper()] if is_subcode(name) else [])
        out.append(RuleRef(name, Span(start, start + len(name)), tuple(ids)))
    return tuple(out)


def _list_span(refs: tuple[RuleRef, ...]) -> Span | None:
    return refs[0].span.cover(refs[-1].span) if refs else None


def _unknown(ref: RuleRef, extra: Iterable[str] = ()) -> Problem:
    from layerlint.config import did_you_mean, known_rule_names

    return Problem(ref.span, f"unknown rule {ref.text!r} in suppression{did_you_mean(ref.text, [*known_rule_names(), *extra])}")


def _read_layerlint(raw: str, span: Span, out: list[Pragma], problems: list[Problem]) -> None:
    m = re.match(_LAYERLINT, raw)
    if m is None:
        return
    body = m.group("body").split("#", 1)[0]
    body_start = span.start + m.start("body")
    vm = re.match(_LAYERLINT_BODY, body)
    if vm is None:
        problems.append(Problem(span, "cannot read this layerlint directive: expected e.g. '# layerlint: ignore=LL301'"))
        return
    verb = vm.group("verb").lower()
    if verb not in VERBS:
        from layerlint.config import did_you_mean

        hint = did_you_mean(verb, VERBS) or " (expected ignore, stage-ignore or file-ignore)"
        problems.append(Problem(span, f"unknown layerlint directive {verb!r}{hint}"))
        return
    if vm.group("eq") is None:
        out.append(Pragma("layerlint", VERBS[verb], span, None))
        return
    refs = _refs(vm.group("list"), body_start + vm.start("list"))
    if not refs:
        problems.append(Problem(span, f"no rule after '{verb}=' (write '# layerlint: {verb}' to ignore every rule)"))
        return
    problems.extend(_unknown(r) for r in refs if not r.ids)
    out.append(Pragma("layerlint", VERBS[verb], span, refs, _list_span(refs)))


def _read_hadolint(raw: str, span: Span, out: list[Pragma], problems: list[Problem]) -> str | None:
    """hadolint's grammar (src/Hadolint/Pragma.hs); returns the shell of a shell pragma."""
    m = re.match(_HADOLINT, raw)
    if m is None:
        return None
    body = m.group("body")
    base = span.start + m.start("body")
    sm = re.match(_HADOLINT_SHELL, body)
    if sm:
        return sm.group("shell")
    im = re.match(_HADOLINT_IGNORE, body)
    if im is None:
        other = re.match(_HADOLINT_OTHER, body)
        if other:
            from layerlint.config import did_you_mean

            hint = did_you_mean(other.group("verb"), ("ignore", "shell"))
            problems.append(Problem(span, f"unknown hadolint pragma {other.group('verb')!r}{hint}"))
        return None
    refs = _refs(im.group("list"), base + im.start("list"))
    if not refs:
        problems.append(Problem(span, "no rule after 'ignore=': hadolint ignores this pragma"))
        return None
    void = any(not r.ids and not set(r.text) <= _HADOLINT_ALPHABET for r in refs)
    for r in refs:
        if not r.ids and not re.fullmatch(_FOREIGN_CODE, r.text):
            problem = _unknown(r)
            if void:
                problem = Problem(problem.span, problem.message + "; hadolint ignores the whole pragma, so nothing in it is suppressed")
            problems.append(problem)
    scope = {"global": "file", "stage": "stage"}.get(im.group("scope") or "", "next")
    out.append(Pragma("hadolint", scope, span, refs, _list_span(refs), void))
    return None


def _read_instruction_check(raw: str, span: Span, out: list[Pragma], problems: list[Problem]) -> None:
    """BuildKit's per-instruction ``# check=skip=A,B // reason`` comment above an instruction.

    BuildKit reads the comments directly above an instruction with the same option syntax as
    the directive; only ``skip`` matters there, and ``skip=all`` means BuildKit's checks only.
    """
    m = re.match(r"#\s*check\s*=\s*", raw)
    if m is None:
        return
    value = raw[m.end() :].split("//", 1)[0].rstrip()
    config = _read_check(value, span.start + m.end(), span, "check comment", problems)
    buildkit = _buildkit_rules()
    if config.skip_all:
        out.append(Pragma("check", "next", span, (RuleRef("all", span, tuple(sorted(buildkit))),)))
    elif config.skip:
        refs = tuple(r._replace(ids=tuple(i for i in r.ids if i in buildkit)) for r in config.skip)
        out.append(Pragma("check", "next", span, refs, _list_span(refs)))


def _read_check(value: str, base: int | None, span: Span, what: str, problems: list[Problem]) -> CheckConfig:
    """BuildKit's ``ParseLintOptions``: up to three ``key=value`` parts separated by ``;``."""
    skip_all = error = experimental_all = False
    skip: tuple[RuleRef, ...] = ()
    experimental: tuple[RuleRef, ...] = ()
    next_start = 0
    for part in value.split(";", 2):
        part_start, next_start = next_start, next_start + len(part) + 1
        raw_key, eq, val = part.partition("=")
        key = raw_key.strip()
        if not eq:
            problems.append(Problem(span, f"{what}: invalid check option {part.strip()!r}"))
        elif key in ("skip", "experimental"):
            if val.strip() == "all":
                skip_all, experimental_all = (True, experimental_all) if key == "skip" else (skip_all, True)
                continue
            if base is None:  # a build argument has no place in the file: point at the file start
                refs = tuple(r._replace(span=span) for r in _refs(val, 0, r"[^,]+"))
            else:
                refs = _refs(val, base + part_start + len(raw_key) + 1, r"[^,]+")
            for r in refs:
                if not r.ids and r.text not in BUILDKIT_CHECKS:
                    unknown = _unknown(r, BUILDKIT_CHECKS)
                    problems.append(unknown._replace(message=f"{what}: {unknown.message}"))
            if key == "skip":
                skip = refs
            else:
                experimental = refs
        elif key == "error":
            flag = _GO_BOOLS.get(val.strip())
            if flag is None:
                problems.append(Problem(span, f"{what}: error={val.strip()!r} is not a boolean"))
            error = bool(flag)
        else:
            problems.append(Problem(span, f"{what}: invalid check option {key!r} (expected skip, error or experimental)"))
    return CheckConfig(skip_all, skip, error, experimental_all, experimental)


# --------------------------------------------------------------------------- placing


class _Placed(Value):
    """A suppression with the region it covers in this file, and what it has suppressed."""

    __slots__ = ("pragma", "target", "stage", "ids", "used")  # constructor order: Value relies on it
    pragma: Pragma
    target: int | None  # instruction index it starts at (None: nowhere; file scope ignores it)
    stage: int | None
    ids: frozenset[str] | None  # None: every rule
    used: set[str]

    def __init__(
        self,
        pragma: Pragma,
        target: int | None,
        stage: int | None,
        ids: frozenset[str] | None,
        used: set[str] | None = None,
    ) -> None:
        self.pragma = pragma
        self.target = target
        self.stage = stage
        self.ids = ids
        self.used = set() if used is None else used

    def covers(self, keys: tuple[str, ...], ins: int | None, stage: int | None, start: int) -> bool:
        """Whether the suppression hides a finding named by ``keys`` (its rule id, and its SC code)."""
        if self.pragma.void or (self.ids is not None and self.ids.isdisjoint(keys)):
            return False
        scope = self.pragma.scope
        if scope == "file":
            return True
        if self.target is None:
            return False
        if scope == "next":
            return ins == self.target
        return stage is not None and stage == self.stage and (ins >= self.target if ins is not None else start >= self.pragma.span.start)


class _Layout:
    """Where instructions and stages are, to place pragmas and findings."""

    def __init__(self, ctx: RuleContext) -> None:
        df = ctx.dockerfile
        self.text = df.source.text
        self.instructions = df.instructions
        self.starts = [ins.span.start for ins in df.instructions]
        self.stage_of: dict[int, int] = {}
        self.stage_starts: list[tuple[int, int]] = []
        for stage in ctx.build.stages:
            self.stage_starts.append((stage.from_instruction.span.start, stage.index))
            for ins in stage.instructions:
                self.stage_of[ins.index] = stage.index
        self.stage_starts.sort()

    def instruction_at(self, offset: int) -> int | None:
        i = bisect_right(self.starts, offset) - 1
        if i >= 0 and (offset < self.instructions[i].span.end or offset == self.starts[i]):
            return i
        return None

    def stage_at(self, offset: int) -> int | None:
        i = bisect_right(self.stage_starts, (offset, float("inf"))) - 1
        return self.stage_starts[i][1] if i >= 0 else None

    def locate(self, f: Finding) -> tuple[int | None, int | None, int]:
        ins = f.instruction if f.instruction is not None else self.instruction_at(f.span.start)
        stage = self.stage_of.get(ins) if ins is not None else self.stage_at(f.span.start)
        return ins, stage, f.span.start

    def next_instruction(self, comment: Span) -> int | None:
        """The instruction a comment sits on (inside its continuation lines) or directly above."""
        inside = self.instruction_at(comment.start)
        if inside is not None:
            return inside
        i = bisect_right(self.starts, comment.start)
        if i == len(self.starts):
            return None
        between = self.text[comment.end : self.starts[i]].split("\n")[1:-1]
        if any(not line.strip().startswith("#") for line in between):
            return None  # a blank line or other text separates them
        return i

    def place(self, pragma: Pragma) -> tuple[_Placed, Problem | None]:
        ids = None if pragma.rules is None else frozenset(i for r in pragma.rules for i in r.ids)
        if pragma.scope == "file":
            return _Placed(pragma, None, None, ids), None
        target = self.next_instruction(pragma.span)
        stage = self.stage_of.get(target) if target is not None else None
        if pragma.form == "hadolint" and pragma.scope == "stage":
            if target is None or self.instructions[target].keyword != "FROM":
                problem = Problem(pragma.span, "hadolint stage ignore must sit directly above a FROM; it has no effect here")
                return _Placed(pragma._replace(void=True), None, None, ids), problem
        return _Placed(pragma, target, stage, ids), None


# --------------------------------------------------------------------------- applying


def apply(
    ctx: RuleContext,
    findings: list[Finding],
    enabled: set[str],
    make: Callable[[str, Span, str], Finding],
    judged: Callable[[str], bool] | None = None,
) -> list[Finding]:
    """Drop suppressed findings; add LL003/LL004 for suppressions that are unused or invalid.

    ``judged(name)`` says whether a suppression naming a rule id or an SC code can be called
    unused in this file (default: the rule is enabled).
    """
    pragmas = prepare(ctx)
    if not pragmas.suppressions and not pragmas.problems and pragmas.check == CheckConfig():
        return findings
    layout = _Layout(ctx)
    placed: list[_Placed] = []
    problems = list(pragmas.problems)
    for pragma in pragmas.suppressions:
        p, problem = layout.place(pragma)
        placed.append(p)
        if problem is not None:
            problems.append(problem)
    skipped = _skipped(pragmas.check)
    buildkit = _buildkit_rules()

    def suppressed(f: Finding, about: _Placed | None = None) -> bool:
        where = layout.locate(f)
        keys = (f.code, *(a for a in f.aliases if is_subcode(a)))
        covering = [p for p in placed if p is not about and p.covers(keys, *where)]
        for p in covering:
            p.used.update(keys)
        return bool(covering) or f.code in skipped

    kept: list[Finding] = []
    for f in findings:
        if suppressed(f):
            continue
        if pragmas.check.error and f.code in buildkit and f.severity < Severity.ERROR:
            f = f._replace(severity=Severity.ERROR)
        kept.append(f)
    if "LL004" in enabled:
        kept.extend(f for f in (make("LL004", pr.span, pr.message) for pr in problems) if not suppressed(f))
    if "LL003" in enabled:
        # Hiding another suppression's LL003 is a use, so decide what is hidden first, then
        # judge again; a suppression never hides the report about itself.
        judge = judged if judged is not None else enabled.__contains__
        candidates = [(p, f) for p in placed if (f := _unused(p, judge, layout.text, make)) is not None]
        visible = [p for p, f in candidates if not suppressed(f, about=p)]
        kept.extend(f for p in visible if (f := _unused(p, judge, layout.text, make)) is not None)
    return kept


def _skipped(check: CheckConfig) -> frozenset[str]:
    ids = {i for r in check.skip for i in r.ids}
    if check.skip_all:
        ids |= _buildkit_rules()
    return frozenset(ids)


@cache
def _buildkit_rules() -> frozenset[str]:
    """Rules that stand for one of BuildKit's checks (a BuildKit check name among their aliases)."""
    from layerlint import catalog

    return frozenset(
        rid
        for rid, meta in catalog.load().items()
        if any(a in BUILDKIT_CHECKS or (re.fullmatch(r"[A-Z][A-Za-z]+", a) and not re.fullmatch(_FOREIGN_CODE, a)) for a in meta.aliases)
    )


def _unused(p: _Placed, judged: Callable[[str], bool], text: str, make: Callable[[str, Span, str], Finding]) -> Finding | None:
    """The LL003 finding for a suppression that suppressed nothing it could have, with a fix."""
    pragma = p.pragma
    if pragma.void or pragma.form in ("check", "hadolint"):
        # A `# check=` comment configures `docker build --check`, and a `# hadolint` pragma is
        # kept for hadolint, whose rules read some cases differently: neither is judged here.
        return None
    if pragma.rules is None:
        if p.used:
            return None
        unused: list[RuleRef] = []
    else:
        relevant = [r for r in pragma.rules if any(judged(i) for i in r.ids)]
        unused = [r for r in relevant if not set(r.ids) & p.used]
        if not unused:
            return None
    if pragma.scope != "file" and p.target is None:
        return make(
            "LL003",
            pragma.span,
            "suppression applies to no instruction: put it directly above one (comment lines between are fine, blank lines are not)",
        )
    names = ", ".join(r.text for r in unused)
    what = f"no {names} finding" if unused else "nothing to suppress"
    whole = pragma.rules is None or len(unused) == len(pragma.rules)
    if whole:
        span = pragma.span
        fix = Fix("Remove the unused suppression", (Edit(_line_of(text, span), ""),), Safety.SAFE)
    else:
        span = unused[0].span.cover(unused[-1].span)
        keep = ",".join(r.text for r in pragma.rules or () if r not in unused)
        fix = Fix(f"Remove {names} from the suppression", (Edit(pragma.list_span or span, keep),), Safety.SAFE)
    return make("LL003", span, f"unused suppression: {what} {WHERE[pragma.scope]}")._replace(fix=fix)


def _line_of(text: str, span: Span) -> Span:
    """The whole line holding ``span``, with its line break: what deleting a comment removes."""
    start = text.rfind("\n", 0, span.start) + 1
    end = text.find("\n", span.end)
    return Span(start, len(text) if end == -1 else end + 1)
