"""Each CI/editor report format checked against its own specification.

SARIF against the OASIS 2.1.0 JSON schema (vendored in tests/data/sarif), the XML formats by
parsing them, GitHub workflow commands against the runner's grammar and escaping rules, and
GitLab Code Quality against the keys its merge request widget requires.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from layerlint.engine import lint_source, make_finding
from layerlint.report import ReportOptions, checkstyle, github, gitlab, junit, sarif
from layerlint.rule import Edit, Fix, Hit, Safety
from layerlint.settings import Settings
from layerlint.source import SourceFile, Span

SCHEMA = Path(__file__).resolve().parent / "data" / "sarif" / "sarif-schema-2.1.0.json"
BROKEN = 'FROM alpine\nCOPY --owner=app . /app\nRUNN echo hi\nCMD ["a", ["b"]]\n'
OPTIONS = ReportOptions()


def lint(text: str, path: str = "Dockerfile"):  # type: ignore[no-untyped-def]
    """Findings of the syntax rules only, so rules added later cannot change these cases."""
    source = SourceFile(path, text)
    return lint_source(source, Settings(select=("LL001", "LL002"))).findings, {path: source}


def synthetic(message: str, path: str = "Dockerfile", text: str = "FROM alpine\nRUN echo 'a,b'\n", fix: Fix | None = None):  # type: ignore[no-untyped-def]
    """A finding with an awkward message, positioned on line 2 of ``text``."""
    source = SourceFile(path, text)
    start = text.index("RUN")
    return make_finding(source, "LL002", Hit(Span(start, start + 3), message, fix)), source


# --------------------------------------------------------------------------- SARIF


@pytest.fixture(scope="module")
def sarif_validator():  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid_sarif(validator, text: str) -> dict:  # type: ignore[no-untyped-def]
    log = json.loads(text)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return log


def test_sarif_is_valid_and_complete(sarif_validator, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = str(tmp_path / "svc" / "my app" / "Dockerfile")
    findings, sources = lint(BROKEN, path)
    log = assert_valid_sarif(sarif_validator, sarif.render(findings, sources, OPTIONS))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert [r["ruleId"] for r in run["results"]] == [f.code for f in findings]
    for result, finding in zip(run["results"], findings):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "svc/my%20app/Dockerfile", "uriBaseId": "%SRCROOT%"}
        assert location["region"] == {
            "startLine": finding.line,
            "startColumn": finding.column,
            "endLine": finding.end_line,
            "endColumn": finding.end_column,
        }
        assert result["level"] == "error"
    ll001 = next(r for r in rules if r["id"] == "LL001")
    assert ll001["defaultConfiguration"]["level"] == "error"
    assert "syntax" in ll001["properties"]["tags"]
    assert ll001["help"]["markdown"].startswith("**LL001 syntax-error**")
    assert "```dockerfile" in ll001["help"]["markdown"]
    assert "Why" in ll001["help"]["text"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    for rule in rules:  # GitHub ranks security alerts by this score
        if rule["properties"]["category"] == "security":
            assert 0.0 < float(rule["properties"]["security-severity"]) <= 10.0


def test_sarif_with_no_findings_and_with_a_fix_is_valid(sarif_validator) -> None:
    assert assert_valid_sarif(sarif_validator, sarif.render([], {}, OPTIONS))["runs"][0]["results"] == []
    fix = Fix("quote it", (Edit(Span(12, 15), "run"),), Safety.UNSAFE)
    finding, source = synthetic("msg", fix=fix)
    log = assert_valid_sarif(sarif_validator, sarif.render([finding], {source.path: source}, OPTIONS))
    change = log["runs"][0]["results"][0]["fixes"][0]
    assert change["description"]["text"] == "quote it (unsafe fix)"
    assert change["artifactChanges"][0]["replacements"][0] == {
        "deletedRegion": {"charOffset": 12, "charLength": 3},
        "insertedContent": {"text": "run"},
    }


def test_fingerprints_survive_moved_lines_and_separate_duplicates() -> None:
    text = "FROM alpine\nRUNN a\nRUNN a\n"
    findings, sources = lint(text)
    moved, moved_sources = lint("# comment\n\n" + text.replace("FROM alpine", "FROM alpine\nENV X=1"))
    before = sarif.fingerprints(findings, sources)
    after = sarif.fingerprints(moved, moved_sources)
    assert len(before) == 2 and len(set(before)) == 2  # same rule, same text: told apart by occurrence
    assert before == after
    renamed, renamed_sources = lint(text, "other/Dockerfile")
    assert set(sarif.fingerprints(renamed, renamed_sources)).isdisjoint(before)


# --------------------------------------------------------------------------- GitHub

_PROPERTY = r"[A-Za-z]+=[^,:\r\n]*"
COMMAND = re.compile(rf"^::(error|warning|notice) ({_PROPERTY}(?:,{_PROPERTY})*)::([^\r\n]*)$")


def _unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: chr(int(m.group(1), 16)), text)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    m = COMMAND.match(line)
    assert m, f"not a workflow command: {line!r}"
    props = dict(p.split("=", 1) for p in m.group(2).split(","))
    return m.group(1), {k: _unescape(v) for k, v in props.items()}, _unescape(m.group(3))


def test_github_commands_follow_the_runner_grammar() -> None:
    findings, sources = lint(BROKEN)
    lines = github.render(findings, sources, OPTIONS).splitlines()
    assert len(lines) == len(findings)
    for line, f in zip(lines, findings):
        level, props, message = parse_command(line)
        assert level == "error"
        assert props == {
            "file": "Dockerfile",
            "line": str(f.line),
            "col": str(f.column),
            "endColumn": str(f.end_column),
            "title": f"{f.code} {f.name}",
        }
        assert message == f.message


def test_github_escapes_data_and_properties() -> None:
    message = "100% of it:\nsee a,b\r\n"
    finding, source = synthetic(message, path="dir,x/a:b/Dockerfile")
    (line,) = github.render([finding], {source.path: source}, OPTIONS).splitlines()
    assert "%25" in line and "%0A" in line and "%0D" in line
    _, props, text = parse_command(line)
    assert text == message
    assert props["file"] == "dir,x/a:b/Dockerfile"


def test_github_omits_columns_for_multiline_findings() -> None:
    text = "FROM alpine\nRUN echo a \\\n  b\n"
    source = SourceFile("Dockerfile", text)
    finding = make_finding(source, "LL002", Hit(Span(12, len(text) - 1), "spans two lines"))
    _, props, _ = parse_command(github.command(finding))
    assert props["line"] == "2" and props["endLine"] == "3"
    assert "col" not in props and "endColumn" not in props


# --------------------------------------------------------------------------- GitLab


def test_gitlab_code_quality_has_required_keys(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    findings, sources = lint(BROKEN + "RUNN echo hi\n", str(tmp_path / "Dockerfile"))
    issues = json.loads(gitlab.render(findings, sources, OPTIONS))
    assert len(issues) == len(findings)
    for issue, f in zip(issues, findings):
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= issue.keys()
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert issue["location"]["path"] == "Dockerfile"
        assert issue["location"]["lines"]["begin"] == f.line >= 1
        assert f.code in issue["check_name"]
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert {i["severity"] for i in issues} == {"blocker"}  # syntax errors stop the build


def test_gitlab_severity_scale() -> None:
    finding, _ = synthetic("x")
    from dataclasses import replace

    from layerlint.rule import Severity

    scale = [gitlab.severity(replace(finding, category="size", severity=s)) for s in Severity]
    assert scale == ["info", "minor", "major", "critical"]


# --------------------------------------------------------------------------- XML


def test_checkstyle_is_well_formed_and_escaped() -> None:
    message = "a <b> & \"c\" 'd'\nnext\x07"
    finding, source = synthetic(message)
    clean = SourceFile("clean/Dockerfile", "FROM alpine\n")
    root = ET.fromstring(checkstyle.render([finding], {source.path: source, clean.path: clean}, OPTIONS))
    assert root.tag == "checkstyle"
    files = root.findall("file")
    assert [f.get("name") for f in files] == ["Dockerfile", "clean/Dockerfile"]
    (error,) = files[0].findall("error")
    assert error.attrib == {
        "line": "2",
        "column": "1",
        "severity": "error",
        "message": "a <b> & \"c\" 'd'\nnext\ufffd",
        "source": "layerlint.LL002",
    }
    assert files[1].findall("error") == []


def test_junit_has_a_suite_per_file_and_a_case_per_finding() -> None:
    findings, sources = lint(BROKEN)
    clean = SourceFile("ok/Dockerfile", "FROM alpine\n")
    sources[clean.path] = clean
    root = ET.fromstring(junit.render(findings, sources, OPTIONS))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == (str(len(findings) + 1), str(len(findings)))
    broken, ok = root.findall("testsuite")
    assert broken.get("name") == "Dockerfile" and broken.get("failures") == str(len(findings))
    cases = broken.findall("testcase")
    assert len(cases) == len(findings)
    for case, f in zip(cases, findings):
        failure = case.find("failure")
        assert failure is not None and failure.get("type") == f.code and failure.get("message") == f.message
        assert f"{f.line}:{f.column}" in (failure.text or "")
    (passing,) = ok.findall("testcase")
    assert ok.get("failures") == "0" and passing.find("failure") is None
