"""Shared test fixtures: where the conformance data lives and how to skip without it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"


def conformance(*parts: str) -> Path:
    """Path into ../shared/conformance, skipping the test cleanly when it is absent."""
    path = CONFORMANCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"conformance data not found at {path} (expected ../shared next to the repository)")
    return path
