"""Debian index format, loader and apt-like resolver."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from layerlint.estimate import packages
from layerlint.estimate.packages import DebianIndex, Resolution, UnknownRelease, load_index, resolve

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _script("gen_debian_index")

# name, installed KiB, .deb bytes, Priority, Essential, Pre-Depends, Depends, Recommends, Provides
SYNTHETIC = {
    "base": ("base", "100", "10", "required", "yes", "", "", "", ""),
    "app": ("app", "1000", "300", "optional", "", "", "libfoo (>= 1.2) | libfoo-alt, mail-transport-agent, tool:any",
            "extra-docs", ""),
    "libfoo": ("libfoo", "200", "50", "optional", "", "", "base", "", ""),
    "libfoo-alt": ("libfoo-alt", "5000", "900", "optional", "", "", "", "", ""),
    "tool": ("tool", "30", "5", "optional", "", "prelib", "", "", ""),
    "prelib": ("prelib", "7", "2", "optional", "", "", "", "", ""),
    "extra-docs": ("extra-docs", "4000", "800", "optional", "", "", "", "", ""),
    "exim4": ("exim4", "3000", "700", "standard", "", "", "", "", "mail-transport-agent"),
    "postfix": ("postfix", "2500", "600", "optional", "", "", "", "", "mail-transport-agent"),
    "python3-x": ("python3-x", "10", "4", "optional", "", "", "", "", ""),
}


@pytest.fixture()
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DebianIndex:
    """An index written by the generator's own writer, loaded by the loader (format round trip)."""
    records = {}
    for name, (pkg, isize, size, prio, ess, pre, dep, rec, prov) in SYNTHETIC.items():
        fields = {"Package": pkg, "Installed-Size": isize, "Size": size, "Priority": prio, "Essential": ess,
                  "Pre-Depends": pre, "Depends": dep, "Recommends": rec, "Provides": prov}
        records[name] = gen.record({k: v for k, v in fields.items() if v})
    gen.write_index("testing", records, {"release": "testing", "date": "2026-01-01"}, tmp_path / "debian-testing.index")
    monkeypatch.setattr(packages, "DATA_DIR", tmp_path)
    load_index.cache_clear()
    yield load_index("testing")
    load_index.cache_clear()


def test_relation_drops_versions_and_arch_qualifiers() -> None:
    assert gen.relation("a (>= 1.0), b:any | c (<< 2) [amd64], d:amd64") == "a,b|c,d"
    assert gen.relation("") == ""


def test_paragraphs_join_continuation_lines_of_kept_fields() -> None:
    text = "Package: x\nDepends: a,\n b\nDescription: d\n long\n\nPackage: y\n"
    assert list(gen.paragraphs(text)) == [{"Package": "x", "Depends": "a, b"}, {"Package": "y"}]


def test_round_trip_keeps_sizes_flags_and_relations(synthetic: DebianIndex) -> None:
    app = synthetic.get("app")
    assert (app.installed_kib, app.deb_bytes, app.priority, app.essential) == (1000, 300, "optional", False)
    assert app.depends == (("libfoo", "libfoo-alt"), ("mail-transport-agent",), ("tool",))
    assert synthetic.get("base").essential and synthetic.get("base").priority == "required"
    virtual = synthetic.get("mail-transport-agent")
    assert virtual.virtual and set(virtual.provided_by) == {"exim4", "postfix"}
    assert synthetic.get("nonexistent") is None
    assert synthetic.essential() == frozenset({"base"})


def test_lookups_across_many_blocks_find_every_name_and_relation(tmp_path: Path) -> None:
    """Names spread over several compressed blocks; relations point across block boundaries."""
    names = [f"pkg{i:04d}" for i in range(3 * gen.BLOCK_NAMES + 5)]
    records = [f"{i}\t{i * 10}\t\t\t{gen._base36(len(names) - 1 - i)}" for i in range(len(names))]
    path = tmp_path / "debian-many.index"
    gen.write_blocks(names, records, {"release": "many"}, path)
    index = DebianIndex("many", path.read_bytes())
    assert len(index) == len(names)
    for i, name in enumerate(names):
        package = index.get(name)
        assert package is not None and package.installed_kib == i
        assert package.depends == ((names[len(names) - 1 - i],),)
    assert index.get("pkg") is None and index.get("a") is None and index.get("zzz") is None
    assert "pkg0000" in index and "pkg9999" not in index


def test_closure_picks_first_alternative_and_best_provider(synthetic: DebianIndex) -> None:
    result = resolve("testing", ["app"], installed=(), recommends=False)
    # libfoo (first alternative), exim4 (standard beats optional postfix), tool and its Pre-Depends.
    assert result.packages == ("app", "exim4", "libfoo", "prelib", "tool")
    assert result.installed_bytes == (1000 + 3000 + 200 + 7 + 30) * 1024
    assert result.download_bytes == 300 + 700 + 50 + 2 + 5
    assert result.basis == "Debian testing index: 5 packages without Recommends"


def test_installed_alternative_or_provider_satisfies_the_group(synthetic: DebianIndex) -> None:
    result = resolve("testing", ["app"], installed={"libfoo-alt", "postfix"}, recommends=False)
    assert result.packages == ("app", "prelib", "tool")


def test_recommends_are_followed_unless_disabled(synthetic: DebianIndex) -> None:
    with_recs = resolve("testing", ["app"], installed=(), recommends=True)
    assert "extra-docs" in with_recs.packages
    assert with_recs.basis.endswith("incl. Recommends")


def test_unknown_names_are_reported_and_request_forms_normalized(synthetic: DebianIndex) -> None:
    result = resolve("testing", ["tool:amd64=1.0", "nope", "prelib/testing-backports"], installed=(), recommends=False)
    assert result.packages == ("prelib", "tool")
    assert result.unknown == ("nope",)
    assert "not in the index: nope" in result.basis


def test_requesting_a_virtual_name_installs_a_provider(synthetic: DebianIndex) -> None:
    assert resolve("testing", ["mail-transport-agent"], (), False).packages == ("exim4",)
    assert resolve("testing", ["mail-transport-agent"], {"postfix"}, False).packages == ()


def test_python_share_is_counted_for_pyc_correction(synthetic: DebianIndex) -> None:
    result = resolve("testing", ["python3-x", "prelib"], (), False)
    assert result.python_bytes == 10 * 1024
    assert result.installed_bytes == 17 * 1024


def test_layer_range_is_a_range_and_slim_is_not_larger() -> None:
    result = Resolution("bookworm", ("a", "b"), 10_000_000, 3_000_000, 0, (), False, "b")
    low, high = result.layer_range()
    _, slim_high = result.layer_range(slim=True)
    assert 0 < low < high
    assert slim_high <= high
    assert Resolution("bookworm", (), 0, 0, 0, (), False, "b").layer_range() == (0, 0)


def test_shipped_bookworm_index_resolves_curl_on_minbase() -> None:
    base = packages.minbase("bookworm")
    assert {"apt", "dpkg", "libc6", "bash"} <= base
    result = resolve("12", ["curl"], base, recommends=False)
    assert result.release == "bookworm"
    assert {"curl", "libcurl4"} <= set(result.packages)
    assert "libc6" not in result.packages
    assert result.installed_bytes > 1_000_000
    with_recs = resolve("bookworm", ["curl"], base, recommends=True)
    assert len(with_recs.packages) > len(result.packages)


def test_every_shipped_index_records_its_source_and_date() -> None:
    releases = packages.available_releases()
    assert {"bookworm", "trixie"} <= set(releases)
    for release in releases:
        path = Path(packages.DATA_DIR) / f"debian-{release}{packages.INDEX_SUFFIX}"
        assert path.stat().st_size < 3_000_000
        with path.open("rb") as handle:
            assert handle.readline().decode().rstrip("\n") == packages.FORMAT_HEADER
        meta = load_index(release).meta
        assert meta["release"] == release and meta["date"]
        assert all(url.startswith("http") and url.endswith("Packages.xz") for url in meta["sources"])


def test_unknown_release_is_an_error() -> None:
    with pytest.raises(UnknownRelease):
        load_index("buster")
