"""Config files: discovery, validation messages, precedence, per-file-ignores, hadolint configs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlint import catalog, config
from layerlint.config import ConfigError, settings_for
from layerlint.rule import Severity
from layerlint.settings import enabled_rules


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No user-level hadolint config leaks in, and no cached discovery leaks out."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    config.clear_cache()
    yield
    config.clear_cache()


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dockerfile(directory: Path) -> str:
    return str(write(directory / "Dockerfile", "FROM alpine\n"))


def error_for(tmp_path: Path, text: str, name: str = ".layerlint.yaml") -> str:
    write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        settings_for(dockerfile(tmp_path), {})
    return str(info.value)


# --------------------------------------------------------------------------- messages


def test_unknown_key_names_file_line_and_suggestion(tmp_path: Path) -> None:
    message = error_for(tmp_path, "ignore: [LL001]\n\nselct: [LL0]\n")
    assert message.endswith(".layerlint.yaml:3: unknown key 'selct' (did you mean 'select'?)")


def test_bad_value_points_at_the_nested_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, "severity:\n  LL001: info\n  LL002: fatal\nfailure-threshold: error\n")
    assert ".layerlint.yaml:3: severity.LL002:" in message and "'fatal'" in message


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "select: [LL001\nignore: []\n")
    assert ".layerlint.yaml:2: invalid YAML" in message


def test_unknown_rule_in_select_is_an_error_with_suggestion(tmp_path: Path) -> None:
    message = error_for(tmp_path, "select:\n  - LL001\n  - invalid-instructoin\n")
    assert message.endswith(":3: select: unknown rule 'invalid-instructoin' (did you mean 'invalid-instruction'?)")


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    message = error_for(tmp_path, "ignore: [LL9999]\nper-file-ignores:\n  '*.dev': [nope]\n")
    lines = message.splitlines()
    assert len(lines) == 2 and lines[0].split(":")[1] == "1" and lines[1].split(":")[1] == "3"


def test_rule_options_are_checked_against_the_rule_page(tmp_path: Path) -> None:
    listed = [(r, n, m) for r, m in sorted(catalog.load().items()) for n, o in m.options.items() if o["type"] == "list"]
    if not listed:
        pytest.skip("no rule declares a list option yet")
    rid, name, meta = listed[0]
    ok = settings_for(dockerfile(write(tmp_path / "a" / ".layerlint.yaml", f"options:\n  {meta.name}:\n    {name}: [x]\n").parent), {})
    assert ok.options[rid] == {name: ["x"]}
    message = error_for(tmp_path, f"options:\n  {rid}:\n    {name}: 3\n")
    assert f":3: options: {rid}.{name} must be list, not int" in message
    message = error_for(tmp_path, f"options:\n  {rid}:\n    {name}x: [a]\n")
    assert f":3: options: {rid} has no option '{name}x' (did you mean '{name}'?)" in message
    assert ":2: options: unknown rule 'LL9999'" in error_for(tmp_path, "options:\n  LL9999: {a: 1}\n")


def test_command_line_selectors_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"--extend-select: unknown rule 'LL0001' \(did you mean 'LL001'\?\)"):
        settings_for("Dockerfile", {"extend_select": ("LL0001",)}, isolated=True)


def test_area_prefixes_are_valid_selectors_even_before_a_rule_exists() -> None:
    assert config.selector_problem("LL6") is None and config.selector_problem("all") is None
    assert config.selector_problem("LL9") is not None


# --------------------------------------------------------------------------- precedence


def test_command_line_beats_file_and_lists_accumulate(tmp_path: Path) -> None:
    write(tmp_path / ".layerlint.yaml", "select: [LL0]\nextend-select: [LL1]\nignore: [LL002]\nfailure-threshold: error\n"
          "severity: {LL001: warning, LL002: info}\nbuild-args: {A: 1, B: x}\ntarget: app\n")  # fmt: skip
    path = dockerfile(tmp_path)
    from_file = settings_for(path, {})
    assert from_file.select == ("LL0",) and from_file.extend_select == ("LL1",)
    assert from_file.failure_threshold is Severity.ERROR and from_file.build_args == {"A": "1", "B": "x"}
    cli = settings_for(path, {"ignore": ("LL001",), "failure_threshold": Severity.STYLE, "build_args": {"B": "y"}, "target": "t"})
    assert cli.ignore == ("LL002", "LL001")  # a command-line --ignore must not re-enable what the file ignores
    assert cli.failure_threshold is Severity.STYLE and cli.build_args == {"A": "1", "B": "y"} and cli.target == "t"
    assert cli.severity == {"LL001": "warning", "LL002": "info"}
    selected = settings_for(path, {"select": ("LL002",)})
    assert selected.select == ("LL002",) and selected.extend_select == ()  # --select means exactly these
    assert settings_for(path, {}, isolated=True).select is None


def test_explicit_config_file_replaces_discovery(tmp_path: Path) -> None:
    write(tmp_path / ".layerlint.yaml", "select: [LL0]\n")
    other = write(tmp_path / "elsewhere" / "ci.yaml", "select: [LL1]\n")
    assert settings_for(dockerfile(tmp_path), {}, config_file=str(other)).select == ("LL1",)
    with pytest.raises(ConfigError, match="not found"):
        settings_for(dockerfile(tmp_path), {}, config_file=str(tmp_path / "missing.yaml"))


def test_edited_config_is_read_again(tmp_path: Path) -> None:
    cfg = write(tmp_path / ".layerlint.yaml", "select: [LL0]\n")
    assert settings_for(dockerfile(tmp_path), {}).select == ("LL0",)
    cfg.write_text("select: [LL1]\n", encoding="utf-8")
    os.utime(cfg, (1, 1))
    assert settings_for(dockerfile(tmp_path), {}).select == ("LL1",)


# --------------------------------------------------------------------------- discovery


def test_nearest_config_upward_wins(tmp_path: Path) -> None:
    write(tmp_path / ".layerlint.yaml", "select: [LL0]\n")
    write(tmp_path / "svc" / "layerlint.yaml", "select: [LL1]\n")
    assert settings_for(dockerfile(tmp_path / "svc" / "deep" / "er"), {}).select == ("LL1",)
    assert settings_for(dockerfile(tmp_path / "other"), {}).source == str(tmp_path / ".layerlint.yaml")


def test_yaml_beats_pyproject_in_one_folder_and_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.layerlint]\nselect = ['LL1']\n")
    write(tmp_path / "app" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert settings_for(dockerfile(tmp_path / "app"), {}).select == ("LL1",)
    write(tmp_path / ".layerlint.yml", "select: [LL0]\n")
    config.clear_cache()
    assert settings_for(dockerfile(tmp_path / "app"), {}).select == ("LL0",)


def test_pyproject_table_and_its_error_lines(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.layerlint]\nignore = ['LL002']\n\n[tool.layerlint.severity]\nLL001 = 'style'\n")
    settings = settings_for(dockerfile(tmp_path), {})
    assert settings.ignore == ("LL002",) and settings.severity == {"LL001": "style"}
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n\n[tool.layerlint]\nignore = ['LL002']\nno_fail = true\n")
    config.clear_cache()
    with pytest.raises(ConfigError, match=r"pyproject.toml:6: unknown key 'no_fail' \(did you mean 'no-fail'\?\)"):
        settings_for(dockerfile(tmp_path), {})


def test_per_file_ignores_are_relative_to_the_config_file(tmp_path: Path) -> None:
    write(tmp_path / ".layerlint.yaml", "per-file-ignores:\n  'dev/*': [LL002]\n  Dockerfile.test: LL001\n")
    rules = catalog.load()
    prod = settings_for(dockerfile(tmp_path / "prod"), {})
    dev_path = dockerfile(tmp_path / "dev")
    dev = settings_for(dev_path, {})
    assert "LL002" in enabled_rules(prod, rules, dockerfile(tmp_path / "prod"))
    assert "LL002" not in enabled_rules(dev, rules, dev_path)
    test_path = str(write(tmp_path / "x" / "y" / "Dockerfile.test", "FROM a\n"))
    assert "LL001" not in enabled_rules(settings_for(test_path, {}), rules, test_path)


def test_per_file_ignores_match_relative_command_line_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".layerlint.yaml", "per-file-ignores:\n  'dev/*': [LL002]\n")
    dockerfile(tmp_path / "dev")
    monkeypatch.chdir(tmp_path)
    settings = settings_for("dev/Dockerfile", {"ignore": ("LL001",)})
    assert not {"LL001", "LL002"} & enabled_rules(settings, catalog.load(), "dev/Dockerfile")


# --------------------------------------------------------------------------- hadolint


HADOLINT = """\
ignored: [DL1000, SC2086]
override:
  style: [DL3023]
failure-threshold: none
no-fail: true
trustedRegistries: docker.io
label-schema: {author: text}
"""


def test_hadolint_config_is_mapped_through_aliases(tmp_path: Path) -> None:
    write(tmp_path / ".hadolint.yaml", HADOLINT)
    settings = settings_for(dockerfile(tmp_path / "svc"), {})
    assert settings.ignore == (*catalog.resolve_all("DL1000"), "SC2086")  # ShellCheck codes are ignored as such
    assert settings.severity == {rid: "style" for rid in catalog.resolve_all("DL3023")}
    assert settings.failure_threshold is Severity.STYLE and settings.no_fail is True
    assert settings.trusted_registries == ("docker.io",)
    label_rules = [rid for rid, meta in catalog.load().items() if "label-schema" in meta.options]
    assert label_rules, "a rule takes hadolint's label-schema"
    for rid in label_rules:
        assert settings.options[rid]["label-schema"] == {"author": "text"}
        assert rid in settings.extend_select  # hadolint checks labels as soon as a schema is set
    for rid in config.registry_rules():
        assert "docker.io" in next(iter(settings.options[rid].values()))
        assert rid in settings.extend_select  # hadolint checks registries as soon as they are listed


def test_layerlint_config_anywhere_up_beats_a_nearer_hadolint_config(tmp_path: Path) -> None:
    write(tmp_path / ".layerlint.yaml", "select: [LL0]\n")
    write(tmp_path / "svc" / ".hadolint.yml", "ignored: [DL1000]\n")
    assert settings_for(dockerfile(tmp_path / "svc"), {}).select == ("LL0",)


def test_user_level_hadolint_config_is_the_last_resort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "home" / ".hadolint" / "config.yaml", "ignored: [DL1000]\n")
    assert settings_for(dockerfile(tmp_path / "p"), {}).ignore == ("LL001",)
    write(tmp_path / "xdg" / "hadolint.yaml", "failure-threshold: error\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    config.clear_cache()
    assert settings_for(dockerfile(tmp_path / "p"), {}).failure_threshold is Severity.ERROR


def test_hadolint_config_type_errors_name_file_and_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "ignored: [DL1000]\nstrict-labels: sometimes\n", ".hadolint.yaml")
    assert ".hadolint.yaml:2: strict-labels:" in message


# --------------------------------------------------------------------------- start-up


def test_importing_config_loads_no_heavy_module() -> None:
    code = "import sys, layerlint.config; print(sorted(m for m in ('pydantic', 'ruamel.yaml', 'tomllib', 'tomli') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_no_config_file_means_no_heavy_module(tmp_path: Path) -> None:
    code = (
        "import sys; from layerlint.config import settings_for; settings_for(sys.argv[1], {}); "
        "print(sorted(m for m in ('pydantic', 'ruamel.yaml', 'tomllib') if m in sys.modules))"
    )
    env = {**os.environ, "HOME": str(tmp_path / "home")}
    out = subprocess.run([sys.executable, "-c", code, dockerfile(tmp_path)], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize(
    "text,line,tag",
    [
        ('select: [LL]\nignore: !!python/object/apply:os.system ["echo owned"]\n', 2, "!!python/object/apply:os.system"),
        ("ignore:\n  - !custom LL001\n", 2, "!custom"),
    ],
)
def test_tagged_yaml_values_are_refused_with_their_line(tmp_path: Path, text: str, line: int, tag: str) -> None:
    assert error_for(tmp_path, text).endswith(f".layerlint.yaml:{line}: YAML tag {tag!r} is not allowed (plain values only)")
