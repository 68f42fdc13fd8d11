"""Debian package index and dependency resolver for ``apt-get install`` size estimates.

The index (``layerlint/data/debian-<release>.index``, made by ``scripts/gen_debian_index.py``)
is opened only when a Dockerfile installs Debian packages.  It is compressed in blocks of
64 names: a lookup bisects the blocks' first names and inflates one block, so sizing an
install touches a few hundred records instead of inflating the whole release (~40 ms).
Records are parsed one package at a time as the resolver reaches them.

The resolver mimics what ``apt-get install`` adds on top of an image, well enough for a
size range, not for correctness of an actual install:

- the closure of Pre-Depends + Depends (+ Recommends unless ``--no-install-recommends``),
  taken over newly installed packages only (an installed package's needs are met);
- version constraints are ignored (the index keeps one version per package: the newest in
  the release, -updates or -security), so an upgrade forced by a versioned dependency is
  not counted;
- an alternative ``a | b`` is satisfied by whichever is installed, selected or provided;
  otherwise the first alternative apt could install is taken;
- a virtual package is satisfied by any provider; if none is present the provider with the
  highest Priority (then alphabetical) is chosen, where apt would ask or use its own scoring;
- arch qualifiers (``:any``, ``:amd64``), version pins (``=1.2``) and target releases
  (``/bookworm-backports``) in requested names are stripped;
- Essential packages are assumed present: every Debian-based image has them.

Checked against real installs (``scripts/gen_debian_index.py --measure-layers``): for the
packages Dockerfiles install most, with and without Recommends, the predicted package set
was exactly apt's.
"""

from __future__ import annotations

import json
import os
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable
from functools import lru_cache

from layerlint.source import Frozen, _set

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
FORMAT_HEADER = "#layerlint-debian-index 3"
INDEX_SUFFIX = ".index"
RELEASE_ALIASES = {"12": "bookworm", "13": "trixie", "stable": "trixie", "oldstable": "bookworm"}
_PRIORITIES = {"r": "required", "i": "important", "s": "standard", "": "optional", "x": "extra"}
_PYTHON_PREFIXES = ("python3", "libpython3")
_PRIORITY_RANK = {"required": 0, "important": 1, "standard": 2, "optional": 3, "extra": 4}

Relation = tuple[tuple[str, ...], ...]  # groups (all needed) of alternatives (any one will do)


class UnknownRelease(LookupError):
    """No index ships for this Debian release."""


class Package(Frozen):
    """One binary package of the index (``installed_kib`` is None for a virtual name)."""

    __slots__ = (  # constructor order: Value relies on it
        "name",
        "installed_kib",
        "deb_bytes",
        "priority",
        "essential",
        "pre_depends",
        "depends",
        "recommends",
        "provided_by",
    )

    name: str
    installed_kib: int | None
    deb_bytes: int | None
    priority: str
    essential: bool
    pre_depends: Relation
    depends: Relation
    recommends: Relation
    provided_by: tuple[str, ...]

    def __init__(
        self,
        name: str,
        installed_kib: int | None,
        deb_bytes: int | None,
        priority: str,
        essential: bool,
        pre_depends: Relation,
        depends: Relation,
        recommends: Relation,
        provided_by: tuple[str, ...],
    ) -> None:
        _set(self, "name", name)
        _set(self, "installed_kib", installed_kib)
        _set(self, "deb_bytes", deb_bytes)
        _set(self, "priority", priority)
        _set(self, "essential", essential)
        _set(self, "pre_depends", pre_depends)
        _set(self, "depends", depends)
        _set(self, "recommends", recommends)
        _set(self, "provided_by", provided_by)

    @property
    def virtual(self) -> bool:
        return self.installed_kib is None


class Resolution(Frozen):
    """What ``apt-get install`` would add: new packages and their summed sizes.

    ``installed_bytes`` sums Installed-Size (KiB × 1024), which dpkg computes from file sizes
    rounded up to whole KiB; ``layer_range`` turns it into a range of real layer bytes.
    """

    __slots__ = (  # constructor order: Value relies on it
        "release",
        "packages",
        "installed_bytes",
        "download_bytes",
        "python_bytes",
        "unknown",
        "recommends",
        "basis",
    )

    release: str
    packages: tuple[str, ...]
    installed_bytes: int
    download_bytes: int
    python_bytes: int  # Installed-Size of python3*/libpython3* packages (.pyc come on top)
    unknown: tuple[str, ...]
    recommends: bool
    basis: str

    def __init__(
        self,
        release: str,
        packages: tuple[str, ...],
        installed_bytes: int,
        download_bytes: int,
        python_bytes: int,
        unknown: tuple[str, ...],
        recommends: bool,
        basis: str,
    ) -> None:
        _set(self, "release", release)
        _set(self, "packages", packages)
        _set(self, "installed_bytes", installed_bytes)
        _set(self, "download_bytes", download_bytes)
        _set(self, "python_bytes", python_bytes)
        _set(self, "unknown", unknown)
        _set(self, "recommends", recommends)
        _set(self, "basis", basis)

    def layer_range(self, slim: bool = False) -> tuple[int, int]:
        """Range of bytes the install adds to a layer, from measured installs.

        ``slim``: the image excludes docs/man/locales via dpkg path-exclude (debian:*-slim
        and images built on it, such as python:*-slim).
        """
        if not self.packages:
            return 0, 0
        return payload_correction().apply(self.installed_bytes, self.python_bytes, len(self.packages), slim)


class PayloadCorrection(Frozen):
    """Installed-Size → layer bytes, fitted by ``scripts/gen_debian_index.py --measure-layers``.

    Installed-Size rounds every file up to a KiB and knows nothing of what maintainer
    scripts write: .pyc files from py3compile, the dpkg/apt/debconf databases and logs.
    Midpoint ``ratio × Installed-Size + pyc × Python Installed-Size + fixed + n × per_package``
    (``ratio`` differs for slim images, which drop docs), times a band that held about 80 %
    of the measured installs.
    """

    __slots__ = (  # constructor order: Value relies on it
        "ratio",
        "band",
        "slim_ratio",
        "slim_band",
        "pyc",
        "fixed",
        "per_package",
        "source",
    )

    ratio: float
    band: tuple[float, float]
    slim_ratio: float
    slim_band: tuple[float, float]
    pyc: float
    fixed: int
    per_package: int
    source: str

    def __init__(
        self,
        ratio: float,
        band: tuple[float, float],
        slim_ratio: float,
        slim_band: tuple[float, float],
        pyc: float,
        fixed: int,
        per_package: int,
        source: str,
    ) -> None:
        _set(self, "ratio", ratio)
        _set(self, "band", band)
        _set(self, "slim_ratio", slim_ratio)
        _set(self, "slim_band", slim_band)
        _set(self, "pyc", pyc)
        _set(self, "fixed", fixed)
        _set(self, "per_package", per_package)
        _set(self, "source", source)

    def apply(self, installed_bytes: int, python_bytes: int, count: int, slim: bool) -> tuple[int, int]:
        ratio, (low, high) = (self.slim_ratio, self.slim_band) if slim else (self.ratio, self.band)
        middle = installed_bytes * ratio + python_bytes * self.pyc + self.fixed + count * self.per_package
        return int(middle * low), int(middle * high)


@lru_cache(maxsize=1)
def payload_correction() -> PayloadCorrection:
    data = json.loads(_read(os.path.join(DATA_DIR, "debian-payload.json")))
    model = data["model"]
    return PayloadCorrection(
        ratio=model["ratio"], band=tuple(model["band"]), slim_ratio=model["slim_ratio"],
        slim_band=tuple(model["slim_band"]), pyc=model["pyc"], fixed=model["fixed_bytes"],
        per_package=model["per_package_bytes"], source=f"{model['installs_used']} measured installs, {data['date']}",
    )


def canonical_release(release: str) -> str:
    """``12`` → ``bookworm``; codenames pass through lower-cased."""
    release = release.strip().lower()
    return RELEASE_ALIASES.get(release, release)


def available_releases() -> tuple[str, ...]:
    """Releases with a shipped index, e.g. ``("bookworm", "trixie")``."""
    names = os.listdir(DATA_DIR)
    return tuple(sorted(n[len("debian-") : -len(INDEX_SUFFIX)] for n in names if n.startswith("debian-") and n.endswith(INDEX_SUFFIX)))


class DebianIndex:
    """One release's packages: sorted names in compressed blocks, records parsed on first use."""

    __slots__ = ("_block_size", "_blocks", "_cache", "_count", "_data", "_ends", "_firsts", "meta", "release")

    def __init__(self, release: str, data: bytes) -> None:
        lines = data.split(b"\n", 5)
        if len(lines) < 6 or lines[0].decode("utf-8", "replace") != FORMAT_HEADER:
            raise ValueError(f"not a layerlint Debian index (header {lines[0][:40]!r})")
        self.release = release
        self.meta: dict[str, object] = json.loads(lines[1][1:])
        count, block_size = lines[2].split()
        self._count, self._block_size = int(count), int(block_size)
        self._firsts = lines[3].decode("utf-8").split("\t")
        self._ends = [int(end) for end in lines[4].split()]
        self._data = memoryview(lines[5])
        self._blocks: dict[int, tuple[list[str], list[str]]] = {}
        self._cache: dict[str, Package | None] = {}

    def __len__(self) -> int:
        return self._count

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._position(name) is not None

    def _block(self, number: int) -> tuple[list[str], list[str]]:
        """The names and records of one block, inflated once."""
        block = self._blocks.get(number)
        if block is None:
            start = self._ends[number - 1] if number else 0
            rows = zlib.decompress(self._data[start : self._ends[number]]).decode("utf-8").split("\n")
            half = len(rows) // 2  # the block's names, then their records
            names, records = rows[:half], rows[half:]
            block = self._blocks[number] = (names, records)
        return block

    def _position(self, name: str) -> tuple[int, int] | None:
        number = bisect_right(self._firsts, name) - 1
        if number < 0:
            return None
        names = self._block(number)[0]
        i = bisect_left(names, name)
        return (number, i) if i < len(names) and names[i] == name else None

    def _name_at(self, position: int) -> str:
        return self._block(position // self._block_size)[0][position % self._block_size]

    def get(self, name: str) -> Package | None:
        """The package (or virtual name) called ``name``, or None if the release lacks it."""
        if name in self._cache:
            return self._cache[name]
        position = self._position(name)
        package = None if position is None else self._parse(name, self._block(position[0])[1][position[1]])
        self._cache[name] = package
        return package

    def _parse(self, name: str, record: str) -> Package:
        fields = record.split("\t") + [""] * 7
        name_at = self._name_at

        def relation(value: str) -> Relation:
            if not value:
                return ()
            return tuple(tuple(name_at(int(alt, 36)) for alt in group.split("|")) for group in value.split(","))

        flags = fields[2]
        return Package(
            name=name,
            installed_kib=int(fields[0]) if fields[0] else None,
            deb_bytes=int(fields[1]) if fields[1] else None,
            priority=_PRIORITIES.get(flags.rstrip("E"), "optional"),
            essential="E" in flags,
            pre_depends=relation(fields[3]),
            depends=relation(fields[4]),
            recommends=relation(fields[5]),
            provided_by=tuple(name_at(int(p, 36)) for p in fields[6].split(",") if p),
        )

    def essential(self) -> frozenset[str]:
        """Names of Essential packages (present in every Debian system)."""
        return frozenset(self.meta.get("essential", ()))  # type: ignore[arg-type]

    def required(self) -> frozenset[str]:
        """Priority: required packages plus apt: what debootstrap's minbase installs."""
        return frozenset(self.meta.get("required", ()))  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def load_index(release: str) -> DebianIndex:
    """The shipped index of ``release`` (codename or number); raises UnknownRelease."""
    codename = canonical_release(release)
    try:
        with open(_index_path(codename), "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise UnknownRelease(f"no Debian index for {release!r} (have: {', '.join(available_releases())})") from None
    return DebianIndex(codename, data)


def requested_name(word: str) -> str:
    """``pkg:amd64=1.2/bookworm-backports`` → ``pkg`` (apt-get install argument forms)."""
    name = word.strip().split("=", 1)[0].split("/", 1)[0].split(":", 1)[0]
    return name.lower()


class _Closure:
    """The apt-like walk: what gets selected on top of ``present``."""

    def __init__(self, index: DebianIndex, present: set[str], recommends: bool) -> None:
        self.index = index
        self.present = present
        self.recommends = recommends
        self.selected: dict[str, Package] = {}

    def satisfied(self, name: str) -> bool:
        if name in self.present or name in self.selected:
            return True
        package = self.index.get(name)
        return package is not None and any(p in self.present or p in self.selected for p in package.provided_by)

    def candidate(self, name: str) -> Package | None:
        """The real package apt would install for ``name`` (itself, or its best provider)."""
        package = self.index.get(name)
        if package is None or not package.virtual:
            return package
        providers = [p for p in map(self.index.get, package.provided_by) if p is not None and not p.virtual]
        if not providers:
            return None
        return min(providers, key=lambda p: (_PRIORITY_RANK.get(p.priority, 9), p.name))

    def add(self, name: str) -> bool:
        """Select ``name`` (and what it needs); False when the release has no such package."""
        if self.satisfied(name):
            return True
        package = self.candidate(name)
        if package is None:
            return False
        stack = [package]
        self.selected[package.name] = package
        while stack:
            current = stack.pop()
            groups = current.pre_depends + current.depends + (current.recommends if self.recommends else ())
            for group in groups:
                if any(self.satisfied(alt) for alt in group):
                    continue
                for alt in group:
                    chosen = self.candidate(alt)
                    if chosen is not None:
                        if chosen.name not in self.selected:
                            self.selected[chosen.name] = chosen
                            stack.append(chosen)
                        break
        return True


def resolve(release: str, requested: Iterable[str], installed: Collection[str], recommends: bool = True) -> Resolution:
    """Packages and bytes ``apt-get install <requested>`` adds to an image holding ``installed``."""
    index = load_index(release)
    present = set(installed)
    present.update(index.essential())
    closure = _Closure(index, present, recommends)
    unknown = []
    for word in requested:
        name = requested_name(word)
        if name and not closure.add(name):
            unknown.append(name)
    selected = sorted(closure.selected.values(), key=lambda p: p.name)
    installed_bytes = sum((p.installed_kib or 0) * 1024 for p in selected)
    download_bytes = sum(p.deb_bytes or 0 for p in selected)
    python_bytes = sum((p.installed_kib or 0) * 1024 for p in selected if p.name.startswith(_PYTHON_PREFIXES))
    basis = f"Debian {index.release} index: {len(selected)} packages " + (
        "incl. Recommends" if recommends else "without Recommends"
    )
    if unknown:
        basis += f"; not in the index: {', '.join(unknown)}"
    return Resolution(
        release=index.release,
        packages=tuple(p.name for p in selected),
        installed_bytes=installed_bytes,
        download_bytes=download_bytes,
        python_bytes=python_bytes,
        unknown=tuple(unknown),
        recommends=recommends,
        basis=basis,
    )


@lru_cache(maxsize=4)
def minbase(release: str) -> frozenset[str]:
    """What ``debootstrap --variant=minbase`` installs: Priority required + apt, with Depends.

    Checked against mmdebstrap's minbase of bookworm (96 packages, identical set); the
    official debian images are built from this variant by debuerreotype.
    """
    index = load_index(release)
    closure = _Closure(index, set(), recommends=False)
    for name in sorted(index.required() | index.essential()):
        closure.add(name)
    return frozenset(closure.selected)


def apt_lists_bytes(release: str) -> int | None:
    """Bytes ``apt-get update`` leaves in /var/lib/apt/lists on debian:<release> (measured).

    Read from the index file's header line only: a file whose only apt step is
    ``apt-get update`` should not open the package records on the pre-commit path.
    """
    meta = _header_meta(release)
    lists = meta.get("apt_lists") if meta is not None else None
    return int(lists["bytes"]) if isinstance(lists, dict) and "bytes" in lists else None


def _header_meta(release: str) -> dict | None:
    """The JSON metadata on the second line of a shipped index, without reading the rest."""
    try:
        with open(_index_path(canonical_release(release)), "rb") as fh:
            header, meta = fh.readline(), fh.readline()
    except (OSError, UnknownRelease):
        return None
    if header.decode("utf-8", "replace").rstrip("\n") != FORMAT_HEADER or not meta.startswith(b"#{"):
        return None
    try:
        return json.loads(meta[1:])
    except ValueError:
        return None


def _index_path(codename: str) -> str:
    return os.path.join(DATA_DIR, f"debian-{codename}{INDEX_SUFFIX}")


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()
