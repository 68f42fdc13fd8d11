"""Size and content estimates: what a build would put in each layer, without building it.

The public API, kept import-light (submodules load on first call):

* ``estimate_build(build, context_dir, ...) -> BuildEstimate`` - every layer's size range,
  compressed size, basis and the wasted bytes it carries (``layerlint.estimate.estimator``);
* ``sizes_for(ctx)`` - the same, memoized on a rule context and sharing its ledger and shell
  parses, for rules that quote a size in their message;
* ``phrase(size_range)`` - how a message says a size (``~19.9 MB``);
* ``size_of(ctx, entry_or_change)`` and ``size_note(size)`` - what a rule needs to quote the
  bytes of a ledger entry (a cache, an archive) or of a later removal or rewrite: ``" (~19.9 MB)"``,
  or ``""`` when the estimate has nothing to say.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from typing import Any

    from layerlint.estimate.sizes import BuildEstimate, SizeRange
    from layerlint.model import Build

__all__ = ["estimate_build", "phrase", "size_note", "size_of", "sizes_for"]


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


def size_of(ctx: Any, thing: Any) -> SizeRange | None:
    """Bytes of a ledger ``Created`` entry, or wasted by a ledger ``Change``; None when unknown.

    Never raises: a rule's message must not depend on the estimator working.
    """
    from layerlint.ledger import Change

    try:
        estimate = sizes_for(ctx)
        if isinstance(thing, Change):
            found = [w for w in estimate.waste if w.change is thing]
            return estimate.wasted_by_change(thing) if found else None
        return estimate.entry_size(thing)
    except Exception:  # noqa: BLE001 - the message goes out without a size
        return None


def size_note(size: SizeRange | None) -> str:
    """`` (~19.9 MB)`` for a message, or ``""`` when the size is unknown or nothing."""
    if size is None or (size.high is None and not size.low) or size.high == 0:
        return ""
    return f" ({phrase(size)})"
