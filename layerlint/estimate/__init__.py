"""Size and content estimates: what a build would put in each layer, without building it.

The public API, kept import-light (submodules load on first call):

* ``estimate_build(build, context_dir, ...) -> BuildEstimate`` - every layer's size range,
  compressed size, basis and the wasted bytes it carries (``layerlint.estimate.estimator``);
* ``sizes_for(ctx)`` - the same, memoized on a rule context and sharing its ledger and shell
  parses, for rules that quote a size in their message;
* ``phrase(size_range)`` - how a message says a size (``~19.9 MB``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from layerlint.estimate.sizes import BuildEstimate, SizeRange
    from layerlint.model import Build

__all__ = ["estimate_build", "phrase", "sizes_for"]


def estimate_build(build: Build, context_dir: str | None = None, **kwargs: Any) -> BuildEstimate:
    """Size every layer of ``build`` (see ``layerlint.estimate.estimator.estimate_build``)."""
    from layerlint.estimate.estimator import estimate_build as run

    return run(build, context_dir, **kwargs)


def sizes_for(ctx: Any, platform: str | None = None) -> BuildEstimate:
    """The build's estimate, computed once per rule context (``ctx.memo("sizes", ...)``)."""
    from layerlint.ledger import ledger, run_scripts

    def compute() -> BuildEstimate:
        return estimate_build(
            ctx.build,
            ctx.context_dir,
            dockerfile_path=ctx.source.path,
            platform=platform,
            book=ledger(ctx),
            scripts=lambda ins: run_scripts(ctx, ins),
        )

    return ctx.memo("sizes", compute)  # type: ignore[no-any-return]


def phrase(size: SizeRange) -> str:
    """``~19.9 MB``, ``18 MB–25 MB``, ``at least 3.1 MB``: a size as a message says it."""
    from layerlint.estimate.sizes import phrase as say

    return say(size)
