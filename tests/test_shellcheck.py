"""LL090: ShellCheck on RUN scripts - hadolint's cases, exact positions, one process, SC selection.

Tests that run ShellCheck skip when the binary is absent (``pip install 'layerlint[shellcheck]'``);
the rest (selection, suppression without the binary, reading ShellCheck's JSON) always run.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from layerlint import shellcheck as tool
from layerlint.config import ConfigError, merge, to_values
from layerlint.engine import lint_source
from layerlint.rule import Finding, Severity
from layerlint.settings import Settings, enabled_rules, severity_for, subcode_enabled
from layerlint.source import SourceFile

CASES = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "hadolint" / "shellcheck_cases.yaml"
needs_shellcheck = pytest.mark.skipif(
    tool.find_binary() is None, reason="shellcheck not installed (pip install 'layerlint[shellcheck]')"
)
NAMES = ("shellcheck",)


def lint(text: str, **settings: Any) -> list[Finding]:
    settings.setdefault("select", ("LL090", "LL003", "LL004"))
    return lint_source(SourceFile("Dockerfile", text), Settings(**settings)).findings


def sc(findings: list[Finding]) -> list[tuple[str, int, int]]:
    """(SC code, line, column) of the ShellCheck findings."""
    return sorted((f.aliases[0], f.line, f.column) for f in findings if f.code == "LL090")


@pytest.fixture(autouse=True)
def _fresh_results(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tool, "_results", {})


# --------------------------------------------------------------------------- hadolint's cases


@cache
def _cases() -> list[dict[str, Any]]:
    if not CASES.is_file():
        return []
    import yaml

    return yaml.safe_load(CASES.read_text(encoding="utf-8"))


def test_the_case_file_has_hadolints_37_shellcheck_cases() -> None:
    if not CASES.is_file():
        pytest.skip(f"conformance data not found at {CASES}")
    assert len(_cases()) == 37
    assert {c["rule"] for c in _cases()} == {"SC*"}


@needs_shellcheck
@pytest.mark.parametrize("n", range(37), ids=lambda n: f"case{n}")
def test_hadolint_shellcheck_case(n: int) -> None:
    if n >= len(_cases()):
        pytest.skip(f"conformance data not found at {CASES}")
    case = _cases()[n]
    found = sc(lint(case["dockerfile"] + "\n", select=("shellcheck",)))
    assert bool(found) == (case["expect"] == "catch"), f"{case['name']} ({case['source']}): {found}"


# --------------------------------------------------------------------------- positions


@needs_shellcheck
def test_positions_through_continuations_tabs_and_comment_lines() -> None:
    text = "FROM debian:12\nRUN echo a \\\n# a comment\n\t\t&& echo $lower \\\n  &&\tcd /opt; ls\n"
    assert sc(lint(text)) == [("SC2086", 4, 11), ("SC2154", 4, 11), ("SC2164", 5, 6)]


@needs_shellcheck
def test_positions_in_heredoc_bodies() -> None:
    text = (
        "FROM debian:12\n"
        "RUN <<EOF\n"
        "echo $one\n"
        "EOF\n"
        "RUN cat <<-EOF > /etc/motd && echo \\\n"
        "\t$two\n"
        "\thello $three\n"
        "\tEOF\n"
    )
    found = sc(lint(text))
    assert ("SC2086", 3, 6) in found and ("SC2154", 3, 6) in found
    assert ("SC2086", 6, 2) in found  # the continuation of the command, after the heredoc word
    assert ("SC2154", 7, 8) in found  # expanded in the unquoted heredoc the shell reads


@needs_shellcheck
def test_non_ascii_text_keeps_character_columns() -> None:
    assert sc(lint('FROM debian:12\nRUN echo "é😀" $lower\n')) == [("SC2086", 2, 15), ("SC2154", 2, 15)]


@needs_shellcheck
def test_a_heredoc_shebang_names_the_shell_and_a_python_body_is_not_shell() -> None:
    assert sc(lint("FROM debian:12\nRUN <<EOF\necho $RANDOM\nEOF\n")) == [("SC3028", 3, 6)]
    assert sc(lint("FROM debian:12\nRUN <<EOF\n#!/bin/bash\necho $RANDOM\nEOF\n")) == []
    assert sc(lint("FROM debian:12\nRUN <<EOF\n#!/usr/bin/env python3\nprint($x)\nEOF\n")) == []


@needs_shellcheck
def test_shell_instruction_and_pragma_choose_the_shebang() -> None:
    bash = 'FROM debian:12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\nRUN echo $RANDOM\n'
    assert sc(lint(bash)) == []
    assert sc(lint("# hadolint shell=bash\nFROM debian:12\nRUN echo $RANDOM\n")) == []
    assert sc(lint("FROM debian:12\nRUN echo $RANDOM\n")) == [("SC3028", 2, 10)]


@needs_shellcheck
def test_severity_is_shellchecks_level() -> None:
    levels = {f.aliases[0]: f.severity for f in lint("FROM debian:12\nRUN cd /opt; echo $x\n")}
    assert levels == {"SC2164": Severity.WARNING, "SC2154": Severity.WARNING, "SC2086": Severity.INFO}


@needs_shellcheck
def test_one_process_for_every_script_of_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(cmd: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(cmd)
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", counting)
    runs = "".join(f"RUN echo ${{v{n}}}\n" for n in range(5))
    text = f"FROM debian:12 AS a\n{runs}FROM a\nRUN <<EOF\necho $w\nEOF\nONBUILD RUN echo $z\n"
    found = sc(lint(text))
    assert len(calls) == 1
    assert len([c for c in calls[0] if c.endswith(".sh")]) == 7  # five RUNs, one heredoc body, one trigger
    assert {line for _, line, _ in found} == {2, 3, 4, 5, 6, 9, 11}


@needs_shellcheck
def test_declared_variables_are_known_to_shellcheck_but_not_in_onbuild_triggers() -> None:
    text = 'FROM debian:12\nARG lower_arg\nENV lower_env=1\nRUN echo "$lower_arg $lower_env"\nONBUILD RUN echo "$lower_env"\n'
    assert sc(lint(text)) == [("SC2154", 5, 19)]


# --------------------------------------------------------------------------- selection and suppression


@needs_shellcheck
def test_ignore_and_select_name_sc_codes() -> None:
    text = "FROM debian:12\nRUN cd /opt; echo $x\n"
    assert [c for c, _, _ in sc(lint(text, select=None, shellcheck=True, ignore=("SC2086",)))] == ["SC2154", "SC2164"]
    assert [c for c, _, _ in sc(lint(text, select=("SC",)))] == ["SC2086", "SC2154", "SC2164"]
    assert [c for c, _, _ in sc(lint(text, select=("SC2164",)))] == ["SC2164"]
    assert [c for c, _, _ in sc(lint(text, select=None, extend_select=("SC21",)))] == ["SC2154", "SC2164"]
    assert sc(lint(text, select=None)) == []  # opt-in: nothing without --shellcheck or a selector


@needs_shellcheck
def test_severity_override_by_sc_code() -> None:
    findings = lint("FROM debian:12\nRUN echo $x\n", severity={"SC2086": "error"})
    assert {f.aliases[0]: f.severity for f in findings} == {"SC2086": Severity.ERROR, "SC2154": Severity.WARNING}


@needs_shellcheck
@pytest.mark.parametrize(
    "pragma", ["# hadolint ignore=SC2086", "# layerlint: ignore=SC2086", "# hadolint ignore=DL3003,SC2086"]
)
def test_pragmas_suppress_one_sc_code(pragma: str) -> None:
    findings = lint(f"FROM debian:12\n{pragma}\nRUN echo $x\nRUN echo $y\n")
    assert sc(findings) == [("SC2086", 4, 10), ("SC2154", 3, 10), ("SC2154", 4, 10)]
    assert [f.code for f in findings if f.code != "LL090"] == []


@needs_shellcheck
def test_global_pragma_and_rule_name_suppress_every_sc_code() -> None:
    assert sc(lint("# hadolint global ignore=SC2086,SC2154\nFROM debian:12\nRUN echo $x\n")) == []
    assert sc(lint("FROM debian:12\n# layerlint: ignore=shellcheck\nRUN echo $x\n")) == []


@needs_shellcheck
def test_an_unused_sc_suppression_is_reported_only_where_the_code_was_checked() -> None:
    text = "FROM debian:12\n# layerlint: ignore=SC2164\nRUN echo hi\n"
    assert [(f.code, f.line) for f in lint(text)] == [("LL003", 2)]
    assert lint(text, ignore=("SC2164",)) == []


def test_without_the_binary_nothing_is_reported_and_stderr_says_so_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(tool, "find_binary", lambda: None)
    monkeypatch.setattr(tool, "_said", set())
    text = "FROM debian:12\n# layerlint: ignore=SC2086\nRUN echo $x\n# layerlint: ignore=shellcheck\nRUN echo $y\n"
    assert lint(text) == []  # no LL003 either: the suppressions could not be judged
    assert lint(text + "RUN echo $z\n") == []
    assert capsys.readouterr().err.count("shellcheck not found") == 1


def test_exec_form_and_non_posix_shells_start_no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tool, "find_binary", lambda: pytest.fail("ShellCheck was started"))
    assert lint('FROM debian:12\nRUN ["sh", "-c", "echo $x"]\n') == []
    assert lint('FROM debian:12\nSHELL ["pwsh", "-c"]\nRUN Write-Host $x\n') == []
    assert lint("# hadolint shell=powershell\nFROM debian:12\nRUN Write-Host $x\n") == []


def test_sc_selectors_choose_codes_most_specific_first() -> None:
    def on(code: str, **kw: Any) -> bool:
        return subcode_enabled(Settings(**kw), "LL090", NAMES, code, "Dockerfile")

    assert on("SC2086", shellcheck=True) and not on("SC2086", shellcheck=True, ignore=("SC2086",))
    assert not on("SC2086", shellcheck=True, ignore=("SC",)) and on("SC2154", shellcheck=True, ignore=("SC20",))
    assert on("SC2086", select=("SC2086",)) and not on("SC2154", select=("SC2086",))
    assert not on("SC2154", extend_select=("SC2086",)) and on("SC2154", select=("LL0",))
    assert on("SC2086", select=("LL090",), ignore=("SC",), extend_select=("SC2086",))
    assert not on("SC2086", select=("all",), per_file_ignores={"*": ("SC2086",)})


def test_sc_selectors_enable_the_rule_and_ignoring_the_rule_disables_it() -> None:
    from layerlint import catalog

    rules = catalog.load()
    assert "LL090" not in enabled_rules(Settings(), rules)
    assert "LL090" in enabled_rules(Settings(shellcheck=True), rules)
    assert "LL090" in enabled_rules(Settings(select=("LL3",), shellcheck=True), rules)
    assert "LL090" in enabled_rules(Settings(extend_select=("SC2086",)), rules)
    assert "LL090" not in enabled_rules(Settings(shellcheck=True, ignore=("shellcheck",)), rules)
    assert severity_for(Settings(severity={"SC": "error"}), "LL090", "info", NAMES, "SC2086") == Severity.ERROR


def test_config_key_and_sc_codes_in_config_files() -> None:
    from layerlint.config import Where

    where = Where(".layerlint.yaml", lambda loc: 1)
    values, _ = to_values({"shellcheck": True, "ignore": ["SC2086"], "severity": {"SC2154": "error"}}, where)
    settings = merge(None, values, "Dockerfile")
    assert settings.shellcheck is True and settings.ignore == ("SC2086",)
    with pytest.raises(ConfigError, match="shellcheck"):
        to_values({"shellcheck": "yes"}, where)
    with pytest.raises(ConfigError, match="unknown rule 'SCX'"):
        to_values({"ignore": ["SCX"]}, where)


# --------------------------------------------------------------------------- reading ShellCheck's JSON


def test_json1_positions_become_offsets_and_header_comments_are_placed() -> None:
    inputs = [tool.Input("/bin/sh", ("A", "B"), "echo\t$x\nls"), tool.Input("/bin/zsh", (), "echo")]
    keys = ("file", "line", "column", "endLine", "endColumn", "level", "code")
    raw = [
        dict(zip(keys, ("0.sh", 4, 6, 4, 8, "info", 2086))),
        dict(zip(keys, ("0.sh", 2, 8, 2, 9, "warning", 2123))),  # on an export line: dropped
        dict(zip(keys, ("1.sh", 1, 1, 1, 9, "error", 1071))),  # on the shebang: the script's start
        dict(zip(keys, ("0.sh", 5, 1, 9, 9, "odd", 1))),  # past the end: clamped
    ]
    got = [(c.index, c.start, c.end, c.code, c.level) for c in tool.parse_comments(raw, inputs)]
    assert got == [(0, 5, 7, "SC2086", "info"), (1, 0, 0, "SC1071", "error"), (0, 8, 10, "SC1", "error")]
    assert inputs[0].header == "#!/bin/sh\nexport A=1\nexport B=1\n"


def test_identical_scripts_are_checked_once_and_reported_for_each(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[tool.Input, ...]] = []

    def fake(binary: str, inputs: tuple[tool.Input, ...]) -> list[tool.Comment]:
        seen.append(inputs)
        return [tool.Comment(n, 5, 7, "SC2086", "info", "q") for n, item in enumerate(inputs) if "$x" in item.text]

    monkeypatch.setattr(tool, "find_binary", lambda: "shellcheck")
    monkeypatch.setattr(tool, "_run", fake)
    found = sc(lint("FROM debian:12\nRUN echo $x\nRUN echo hi\nRUN echo $x\n"))
    assert [len(inputs) for inputs in seen] == [2]
    assert found == [("SC2086", 2, 10), ("SC2086", 4, 10)]
