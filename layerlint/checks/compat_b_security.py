"""Secrets passed as ARG or ENV, and USER given by name instead of a numeric id."""

from __future__ import annotations

import re
from collections.abc import Iterator

from layerlint.checks.compat_facts import expand
from layerlint.lazyre import lazy
from layerlint.model import Instruction
from layerlint.rule import Hit, RuleContext, check

# A name whose first or last `_`-separated word (or whole name) says "secret", as BuildKit's
# check reads it; `PUBLIC_KEY`, `PASSWORD_FILE` and `AUTH_VERSION` name something else.
_SECRET = lazy(r"(?:_|^)(?:apikey|auth|credentials?|key|password|pword|passwd|secret|token)(?:_|$)", re.I)
# A GPG/PGP key id or fingerprint is public: official images verify their downloads with one.
_NOT_SECRET = lazy(r"(?:_|^)(?:public|file|version|gpg|pgp)(?:_|$)", re.I)


def secret_name(name: str) -> bool:
    return bool(_SECRET.search(name)) and not _NOT_SECRET.search(name)


@check("LL620", instructions=("ARG", "ENV"))
def secret_in_arg_or_env(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    effective = ins.effective
    for pair in effective.pairs:
        if not secret_name(pair.key):
            continue
        if effective.keyword == "ENV":
            why = "an ENV value is stored in the image config, readable by anyone who can pull the image"
        else:
            why = "a build argument's value ends up in the image history and the build cache"
        yield ctx.hit(
            pair.key_span,
            f"{effective.keyword} `{pair.key}` looks like it carries a secret: {why}; "
            "use `RUN --mount=type=secret` instead",
            None,
            ins,
        )


@check("LL621", instructions=("USER",))
def user_not_numeric(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    if ins.inner is not None or not ins.args:
        return
    word = ins.args[0]
    value = expand(ctx, ins, word.raw)
    if value is None:
        return
    user = value.partition(":")[0]
    if not user or user.isdigit() or user == "root":
        return  # root is uid 0 everywhere (and final-user-root's concern)
    yield ctx.hit(
        word.span,
        f"USER {user} is a name: the uid behind it is only known inside the image, so Kubernetes' runAsNonRoot "
        "cannot verify it and host volumes see whatever uid it maps to; use the numeric uid (and gid)",
        None,
        ins,
    )
