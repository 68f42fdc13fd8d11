"""The cache simulation model: for each kind of change, the first layer each stage rebuilds."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerlint.cachesim import (
    UNKNOWN,
    Changes,
    Cost,
    Simulation,
    base_matches,
    context_sizer,
    describe_cost,
    layer_sizer,
    reorder_counterfactual,
    simulate,
)
from layerlint.estimate.context import ContextIndex
from layerlint.parse import parse
from layerlint.source import SourceFile


def _df(text: str, path: str = "Dockerfile"):  # type: ignore[no-untyped-def]
    return parse(SourceFile(path, text))


def _context(tmp_path: Path, files: dict[str, str]) -> ContextIndex:
    for rel, content in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return ContextIndex.for_dockerfile(str(tmp_path), str(tmp_path / "Dockerfile"))


def run(text: str, changes: Changes, *, old: str | None = None, **kw) -> Simulation:  # type: ignore[no-untyped-def]
    return simulate(_df(text), changes, old=_df(old) if old is not None else None, **kw)


def first(sim: Simulation, stage: int | str = -1) -> tuple[int, str, str] | None:
    """(line, keyword, cause kind) of a stage's first invalidated instruction."""
    result = next(r for r in sim.stages if r.stage.label == stage) if isinstance(stage, str) else sim.stages[stage]
    v = result.first_invalidated
    if v is None:
        return None
    assert v.cause is not None
    return sim.build.dockerfile.source.position(v.instruction.span.start).line, v.instruction.keyword, v.cause.kind


def statuses(sim: Simulation, stage: int = -1) -> list[str]:
    return [v.status for v in sim.stages[stage].verdicts]


PYTHON_APP = """\
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN python -m compileall .
CMD ["python", "app.py"]
"""
PYTHON_FILES = {
    "requirements.txt": "flask\n",
    "app.py": "print(1)\n",
    "docs/guide.md": "# guide\n",
    ".dockerignore": "docs/\n",
}


# --------------------------------------------------------------------------- context files


def test_source_edit_invalidates_the_broad_copy_only(tmp_path: Path) -> None:
    index = _context(tmp_path, PYTHON_FILES)
    sim = run(PYTHON_APP, Changes(files=("app.py",)), context=index)
    assert first(sim) == (5, "COPY", "file")
    assert statuses(sim) == ["reused", "reused", "reused", "reused", "rebuilt", "rebuilt", "config"]
    cause = sim.stages[0].first_invalidated.cause  # type: ignore[union-attr]
    assert cause.files == ("app.py",) and "COPY source `.`" in cause.text
    assert (len(sim.rebuilt), len(sim.layers())) == (2, 5)


def test_manifest_edit_reinstalls(tmp_path: Path) -> None:
    index = _context(tmp_path, PYTHON_FILES)
    sim = run(PYTHON_APP, Changes(files=("requirements.txt",)), context=index)
    assert first(sim) == (3, "COPY", "file")
    assert statuses(sim)[3:6] == ["rebuilt", "rebuilt", "rebuilt"]


def test_dockerignored_file_changes_nothing(tmp_path: Path) -> None:
    index = _context(tmp_path, PYTHON_FILES)
    sim = run(PYTHON_APP, Changes(files=("docs/guide.md",)), context=index)
    assert first(sim) is None
    assert sim.rebuilt == []


def test_deleted_and_added_files_count(tmp_path: Path) -> None:
    index = _context(tmp_path, PYTHON_FILES)
    assert first(run(PYTHON_APP, Changes(files=("gone.py",)), context=index)) == (5, "COPY", "file")
    # a file only a wildcard picks up
    text = "FROM alpine\nCOPY src/*.py /app/\nCOPY README /app/\n"
    sim = run(text, Changes(files=("src/new.py",)))
    assert first(sim) == (2, "COPY", "file")
    assert first(run(text, Changes(files=("src/sub/new.py",)))) is None


def test_flipped_files_of_a_changed_dockerignore(tmp_path: Path) -> None:
    index = _context(tmp_path, PYTHON_FILES)
    from layerlint.dockerignore import DockerIgnore

    unfiltered = ContextIndex(str(tmp_path), DockerIgnore())
    sim = run(PYTHON_APP, Changes(flipped=("docs/guide.md",)), context=index, unfiltered=unfiltered)
    assert first(sim) == (5, "COPY", "file")


def test_copy_exclude_flag_hides_matching_files() -> None:
    text = "# syntax=docker/dockerfile:1.7-labs\nFROM alpine\nCOPY --exclude=*.md . /app\n"
    assert first(run(text, Changes(files=("notes.md",)))) is None
    assert first(run(text, Changes(files=("main.c",)))) == (3, "COPY", "file")


# --------------------------------------------------------------------------- build args and variables

ARGS = """\
FROM debian:12
RUN apt-get update
ARG VERSION=1.0
RUN echo building
COPY app /app
RUN make -C /app
"""


def test_build_arg_change_invalidates_the_first_run_after_its_arg() -> None:
    sim = run(ARGS, Changes(args=(("VERSION", None),)))
    assert first(sim) == (4, "RUN", "build-arg")
    assert statuses(sim) == ["reused", "reused", "config", "rebuilt", "rebuilt", "rebuilt"]
    assert "line 3" in sim.stages[0].first_invalidated.cause.text  # type: ignore[union-attr]


def test_build_arg_not_declared_in_the_stage_changes_nothing() -> None:
    assert first(run(ARGS, Changes(args=(("OTHER", "x"),)))) is None


def test_arg_change_reaches_copy_only_where_it_is_expanded() -> None:
    text = "FROM alpine\nARG DIR=/app\nCOPY a /opt/a\nCOPY b $DIR/b\n"
    sim = run(text, Changes(args=(("DIR", "/srv"),)))
    assert first(sim) == (4, "COPY", "build-arg")
    assert statuses(sim) == ["reused", "config", "reused", "rebuilt"]


def test_proxy_args_stay_out_of_the_key_unless_declared() -> None:
    assert first(run("FROM alpine\nRUN apk add curl\n", Changes(args=(("HTTP_PROXY", "http://p:3128"),)))) is None
    declared = "FROM alpine\nARG HTTP_PROXY\nRUN apk add curl\n"
    assert first(run(declared, Changes(args=(("HTTP_PROXY", "http://p:3128"),)))) == (3, "RUN", "build-arg")


def test_global_arg_used_in_from_changes_the_base() -> None:
    text = "ARG PY=3.12\nFROM python:${PY}-slim\nRUN pip install flask\n"
    sim = run(text, Changes(args=(("PY", "3.13"),)))
    assert first(sim) == (2, "FROM", "base")
    assert "python:3.13-slim" in sim.stages[0].first_invalidated.cause.text  # type: ignore[union-attr]


def test_classic_builder_agrees_on_args_but_chains_metadata() -> None:
    assert first(run(ARGS, Changes(args=(("VERSION", None),)), builder="classic")) == (4, "RUN", "build-arg")
    old = "FROM alpine\nLABEL team=a\nRUN apk add curl\n"
    new = "FROM alpine\nLABEL team=b\nRUN apk add curl\n"
    buildkit = run(new, Changes(), old=old)
    assert first(buildkit) is None and statuses(buildkit) == ["reused", "config", "reused"]
    assert buildkit.stages[0].verdicts[1].edited
    classic = run(new, Changes(), old=old, builder="classic")
    assert first(classic) == (2, "LABEL", "edit")
    assert statuses(classic) == ["reused", "rebuilt", "rebuilt"]


# --------------------------------------------------------------------------- the Dockerfile itself


def test_edited_env_invalidates_later_runs_but_not_copies() -> None:
    old = "FROM alpine\nENV MODE=dev\nCOPY a /a\nRUN ./build\n"
    new = "FROM alpine\nENV MODE=prod\nCOPY a /a\nRUN ./build\n"
    sim = run(new, Changes(), old=old)
    assert first(sim) == (4, "RUN", "variable")
    assert statuses(sim) == ["reused", "config", "reused", "rebuilt"]


def test_edited_and_inserted_instructions() -> None:
    old = "FROM alpine AS base\nRUN a\nRUN b\n\nFROM base\nRUN c\n"
    edited = run("FROM alpine AS base\nRUN a\nRUN b --fast\n\nFROM base\nRUN c\n", Changes(), old=old)
    assert first(edited, "base") == (3, "RUN", "edit")
    assert first(edited, "1") == (5, "FROM", "stage")
    inserted = run("FROM alpine AS base\nRUN a\nRUN z\nRUN b\n\nFROM base\nRUN c\n", Changes(), old=old)
    assert first(inserted, "base") == (3, "RUN", "new")
    comments = run("FROM alpine AS base\n# why\nRUN a\nRUN b\n\nFROM base\nRUN c\n", Changes(), old=old)
    assert [first(comments, s) for s in ("base", "1")] == [None, None]


def test_reordered_layers_are_found_in_the_cache() -> None:
    """A key that existed anywhere in the old build is a hit, as a cache lookup is."""
    old = "FROM alpine\nRUN a\n\nFROM alpine\nRUN a\nRUN b\n"
    sim = run("FROM alpine\nRUN a\n\nFROM alpine\nRUN a\nRUN c\n", Changes(), old=old)
    assert statuses(sim) == ["reused", "reused", "rebuilt"]


# --------------------------------------------------------------------------- stages and bases

MULTI = """\
FROM golang:1.22 AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM deps AS build
COPY . .
RUN go build -o /out/app .

FROM alpine AS docs
RUN echo docs

FROM alpine
RUN --mount=from=deps,source=/src/go.mod,target=/tmp/go.mod cat /tmp/go.mod
COPY --from=build /out/app /app
"""


def test_multi_stage_propagation() -> None:
    sim = run(MULTI, Changes(files=("main.go",)))
    assert [first(sim, s) for s in ("deps", "build", "docs")] == [None, (7, "COPY", "file"), None]
    assert first(sim) == (15, "COPY", "stage")
    assert not sim.stages[2].built  # the target never needs 'docs'
    sim = run(MULTI, Changes(files=("go.sum",)))
    assert first(sim, "deps") == (3, "COPY", "file")
    assert first(sim, "build") == (6, "FROM", "stage")
    assert first(sim) == (14, "RUN", "stage")


def test_classic_builds_every_stage_up_to_the_target() -> None:
    sim = run(MULTI, Changes(files=("main.go",)), builder="classic")
    assert sim.stages[2].built


def test_changed_base_image() -> None:
    sim = run(MULTI, Changes(bases=("golang",)))
    assert first(sim, "deps") == (1, "FROM", "base")
    assert first(sim, "docs") is None
    assert first(sim) == (14, "RUN", "stage")
    assert base_matches("python", "docker.io/library/python:3.12")
    assert base_matches("python:3.12", "python:3.12")
    assert not base_matches("python:3.11", "python:3.12")
    assert not base_matches("python", "pythonista:1")


# --------------------------------------------------------------------------- mounts, links, remote sources

MOUNTS = """\
FROM python:3.12
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=token pip install flask
RUN --mount=type=bind,source=requirements.txt,target=/tmp/req.txt pip install -r /tmp/req.txt
COPY . /app
"""


def test_cache_and_secret_mounts_never_invalidate_bind_mounts_do() -> None:
    sim = run(MOUNTS, Changes(files=("app.py",)))
    assert first(sim) == (4, "COPY", "file")
    sim = run(MOUNTS, Changes(files=("requirements.txt",)))
    assert first(sim) == (3, "RUN", "file")
    assert "bind mount" in sim.stages[0].first_invalidated.cause.text  # type: ignore[union-attr]
    assert statuses(sim)[:2] == ["reused", "reused"]


def test_copy_link_keeps_its_own_layer() -> None:
    sim = run("FROM alpine\nCOPY a /a\nCOPY --link b /b\nRUN ls\n", Changes(files=("a",)))
    assert statuses(sim) == ["reused", "rebuilt", "reused", "rebuilt"]
    classic = run("FROM alpine\nCOPY a /a\nCOPY --link b /b\nRUN ls\n", Changes(files=("a",)), builder="classic")
    assert statuses(classic) == ["reused", "rebuilt", "rebuilt", "rebuilt"]


def test_remote_add_may_rebuild_unless_pinned() -> None:
    sim = run("FROM alpine\nADD https://example.com/a.tgz /a\nRUN ls\n", Changes(files=("x",)))
    assert first(sim) is None
    assert statuses(sim) == ["reused", "maybe", "maybe"]
    assert sim.stages[0].first_maybe.cause.kind == "remote"  # type: ignore[union-attr]
    assert sim.stages[0].verdicts[2].cause.text == "builds on line 2, which may rebuild"  # type: ignore[union-attr]
    pinned = run("FROM alpine\nADD --checksum=sha256:00 https://example.com/a.tgz /a\nRUN ls\n", Changes(files=("x",)))
    assert statuses(pinned) == ["reused", "reused", "reused"]


# --------------------------------------------------------------------------- costs and the what-if


def test_sizes_without_the_estimator_come_from_the_context(tmp_path: Path) -> None:
    index = _context(tmp_path, {**PYTHON_FILES, "app.py": "x" * 5000})
    sim = run(PYTHON_APP, Changes(files=("app.py",)), context=index, sizer=context_sizer(index))
    copy = sim.stages[0].verdicts[4]
    sent = index.select(".").bytes
    assert copy.size == Cost.exact(sent) and sent > 5000
    assert sim.bytes_rebuilt == Cost(sent, sent, None)  # the RUN has no size: the total stays open
    assert describe_cost(sim.bytes_rebuilt).startswith("at least 5.")


def test_estimator_sizes_fill_the_run_layers(tmp_path: Path) -> None:
    pytest.importorskip("layerlint.estimate.estimator")
    index = _context(tmp_path, PYTHON_FILES)
    sizer = layer_sizer(str(tmp_path), index, "buildkit", str(tmp_path / "Dockerfile"))
    sim = run(PYTHON_APP, Changes(files=("requirements.txt",)), context=index, sizer=sizer)
    install = sim.stages[0].verdicts[3]
    assert install.status == "rebuilt" and install.size is not None and install.size.low > 0
    assert install.pushed is not None and install.pushed.estimate < install.size.estimate
    assert sim.bytes_rebuilt.low >= install.size.low


def test_costs_add_and_stay_open() -> None:
    assert Cost.exact(2) + Cost(1, 2, 3) == Cost(3, 4, 5)
    assert (Cost.exact(2) + UNKNOWN).high is None
    assert describe_cost(Cost(1_200, 1_200, None)) == "at least 1.2 kB"


def test_counterfactual_moves_the_install_before_the_broad_copy(tmp_path: Path) -> None:
    text = (
        "FROM python:3.12-slim\nWORKDIR /src\nCOPY . .\nRUN apt-get update && apt-get install -y gcc\n"
        'RUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n'
    )
    index = _context(tmp_path, {"requirements.txt": "flask\n", "app.py": "print(1)\n"})
    changes = Changes(files=("app.py",))
    df = _df(text)
    sim = simulate(df, changes, context=index)
    assert len(sim.rebuilt) == 3
    what_if = reorder_counterfactual(df, sim, lambda d: simulate(d, changes, context=index), index)
    assert what_if is not None
    assert what_if.text.splitlines()[2:6] == [
        "COPY requirements.txt /src/",
        "RUN apt-get update && apt-get install -y gcc",
        "RUN pip install -r requirements.txt",
        "COPY . .",
    ]
    assert "lines 4-5" in what_if.description and "`COPY . .`" in what_if.description
    assert len(what_if.simulation.rebuilt) == 1
    # nothing to suggest when the manifest itself changed
    manifest = Changes(files=("requirements.txt",))
    sim = simulate(df, manifest, context=index)
    assert reorder_counterfactual(df, sim, lambda d: simulate(d, manifest, context=index), index) is None


def test_a_stage_inserted_before_renumbers_nothing_in_the_keys() -> None:
    old = "FROM alpine AS a\nRUN x\n\nFROM alpine\nCOPY --from=a /x /x\n"
    new = "FROM busybox AS tools\nRUN t\n\nFROM alpine AS a\nRUN x\n\nFROM alpine\nCOPY --from=a /x /x\n"
    sim = run(new, Changes(), old=old)
    assert first(sim, "a") is None and first(sim) is None
    assert first(sim, "tools") == (1, "FROM", "new")
