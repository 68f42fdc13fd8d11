"""Where the hadolint-compatible rules deliberately see more than hadolint: expanded variables,
shell-local assignments, inherited SHELL and USER, image references."""

from __future__ import annotations

import pytest

from layerlint.checks.compat_facts import parse_image, program_name
from rule_harness import lint_snippet


def lines(text: str, rule: str, **kwargs) -> list[int]:  # type: ignore[no-untyped-def]
    return [f.line for f in lint_snippet(text, (rule,), **kwargs) if f.code == rule]


@pytest.mark.parametrize(
    ("ref", "registry", "path", "tag", "digest"),
    [
        ("debian", None, "debian", None, None),
        ("localhost:5000/app", "localhost:5000", "app", None, None),
        ("ghcr.io/org/app:1.2@sha256:abc", "ghcr.io", "org/app", "1.2", "sha256:abc"),
        ("org/app:latest", None, "org/app", "latest", None),
    ],
)
def test_parse_image_splits_like_docker(ref: str, registry: str | None, path: str, tag: str | None, digest: str | None) -> None:
    image = parse_image(ref)
    assert (image.registry, image.path, image.tag, image.digest) == (registry, path, tag, digest)


def test_program_name_ignores_path_and_exe() -> None:
    assert program_name("/usr/local/bin/bash") == "bash"
    assert program_name("C:\\Windows\\powershell.exe") == "powershell"


def test_from_image_is_judged_by_its_global_arg_value() -> None:
    text = "ARG A=debian\nARG B=debian:12\nARG C\nFROM $A\nFROM $B\nFROM ${C}\n"
    assert lines(text, "LL101") == [4]


def test_packages_in_arg_env_and_shell_variables_are_expanded() -> None:
    text = (
        "FROM alpine:3.20\n"
        'ARG PINNED="bash=5.2.26-r0 curl~8"\n'
        "ENV LOOSE=jq\n"
        "RUN apk add $PINNED\n"
        "RUN apk add $LOOSE\n"
        'RUN deps="git=2.45.2-r0" && apk add $deps\n'
        "RUN apk add $(cat packages.txt) $UNKNOWN\n"
    )
    found = lint_snippet(text, ("LL404",))
    assert [f.line for f in found] == [5]
    assert "`jq`" in found[0].message


def test_onbuild_triggers_are_checked_without_guessing_their_variables() -> None:
    text = "FROM python:3.12\nARG P=flask\nONBUILD RUN pip install $P\nONBUILD RUN pip install requests\n"
    assert lines(text, "LL402") == [4]


def test_pipefail_shell_is_inherited_from_parent_stage_and_found_by_basename() -> None:
    text = (
        "FROM debian:12 AS base\n"
        'SHELL ["/usr/bin/bash", "-eo", "pipefail", "-c"]\n'
        "FROM base\n"
        "RUN curl -fsSL x | tar -xz\n"
        "FROM debian:12\n"
        "RUN curl -fsSL x | tar -xz\n"
        "RUN set -o pipefail; curl -fsSL x | tar -xz\n"
    )
    assert lines(text, "LL514") == [6]


def test_shell_pragma_override_turns_pipefail_rule_off() -> None:
    """``RuleContext.shell_override`` is what the ``# hadolint shell=pwsh`` pragma sets."""
    from layerlint.build import analyze
    from layerlint.checks.compat_shell import pipe_without_pipefail
    from layerlint.parse import parse_text
    from layerlint.rule import RuleContext

    dockerfile = parse_text("FROM mcr.microsoft.com/powershell:7.4\nRUN Get-Item x | Select-Object Name\n")
    run = dockerfile.instructions[1]
    for override, expected in ((None, 1), ("pwsh", 0), ("/bin/bash", 1)):
        ctx = RuleContext(dockerfile, analyze(dockerfile), shell_override=override)
        assert len(list(pipe_without_pipefail(ctx, run))) == expected


def test_root_user_of_a_builder_stage_is_not_reported_but_inherited_root_is() -> None:
    builder = "FROM golang:1.23 AS build\nUSER root\nRUN go build .\nFROM alpine:3.20\nCOPY --from=build /a /a\n"
    assert lines(builder, "LL601") == []
    inherited = "FROM debian:12 AS base\nARG WHO=root\nUSER $WHO\nFROM base\nRUN true\n"
    assert lines(inherited, "LL601") == [3]


def test_trusted_registries_accept_wildcards_and_docker_hub_aliases() -> None:
    text = "FROM ubuntu:24.04\nFROM hub.docker.com/library/debian:12\nFROM a.corp.example/x:1\nFROM quay.io/y:1\n"
    assert lines(text, "LL105", options={"LL105": {"registries": ["docker.io", "*.corp.example"]}}) == [4]
    assert lines(text, "LL105") == []


def test_copy_from_a_later_stage_names_the_line() -> None:
    found = lint_snippet("FROM alpine:3.20\nCOPY --from=build /a /a\nFROM golang:1.23 AS build\n", ("LL507",))
    assert [f.line for f in found] == [2]
    assert "line 3" in found[0].message


def test_apt_get_yes_accepts_quiet_level_two_and_piped_yes() -> None:
    text = "FROM debian:12\nRUN apt-get install -q=2 curl\nRUN yes | apt-get install curl\nRUN apt-get -o APT::Get::Assume-Yes=true install curl\nRUN apt-get remove curl\n"
    assert lines(text, "LL406") == [5]
