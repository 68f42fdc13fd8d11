"""The build model: stages, the stage graph, the target, and what each instruction adds.

Facts every rule, the size estimator and the cache simulator need are computed here once
(ARCHITECTURE.md §5: shared facts live outside rules).

Layer classification, with the reference for each rule:

* ``FROM`` brings the base image's layers (or, for ``FROM <stage>``, that stage's).
* ``RUN``, ``COPY`` and ``ADD`` each add one filesystem layer - Docker docs, "Docker
  build cache" / "Layers": "Each instruction in a Dockerfile roughly translates to an image
  layer"; only these three change the filesystem (docs.docker.com/build/guide/layers/).
* ``WORKDIR`` adds a small layer under BuildKit: BuildKit's ``dispatchWorkdir`` runs a
  ``llb.Mkdir`` file operation whenever the directory is set, so the image history of
  official images shows a ~32-byte layer for every WORKDIR, even when the directory
  already existed (docker/buildx#1910).  The classic builder only records it in the config
  (it creates the directory but commits no layer) - hence ``builder="classic"``.
* Every other instruction (ENV, LABEL, ARG, CMD, ENTRYPOINT, EXPOSE, USER, VOLUME, SHELL,
  STOPSIGNAL, HEALTHCHECK, ONBUILD, MAINTAINER) only changes the image config and shows
  up as an empty "0B" history entry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from layerlint.lazyre import lazy
from layerlint.model import Build, Dockerfile, Instruction, Layer, LayerKind, Stage, SyntaxIssue

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from layerlint.expand import Scope

FILESYSTEM_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})
BUILDERS = ("buildkit", "classic")
WORKDIR_LAYER_BYTES = 32

_MOUNT_FROM = lazy(r"(?:^|,)from=([^,]+)")


def layer_kind(keyword: str, builder: str = "buildkit") -> LayerKind:
    """How an instruction contributes to the image under the given builder."""
    if keyword == "FROM":
        return LayerKind.BASE
    if keyword in FILESYSTEM_INSTRUCTIONS:
        return LayerKind.FILESYSTEM
    if keyword == "WORKDIR" and builder == "buildkit":
        return LayerKind.FILESYSTEM
    return LayerKind.METADATA


def analyze(
    dockerfile: Dockerfile,
    *,
    target: str | None = None,
    builder: str = "buildkit",
    build_args: Mapping[str, str] | None = None,
) -> Build:
    """Build the stage model of a parsed Dockerfile.

    Unknown ``target`` names are reported in ``Build.errors`` and the last stage is used,
    so analysis still proceeds.
    """
    from layerlint.expand import platform_args, process_word

    if builder not in BUILDERS:
        raise ValueError(f"unknown builder {builder!r} (expected one of {', '.join(BUILDERS)})")
    build_args = dict(build_args or {})
    errors: list[SyntaxIssue] = []
    stages: list[Stage] = []
    global_args = []
    # FROM lines see the automatic platform ARGs and the global ARGs (BuildKit's defaultArgs).
    global_env: dict[str, str] = {k: build_args.get(k, v) for k, v in platform_args().items()}

    for ins in dockerfile.instructions:
        if ins.keyword == "FROM":
            stages.append(_new_stage(ins, len(stages), stages, global_env, dockerfile.escape, process_word))
            continue
        if not stages:
            if ins.keyword == "ARG":
                for pair in ins.pairs:
                    global_args.append(pair)
                    value = build_args.get(pair.key)
                    if value is None and pair.value is not None:
                        value = _expand(process_word, pair.value, global_env, dockerfile.escape)
                    if value is not None:
                        global_env[pair.key] = value
                continue
            errors.append(
                SyntaxIssue(
                    f"{ins.keyword} before the first FROM: no build stage in current context",
                    ins.keyword_span,
                    "instruction",
                )
            )
            continue
        stages[-1].instructions.append(ins)

    for stage in stages:
        _link(stage, stages)
        _classify(stage, builder)

    target_index: int | None = len(stages) - 1 if stages else None
    if target is not None and stages:
        found = next((s for s in stages if s.name is not None and s.name.lower() == target.lower()), None)
        if found is None:
            errors.append(SyntaxIssue(f"target stage {target!r} could not be found", stages[-1].from_instruction.span))
        else:
            target_index = found.index
    result = Build(dockerfile, stages, target_index, builder, tuple(global_args), global_env, build_args, errors)
    if target_index is not None:
        _mark_reachable(stages, target_index)
        for stage in lineage(result, stages[target_index]):
            stage.in_image = True
    return result


def _expand(process_word, word: str, env: Mapping[str, str], escape: str) -> str:  # type: ignore[no-untyped-def]
    try:
        return process_word(word, env, escape)
    except Exception:  # a malformed ${...} is reported by rules; keep the raw text here
        return word


def _new_stage(ins: Instruction, index: int, stages: list[Stage], env: Mapping[str, str], escape, process_word) -> Stage:  # type: ignore[no-untyped-def]
    args = ins.args
    base = args[0].raw if args else ""
    name = args[2].value if len(args) == 3 and args[1].raw.upper() == "AS" else None
    platform_flag = ins.flag("platform")
    stage = Stage(
        index=index,
        name=name,
        base=base,
        base_expanded=_expand(process_word, base, env, escape),
        from_instruction=ins,
        instructions=[ins],
        platform=_expand(process_word, platform_flag.value, env, escape) if platform_flag and platform_flag.value else None,
    )
    lowered = stage.base_expanded.lower()
    for earlier in stages:
        if earlier.name is not None and earlier.name.lower() == lowered:
            stage.base_stage = earlier.index
            stage.depends_on.add(earlier.index)
    return stage


def _stage_ref(ref: str, stages: list[Stage], before: int) -> int | None:
    """Resolve a ``--from`` value to an earlier stage index (by name or number)."""
    lowered = ref.lower()
    for stage in stages[:before]:
        if stage.name is not None and stage.name.lower() == lowered:
            return stage.index
    if ref.isdigit() and int(ref) < before:
        return int(ref)
    return None


def _link(stage: Stage, stages: list[Stage]) -> None:
    """Record the stages this one reads through COPY --from and RUN --mount=from=."""
    for ins in stage.instructions:
        ins = ins.effective
        refs: list[str] = []
        if ins.keyword in ("COPY", "ADD"):
            flag = ins.flag("from")
            if flag is not None and flag.value:
                refs.append(flag.value)
        elif ins.keyword == "RUN":
            for mount in ins.flags_named("mount"):
                m = _MOUNT_FROM.search(mount.value or "")
                if m:
                    refs.append(m.group(1))
        for ref in refs:
            index = _stage_ref(ref, stages, stage.index)
            if index is not None:
                stage.depends_on.add(index)


def _classify(stage: Stage, builder: str) -> None:
    ordinal = 0
    for ins in stage.instructions:
        kind = layer_kind(ins.keyword, builder)
        if kind is LayerKind.FILESYSTEM:
            ordinal += 1
            stage.layers.append(Layer(ins, kind, ordinal))
        else:
            stage.layers.append(Layer(ins, kind, None))


def _mark_reachable(stages: list[Stage], target: int) -> None:
    todo = [target]
    while todo:
        index = todo.pop()
        stage = stages[index]
        if stage.reaches_target:
            continue
        stage.reaches_target = True
        todo.extend(stage.depends_on)


def lineage(build: Build, stage: Stage) -> list[Stage]:
    """The chain of stages whose layers make up ``stage``'s image, root first."""
    chain = [stage]
    seen = {stage.index}
    while chain[0].base_stage is not None and chain[0].base_stage not in seen:
        parent = build.stages[chain[0].base_stage]
        seen.add(parent.index)
        chain.insert(0, parent)
    return chain


def image_layers_created(build: Build, stage: Stage) -> int:
    """Layers the Dockerfile creates in ``stage``'s image, including parent stages'."""
    return sum(s.created_layers for s in lineage(build, stage))


def scopes(build: Build) -> dict[int, Scope]:
    """The variables in force just *before* each instruction, by instruction index.

    One walk for every consumer (rules, the ledger, the size estimator, the cache simulator):
    global ARGs before the first FROM see only the build args and platform ARGs; each stage
    starts from the global scope, a ``FROM <stage>`` continues its parent's ARG/ENV values,
    and ARG/ENV instructions change the scope of the instructions after them (BuildKit's
    rules as implemented by ``expand.Scope``).  A malformed ``${`` leaves the scope as it was.
    ONBUILD triggers run in another build, so their entry is the scope of the ONBUILD line.
    """
    cached = build.facts.get("scopes")
    if cached is not None:
        return cached
    from layerlint.expand import ExpansionError, Scope

    glob = Scope.initial(build.build_args, escape=build.dockerfile.escape)
    out: dict[int, Scope] = {}
    first = build.stages[0].from_instruction.index if build.stages else None
    for ins in build.dockerfile.instructions:
        if first is not None and ins.index >= first:
            break
        out[ins.index] = glob
        if ins.keyword == "ARG":
            for pair in ins.pairs:
                try:
                    glob = glob.with_arg(pair.key, pair.value)
                except ExpansionError:
                    pass
    ends: dict[int, Scope] = {}
    for stage in build.stages:
        out[stage.from_instruction.index] = glob
        parent = ends.get(stage.base_stage) if stage.base_stage is not None else None
        scope = glob.enter_stage(parent, scratch=stage.base_expanded.strip().lower() == "scratch")
        for ins in stage.instructions[1:]:
            out[ins.index] = scope
            scope = _advance_scope(scope, ins, ExpansionError)
        ends[stage.index] = scope
    build.facts["scopes"] = out
    return out


def _advance_scope(scope: Scope, ins: Instruction, error: type[Exception]) -> Scope:
    try:
        if ins.keyword == "ARG":
            for pair in ins.pairs:
                scope = scope.with_arg(pair.key, pair.value)
        elif ins.keyword == "ENV":
            scope = scope.with_env([(p.key, p.value or "") for p in ins.pairs])
    except error:
        pass
    return scope
