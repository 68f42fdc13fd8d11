"""Base-image facts: sizes, layers, distro and packages of common official images (amd64).

The table (``layerlint/data/base-images.json``, made by ``scripts/gen_base_images.py`` from
docker-library/repo-info) is small and loaded on first use.  A tag that is not in it is
unknown: ``lookup`` returns None rather than a guess.  Tags naming the same build resolve
through the table's aliases (``python:3.12-trixie`` is ``python:3.12`` when the table dated
3.12 on trixie; ``python:3.12-bookworm`` is another build and stays unknown).  ``entries``
lists every tabled image.  ``distro_of`` is the weaker, always-available answer: which
distribution (and so which package manager) an image reference most likely runs, from the
table or from the name and tag alone.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache

from layerlint.source import Frozen, _set

DATA_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "base-images.json")
DOCKER_HUB = ("docker.io", "index.docker.io", "registry-1.docker.io")
AMD64 = ("linux/amd64", "amd64", "linux/x86_64")
DEBIAN_CODENAMES = {"bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14", "sid": "unstable"}
DEBIAN_NUMBERS = {number: name for name, number in DEBIAN_CODENAMES.items()}
UBUNTU_VERSIONS = {"20.04": "focal", "22.04": "jammy", "24.04": "noble", "25.04": "plucky",
                   "25.10": "questing", "26.04": "resolute"}
# Official images whose default (unsuffixed) variant is built on Debian.
DEBIAN_BASED = frozenset({
    "python", "node", "golang", "ruby", "php", "perl", "rust", "openjdk", "buildpack-deps", "nginx", "redis",
    "postgres", "mysql", "mariadb", "httpd", "haproxy", "memcached", "rabbitmq", "elixir", "erlang", "haskell",
    "julia", "r-base", "gcc", "wordpress", "drupal", "ghost", "nextcloud", "composer", "bash",
})
UBUNTU_BASED = frozenset({"eclipse-temurin", "mongo", "ibm-semeru-runtimes", "ibmjava", "swift"})
RPM_IMAGES = {"amazonlinux": "amazonlinux", "rockylinux": "rocky", "almalinux": "alma", "fedora": "fedora",
              "centos": "centos", "oraclelinux": "oracle"}


class Distro(Frozen):
    """Best-effort distribution of an image; ``basis`` says whether it is known or guessed."""

    __slots__ = ("distro", "release", "package_manager", "basis")  # constructor order: Value relies on it

    distro: str
    release: str | None
    package_manager: str | None
    basis: str

    def __init__(self, distro: str, release: str | None, package_manager: str | None, basis: str) -> None:
        _set(self, "distro", distro)
        _set(self, "release", release)
        _set(self, "package_manager", package_manager)
        _set(self, "basis", basis)


class BaseImage(Frozen):
    """One tag of the table.  Numbers are None where the source publishes none.

    ``size`` is the on-disk (uncompressed) size, ``compressed`` the registry transfer size;
    ``packages`` the installed package names, exact when ``packages_exact`` and otherwise a
    lower bound; ``source`` and ``date`` (build date) say where and when the facts come from,
    ``size_date`` the build ``size`` was measured on when that is another one.
    """

    __slots__ = (  # constructor order: Value relies on it
        "name",
        "tag",
        "size",
        "compressed",
        "layers",
        "distro",
        "release",
        "package_manager",
        "packages_spec",
        "packages_exact",
        "source",
        "date",
        "size_date",
    )

    name: str
    tag: str
    size: int | None
    compressed: int | None
    layers: int | None
    distro: str | None
    release: str | None
    package_manager: str | None
    packages_spec: object
    packages_exact: bool
    source: str
    date: str | None
    size_date: str | None

    def __init__(
        self,
        name: str,
        tag: str,
        size: int | None,
        compressed: int | None,
        layers: int | None,
        distro: str | None,
        release: str | None,
        package_manager: str | None,
        packages_spec: object,
        packages_exact: bool,
        source: str,
        date: str | None,
        size_date: str | None = None,
    ) -> None:
        _set(self, "name", name)
        _set(self, "tag", tag)
        _set(self, "size", size)
        _set(self, "compressed", compressed)
        _set(self, "layers", layers)
        _set(self, "distro", distro)
        _set(self, "release", release)
        _set(self, "package_manager", package_manager)
        _set(self, "packages_spec", packages_spec)
        _set(self, "packages_exact", packages_exact)
        _set(self, "source", source)
        _set(self, "date", date)
        _set(self, "size_date", size_date)

    @property
    def ref(self) -> str:
        return f"{self.name}:{self.tag}"

    @property
    def packages(self) -> frozenset[str] | None:
        """Installed package names (computed on first use), None if not published."""
        return _packages(json.dumps(self.packages_spec))


class ImageRef(Frozen):
    """A normalized image reference: Docker Hub prefixes removed, tag defaulted."""

    __slots__ = ("name", "tag", "digest", "platform", "explicit_tag")  # constructor order: Value relies on it

    name: str
    tag: str
    digest: str | None
    platform: str | None
    explicit_tag: bool

    def __init__(self, name: str, tag: str, digest: str | None, platform: str | None, explicit_tag: bool) -> None:
        _set(self, "name", name)
        _set(self, "tag", tag)
        _set(self, "digest", digest)
        _set(self, "platform", platform)
        _set(self, "explicit_tag", explicit_tag)


@lru_cache(maxsize=1)
def _table() -> dict:
    return json.loads(_read(DATA_FILE))


@lru_cache(maxsize=64)
def _packages(spec_json: str) -> frozenset[str] | None:
    """Expand ``["a", ...]`` or ``"minbase:<release>[+extra,...]"`` (Debian closure)."""
    spec = json.loads(spec_json)
    if spec is None:
        return None
    if isinstance(spec, list):
        return frozenset(spec)
    base, _, extra = str(spec).partition("+")
    kind, _, release = base.partition(":")
    if kind != "minbase":
        return None
    from layerlint.estimate import packages as debian  # the Debian index loads only when needed

    if release not in debian.available_releases():
        return None  # a release without a shipped index (e.g. an old bullseye-based entry): unknown
    names = set(debian.minbase(release))
    if extra:
        names.update(debian.resolve(release, extra.split(","), names, recommends=False).packages)
    return frozenset(names)


def parse_ref(image_ref: str, platform: str | None = None) -> ImageRef | None:
    """Normalize ``[--platform=P] [docker.io/][library/]name[:tag][@digest]``; None if unresolvable."""
    words = image_ref.split()
    image = None
    for word in words:
        if word.startswith("--platform="):
            platform = word.split("=", 1)[1]
        elif not word.startswith("--") and image is None:
            image = word
    if platform is not None and "$" in platform:  # $BUILDPLATFORM etc.: the build's own platform
        platform = None
    if not image or "$" in image:
        return None
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:]
    parts = name.lower().split("/")
    if len(parts) > 1 and parts[0] in DOCKER_HUB:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "library":
        parts = parts[1:]
    return ImageRef("/".join(parts), tag or "latest", digest or None, platform, tag is not None)


def lookup(image_ref: str, platform: str | None = None) -> BaseImage | None:
    """The table's entry for an image reference, or None when unknown.

    A bare digest (``name@sha256:...``) is unknown: the table does not record digests.
    With a tag and a digest the tag's entry is returned (the digest pins a build of it).
    Only linux/amd64 is tabled, so another explicit platform is unknown too.
    """
    ref = parse_ref(image_ref, platform)
    if ref is None or (ref.digest and not ref.explicit_tag):
        return None
    if ref.platform is not None and ref.platform.lower() not in AMD64:
        return None
    table = _table()
    key = f"{ref.name}:{ref.tag}"
    key = table["aliases"].get(key, key)
    entry = table["images"].get(key)
    return None if entry is None else _image(key, entry)


def entries() -> tuple[BaseImage, ...]:
    """Every tabled image under its canonical tag, sorted by reference (aliases not repeated)."""
    return _entries()


@lru_cache(maxsize=1)
def _entries() -> tuple[BaseImage, ...]:
    images = _table()["images"]
    return tuple(_image(key, images[key]) for key in sorted(images))


def _image(key: str, entry: dict) -> BaseImage:
    name, _, tag = key.partition(":")
    return BaseImage(
        name=name, tag=tag, size=entry["size"], compressed=entry["compressed"], layers=entry["layers"],
        distro=entry["distro"], release=entry["release"], package_manager=entry["package_manager"],
        packages_spec=entry["packages"], packages_exact=entry["packages_exact"], source=entry["source"],
        date=entry["date"], size_date=entry.get("size_date"),
    )


def default_debian() -> str:
    """The Debian release unsuffixed official tags were built on when the table was made."""
    return _table()["meta"].get("default_debian") or "trixie"


def distro_of(image_ref: str) -> Distro | None:
    """Which distribution an image most likely runs, even when its sizes are unknown."""
    ref = parse_ref(image_ref)
    if ref is None:
        return None
    known = lookup(image_ref)
    if known is not None and known.distro is not None:
        return Distro(known.distro, known.release, known.package_manager, f"table: {known.source}")
    return _guess(ref)


def _guess(ref: ImageRef) -> Distro | None:
    name, tag = ref.name, ref.tag
    base = name.rsplit("/", 1)[-1]
    guessed = "guessed from the image name and tag"
    if name.startswith("gcr.io/distroless/"):
        match = re.search(r"debian(\d+)", base)
        release = DEBIAN_NUMBERS.get(match.group(1)) if match else None
        return Distro("debian", release, None, guessed + " (distroless: no package manager)")
    if base.startswith("ubi") and "redhat" in name:
        release = re.search(r"/ubi(\d+)", name)
        manager = "microdnf" if "minimal" in base else (None if "micro" in base else "dnf")
        return Distro("rhel", release.group(1) if release else None, manager, guessed)
    if name in RPM_IMAGES:
        manager = "yum" if (name == "amazonlinux" and tag.startswith("2") and not tag.startswith("2023")) else "dnf"
        release = tag.split(".")[0] if tag[:1].isdigit() else None
        return Distro(RPM_IMAGES[name], release, manager, guessed)
    alpine = re.search(r"(?:^|-)alpine(\d+\.\d+)?(?:$|-)", tag)
    if name == "alpine":
        return Distro("alpine", tag if re.fullmatch(r"\d+\.\d+", tag) else None, "apk", guessed)
    if alpine:
        return Distro("alpine", alpine.group(1), "apk", guessed)
    if name == "debian":
        number = re.match(r"(\d+)(?:\.\d+)?(?:$|-)", tag)
        release = _debian_codename(tag) or (DEBIAN_NUMBERS.get(number.group(1)) if number else None)
        return Distro("debian", release or default_debian(), "apt", guessed)
    if name == "ubuntu":
        version = re.match(r"\d+\.\d+", tag)
        release = UBUNTU_VERSIONS.get(version.group(0), version.group(0)) if version else (
            tag if tag in UBUNTU_VERSIONS.values() else None)
        return Distro("ubuntu", release, "apt", guessed)
    codename = _debian_codename(tag)
    if codename is not None:
        return Distro("debian", codename, "apt", guessed)
    ubuntu = next((c for c in UBUNTU_VERSIONS.values() if re.search(rf"(?:^|-){c}(?:$|-)", tag)), None)
    if ubuntu is not None or base in UBUNTU_BASED:
        return Distro("ubuntu", ubuntu, "apt", guessed)
    if base in DEBIAN_BASED and "/" not in name:
        return Distro("debian", default_debian(), "apt", guessed + f" (default Debian of the table: {default_debian()})")
    return None


def _debian_codename(tag: str) -> str | None:
    """A Debian codename inside a tag, e.g. ``3.12-slim-bookworm`` → ``bookworm``."""
    for codename in DEBIAN_CODENAMES:
        if re.search(rf"(?:^|-){codename}(?:$|-)", tag):
            return codename
    return None


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()
