"""docker-clean and what apt leaves in /var/cache/apt without it (layerlint.checks.apt_facts, LL320, LL208)."""

from __future__ import annotations

import pytest

from layerlint.checks.apt_facts import disables_docker_clean
from layerlint.rule import Finding
from layerlint.shell import parse_script
from rule_harness import fix_snippet, lint_snippet


def _hits(text: str, rule: str = "LL320") -> list[Finding]:
    return [f for f in lint_snippet(text, (rule,)) if f.code == rule]


@pytest.mark.parametrize(
    ("command", "disables"),
    [
        ("rm -f /etc/apt/apt.conf.d/docker-clean", True),
        ("rm -rf /etc/apt/apt.conf.d/*", True),
        ("unlink /etc/apt/apt.conf.d/docker-clean", True),
        ("mv /etc/apt/apt.conf.d/docker-clean /tmp/", True),
        ("echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/docker-clean", True),
        ("sed -i '/Post-Invoke/d' /etc/apt/apt.conf.d/docker-clean", True),
        ("cp /dev/null /etc/apt/apt.conf.d/docker-clean", True),
        ("echo x | tee /etc/apt/apt.conf.d/docker-clean", True),
        ("cat /etc/apt/apt.conf.d/docker-clean", False),
        ("echo 'Acquire::Retries \"3\";' >> /etc/apt/apt.conf.d/docker-clean", False),
        ("echo x | tee -a /etc/apt/apt.conf.d/docker-clean", False),
        ("sed 's/a/b/' /etc/apt/apt.conf.d/docker-clean", False),
        ("cp /etc/apt/apt.conf.d/docker-clean /tmp/saved", False),
        ("rm -f /etc/apt/apt.conf.d/keep-cache", False),
    ],
)
def test_what_disables_docker_clean(command: str, disables: bool) -> None:
    cmd = parse_script(command).commands[-1]  # `echo x | tee f`: the tee
    assert disables_docker_clean(cmd) is disables


def test_hadolint_case_lists_in_the_mount_but_archives_in_the_layer() -> None:
    text = (
        "RUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
        "RUN --mount=type=cache,target=/var/lib/apt \\\n    apt-get update && apt-get install python\n"
    )
    [hit] = _hits(text)
    assert hit.line == 3 and hit.aliases == ("DL3009",)
    assert "/var/cache/apt/archives" in hit.message and "removed on line 1" in hit.message
    assert _hits(text, "LL301") == []


@pytest.mark.parametrize(
    "run",
    [
        "--mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y curl",
        "--mount=type=tmpfs,target=/var/cache/apt apt-get update && apt-get install -y curl",
        "apt-get update && apt-get install -y curl && apt-get clean",
        "apt-get update && apt-get install -y curl && rm -rf /var/cache/apt/*",
        "apt-get update && apt-get install -y curl && rm -rf /var/cache/apt/archives/*.deb /var/cache/apt/*.bin",
        "apt-get purge -y curl",
    ],
)
def test_nothing_left_when_mounted_cleaned_or_nothing_downloaded(run: str) -> None:
    text = f"FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN {run}\n"
    assert _hits(text) == []


def test_silent_while_docker_clean_is_in_place() -> None:
    text = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
    assert _hits(text) == []
    same_run_after = "FROM debian:12\nRUN apt-get install -y curl && rm -f /etc/apt/apt.conf.d/docker-clean\n"
    assert _hits(same_run_after) == []


def test_later_install_in_the_same_run_counts() -> None:
    text = "FROM debian:12\nRUN apt-get update && rm -f /etc/apt/apt.conf.d/docker-clean && apt-get install -y curl\n"
    [hit] = _hits(text)
    assert hit.column == text.splitlines()[1].index("apt-get install") + 1
    assert "removed earlier in this RUN" in hit.message


def test_apt_keeps_only_the_binary_caches_unless_told_to_keep_downloads() -> None:
    base = "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
    [hit] = _hits(base + "RUN apt update && apt install -y git\n")
    assert "pkgcache.bin" in hit.message and ".deb" not in hit.message
    keep = "RUN echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep\n"
    [hit] = _hits(base + keep + "RUN apt install -y git && rm -f /var/cache/apt/*.bin\n")
    assert hit.message.startswith("`apt install` leaves the downloaded .deb files in /var/cache/apt/archives in")


def test_only_images_that_ship_and_onbuild_triggers_in_order() -> None:
    builder = (
        "FROM debian:12 AS build\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nRUN apt-get update && apt-get install -y gcc\n"
        "FROM debian:12\nCOPY --from=build /x /x\n"
    )
    assert _hits(builder) == []
    other_stage = "FROM debian:12 AS a\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nFROM debian:12\nRUN apt-get install -y x\n"
    assert _hits(other_stage) == []
    child = "FROM debian:12 AS a\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\nFROM a\nRUN apt-get install -y x\n"
    assert [h.line for h in _hits(child)] == [4]
    # A trigger runs in the child image: after every RUN of this one, and after the triggers before it.
    trigger = "FROM debian:12\nONBUILD RUN apt-get install -y x\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
    assert [h.line for h in _hits(trigger)] == [2]
    not_yet = "FROM debian:12\nRUN apt-get install -y x\nONBUILD RUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
    assert _hits(not_yet) == []


def test_fix_cleans_without_emptying_a_cache_mounted_on_the_archives() -> None:
    base = "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
    assert fix_snippet(base + "RUN apt-get install -y x\n", ("LL320",)) == base + "RUN apt-get install -y x && apt-get clean\n"
    mounted = "RUN --mount=type=cache,target=/var/cache/apt/archives apt-get install -y x\n"
    assert fix_snippet(base + mounted, ("LL320",)) == base + mounted.replace("\n", " && rm -f /var/cache/apt/*.bin\n")


def test_ll208_needs_docker_clean_disabled_not_just_named() -> None:
    run = "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update && apt-get install -y curl\n"
    named = "FROM debian:12\nRUN cat /etc/apt/apt.conf.d/docker-clean\n" + run
    assert [h.line for h in _hits(named, "LL208")] == [3]
    removed = "FROM debian:12\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n" + run
    assert _hits(removed, "LL208") == []
