#!/usr/bin/env python3
"""Regenerate ``layerlint/data/debian-<release>.index`` from the Debian archive.

The size estimator needs, for every binary package of a release, what it costs on disk
(Installed-Size), what it costs to download (Size) and what it drags in (Depends,
Pre-Depends, Recommends, Provides, Priority, Essential).  This script downloads the
``Packages.xz`` indexes of ``main`` for amd64 from the release, ``-updates`` and
``-security`` suites (later suites override earlier ones, as apt would pick the newer
version), keeps only those fields and writes a compact, block-compressed file (see ``write_index``):

    #layerlint-debian-index 3
    #{...JSON metadata: release, sources, date, apt_lists...}
    <number of names> <names per block>
    <the first name of every block, TAB-separated>
    <the end offset of every block in the data that follows, space-separated>
    <blocks: zlib-compressed UTF-8, the block's names (sorted), one a line, then their records,
     one a line: ``installed_kib TAB deb_bytes TAB flags TAB pre_depends TAB depends TAB
     recommends TAB provided_by``, other names referred to by base-36 position in that order>

A lint that sizes one ``apt-get install`` reaches a few hundred of the ~70,000 names: the
loader bisects the first names, then inflates only the blocks it needs (~1 ms) instead of
the whole release (~40 ms).

``flags`` is the priority initial (r/i/s/o/x, empty for optional) plus ``E`` when Essential.
Relation fields keep only package names: version constraints are dropped (the estimator
cannot know which version is installed anyway), arch qualifiers (``:any``) stripped,
alternatives joined with ``|`` and groups with ``,``.  Architecture restrictions
(``[amd64]``) and build profiles never appear in binary package indexes.

With ``--measure-lists`` it also runs the host's ``apt-get update`` against a private
state directory with the official Docker image settings (``Acquire::GzipIndexes``,
``Acquire::Languages=none``) and records the bytes left in ``/var/lib/apt/lists``.

With ``--measure-layers`` (root, mmdebstrap, overlayfs) it installs the packages users
install most into debian:<release> look-alikes and compares the real layer bytes with the
resolver's Installed-Size sum (see ``measure_layers``); the fitted ratios go to
``layerlint/data/debian-payload.json``.

Usage:  python scripts/gen_debian_index.py --release bookworm --release trixie \
            --measure-lists --measure-layers
"""

from __future__ import annotations

import argparse
import datetime as _dt
import itertools
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zlib
from pathlib import Path

MIRROR = "http://deb.debian.org/debian"
SECURITY_MIRROR = "http://deb.debian.org/debian-security"
ARCH = "amd64"
COMPONENT = "main"
DATA_DIR = Path(__file__).resolve().parents[1] / "layerlint" / "data"
FORMAT_HEADER = "#layerlint-debian-index 3"
BLOCK_NAMES = 64  # names per compressed block: ~3 kB to inflate for one lookup
PRIORITY_CODES = {"required": "r", "important": "i", "standard": "s", "optional": "", "extra": "x"}
KEPT_FIELDS = ("Package", "Installed-Size", "Size", "Priority", "Essential",
               "Pre-Depends", "Depends", "Recommends", "Provides")

# The packages Dockerfiles install most (the list); their real layer cost is compared
# with the resolver's Installed-Size sum by --measure-layers.
POPULAR = (
    "curl", "ca-certificates", "git", "build-essential", "python3", "python3-pip", "gcc", "make",
    "wget", "gnupg", "openssh-client", "unzip", "libpq-dev", "nginx", "vim", "procps", "jq", "tzdata",
    "locales", "postgresql-client", "libssl-dev", "rsync", "xz-utils", "netcat-openbsd",
)


def suites(release: str) -> list[tuple[str, str]]:
    """(suite, base URL) in the order apt's default debian:<release> sources list them."""
    return [(release, MIRROR), (f"{release}-updates", MIRROR), (f"{release}-security", SECURITY_MIRROR)]


def fetch(url: str, cache: Path) -> bytes:
    """Download ``url`` once into ``cache`` (regeneration re-runs are then offline)."""
    target = cache / re.sub(r"[^A-Za-z0-9._-]+", "_", url.split("://", 1)[1])
    if not target.exists():
        print(f"GET {url}", file=sys.stderr)
        with urllib.request.urlopen(url, timeout=120) as response:
            target.write_bytes(response.read())
    return target.read_bytes()


def paragraphs(text: str):
    """Yield deb822 paragraphs as {field: value} (continuation lines joined with a space)."""
    fields: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, last = {}, None
        elif line[0] in " \t":
            if last is not None and last in KEPT_FIELDS:
                fields[last] += " " + line.strip()
        else:
            key, _, value = line.partition(":")
            last = key
            if key in KEPT_FIELDS:
                fields[key] = value.strip()
    if fields:
        yield fields


_CONSTRAINT = re.compile(r"\s*\(.*?\)|\s*\[.*?\]|\s*<.*?>")


def relation(value: str) -> str:
    """``a (>= 1) | b:any, c`` → ``a|b,c``: names only, as the resolver uses them."""
    groups = []
    for group in value.split(","):
        alternatives = []
        for alt in group.split("|"):
            name = _CONSTRAINT.sub("", alt).strip().split(":", 1)[0]
            if name and name not in alternatives:
                alternatives.append(name)
        if alternatives:
            groups.append("|".join(alternatives))
    return ",".join(groups)


def record(fields: dict[str, str]) -> tuple[str, ...]:
    flags = PRIORITY_CODES.get(fields.get("Priority", "optional"), "")
    if fields.get("Essential", "").lower() == "yes":
        flags += "E"
    return (
        fields["Package"],
        fields.get("Installed-Size", "0"),
        fields.get("Size", "0"),
        flags,
        relation(fields.get("Pre-Depends", "")),
        relation(fields.get("Depends", "")),
        relation(fields.get("Recommends", "")),
        relation(fields.get("Provides", "")),
    )


def build_index(release: str, cache: Path) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    packages: dict[str, tuple[str, ...]] = {}
    sources = []
    for suite, base in suites(release):
        url = f"{base}/dists/{suite}/{COMPONENT}/binary-{ARCH}/Packages.xz"
        text = lzma.decompress(fetch(url, cache)).decode("utf-8")
        count = 0
        for fields in paragraphs(text):
            packages[fields["Package"]] = record(fields)  # later suites carry the newer version
            count += 1
        sources.append(url)
        print(f"{suite}: {count} packages", file=sys.stderr)
    return packages, sources


def measure_lists(release: str) -> dict[str, object] | None:
    """Bytes in /var/lib/apt/lists after ``apt-get update`` with debian:<release>'s sources.

    Runs the host's apt with a private state/cache dir, the image's deb822 sources (main of
    the release, -updates and -security) and the apt.conf.d settings of the official images
    (``Acquire::GzipIndexes "true"`` keeps indexes compressed — apt stores them as .lz4 —
    and ``Acquire::Languages "none"`` skips Translation files).  Signatures are not checked
    because the host may lack the release's keyring; that does not change what is stored.
    """
    if shutil.which("apt-get") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "lists" / "partial").mkdir(parents=True)
        (root / "cache" / "archives" / "partial").mkdir(parents=True)
        (root / "etc" / "sources.list.d").mkdir(parents=True)
        (root / "etc" / "preferences.d").mkdir()
        (root / "etc" / "sources.list").write_text("")
        (root / "etc" / "sources.list.d" / "debian.sources").write_text(
            f"Types: deb\nURIs: {MIRROR}\nSuites: {release} {release}-updates\nComponents: main\n"
            "Trusted: yes\n\n"
            f"Types: deb\nURIs: {SECURITY_MIRROR}\nSuites: {release}-security\nComponents: main\n"
            "Trusted: yes\n"
        )
        options = [
            f"Dir::State::Lists={root / 'lists'}", f"Dir::Cache={root / 'cache'}",
            f"Dir::Etc::SourceList={root / 'etc' / 'sources.list'}",
            f"Dir::Etc::SourceParts={root / 'etc' / 'sources.list.d'}",
            f"Dir::Etc::Preferences={root / 'etc' / 'preferences'}",
            f"Dir::Etc::PreferencesParts={root / 'etc' / 'preferences.d'}",
            "Acquire::GzipIndexes=true", "Acquire::Languages=none", f"APT::Architecture={ARCH}",
            "APT::Architectures::=amd64", "Dir::Cache::pkgcache=", "Dir::Cache::srcpkgcache=",
        ]
        command = ["apt-get", "update", "-q"] + [arg for opt in options for arg in ("-o", opt)]
        subprocess.run(command, check=True, capture_output=True)
        files = {p.name: p.stat().st_size for p in (root / "lists").iterdir() if p.is_file()}
        version = subprocess.run(["apt-get", "--version"], capture_output=True, text=True, check=False).stdout
    return {
        "bytes": sum(files.values()),
        "files": files,
        "apt": version.splitlines()[0] if version else "apt",
        "how": "host apt-get update, private Dir::State::Lists, sources as in debian:<release> "
               "(main of release, -updates, -security), Acquire::GzipIndexes=true, Acquire::Languages=none",
    }


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _names(packages: dict[str, tuple[str, ...]]) -> tuple[list[str], dict[str, list[str]]]:
    """Every name the resolver can meet (real, depended-on, provided) and who provides each.

    Unreferenced virtual names under ``librust-``/``libghc-`` are dropped: they exist only
    for Debian's Rust/Haskell source builds (~50,000 names in trixie) and nobody installs
    them from a Dockerfile.
    """
    referenced: set[str] = set()
    provided_by: dict[str, list[str]] = {}
    for name in sorted(packages):
        fields = packages[name]
        for value in fields[4:7]:
            referenced.update(alt for group in value.split(",") for alt in group.split("|") if alt)
        for virtual in filter(None, fields[7].split(",")):
            provided_by.setdefault(virtual, []).append(name)
    names = set(packages) | referenced
    names.update(v for v in provided_by if v in referenced or not v.startswith(("librust-", "libghc-")))
    return sorted(names), provided_by


def write_index(release: str, packages: dict[str, tuple[str, ...]], meta: dict[str, object], out: Path) -> None:
    """Interned layout: a sorted name table, then one record per name (same order).

    Records refer to other names by base-36 position in the table, which halves the text
    and lets the loader look a name up by bisection without building a dict.  A record is
    ``installed_kib, deb_bytes, flags, pre_depends, depends, recommends, provided_by``;
    names that are only virtual have empty size fields.
    """
    names, provided_by = _names(packages)
    index = {name: _base36(i) for i, name in enumerate(names)}

    def encode(value: str) -> str:
        return ",".join("|".join(index[alt] for alt in group.split("|")) for group in value.split(",")) if value else ""

    records = []
    for name in names:
        providers = ",".join(index[p] for p in provided_by.get(name, ()) if p != name)
        fields = packages.get(name)
        if fields is None:
            row = ["", "", "", "", "", "", providers]
        else:
            row = [fields[1], fields[2], fields[3], encode(fields[4]), encode(fields[5]), encode(fields[6]), providers]
        records.append("\t".join(row).rstrip("\t"))
    meta = dict(
        meta, names=len(names), packages=len(packages),
        essential=sorted(n for n, f in packages.items() if "E" in f[3]),
        required=sorted(n for n, f in packages.items() if f[3].startswith("r") or n == "apt"),
    )
    write_blocks(names, records, meta, out)


def write_blocks(names: list[str], records: list[str], meta: dict[str, object], out: Path) -> None:
    """The file layout of ``write_index``: header lines, then one zlib stream per block of names."""
    blocks, firsts = [], []
    for start in range(0, len(names), BLOCK_NAMES):
        lines = names[start:start + BLOCK_NAMES] + records[start:start + BLOCK_NAMES]  # split in C when read
        blocks.append(zlib.compress("\n".join(lines).encode("utf-8"), 9))
        firsts.append(names[start])
    ends = list(itertools.accumulate(len(block) for block in blocks))
    header = [FORMAT_HEADER, "#" + json.dumps(meta, sort_keys=True, separators=(",", ":")),
              f"{len(names)} {BLOCK_NAMES}", "\t".join(firsts), " ".join(map(str, ends))]
    out.write_bytes(("\n".join(header) + "\n").encode("utf-8") + b"".join(blocks))
    print(f"wrote {out} ({out.stat().st_size} bytes, {meta.get('packages')} packages, {len(names)} names)", file=sys.stderr)


# -- layer measurement ----------------------------------------------------------------------

TAR_BLOCK = 512
RECOMMENDS_RELEASE = "bookworm"  # installs with Recommends are measured on one release (time)
DOC_DIRS = ("usr/share/doc/", "usr/share/man/", "usr/share/info/", "usr/share/locale/", "usr/share/groff/",
            "usr/share/lintian/", "usr/share/linda/")
META_DIRS = ("var/lib/dpkg/", "var/cache/debconf/", "var/log/", "var/lib/apt/", "var/cache/apt/")
# debuerreotype's apt/dpkg settings for the official images (scripts/debuerreotype-minimizing-config
# and debuerreotype-slimify); archives are bind-mounted from a cache here, so not deleting them
# does not change what the layer holds.
DOCKER_APT_CONF = {
    "etc/apt/apt.conf.d/docker-clean": 'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n',
    "etc/apt/apt.conf.d/docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
    "etc/apt/apt.conf.d/docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
    "usr/sbin/policy-rc.d": "#!/bin/sh\nexit 101\n",
}
SLIM_EXCLUDES = ("/usr/share/doc/*", "/usr/share/groff/*", "/usr/share/info/*", "/usr/share/linda/*",
                 "/usr/share/lintian/overrides/*", "/usr/share/locale/*", "/usr/share/man/*")


def _run(*command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), check=True, capture_output=True, text=True, **kwargs)


def make_rootfs(release: str, target: Path, slim: bool) -> None:
    """debian:<release>(-slim) look-alike: mmdebstrap minbase + the official images' settings."""
    if target.exists():
        return
    tmp = bootstrap(release, target, slim, DOCKER_APT_CONF)
    shutil.copy("/etc/resolv.conf", tmp / "etc/resolv.conf")
    _run("chroot", str(tmp), "apt-get", "update", "-q")
    tmp.rename(target)


def bootstrap(release: str, target: Path, slim: bool, conf: dict[str, str], *options: str) -> Path:
    """mmdebstrap's minbase of ``release`` at ``<target>.tmp``, with the ``conf`` files written
    and, for ``slim``, debuerreotype-slimify's exclusions applied; callers finish and rename it."""
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _run("mmdebstrap", "--variant=minbase", "--mode=root", "--components=main", *options, release, str(tmp),
         f"deb {MIRROR} {release} main", f"deb {MIRROR} {release}-updates main",
         f"deb {SECURITY_MIRROR} {release}-security main")
    for relative, text in conf.items():
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o755 if relative.endswith("policy-rc.d") else 0o644)
    if slim:
        lines = [f"path-exclude {pattern}" for pattern in SLIM_EXCLUDES]
        lines += ["path-include /usr/share/doc/*/copyright"]
        (tmp / "etc/dpkg/dpkg.cfg.d/docker").write_text("\n".join(lines) + "\n")
        for pattern in SLIM_EXCLUDES:
            directory = tmp / pattern.strip("/").rsplit("/", 1)[0]
            for path in sorted(directory.rglob("*"), reverse=True) if directory.is_dir() else ():
                if path.is_dir() and not path.is_symlink():
                    if not any(path.iterdir()):
                        path.rmdir()
                elif path.name != "copyright":
                    path.unlink()
    return tmp


def installed_packages(root: Path) -> set[str]:
    """Names dpkg records as installed under ``root``."""
    names = set()
    for block in (root / "var/lib/dpkg/status").read_text().split("\n\n"):
        name = re.search(r"^Package: (\S+)", block, re.MULTILINE)
        if name and re.search(r"^Status: install ok installed", block, re.MULTILINE):
            names.add(name.group(1))
    return names


def tar_bytes(upper: Path) -> dict[str, int]:
    """What the overlay upper dir (= the image layer) costs as a tar stream, by category."""
    totals = {"layer": 0, "docs": 0, "meta": 0, "pyc": 0}
    seen: set[tuple[int, int]] = set()
    for path in upper.rglob("*"):
        info = path.lstat()
        entry = TAR_BLOCK
        if path.is_file() and not path.is_symlink() and (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            entry += -(-info.st_size // TAR_BLOCK) * TAR_BLOCK
        relative = path.relative_to(upper).as_posix() + ("/" if path.is_dir() else "")
        totals["layer"] += entry
        if relative.startswith(DOC_DIRS):
            totals["docs"] += entry
        elif relative.startswith(META_DIRS):
            totals["meta"] += entry
        elif relative.endswith(".pyc"):
            totals["pyc"] += entry
    return totals


def measure_install(base: Path, work: Path, package: str, recommends: bool, archives: Path) -> dict[str, object]:
    """``apt-get install -y [--no-install-recommends] <package>`` in an overlay over ``base``."""
    upper, scratch, merged = work / "upper", work / "work", work / "merged"
    for directory in (upper, scratch, merged):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    _run("mount", "-t", "overlay", "overlay", "-o",
         f"lowerdir={base},upperdir={upper},workdir={scratch}", str(merged))
    mounts = [merged]
    try:
        for source, target in (("/proc", "proc"), ("/dev", "dev"), (str(archives), "var/cache/apt/archives")):
            _run("mount", "--bind", source, str(merged / target))
            mounts.append(merged / target)
        command = ["chroot", str(merged), "apt-get", "install", "-y", "-q"]
        command += [] if recommends else ["--no-install-recommends"]
        subprocess.run(command + [package], check=True, capture_output=True, text=True,
                       env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        new = sorted(installed_packages(merged) - installed_packages(base))
    finally:
        for mount in reversed(mounts):
            subprocess.run(["umount", str(mount)], check=False)
    # Bind-mount points leave empty directories in upper; they are in the base already.
    return {"new": new, **tar_bytes(upper)}


def measure_layers(release: str, cache: Path, out_dir: Path, names: tuple[str, ...]) -> dict[str, object]:
    """Real layer bytes of installing popular packages vs the resolver's Installed-Size sum.

    For each package: an overlay over a debian:<release> look-alike (mmdebstrap minbase with
    the official images' apt/dpkg settings, lists already updated), ``apt-get install``, then
    the upper directory (exactly what a layer stores) is summed as a tar stream.  ``meta`` is
    the dpkg/apt/debconf database and log growth, ``docs`` the doc/man/locale share.  The
    resolver runs on the same installed set so its package choice is checked too.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from layerlint.estimate import packages as resolver

    resolver.DATA_DIR = out_dir
    resolver.load_index.cache_clear()
    archives = cache / f"archives-{release}"
    (archives / "partial").mkdir(parents=True, exist_ok=True)
    rows = []
    for variant in ("full", "slim"):
        base = cache / f"rootfs-{release}-{variant}"
        make_rootfs(release, base, slim=variant == "slim")
        present = installed_packages(base)
        for name in names:
            for recommends in (False, True) if variant == "full" and release == RECOMMENDS_RELEASE else (False,):
                done = cache / "measured" / f"{release}-{variant}-{name}-{int(recommends)}.json"
                if done.exists():  # one install takes up to minutes: re-runs reuse finished ones
                    rows.append(json.loads(done.read_text()))
                    continue
                try:
                    real = measure_install(base, cache / "overlay", name, recommends, archives)
                except subprocess.CalledProcessError as error:
                    print(f"{release} {variant} {name}: install failed: {error.stderr[-300:]}", file=sys.stderr)
                    continue
                predicted = resolver.resolve(release, [name], present, recommends)
                row = {
                    "package": name, "variant": variant, "recommends": recommends,
                    "installed_bytes": predicted.installed_bytes, "download_bytes": predicted.download_bytes,
                    "python_bytes": predicted.python_bytes,
                    "predicted": len(predicted.packages), "actual": len(real["new"]),
                    "missed": sorted(set(real["new"]) - set(predicted.packages)),
                    "extra": sorted(set(predicted.packages) - set(real["new"])),
                    **{key: real[key] for key in ("layer", "docs", "meta", "pyc")},
                }
                rows.append(row)
                done.parent.mkdir(exist_ok=True)
                done.write_text(json.dumps(row))
                print(f"{release} {variant} {name} rec={recommends}: layer {row['layer']} vs installed "
                      f"{row['installed_bytes']} ({row['actual']} pkgs, predicted {row['predicted']})", file=sys.stderr)
    return {"base_packages": len(installed_packages(cache / f"rootfs-{release}-full")), "installs": rows}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _fit_line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares intercept and slope of y over x."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points) or 1.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / var
    return mean_y - slope * mean_x, slope


def layer_model(measured: dict[str, dict[str, object]]) -> dict[str, object]:
    """layer ≈ (ratio × Installed-Size + pyc × Python Installed-Size + fixed + n × per_package) × band.

    - ``ratio``: median of (layer − database − .pyc) / Installed-Size over installs, for full
      and for slim images (slim drops docs, man pages and locales);
    - ``pyc``: .pyc bytes written by py3compile at postinst per byte of Installed-Size of
      python3*/libpython3* packages (Installed-Size counts only the shipped .py files);
    - ``fixed`` + ``per_package``: least-squares fit of dpkg status/info, apt and debconf
      database and log growth over the number of new packages;
    - ``band``: 10th and 90th percentiles of measured layer / that midpoint, so about 80 % of
      the measured installs fall inside the range (slim is wide: the doc share varies).
    Only installs whose package set the resolver predicted exactly are used, so a resolver
    miss is not mistaken for a payload ratio.
    """
    rows = [r for m in measured.values() for r in m["installs"] if not r["missed"] and not r["extra"]
            and r["installed_bytes"] > 0 and r["actual"] > 0]
    fixed, per_package = _fit_line([(r["actual"], r["meta"]) for r in rows])
    fixed, per_package = max(0.0, fixed), max(0.0, per_package)
    pyc = [r["pyc"] / r["python_bytes"] for r in rows if r["python_bytes"] > 0]
    pyc_factor = _quantile(pyc, 0.5) if pyc else 0.0
    model: dict[str, object] = {"pyc": round(pyc_factor, 3), "fixed_bytes": int(fixed),
                                "per_package_bytes": int(per_package), "installs_used": len(rows),
                                "installs_measured": sum(len(m["installs"]) for m in measured.values())}
    for variant, prefix in (("full", ""), ("slim", "slim_")):
        chosen = [r for r in rows if r["variant"] == variant]
        ratio = _quantile([(r["layer"] - r["meta"] - r["pyc"]) / r["installed_bytes"] for r in chosen], 0.5)
        residual = [r["layer"] / (ratio * r["installed_bytes"] + pyc_factor * r["python_bytes"] + fixed
                                  + per_package * r["actual"]) for r in chosen]
        model[f"{prefix}ratio"] = round(ratio, 3)
        model[f"{prefix}band"] = [round(_quantile(residual, 0.1), 3), round(_quantile(residual, 0.9), 3)]
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--release", action="append", help="Debian codename (repeatable); default bookworm+trixie")
    parser.add_argument("--out-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "layerlint-debian-cache")
    parser.add_argument("--measure-lists", action="store_true", help="measure apt lists size with the host's apt")
    parser.add_argument("--measure-layers", action="store_true",
                        help="install popular packages in mmdebstrap roots (needs root, overlayfs)")
    parser.add_argument("--packages", help="comma-separated packages for --measure-layers (default: POPULAR)")
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    today = os.environ.get("SOURCE_DATE") or _dt.date.today().isoformat()
    measured: dict[str, dict[str, object]] = {}
    for release in args.release or ["bookworm", "trixie"]:
        packages, sources = build_index(release, args.cache)
        meta: dict[str, object] = {
            "release": release, "arch": ARCH, "component": COMPONENT, "sources": sources, "date": today,
            "fields": ["installed_kib", "deb_bytes", "flags", "pre_depends", "depends",
                       "recommends", "provided_by"],
            "note": "version constraints dropped; alternatives '|', groups ','",
        }
        if args.measure_lists:
            meta["apt_lists"] = measure_lists(release)
        write_index(release, packages, meta, args.out_dir / f"debian-{release}.index")
        if args.measure_layers:
            names = tuple(args.packages.split(",")) if args.packages else POPULAR
            measured[release] = measure_layers(release, args.cache, args.out_dir, names)
    if measured:
        report = {"date": today, "method": " ".join(measure_layers.__doc__.split()),
                  "model": layer_model(measured), "model_method": " ".join(layer_model.__doc__.split()),
                  "releases": measured}
        out = args.out_dir / "debian-payload.json"
        out.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
