"""The rule catalog: ``rules/*.yaml`` validated once, compiled to JSON for fast start-up.

Each rule's YAML page is the single source of its metadata, documentation and examples
(ARCHITECTURE.md §4).  Parsing 100 YAML files with ruamel and validating them with pydantic
costs ~150 ms, far too much for a pre-commit hook, so ``python -m layerlint.catalog``
compiles them into ``layerlint/data/catalog.json``; a test fails when that file is stale.
The runtime path (``load``) only reads the JSON.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
COMPILED = PACKAGE / "data" / "catalog.json"


def rules_dir() -> Path:
    """Where the YAML pages live: ``rules/`` in a checkout, ``layerlint/rules`` in a wheel."""
    for candidate in (PACKAGE.parent / "rules", PACKAGE / "rules"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("rule pages (rules/*.yaml) not found")


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What the engine, reporters and ``layerlint explain`` need to know about a rule."""

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
    references: tuple[str, ...] = ()
    enabled: bool = True  # opt-in rules ship disabled
    since: str = "0.1.0"

    @property
    def default_options(self) -> dict[str, Any]:
        return {k: v.get("default") for k, v in self.options.items()}


@cache
def load() -> dict[str, RuleMeta]:
    """All rules by id, from the compiled catalog."""
    data = json.loads(COMPILED.read_text(encoding="utf-8"))
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
    from typing import Literal

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
    argv = sys.argv[1:] if argv is None else argv
    text = json.dumps(compile_rules(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if "--check" in argv:
        current = COMPILED.read_text(encoding="utf-8") if COMPILED.exists() else ""
        if current != text:
            print(f"{COMPILED} is stale: run python -m layerlint.catalog", file=sys.stderr)
            return 1
        return 0
    COMPILED.parent.mkdir(parents=True, exist_ok=True)
    COMPILED.write_text(text, encoding="utf-8")
    print(f"wrote {COMPILED} ({len(json.loads(text)['rules'])} rules)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
