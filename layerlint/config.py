"""Configuration files: where they are, what they say, and the one merge with the command line.

Every run imports this module (the CLI is a pre-commit hook), so the path without a config file
costs only ``os.path`` checks: pydantic, ruamel.yaml and tomllib are imported inside functions,
and only once a file has actually been found.

Files, searched upward from each linted file's directory; the nearest directory that has one
wins, and within a directory the first of: ``.layerlint.yaml``, ``.layerlint.yml``,
``layerlint.yaml``, ``pyproject.toml`` with a ``[tool.layerlint]`` table.  Only when no
layerlint config applies, a hadolint config is read instead (``.hadolint.yaml`` upward, then
the user-level files hadolint itself reads), its codes mapped through rule aliases
(``layerlint.hadolint_config``).

Keys are kebab-case::

    select: [LL3, LL201]           # ids, id prefixes, names or aliases; "all"
    extend-select: [LL601]
    ignore: [DL3008]
    per-file-ignores: {"docker/*.Dockerfile": [LL5]}   # globs relative to this file
    severity: {LL301: error, LL5: style}
    failure-threshold: warning     # error | warning | info | style
    options:                       # per-rule options, as declared on the rule's page
      LL301: {max-lines: 5}        # the rule may be named by id, name or alias
    target: runtime
    builder: buildkit              # or classic
    build-args: {PYTHON_VERSION: "3.12"}
    trusted-registries: [docker.io, ghcr.io]   # for the rule aliased DL3026 (opt-in: select it)
    disable-ignore-pragma: false
    no-fail: false
    shellcheck: true               # run ShellCheck on RUN scripts (needs layerlint[shellcheck])

ShellCheck codes (``SC2086``, or a prefix such as ``SC``) are valid wherever rules are named.

Errors name the file, the line and the key (``.layerlint.yaml:3: unknown key 'selct' (did
you mean 'select'?)``), like yamllint's ``validate_rule_conf``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from functools import cache

from layerlint.settings import Settings
from layerlint.source import Frozen, _set

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from typing import Any

LAYERLINT_FILES = (".layerlint.yaml", ".layerlint.yml", "layerlint.yaml")
HADOLINT_FILES = (".hadolint.yaml", ".hadolint.yml")
HADOLINT_OPTIONS = "hadolint"  # Settings.options key keeping hadolint values no rule declares yet


class ConfigError(Exception):
    """A config file or setting that cannot be used; the message names file, line and key."""


class Layer(Frozen):
    """One config file, validated: Settings field values plus what per-file matching needs."""

    __slots__ = ("path", "values", "per_file_ignores", "notes", "base")
    path: str
    values: dict[str, Any]
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...]
    notes: tuple[str, ...]  # what a hadolint file said that layerlint could not map
    base: str

    def __init__(
        self,
        path: str,
        values: dict[str, Any],
        per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = (),
        notes: tuple[str, ...] = (),
        base: str = "",
    ) -> None:
        _set(self, "path", path)
        _set(self, "values", values)
        _set(self, "per_file_ignores", per_file_ignores)
        _set(self, "notes", notes)
        _set(self, "base", base)


# --------------------------------------------------------------------------- public API


def settings_for(
    path: str, overrides: dict[str, Any], *, config_file: str | None = None, isolated: bool = False
) -> Settings:
    """Settings for one linted file: defaults < its config file < the command line."""
    layer = None
    if config_file:
        if not os.path.isfile(config_file):
            raise ConfigError(f"{config_file}: config file not found")
        layer = load(os.path.abspath(config_file))
    elif not isolated:
        found = find_config(path)
        layer = load(found) if found else None
    return merge(layer, overrides, path)


def find_config(path: str) -> str | None:
    """The config file that governs ``path`` (a file, or ``-`` for the current directory)."""
    start = os.getcwd() if path in ("", "-") else os.path.dirname(os.path.abspath(path))
    return _nearest(start, LAYERLINT_FILES, True) or find_hadolint(start)


def find_hadolint(directory: str) -> str | None:
    """A ``.hadolint.yaml`` from ``directory`` upward, else the user-level file hadolint reads."""
    return _nearest(directory, HADOLINT_FILES, False) or _user_hadolint()


def load(path: str) -> Layer:
    """Read and validate one config file (cached: many files share one config)."""
    return _load(path, _mtime(path))


def clear_cache() -> None:
    """Forget discovered and parsed files (tests, and the language server after an edit)."""
    _nearest.cache_clear()
    _user_hadolint.cache_clear()
    _load.cache_clear()


def merge(layer: Layer | None, overrides: Mapping[str, Any], path: str) -> Settings:
    """The one place settings layers meet: defaults < file < command line.

    A value given later replaces the earlier one, except that ``extend-select`` and
    ``ignore`` accumulate (a command-line ``--ignore`` must not re-enable what the file
    ignores), ``severity``, ``build-args`` and ``options`` merge key by key, and a ``select``
    drops the ``extend-select`` of earlier layers ("exactly these rules").
    """
    check_selectors(overrides, lambda key: f"--{key.replace('_', '-')}")
    values: dict[str, Any] = {}
    for source in (layer.values if layer else {}, overrides):
        for key in sorted(source, key=lambda k: k != "select"):
            value = source[key]
            if key == "select":
                values["select"] = tuple(value) if value is not None else None
                values.pop("extend_select", None)
            elif key in ("extend_select", "ignore"):
                values[key] = (*values.get(key, ()), *value)
            elif key in ("severity", "build_args"):
                values[key] = {**values.get(key, {}), **value}
            elif key == "options":
                merged = {rid: dict(opts) for rid, opts in values.get("options", {}).items()}
                for rid, opts in value.items():
                    merged.setdefault(rid, {}).update(opts)
                values["options"] = merged
            else:
                values[key] = value
    if layer is not None:
        values["source"] = layer.path
        codes = _per_file_codes(layer, path)
        if codes:
            import glob

            # Settings are per file, so the matching patterns are folded into one entry that
            # matches exactly this path, whatever form (relative, absolute) the caller uses.
            values["per_file_ignores"] = {glob.escape(path): codes}
    settings = Settings(**values)
    _share_options(settings)
    return settings


def check_selectors(values: Mapping[str, Any], where: Callable[[str], str]) -> None:
    """Raise for an unknown rule in ``select``/``extend_select``/``ignore`` (command line)."""
    problems = [
        f"{where(key)}: {problem}"
        for key in ("select", "extend_select", "ignore")
        for sel in values.get(key) or ()
        if (problem := selector_problem(sel))
    ]
    if problems:
        raise ConfigError("\n".join(problems))


def selector_problem(selector: str) -> str | None:
    """Why ``selector`` names no rule (None when it does): id, prefix, name, alias, ``all`` or a ShellCheck code."""
    import re

    from layerlint import catalog
    from layerlint.settings import is_subcode_selector

    text = selector.strip()
    low = text.lower()
    if not low:
        return "empty rule selector"
    if low == "all" or is_subcode_selector(low) or low in catalog.lookup_table() or any(rid.lower().startswith(low) for rid in catalog.load()):
        return None
    if re.fullmatch(r"ll(?:[0-6]\d?)?", low):  # an area prefix (CONTRIBUTING.md) with no rule yet
        return None
    return f"unknown rule {text!r}{did_you_mean(text, known_rule_names())}"


def known_rule_names() -> list[str]:
    """Every spelling users may name a rule by, canonical case."""
    from layerlint import catalog

    return [name for meta in catalog.load().values() for name in (meta.id, meta.name, *meta.aliases)]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    import difflib

    by_lower = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[close[0]]!r}?)" if close else ""


# --------------------------------------------------------------------------- discovery


@cache
def _nearest(directory: str, names: tuple[str, ...], pyproject: bool) -> str | None:
    """The first of ``names`` (or a pyproject with ``[tool.layerlint]``) here or above."""
    for name in names:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    if pyproject:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate) and _has_tool_table(candidate):
            return candidate
    parent = os.path.dirname(directory)
    return None if parent == directory else _nearest(parent, names, pyproject)


def _has_tool_table(path: str) -> bool:
    """Whether a pyproject.toml has a ``[tool.layerlint]`` table (text check: no TOML import)."""
    import re

    try:
        text = _read(path)
    except ConfigError:
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*layerlint\s*[\].]", text, re.M) is not None


@cache
def _user_hadolint() -> str | None:
    """hadolint's own fallback search ($XDG_CONFIG_HOME, ~/.config, ~/.hadolint/, ~)."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    candidates = [os.path.join(xdg, f"hadolint.{ext}") for ext in ("yaml", "yml")]
    if xdg != os.path.join(home, ".config"):
        candidates += [os.path.join(home, ".config", f"hadolint.{ext}") for ext in ("yaml", "yml")]
    candidates += [os.path.join(home, ".hadolint", f"{n}.{ext}") for n in ("hadolint", "config") for ext in ("yaml", "yml")]
    candidates += [os.path.join(home, name) for name in HADOLINT_FILES]
    return next((c for c in candidates if os.path.isfile(c)), None)


def is_hadolint_file(path: str) -> bool:
    """hadolint configs are recognised by name (``.hadolint.yaml``, ``~/.hadolint/config.yaml``)."""
    name = os.path.basename(path)
    return "hadolint" in name or os.path.basename(os.path.dirname(path)) == ".hadolint"


# --------------------------------------------------------------------------- loading


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@cache
def _load(path: str, mtime: float) -> Layer:
    """Dispatch on the file kind; ``mtime`` is part of the cache key so edits are seen."""
    base = os.path.dirname(path)
    if is_hadolint_file(path):
        from layerlint import hadolint_config

        raw, where = read_yaml(path)
        migration = hadolint_config.convert(raw, where)
        values, per_file = to_values(migration.config, where)
        if migration.extra:
            values.setdefault("options", {})[HADOLINT_OPTIONS] = dict(migration.extra)
        return Layer(path, values, per_file, tuple(migration.unmapped), base)
    if path.endswith(".toml"):
        data, where = _read_toml(path)
    else:
        data, where = read_yaml(path)
    values, per_file = to_values(data, where)
    return Layer(path, values, per_file, (), base)


def _read(path: str) -> str:
    """The file's text, without a byte-order mark (the utf-8-sig codec is an import of its own)."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display(path)}: cannot read: {exc}") from None


def display(path: str) -> str:
    """A path as users want to read it: relative to the current directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


class Where:
    """Turns a key path into ``file:line`` for messages."""

    def __init__(self, path: str, line_of: Callable[[tuple[Any, ...]], int]) -> None:
        self.path = path
        self.line_of = line_of

    def error(self, problems: list[tuple[tuple[Any, ...], str]]) -> ConfigError:
        ordered = sorted(problems, key=lambda p: self.line_of(p[0]))
        return ConfigError("\n".join(f"{display(self.path)}:{self.line_of(loc)}: {msg}" for loc, msg in ordered))


def read_yaml(path: str) -> tuple[Any, Where]:
    """Round-trip load (safe: it builds only plain containers) to keep line numbers."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    text = _read(path)
    try:
        raw = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = ": ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise ConfigError(f"{display(path)}:{line}: invalid YAML: {problem}") from None
    except YAMLError as exc:
        raise ConfigError(f"{display(path)}:1: invalid YAML: {exc}") from None

    def line_of(loc: tuple[Any, ...]) -> int:
        node, line = raw, 1
        for part in loc:
            lc = getattr(node, "lc", None)
            try:
                if isinstance(node, dict) and part in node:
                    line = lc.key(part)[0] + 1 if lc is not None else line
                elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                    line = lc.item(part)[0] + 1 if lc is not None else line
                else:
                    break
            except (KeyError, TypeError, AttributeError):
                break
            node = node[part]
        return line

    tagged = _tagged(raw, ())
    if tagged is not None:
        loc, tag = tagged
        raise ConfigError(f"{display(path)}:{line_of(loc)}: YAML tag {tag!r} is not allowed (plain values only)")
    return (raw if raw is not None else {}), Where(path, line_of)


_CORE_TAG = {f"tag:yaml.org,2002:{t}": t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")}


def _tagged(node: Any, loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], str] | None:
    """The first value carrying an explicit tag (``!!python/object``, ``!custom``), if any.

    The round-trip loader never runs code for a tag, but a tagged value means the file was
    written for another reader; refusing it keeps a config file plain data.
    """
    tag = getattr(node, "tag", None)
    value = getattr(tag, "value", tag)
    if isinstance(value, str) and value and _CORE_TAG.get(value) is None:
        return loc, value.replace("tag:yaml.org,2002:", "!!")
    if isinstance(node, dict):
        for key, item in node.items():
            found = _tagged(item, (*loc, key))
            if found is not None:
                return found
    elif isinstance(node, list):
        for n, item in enumerate(node):
            found = _tagged(item, (*loc, n))
            if found is not None:
                return found
    return None


def _read_toml(path: str) -> tuple[Any, Where]:
    """``[tool.layerlint]`` of a pyproject.toml (or a whole ``*.toml`` given with --config)."""
    import re

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    text = _read(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"{display(path)}:{m.group(1) if m else 1}: invalid TOML: {exc}") from None
    pyproject = os.path.basename(path) == "pyproject.toml"
    data = doc.get("tool", {}).get("layerlint", {}) if pyproject else doc
    lines = text.splitlines()
    header = next((i for i, ln in enumerate(lines) if re.match(r"\s*\[\s*tool\s*\.\s*layerlint\s*[\].]", ln)), 0)

    def line_of(loc: tuple[Any, ...]) -> int:
        # tomllib keeps no positions: find each key's first definition after the table header.
        line = header if pyproject else 0
        for part in loc:
            if isinstance(part, int):
                break
            pat = re.compile(rf"""^\s*(\[[^\]]*)?["']?{re.escape(str(part))}["']?\s*[=\].]""")
            found = next((i for i in range(line, len(lines)) if pat.search(lines[i])), None)
            if found is None:
                break
            line = found
        return line + 1

    return data, Where(path, line_of)


# --------------------------------------------------------------------------- validation


@cache
def _model() -> Any:
    """The pydantic model of a config file (built on first use: defining it costs ~100 ms)."""
    from typing import Any, Literal, Optional  # noqa: F401 - pydantic reads the annotations below by name

    from pydantic import BaseModel, ConfigDict, field_validator

    level = Literal["error", "warning", "info", "style"]

    class FileConfig(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True, alias_generator=lambda n: n.replace("_", "-"))

        select: Optional[list[str]] = None
        extend_select: Optional[list[str]] = None
        ignore: Optional[list[str]] = None
        per_file_ignores: Optional[dict[str, list[str]]] = None
        severity: Optional[dict[str, level]] = None  # type: ignore[valid-type]
        failure_threshold: Optional[level] = None  # type: ignore[valid-type]
        options: Optional[dict[str, dict[str, Any]]] = None
        target: Optional[str] = None
        builder: Optional[Literal["buildkit", "classic"]] = None
        build_args: Optional[dict[str, str]] = None
        trusted_registries: Optional[list[str]] = None
        disable_ignore_pragma: Optional[bool] = None
        no_fail: Optional[bool] = None
        shellcheck: Optional[bool] = None

        @field_validator("select", "extend_select", "ignore", "trusted_registries", mode="before")
        @classmethod
        def _one_or_many(cls, v: Any) -> Any:
            return split_names(v) if isinstance(v, str) else v

        @field_validator("per_file_ignores", mode="before")
        @classmethod
        def _pattern_lists(cls, v: Any) -> Any:
            return {k: split_names(x) if isinstance(x, str) else x for k, x in v.items()} if isinstance(v, dict) else v

        @field_validator("build_args", mode="before")
        @classmethod
        def _scalars_as_text(cls, v: Any) -> Any:
            def text(x: Any) -> Any:
                if isinstance(x, bool):
                    return "true" if x else "false"
                return str(x) if isinstance(x, (int, float)) else x

            return {k: text(x) for k, x in v.items()} if isinstance(v, dict) else v

    return FileConfig


def split_names(text: str) -> list[str]:
    return [s.strip() for s in text.replace(",", " ").split() if s.strip()]


KEYS = (
    "select", "extend-select", "ignore", "per-file-ignores", "severity", "failure-threshold", "options",
    "target", "builder", "build-args", "trusted-registries", "disable-ignore-pragma", "no-fail", "shellcheck",
)  # fmt: skip


def to_values(data: Any, where: Where) -> tuple[dict[str, Any], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Validate a config mapping; return Settings field values and the per-file-ignores."""
    from pydantic import ValidationError

    from layerlint.rule import Severity

    if not isinstance(data, dict):
        raise where.error([((), "expected a mapping of settings at the top level")])
    data = plain(data)
    try:
        cfg = _model().model_validate(data)
    except ValidationError as exc:
        raise where.error([(tuple(e["loc"]), pydantic_message(e)) for e in exc.errors()]) from None
    problems: list[tuple[tuple[Any, ...], str]] = []

    def selectors(key: str, names: Iterable[str], *prefix: Any) -> None:
        for n, sel in enumerate(names):
            problem = selector_problem(sel)
            if problem:
                problems.append(((key, *prefix, n), f"{key}: {problem}"))

    for key in ("select", "extend-select", "ignore"):
        selectors(key, getattr(cfg, key.replace("-", "_")) or ())
    for pattern, names in (cfg.per_file_ignores or {}).items():
        selectors("per-file-ignores", names, pattern)
    for sel in cfg.severity or {}:
        problem = selector_problem(sel)
        if problem:
            problems.append((("severity", sel), f"severity: {problem}"))
    options = _rule_options(cfg.options or {}, problems)
    if problems:
        raise where.error(problems)

    values: dict[str, Any] = {}
    for name in ("select", "extend_select", "ignore", "trusted_registries"):
        value = getattr(cfg, name)
        if value is not None:
            values[name] = tuple(value)
    for name in ("target", "builder", "disable_ignore_pragma", "no_fail", "shellcheck"):
        value = getattr(cfg, name)
        if value is not None:
            values[name] = value
    if cfg.severity:
        values["severity"] = dict(cfg.severity)
    if cfg.failure_threshold:
        values["failure_threshold"] = Severity.parse(cfg.failure_threshold)
    if cfg.build_args:
        values["build_args"] = dict(cfg.build_args)
    if options:
        values["options"] = options
    per_file = tuple((pattern, tuple(names)) for pattern, names in (cfg.per_file_ignores or {}).items())
    return values, per_file


_OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "bool": (bool,),
    "int": (int,),
    "number": (int, float),
    "str": (str,),
    "list": (list,),
    "dict": (dict,),
}


def _rule_options(raw: Mapping[str, Mapping[str, Any]], problems: list[tuple[tuple[Any, ...], str]]) -> dict[str, dict[str, Any]]:
    """``options: {rule: {name: value}}`` checked against the options each rule page declares."""
    from layerlint import catalog

    metas = catalog.load()
    out: dict[str, dict[str, Any]] = {}
    for rule, opts in raw.items():
        ids = catalog.resolve_all(rule)
        if not ids:
            problems.append((("options", rule), f"options: unknown rule {rule!r}{did_you_mean(rule, known_rule_names())}"))
            continue
        for name, value in opts.items():
            declaring = [rid for rid in ids if name in metas[rid].options]
            if not declaring:
                known = sorted({o for rid in ids for o in metas[rid].options})
                hint = did_you_mean(name, known) or (f" (it has: {', '.join(known)})" if known else " (it has no options)")
                problems.append((("options", rule, name), f"options: {rule} has no option {name!r}{hint}"))
                continue
            for rid in declaring:
                kind = metas[rid].options[name].get("type", "str")
                if not _type_ok(kind, value):
                    problems.append(((("options", rule, name)), f"options: {rule}.{name} must be {kind}, not {_type_name(value)}"))
                    break
                out.setdefault(rid, {})[name] = value
    return out


def _type_ok(kind: str, value: Any) -> bool:
    if isinstance(value, bool) and kind != "bool":
        return False
    return isinstance(value, _OPTION_TYPES.get(kind, (object,)))


def _type_name(value: Any) -> str:
    return {bool: "bool", int: "int", float: "number", str: "str", list: "list", dict: "dict"}.get(type(value), type(value).__name__)


def pydantic_message(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc if not isinstance(p, int))
    if error["type"] == "extra_forbidden" and len(loc) == 1:
        return f"unknown key {loc[0]!r}{did_you_mean(str(loc[0]), KEYS)}"
    message = str(error["msg"])
    message = message[0].lower() + message[1:]
    value = error.get("input")
    shown = f" (got {value!r})" if isinstance(value, (str, int, float, bool)) else ""
    return f"{key}: {message}{shown}" if key else message + shown


def plain(value: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain Python values."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return value


# --------------------------------------------------------------------------- per file


def _per_file_codes(layer: Layer, path: str) -> tuple[str, ...]:
    """Rules ignored for ``path`` by the layer's ``per-file-ignores`` (globs relative to it)."""
    if not layer.per_file_ignores or path in ("", "-"):
        return ()
    from fnmatch import fnmatchcase

    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, layer.base).replace(os.sep, "/") if layer.base else absolute
    name = os.path.basename(absolute)
    codes: list[str] = []
    for pattern, names in layer.per_file_ignores:
        pat = pattern[2:] if pattern.startswith("./") else pattern
        candidates = {pat, pat[3:]} if pat.startswith("**/") else {pat}
        targets = (rel, name) if "/" not in pat else (rel, absolute)
        if any(fnmatchcase(t, p) for t in targets for p in candidates):
            codes.extend(names)
    return tuple(codes)


# hadolint hands ``trustedRegistries`` to DL3026; the rule carrying that alias receives the
# setting as whichever of these options it declares (checks read options, not Settings).
REGISTRY_RULE_ALIAS = "DL3026"
REGISTRY_OPTIONS = ("registries", "trusted-registries")


def _share_options(settings: Settings) -> None:
    """Give ``trusted-registries`` to the rule that checks registries, unless its option was set."""
    if not settings.trusted_registries:
        return
    from layerlint import catalog

    for rid in registry_rules():
        declared = catalog.load()[rid].options
        name = next(n for n in REGISTRY_OPTIONS if n in declared)
        if name not in settings.options.get(rid, {}):
            settings.options.setdefault(rid, {})[name] = list(settings.trusted_registries)


def registry_rules() -> list[str]:
    """Rules (looked up by alias at run time) that take the trusted registries as an option."""
    from layerlint import catalog

    metas = catalog.load()
    return [rid for rid in catalog.resolve_all(REGISTRY_RULE_ALIAS) if any(n in metas[rid].options for n in REGISTRY_OPTIONS)]
