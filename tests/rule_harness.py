"""Lint a snippet the way the rule-example tests and rule authors need."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from layerlint.engine import lint_source
from layerlint.rule import Finding
from layerlint.settings import Settings
from layerlint.source import SourceFile


def _context(files: dict[str, str] | None, text: str, ctx: str) -> str:
    for rel, content in (files or {}).items():
        path = os.path.join(ctx, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content)
    path = os.path.join(ctx, "Dockerfile")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path


def fix_snippet(
    text: str,
    select: tuple[str, ...] | None = None,
    *,
    unsafe: bool = False,
    options: dict[str, dict[str, Any]] | None = None,
    files: dict[str, str] | None = None,
    **settings: Any,
) -> str:
    """The text after ``--fix`` (``--unsafe-fixes`` with ``unsafe``) restricted to ``select``."""
    from layerlint.fix import fix_source

    with tempfile.TemporaryDirectory() as ctx:
        path = _context(files, text, ctx)
        result = fix_source(
            SourceFile(path, text), Settings(select=select, options=options or {}, **settings), unsafe=unsafe, context_dir=ctx
        )
        return result.text


def lint_snippet(
    text: str,
    select: tuple[str, ...] | None = None,
    *,
    options: dict[str, dict[str, Any]] | None = None,
    files: dict[str, str] | None = None,
    **settings: Any,
) -> list[Finding]:
    """Lint ``text`` as ``Dockerfile`` in a temporary build context holding ``files``."""
    with tempfile.TemporaryDirectory() as ctx:
        path = _context(files, text, ctx)
        result = lint_source(
            SourceFile(path, text), Settings(select=select, options=options or {}, **settings), context_dir=ctx
        )
        return result.findings
