"""A typical source edit rebuilds a dependency install, measured on the real context (LL220).

LL201 reasons about the Dockerfile alone and reports the install command; this rule picks a
real source file from the build context for each context COPY, simulates an edit to it with
``layerlint.cachesim`` (the model behind ``layerlint cache``), and reports on the COPY that
lets the edit in, with the layers and bytes it rebuilds.  Opt-in: it reads the disk.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from layerlint.checks.cache_model import (
    _KINDS,
    build_context,
    cache_mounted,
    copy_of,
    installs,
    steps,
)
from layerlint.rule import Hit, RuleContext, check

_NOT_SOURCE = frozenset(
    {name for kind in _KINDS.values() for name in (*kind.manifests, *kind.locks)}
    | {"requirements.txt", "setup.py", "setup.cfg", "go.sum", "Dockerfile", "Containerfile", ".dockerignore",
       "recipe.json", "settings.gradle", "settings.gradle.kts", "build.gradle.kts", "gradle.properties"}
)  # fmt: skip


def _is_source(path: str, manifests: frozenset[str]) -> bool:
    """Not a dependency manifest, lock file, Dockerfile or ignore file."""
    name = posixpath.basename(path)
    if name in _NOT_SOURCE or path in manifests or name in manifests:
        return False
    lowered = name.lower()
    if lowered.endswith((".dockerfile", ".containerfile", ".dockerignore", ".csproj", ".lock")):
        return False
    return not lowered.startswith(("dockerfile", "containerfile", "requirements"))


@check("LL220")
def source_edit_rebuilds_dependency_install(ctx: RuleContext) -> Iterator[Hit]:
    context = build_context(ctx)
    if context is None or ctx.build.target_stage is None:
        return
    from layerlint.cachesim import Changes, context_sizer, describe_cost, estimated_sizes, simulate
    from layerlint.estimate.context import ContextIndex

    index = ContextIndex.for_dockerfile(context.root, ctx.source.path)
    stage_steps = {s.index: steps(ctx, s) for s in ctx.build.stages}
    manifests = frozenset(
        m for seq in stage_steps.values() for step in seq for i in installs(ctx, step) for m in i.manifests
    )
    samples: dict[str, int] = {}  # a source file -> how many source files the same COPY takes
    for stage in ctx.build.stages:
        if not stage.reaches_target:
            continue
        for step in stage_steps[stage.index]:
            op = copy_of(step) if step.stage is stage else None
            if op is None or not op.from_context:
                continue
            for source in op.sources:
                sources = [p for p in index.select(source.text).paths if _is_source(p, manifests)]
                if sources:
                    samples.setdefault(sources[0], len(sources))
    target = ctx.build.target_stage.name if ctx.build.target_stage.name is not None else None
    try:
        from layerlint.estimate import sizes_for
    except ImportError:
        sizer = context_sizer(index, ctx.build.builder)
    else:

        def sizer(build: object) -> dict:  # type: ignore[type-arg]
            """The rules' shared estimate: same Dockerfile, so the same instruction indexes."""
            return estimated_sizes(sizes_for(ctx))

    reported: set[int] = set()
    for sample, count in samples.items():
        sim = simulate(
            ctx.dockerfile, Changes(files=(sample,)), context=index, target=target, builder=ctx.build.builder,
            build_args=ctx.build.build_args, sizer=sizer,
        )  # fmt: skip
        for result in sim.stages:
            first = result.first_invalidated
            if not result.built or first is None or first.cause is None or first.cause.kind != "file":
                continue
            if first.instruction.index in reported:
                continue
            by_index = {s.ins.index: s for s in stage_steps[result.stage.index] if s.stage.index == result.stage.index}
            victim = None
            for v in result.verdicts:
                step = by_index.get(v.instruction.index)
                if v.status != "rebuilt" or step is None or step.ins.keyword != "RUN":
                    continue
                found = [i for i in installs(ctx, step) if not cache_mounted(i, step)]
                if found:
                    victim = (v, found[0])
                    break
            if victim is None:
                continue
            reported.add(first.instruction.index)
            rebuilt = [v for v in result.verdicts if v.status == "rebuilt" and v.layer.value == "filesystem"]
            layers = sum(v.layer.value == "filesystem" for v in result.verdicts)
            others = f" (or any of the {count} source files it copies)" if count > 1 else ""
            line = ctx.source.position(victim[0].instruction.span.start).line
            message = (
                f"editing {sample}{others} rebuilds {len(rebuilt)} of {layers} layers of this stage, "
                f"{describe_cost(sim.cost(rebuilt))}, including `{victim[1].label}` at line {line}. Copy the "
                f"dependency manifests and install before this COPY."
            )
            span = first.instruction.span
            end = ctx.source.text.find("\n", span.start, span.end)
            yield ctx.hit(
                type(span)(span.start, end if end != -1 else span.end), message, instruction=first.instruction
            )
