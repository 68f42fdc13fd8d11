#!/usr/bin/env python3
"""Regenerate ``layerlint/data/base-images.json`` from a docker-library/repo-info checkout.

repo-info records, per official image tag, the compressed size and layers of every
platform (``repos/<name>/remote/<tag>.md``) and the on-disk size and package list of the
amd64 image (``repos/<name>/local/<tag>.md``).  This script reads both for the images
the estimator cares about, keeps amd64 only and writes one small JSON table:

    {"meta": {...}, "images": {"debian:trixie": {...}}, "aliases": {"debian:13": "debian:trixie"}}

Tags that are dated snapshots, full patch versions or Windows builds are not entries (they
would multiply the table for little gain).  Aliases come from an official-images checkout
(``library/<name>`` ``Tags:`` lines) when one is given, and otherwise from what the remote
file itself shows: the base release (``3.12`` is ``3.12-trixie`` when its first layer is
trixie's), the exact Alpine version, the Ubuntu codename.  Debian-based images record
their package set as ``minbase:<release>`` (debootstrap's minbase, which is what
debuerreotype builds; the resolver computes it from the shipped Debian index) plus the
packages the image's own ``apt-get install`` steps keep, rather than thousands of names;
an explicit package list from a local/*.md file wins when present.  Images repo-info does
not cover get the facts in ``EXTRA`` below, each with its source; a missing fact stays
null, never a guess.

The files may be excerpts (the amd64 section with its Total Size, Dockerfile steps and
layer list; the local file's metadata), optionally headed by
``<!-- excerpt of repos/<name>/<kind>/<tag>.md @ <commit> -->``: the commit is recorded.

Usage:  python scripts/gen_base_images.py --repo-info ~/src/repo-info \
            [--official-images ~/src/official-images]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "layerlint" / "data" / "base-images.json"
IMAGES = ("debian", "ubuntu", "alpine", "python", "node", "golang", "eclipse-temurin", "nginx", "redis",
          "postgres", "busybox", "amazonlinux", "rockylinux")
SKIP_TAG = re.compile(r"windows|nanoserver|-\d{8}|^\d+\.\d+\.\d+|\d{8}")
UBUNTU_CODENAMES = {"20.04": "focal", "22.04": "jammy", "24.04": "noble", "25.04": "plucky",
                    "25.10": "questing", "26.04": "resolute"}

# Packages an image's own Dockerfile installs on top of its Debian base, for excerpts that
# do not show the install steps; the set is a lower bound (build dependencies kept for
# shared libraries are not listed there).
DEBIAN_EXTRAS = {
    "python": ("ca-certificates", "netbase", "tzdata"),
}

# Distribution facts of images whose build steps do not name one (``COPY /rootfs/ /``): the
# vendors' own statements.  Amazon Linux 2 uses yum and 2023 dnf
# (https://docs.aws.amazon.com/linux/al2023/ug/package-management.html); Rocky Linux images
# use dnf, the -minimal ones microdnf (https://hub.docker.com/r/rockylinux/rockylinux).
TAG_DISTROS = {"amazonlinux": "amazonlinux", "rockylinux": "rocky"}

# Facts for images repo-info does not describe.  Only what a cited source states.
EXTRA: dict[str, dict[str, object]] = {
    "scratch:latest": {
        "size": 0, "compressed": 0, "layers": 0, "distro": None, "release": None, "package_manager": None,
        "packages": [], "source": "Dockerfile reference: FROM scratch starts from an empty filesystem",
        "date": None,
    },
}

_DATE = re.compile(r"^# \w{3}, (\d{2} \w{3} \d{4}) [\d:]+ GMT", re.MULTILINE)
_COMMIT = re.compile(r"<!-- excerpt of \S+ @ ([0-9a-f]{7,40}) -->")


def parse_remote(text: str, ref: str) -> dict[str, object] | None:
    """The amd64 section of a remote/<tag>.md: compressed bytes, layers, build date, release hints."""
    match = re.search(rf"^### `{re.escape(ref)}` - linux; amd64\s*$(.*?)(?=^### |\Z)", text, re.MULTILINE | re.DOTALL)
    if match is None:
        return None
    section = match.group(1)
    total = re.search(r"Total Size: \*\*[^*]*?\((\d+) bytes\)\*\*", section)
    layers = re.findall(r"^\t-\t`sha256:", section, re.MULTILINE)
    dates = _DATE.findall(section)  # the last step's date is when the image was built
    info: dict[str, object] = {
        "compressed": int(total.group(1)) if total else None,
        "layers": len(layers) or None,
        "date": _dt.datetime.strptime(dates[-1], "%d %b %Y").date().isoformat() if dates else None,
    }
    info.update(release_hints(section))
    apt = apt_installs(section)
    if apt:
        info["apt_installs"] = apt
    return info


def release_hints(text: str) -> dict[str, str]:
    """Distro and release from the build steps repo-info shows (first base wins)."""
    debian = re.search(r"debian\.sh --arch '[^']+' out/ '([a-z]+)'", text)
    if debian:
        return {"distro": "debian", "release": debian.group(1), "package_manager": "apt"}
    alpine = re.search(r"alpine-minirootfs-((\d+\.\d+)\.\d+)", text)
    if alpine:
        return {"distro": "alpine", "release": alpine.group(2), "package_manager": "apk", "version": alpine.group(1)}
    ubuntu = re.search(r"org\.opencontainers\.image\.version=(\d+\.\d+)", text)
    if ubuntu:
        version = ubuntu.group(1)
        return {"distro": "ubuntu", "release": UBUNTU_CODENAMES.get(version, version), "package_manager": "apt",
                "version": version}
    return {}


def tag_hints(image: str, tag: str) -> dict[str, str]:
    """Distro facts the tag states for images without a recognisable base (see TAG_DISTROS)."""
    major = re.match(r"\d+", tag)
    if image not in TAG_DISTROS or major is None:
        return {}
    if image == "amazonlinux":
        manager = "yum" if major.group(0) == "2" else "dnf"
    else:
        manager = "microdnf" if "minimal" in tag else "dnf"
    return {"distro": TAG_DISTROS[image], "release": major.group(0), "package_manager": manager}


_IF_BLOCK = re.compile(r"\bif\b.*?\bfi\b", re.DOTALL)
_APT = re.compile(r"apt-get\s+(install|remove|purge)\b([^;&|)]*)")


def apt_installs(section: str) -> list[str]:
    """Packages the image's ``apt-get install`` steps keep (a lower bound of what it adds).

    A step that marks everything auto-installed (``apt-mark auto '.*'``) and purges keeps only
    the libraries its binaries link, which the file does not name: its installs are dropped.
    Conditional installs (``if …; then …; fi``, e.g. arm64 only) and ``$variables`` are skipped.
    """
    kept: set[str] = set()
    for step in re.findall(r"^RUN .*$", section, re.MULTILINE):
        if "apt-mark auto" in step:
            continue
        for verb, words in _APT.findall(_IF_BLOCK.sub(" ", step)):
            names = {w.split("=", 1)[0] for w in words.split() if re.match(r"[a-z0-9][a-z0-9+.-]+(=\S+)?$", w)}
            if verb == "install":
                kept |= names
            else:
                kept -= names
    return sorted(kept)


_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3}


def parse_local(text: str) -> dict[str, object]:
    """A local/<tag>.md: on-disk size (docker's decimal units), creation date, dpkg/apk packages."""
    info: dict[str, object] = {}
    size = re.search(r"Virtual Size: ~ ([\d.]+) (\w+)", text)
    if size and size.group(2).lower() in _UNITS:
        info["size"] = round(float(size.group(1)) * _UNITS[size.group(2).lower()])
    created = re.search(r"Created: `(\d{4}-\d{2}-\d{2})", text)
    if created:
        info["size_date"] = created.group(1)
    names: list[str] = []
    dpkg = text.split("## `dpkg` (`.deb`-based packages)", 1)
    if len(dpkg) == 2:
        names = re.findall(r"^- `([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9]+)?=", dpkg[1], re.MULTILINE)
    apk = text.split("## `apk` (`.apk`-based packages)", 1)
    if len(apk) == 2:
        names = re.findall(r"^### `apk` package: `([^`]+)`", apk[1], re.MULTILINE)
    if names:
        info["packages"] = sorted(set(names))
    return info


def library_aliases(official_images: Path | None, image: str) -> list[list[str]]:
    """Groups of tags naming one image, from official-images' library/<image> Tags: lines."""
    path = official_images / "library" / image if official_images else None
    if path is None or not path.is_file():
        return []
    groups = []
    for line in path.read_text().splitlines():
        if line.startswith(("Tags:", "SharedTags:")):
            groups.append([t.strip() for t in line.split(":", 1)[1].split(",") if t.strip()])
    return groups


def derived_tags(image: str, tag: str, entry: dict[str, object]) -> list[str]:
    """Other tags of the same image that the official images' naming makes certain.

    ``<tag>-<release>`` for Debian- and Ubuntu-based variants (``3.12-slim-trixie``,
    ``22-bookworm-slim``, ``21-jdk-noble``), ``…alpine<x.y>`` for Alpine-based ones, the exact
    version for alpine and ubuntu themselves (and the codename for ubuntu), and ``21`` for
    eclipse-temurin's ``21-jdk``.
    """
    release, version, distro = entry.get("release"), entry.get("version"), entry.get("distro")
    tags: list[str] = []
    if image == distro:
        tags += [str(v) for v in (version, release if image == "ubuntu" or tag == "latest" else None) if v]
    elif distro in ("debian", "ubuntu") and release and tag != "latest" and str(release) not in tag:
        tags.append(f"{tag}-{release}")
        if tag.endswith("-slim"):
            tags.append(f"{tag[:-5]}-{release}-slim")
    elif distro == "alpine" and release and (tag == "alpine" or tag.endswith("-alpine")):
        tags.append(f"{tag}{release}")
    if image == "eclipse-temurin" and tag.endswith("-jdk"):
        tags += [tag[:-4]] + ([f"{tag[:-4]}-{release}"] if release else [])
    return [t for t in dict.fromkeys(tags) if t != tag]


def _cite(path: Path, name: str) -> str:
    """``repos/<image>/<kind>/<tag>.md`` plus the commit an excerpt names."""
    commit = _COMMIT.search(path.read_text()[:300])
    return f"repos/{name}" + (f"@{commit.group(1)[:8]}" if commit else "")


def collect(repo_info: Path, official_images: Path | None) -> tuple[dict[str, dict], dict[str, str], int]:
    """One entry per image (group of alias tags): remote facts, then local facts."""
    images: dict[str, dict] = {}
    aliases: dict[str, str] = {}
    files = 0
    for image in IMAGES:
        root = repo_info / "repos" / image
        if not root.is_dir():
            continue
        tags = sorted({p.stem for p in root.glob("*/*.md") if not SKIP_TAG.search(p.stem)})
        groups = library_aliases(official_images, image)
        seen: set[str] = set()
        for tag in tags:
            if tag in seen:
                continue
            members = next((g for g in groups if tag in g), [tag])
            group = [t for t in members if not SKIP_TAG.search(t)]
            seen.update(group)
            remote_tag = next((t for t in group if (root / "remote" / f"{t}.md").is_file()), None)
            local_tag = next((t for t in members if (root / "local" / f"{t}.md").is_file()), None)
            canonical = remote_tag or local_tag or tag
            entry: dict[str, object] = {}
            cited = []
            if remote_tag:
                path = root / "remote" / f"{remote_tag}.md"
                remote = parse_remote(path.read_text(), f"{image}:{remote_tag}")
                if remote:
                    entry.update(remote)
                    cited.append(_cite(path, f"{image}/remote/{remote_tag}.md"))
            version = str(entry.get("version"))
            if local_tag is None and entry.get("distro") == image and (root / "local" / f"{version}.md").is_file():
                local_tag = version  # alpine's local files are named by the exact version the remote shows
            if local_tag:
                path = root / "local" / f"{local_tag}.md"
                entry.update({k: v for k, v in parse_local(path.read_text()).items() if k not in entry})
                cited.append(_cite(path, f"{image}/local/{local_tag}.md"))
            if not entry:
                continue
            for key, value in tag_hints(image, canonical).items():
                entry.setdefault(key, value)
            files += len(cited)
            entry["source"] = "docker-library/repo-info " + ", ".join(cited)
            images[f"{image}:{canonical}"] = entry
            others = [t for t in group if t != canonical] + derived_tags(image, canonical, entry)
            aliases.update({f"{image}:{t}": f"{image}:{canonical}" for t in others})
    for alias in [a for a in aliases if a in images]:  # a tag with its own entry is not an alias
        del aliases[alias]
    return images, aliases, files


def finish(images: dict[str, dict]) -> None:
    """Package sets for Debian-based images, and the fields every entry carries."""
    for ref, entry in images.items():
        name = ref.split(":", 1)[0]
        apt = entry.pop("apt_installs", None)
        entry.pop("version", None)
        indexed = (OUT.parent / f"debian-{entry.get('release')}.index").is_file()  # minbase needs the index
        if "packages" not in entry and entry.get("distro") == "debian" and indexed:
            spec = f"minbase:{entry['release']}"
            extras = apt or DEBIAN_EXTRAS.get(name, ())
            entry["packages"] = spec + ("+" + ",".join(extras) if extras else "")
            entry["packages_exact"] = False  # minbase is what debuerreotype starts from; not checked name by name
        elif "packages" in entry:
            entry["packages_exact"] = entry.get("packages_exact", True)
        for key in ("size", "compressed", "layers", "distro", "release", "package_manager", "packages", "date"):
            entry.setdefault(key, None)
        entry.setdefault("packages_exact", False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo-info", type=Path, required=True, help="docker-library/repo-info checkout")
    parser.add_argument("--official-images", type=Path, help="docker-library/official-images checkout (aliases)")
    parser.add_argument("--commit", default="", help="repo-info commit the checkout is at (recorded)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    images, aliases, files = collect(args.repo_info, args.official_images)
    images.update(EXTRA)
    finish(images)
    debian_default = images.get("debian:latest") or images.get(aliases.get("debian:latest", ""), {})
    meta = {
        "source": "https://github.com/docker-library/repo-info" + (f" @ {args.commit}" if args.commit else ""),
        "generated": _dt.date.today().isoformat(),
        "platform": "linux/amd64",
        "default_debian": debian_default.get("release"),
        "note": "size: on-disk bytes (repo-info 'Virtual Size', decimal units); compressed: registry "
                "transfer bytes; date: when the image was built; null: not published in the source",
        "files": files,
    }
    table = {"meta": meta, "images": dict(sorted(images.items())), "aliases": dict(sorted(aliases.items()))}
    args.out.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    print(f"wrote {args.out}: {len(images)} images, {len(aliases)} aliases from {files} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
