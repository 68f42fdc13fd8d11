"""Size budgets: the image (LL330) or one layer (LL331) estimated over a configured limit."""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.estimate import phrase, sizes_for
from layerlint.model import Instruction, LayerKind
from layerlint.rule import Hit, RuleContext, check

MB = 1_000_000


def _over(ctx: RuleContext, option: str, size) -> float | None:  # type: ignore[no-untyped-def]
    """The budget in bytes when ``size`` (a SizeRange) is over it, else None."""
    budget = ctx.option(option)
    if budget is None or budget <= 0:
        return None
    limit = float(budget) * MB
    return limit if size.estimate > limit else None


def _what(ctx: RuleContext) -> str:
    return "compressed (pull) size" if ctx.option("compressed") else "size"


@check("LL330")
def image_over_size_budget(ctx: RuleContext) -> Iterator[Hit]:
    target = ctx.build.target_stage
    estimate = sizes_for(ctx)
    image = estimate.image
    if target is None or image is None:
        return
    size = image.image_compressed if ctx.option("compressed") else image.image
    limit = _over(ctx, "max-image-mb", size)
    if limit is None:
        return
    compressed = bool(ctx.option("compressed"))
    base = image.base_compressed if compressed else image.base
    layers = [la for i, la in estimate.layers.items() if la.instruction.keyword != "FROM" and _in_image(ctx, la.instruction)]
    layers.sort(key=lambda la: -(la.compressed if compressed else la.size).estimate)
    heaviest = ", ".join(
        f"line {ctx.source.position(la.instruction.span.start).line} ({phrase(la.compressed if compressed else la.size)})"
        for la in layers[:3] if (la.compressed if compressed else la.size).estimate
    )
    message = (f"the image's estimated {_what(ctx)} is {phrase(size)}, over the {limit / MB:g} MB budget:"
               f" the base image brings {phrase(base)}" + (f"; heaviest layers: {heaviest}" if heaviest else ""))
    if size.high is None:
        message += " (parts layerlint cannot size count with their lower bound)"
    yield ctx.hit(target.from_instruction.span, message, None, target.from_instruction)


def _in_image(ctx: RuleContext, ins: Instruction) -> bool:
    return ctx.in_image(ins)


@check("LL331")
def layer_over_size_budget(ctx: RuleContext) -> Iterator[Hit]:
    estimate = sizes_for(ctx)
    compressed = bool(ctx.option("compressed"))
    for stage in ctx.build.stages:
        if not stage.in_image:
            continue
        for layer in stage.layers:
            if layer.kind is not LayerKind.FILESYSTEM:
                continue
            found = estimate.layer(layer.instruction)
            if found is None:
                continue
            size = found.compressed if compressed else found.size
            limit = _over(ctx, "max-layer-mb", size)
            if limit is None:
                continue
            yield ctx.hit(
                layer.instruction.span,
                f"this layer's estimated {_what(ctx)} is {phrase(size)}, over the {limit / MB:g} MB layer budget"
                f" ({found.basis})",
                None,
                layer.instruction,
            )
