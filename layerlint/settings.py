"""Resolved settings for one linted file, and rule selection.

A plain dataclass on purpose: the common path (no config file) must not import pydantic or
ruamel.  ``layerlint.config`` validates files and produces these.

Selection follows flake8's DecisionEngine / ruff: every selector is a rule id prefix
(``LL3``), a full id, a rule name or an alias (``DL3008``, ``JSONArgsRecommended``).  For each
rule the most specific matching selector decides (a full id, name or alias beats any prefix;
a longer prefix beats a shorter one); on a tie ``ignore`` wins over ``select``, and any
explicit selector beats the default (every rule that is not opt-in).

ShellCheck codes are sub-codes of one rule (:data:`SHELLCHECK_RULE`): each of its findings carries
its ``SCnnnn`` code, which selectors name exactly (``SC2086``) or by prefix (``SC``, ``SC20``).
A selector naming a sub-code is more specific than any selector naming the rule, so
``--ignore SC2086`` drops that code while ShellCheck runs, and selecting any ``SC`` selector
runs ShellCheck (``shellcheck: true`` in a config, ``--shellcheck``, says the same as selecting
the rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from layerlint.rule import Severity
from layerlint.source import Value

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Settings(Value):
    """Everything that decides how one file is linted (a mutable ``Value``: see ``layerlint.source``)."""

    __slots__ = (
        "select",
        "extend_select",
        "ignore",
        "per_file_ignores",
        "severity",
        "failure_threshold",
        "options",
        "target",
        "builder",
        "build_args",
        "context",
        "trusted_registries",
        "disable_ignore_pragma",
        "no_fail",
        "shellcheck",
        "source",
    )

    def __init__(
        self,
        select: tuple[str, ...] | None = None,  # None: the default set (all rules not opt-in)
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        per_file_ignores: dict[str, tuple[str, ...]] | None = None,
        severity: dict[str, str] | None = None,  # rule selector -> severity
        failure_threshold: Severity = Severity.INFO,
        options: dict[str, dict[str, Any]] | None = None,  # rule id -> options
        target: str | None = None,
        builder: str = "buildkit",
        build_args: dict[str, str] | None = None,
        context: str | None = None,
        trusted_registries: tuple[str, ...] = (),
        disable_ignore_pragma: bool = False,
        no_fail: bool = False,
        shellcheck: bool = False,  # run ShellCheck on RUN scripts (the opt-in rule SHELLCHECK_RULE)
        source: str | None = None,  # the config file these came from, for messages
    ) -> None:
        self.select = select
        self.extend_select = extend_select
        self.ignore = ignore
        self.per_file_ignores: dict[str, tuple[str, ...]] = {} if per_file_ignores is None else per_file_ignores
        self.severity: dict[str, str] = {} if severity is None else severity
        self.failure_threshold = failure_threshold
        self.options: dict[str, dict[str, Any]] = {} if options is None else options
        self.target = target
        self.builder = builder
        self.build_args: dict[str, str] = {} if build_args is None else build_args
        self.context = context
        self.trusted_registries = trusted_registries
        self.disable_ignore_pragma = disable_ignore_pragma
        self.no_fail = no_fail
        self.shellcheck = shellcheck
        self.source = source

    def copy(self, **changes: Any) -> Settings:
        return self._replace(**changes)  # type: ignore[no-any-return]


SHELLCHECK_RULE = "LL090"  # the rule whose findings carry ShellCheck's SCnnnn codes
SUBCODE_PREFIX = "sc"


def is_subcode(name: str) -> bool:
    """Whether ``name`` is a ShellCheck code (``SC2086``): a finding's sub-code, not a rule."""
    name = name.strip()
    return name[:2].lower() == SUBCODE_PREFIX and name[2:].isdigit()


def is_subcode_selector(selector: str) -> bool:
    """``SC``, ``SC2``, ``SC2086``: selectors that name ShellCheck codes (exactly or by prefix)."""
    sel = selector.strip()
    return sel[:2].lower() == SUBCODE_PREFIX and (sel[2:] == "" or sel[2:].isdigit())


def _specificity(selector: str, rule_id: str, names: Iterable[str]) -> int:
    """How specifically ``selector`` names ``rule_id``: -1 no match, else a rank."""
    sel = selector.strip().lower()
    if not sel:
        return -1
    if sel == "all":
        return 0
    if sel in names:
        return 1000
    if rule_id.lower().startswith(sel):
        return len(sel)
    return -1


def _sub_specificity(selector: str, rule_id: str, names: Iterable[str], code: str) -> int:
    """Like ``_specificity`` for one finding of sub-code ``code``: naming the code beats naming the rule."""
    if is_subcode_selector(selector):
        sel = selector.strip().lower()
        return 2000 + len(sel) if code.lower().startswith(sel) else -1
    return _specificity(selector, rule_id, names)


def _selectors(settings: Settings, path: str | None) -> tuple[list[str], list[str]]:
    """The select and ignore selectors in force for ``path`` (per-file-ignores folded in)."""
    ignore = list(settings.ignore)
    if path is not None and settings.per_file_ignores:
        import fnmatch

        for pattern, codes in settings.per_file_ignores.items():
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path.rsplit("/", 1)[-1], pattern):
                ignore.extend(codes)
    select = list(settings.select) if settings.select is not None else []
    select.extend(settings.extend_select)
    if settings.shellcheck:
        select.append(SHELLCHECK_RULE)
    return select, ignore


def enabled_rules(
    settings: Settings,
    catalog: Mapping[str, Any],
    path: str | None = None,
) -> set[str]:
    """The ids of the rules that run for ``path`` under ``settings``."""
    select, ignore = _selectors(settings, path)
    if not select and not ignore and settings.select is None:  # no selector at all: the default set
        return {rule_id for rule_id, meta in catalog.items() if meta.enabled}
    out: set[str] = set()
    for rule_id, meta in catalog.items():
        names = {rule_id.lower(), meta.name.lower(), *(a.lower() for a in meta.aliases)}
        best_select = max((_specificity(s, rule_id, names) for s in select), default=-1)
        best_ignore = max((_specificity(s, rule_id, names) for s in ignore), default=-1)
        if best_select < 0 and best_ignore < 0:
            on = meta.enabled if settings.select is None else False
        else:
            on = best_select > best_ignore
        if on:
            out.add(rule_id)
    if SHELLCHECK_RULE in catalog and any(is_subcode_selector(s) for s in select):
        out.add(SHELLCHECK_RULE)  # `--select SC2086`: ShellCheck runs, subcode_enabled keeps SC2086
    return out


def subcode_enabled(settings: Settings, rule_id: str, names: Iterable[str], code: str, path: str | None = None) -> bool:
    """Whether a finding of the enabled rule ``rule_id`` with sub-code ``code`` is reported.

    The most specific selector decides, as for rules; when none names the code or the rule,
    the code is on only if the rule is on by selection (not merely through another code).
    """
    select, ignore = _selectors(settings, path)
    names = set(names) | {rule_id.lower()}
    best_select = max((_sub_specificity(s, rule_id, names, code) for s in select), default=-1)
    best_ignore = max((_sub_specificity(s, rule_id, names, code) for s in ignore), default=-1)
    if best_select < 0 and best_ignore < 0:
        return settings.select is None and not any(is_subcode_selector(s) for s in select)
    return best_select > best_ignore


def severity_for(
    settings: Settings, rule_id: str, default: str, names: Iterable[str], subcode: str | None = None
) -> Severity:
    """The severity of a rule (or of one sub-code of it) after overrides (the most specific selector wins)."""
    names = set(names)
    best, chosen = -1, default
    for selector, level in settings.severity.items():
        rank = (
            _specificity(selector, rule_id, names)
            if subcode is None
            else _sub_specificity(selector, rule_id, names, subcode)
        )
        if rank > best:
            best, chosen = rank, level
    return Severity.parse(chosen)


# A rule whose findings carry sub-codes (ShellCheck's) tells the engine through the file's
# ``RuleContext.memo``: SUBCODES maps each hit to its (code, severity label), and SUBCODES_JUDGED
# holds the rules that did examine the file (so suppressions of their codes can be judged).
SUBCODES = "settings.subcodes"
SUBCODES_JUDGED = "settings.subcodes-judged"
