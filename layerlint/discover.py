"""Which files to lint: explicit paths, and Dockerfiles found by walking directories."""

from __future__ import annotations

import os
from collections.abc import Iterator

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"})
PATTERNS = ("Dockerfile", "Containerfile", "*.Dockerfile", "*.containerfile", "Dockerfile.*", "Containerfile.*")


def is_dockerfile_name(name: str) -> bool:
    """Names Docker tooling treats as Dockerfiles (``Dockerfile``, ``api.Dockerfile``, ...)."""
    if name.endswith(".dockerignore"):
        return False
    import fnmatch  # only directory walks need it; `layerlint Dockerfile` does not

    return any(fnmatch.fnmatchcase(name, p) for p in PATTERNS) or fnmatch.fnmatch(name.lower(), "*.dockerfile")


def discover(paths: list[str]) -> Iterator[str]:
    """Yield files to lint: explicit files as given (whatever their name), directories walked.

    Symlinked directories are not followed (no loops); unreadable directories are skipped.
    An explicit path that does not exist is yielded too, so the reader reports it.
    """
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            for found in _walk(path):
                real = os.path.realpath(found)
                if real not in seen:
                    seen.add(real)
                    yield found
        else:
            yield path


def _walk(root: str) -> Iterator[str]:
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        subdirs.append(entry.path)
                elif entry.is_file() and is_dockerfile_name(entry.name):
                    yield entry.path
            except OSError:
                continue
        stack.extend(reversed(subdirs))
