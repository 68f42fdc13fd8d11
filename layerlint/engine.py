"""Run the selected checks on one file and turn their hits into findings.

The engine is the only place that knows about selection, severity and suppressions; checks
only produce hits, reporters only see findings.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from layerlint import catalog
from layerlint.build import analyze
from layerlint.model import Build, Dockerfile
from layerlint.parse import parse
from layerlint.rule import REGISTRY, Finding, Hit, RuleContext, Severity
from layerlint.settings import (
    SHELLCHECK_RULE,
    SUBCODES,
    SUBCODES_JUDGED,
    Settings,
    enabled_rules,
    is_subcode,
    severity_for,
    subcode_enabled,
)
from layerlint.source import SourceFile, Value


class FileResult(Value):
    """Everything known about one linted file."""

    __slots__ = ("source", "dockerfile", "build", "findings", "context")

    def __init__(
        self,
        source: SourceFile,
        dockerfile: Dockerfile,
        build: Build,
        findings: list[Finding] | None = None,
        context: RuleContext | None = None,
    ) -> None:
        self.source = source
        self.dockerfile = dockerfile
        self.build = build
        self.findings: list[Finding] = [] if findings is None else findings
        self.context = context


def load_checks(rule_ids: Iterable[str]) -> None:
    """Import the modules that hold the checks of ``rule_ids`` (each module once)."""
    metas = catalog.load()
    for module in sorted({metas[r].module for r in rule_ids if r in metas}):
        name = f"layerlint.checks.{module}"
        if name not in sys.modules:  # the import statement's path, so `python -X importtime` sees it
            __import__(name)


def make_finding(source: SourceFile, code: str, hit: Hit, severity: Severity | None = None) -> Finding:
    meta = catalog.load()[code]
    start = source.position(hit.span.start)
    end = source.position(hit.span.end)
    return Finding(
        path=source.path,
        code=code,
        name=meta.name,
        category=meta.category,
        severity=severity if severity is not None else Severity.parse(meta.severity),
        message=hit.message,
        span=hit.span,
        line=start.line,
        column=start.column,
        end_line=end.line,
        end_column=end.column,
        aliases=meta.aliases,
        fix=hit.fix,
        instruction=hit.instruction,
    )


def lint_source(
    source: SourceFile, settings: Settings, *, context_dir: str | None = None, context_explicit: bool = False
) -> FileResult:
    """Parse, model and lint one decoded file."""
    dockerfile = parse(source)
    build = analyze(dockerfile, target=settings.target, builder=settings.builder, build_args=settings.build_args)
    metas = catalog.load()
    enabled = enabled_rules(settings, metas, source.path)
    options = {rid: {**metas[rid].default_options, **settings.options.get(rid, {})} for rid in enabled}
    ctx = RuleContext(dockerfile, build, context_dir, context_explicit, options)
    pragmas = dockerfile.may_have_pragmas(build.build_args)  # most files have none: no layerlint.suppress to import
    if pragmas:
        from layerlint import suppress

        suppress.prepare(ctx)  # `# hadolint shell=` is not an ignore pragma: it always reaches the shell rules
    load_checks(enabled)
    hits: list[tuple[str, Hit]] = []
    per_instruction: dict[str, list[str]] = {}
    for rid in sorted(enabled):
        chk = REGISTRY.get(rid)
        if chk is None:
            continue
        if chk.instructions is None:
            hits.extend((rid, h) for h in _run(ctx, rid, chk.fn, source.path))
        else:
            for keyword in chk.instructions:
                per_instruction.setdefault(keyword, []).append(rid)
    if per_instruction:
        for ins in dockerfile.instructions:
            for rid in per_instruction.get(ins.effective.keyword, ()):
                hits.extend((rid, h) for h in _run(ctx, rid, REGISTRY[rid].fn, source.path, ins))
    subcodes: dict[Hit, tuple[str, str]] = ctx.memo(SUBCODES, dict)
    findings = []
    for rid, hit in hits:
        names = _names(metas[rid])
        sub = subcodes.get(hit) if subcodes else None
        if sub is None:
            findings.append(make_finding(source, rid, hit, severity_for(settings, rid, metas[rid].severity, names)))
        elif subcode_enabled(settings, rid, names, sub[0], source.path):  # a ShellCheck code: SC2086
            finding = make_finding(source, rid, hit, severity_for(settings, rid, sub[1], names, sub[0]))
            findings.append(finding._replace(aliases=(sub[0], *finding.aliases)))
    if pragmas and not settings.disable_ignore_pragma:
        findings = _suppress(ctx, findings, settings, enabled)
    findings.sort(key=lambda f: (f.span.start, f.code))
    return FileResult(source, dockerfile, build, findings, ctx)


def _names(meta: catalog.RuleMeta) -> tuple[str, ...]:
    """How selectors may name a rule besides its id: its name and aliases, lower case."""
    return (meta.name.lower(), *(a.lower() for a in meta.aliases))


def _run(ctx: RuleContext, rid: str, fn, path: str, *args) -> list[Hit]:  # type: ignore[no-untyped-def]
    """Run one check; a bug in one rule must not stop the others or the other files."""
    ctx.rule = rid
    try:
        return list(fn(ctx, *args))
    except Exception as exc:  # noqa: BLE001 - reported, never a traceback for users
        print(f"layerlint: internal error in rule {rid} on {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return []


def _suppress(ctx: RuleContext, findings: list[Finding], settings: Settings, enabled: set[str]) -> list[Finding]:
    """Apply inline suppressions (``layerlint.suppress``), reporting unused and invalid ones."""
    from layerlint import suppress

    metas = catalog.load()

    def make(code: str, span, message: str) -> Finding:  # type: ignore[no-untyped-def]
        return make_finding(
            ctx.source,
            code,
            Hit(span, message),
            severity_for(settings, code, metas[code].severity, _names(metas[code])),
        )

    ran = ctx.memo(SUBCODES_JUDGED, set)

    def judged(name: str) -> bool:
        """Whether a suppression of ``name`` (a rule id, an SC code) can be unused here: it ran and is selected."""
        if is_subcode(name):
            return SHELLCHECK_RULE in ran and subcode_enabled(
                settings, SHELLCHECK_RULE, _names(metas[SHELLCHECK_RULE]), name, ctx.source.path
            )
        return name in enabled and (name != SHELLCHECK_RULE or name in ran)

    return suppress.apply(ctx, findings, enabled, make, judged)
