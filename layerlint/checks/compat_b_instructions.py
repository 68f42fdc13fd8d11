"""Instruction rules compatible with hadolint: ENV pairs that read each other, COPY destinations
without a WORKDIR, whole-filesystem copies between stages, images without a HEALTHCHECK.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.build import lineage
from layerlint.checks.compat_b_labels import image_stages
from layerlint.checks.compat_facts import earlier_stage_named, expand, expand_from
from layerlint.fixes import from_scratch, hides_comment, rooted
from layerlint.lazyre import lazy
from layerlint.model import Instruction, Word
from layerlint.rule import Edit, Fix, Hit, RuleContext, check

_WINDOWS_ABSOLUTE = lazy(r"[A-Za-z]:[\\/]")


# --------------------------------------------------------------------------- ENV


@check("LL539", instructions=("ENV",))
def env_uses_variable_set_in_same_env(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    from layerlint.expand import referenced_names

    assigned: list[str] = []
    for pair in ins.effective.pairs:
        if pair.value and "$" in pair.value:
            names = [n for n in assigned if n in referenced_names(pair.value, ctx.dockerfile.escape)]
            if names:
                name = names[0]
                yield ctx.hit(
                    pair.value_span or pair.span,
                    f"`${name}` refers to `{name}` set earlier in this ENV, but every value of one ENV is expanded "
                    f"with the variables from before it: this gets the old value of `{name}`, or nothing",
                    None,
                    ins,
                )
        assigned.append(pair.key)


# --------------------------------------------------------------------------- COPY destination


def _rooted_copy(ctx: RuleContext, ins: Instruction, dest: Word) -> Fix | None:
    """In an image built from ``scratch`` the working directory is ``/``: write the destination absolute."""
    if ins.inner is not None or ins.exec_form or dest.raw != dest.value or not from_scratch(ctx, ins):
        return None
    if hides_comment(ctx, dest.span):
        return None
    path = rooted(dest.value)
    return Fix(f"Copy to {path}", (Edit(dest.span, path),)) if path is not None else None


def _relative(value: str) -> bool:
    return not (value.startswith(("/", "\\")) or _WINDOWS_ABSOLUTE.match(value))


@check("LL540")
def copy_to_relative_path_without_workdir(ctx: RuleContext) -> Iterator[Hit]:
    ends: dict[int, bool] = {}  # stage index -> a WORKDIR is set by the end of it
    workdir = onbuild_workdir = False
    for ins in ctx.dockerfile.instructions:
        stage = ctx.stage_of(ins)
        if ins.keyword == "FROM" and stage is not None:
            workdir = stage.base_stage is not None and ends.get(stage.base_stage, False) is True
            onbuild_workdir = False
        effective = ins.effective
        if effective.keyword == "WORKDIR":
            if ins.inner is None:
                workdir = True
            else:
                onbuild_workdir = True
        elif effective.keyword == "COPY" and len(effective.args) >= 2 and not (workdir or (ins.inner and onbuild_workdir)):
            dest = effective.args[-1]
            value = expand(ctx, ins, dest.raw) if ins.inner is None else dest.value
            literal = dest.raw.strip("'\"")
            if value is not None and "$" not in value and _relative(value) and _relative(literal):
                yield ctx.hit(
                    dest.span,
                    f"COPY to relative `{value}` while no WORKDIR is set in this stage: where it lands depends on the "
                    "base image's working directory",
                    _rooted_copy(ctx, ins, dest),
                    ins,
                )
        if stage is not None:
            ends[stage.index] = workdir


# --------------------------------------------------------------------------- COPY --from=stage / /


def _root(value: str | None) -> bool:
    return value is not None and value.startswith("/") and not value.strip("/")


def _os_image(image: str) -> bool:
    """Whether an external image most likely holds an operating system.

    Known distributions (the base-image table, or the name and tag) do; so do Docker official
    images (no namespace), which are all built on one, ``scratch`` aside.  A namespaced image
    layerlint knows nothing of is usually a ``FROM scratch`` helper (tonistiigi/xx, binfmt, CLI
    bundles) meant to be copied whole.  An unresolvable reference counts as an OS image.
    """
    from layerlint.estimate.baseimages import distro_of, parse_ref

    ref = parse_ref(image)
    if ref is None:
        return True
    if ref.name == "scratch":
        return False
    return "/" not in ref.name or distro_of(image) is not None


def _source_has_os(ctx: RuleContext, ins: Instruction, raw: str) -> bool:
    """Whether ``/`` of a ``--from`` source brings a second operating system along.

    A stage answers for the root of its FROM chain: ``scratch`` holds only what was copied
    into it; an external root is judged as an image, unless the chain RUNs something (then
    it has a shell, so a system).
    """
    value = expand(ctx, ins, raw)
    if value is None:
        return True
    source = earlier_stage_named(ctx, value, ctx.stage_of(ins))
    if source is None and value.isdigit() and int(value) < len(ctx.build.stages):
        source = ctx.build.stages[int(value)]
    if source is None:
        return _os_image(value)
    chain = lineage(ctx.build, source)
    base = expand_from(ctx, chain[0].base)
    if base is None:
        return True
    if base.strip().lower() == "scratch":
        return False
    return any(i.keyword == "RUN" for s in chain for i in s.instructions) or _os_image(base)


@check("LL145", instructions=("COPY",))
def copy_whole_stage_filesystem(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    effective = ins.effective
    source = effective.flag("from")
    if source is None or not source.value or len(effective.args) < 2:
        return
    dest = effective.args[-1]
    if not _root(dest.value) or not any(_root(w.value) for w in effective.args[:-1]):
        return
    if ins.inner is None and not _source_has_os(ctx, ins, source.value):
        return
    yield ctx.hit(
        effective.span,
        f"COPY --from={source.value} / / copies that stage's whole filesystem, its base image included, into one "
        "new layer: copy only the files the image needs, or build FROM that stage",
        None,
        ins,
    )


# --------------------------------------------------------------------------- HEALTHCHECK


@check("LL543")
def healthcheck_missing(ctx: RuleContext) -> Iterator[Hit]:
    for stage in image_stages(ctx.build):
        chain = lineage(ctx.build, stage)
        if any(ins.keyword == "HEALTHCHECK" for s in chain for ins in s.instructions):
            continue
        ins = stage.from_instruction
        yield ctx.hit(
            ins.args[0].span if ins.args else ins.keyword_span,
            "the image built by this stage has no HEALTHCHECK: orchestrators only see whether the process runs, "
            "not whether it works (`HEALTHCHECK NONE` states that on purpose)",
            None,
            ins,
        )
