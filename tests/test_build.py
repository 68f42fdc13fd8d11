"""Stages, the stage graph, the target and layer classification under both builders."""

from __future__ import annotations

import pytest

from layerlint.build import analyze, image_layers_created, layer_kind
from layerlint.model import LayerKind
from layerlint.parse import parse_text

MULTI = """\
ARG BASE=python:3.12-slim
FROM ${BASE} AS deps
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

FROM deps AS test
COPY . .
RUN pytest

FROM golang:1.22 AS tools
RUN go install example.com/tool@latest

FROM deps AS app
COPY --from=tools /go/bin/tool /usr/local/bin/tool
COPY . .
ENV PORT=8000
USER app
CMD ["python", "-m", "app"]
"""


@pytest.mark.parametrize(
    "keyword,buildkit,classic",
    [
        ("FROM", LayerKind.BASE, LayerKind.BASE),
        ("RUN", LayerKind.FILESYSTEM, LayerKind.FILESYSTEM),
        ("COPY", LayerKind.FILESYSTEM, LayerKind.FILESYSTEM),
        ("ADD", LayerKind.FILESYSTEM, LayerKind.FILESYSTEM),
        ("WORKDIR", LayerKind.FILESYSTEM, LayerKind.METADATA),
        ("ENV", LayerKind.METADATA, LayerKind.METADATA),
        ("LABEL", LayerKind.METADATA, LayerKind.METADATA),
        ("ARG", LayerKind.METADATA, LayerKind.METADATA),
        ("CMD", LayerKind.METADATA, LayerKind.METADATA),
        ("USER", LayerKind.METADATA, LayerKind.METADATA),
        ("ONBUILD", LayerKind.METADATA, LayerKind.METADATA),
        ("HEALTHCHECK", LayerKind.METADATA, LayerKind.METADATA),
    ],
)
def test_layer_kind(keyword: str, buildkit: LayerKind, classic: LayerKind) -> None:
    assert layer_kind(keyword, "buildkit") is buildkit
    assert layer_kind(keyword, "classic") is classic


def test_stages_graph_and_target() -> None:
    build = analyze(parse_text(MULTI))
    names = [s.name for s in build.stages]
    assert names == ["deps", "test", "tools", "app"]
    assert build.stages[0].base_expanded == "python:3.12-slim"
    assert build.stages[3].base_stage == 0
    assert build.stages[3].depends_on == {0, 2}
    assert build.target == 3
    assert [s.reaches_target for s in build.stages] == [True, False, True, True]
    assert [s.in_image for s in build.stages] == [True, False, False, True]


def test_layer_counts_per_stage_and_image_buildkit() -> None:
    build = analyze(parse_text(MULTI))
    assert [s.created_layers for s in build.stages] == [3, 2, 1, 2]
    # app = deps (WORKDIR, COPY, RUN) + its own two COPYs
    assert image_layers_created(build, build.stages[3]) == 5


def test_layer_counts_classic_builder() -> None:
    build = analyze(parse_text(MULTI), builder="classic")
    assert [s.created_layers for s in build.stages] == [2, 2, 1, 2]
    assert image_layers_created(build, build.stages[3]) == 4


def test_target_option_changes_reachability() -> None:
    build = analyze(parse_text(MULTI), target="test")
    assert build.target == 1
    assert [s.reaches_target for s in build.stages] == [True, True, False, False]
    assert image_layers_created(build, build.stages[1]) == 5


def test_unknown_target_is_reported_and_last_stage_used() -> None:
    build = analyze(parse_text(MULTI), target="nope")
    assert build.target == 3
    assert any("nope" in e.message for e in build.errors)


def test_build_arg_overrides_global_arg_in_from() -> None:
    build = analyze(parse_text(MULTI), build_args={"BASE": "python:3.13"})
    assert build.stages[0].base_expanded == "python:3.13"


def test_run_mount_from_links_stages() -> None:
    text = "FROM alpine AS a\nRUN touch /x\nFROM alpine\nRUN --mount=type=bind,from=a,target=/a cat /a/x\n"
    build = analyze(parse_text(text))
    assert build.stages[1].depends_on == {0}
    assert build.stages[0].reaches_target


def test_instruction_before_from_is_an_error() -> None:
    build = analyze(parse_text("ENV A=1\nFROM alpine\n"))
    assert [e.message for e in build.errors] == ["ENV before the first FROM: no build stage in current context"]


def test_stage_of_maps_instructions() -> None:
    build = analyze(parse_text(MULTI))
    df = build.dockerfile
    assert build.stage_of(df.instructions[0]) is None  # the global ARG
    assert build.stage_of(df.instructions[4]).name == "deps"
    assert build.stage_of(df.instructions[-1]).name == "app"


def test_from_sees_automatic_platform_args() -> None:
    build = analyze(parse_text("FROM --platform=$BUILDPLATFORM golang:1.22-$TARGETARCH\n"))
    assert build.stages[0].base_expanded == "golang:1.22-amd64"
    assert build.stages[0].platform == "linux/amd64"


def test_scopes_before_each_instruction() -> None:
    from layerlint.build import scopes

    text = "ARG V=1\nFROM alpine AS a\nARG V\nENV E=$V\nRUN x\nFROM a\nRUN y\nFROM alpine\nRUN z\n"
    build = analyze(parse_text(text), build_args={"V": "2"})
    s = scopes(build)
    ins = build.dockerfile.instructions
    assert s[ins[3].index].env.get("V") == "2"  # ENV line sees the re-declared global ARG
    assert "E" not in s[ins[3].index].env
    assert s[ins[4].index].env.get("E") == "2"
    assert s[ins[6].index].env.get("E") == "2"  # FROM <stage> continues the parent's ENV
    assert "E" not in s[ins[8].index].env and "V" not in s[ins[8].index].env
    assert scopes(build) is s  # computed once


def test_value_types_can_leave_fields_out_of_equality() -> None:
    from operator import attrgetter

    from layerlint.source import Frozen, _set

    class Pair(Frozen):
        __slots__ = ("key", "note")
        _compared = attrgetter("key")

        def __init__(self, key: str, note: str) -> None:
            _set(self, "key", key)
            _set(self, "note", note)

    assert Pair("a", "x") == Pair("a", "y") and hash(Pair("a", "x")) == hash(Pair("a", "y"))
    assert Pair("a", "x") != Pair("b", "x")
    assert repr(Pair("a", "x")).endswith("Pair(key='a', note='x')")  # every field is still shown
