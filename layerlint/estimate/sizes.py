"""Size values: a range with its basis, the parts of a layer, and the estimates of a build.

An estimate is never one confident number (ARCHITECTURE.md §6): ``SizeRange`` holds a low
and a high bound, the best guess between them, and the basis it rests on.  ``high`` is
``None`` when nothing bounds it (an unknown download, an unreadable requirements file):
totals then stay open-ended instead of pretending.  Sizes are what ``docker history``
shows: the st_size of the files a layer adds or changes (hard links once, symlinks by
target length, directories and whiteouts 0).
"""

from __future__ import annotations

from operator import attrgetter

from layerlint.source import Frozen, _set

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from typing import Any

    from layerlint.ledger import Change, Created
    from layerlint.model import Instruction, Stage
    from layerlint.source import Span

# Content kinds, each with its own measured gzip ratio (``layerlint.estimate.compression``).
KINDS = ("packages", "python", "node", "text", "binary", "compressed", "apt-lists", "npm-cache", "mixed", "empty")


class SizeRange(Frozen):
    """``low <= estimate <= high`` bytes; ``high`` None when unbounded."""

    __slots__ = ("low", "estimate", "high", "basis")  # constructor order: Value relies on it

    low: int
    estimate: int
    high: int | None
    basis: str

    def __init__(self, low: int, estimate: int, high: int | None, basis: str = "") -> None:
        _set(self, "low", low)
        _set(self, "estimate", estimate)
        _set(self, "high", high)
        _set(self, "basis", basis)

    @staticmethod
    def exact(size: int, basis: str = "") -> SizeRange:
        return SizeRange(size, size, size, basis)

    @staticmethod
    def unknown(basis: str, low: int = 0) -> SizeRange:
        return SizeRange(low, low, None, basis)

    @staticmethod
    def around(estimate: float, low: float, high: float | None, basis: str = "") -> SizeRange:
        """A range from floats, kept ordered (``low <= estimate <= high``)."""
        lo = max(0, int(min(low, estimate)))
        est = max(lo, int(estimate))
        hi = None if high is None else max(est, int(high))
        return SizeRange(lo, est, hi, basis)

    @property
    def bounded(self) -> bool:
        return self.high is not None

    @property
    def zero(self) -> bool:
        return self.high == 0

    def __add__(self, other: SizeRange) -> SizeRange:
        high = None if self.high is None or other.high is None else self.high + other.high
        return SizeRange(self.low + other.low, self.estimate + other.estimate, high, "")

    def scaled(self, low: float, estimate: float, high: float, basis: str | None = None) -> SizeRange:
        """Each bound times its own factor (a ratio range applied to a size range)."""
        return SizeRange.around(
            self.estimate * estimate,
            self.low * low,
            None if self.high is None else self.high * high,
            self.basis if basis is None else basis,
        )

    def times(self, factor: float) -> SizeRange:
        return self.scaled(factor, factor, factor)

    def contains(self, size: int) -> bool:
        return self.low <= size and (self.high is None or size <= self.high)

    def to_json(self, basis: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"low": self.low, "estimate": self.estimate, "high": self.high}
        if basis:
            out["basis"] = self.basis
        return out


ZERO = SizeRange(0, 0, 0, "")


def total(ranges: list[SizeRange] | tuple[SizeRange, ...], basis: str = "") -> SizeRange:
    out = ZERO
    for r in ranges:
        out = out + r
    return SizeRange(out.low, out.estimate, out.high, basis)


class Part(Frozen):
    """One thing a layer holds: an install, a copied tree, a cache, a rewrite of earlier files.

    ``path``/``tree`` say where it lands (``COPY --from`` and removals look it up); ``files``
    maps destination paths to exact bytes when they are known file by file (context copies),
    so overlaps with later layers can be computed exactly.  ``entry`` is the ledger record it
    sizes, when there is one; ``packages`` the names it installed (for later removals).
    """

    __slots__ = (  # constructor order: Value relies on it
        "what",
        "kind",
        "size",
        "path",
        "tree",
        "entry",
        "files",
        "packages",
        "ecosystem",
        "origins",
        "mix",
        "command",
        "saving",
        "requested",
        "packed",
    )

    what: str
    kind: str
    size: SizeRange
    path: str | None
    tree: bool
    entry: Created | None
    files: dict[str, int] | None  # not compared
    packages: tuple[tuple[str, int], ...]  # (name, bytes) installed by this part
    ecosystem: str  # "apt", "pip", "npm", "wheels" (pip wheel output), "rewrite" ...
    origins: dict[str, str] | None  # dest -> "flags|context path"; not compared
    mix: tuple[tuple[str, int], ...]  # bytes per content kind, when known file by file
    command: Span | None  # the shell command that made it (package installs)
    saving: SizeRange | None  # bytes an easy change would save (apt: --no-install-recommends)
    requested: tuple[str, ...]  # the names asked for (a package install)
    packed: SizeRange | None  # compressed bytes when measured (sampled context files)

    def __init__(
        self,
        what: str,
        kind: str,
        size: SizeRange,
        path: str | None = None,
        tree: bool = False,
        entry: Created | None = None,
        files: dict[str, int] | None = None,
        packages: tuple[tuple[str, int], ...] = (),
        ecosystem: str = "",
        origins: dict[str, str] | None = None,
        mix: tuple[tuple[str, int], ...] = (),
        command: Span | None = None,
        saving: SizeRange | None = None,
        requested: tuple[str, ...] = (),
        packed: SizeRange | None = None,
    ) -> None:
        _set(self, "what", what)
        _set(self, "kind", kind)
        _set(self, "size", size)
        _set(self, "path", path)
        _set(self, "tree", tree)
        _set(self, "entry", entry)
        _set(self, "files", files)
        _set(self, "packages", packages)
        _set(self, "ecosystem", ecosystem)
        _set(self, "origins", origins)
        _set(self, "mix", mix)
        _set(self, "command", command)
        _set(self, "saving", saving)
        _set(self, "requested", requested)
        _set(self, "packed", packed)

    # ``files`` and ``origins`` stay out of equality and hashing (``compare=False`` of a dataclass field).
    _compared = attrgetter(
        "what",
        "kind",
        "size",
        "path",
        "tree",
        "entry",
        "packages",
        "ecosystem",
        "mix",
        "command",
        "saving",
        "requested",
        "packed",
    )


class Waste(Frozen):
    """Bytes of ``carrier``'s layer that ``by`` deletes, overwrites or rewrites later."""

    __slots__ = ("carrier", "by", "op", "path", "size", "change")  # constructor order: Value relies on it

    carrier: Instruction
    by: Instruction
    op: str  # remove, move, overwrite, chown, chmod, chgrp, touch, purge
    path: str
    size: SizeRange
    change: Change | None

    def __init__(
        self,
        carrier: Instruction,
        by: Instruction,
        op: str,
        path: str,
        size: SizeRange,
        change: Change | None = None,
    ) -> None:
        _set(self, "carrier", carrier)
        _set(self, "by", by)
        _set(self, "op", op)
        _set(self, "path", path)
        _set(self, "size", size)
        _set(self, "change", change)


class LayerEstimate(Frozen):
    """What one instruction adds: the sum of its parts, compressed, and the waste it carries."""

    __slots__ = (  # constructor order: Value relies on it
        "instruction",
        "parts",
        "size",
        "compressed",
        "wasted",
        "waste",
    )

    instruction: Instruction
    parts: tuple[Part, ...]
    size: SizeRange
    compressed: SizeRange
    wasted: SizeRange  # bytes of this layer later layers delete or rewrite
    waste: tuple[Waste, ...]

    def __init__(
        self,
        instruction: Instruction,
        parts: tuple[Part, ...],
        size: SizeRange,
        compressed: SizeRange,
        wasted: SizeRange = ZERO,
        waste: tuple[Waste, ...] = (),
    ) -> None:
        _set(self, "instruction", instruction)
        _set(self, "parts", parts)
        _set(self, "size", size)
        _set(self, "compressed", compressed)
        _set(self, "wasted", wasted)
        _set(self, "waste", waste)

    @property
    def basis(self) -> str:
        return self.size.basis


class StageEstimate(Frozen):
    """A stage's image: the base it starts from plus the layers it creates."""

    __slots__ = (  # constructor order: Value relies on it
        "stage",
        "base",
        "base_compressed",
        "created",
        "created_compressed",
        "wasted",
    )

    stage: Stage
    base: SizeRange
    base_compressed: SizeRange
    created: SizeRange
    created_compressed: SizeRange
    wasted: SizeRange  # in the stage's whole image (parent stages included)

    def __init__(
        self,
        stage: Stage,
        base: SizeRange,
        base_compressed: SizeRange,
        created: SizeRange,
        created_compressed: SizeRange,
        wasted: SizeRange,
    ) -> None:
        _set(self, "stage", stage)
        _set(self, "base", base)
        _set(self, "base_compressed", base_compressed)
        _set(self, "created", created)
        _set(self, "created_compressed", created_compressed)
        _set(self, "wasted", wasted)

    @property
    def image(self) -> SizeRange:
        return SizeRange(*_triple(self.base + self.created), basis=self.base.basis)

    @property
    def image_compressed(self) -> SizeRange:
        return self.base_compressed + self.created_compressed


def _triple(r: SizeRange) -> tuple[int, int, int | None]:
    return r.low, r.estimate, r.high


class BuildEstimate(Frozen):
    """Every layer's estimate, per stage totals, and the target image's."""

    __slots__ = ("layers", "stages", "target", "waste", "entries", "notes")  # constructor order: Value relies on it

    layers: dict[int, LayerEstimate]  # by instruction index (FROM: the base image)
    stages: dict[int, StageEstimate]
    target: int | None
    waste: tuple[Waste, ...]
    entries: dict[int, Part]  # id(Created) -> part
    notes: tuple[str, ...]

    def __init__(
        self,
        layers: dict[int, LayerEstimate],
        stages: dict[int, StageEstimate],
        target: int | None,
        waste: tuple[Waste, ...],
        entries: dict[int, Part] | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        _set(self, "layers", layers)
        _set(self, "stages", stages)
        _set(self, "target", target)
        _set(self, "waste", waste)
        _set(self, "entries", {} if entries is None else entries)
        _set(self, "notes", notes)

    # ``entries`` stay out of equality and hashing (``compare=False`` of a dataclass field).
    _compared = attrgetter("layers", "stages", "target", "waste", "notes")

    def layer(self, ins: Instruction) -> LayerEstimate | None:
        return self.layers.get(ins.index)

    @property
    def image(self) -> StageEstimate | None:
        return self.stages.get(self.target) if self.target is not None else None

    def entry_size(self, entry: Created) -> SizeRange | None:
        """Bytes the ledger entry ``entry`` holds in its layer, when sized."""
        part = self.entries.get(id(entry))
        return part.size if part is not None else None

    def wasted_by(self, ins: Instruction) -> SizeRange:
        """Bytes of earlier layers that ``ins`` deletes or rewrites (stay in the image anyway)."""
        return total([w.size for w in self.waste if w.by.index == ins.index])

    def wasted_by_change(self, change: Change) -> SizeRange:
        return total([w.size for w in self.waste if w.change is change])

    @property
    def wasted(self) -> SizeRange:
        image = self.image
        return image.wasted if image is not None else ZERO

    @property
    def efficiency(self) -> float | None:
        """Like dive's score: the share of the image's bytes that are not wasted."""
        image = self.image
        if image is None or image.image.estimate <= 0:
            return None
        return max(0.0, 1.0 - self.wasted.estimate / image.image.estimate)


def human_size(size: float) -> str:
    """Decimal units as Docker prints them: ``950 B``, ``3.4 kB``, ``38 MB``, ``19.9 MB``."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(size)} B"
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def phrase(size: SizeRange) -> str:
    """How a message says a size: ``~19.9 MB``, ``18-25 MB``, ``at least 3.1 MB``."""
    if size.high is None:
        return f"at least {human_size(size.low)}" if size.low else "an unknown amount"
    if size.high == size.low:
        return human_size(size.low)
    if size.low and size.high > 2 * size.low:
        return f"{human_size(size.low)}–{human_size(size.high)}"
    return f"~{human_size(size.estimate)}"
