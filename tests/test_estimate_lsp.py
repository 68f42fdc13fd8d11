"""The size estimate in the editor: hover lines and inlay-hint labels (``layerlint.server`` hooks)."""

from __future__ import annotations

from pathlib import Path

from layerlint import server
from layerlint.engine import lint_source
from layerlint.settings import Settings
from layerlint.source import SourceFile

TEXT = """FROM debian:bookworm
WORKDIR /app
COPY . .
RUN apt-get update && apt-get install -y --no-install-recommends jq
RUN rm -rf /var/lib/apt/lists/*
RUN curl -o /x https://example.com/x
"""


def lint(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "Dockerfile").write_text(TEXT)
    (tmp_path / "a.txt").write_text("a" * 1234)
    return lint_source(SourceFile(str(tmp_path / "Dockerfile"), TEXT), Settings(), context_dir=str(tmp_path))


def test_hover_shows_the_range_basis_and_waste(tmp_path: Path) -> None:
    result = lint(tmp_path)
    md, ins = server.hover_markdown(result, TEXT.index("apt-get install"))
    assert ins is not None and ins.keyword == "RUN"
    assert "**Size** ~" in md and "compressed" in md
    assert "_Basis:_ Debian bookworm index: " in md and "apt lists of Debian bookworm" in md
    assert "wasted: `remove /var/lib/apt/lists/*` at line 5" in md
    md, _ = server.hover_markdown(result, TEXT.index("rm -rf"))
    assert "frees nothing" in md


def test_hint_labels_carry_the_size(tmp_path: Path) -> None:
    result = lint(tmp_path)
    labels = {TEXT[:offset].split("\n")[-1].split()[0] + str(TEXT[:offset].count("\n")): label
              for offset, label, _ in server.layer_hints(result)}
    assert labels["WORKDIR1"] == "layer 1 · ~32 B"
    assert labels["COPY2"] == f"layer 2 · {(1234 + len(TEXT)) / 1000:.1f} kB"
    assert labels["RUN3"].startswith("layer 3 · ~") and labels["RUN3"].endswith("MB")
    assert labels["RUN4"] == "layer 4 · 0 B"
    assert labels["RUN5"] == "layer 5 · size unknown"


def test_a_failing_estimate_leaves_the_editor_features_alone(tmp_path: Path, monkeypatch) -> None:
    import layerlint.estimate

    result = lint(tmp_path)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(layerlint.estimate, "sizes_for", broken)
    assert server.layer_size_label(result, result.build.stages[0].layers[1]) is None
    md, _ = server.hover_markdown(result, TEXT.index("WORKDIR"))
    assert "creates filesystem layer 1" in md and "**Size**" not in md
