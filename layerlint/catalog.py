"""The rule catalog: ``rules/*.yaml`` validated once, compiled to JSON for fast start-up.

Each rule's YAML page is the single source of its metadata, documentation and examples
(ARCHITECTURE.md §4).  Parsing 100 YAML files with ruamel and validating them with pydantic
costs ~150 ms, far too much for a pre-commit hook, so ``python -m layerlint.catalog``
compiles them into ``layerlint/data/catalog.json``; a test fails when that file is stale.
The runtime path (``load``) only reads the JSON.
"""

from __future__ import annotations

import os
import sys
from functools import cache

from layerlint.source import Frozen, _set

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# os.path, not pathlib: pathlib's import (fnmatch, urllib.parse, ...) is start-up time.
PACKAGE = os.path.dirname(os.path.abspath(__file__))
COMPILED = os.path.join(PACKAGE, "data", "catalog.json")


def rules_dir() -> Path:
    """Where the YAML pages live: ``rules/`` in a checkout, ``layerlint/rules`` in a wheel."""
    from pathlib import Path

    for candidate in (Path(PACKAGE).parent / "rules", Path(PACKAGE) / "rules"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("rule pages (rules/*.yaml) not found")


class RuleMeta(Frozen):
    """What the engine, reporters and ``layerlint explain`` need to know about a rule."""

    __slots__ = (
        "id",
        "name",
        "aliases",
        "category",
        "severity",
        "fix",
        "module",
        "summary",
        "why",
        "options",
        "examples",
        "references",
        "enabled",
        "since",
    )
    id: str
    name: str
    aliases: tuple[str, ...]
    category: str
    severity: str
    fix: str
    module: str
    summary: str
    why: str
    options: dict[str, Any]
    examples: tuple[dict[str, Any], ...]
    references: tuple[str, ...]
    enabled: bool  # opt-in rules ship disabled
    since: str

    def __init__(
        self,
        id: str,  # noqa: A002 - the catalog's key
        name: str,
        aliases: tuple[str, ...],
        category: str,
        severity: str,
        fix: str,
        module: str,
        summary: str,
        why: str,
        options: dict[str, Any],
        examples: tuple[dict[str, Any], ...],
        references: tuple[str, ...] = (),
        enabled: bool = True,
        since: str = "0.1.0",
    ) -> None:
        _set(self, "id", id)
        _set(self, "name", name)
        _set(self, "aliases", aliases)
        _set(self, "category", category)
        _set(self, "severity", severity)
        _set(self, "fix", fix)
        _set(self, "module", module)
        _set(self, "summary", summary)
        _set(self, "why", why)
        _set(self, "options", options)
        _set(self, "examples", examples)
        _set(self, "references", references)
        _set(self, "enabled", enabled)
        _set(self, "since", since)

    @property
    def default_options(self) -> dict[str, Any]:
        return {k: v.get("default") for k, v in self.options.items()}


@cache
def load() -> dict[str, RuleMeta]:
    """All rules by id, from the compiled catalog."""
    import json

    with open(COMPILED, encoding="utf-8") as fh:
        data = json.load(fh)
    out: dict[str, RuleMeta] = {}
    for raw in data["rules"]:
        raw = dict(raw)
        for key in ("aliases", "examples", "references"):
            raw[key] = tuple(raw.get(key, ()))
        out[raw["id"]] = RuleMeta(**raw)
    return out


@cache
def lookup_table() -> dict[str, str]:
    """Lower-cased id, name and every alias -> rule id (how users name rules everywhere)."""
    table: dict[str, str] = {}
    for meta in load().values():
        table[meta.id.lower()] = meta.id
        table[meta.name.lower()] = meta.id
        for alias in meta.aliases:
            table.setdefault(alias.lower(), meta.id)
    return table


def resolve(name: str) -> str | None:
    """A rule id from an id, a name or an alias (case-insensitive), else None."""
    return lookup_table().get(name.strip().lower())


def resolve_all(name: str) -> list[str]:
    """Every rule id a name refers to: an alias may map to several rules."""
    key = name.strip().lower()
    hits = [m.id for m in load().values() if key in (m.id.lower(), m.name.lower(), *(a.lower() for a in m.aliases))]
    return hits


def text_page(m: RuleMeta) -> str:
    """A rule's page as text, generated from its YAML (docs are never written twice)."""
    lines = [f"{m.id} {m.name}", "", m.summary, ""]
    lines.append(f"category: {m.category}   severity: {m.severity}   fix: {m.fix}" + ("" if m.enabled else "   (opt-in)"))
    if m.aliases:
        lines.append(f"aliases: {', '.join(m.aliases)}")
    lines += ["", "Why", "", m.why.rstrip(), ""]
    if m.options:
        lines += ["Options", ""]
        for name, opt in m.options.items():
            lines.append(f"  {name} ({opt['type']}, default {opt.get('default')!r}): {opt['description']}")
        lines.append("")
    for ex in m.examples:
        for key in ("bad", "good", "fixed"):
            if ex.get(key):
                lines += [key.capitalize() + ":", "", *("    " + ln for ln in ex[key].rstrip().splitlines()), ""]
    for ref in m.references:
        lines.append(f"See: {ref}")
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- compile


def _schema():  # type: ignore[no-untyped-def]
    """The pydantic model of a rule page (imported only when compiling or validating)."""
    from typing import Any, Literal  # noqa: F811 - pydantic resolves the annotations by name here

    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class Option(BaseModel):
        model_config = ConfigDict(extra="forbid")
        type: Literal["bool", "int", "str", "list", "dict", "number"]
        default: Any = None
        description: str

    class Example(BaseModel):
        model_config = ConfigDict(extra="forbid")
        bad: str | None = None
        good: str | None = None
        fixed: str | None = None
        lines: list[int] | None = None  # expected lines of the bad example (default: any hit)
        options: dict[str, Any] | None = None
        files: dict[str, str] | None = None  # build-context files (e.g. .dockerignore)
        unsafe: bool = False  # the fixed example needs --unsafe-fixes

    class Rule(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: str = Field(pattern=r"^LL\d{3}$")
        name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
        aliases: list[str] = []
        category: Literal["syntax", "cache", "size", "pinning", "security", "correctness", "style"]
        severity: Literal["error", "warning", "info", "style"]
        fix: Literal["none", "safe", "unsafe"] = "none"
        module: str
        summary: str
        why: str
        options: dict[str, Option] = {}
        examples: list[Example] = Field(min_length=1)
        references: list[str] = []
        enabled: bool = True
        since: str = "0.1.0"

        @field_validator("summary")
        @classmethod
        def one_line(cls, v: str) -> str:
            if "\n" in v.strip():
                raise ValueError("summary must be one line")
            return v.strip()

    return Rule


def compile_rules(folder: Path | None = None) -> dict[str, Any]:
    """Validate every rule page and return the compiled catalog (raises on the first bad page)."""
    from ruamel.yaml import YAML

    Rule = _schema()
    folder = folder or rules_dir()
    yaml = YAML(typ="safe")
    rules = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"))
            rule = Rule.model_validate(raw)
        except Exception as exc:
            raise ValueError(f"{path}: {exc}") from exc
        expected = f"{rule.id}-{rule.name}.yaml"
        if path.name != expected:
            raise ValueError(f"{path}: file name must be {expected}")
        for key in (rule.id, rule.name):
            if key in seen:
                raise ValueError(f"{path}: {key} already used by {seen[key]}")
            seen[key] = path.name
        rules.append(rule.model_dump(mode="json"))
    return {"generated_by": "python -m layerlint.catalog", "rules": rules}


def main(argv: list[str] | None = None) -> int:
    """``python -m layerlint.catalog [--check]``: write (or verify) the compiled catalog."""
    import json
    from pathlib import Path

    compiled = Path(COMPILED)
    argv = sys.argv[1:] if argv is None else argv
    text = json.dumps(compile_rules(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if "--check" in argv:
        current = compiled.read_text(encoding="utf-8") if compiled.exists() else ""
        if current != text:
            print(f"{compiled} is stale: run python -m layerlint.catalog", file=sys.stderr)
            return 1
        return 0
    compiled.parent.mkdir(parents=True, exist_ok=True)
    compiled.write_text(text, encoding="utf-8")
    print(f"wrote {compiled} ({len(json.loads(text)['rules'])} rules)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
