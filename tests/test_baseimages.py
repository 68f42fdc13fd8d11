"""Base-image table: reference normalization, lookups, distro guesses and the generator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from layerlint.estimate import baseimages
from layerlint.estimate.baseimages import distro_of, lookup, parse_ref

ROOT = Path(__file__).resolve().parents[1]

REMOTE = """## `demo:1.0`

### `demo:1.0` - linux; amd64

```console
$ docker pull demo@sha256:aaaa
```

-\tTotal Size: **31.1 MB (31073505 bytes)**  
\t(compressed transfer size, not on-disk size)

```dockerfile
# Mon, 03 Aug 2026 00:00:00 GMT
RUN # debian.sh --arch 'amd64' out/ 'trixie' '@1785715200'
```

-\tLayers:
\t-\t`sha256:1111`  
\t\tSize: 31.1 MB (31073256 bytes)  
\t-\t`sha256:2222`  
\t\tSize: 249.0 B  

### `demo:1.0` - linux; arm64 variant v8

-\tTotal Size: **99.0 MB (99000000 bytes)**  
"""

LOCAL = """# `demo:1.0`

## Docker Metadata

- Created: `2026-08-24T00:00:00Z`
- Virtual Size: ~ 78.64 Mb  
  (total size of all layers on-disk)

## `dpkg` (`.deb`-based packages)

### `dpkg` source package: `acl=2.3.2-2`

Binary Packages:

- `libacl1:amd64=2.3.2-2+b1`
- `bash=5.2.37-2+b9`
"""


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("python", ("python", "latest", None, None)),
        ("docker.io/library/python:3.12-slim", ("python", "3.12-slim", None, None)),
        ("index.docker.io/library/Debian:12", ("debian", "12", None, None)),
        ("--platform=linux/amd64 node:22 AS build", ("node", "22", None, "linux/amd64")),
        ("localhost:5000/team/app:1", ("localhost:5000/team/app", "1", None, None)),
        ("debian@sha256:abc", ("debian", "latest", "sha256:abc", None)),
        ("--platform=$BUILDPLATFORM golang:1.24", ("golang", "1.24", None, None)),
    ],
)
def test_parse_ref_normalizes(ref: str, expected: tuple) -> None:
    parsed = parse_ref(ref)
    assert (parsed.name, parsed.tag, parsed.digest, parsed.platform) == expected


def test_unexpanded_variables_are_unknown() -> None:
    assert parse_ref("$BASE_IMAGE") is None
    assert lookup("${REGISTRY}/python:3.12") is None
    assert distro_of("$BASE") is None


def test_lookup_resolves_aliases_and_defaults_to_latest() -> None:
    by_alias = lookup("docker.io/library/debian:12")
    assert by_alias is not None and by_alias.ref == "debian:bookworm"
    assert (by_alias.distro, by_alias.release, by_alias.package_manager) == ("debian", "bookworm", "apt")
    assert by_alias.layers == 1 and by_alias.compressed < by_alias.size
    assert lookup("debian").ref == lookup("debian:latest").ref


@pytest.mark.parametrize(
    ("ref", "canonical", "distro", "release", "manager"),
    [
        ("python:3.12", "python:3.12", "debian", "trixie", "apt"),
        ("python:3.12-trixie", "python:3.12", "debian", "trixie", "apt"),
        ("python:3.11-slim-trixie", "python:3.11-slim", "debian", "trixie", "apt"),
        ("python:3.13-alpine3.24", "python:3.13-alpine", "alpine", "3.24", "apk"),
        ("node:22-bookworm-slim", "node:22-slim", "debian", "bookworm", "apt"),
        ("golang:1.25-alpine", "golang:1.25-alpine", "alpine", "3.24", "apk"),
        ("nginx:stable-trixie", "nginx:stable", "debian", "trixie", "apt"),
        ("redis:alpine", "redis:alpine", "alpine", "3.23", "apk"),
        ("postgres:16-trixie", "postgres:16", "debian", "trixie", "apt"),
        ("eclipse-temurin:21", "eclipse-temurin:21-jdk", "ubuntu", "resolute", "apt"),
        ("alpine:3.24.2", "alpine:latest", "alpine", "3.24", "apk"),
        ("ubuntu:noble", "ubuntu:24.04", "ubuntu", "noble", "apt"),
        ("amazonlinux:2023", "amazonlinux:2023", "amazonlinux", "2023", "dnf"),
        ("rockylinux:9-minimal", "rockylinux:9-minimal", "rocky", "9", "microdnf"),
    ],
)
def test_lookup_resolves_the_tags_of_one_build(ref: str, canonical: str, distro: str, release: str,
                                               manager: str) -> None:
    image = lookup(ref)
    assert image.ref == canonical
    assert (image.distro, image.release, image.package_manager) == (distro, release, manager)
    assert image.compressed > 0 and image.layers >= 1 and image.date
    assert image.source.startswith("docker-library/repo-info repos/")


def test_other_builds_and_untabled_versions_stay_unknown() -> None:
    # python:3.12 was tabled on trixie; the bookworm build is another image
    assert lookup("python:3.12-bookworm") is None
    assert lookup("node:20-slim") is None  # not in the stored repo-info
    assert lookup("golang:1.22-alpine") is None
    assert distro_of("python:3.12-bookworm").release == "bookworm"


def test_tabled_sizes_and_packages_are_consistent() -> None:
    python, slim, alpine = lookup("python:3.12"), lookup("python:3.12-slim"), lookup("alpine:latest")
    assert python.size == 1_110_000_000 and python.compressed == 410_908_459 and python.layers == 7
    assert slim.size_date != slim.date  # on-disk size measured on an earlier build than the remote
    assert alpine.packages_exact and {"musl", "busybox", "apk-tools"} <= alpine.packages
    assert {"gcc", "libssl-dev", "git"} <= python.packages  # buildpack-deps layers on top of minbase
    assert "gcc" not in slim.packages and {"ca-certificates", "tzdata"} <= slim.packages
    assert lookup("busybox").package_manager is None and lookup("busybox").compressed < 3_000_000


def test_a_debian_release_without_a_shipped_index_has_no_package_set() -> None:
    assert baseimages._packages(json.dumps("minbase:bullseye+curl")) is None
    assert baseimages._packages(json.dumps("other:trixie")) is None
    assert "curl" in baseimages._packages(json.dumps("minbase:trixie+curl"))


def test_entries_lists_each_tabled_image_once() -> None:
    listed = baseimages.entries()
    refs = [image.ref for image in listed]
    assert refs == sorted(refs) and len(refs) == len(set(refs))
    table = baseimages._table()
    assert set(refs) == set(table["images"])
    assert not set(refs) & set(table["aliases"])
    assert {"python:3.12", "node:22-alpine", "postgres:17", "scratch:latest"} <= set(refs)


def test_unknown_tags_digests_and_platforms_give_none() -> None:
    assert lookup("debian:0.1-imaginary") is None
    assert lookup("no-such-image") is None
    assert lookup("debian@sha256:0123") is None
    assert lookup("debian:12@sha256:0123").ref == "debian:bookworm"
    assert lookup("--platform=linux/arm64 debian:12") is None
    assert lookup("debian:12", platform="linux/amd64") is not None


def test_debian_packages_are_the_minbase_closure_and_load_lazily() -> None:
    image = lookup("debian:bookworm-slim")
    assert not image.packages_exact
    assert {"apt", "dpkg", "libc6", "bash"} <= image.packages
    assert lookup("scratch").packages == frozenset()
    assert lookup("scratch").size == 0


def test_every_entry_cites_a_source_and_numbers_are_sane() -> None:
    table = json.loads(Path(baseimages.DATA_FILE).read_text())
    assert table["meta"]["platform"] == "linux/amd64"
    for ref, entry in table["images"].items():
        assert entry["source"], ref
        for key in ("size", "compressed", "layers"):
            assert entry[key] is None or entry[key] >= 0, (ref, key)
        if entry["size"] and entry["compressed"]:
            assert entry["compressed"] < entry["size"], ref
    for alias, target in table["aliases"].items():
        assert target in table["images"], alias


@pytest.mark.parametrize(
    ("ref", "distro", "release", "manager"),
    [
        ("python:3.12-slim-bookworm", "debian", "bookworm", "apt"),
        ("python:3.12-slim", "debian", "trixie", "apt"),
        ("node:22-alpine3.20", "alpine", "3.20", "apk"),
        ("node:20-alpine", "alpine", None, "apk"),
        ("alpine:3.19", "alpine", "3.19", "apk"),
        ("ubuntu:22.04", "ubuntu", "jammy", "apt"),
        ("ubuntu:noble", "ubuntu", "noble", "apt"),
        ("eclipse-temurin:21-jre-jammy", "ubuntu", "jammy", "apt"),
        ("gcr.io/distroless/static-debian12", "debian", "bookworm", None),
        ("registry.access.redhat.com/ubi9/ubi-minimal", "rhel", "9", "microdnf"),
        ("amazonlinux:2", "amazonlinux", "2", "yum"),
        ("amazonlinux:2023", "amazonlinux", "2023", "dnf"),
        ("debian:11-slim", "debian", "bullseye", "apt"),
    ],
)
def test_distro_of_guesses_from_name_and_tag(ref: str, distro: str, release: str | None, manager: str | None) -> None:
    guess = distro_of(ref)
    assert (guess.distro, guess.release, guess.package_manager) == (distro, release, manager)


def test_distro_of_prefers_the_table_and_says_so() -> None:
    known = distro_of("python:3.13-slim")
    assert known.basis.startswith("table:")
    assert distro_of("busybox") is None
    assert distro_of("mycompany/app:1") is None


def test_generator_parses_a_repo_info_checkout(tmp_path: Path) -> None:
    gen = _script("gen_base_images")
    checkout = tmp_path / "repo-info"
    (checkout / "repos" / "demo" / "remote").mkdir(parents=True)
    (checkout / "repos" / "demo" / "local").mkdir(parents=True)
    (checkout / "repos" / "demo" / "remote" / "1.0.md").write_text(REMOTE)
    (checkout / "repos" / "demo" / "local" / "1.md").write_text(LOCAL.replace("demo:1.0", "demo:1"))
    (checkout / "repos" / "demo" / "remote" / "1.0-20260803.md").write_text(REMOTE)  # dated: skipped
    library = tmp_path / "official-images" / "library"
    library.mkdir(parents=True)
    (library / "demo").write_text("Tags: 1.0, 1.0-20260803, 1, latest\n")
    gen.IMAGES = ("demo",)
    out = tmp_path / "table.json"
    assert gen.main(["--repo-info", str(checkout), "--official-images", str(tmp_path / "official-images"),
                     "--out", str(out)]) == 0
    table = json.loads(out.read_text())
    entry = table["images"]["demo:1.0"]
    assert entry["compressed"] == 31073505 and entry["layers"] == 2
    assert entry["size"] == 78_640_000 and entry["date"] == "2026-08-03"
    assert (entry["distro"], entry["release"], entry["package_manager"]) == ("debian", "trixie", "apt")
    assert entry["packages"] == ["bash", "libacl1"] and entry["packages_exact"]
    assert table["aliases"] == {"demo:1": "demo:1.0", "demo:latest": "demo:1.0", "demo:1.0-trixie": "demo:1.0"}
    assert "demo:1.0-20260803" not in table["images"]


SLIM = """<!-- excerpt of repos/demo/remote/2-slim.md @ 0123456789abcdef0123456789abcdef01234567 -->
### `demo:2-slim` - linux; amd64

-\tTotal Size: **43.2 MB (43188023 bytes)**  

```dockerfile
# Mon, 03 Aug 2026 00:00:00 GMT
RUN # debian.sh --arch 'amd64' out/ 'trixie' '@1785715200'
RUN set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates tzdata ; apt-get dist-clean
RUN set -eux; apt-get install -y gnupg1 curl=8.1 && apt-get remove --purge --auto-remove -y gnupg1
RUN set -eux; if [ "$arch" = 'arm64' ]; then apt-get install -y binutils-gold; fi; apt-get install -y $pkgs make
RUN set -eux; savedAptMark="$(apt-mark showmanual)"; apt-get install -y gcc libssl-dev; apt-mark auto '.*'; apt-get purge -y --auto-remove
# Wed, 05 Aug 2026 01:12:35 GMT
CMD ["demo"]
```
"""

ALPINE_LOCAL = """# `alpine:3.24.2`

- Created: `2026-09-17T20:37:20.889221879Z`
- Virtual Size: ~ 8.42 Mb  

## `apk` (`.apk`-based packages)

### `apk` package: `musl`

### `apk` package: `busybox`
"""

ALPINE_REMOTE = """### `alpine:latest` - linux; amd64

-\tTotal Size: **3.8 MB (3849738 bytes)**  

```dockerfile
# Thu, 17 Sep 2026 20:37:20 GMT
ADD alpine-minirootfs-3.24.2-x86_64.tar.gz / # buildkit
```

-\tLayers:
\t-\t`sha256:layer0`  
"""


def test_generator_keeps_the_packages_install_steps_keep_and_dates_the_last_step(tmp_path: Path) -> None:
    gen = _script("gen_base_images")
    remote = gen.parse_remote(SLIM, "demo:2-slim")
    assert remote["date"] == "2026-08-05" and remote["compressed"] == 43188023
    # purged (apt-mark auto + purge), removed, conditional and $variable installs are not kept
    assert remote["apt_installs"] == ["ca-certificates", "curl", "make", "tzdata"]
    assert gen.derived_tags("demo", "2-slim", remote) == ["2-slim-trixie", "2-trixie-slim"]
    (tmp_path / "repos" / "demo" / "remote").mkdir(parents=True)
    (tmp_path / "repos" / "demo" / "remote" / "2-slim.md").write_text(SLIM)
    gen.IMAGES = ("demo",)
    images, aliases, _ = gen.collect(tmp_path, None)
    gen.finish(images)
    entry = images["demo:2-slim"]
    assert entry["packages"] == "minbase:trixie+ca-certificates,curl,make,tzdata" and not entry["packages_exact"]
    assert entry["source"] == "docker-library/repo-info repos/demo/remote/2-slim.md@01234567"
    assert aliases["demo:2-slim-trixie"] == "demo:2-slim"


def test_generator_pairs_alpine_with_its_exactly_versioned_local_file(tmp_path: Path) -> None:
    gen = _script("gen_base_images")
    for kind, name, text in (("remote", "latest", ALPINE_REMOTE), ("local", "3.24.2", ALPINE_LOCAL)):
        (tmp_path / "repos" / "alpine" / kind).mkdir(parents=True, exist_ok=True)
        (tmp_path / "repos" / "alpine" / kind / f"{name}.md").write_text(text)
    gen.IMAGES = ("alpine",)
    images, aliases, files = gen.collect(tmp_path, None)
    gen.finish(images)
    entry = images["alpine:latest"]
    assert files == 2 and entry["size"] == 8_420_000 and entry["release"] == "3.24"
    assert entry["packages"] == ["busybox", "musl"] and entry["packages_exact"]
    assert aliases == {"alpine:3.24": "alpine:latest", "alpine:3.24.2": "alpine:latest"}


def test_generator_states_rpm_distros_from_the_tag() -> None:
    gen = _script("gen_base_images")
    assert gen.tag_hints("amazonlinux", "2") == {"distro": "amazonlinux", "release": "2", "package_manager": "yum"}
    assert gen.tag_hints("amazonlinux", "2023")["package_manager"] == "dnf"
    assert gen.tag_hints("rockylinux", "9-minimal")["package_manager"] == "microdnf"
    assert gen.tag_hints("python", "3.12") == {}
