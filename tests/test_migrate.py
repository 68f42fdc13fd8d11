"""``layerlint migrate``: a hadolint config becomes an equivalent layerlint config, comments kept."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlint import catalog, config
from layerlint.cli import UsageError
from layerlint.commands import migrate

HADOLINT = """\
# team policy
ignored:
  - DL1000   # parse errors are CI's job
  - SC2086
override:
  warning: [DL1000]
failure-threshold: warning
no-color: true
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    config.clear_cache()
    yield
    config.clear_cache()


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    migrate.add_arguments(parser)
    return migrate.run(parser.parse_args(list(argv)))


def test_writes_an_equivalent_layerlint_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".hadolint.yaml").write_text(HADOLINT, encoding="utf-8")
    assert run() == 0
    out = capsys.readouterr().out
    assert "ignored DL1000 -> ignore LL001" in out and "ignored SC2086 -> ignore SC2086" in out
    assert "no-color" in out.split("Not mapped:")[1]
    written = (tmp_path / ".layerlint.yaml").read_text(encoding="utf-8")
    assert "LL001  # hadolint DL1000" in written
    migrated = config.settings_for(str(tmp_path / "Dockerfile"), {})
    assert migrated.source == str(tmp_path / ".layerlint.yaml")
    assert migrated.ignore == (*catalog.resolve_all("DL1000"), "SC2086")
    assert migrated.severity == {"LL001": "warning"}
    assert migrated.failure_threshold.label == "warning"
    assert not migrated.no_fail


def test_existing_target_keeps_its_comments_and_values(tmp_path: Path) -> None:
    (tmp_path / "hl.yaml").write_text(HADOLINT, encoding="utf-8")
    target = tmp_path / ".layerlint.yaml"
    target.write_text("# ours, keep me\nignore:\n  - LL002  # noisy here\nno-fail: true  # for now\n", encoding="utf-8")
    assert run("hl.yaml") == 0
    written = target.read_text(encoding="utf-8")
    assert written.startswith("# ours, keep me\n")
    assert "LL002  # noisy here" in written and "no-fail: true  # for now" in written
    assert config.settings_for(str(tmp_path / "Dockerfile"), {}).ignore == ("LL002", "LL001", "SC2086")


def test_dry_run_prints_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".hadolint.yml").write_text(HADOLINT, encoding="utf-8")
    assert run("--dry-run") == 0
    captured = capsys.readouterr()
    assert "ignore:" in captured.out and "Mapped from" in captured.err
    assert not (tmp_path / ".layerlint.yaml").exists()


def test_pyproject_target_keeps_its_comments(tmp_path: Path) -> None:
    pytest.importorskip("tomlkit")
    (tmp_path / ".hadolint.yaml").write_text(HADOLINT, encoding="utf-8")
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('# build settings\n[project]\nname = "app"  # the name\n', encoding="utf-8")
    assert run("--pyproject") == 0
    written = pyproject.read_text(encoding="utf-8")
    assert written.startswith('# build settings\n[project]\nname = "app"  # the name\n')
    assert "[tool.layerlint]" in written and "# hadolint DL1000" in written
    settings = config.settings_for(str(tmp_path / "Dockerfile"), {})
    assert settings.source == str(pyproject) and settings.ignore == ("LL001", "SC2086")


def test_missing_or_broken_source_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no hadolint config found"):
        run()
    (tmp_path / ".hadolint.yaml").write_text("ignored: DL1000\nno-fail: [x]\n", encoding="utf-8")
    config.clear_cache()
    with pytest.raises(UsageError, match=r"\.hadolint\.yaml:2: no-fail"):
        run()
