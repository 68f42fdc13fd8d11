"""Compressed (registry) sizes: layer bytes times a gzip ratio measured per content kind.

A registry stores each layer as a gzip'd tar stream, so what ``docker pull`` moves depends
on what the layer holds: installed Debian packages, site-packages and node_modules shrink
to a third or less, already-compressed archives (.deb, .whl, apt's .lz4 lists) not at all.
The ratios come from ``layerlint/data/size-calibration.json`` (made by
``benchmarks/size_harness/measure_compression.py``, which records how and when); until a
kind was measured a stated fallback range applies.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache

from layerlint.estimate.sizes import SizeRange
from layerlint.source import Frozen, _set

CALIBRATION = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "size-calibration.json")
# Per-layer tar/gzip framing: an empty layer is ~32 bytes; headers of many files compress well.
LAYER_OVERHEAD = SizeRange(20, 32, 512, "gzip and tar framing")
_FALLBACK = {  # (low, estimate, high) used only when the calibration file lacks a kind
    "packages": (0.25, 0.35, 0.5),
    "python": (0.2, 0.3, 0.45),
    "node": (0.15, 0.25, 0.4),
    "text": (0.15, 0.25, 0.4),
    "binary": (0.3, 0.4, 0.55),
    "compressed": (0.95, 1.0, 1.01),
    "npm-cache": (0.25, 0.5, 0.7),
    "apt-lists": (0.74, 0.78, 0.82),
}


class Ratio(Frozen):
    __slots__ = ("low", "estimate", "high", "measured")  # constructor order: Value relies on it
    low: float
    estimate: float
    high: float
    measured: bool

    def __init__(self, low: float, estimate: float, high: float, measured: bool) -> None:
        _set(self, "low", low)
        _set(self, "estimate", estimate)
        _set(self, "high", high)
        _set(self, "measured", measured)


@lru_cache(maxsize=1)
def calibration() -> dict:
    """The shipped calibration data (compression ratios, layer corrections), {} if absent."""
    try:
        return json.loads(_read(CALIBRATION))
    except FileNotFoundError:
        return {}


@lru_cache(maxsize=16)
def ratio(kind: str) -> Ratio:
    """The gzip ratio of a content kind; ``mixed`` spans every measured kind but archives."""
    kinds = calibration().get("compression", {}).get("kinds", {})
    if kind == "empty":
        return Ratio(0.0, 0.0, 0.0, True)
    if kind == "mixed":
        parts = [ratio(k) for k in _FALLBACK if k not in ("compressed", "npm-cache", "apt-lists")]
        return Ratio(min(p.low for p in parts), sum(p.estimate for p in parts) / len(parts),
                     max(p.high for p in parts), all(p.measured for p in parts))
    row = kinds.get(kind)
    if row is not None:
        if len(row.get("samples", ())) == 1:  # one sample: its ratio, give or take 5 %
            return Ratio(row["estimate"] * 0.95, row["estimate"], row["estimate"] * 1.05, True)
        return Ratio(row["low"], row["estimate"], row["high"], True)
    low, est, high = _FALLBACK.get(kind, _FALLBACK["packages"])
    return Ratio(low, est, high, False)


def compressed(size: SizeRange, kind: str) -> SizeRange:
    """The gzip'd size of ``size`` bytes of ``kind`` content (no layer framing)."""
    r = ratio(kind)
    return size.scaled(r.low, r.estimate, r.high, "")


def describe() -> str:
    """One line for a report: where the ratios come from."""
    data = calibration().get("compression")
    if not data:
        return "gzip ratios: assumed per content kind (not measured)"
    return f"gzip ratios per content kind, measured {data['date']} ({data['script']})"


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()
