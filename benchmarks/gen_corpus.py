"""Generate a corpus of realistic, varied Dockerfiles for the speed and robustness benchmarks.

Usage: python benchmarks/gen_corpus.py OUTDIR [-n 1000] [--seed 0] [--huge 30]

Real repositories are too few and too alike to measure throughput on, so files are assembled
from templates of the shapes seen in practice: apt/apk/yum/dnf installs, pip/poetry/uv,
npm/yarn/pnpm, Go and Rust builds, multi-stage builds, heredocs, cache and bind mounts, long
``&&`` chains over continuation lines, and ``--huge`` files of 300+ instructions (monorepo
style images).  The same seed always gives the same files, so runs compare like with like.
The files are plausible, not all clean: they carry the habits linters flag (unpinned
packages, lists left behind, ``cd`` in RUN) in the proportions real code has them.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable, Iterator
from pathlib import Path

DEBIAN_BASES = ("debian:12-slim", "debian:bookworm", "ubuntu:22.04", "ubuntu:24.04", "python:3.12-slim", "node:20-bookworm-slim")
ALPINE_BASES = ("alpine:3.20", "alpine:3.19", "python:3.12-alpine", "node:22-alpine", "golang:1.22-alpine")
RPM_BASES = ("rockylinux:9", "fedora:40", "amazonlinux:2023", "centos:7", "registry.access.redhat.com/ubi9/ubi")
APT_PKGS = ("curl", "ca-certificates", "git", "gcc", "g++", "make", "libpq-dev", "libssl-dev", "pkg-config", "unzip",
            "gnupg", "wget", "jq", "tzdata", "locales", "openssh-client", "build-essential", "python3-dev", "libffi-dev",
            "libxml2-dev", "zlib1g-dev", "postgresql-client", "netcat-openbsd", "procps", "vim-tiny", "xz-utils")
APK_PKGS = ("curl", "ca-certificates", "git", "bash", "build-base", "openssl", "tzdata", "libffi-dev", "musl-dev",
            "postgresql-dev", "jq", "tini", "su-exec", "openssh-client", "py3-pip", "linux-headers")
RPM_PKGS = ("curl", "git", "gcc", "make", "openssl-devel", "python3", "python3-pip", "tar", "gzip", "which",
            "procps-ng", "shadow-utils", "unzip", "jq", "findutils")
PIP_PKGS = ("flask", "django", "gunicorn", "uvicorn[standard]", "fastapi", "requests", "numpy", "pandas", "celery[redis]",
            "psycopg2-binary", "sqlalchemy", "boto3", "pydantic", "redis", "pytest", "black", "httpx")
NPM_PKGS = ("express", "typescript", "pm2", "nodemon", "@nestjs/cli", "prisma", "serve", "yarn", "pnpm", "esbuild")
GO_MODS = ("github.com/go-delve/delve/cmd/dlv", "golang.org/x/tools/cmd/goimports", "github.com/swaggo/swag/cmd/swag")


class _Doc:
    """A Dockerfile being written: lines plus the random source shared by its pieces."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def pick(self, seq: tuple[str, ...], lo: int = 1, hi: int = 4) -> list[str]:
        return self.rnd.sample(seq, self.rnd.randint(lo, min(hi, len(seq))))

    def maybe(self, p: float) -> bool:
        return self.rnd.random() < p

    def version(self) -> str:
        return f"{self.rnd.randint(0, 9)}.{self.rnd.randint(0, 30)}.{self.rnd.randint(0, 12)}"

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _chain(doc: _Doc, commands: list[str], mounts: list[str] = ()) -> None:
    """One RUN: commands joined by ``&&`` over continuation lines (sometimes on one line)."""
    head = "RUN " + "".join(f"--mount={m} " for m in mounts)
    if len(commands) > 2 or mounts or doc.maybe(0.5):
        doc.add(head + "set -eux; \\" if doc.maybe(0.2) else head.rstrip() + " \\")
        for i, cmd in enumerate(commands):
            doc.add(f"    {cmd}" + (" && \\" if i < len(commands) - 1 else ""))
    else:
        doc.add(head + " && ".join(commands))


def _apt(doc: _Doc) -> None:
    pkgs = doc.pick(APT_PKGS, 1, 8)
    if doc.maybe(0.3):
        pkgs = [f"{p}={doc.version()}-1" for p in pkgs]
    flags = "-y --no-install-recommends" if doc.maybe(0.6) else "-y"
    cmds = ["apt-get update", f"apt-get install {flags} " + " ".join(pkgs)]
    if doc.maybe(0.6):
        cmds.append("rm -rf /var/lib/apt/lists/*")
    if doc.maybe(0.25):
        _chain(doc, ["apt-get update", f"apt-get install {flags} " + " ".join(pkgs)],
               ["type=cache,target=/var/cache/apt,sharing=locked", "type=cache,target=/var/lib/apt,sharing=locked"])
    else:
        _chain(doc, cmds)


def _apk(doc: _Doc) -> None:
    pkgs = doc.pick(APK_PKGS, 1, 7)
    if doc.maybe(0.3):
        pkgs = [f"{p}={doc.version()}-r0" for p in pkgs]
    if doc.maybe(0.7):
        doc.add("RUN apk add --no-cache " + " ".join(pkgs))
    else:
        _chain(doc, ["apk update", "apk add " + " ".join(pkgs), "rm -rf /var/cache/apk/*"])


def _rpm(doc: _Doc) -> None:
    tool = doc.rnd.choice(("yum", "dnf", "microdnf"))
    pkgs = doc.pick(RPM_PKGS, 1, 7)
    cmds = [f"{tool} install -y " + " ".join(pkgs)]
    if doc.maybe(0.6):
        cmds.append(f"{tool} clean all")
    if doc.maybe(0.3):
        cmds.insert(0, f"{tool} -y update")
    _chain(doc, cmds)


def _pip(doc: _Doc) -> None:
    style = doc.rnd.randrange(5)
    if style == 0:
        doc.add("COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt")
    elif style == 1:
        pkgs = [p if doc.maybe(0.5) else f"{p}=={doc.version()}" for p in doc.pick(PIP_PKGS, 1, 5)]
        doc.add("RUN pip install " + " ".join(f'"{p}"' if "[" in p else p for p in pkgs))
    elif style == 2:
        doc.add("COPY requirements.txt .")
        _chain(doc, ["pip install -r requirements.txt"], ["type=cache,target=/root/.cache/pip"])
    elif style == 3:
        doc.add("RUN pip install --no-cache-dir poetry==1.8.3", "COPY pyproject.toml poetry.lock ./",
                "RUN poetry config virtualenvs.create false && poetry install --no-interaction --no-root --only main")
    else:
        doc.add("COPY --from=ghcr.io/astral-sh/uv:0.4.20 /uv /usr/local/bin/uv", "COPY pyproject.toml uv.lock ./")
        _chain(doc, ["uv sync --locked --no-install-project --no-dev"], ["type=cache,target=/root/.cache/uv"])


def _npm(doc: _Doc) -> None:
    style = doc.rnd.randrange(4)
    if style == 0:
        doc.add("COPY package.json package-lock.json ./", "RUN npm ci --omit=dev")
    elif style == 1:
        doc.add("COPY . .", "RUN npm install && npm run build")
    elif style == 2:
        doc.add("COPY package.json yarn.lock ./")
        _chain(doc, ["yarn install --frozen-lockfile"], ["type=cache,target=/usr/local/share/.cache/yarn"])
    else:
        doc.add("RUN npm install -g " + " ".join(doc.pick(NPM_PKGS, 1, 3)), "COPY package*.json ./", "RUN npm ci")


def _heredoc(doc: _Doc) -> None:
    if doc.maybe(0.5):
        doc.add("RUN <<EOF", "set -e", "apt-get update", "apt-get install -y --no-install-recommends curl",
                "rm -rf /var/lib/apt/lists/*", "EOF")
    else:
        name = doc.rnd.choice(("nginx.conf", "app.ini", "entrypoint.sh"))
        doc.add(f"COPY <<-'EOT' /etc/{name}", "\tlisten 8080;", "\tworkers ${WORKERS:-4};", "EOT")
    if doc.maybe(0.3):
        doc.add("RUN python3 <<PY", "import sys", "print(sys.version)", "PY")


def _long_chain(doc: _Doc, lo: int = 15, hi: int = 60) -> None:
    """The 'one giant RUN' style: 15-60 commands joined with && over continuations."""
    steps = []
    for _ in range(doc.rnd.randint(lo, hi)):
        kind = doc.rnd.randrange(8)
        if kind == 0:
            steps.append(f"curl -fsSL https://example.com/tool-{doc.version()}.tar.gz -o /tmp/t.tgz")
        elif kind == 1:
            steps.append("tar -xzf /tmp/t.tgz -C /usr/local/bin && rm /tmp/t.tgz")
        elif kind == 2:
            steps.append(f"mkdir -p /opt/app/{doc.rnd.choice(('logs', 'data', 'cache', 'tmp'))}")
        elif kind == 3:
            steps.append("chmod +x /usr/local/bin/*")
        elif kind == 4:
            steps.append(f'echo "export PATH=/opt/bin:$PATH" >> /etc/profile.d/{doc.rnd.randint(1, 99)}.sh')
        elif kind == 5:
            steps.append("ln -sf /usr/share/zoneinfo/UTC /etc/localtime")
        elif kind == 6:
            steps.append("cd /tmp && make -j$(nproc) install")
        else:
            steps.append("if [ -f /etc/os-release ]; then . /etc/os-release; fi")
    _chain(doc, steps)


def _setup(doc: _Doc) -> None:
    """A short download-and-install RUN, the common middle ground."""
    _long_chain(doc, 2, 8)


def _go(doc: _Doc) -> None:
    doc.add("ARG GO_VERSION=1.22", f"FROM --platform=$BUILDPLATFORM golang:${{GO_VERSION}}-bookworm AS build", "WORKDIR /src")
    if doc.maybe(0.6):
        _chain(doc, ["go mod download -x"], ["type=cache,target=/go/pkg/mod/", "type=bind,source=go.sum,target=go.sum",
                                             "type=bind,source=go.mod,target=go.mod"])
        doc.add("ARG TARGETOS", "ARG TARGETARCH")
        _chain(doc, ['CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags "-s -w" -o /bin/app ./cmd/app'],
               ["type=cache,target=/go/pkg/mod/", "type=cache,target=/root/.cache/go-build", "type=bind,target=."])
    else:
        doc.add("COPY go.mod go.sum ./", "RUN go mod download", "COPY . .", "RUN go build -o /bin/app ./...")
        if doc.maybe(0.3):
            doc.add("RUN go install " + doc.rnd.choice(GO_MODS) + "@latest")
    doc.add(f"FROM {doc.rnd.choice(('gcr.io/distroless/static-debian12:nonroot', 'scratch', 'alpine:3.20'))}",
            "COPY --from=build /bin/app /app", "USER 65532:65532" if doc.maybe(0.5) else "EXPOSE 8080",
            'ENTRYPOINT ["/app"]')


def _tail(doc: _Doc) -> None:
    if doc.maybe(0.5):
        doc.add(f"ENV APP_ENV=production PORT={doc.rnd.choice(('80', '8000', '8080', '3000'))}")
    if doc.maybe(0.4):
        doc.add('LABEL org.opencontainers.image.source="https://example.com/repo" maintainer="ops@example.com"')
    if doc.maybe(0.3):
        doc.add("HEALTHCHECK --interval=30s --timeout=3s CMD curl -f http://localhost/ || exit 1")
    if doc.maybe(0.5):
        doc.add("RUN useradd --create-home app" if doc.maybe(0.5) else "RUN adduser -D app", "USER app")
    doc.add(doc.rnd.choice(('CMD ["python", "-m", "app"]', "CMD gunicorn app:app", 'ENTRYPOINT ["/docker-entrypoint.sh"]',
                             'CMD ["node", "server.js"]', "CMD npm start")))


INSTALLERS: dict[str, tuple[tuple[str, ...], tuple[Callable[[_Doc], None], ...]]] = {
    "debian": (DEBIAN_BASES, (_apt, _apt, _pip, _npm, _heredoc, _setup)),
    "alpine": (ALPINE_BASES, (_apk, _apk, _pip, _npm, _setup)),
    "rpm": (RPM_BASES, (_rpm, _rpm, _pip, _setup)),
}


def _stage(doc: _Doc, family: str, name: str | None, steps: int, heredocs: bool = True) -> None:
    bases, installers = INSTALLERS[family]
    if not heredocs:
        installers = tuple(i for i in installers if i is not _heredoc)
    doc.add(f"FROM {doc.rnd.choice(bases)}" + (f" AS {name}" if name else ""))
    if doc.maybe(0.7):
        doc.add(f"WORKDIR /{doc.rnd.choice(('app', 'src', 'srv', 'opt/app'))}")
    for _ in range(steps):
        installer = doc.rnd.choice(installers)
        if doc.maybe(0.1):
            doc.add(f"# {installer.__name__.strip('_')} step")
        installer(doc)
        if doc.maybe(0.15):
            doc.add(f"ARG BUILD_{doc.rnd.randint(1, 9)}={doc.version()}")


def dockerfile(rnd: random.Random, kind: str) -> str:
    """One Dockerfile of the given kind: small, multistage, go, heredoc, chain or huge."""
    doc = _Doc(rnd)
    if doc.maybe(0.5):
        doc.add("# syntax=docker/dockerfile:1")
    if doc.maybe(0.1):
        doc.add("# hadolint ignore=DL3008")
    family = rnd.choice(tuple(INSTALLERS))
    if kind == "go":
        _go(doc)
        return doc.text()
    if kind == "small":
        _stage(doc, family, None, rnd.randint(1, 4))
        if doc.maybe(0.5):
            doc.add("COPY . .")
    elif kind == "multistage":
        _stage(doc, family, "deps", rnd.randint(2, 5))
        doc.add("FROM deps AS build", "COPY . .", "RUN make build")
        _stage(doc, family, None, rnd.randint(1, 3))
        doc.add("COPY --from=build /app/dist /app")
    elif kind == "heredoc":
        _stage(doc, "debian", None, 1)
        for _ in range(rnd.randint(2, 5)):
            _heredoc(doc)
    elif kind == "chain":
        _stage(doc, family, None, 1)
        for _ in range(rnd.randint(1, 3)):
            _long_chain(doc)
    else:
        stages = rnd.randint(3, 8)
        _huge(doc, family, stages, rnd.choice((300, 400, 600, 2000)) // stages)
    _tail(doc)
    return doc.text()


def _huge(doc: _Doc, family: str, stages: int, per_stage: int, heredocs: bool = True) -> None:
    """Several stages of many instructions, as generated monorepo images are."""
    for s in range(stages):
        _stage(doc, family, f"s{s}" if s < stages - 1 else None, 8, heredocs)
        for i in range(per_stage):
            doc.add(doc.rnd.choice((f"ENV VAR_{s}_{i}={doc.version()}", f"COPY services/svc{i}/ /srv/svc{i}/",
                                    f"RUN mkdir -p /srv/svc{i}/logs && chown app /srv/svc{i}/logs",
                                    f"LABEL svc{i}.version={doc.version()}", f"WORKDIR /srv/svc{i}")))


def scaled(factor: int, seed: int = 0, *, long_stage: bool = False, heredocs: bool = True) -> str:
    """A large file whose size grows linearly with ``factor`` (about 5 KB and 110 instructions each).

    By default more stages are added; ``long_stage`` grows one stage instead (8 installs and 80
    instructions per unit), which is what exposes per-instruction scans of the stage.  The
    same seed gives the same shape, so ``scaled(2)`` is twice ``scaled(1)``: what the
    linearity benchmarks need.  ``heredocs=False`` leaves out here-documents, which hadolint
    2.15.1 cannot parse when an instruction follows them (it stops at the next line).
    """
    doc = _Doc(random.Random(seed))
    doc.add("# syntax=docker/dockerfile:1")
    if long_stage:
        _stage(doc, "debian", None, 8 * factor, heredocs)
        _huge(doc, "debian", 1, 80 * factor, heredocs)
    else:
        _huge(doc, "debian", 2 * factor, 40, heredocs)
    _tail(doc)
    return doc.text()


KINDS = (("small", 40), ("multistage", 20), ("go", 12), ("heredoc", 10), ("chain", 15), ("huge", 3))


def generate(n: int = 1000, seed: int = 0, huge: int | None = None) -> Iterator[tuple[str, str]]:
    """Yield ``(file name, text)``; ``huge`` forces that many 300+ instruction files."""
    rnd = random.Random(seed)
    names, weights = zip(*KINDS)
    forced = huge if huge is not None else max(1, n * 3 // 100)
    for i in range(n):
        kind = "huge" if i < forced else rnd.choices(names, weights)[0]
        if kind == "huge" and i >= forced:
            kind = "multistage"
        yield f"{i:05d}-{kind}.Dockerfile", dockerfile(rnd, kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("-n", type=int, default=1000, help="number of files (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--huge", type=int, default=None, help="how many 300+ instruction files (default 3%%)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, text in generate(args.n, args.seed, args.huge):
        (args.outdir / name).write_text(text, encoding="utf-8")
        total += len(text)
    print(f"wrote {args.n} Dockerfiles ({total / 1024:.0f} KiB) to {args.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
