"""Security policy: an image left running as root, and inline suppressions of findings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.checks.compat_facts import expand
from layerlint.lazyre import lazy
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check


def _is_root(user: str) -> bool:
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0")


@check("LL601")
def final_user_root(ctx: RuleContext) -> Iterator[Hit]:
    """Report the USER that leaves an image stage running as root.

    A stage's user is its last USER, else its parent stage's (``FROM <stage>`` inherits the
    config).  Only stages that may be shipped count: the target and every stage no other stage
    reads; a builder stage that only feeds ``COPY --from`` may stay root.
    """
    build = ctx.build
    last_user: dict[int, Instruction | None] = {}
    for stage in build.stages:
        found = last_user.get(stage.base_stage) if stage.base_stage is not None else None
        for ins in stage.instructions:
            if ins.keyword == "USER" and ins.args:
                found = ins
        last_user[stage.index] = found
    used = {dep for stage in build.stages for dep in stage.depends_on}
    reported: set[int] = set()
    for stage in build.stages:
        if stage.index in used and stage.index != build.target:
            continue
        ins = last_user[stage.index]
        if ins is None or ins.index in reported:
            continue
        value = expand(ctx, ins, ins.args[0].raw)
        if value is not None and _is_root(value):
            reported.add(ins.index)
            yield ctx.hit(
                ins.args[0].span,
                f"stage {stage.label} ends as {value}: its containers run as root unless every `docker run` overrides the user",
                None,
                ins,
            )


_INLINE_PRAGMA = lazy(r"#[ \t]*(?:hadolint[ \t]+ignore[ \t]*=|layerlint[ \t]*:[ \t]*ignore(?![\w-]))", re.I)


@check("LL603")
def inline_ignore_pragma(ctx: RuleContext) -> Iterator[Hit]:
    text = ctx.source.text
    for comment in ctx.dockerfile.comments:
        raw = text[comment.span.start : comment.span.end]
        if _INLINE_PRAGMA.match(raw):
            yield ctx.hit(comment.span, "inline ignore: a finding is silenced where reviewers may not look; fix it or ignore it in the config")
