"""The ``layerlint layers`` view: per stage, what each instruction adds to the image.

``view`` builds the JSON document whose shape is a public contract (README, "JSON output");
later capabilities add fields to it, never rename them.
"""

from __future__ import annotations

from typing import Any

from layerlint.build import image_layers_created, lineage
from layerlint.model import Build, Instruction


def instruction_view(build: Build, ins: Instruction, kind: str) -> dict[str, Any]:
    src = build.dockerfile.source
    start = src.position(ins.span.start)
    end = src.position(ins.span.end)
    return {
        "keyword": ins.keyword,
        "line": start.line,
        "end_line": end.line,
        "column": start.column,
        "layer": kind,
        "flags": [f.text for f in ins.flags],
        "heredocs": [h.name for h in ins.heredocs],
        "text": src.slice(ins.span).split("\n", 1)[0].strip(),
    }


def view(build: Build, path: str, base_layers: int | None = None) -> dict[str, Any]:
    """The layers document for ``build`` (``base_layers``: the base image's layer count if known)."""
    stages = []
    first_from = build.stages[0].from_instruction.index if build.stages else None
    preamble = [i for i in build.dockerfile.instructions if first_from is None or i.index < first_from]
    if preamble:
        # Global ARGs (and, in a broken file, anything else) before the first FROM belong to no
        # stage; they are listed in a leading entry so every instruction appears exactly once.
        stages.append(
            {
                "index": None,
                "name": None,
                "base": None,
                "base_stage": None,
                "global": True,
                "reaches_target": False,
                "layers": {"created": 0, "image": 0},
                "instructions": [instruction_view(build, i, "metadata") for i in preamble],
            }
        )
    for stage in build.stages:
        instructions = [instruction_view(build, layer.instruction, layer.kind.value) for layer in stage.layers]
        stages.append(
            {
                "index": stage.index,
                "name": stage.name,
                "base": stage.base_expanded,
                "base_stage": stage.base_stage,
                "reaches_target": stage.reaches_target,
                "layers": {"created": stage.created_layers, "image": image_layers_created(build, stage)},
                "instructions": instructions,
            }
        )
    target = build.target_stage
    created = image_layers_created(build, target) if target is not None else 0
    if target is not None and lineage(build, target)[0].base_expanded.lower() == "scratch":
        base_layers = 0
    return {
        "path": path,
        "builder": build.builder,
        "target": target.name if target is not None and target.name is not None else (target.index if target else None),
        "stages": stages,
        "image": {"layers": {"created": created, "base": base_layers}},
    }
