"""False positives and bugs found by linting 40 public Dockerfiles, as minimal synthetic cases.

Each case is written from scratch to show one pattern seen in real files (official images,
application repositories, BuildKit's own Dockerfile); none copies a real file. A case whose bug
is still present carries ``xfail(strict=True)``: the suite stays green, and the mark must go
when the fix lands (strict turns the unexpected pass into a failure). The ``STILL_REPORTED``
table pins the true positives of the same rules, so a fix cannot silence a rule wholesale.
"""

from __future__ import annotations

import pytest
from rule_harness import fix_snippet, lint_snippet

from layerlint.rule import Finding, Safety


def _hits(text: str, rid: str, *also: str) -> list[Finding]:
    """Findings of ``rid`` with ``also`` enabled too (LL003 judges only suppressions of rules that ran)."""
    return [f for f in lint_snippet(text, (rid, *also)) if f.code == rid]


def _open(reason: str):  # type: ignore[no-untyped-def]
    """An xfail mark for a bug that is still present (strict: a fix must remove the mark)."""
    return pytest.mark.xfail(strict=True, reason=reason)


def _quiet(case_id: str, rid: str, text: str, bug: str | None, *also: str):  # type: ignore[no-untyped-def]
    """A case where ``rid`` must stay silent; ``bug`` says why it does not yet."""
    return pytest.param(rid, text, also, id=f"{rid}-{case_id}", marks=_open(bug) if bug else ())


_HADOLINT_DL3009 = (
    "# hadolint global ignore=DL3009\n"
    "FROM debian:12-slim\n"
    "RUN --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n"
    "    --mount=type=cache,target=/var/cache,sharing=locked \\\n"
    "    apt-get update && apt-get install -y --no-install-recommends curl\n"
)

QUIET = [
    # LL514 pipe-without-pipefail
    _quiet(
        "case-one-line",
        "LL514",
        'FROM alpine:3.20\nRUN case "$(uname -m)" in x86_64|aarch64) echo n ;; esac\n',
        None,
    ),
    _quiet(
        "case-continued",
        "LL514",
        'FROM debian:12-slim\nRUN arch="$(dpkg --print-architecture)"; \\\n    case "$arch" in \\\n'
        "        amd64 | arm64) \\\n# a comment line inside the RUN\n            echo supported; \\\n"
        "            ;; \\\n    esac\n",
        None,
    ),
    _quiet("echo-checksum", "LL514", 'FROM debian:12-slim\nRUN echo "$SUM  pkg.tgz" | sha256sum -c -\n', None),
    _quiet("printf", "LL514", "FROM debian:12-slim\nRUN printf 'a\\nb\\n' | sort -u > /tmp/list\n", None),
    _quiet(
        "echo-group",
        "LL514",
        "FROM debian:12-slim\nRUN { echo '[r]'; echo 'enabled=1'; } | tee /etc/r.repo\n",
        None,
    ),
    _quiet(
        "argument-substitution",
        "LL514",
        'FROM alpine:3.20\nRUN mkdir -p "/out/build-$(uname -m | tr _ -)"\n',
        None,
    ),
    _quiet(
        "windows-cmd",
        "LL514",
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir C:\\Windows | findstr System32\n",
        None,
    ),
    _quiet("no-pipe-at-all", "LL514", 'FROM alpine:3.20\nRUN case "$x" in a) echo a ;; esac\n', None),
    # LL145 copy-whole-stage-filesystem
    _quiet(
        "scratch-stage",
        "LL145",
        "FROM golang:1.22 AS build\nRUN go build -o /out/tool ./cmd/tool\nFROM scratch AS export\n"
        "COPY --from=build /out/tool /tool\nFROM scratch\nCOPY --from=export / /\n",
        None,
    ),
    _quiet(
        "unknown-helper-image",
        "LL145",
        "FROM golang:1.22-alpine AS build\nCOPY --from=example/cross-helpers:1.0 / /\nRUN xx-go build ./...\n",
        None,
    ),
    _quiet(
        "helper-image-stage",
        "LL145",
        "FROM --platform=$BUILDPLATFORM tonistiigi/xx:1.4 AS xx\nFROM golang:1.22-alpine\nCOPY --from=xx / /\n",
        None,
    ),
    # LL304 apk-cache-left-in-layer
    _quiet(
        "apk-no-network",
        "LL304",
        "FROM alpine:3.20\nRUN apk add --no-cache gcc && apk add --no-network --virtual .rundeps so:libc.musl-x86_64.so.1\n",
        None,
    ),
    # LL308 yarn-cache-left-in-layer
    *(
        _quiet(f"yarn{flag}", "LL308", f"FROM node:20-slim\nRUN yarn {flag}\n", None)
        for flag in ("--version", "-v", "--help")
    ),
    # LL317 build-toolchain-in-final-image
    _quiet(
        "apt-mark-purge",
        "LL317",
        "FROM debian:12-slim\n"
        'RUN set -eux; saved="$(apt-mark showmanual)"; apt-get update; \\\n'
        "    apt-get install -y --no-install-recommends gcc make; make -C /usr/src/app install; \\\n"
        "    apt-mark auto '.*' > /dev/null; apt-mark manual $saved; \\\n"
        "    apt-get purge -y --auto-remove; rm -rf /var/lib/apt/lists/*\n"
        'CMD ["app"]\n',
        None,
    ),
    # LL312 files-removed-in-later-layer
    _quiet(
        "tiny-config",
        "LL312",
        "FROM debian:12-slim\n"
        "RUN echo 'Acquire::http::Proxy \"http://proxy:3128\";' > /etc/apt/apt.conf.d/30proxy\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
        "RUN rm -f /etc/apt/apt.conf.d/30proxy\n",
        None,
    ),
    # LL502 cd-in-run
    _quiet(
        "mktemp",
        "LL502",
        'FROM debian:12-slim\nRUN tmp="$(mktemp -d)"; cd "$tmp"; touch x; cd /; rm -rf "$tmp"\n',
        None,
    ),
    _quiet(
        "removed-dir",
        "LL502",
        "FROM debian:12-slim\nRUN mkdir /b && cd /b && echo w > f && cd / && rm -rf /b\n",
        None,
    ),
    _quiet(
        "mount-target",
        "LL502",
        "FROM debian:12-slim\nRUN --mount=type=bind,target=/src cd /src && cat README\n",
        None,
    ),
    # LL620 secret-in-arg-or-env
    _quiet("gpg", "LL620", "FROM debian:12-slim\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\n", None),
    _quiet("pgp", "LL620", "FROM debian:12-slim\nARG PGP_KEY=0x64E628F8D684696D\n", None),
    _quiet(
        "empty-env",
        "LL620",
        'FROM python:3.12-slim\nENV OPENAI_API_KEY=""\n',
        "BuildKit's SecretsUsedInArgOrEnv reports an empty ENV too (its own test expects `ENV git_key=`); kept to agree",
    ),
    # LL003 unused-suppression
    _quiet(
        "hadolint-dl3009",
        "LL003",
        _HADOLINT_DL3009,
        None,
        "LL301",
    ),
]


@pytest.mark.parametrize(("rid", "text", "also"), QUIET)
def test_no_finding(rid: str, text: str, also: tuple[str, ...]) -> None:
    assert [f.line for f in _hits(text, rid, *also)] == []


STILL_REPORTED = {
    "LL514-curl-into-shell": ("LL514", "FROM debian:12-slim\nRUN curl -fsSL https://example.invalid/i.sh | sh\n", [2]),
    "LL514-wget-into-tar": (
        "LL514",
        "FROM alpine:3.20\nRUN wget -qO- https://example.invalid/t.tgz | tar xz -C /opt\n",
        [2],
    ),
    "LL514-pipe-after-case": (
        "LL514",
        'FROM debian:12-slim\nRUN case "$(uname -m)" in x86_64) echo x ;; esac; find /usr -name "*.so" | xargs ls\n',
        [2],
    ),
    "LL514-pipe-in-assignment": ("LL514", "FROM alpine:3.20\nRUN set -e; arch=\"$(uname -m | tr _ -)\"; echo $arch\n", [2]),
    "LL514-pipe-in-subshell": ("LL514", "FROM alpine:3.20\nRUN (wget -qO- https://example.invalid/x | tar xz)\n", [2]),
    "LL145-os-stage": ("LL145", "FROM debian:12 AS build\nRUN make\nFROM alpine:3.20\nCOPY --from=build / /\n", [4]),
    "LL145-os-image": ("LL145", "FROM alpine:3.20\nCOPY --from=debian:12 / /\n", [2]),
    "LL145-official-image": ("LL145", "FROM alpine:3.20\nCOPY --from=busybox / /\n", [2]),
    "LL145-unknown-image-stage-that-runs": (
        "LL145",
        "FROM example/builder:2 AS build\nRUN make\nFROM alpine:3.20\nCOPY --from=build / /\n",
        [4],
    ),
    "LL308-bare-yarn": ("LL308", "FROM node:20-slim\nCOPY package.json yarn.lock ./\nRUN yarn\n", [3]),
    "LL317-toolchain-kept": (
        "LL317",
        (
            "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc make \\\n"
            '    && make -C /usr/src/app install && rm -rf /var/lib/apt/lists/*\nCMD ["app"]\n'
        ),
        [2],
    ),
    "LL317-toolchain-re-marked-manual": (
        "LL317",
        (
            "FROM debian:12-slim\n"
            "RUN apt-get update && apt-get install -y --no-install-recommends gcc make; make -C /usr/src/app install; \\\n"
            "    apt-mark auto '.*' > /dev/null; apt-mark manual gcc; apt-get purge -y --auto-remove\n"
            'CMD ["app"]\n'
        ),
        [2],
    ),
    "LL312-lists-later": (
        "LL312",
        "FROM debian:12-slim\nRUN apt-get update\nRUN apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n",
        [4],
    ),
    "LL312-small-file-in-removed-tree": (
        "LL312",
        "FROM debian:12-slim\nCOPY . /src\nRUN rm -rf /src\n",
        [3],
    ),
    "LL502-lasting-dir": ("LL502", "FROM debian:12-slim\nRUN mkdir -p /app && cd /app && touch marker\n", [2]),
    "LL502-cd-back-then-lasting": (
        "LL502",
        'FROM debian:12-slim\nRUN --mount=type=bind,target=/src cd /src && make; cd /; cd /opt && touch x\n',
        [2],
    ),
    "LL502-removed-elsewhere": ("LL502", "FROM debian:12-slim\nRUN rm -rf /b; mkdir /b && cd /b && touch f\n", [2]),
    "LL620-api-key": ("LL620", "FROM alpine:3.20\nARG VENDOR_API_KEY\nENV VENDOR_API_KEY=${VENDOR_API_KEY}\n", [2, 3]),
}


@pytest.mark.parametrize(("rid", "text", "lines"), STILL_REPORTED.values(), ids=STILL_REPORTED.keys())
def test_still_reported(rid: str, text: str, lines: list[int]) -> None:
    assert [f.line for f in _hits(text, rid)] == lines


def test_hadolint_pragma_is_not_removed_by_a_safe_fix() -> None:
    fixed = fix_snippet(_HADOLINT_DL3009, ("LL003", "LL301"))
    assert fixed.startswith("# hadolint global ignore=DL3009\n")


def test_unused_layerlint_suppression_is_still_reported_and_fixed_safely() -> None:
    hits = _hits("FROM alpine:3.20\n# layerlint: ignore=LL404\nRUN echo hello\n", "LL003", "LL404")
    assert [f.line for f in hits] == [2]
    assert hits[0].fix is not None and hits[0].fix.safety is Safety.SAFE


def test_update_alone_message_names_the_subcommand() -> None:
    text = "FROM debian:12-slim\nRUN apt-get -y update\nRUN apt-get install -y --no-install-recommends curl\n"
    hits = _hits(text, "LL202")
    assert [f.line for f in hits] == [2]
    assert "`apt-get update`" in hits[0].message


def test_one_chown_of_several_copied_paths_is_one_finding() -> None:
    text = "FROM ruby:3.3\nWORKDIR /rails\nCOPY . /rails\nRUN chown -R app:app db log storage tmp\n"
    files = {f"{d}/keep": "x" for d in ("db", "log", "storage", "tmp")}
    hits = [f for f in lint_snippet(text, ("LL313",), files=files) if f.code == "LL313"]
    assert [f.line for f in hits] == [4]
    assert "/rails/db, /rails/log, /rails/storage, /rails/tmp" in hits[0].message
    assert text[hits[0].span.start : hits[0].span.end] == "db log storage tmp"
