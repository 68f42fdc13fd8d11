"""pip/npm size lookups, dependency closure and cache factors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layerlint.estimate import ecosystems
from layerlint.estimate.ecosystems import apk_range, npm_install, npm_name, pip_install, pip_name, pip_package

TABLE = {
    "meta": {"generated": "2026-01-01"},
    "factors": {"pyc_per_py_byte": 0.5, "pip_cache_per_wheel_byte": None, "npm_cache_per_installed_byte": 0.25},
    "pip": {
        "app": {"version": "1", "download_bytes": 100, "unpacked_bytes": 400, "py_bytes": 200, "files": 4,
                "requires": ["lib", "missing-dep"], "wheel": "app-1-py3-none-any.whl"},
        "lib": {"version": "2", "download_bytes": 10, "unpacked_bytes": 40, "py_bytes": 0, "files": 1,
                "requires": [], "wheel": "lib-2-cp312-cp312-manylinux_x86_64.whl"},
        "sdist-only": {"version": "3", "download_bytes": 5, "unpacked_bytes": None, "py_bytes": None,
                       "files": None, "requires": [], "wheel": None},
    },
    "npm": {
        "@scope/web": {"version": "1.0.0", "tarball_bytes": 30, "unpacked_bytes": 120, "files": 3,
                       "requires": ["tiny"]},
        "tiny": {"version": "0.1.0", "tarball_bytes": 2, "unpacked_bytes": 8, "files": 1, "requires": []},
    },
    "apk": {"per_package_bytes": [100, 500], "approximate": True, "basis": "assumed"},
}


@pytest.fixture()
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ecosystems.json"
    path.write_text(json.dumps(TABLE))
    monkeypatch.setattr(ecosystems, "DATA_FILE", path)
    ecosystems._table.cache_clear()
    yield
    ecosystems._table.cache_clear()


@pytest.mark.parametrize(
    ("requirement", "name"),
    [("Django[argon2]>=4.2", "django"), ("ruamel.yaml==0.18", "ruamel-yaml"), ("typing_extensions", "typing-extensions"),
     ("requests ; python_version > '3'", "requests"), ("-r requirements.txt", "")],
)
def test_pip_name_normalizes(requirement: str, name: str) -> None:
    assert pip_name(requirement) == name


@pytest.mark.parametrize(("spec", "name"), [("lodash@4", "lodash"), ("@types/node@^20", "@types/node"),
                                            ("@Scope/Pkg", "@scope/pkg"), ("express", "express")])
def test_npm_name_strips_versions(spec: str, name: str) -> None:
    assert npm_name(spec) == name


def test_pip_installed_size_adds_compiled_bytecode(synthetic: None) -> None:
    package = pip_package("App")
    assert package.installed_bytes == 400 + 200 * 0.5
    assert package.download_bytes == 100


def test_pip_closure_follows_known_dependencies_and_reports_unknown(synthetic: None) -> None:
    estimate = pip_install(["app==1.0", "sdist-only"], installed=())
    assert estimate.packages == ("app", "lib")
    assert estimate.unknown == ("sdist-only", "missing-dep")
    assert estimate.installed_bytes == 500 + 40
    assert estimate.cache_bytes == 0
    assert "sizes unknown: sdist-only, missing-dep" in estimate.basis


def test_pip_cache_defaults_to_whole_wheels_when_not_measured(synthetic: None) -> None:
    estimate = pip_install(["app"], installed=["lib"], cache=True)
    assert estimate.packages == ("app",)
    assert estimate.cache_bytes == 100
    assert "pip cache kept" in estimate.basis


def test_npm_closure_and_cache_factor(synthetic: None) -> None:
    estimate = npm_install(["@scope/web@1.0.0"])
    assert estimate.packages == ("@scope/web", "tiny")
    assert (estimate.installed_bytes, estimate.download_bytes, estimate.files) == (128, 32, 4)
    assert estimate.cache_bytes == 32
    assert npm_install(["@scope/web"], cache=False, with_deps=False).installed_bytes == 120


def test_apk_range_is_marked_approximate(synthetic: None) -> None:
    low, high, basis = apk_range(3)
    assert (low, high) == (300, 1500)
    assert basis.startswith("approximate")


def test_shipped_table_covers_popular_packages_with_measured_factors() -> None:
    table = json.loads(Path(ecosystems.DATA_FILE).read_text())
    assert len(table["pip"]) >= 150 and len(table["npm"]) >= 150
    assert 0.5 < table["factors"]["pyc_per_py_byte"] < 3
    requests = pip_package("requests")
    assert {"urllib3", "idna", "certifi", "charset-normalizer"} <= set(requests.requires)
    assert requests.installed_bytes > requests.download_bytes > 0
    assert set(pip_install(["requests"]).packages) >= {"requests", "urllib3", "idna", "certifi"}
    assert npm_install(["express"]).installed_bytes > 0
