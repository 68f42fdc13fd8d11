"""Measure gzip ratios of layer content by kind; writes the ``compression`` part of
``layerlint/data/size-calibration.json``.

A registry stores each layer as a gzip'd tar stream (BuildKit's default compression, level 6).
For each kind of content the estimator distinguishes, this script builds that stream for
real samples and records compressed bytes / layer bytes (layer bytes = st_size of the
files, as ``docker history`` counts them):

* ``packages``   - Debian packages as installed (``apt-get download`` + ``dpkg-deb -x``);
* ``python``     - site-packages of popular PyPI packages (``pip install --target``, .pyc compiled);
* ``node``       - node_modules of popular npm packages (``npm install``);
* ``text``       - source code and documents (this repository's tracked text files);
* ``binary``     - ELF executables and shared libraries (the Debian root's /usr/bin and libraries);
* ``compressed`` - what is already compressed: the .deb and .whl files themselves;
* ``apt-lists``  - apt's package lists as the official images keep them (.lz4);
* ``npm-cache``  - npm's ~/.npm cache (gzip'd tarballs plus JSON metadata).

Each kind's range is the 10th-90th percentile of per-sample ratios (weighted by bytes), its
estimate the pooled ratio.  Needs the network (Debian mirror, PyPI, npm registry), root for
the Debian part (a chroot into the harness root), pip and npm on the host.  ~3 minutes.

    sudo .venv/bin/python benchmarks/size_harness/measure_compression.py [--work /tmp/layerlint-size-harness]
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
import zlib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "layerlint" / "data" / "size-calibration.json"
DEBS = ("curl", "git", "libpython3.11-stdlib", "python3.11-minimal", "perl-modules-5.36", "libperl5.36",
        "cpp-12", "libgcc-12-dev", "libssl3", "openssh-client", "vim-runtime", "nginx-common",
        "postgresql-client-15", "libicu72", "locales", "tzdata", "ca-certificates", "libstdc++6",
        "libc6-dev", "binutils-x86-64-linux-gnu", "nodejs", "libnode108", "python3-pip", "libsqlite3-0")
WHEELS = ("requests", "django", "numpy", "pandas", "flask", "sqlalchemy", "pydantic", "boto3", "cryptography", "pillow")
NPMS = ("express", "lodash", "axios", "react", "typescript", "webpack", "moment", "eslint", "next", "jest")
LEVEL = 6


class Stream:
    """Counts what a gzip'd tar of some files takes, without keeping it."""

    def __init__(self) -> None:
        self.raw = 0
        self.gz = 0
        self._z = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
        self._tar = tarfile.open(fileobj=self, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115 - closed in close()

    def write(self, data: bytes) -> int:
        self.gz += len(self._z.compress(data))
        return len(data)

    def add(self, path: Path, arcname: str) -> None:
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            self.raw += info.st_size
        elif stat.S_ISLNK(info.st_mode):
            self.raw += len(os.readlink(path))
        self._tar.add(str(path), arcname, recursive=False)

    def close(self) -> tuple[int, int]:
        self._tar.close()
        self.gz += len(self._z.flush())
        return self.raw, self.gz


def measure_tree(root: Path) -> tuple[int, int]:
    stream = Stream()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath, name)
            stream.add(path, str(path.relative_to(root)))
    return stream.close()


def measure_files(paths: list[Path]) -> tuple[int, int]:
    stream = Stream()
    for path in paths:
        stream.add(path, path.name)
    return stream.close()


def summarize(samples: list[tuple[str, int, int]]) -> dict[str, object]:
    samples = [s for s in samples if s[1] > 0]
    total = sum(s[1] for s in samples)
    pooled = sum(s[2] for s in samples) / total
    ordered = sorted(samples, key=lambda s: s[2] / s[1])
    def quantile(q: float) -> float:
        acc = 0
        for name, raw, gz in ordered:
            acc += raw
            if acc >= q * total:
                return gz / raw
        return ordered[-1][2] / ordered[-1][1]
    return {"estimate": round(pooled, 3), "low": round(quantile(0.1), 3), "high": round(quantile(0.9), 3),
            "bytes": total, "samples": [{"name": n, "bytes": r, "gzip": g} for n, r, g in samples]}


def debian(work: Path, root: Path) -> tuple[list, list]:
    payloads, archives = [], []
    target = root / "tmp/debs"
    target.mkdir(parents=True, exist_ok=True)
    resolv = root / "etc/resolv.conf"
    resolv.write_text(Path("/etc/resolv.conf").read_text())
    try:
        subprocess.run(["chroot", str(root), "sh", "-c", "apt-get update -qq && cd /tmp/debs && apt-get download -qq "
                        + " ".join(DEBS)], check=True, capture_output=True)
    finally:
        resolv.unlink(missing_ok=True)
    for deb in sorted(target.glob("*.deb")):
        with tempfile.TemporaryDirectory(dir=work) as out:
            subprocess.run(["dpkg-deb", "-x", str(deb), out], check=True)
            raw, gz = measure_tree(Path(out))
        payloads.append((deb.name.split("_")[0], raw, gz))
        archives.append((deb.name,) + measure_files([deb]))
    subprocess.run(["rm", "-rf", str(target)], check=True)
    lists = sorted(root.glob("var/lib/apt/lists/*.lz4"))
    archives_lists = [("apt lists (.lz4)",) + measure_files(lists)] if lists else []
    binaries = []
    for folder in ("usr/bin", "usr/lib/x86_64-linux-gnu"):
        files = [p for p in sorted((root / folder).iterdir()) if p.is_file() and not p.is_symlink()
                 and p.read_bytes()[:4] == b"\x7fELF"]
        binaries.append((folder,) + measure_files(files))
    return payloads, archives, binaries, archives_lists


def python(work: Path) -> tuple[list, list]:
    installed, wheels = [], []
    for name in WHEELS:
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            site, dl = Path(tmp, "site"), Path(tmp, "dl")
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                            "-d", str(dl), name], check=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                            str(site), *map(str, dl.iterdir())], check=True)
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(site)], check=False)
            installed.append((name,) + measure_tree(site))
            wheels.append((name + ".whl",) + measure_files(list(dl.iterdir())))
    return installed, wheels


def node(work: Path) -> tuple[list, list, dict[str, object]]:
    """node_modules and npm caches of popular packages, and what their dependencies weigh.

    The estimator knows ~155 npm packages; everything else an install pulls in is sized as a
    typical dependency, and their number is guessed from the direct dependencies the table
    lacks.  Both are measured here: sizes of installed packages outside the table, and
    (installed packages outside the table) / (direct dependencies outside the table).
    """
    sys.path.insert(0, str(ROOT))
    from layerlint.estimate import ecosystems

    trees, caches, outside, ratios = [], [], [], []
    for name in NPMS:
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--cache", f"{tmp}/cache",
                            "--prefix", tmp, name], check=True, capture_output=True)
            modules = Path(tmp, "node_modules")
            trees.append((name,) + measure_tree(modules))
            caches.append((name,) + measure_tree(Path(tmp, "cache")))
            installed = {}
            for manifest in modules.glob("**/package.json"):
                rel = manifest.parent.relative_to(modules).as_posix().split("node_modules/")[-1]
                if manifest.parent.parent.name == "node_modules" or manifest.parent.parent.parent.name == "node_modules" \
                        and rel.startswith("@"):
                    installed[manifest.parent] = rel
            known = ecosystems.npm_install([name]).packages
            missing = {r for k in known for r in ecosystems.npm_package(k).requires if ecosystems.npm_package(r) is None}
            others = [d for d, pkg in installed.items() if ecosystems.npm_package(pkg) is None]
            for folder in others:
                nested = folder / "node_modules"
                raw, _ = measure_tree(folder)
                outside.append(raw - (measure_tree(nested)[0] if nested.is_dir() else 0))
            if missing:
                ratios.append(len(others) / len(missing))
    outside.sort()
    ratios.sort()
    n, k = len(outside), len(ratios)
    trimmed = outside[n // 20: n - n // 20]  # the largest 5 % are native binaries (@next/swc-*, esbuild) seen once
    layers = {
        "npm_unknown_package_bytes": {
            "low": outside[n // 4], "estimate": sum(trimmed) // len(trimmed), "high": outside[n * 3 // 4] * 3,
            "median": outside[n // 2], "mean": sum(outside) // n, "packages": n,
            "method": "installed bytes of packages outside the table that npm install of popular packages pulled in."
                      " For a sum of many such packages: low = 25th percentile, estimate = mean of the 5th-95th"
                      " percentile, high = three times the 75th percentile"},
        "npm_transitive_per_direct_dep": {
            "low": round(ratios[k // 10], 2), "estimate": round(ratios[k // 2], 2), "high": round(ratios[k * 9 // 10], 2),
            "ratios": [round(r, 2) for r in ratios],
            "method": "installed packages outside the table / direct dependencies of the requested packages outside"
                      " the table; 10th percentile, median, 90th percentile over " + ", ".join(NPMS)},
    }
    return trees, caches, layers


def text() -> list:
    """Source code and documents: this repository by folder, and the Python standard library."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()
    samples = []
    for folder in ("layerlint/", "tests/", "rules/", "docs/", "scripts/"):
        keep = [ROOT / f for f in files if f.startswith(folder) and f.endswith((".py", ".md", ".yaml", ".toml", ".txt"))
                and not f.startswith("layerlint/data/") and (ROOT / f).is_file()]
        if keep:
            samples.append((folder,) + measure_files(keep))
    stdlib = Path(os.__file__).parent
    samples.append(("python stdlib .py",) + measure_files(sorted(stdlib.glob("*.py"))))
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--work", default="/tmp/layerlint-size-harness")
    parser.add_argument("--node-only", action="store_true", help="re-measure only the npm part")
    args = parser.parse_args(argv)
    work = Path(args.work)
    if args.node_only:
        js, tarballs, layers = node(work)
        data = json.loads(CALIBRATION.read_text())
        data["compression"]["kinds"].update({"node": summarize(js), "npm-cache": summarize(tarballs)})
        data.setdefault("layers", {}).update(layers)
        CALIBRATION.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        print(json.dumps(layers, indent=1))
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from rootfs import make_rootfs

    root = make_rootfs("bookworm", work / "rootfs-bookworm", slim=False)
    scratch = work / "compression-root"
    subprocess.run(["rm", "-rf", str(scratch)], check=True)
    subprocess.run(["cp", "-a", str(root), str(scratch)], check=True)
    try:
        payloads, archives, binaries, lists = debian(work, scratch)
    finally:
        subprocess.run(["rm", "-rf", str(scratch)], check=True)
    py, wheels = python(work)
    js, tarballs, layers = node(work)
    kinds = {
        "packages": summarize(payloads),
        "python": summarize(py),
        "node": summarize(js),
        "text": summarize(text()),
        "binary": summarize(binaries),
        "compressed": summarize(archives + wheels),
        "apt-lists": summarize(lists),
        "npm-cache": summarize(tarballs),
    }
    data = json.loads(CALIBRATION.read_text()) if CALIBRATION.exists() else {}
    data["compression"] = {
        "date": date.today().isoformat(),
        "method": "gzip level 6 of a PAX tar stream of the samples (what a registry stores), divided by the "
                  "st_size sum of the files; range = 10th-90th byte-weighted percentile of per-sample ratios",
        "script": "benchmarks/size_harness/measure_compression.py",
        "kinds": kinds,
    }
    data.setdefault("layers", {}).update(layers)
    CALIBRATION.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    for kind, row in kinds.items():
        print(f"{kind:<11} {row['estimate']:.3f}  [{row['low']:.3f}, {row['high']:.3f}]  over {row['bytes']:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
