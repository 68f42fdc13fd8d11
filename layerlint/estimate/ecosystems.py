"""Sizes of pip and npm installs (and an approximate apk range) from shipped registry data.

``layerlint/data/ecosystems.json`` (made by ``scripts/gen_ecosystem_sizes.py``) holds, for
the most used PyPI and npm packages, the latest version's download size, unpacked size,
file count and unconditional dependencies, plus measured factors: .pyc bytes per .py byte
(pip compiles on install), the npm cache per installed byte, the pip cache per wheel byte.
Versions pinned in a Dockerfile are ignored: the table knows the latest release only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection, Iterable
from functools import lru_cache

from layerlint.source import Frozen, _set

DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "ecosystems.json")
PIP_CACHE_ASSUMED = 1.0  # pip's HTTP cache keeps each downloaded wheel whole (pip docs, "Caching")


class PackageSize(Frozen):
    """One package as the table knows it; ``installed_bytes`` includes .pyc for pip."""

    __slots__ = (  # constructor order: Value relies on it
        "ecosystem",
        "name",
        "version",
        "download_bytes",
        "installed_bytes",
        "files",
        "requires",
    )

    ecosystem: str
    name: str
    version: str
    download_bytes: int | None
    installed_bytes: int | None
    files: int | None
    requires: tuple[str, ...]

    def __init__(
        self,
        ecosystem: str,
        name: str,
        version: str,
        download_bytes: int | None,
        installed_bytes: int | None,
        files: int | None,
        requires: tuple[str, ...],
    ) -> None:
        _set(self, "ecosystem", ecosystem)
        _set(self, "name", name)
        _set(self, "version", version)
        _set(self, "download_bytes", download_bytes)
        _set(self, "installed_bytes", installed_bytes)
        _set(self, "files", files)
        _set(self, "requires", requires)


class EcosystemEstimate(Frozen):
    """What ``pip install`` / ``npm install`` of some names adds, with what it rests on."""

    __slots__ = (  # constructor order: Value relies on it
        "ecosystem",
        "packages",
        "unknown",
        "download_bytes",
        "installed_bytes",
        "cache_bytes",
        "files",
        "basis",
    )

    ecosystem: str
    packages: tuple[str, ...]
    unknown: tuple[str, ...]
    download_bytes: int
    installed_bytes: int
    cache_bytes: int
    files: int
    basis: str

    def __init__(
        self,
        ecosystem: str,
        packages: tuple[str, ...],
        unknown: tuple[str, ...],
        download_bytes: int,
        installed_bytes: int,
        cache_bytes: int,
        files: int,
        basis: str,
    ) -> None:
        _set(self, "ecosystem", ecosystem)
        _set(self, "packages", packages)
        _set(self, "unknown", unknown)
        _set(self, "download_bytes", download_bytes)
        _set(self, "installed_bytes", installed_bytes)
        _set(self, "cache_bytes", cache_bytes)
        _set(self, "files", files)
        _set(self, "basis", basis)


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(_read(DATA_FILE))


def factors() -> dict[str, object]:
    """The measured factors (and how they were measured)."""
    return dict(_table()["factors"] or {})


def pip_name(requirement: str) -> str:
    """``Django[argon2]>=4.2; python_version>'3'`` → ``django`` (PEP 503 normalized)."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def npm_name(spec: str) -> str:
    """``@scope/pkg@^1.2`` → ``@scope/pkg``; ``lodash@4`` → ``lodash``."""
    spec = spec.strip()
    at = spec.find("@", 1)
    return (spec[:at] if at > 0 else spec).lower()


def pip_package(name: str) -> PackageSize | None:
    entry = _table()["pip"].get(pip_name(name))
    if entry is None:
        return None
    pyc = float(factors().get("pyc_per_py_byte") or 0.0)
    unpacked = entry["unpacked_bytes"]
    installed = None if unpacked is None else int(unpacked + (entry["py_bytes"] or 0) * pyc)
    return PackageSize("pip", pip_name(name), entry["version"], entry["download_bytes"], installed,
                       entry["files"], tuple(entry["requires"]))


def npm_package(name: str) -> PackageSize | None:
    entry = _table()["npm"].get(npm_name(name))
    if entry is None:
        return None
    return PackageSize("npm", npm_name(name), entry["version"], entry["tarball_bytes"], entry["unpacked_bytes"],
                       entry["files"], tuple(entry["requires"]))


def _closure(ecosystem: str, requested: Iterable[str], installed: Collection[str], with_deps: bool):
    lookup, normalize = (pip_package, pip_name) if ecosystem == "pip" else (npm_package, npm_name)
    present = {normalize(n) for n in installed}
    found: dict[str, PackageSize] = {}
    unknown: list[str] = []
    queue = [normalize(r) for r in requested if normalize(r)]
    while queue:
        name = queue.pop(0)
        if name in present or name in found or name in unknown:
            continue
        package = lookup(name)
        if package is None or package.installed_bytes is None:
            unknown.append(name)
            continue
        found[name] = package
        if with_deps:
            queue.extend(package.requires)
    return found, unknown


def _estimate(ecosystem: str, found: dict[str, PackageSize], unknown: list[str], cache_bytes: int, note: str):
    basis = f"{ecosystem} registry sizes ({_table()['meta']['generated']}): {len(found)} packages{note}"
    if unknown:
        basis += f"; sizes unknown: {', '.join(unknown)}"
    return EcosystemEstimate(
        ecosystem=ecosystem,
        packages=tuple(sorted(found)),
        unknown=tuple(unknown),
        download_bytes=sum(p.download_bytes or 0 for p in found.values()),
        installed_bytes=sum(p.installed_bytes or 0 for p in found.values()),
        cache_bytes=cache_bytes,
        files=sum(p.files or 0 for p in found.values()),
        basis=basis,
    )


def pip_install(requirements: Iterable[str], installed: Collection[str] = (), cache: bool = False,
                with_deps: bool = True) -> EcosystemEstimate:
    """``pip install`` of ``requirements`` on top of ``installed``; ``cache`` without --no-cache-dir.

    Dependencies are followed only through packages the table knows; others are ``unknown``.
    """
    found, unknown = _closure("pip", requirements, installed, with_deps)
    factor = factors().get("pip_cache_per_wheel_byte") or PIP_CACHE_ASSUMED
    cache_bytes = int(sum(p.download_bytes or 0 for p in found.values()) * factor) if cache else 0
    note = " incl. .pyc" + (", pip cache kept" if cache else "")
    return _estimate("pip", found, unknown, cache_bytes, note)


def npm_install(packages: Iterable[str], installed: Collection[str] = (), cache: bool = True,
                with_deps: bool = True) -> EcosystemEstimate:
    """``npm install`` of ``packages``; ``cache``: ~/.npm/_cacache left in the layer (npm's default)."""
    found, unknown = _closure("npm", packages, installed, with_deps)
    factor = float(factors().get("npm_cache_per_installed_byte") or 0.0)
    cache_bytes = int(sum(p.installed_bytes or 0 for p in found.values()) * factor) if cache else 0
    return _estimate("npm", found, unknown, cache_bytes, ", npm cache kept" if cache else "")


def apk_range(count: int) -> tuple[int, int, str]:
    """Approximate bytes for ``count`` apk packages: (low, high, basis); no Alpine index ships."""
    low, high = _table()["apk"]["per_package_bytes"]
    return count * low, count * high, "approximate: " + _table()["apk"]["basis"]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()
