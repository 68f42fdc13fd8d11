"""hadolint's ``.hadolint.yaml`` said in layerlint's terms.

One conversion serves both users: ``layerlint.config`` reads a hadolint file at run time when no
layerlint config applies, and ``layerlint migrate`` writes the same result as a
``.layerlint.yaml``.  DL/SC codes become rule ids through the aliases on the rule pages; codes
no rule carries are reported by ``migrate`` and skipped at run time, as hadolint itself skips
unknown codes.  Keys follow hadolint's reference (../shared/conformance/hadolint/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layerlint.config import Where

LEVELS = ("error", "warning", "info", "style")
# Keys that configure hadolint's output, not what it finds.
OUTPUT_KEYS = ("no-color", "verbose", "format", "formats", "output-format")
# Settings hadolint keeps globally that layerlint rules receive as options of the same name.
RULE_OPTIONS = ("label-schema", "strict-labels")


@dataclass
class Migration:
    """A hadolint config as a layerlint config, with an account of what did not carry over."""

    config: dict[str, Any] = field(default_factory=dict)  # layerlint keys (kebab-case), rule ids
    extra: dict[str, Any] = field(default_factory=dict)  # values no rule declares an option for yet
    mapped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    origins: dict[tuple[str, str], str] = field(default_factory=dict)  # (key, rule id) -> hadolint code


@cache
def _model() -> Any:
    """hadolint ignores keys it does not know, so this model does too (they are reported)."""
    from typing import Literal, Optional

    from pydantic import BaseModel, ConfigDict, Field, field_validator

    def as_list(v: Any) -> Any:
        return [s.strip() for s in v.split(",") if s.strip()] if isinstance(v, str) else v

    class Override(BaseModel):
        model_config = ConfigDict(extra="allow", strict=True)
        error: list[str] = []
        warning: list[str] = []
        info: list[str] = []
        style: list[str] = []

        _lists = field_validator("error", "warning", "info", "style", mode="before")(as_list)

    class HadolintConfig(BaseModel):
        model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)
        ignored: list[str] = []
        trusted_registries: list[str] = Field([], alias="trustedRegistries")
        override: Override = Override()
        label_schema: dict[str, str] = Field({}, alias="label-schema")
        strict_labels: Optional[bool] = Field(None, alias="strict-labels")
        failure_threshold: Optional[Literal["error", "warning", "info", "style", "ignore", "none"]] = Field(
            None, alias="failure-threshold"
        )
        no_fail: Optional[bool] = Field(None, alias="no-fail")
        disable_ignore_pragma: Optional[bool] = Field(None, alias="disable-ignore-pragma")

        _lists = field_validator("ignored", "trusted_registries", mode="before")(as_list)

    return HadolintConfig


def convert(raw: Any, where: Where) -> Migration:
    """Validate a loaded hadolint config and map it; type errors name file, line and key."""
    from pydantic import ValidationError

    from layerlint.config import plain, pydantic_message

    data = plain(raw) if raw is not None else {}
    if not isinstance(data, dict):
        raise where.error([((), "expected a mapping of hadolint settings at the top level")])
    if "trusted-registries" in data and "trustedRegistries" not in data:  # older hadolint spelling
        data["trustedRegistries"] = data.pop("trusted-registries")
    try:
        cfg = _model().model_validate(data)
    except ValidationError as exc:
        raise where.error([(tuple(e["loc"]), pydantic_message(e)) for e in exc.errors()]) from None
    out = Migration()
    _map_codes(out, "ignored", cfg.ignored, "ignore")
    severity: dict[str, str] = {}
    for level in LEVELS:
        for code in getattr(cfg.override, level):
            for rid in _rules(out, f"override.{level}", code, f"severity {level}"):
                severity[rid] = level
                out.origins[("severity", rid)] = code
    if severity:
        out.config["severity"] = severity
    if cfg.trusted_registries:
        _map_registries(out, cfg.trusted_registries)
    if cfg.failure_threshold:
        level = "style" if cfg.failure_threshold in ("ignore", "none") else cfg.failure_threshold
        out.config["failure-threshold"] = level
        out.mapped.append(f"failure-threshold {cfg.failure_threshold} -> failure-threshold {level}")
    for key in ("no-fail", "disable-ignore-pragma"):
        value = getattr(cfg, key.replace("-", "_"))
        if value is not None:
            out.config[key] = value
            out.mapped.append(f"{key} -> {key}: {str(value).lower()}")
    _map_rule_options(out, {"label-schema": cfg.label_schema or None, "strict-labels": cfg.strict_labels})
    for key in sorted(cfg.model_extra or {}):
        why = "output setting: use the command line (--format, --no-color)" if key in OUTPUT_KEYS else "not a hadolint setting"
        out.unmapped.append(f"{key}: {why}")
    for key in sorted(cfg.override.model_extra or {}):
        out.unmapped.append(f"override.{key}: not a hadolint severity")
    return out


def _map_codes(out: Migration, hadolint_key: str, codes: list[str], key: str) -> None:
    ids: list[str] = []
    for code in codes:
        for rid in _rules(out, hadolint_key, code, key):
            if rid not in ids:
                ids.append(rid)
                out.origins[(key, rid)] = code
    if ids:
        out.config[key] = ids


def _rules(out: Migration, hadolint_key: str, code: str, target: str) -> list[str]:
    """The rule ids a hadolint code maps to, noting the outcome either way."""
    from layerlint import catalog
    from layerlint.settings import is_subcode

    ids = catalog.resolve_all(code)
    if not ids and is_subcode(code):
        ids = [code.upper()]  # a ShellCheck code is selected and ignored like a rule (LL090)
    if ids:
        out.mapped.append(f"{hadolint_key} {code} -> {target} {', '.join(ids)}")
    else:
        kind = "ShellCheck code" if code.upper().startswith("SC") else "code"
        out.unmapped.append(f"{hadolint_key} {code}: no layerlint rule has this {kind} as an alias")
    return ids


def _map_registries(out: Migration, registries: list[str]) -> None:
    """hadolint checks registries (DL3026) as soon as the list is set; layerlint's rule for it
    may be opt-in, so it is selected explicitly."""
    from layerlint import catalog
    from layerlint.config import registry_rules

    out.config["trusted-registries"] = list(registries)
    out.mapped.append(f"trustedRegistries -> trusted-registries: {', '.join(registries)}")
    opt_in = [rid for rid in registry_rules() if not catalog.load()[rid].enabled]
    if opt_in:
        out.config["extend-select"] = opt_in
        for rid in opt_in:
            out.origins[("extend-select", rid)] = "DL3026"
        out.mapped.append(f"trustedRegistries turns on DL3026 -> extend-select {', '.join(opt_in)}")


def _map_rule_options(out: Migration, values: dict[str, Any]) -> None:
    """hadolint's label settings become options of the rules that declare them."""
    from layerlint import catalog

    for name, value in values.items():
        if value is None:
            continue
        rules = [rid for rid, meta in catalog.load().items() if name in meta.options]
        for rid in rules:
            out.config.setdefault("options", {}).setdefault(rid, {})[name] = value
        if rules:
            out.mapped.append(f"{name} -> options of {', '.join(rules)}")
        # hadolint checks labels as soon as a schema is set; layerlint's rule is opt-in.
        opt_in = [rid for rid in rules if name == "label-schema" and not catalog.load()[rid].enabled]
        if opt_in:
            selected = out.config.setdefault("extend-select", [])
            selected.extend(rid for rid in opt_in if rid not in selected)
            for rid in opt_in:
                out.origins[("extend-select", rid)] = "label-schema"
            out.mapped.append(f"label-schema turns on label checks -> extend-select {', '.join(opt_in)}")
        else:
            out.extra[name] = value
            out.unmapped.append(f"{name}: no layerlint rule takes a {name!r} option yet")
