"""debian:bookworm look-alike root filesystems for the size harness (root, mmdebstrap).

The official images are built by debuerreotype from a debootstrap ``minbase`` with
merged /usr and a few apt/dpkg settings; mmdebstrap's ``minbase`` plus its ``merged-usr``
hook gives the same package set (the ``usrmerge`` package and the perl it pulls in are not
installed: with them the root is 164 MB, without 116.2 MB against the official 116.57 MB).
Unlike ``scripts/gen_debian_index.py``'s roots, apt lists are removed and docker-clean's
post-invoke hook deletes downloaded .debs, as in the real images.  The settings below are debuerreotype's (``debuerreotype-minimizing-config``
and, for ``-slim``, ``debuerreotype-slimify``).  Roots are cached under the work directory.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from gen_debian_index import bootstrap

_CLEAN = (
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
    ' /var/cache/apt/*.bin || true"; };\n'
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb'
    ' /var/cache/apt/*.bin || true"; };\n'
    'Dir::Cache::pkgcache "";\nDir::Cache::srcpkgcache "";\n'
)
DOCKER_CONF = {
    "etc/apt/apt.conf.d/docker-clean": _CLEAN,
    "etc/apt/apt.conf.d/docker-gzip-indexes": 'Acquire::GzipIndexes "true";\n',
    "etc/apt/apt.conf.d/docker-no-languages": 'Acquire::Languages "none";\n',
    "etc/apt/apt.conf.d/docker-autoremove-suggests": 'Apt::AutoRemove::SuggestsImportant "false";\n',
    "etc/dpkg/dpkg.cfg.d/docker-apt-speedup": "force-unsafe-io\n",
    "usr/sbin/policy-rc.d": "#!/bin/sh\nexit 101\n",
}


def make_rootfs(release: str, target: Path, slim: bool) -> Path:
    """Build (once) a debian:<release>[-slim] look-alike at ``target``."""
    if target.exists():
        return target
    tmp = bootstrap(release, target, slim, DOCKER_CONF, "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr")
    # What debuerreotype leaves out of the image: apt lists, caches and logs of the bootstrap.
    for pattern in ("var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb", "var/log/apt/*",
                    "var/log/dpkg.log", "var/log/alternatives.log", "var/log/bootstrap.log"):
        for path in tmp.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path) if path.name != "partial" else None
            else:
                path.unlink()
    (tmp / "etc/resolv.conf").unlink(missing_ok=True)
    tmp.rename(target)
    return target


if __name__ == "__main__":
    import sys

    work = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/layerlint-size-harness")
    work.mkdir(parents=True, exist_ok=True)
    for slim in (False, True):
        print(make_rootfs("bookworm", work / ("rootfs-bookworm" + ("-slim" if slim else "")), slim))
