"""The ``layerlint layers`` view: per stage, what each instruction adds to the image.

``view`` builds the JSON document whose shape is a public contract (README, "JSON output");
later capabilities add fields to it, never rename them.  With a ``BuildEstimate`` every
instruction, stage and the image gain a ``size`` object (ranges in bytes, with their basis)
and the image its ``wasted_bytes``.
"""

from __future__ import annotations

from layerlint.build import image_layers_created, lineage
from layerlint.model import Build, Instruction

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from typing import Any

    from layerlint.estimate.sizes import BuildEstimate, LayerEstimate, SizeRange, Waste

CONFIG_ONLY = "image config only: no files"


def instruction_view(build: Build, ins: Instruction, kind: str, estimate: BuildEstimate | None = None) -> dict[str, Any]:
    src = build.dockerfile.source
    start = src.position(ins.span.start)
    end = src.position(ins.span.end)
    out = {
        "keyword": ins.keyword,
        "line": start.line,
        "end_line": end.line,
        "column": start.column,
        "layer": kind,
        "flags": [f.text for f in ins.flags],
        "heredocs": [h.name for h in ins.heredocs],
        "text": src.slice(ins.span).split("\n", 1)[0].strip(),
    }
    if estimate is not None:
        out["size"] = layer_size(build, estimate.layer(ins))
    return out


def _range(size: SizeRange, basis: bool = False) -> dict[str, Any]:
    return size.to_json(basis)


def layer_size(build: Build, layer: LayerEstimate | None) -> dict[str, Any]:
    """The ``size`` object of one instruction (zeros for config-only instructions)."""
    if layer is None:
        zero = {"low": 0, "estimate": 0, "high": 0}
        return {**zero, "basis": CONFIG_ONLY, "compressed": dict(zero), "wasted": {**zero, "by": []}, "parts": []}
    return {
        **_range(layer.size, True),
        "compressed": _range(layer.compressed),
        "wasted": {**_range(layer.wasted), "by": [waste_view(build, w) for w in layer.waste]},
        "parts": [
            {"what": p.what, "kind": p.kind, **_range(p.size, True)} for p in layer.parts
        ],
    }


def waste_view(build: Build, waste: Waste) -> dict[str, Any]:
    src = build.dockerfile.source
    return {
        "line": src.position(waste.carrier.span.start).line,
        "by_line": src.position(waste.by.span.start).line,
        "op": waste.op,
        "path": waste.path,
        **_range(waste.size, True),
    }


def _base_layer_count(ref: str, platform: str | None) -> int | None:
    """Layers of the base image from the shipped table (0 for scratch), None when unknown."""
    if ref.strip().lower() == "scratch":
        return 0
    from layerlint.estimate.baseimages import lookup

    try:
        found = lookup(ref, platform)
    except Exception:  # noqa: BLE001 - an unreadable reference is simply unknown
        return None
    return found.layers if found is not None else None


def view(build: Build, path: str, base_layers: int | None = None, estimate: BuildEstimate | None = None,
         notes: list[str] | None = None) -> dict[str, Any]:
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
                "instructions": [instruction_view(build, i, "metadata", estimate) for i in preamble],
            }
        )
    for stage in build.stages:
        instructions = [instruction_view(build, layer.instruction, layer.kind.value, estimate) for layer in stage.layers]
        entry: dict[str, Any] = {
            "index": stage.index,
            "name": stage.name,
            "base": stage.base_expanded,
            "base_stage": stage.base_stage,
            "reaches_target": stage.reaches_target,
            "layers": {"created": stage.created_layers, "image": image_layers_created(build, stage)},
            "instructions": instructions,
        }
        if estimate is not None and stage.index in estimate.stages:
            totals = estimate.stages[stage.index]
            entry["size"] = {
                "base": _range(totals.base, True),
                "created": _range(totals.created),
                "image": {**_range(totals.image), "compressed": _range(totals.image_compressed)},
                "wasted": _range(totals.wasted),
            }
        stages.append(entry)
    target = build.target_stage
    created = image_layers_created(build, target) if target is not None else 0
    if target is not None and base_layers is None:
        base_layers = _base_layer_count(lineage(build, target)[0].base_expanded, lineage(build, target)[0].platform)
    doc: dict[str, Any] = {
        "path": path,
        "builder": build.builder,
        "target": target.name if target is not None and target.name is not None else (target.index if target else None),
        "stages": stages,
        "image": {"layers": {"created": created, "base": base_layers}},
    }
    if estimate is not None:
        doc["image"].update(image_size(build, estimate, notes or []))
    return doc


def image_size(build: Build, estimate: BuildEstimate, notes: list[str]) -> dict[str, Any]:
    """``image.size`` and ``image.wasted_bytes`` of the target image."""
    from layerlint.estimate import compression

    image = estimate.image
    if image is None:
        return {}
    inside = _image_indexes(build)
    wasted = [w for w in estimate.waste if w.carrier.index in inside and w.by.index in inside]
    efficiency = estimate.efficiency
    return {
        "size": {
            **_range(image.image),
            "basis": "base image + layers created",
            "base": _range(image.base, True),
            "created": _range(image.created),
            "compressed": {**_range(image.image_compressed), "basis": compression.describe()},
            "efficiency": round(efficiency, 4) if efficiency is not None else None,
            "notes": notes,
        },
        "wasted_bytes": {**_range(estimate.wasted), "by": [waste_view(build, w) for w in wasted]},
    }


def _image_indexes(build: Build) -> set[int]:
    target = build.target_stage
    if target is None:
        return set()
    return {i.index for s in lineage(build, target) for i in s.instructions}
