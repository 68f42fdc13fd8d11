"""Base images and stage references: tags, registries, platforms, stage names and ``--from``.

FROM words are expanded with the global ARGs first (``ARG IMAGE=debian:12`` / ``FROM $IMAGE``
is tagged), so only references that still rest on an unknown value are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from layerlint.checks.compat_facts import ImageRef, earlier_stage_named, expand, expand_from, parse_image
from layerlint.model import Flag, Instruction, Stage
from layerlint.rule import Hit, RuleContext, check
from layerlint.source import Span


def _base_image(ctx: RuleContext, ins: Instruction) -> ImageRef | None:
    """The image a FROM pulls, or None for scratch, an earlier stage or an unknown value."""
    stage = ctx.stage_of(ins)
    if stage is None or stage.from_instruction is not ins or not ins.args or stage.base_stage is not None:
        return None
    value = expand_from(ctx, ins.args[0].raw)
    if not value or value.lower() == "scratch" or earlier_stage_named(ctx, value, stage) is not None:
        return None
    return parse_image(value)


@check("LL101", instructions=("FROM",))
def image_without_tag(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    image = _base_image(ctx, ins)
    if image is not None and image.tag is None and image.digest is None:
        yield ctx.hit(ins.args[0].span, f"`{image.name}` has no tag: each build may get a different image", None, ins)


@check("LL102", instructions=("FROM",))
def image_tagged_latest(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    image = _base_image(ctx, ins)
    if image is not None and image.tag == "latest" and image.digest is None:
        yield ctx.hit(ins.args[0].span, f"`{image.name}:latest` moves: each build may get a different image", None, ins)


@check("LL103", instructions=("COPY",))
def copy_from_own_stage(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    flag = ins.flag("from")
    stage = ctx.stage_of(ins)
    if ins.inner is not None or flag is None or not flag.value or stage is None:
        return
    value = expand(ctx, ins, flag.value)
    if value is None:
        return
    own = (stage.name is not None and value.lower() == stage.name.lower()) or value == str(stage.index)
    if own:
        yield ctx.hit(flag.span, f"COPY --from={value} names the stage it is in: BuildKit rejects the cycle", None, ins)


@check("LL104", instructions=("FROM",))
def duplicate_stage_name(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    stage = ctx.stage_of(ins)
    if stage is None or stage.name is None or stage.from_instruction is not ins:
        return
    earlier = earlier_stage_named(ctx, stage.name, stage)
    if earlier is not None:
        line = ctx.source.position(earlier.from_instruction.span.start).line
        yield ctx.hit(ins.args[2].span, f"stage name `{stage.name}` is already used on line {line}: the build fails", None, ins)


def _stage_or_image(ctx: RuleContext, ins: Instruction, raw: str, stage: Stage | None) -> ImageRef | None:
    """An image reference from a ``--from``/``from=`` value, or None for a stage or unknown value."""
    value = expand(ctx, ins, raw)
    if not value or value.isdigit() or earlier_stage_named(ctx, value, stage) is not None:
        return None
    if value.lower() == "scratch":
        return None
    return parse_image(value)


def _trusted(image: ImageRef, patterns: list[str]) -> bool:
    registry = (image.registry or "docker.io").lower()
    if registry in ("index.docker.io", "registry-1.docker.io", "hub.docker.com"):
        registry = "docker.io"
    for pattern in patterns:
        pattern = pattern.strip().lower()
        if pattern in ("index.docker.io", "registry-1.docker.io", "hub.docker.com"):
            pattern = "docker.io"
        if fnmatchcase(registry, pattern):
            return True
    return False


def _mount_sources(ins: Instruction) -> Iterator[tuple[str, Flag]]:
    """``from=`` values of ``RUN --mount`` flags, with the flag they are in."""
    for flag in ins.flags_named("mount"):
        for part in (flag.value or "").split(","):
            key, _, value = part.partition("=")
            if key.strip().lower() == "from" and value:
                yield value.strip().strip('"'), flag


@check("LL105", instructions=("FROM", "COPY", "RUN"))
def untrusted_registry(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    patterns = [p for p in (ctx.option("registries") or []) if p]
    if not patterns or ins.inner is not None:
        return
    stage = ctx.stage_of(ins)
    images: list[tuple[ImageRef, Span]] = []
    if ins.keyword == "FROM":
        base = _base_image(ctx, ins)
        if base is not None:
            images.append((base, ins.args[0].span))
    elif ins.keyword == "COPY":
        flag = ins.flag("from")
        if flag is not None and flag.value:
            image = _stage_or_image(ctx, ins, flag.value, stage)
            if image is not None:
                images.append((image, flag.span))
    else:
        for raw, mount in _mount_sources(ins):
            image = _stage_or_image(ctx, ins, raw, stage)
            if image is not None:
                images.append((image, mount.span))
    for image, span in images:
        if not _trusted(image, patterns):
            registry = image.registry or "docker.io"
            yield ctx.hit(span, f"`{image.name}` comes from {registry}, which is not a trusted registry", None, ins)


@check("LL106", instructions=("FROM",))
def constant_from_platform(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    flag = ins.flag("platform")
    if flag is None or not flag.value or "$" in flag.value:
        return
    stage = ctx.stage_of(ins)
    name = (stage.name or "").lower() if stage is not None else ""
    parts = [p for p in flag.value.lower().split("/") if p]
    if name and any(p in name for p in parts):
        return  # a stage named for its platform (build-arm64) fixes it on purpose, as BuildKit allows
    yield ctx.hit(
        flag.span,
        f"--platform={flag.value} is fixed: builds for other platforms get this one (emulated, or the wrong binaries)",
        None,
        ins,
    )
