"""Debian package index and dependency resolver for ``apt-get install`` size estimates.

The index (``layerlint/data/debian-<release>.txt.gz``, made by ``scripts/gen_debian_index.py``)
is loaded lazily, only when a Dockerfile installs Debian packages: ~65 ms for a release.
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
from bisect import bisect_left
from collections.abc import Collection, Iterable
from functools import lru_cache

from layerlint.source import Frozen, _set

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
FORMAT_HEADER = "#layerlint-debian-index 2"
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
    return tuple(sorted(n[len("debian-") : -len(".txt.gz")] for n in names if n.startswith("debian-") and n.endswith(".txt.gz")))


class DebianIndex:
    """One release's packages: a sorted name table with records parsed on first use."""

    __slots__ = ("_cache", "_names", "_records", "meta", "release")

    def __init__(self, release: str, text: str) -> None:
        lines = text.split("\n")
        if lines[0] != FORMAT_HEADER:
            raise ValueError(f"not a layerlint Debian index (header {lines[0]!r})")
        self.release = release
        self.meta: dict[str, object] = json.loads(lines[1][1:])
        count = int(lines[2])
        self._names = lines[3:3 + count]
        self._records = lines[3 + count:3 + 2 * count]
        self._cache: dict[str, Package | None] = {}

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._position(name) is not None

    def _position(self, name: str) -> int | None:
        i = bisect_left(self._names, name)
        return i if i < len(self._names) and self._names[i] == name else None

    def get(self, name: str) -> Package | None:
        """The package (or virtual name) called ``name``, or None if the release lacks it."""
        if name in self._cache:
            return self._cache[name]
        position = self._position(name)
        package = None if position is None else self._parse(name, self._records[position])
        self._cache[name] = package
        return package

    def _parse(self, name: str, record: str) -> Package:
        fields = record.split("\t") + [""] * 7
        names = self._names

        def relation(value: str) -> Relation:
            if not value:
                return ()
            return tuple(tuple(names[int(alt, 36)] for alt in group.split("|")) for group in value.split(","))

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
            provided_by=tuple(names[int(p, 36)] for p in fields[6].split(",") if p),
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
    path = os.path.join(DATA_DIR, f"debian-{codename}.txt.gz")
    try:
        with open(path, "rb") as fh:
            compressed = fh.read()
    except FileNotFoundError:
        raise UnknownRelease(f"no Debian index for {release!r} (have: {', '.join(available_releases())})") from None
    return DebianIndex(codename, zlib.decompress(compressed, 31).decode("utf-8"))


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

    Read from the index file's header line only: decompressing the first few kilobytes costs
    well under a millisecond, where loading the whole index costs ~40 ms, and a file whose
    only apt step is ``apt-get update`` should not pay that on the pre-commit path.
    """
    meta = _header_meta(release)
    lists = meta.get("apt_lists") if meta is not None else None
    return int(lists["bytes"]) if isinstance(lists, dict) and "bytes" in lists else None


def _header_meta(release: str) -> dict | None:
    """The JSON metadata on the second line of a shipped index, without reading the rest."""
    import json

    try:
        path = os.path.join(DATA_DIR, f"debian-{canonical_release(release)}.txt.gz")
        with open(path, "rb") as fh:
            head = zlib.decompressobj(31).decompress(fh.read(65536), 262144)
    except (OSError, zlib.error, UnknownRelease):
        return None
    lines = head.decode("utf-8", "replace").split("\n", 2)
    if len(lines) < 3 or not lines[1].startswith("#{"):
        return None
    try:
        return json.loads(lines[1][1:])
    except ValueError:
        return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()
