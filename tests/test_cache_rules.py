"""Build-cache rules (LL201-LL211) on the cases their YAML pages do not show.

Most cases here are precision cases: correct idioms that must stay quiet.  Each case is
(rule, Dockerfile, build-context files, expected lines).
"""

from __future__ import annotations

import pytest
from rule_harness import lint_snippet

from layerlint.checks.cache_args import is_volatile

CASES: list[tuple[str, str, str, dict[str, str] | None, list[int]]] = [
    # ------------------------------------------------------------------ LL201
    ("LL201", "bind mount of the manifest", """\
FROM node:20-slim
WORKDIR /app
COPY . .
RUN --mount=type=bind,source=package.json,target=package.json npm ci
""", None, []),
    ("LL201", "npm cache mount makes the re-run cheap", """\
FROM node:20-slim
WORKDIR /app
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci
""", None, []),
    ("LL201", "install inherited from a FROM <stage> parent's COPY", """\
FROM node:20-slim AS base
WORKDIR /app
COPY . .
FROM base AS deps
RUN npm ci --omit=dev
""", None, [5]),
    ("LL201", "named packages are not a manifest install", """\
FROM python:3.12-slim
COPY . /app
RUN pip install --no-cache-dir gunicorn && npm install -g pm2
""", None, []),
    ("LL201", "cd into a sub-project of the copied tree", """\
FROM node:20-slim
WORKDIR /app
COPY . .
RUN cd frontend && npm ci && npm run build
""", None, [4]),
    ("LL201", "a copied subdirectory that cannot hold the manifest", """\
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY src/ ./src/
RUN npm ci
""", None, []),
    ("LL201", "go build from the vendor directory downloads nothing", """\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -mod=vendor -o /app .
""", None, []),
    ("LL201", "a module without go.sum has nothing to download", """\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app .
""", {"go.mod": "module x\n\ngo 1.22\n", "main.go": "package main\n"}, []),
    ("LL201", "vendored modules", """\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app .
""", {"go.mod": "module x\n", "go.sum": "", "vendor/modules.txt": ""}, []),
    ("LL201", "a module with go.sum downloads", """\
FROM golang:1.22
WORKDIR /src
COPY . .
RUN go build -o /app .
""", {"go.mod": "module x\n", "go.sum": ""}, [4]),
    ("LL201", "dotnet restore after the whole context", """\
FROM mcr.microsoft.com/dotnet/sdk:8.0
WORKDIR /src
COPY . .
RUN dotnet restore && dotnet publish -c Release -o /out
""", None, [4]),
    ("LL201", "an unknown WORKDIR variable leaves the paths unknown", """\
FROM node:20-slim
WORKDIR $APP_HOME
COPY . /srv
RUN npm ci
""", None, []),
    ("LL201", "pip install --no-deps of the project after its dependencies", """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN pip install --no-deps -e . && pip install -r requirements.txt
""", None, []),
    ("LL201", "bun install after the whole context", """\
FROM oven/bun:1
WORKDIR /app
COPY . .
RUN bun install --frozen-lockfile && bun run build
""", None, [4]),
    ("LL201", "a heredoc RUN is read too", """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN <<EOF
set -e
poetry install --no-interaction
EOF
""", None, [7]),
    ("LL201", "a yarn script is not an install", """\
FROM node:20-slim
WORKDIR /app
COPY package.json yarn.lock ./
RUN yarn install --frozen-lockfile
COPY . .
RUN yarn build
""", None, []),
    ("LL201", "with a trusted context, a copied directory without the manifest does not count", """\
FROM node:20-slim
WORKDIR /app
COPY web/ ./
RUN npm ci
""", {"web/index.js": "", "package.json": "{}"}, []),
    ("LL201", "whole-context bind mount on the install", """\
FROM python:3.12-slim
WORKDIR /app
RUN --mount=type=bind,target=. pip install -r requirements.txt
""", None, [3]),
    # ------------------------------------------------------------------ LL212
    ("LL212", "a package list read from the context", """\
FROM debian:12-slim
COPY . /src
RUN apt-get update && xargs -a /src/packages.txt apt-get install -y
""", None, []),
    ("LL212", "a RUN that also uses the sources", """\
FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN apt-get update && apt-get install -y gcc && make build
""", None, []),
    ("LL212", "a copy in the parent stage is out of reach", """\
FROM python:3.12-slim AS base
COPY . /app
FROM base
RUN pip install gunicorn==22.0.0
""", None, []),
    ("LL212", "alpine packages and a user after the copy", """\
FROM alpine:3.20
COPY . /srv
RUN apk add --no-cache curl && addgroup -S app && adduser -S -G app app
""", None, [3]),
    # ------------------------------------------------------------------ LL202
    ("LL202", "the later install refreshes its own lists", """\
FROM debian:12-slim
RUN apt-get update
RUN apt-get update && apt-get install -y curl
""", None, []),
    ("LL202", "nothing installs after the update", """\
FROM debian:12-slim
RUN apt-get update
CMD ["bash"]
""", None, []),
    ("LL202", "heredoc body with a lone update", """\
# syntax=docker/dockerfile:1
FROM debian:12-slim
RUN <<EOF
apt-get update
EOF
RUN apt-get install -y --no-install-recommends curl
""", None, [4]),
    ("LL202", "dnf refreshes expired metadata itself", """\
FROM fedora:40
RUN dnf makecache
RUN dnf install -y git
""", None, []),
    # ------------------------------------------------------------------ LL203
    ("LL203", "used by the first RUN after it", """\
FROM golang:1.22
ARG VERSION
RUN go build -ldflags "-X main.version=$VERSION" -o /app .
""", None, []),
    ("LL203", "a global ARG only reaches FROM lines", """\
ARG BUILD_DATE
FROM alpine:3.20
RUN apk add --no-cache curl
""", None, []),
    ("LL203", "SOURCE_DATE_EPOCH and cache busters are deliberate", """\
FROM debian:12-slim
ARG SOURCE_DATE_EPOCH
ARG CACHEBUST=1
RUN apt-get update && apt-get install -y curl
""", None, []),
    ("LL203", "a pinned tool version is not a per-build value", """\
FROM debian:12-slim
ARG NODE_VERSION=20.11.1
RUN apt-get update && apt-get install -y curl
RUN curl -fsSL https://nodejs.org/dist/v$NODE_VERSION/node-v$NODE_VERSION-linux-x64.tar.xz | tar -xJ
""", None, []),
    ("LL203", "COPY and WORKDIR are not invalidated by the environment", """\
FROM alpine:3.20
ARG GIT_SHA
WORKDIR /app
COPY . .
LABEL revision=$GIT_SHA
""", None, []),
    ("LL203", "a LABEL right after the ARG does not pin it there", """\
FROM debian:bookworm-slim
ARG BUILD_DATE
ARG VERSION
LABEL build_version="version:- ${VERSION} Build-date:- ${BUILD_DATE}"
RUN apt-get update && apt-get install -y --no-install-recommends calibre && rm -rf /var/lib/apt/lists/*
EXPOSE 8080
""", None, [2, 3]),
    ("LL203", "never named in the stage", """\
FROM node:20-slim
ARG COMMIT_SHA
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
""", None, [2]),
    ("LL203", "a commit hash costs nothing more after the sources are copied", """\
FROM node:20-alpine
WORKDIR /app
COPY . ./
ARG COMMIT_TAG
ENV COMMIT_TAG=${COMMIT_TAG}
RUN pnpm build
RUN echo "{\\"commitTag\\": \\"${COMMIT_TAG}\\"}" > committag.json
""", None, []),
    ("LL203", "a build date re-runs even the RUNs after the sources", """\
FROM node:20-alpine
WORKDIR /app
COPY . ./
ARG BUILD_DATE
RUN npm run build
LABEL created=$BUILD_DATE
""", None, [4]),
    # ------------------------------------------------------------------ LL204
    ("LL204", "a tag is left alone", """\
FROM alpine:3.20
ADD https://github.com/moby/buildkit.git#v0.13.0 /src
""", None, []),
    ("LL204", "a query pins a commit", """\
FROM alpine:3.20
ADD https://github.com/moby/buildkit.git?tag=v0.13.0&checksum=66735c67 /src
""", None, []),
    ("LL204", "exec form and a branch query", """\
FROM alpine:3.20
ADD ["https://github.com/moby/buildkit.git?branch=master", "/src"]
ADD ["https://example.org/a.tar.gz", "/a/"]
""", None, [2, 3]),
    # ------------------------------------------------------------------ LL205 / LL211
    ("LL205", "a COPY source missing from the directory: not this build's context", """\
FROM node:20-slim
COPY frontend/package.json ./
COPY . .
""", None, []),
    ("LL205", "COPY --from a stage is not the context", """\
FROM node:20-slim AS build
FROM nginx:1.27
COPY --from=build . /usr/share/nginx/html
""", None, []),
    ("LL211", "no .git in the context", """\
FROM python:3.12-slim
COPY . /app
""", {".dockerignore": "*.pyc\n"}, []),
    ("LL211", "a negated pattern re-includes .git", """\
FROM python:3.12-slim
COPY . /app
""", {".dockerignore": ".git\n!.git\n", ".git/HEAD": "ref: refs/heads/main\n"}, [2]),
    # ------------------------------------------------------------------ LL206
    ("LL206", "a wildcard brings the lock file", """\
FROM node:20-slim
WORKDIR /app
COPY package*.json ./
RUN npm ci
""", None, []),
    ("LL206", "the lock file is excluded by .dockerignore", """\
FROM node:20-slim
WORKDIR /app
COPY package.json ./
RUN npm install
""", {"package.json": "{}", "package-lock.json": "{}", ".dockerignore": "package-lock.json\n"}, []),
    ("LL206", "a lenient install with the lock in the context", """\
FROM golang:1.22
WORKDIR /src
COPY go.mod ./
RUN go mod download
""", {"go.mod": "module x\n", "go.sum": ""}, [4]),
    ("LL206", "yarn 1 runs without a lock even when frozen: lenient, context unknown", """\
FROM node:20-slim
WORKDIR /app
COPY package.json ./
RUN yarn install --frozen-lockfile
""", None, []),
    ("LL206", "pnpm refuses to run frozen without its lock", """\
FROM node:20-slim
WORKDIR /app
COPY package.json ./
RUN corepack enable && pnpm install --frozen-lockfile
""", None, [4]),
    ("LL206", "the lock reaches the RUN through a bind mount", """\
FROM node:20-slim
WORKDIR /app
COPY package.json ./
RUN --mount=type=bind,source=package-lock.json,target=package-lock.json npm ci
""", None, []),
    # ------------------------------------------------------------------ LL207
    ("LL207", "no cache mount, nothing to defeat", """\
FROM python:3.12-slim
RUN pip install --no-cache-dir flask && pip cache purge
""", None, []),
    ("LL207", "an unrelated cache mount", """\
FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.npm pip install --no-cache-dir flask
""", None, []),
    ("LL207", "apk --no-cache with the apk cache mounted", """\
FROM alpine:3.20
RUN --mount=type=cache,target=/var/cache/apk apk add --no-cache curl
""", None, [2]),
    # ------------------------------------------------------------------ LL208 / LL209
    ("LL208", "docker-clean removed in the same RUN", """\
FROM debian:12-slim
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
    rm -f /etc/apt/apt.conf.d/docker-clean && apt-get update && apt-get install -y curl
""", None, []),
    ("LL208", "only the lists are cached", """\
FROM debian:12-slim
RUN --mount=type=cache,target=/var/lib/apt,sharing=locked apt-get update && apt-get install -y curl
""", None, []),
    ("LL209", "private sharing is safe too", """\
FROM debian:12-slim
RUN --mount=type=cache,target=/var/lib/apt,sharing=private apt-get update
""", None, []),
    # ------------------------------------------------------------------ LL210
    ("LL210", "root runs the tool", """\
FROM python:3.12-slim
USER root
RUN --mount=type=cache,target=/root/.cache/pip pip install flask
""", None, []),
    ("LL210", "the variable points into the mount", """\
FROM python:3.12-slim
ENV PIP_CACHE_DIR=/cache/pip
RUN --mount=type=cache,target=/cache pip install flask
""", None, []),
    ("LL210", "an export in the script moves the cache", """\
FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/uv export UV_CACHE_DIR=/tmp/uv && uv pip install --system flask
""", None, [2]),
]


@pytest.mark.parametrize(("rule", "title", "text", "files", "lines"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_case(rule: str, title: str, text: str, files: dict[str, str] | None, lines: list[int]) -> None:
    found = sorted({f.line for f in lint_snippet(text, (rule,), files=files) if f.code == rule})
    assert found == lines


@pytest.mark.parametrize(
    ("name", "volatile"),
    [
        ("BUILD_DATE", True),
        ("GIT_COMMIT", True),
        ("VCS_REF", True),
        ("GITHUB_RUN_ID", True),
        ("APP_VERSION", True),
        ("buildTimestamp", True),
        ("NODE_VERSION", False),
        ("PROTOBUF_COMMIT", False),
        ("WAIT_TIME", False),
        ("USER_ID", False),
        ("NODE_SHA256", False),
        ("SOURCE_DATE_EPOCH", False),
    ],
)
def test_volatile_names(name: str, volatile: bool) -> None:
    assert is_volatile(name) is volatile


def test_messages_name_the_cost_and_the_cause() -> None:
    text = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\n"
    (finding,) = [f for f in lint_snippet(text, ("LL201",)) if f.code == "LL201"]
    assert finding.message.startswith("every edit to the copied sources re-runs this `npm ci`")
    assert "line 3 `COPY . .`" in finding.message
    assert (finding.line, finding.column, finding.end_column) == (4, 5, 11)


def test_volatile_arg_message_points_at_first_use() -> None:
    text = "FROM alpine:3.20\nARG BUILD_DATE\nRUN apk add --no-cache git\nRUN echo $BUILD_DATE > /built\n"
    (finding,) = [f for f in lint_snippet(text, ("LL203",)) if f.code == "LL203"]
    assert "re-runs line 3" in finding.message and "just before line 4" in finding.message
    assert (finding.line, finding.column) == (2, 5)


def test_volatile_arg_used_only_by_a_label_moves_with_it() -> None:
    text = "FROM alpine:3.20\nARG BUILD_DATE\nLABEL created=$BUILD_DATE\nRUN apk add --no-cache git\n"
    (finding,) = [f for f in lint_snippet(text, ("LL203",)) if f.code == "LL203"]
    assert finding.message.endswith("Move it (with the LABEL on line 3) to the end of the stage.")


def test_malformed_url_and_mount_flags_found_by_fuzzing_do_not_crash() -> None:
    from rule_harness import lint_snippet

    bad_url = "FROM alpine:3.20\nADD https://[github.com/x.jar /x\n"
    assert [f.code for f in lint_snippet(bad_url, ("LL204",))] == ["LL204"]
    mount_after_other_flag = (
        "FROM golang:1.22\nRUN --network=none --ount=type=cache,target=/go/pkg/mod \\\n"
        "    --mount=type=bind,target=. go build ./...\n"
    )
    findings = lint_snippet(mount_after_other_flag, ("LL205",))
    assert [f.code for f in findings] == ["LL205"]
    assert findings[0].line == 3
