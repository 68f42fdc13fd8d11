"""Meta rules about suppression comments: LL003 (unused) and LL004 (invalid).

Both are judged by ``layerlint.suppress`` after every other rule has run, because whether a
suppression is used depends on the findings of all rules; these checks only register the rules
so that selection, severity and documentation treat them like any other rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from layerlint.rule import Hit, RuleContext, check


@check("LL003")
def unused_suppression(ctx: RuleContext) -> Iterator[Hit]:
    return iter(())


@check("LL004")
def invalid_suppression(ctx: RuleContext) -> Iterator[Hit]:
    return iter(())
