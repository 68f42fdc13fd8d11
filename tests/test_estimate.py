"""The size estimator: each source of bytes, the ledger-based waste, and honest ranges."""

from __future__ import annotations

import io
import re
import tarfile
from pathlib import Path

import pytest

from layerlint.build import analyze
from layerlint.estimate import estimate_build, phrase
from layerlint.estimate.sizes import BuildEstimate, LayerEstimate, SizeRange, human_size
from layerlint.parse import parse
from layerlint.source import SourceFile


def estimate(text: str, tmp_path: Path | None = None, files: dict[str, str | bytes] | None = None,
             **kwargs) -> tuple[BuildEstimate, list]:
    context = None
    if tmp_path is not None:
        for rel, content in (files or {}).items():
            path = tmp_path / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content if isinstance(content, bytes) else content.encode())
        (tmp_path / "Dockerfile").write_text(text)
        context = str(tmp_path)
    build = analyze(parse(SourceFile(str(tmp_path / "Dockerfile") if tmp_path else "Dockerfile", text)))
    result = estimate_build(build, context, dockerfile_path=str(tmp_path / "Dockerfile") if tmp_path else None, **kwargs)
    return result, [i for s in build.stages for i in s.instructions]


def layer(result: BuildEstimate, instructions: list, line_no: int) -> LayerEstimate:
    ins = instructions[line_no - 1]
    found = result.layer(ins)
    assert found is not None, f"no estimate for line {line_no}"
    return found


# --------------------------------------------------------------------------- values


def test_phrase_says_a_size_as_a_message_should() -> None:
    assert phrase(SizeRange(19_000_000, 19_865_814, 21_000_000)) == "~19.9 MB"
    assert phrase(SizeRange.exact(648)) == "648 B"
    assert phrase(SizeRange(1_000_000, 2_000_000, 30_000_000)) == "1.0 MB–30.0 MB"
    assert phrase(SizeRange.unknown("x", low=3_100_000)) == "at least 3.1 MB"
    assert human_size(203_000_000) == "203 MB"


def test_ranges_add_and_stay_open_when_one_part_is_unbounded() -> None:
    total = SizeRange(1, 2, 3) + SizeRange.unknown("download", low=5)
    assert (total.low, total.estimate, total.high) == (6, 7, None)
    assert SizeRange.around(10, 12, 8) == SizeRange(10, 10, 10)


# --------------------------------------------------------------------------- base images


def test_tabled_base_image_has_a_dated_basis_and_a_narrow_range() -> None:
    result, ins = estimate("FROM debian:bookworm\n")
    base = layer(result, ins, 1)
    assert base.size.estimate == 116_570_000
    assert base.size.low < 116_570_000 < base.size.high < 125_000_000
    assert base.basis.startswith("base image table, 2026-")
    assert base.compressed.estimate == 48_497_091


def test_unknown_base_is_honestly_unknown_and_other_platforms_say_why() -> None:
    result, ins = estimate("FROM registry.example/acme/base:7\n")
    size = layer(result, ins, 1).size
    assert size.high is None and size.low == 0 and "not in the base image table" in size.basis
    result, ins = estimate("FROM debian:bookworm\n", platform="linux/arm64")
    assert "only linux/amd64" in layer(result, ins, 1).basis


def test_nearby_tag_of_the_same_variant_gives_a_wide_range() -> None:
    result, ins = estimate("FROM python:3.7-slim\n")
    size = layer(result, ins, 1).size
    assert re.search(r"nearest tabled tag python:3\.\d+-slim", size.basis)
    assert size.high is not None and size.high > 2 * size.low


def test_scratch_and_from_stage() -> None:
    text = "FROM debian:bookworm AS a\nRUN echo hi\nFROM scratch AS s\nFROM a\n"
    result, ins = estimate(text)
    assert layer(result, ins, 3).size == SizeRange.exact(0, "scratch: an empty filesystem")
    child = result.stages[2]
    assert child.base.estimate == result.stages[0].image.estimate
    assert "stage a's image" in child.base.basis


# --------------------------------------------------------------------------- apt


def test_apt_install_resolves_the_closure_and_recommends_cost_more() -> None:
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\n"
            "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends git"
            " && rm -rf /var/lib/apt/lists/*\n")
    result, ins = estimate(text)
    with_rec, without = layer(result, ins, 2), layer(result, ins, 4)
    assert "incl. Recommends" in with_rec.basis and "without Recommends" in without.basis
    assert with_rec.size.estimate > without.size.estimate > 30_000_000
    assert without.size.low <= without.size.estimate <= without.size.high  # type: ignore[operator]
    # apt lists removed in the same RUN are not counted
    assert not any("lists" in p.what for p in without.parts)
    rec_part = next(p for p in with_rec.parts if p.ecosystem == "apt")
    lean_part = next(p for p in without.parts if p.ecosystem == "apt")
    assert lean_part.saving is None and rec_part.command is not None
    assert rec_part.saving.estimate == pytest.approx(rec_part.size.estimate - lean_part.size.estimate, rel=0.01)


def test_perl_counts_for_git_because_official_images_lack_it() -> None:
    result, ins = estimate("FROM debian:bookworm\nRUN apt-get install -y --no-install-recommends git\n")
    part = next(p for p in layer(result, ins, 2).parts if p.ecosystem == "apt")
    assert "perl" in dict(part.packages)


def test_apt_lists_left_in_a_layer_are_sized_and_waste_when_removed_later() -> None:
    text = "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y jq\nRUN rm -rf /var/lib/apt/lists/*\n"
    result, ins = estimate(text)
    lists = layer(result, ins, 2)
    assert 17_000_000 < lists.size.estimate < 23_000_000
    assert "apt lists of Debian bookworm" in lists.basis
    assert lists.wasted.estimate == lists.size.estimate
    assert [w.by.index for w in lists.waste] == [ins[3].index]
    assert result.wasted.estimate == lists.size.estimate
    assert 0 < result.efficiency < 1  # type: ignore[operator]


def test_packages_installed_earlier_are_not_counted_again() -> None:
    text = "FROM debian:bookworm\nRUN apt-get install -y --no-install-recommends curl\nRUN apt-get install -y --no-install-recommends curl\n"
    result, ins = estimate(text)
    assert layer(result, ins, 2).size.estimate > 1_000_000
    second = next(p for p in layer(result, ins, 3).parts if p.ecosystem == "apt")
    assert second.size.estimate == 0 and "0 packages" in second.size.basis


def test_packages_purged_in_a_later_layer_are_wasted() -> None:
    text = ("FROM debian:bookworm\nRUN apt-get install -y --no-install-recommends gcc\n"
            "RUN apt-get purge -y --auto-remove gcc\n")
    result, ins = estimate(text)
    gcc = layer(result, ins, 2)
    assert gcc.wasted.estimate > 0.8 * gcc.size.estimate


def test_package_index_loads_only_for_an_apt_install() -> None:
    from layerlint.estimate import packages

    packages.load_index.cache_clear()
    packages.minbase.cache_clear()
    estimate("FROM debian:bookworm\nCOPY . /app\nRUN echo hi\n")
    assert packages.load_index.cache_info().currsize == 0
    estimate("FROM debian:bookworm\nRUN apt-get install -y --no-install-recommends jq\n")
    assert packages.load_index.cache_info().currsize == 1


# --------------------------------------------------------------------------- pip / npm / apk


def test_pip_reads_requirements_copied_from_the_context_and_counts_the_cache(tmp_path: Path) -> None:
    text = ("FROM python:3.13-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
            "RUN pip install --no-cache-dir -r requirements.txt flask\n")
    result, ins = estimate(text, tmp_path, {"requirements.txt": "requests==2.32.0\n# comment\nclick\n"})
    first = layer(result, ins, 4)
    install = next(p for p in first.parts if p.ecosystem == "pip")
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer", "click"} <= dict(install.packages).keys()
    cache = next(p for p in first.parts if "cache" in p.what)
    assert cache.size.estimate > 0 and cache.entry is not None
    second = layer(result, ins, 5)
    assert not any("cache" in p.what for p in second.parts)
    assert {n for n, _ in next(p for p in second.parts if p.ecosystem == "pip").packages} >= {"flask", "werkzeug"}
    assert "requests" not in dict(next(p for p in second.parts if p.ecosystem == "pip").packages)


def test_unreadable_requirements_leave_the_layer_open_ended() -> None:
    result, ins = estimate("FROM python:3.13-slim\nRUN pip install --no-cache-dir -r requirements.txt\n")
    size = layer(result, ins, 2).size
    assert size.high is None and "requirements.txt" in size.basis


def test_npm_ci_counts_the_lock_file_and_the_cache(tmp_path: Path) -> None:
    manifest = '{"dependencies": {"express": "^4"}, "devDependencies": {"jest": "^29"}}'
    lock = ('{"lockfileVersion": 3, "packages": {"": {}, "node_modules/express": {}, "node_modules/a": {},'
            ' "node_modules/b": {}, "node_modules/jest": {"dev": true}}}')
    text = ("FROM node:22-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci --omit=dev\n")
    result, ins = estimate(text, tmp_path, {"package.json": manifest, "package-lock.json": lock})
    parts = layer(result, ins, 4).parts
    modules = next(p for p in parts if p.ecosystem == "npm")
    assert "3 packages in package-lock.json" in modules.size.basis
    assert modules.path == "/app/node_modules"
    assert any(p.entry is not None and p.entry.how == "cache" and p.size.estimate > 0 for p in parts)


def test_apk_add_is_an_approximate_range() -> None:
    result, ins = estimate("FROM alpine:latest\nRUN apk add --no-cache curl git\n")
    size = layer(result, ins, 2).size
    assert "approximate" in size.basis and size.high == 2 * 5_000_000


# --------------------------------------------------------------------------- COPY / ADD


def test_context_copy_counts_real_bytes_after_dockerignore(tmp_path: Path) -> None:
    files = {"app.py": "x" * 1000, "lib/util.py": "y" * 500, "build/big.bin": b"\0" * 4000, ".dockerignore": "build\n"}
    result, ins = estimate("FROM debian:bookworm\nCOPY . /app\n", tmp_path, files)
    copy = layer(result, ins, 2)
    expected = 1000 + 500 + len("build\n") + len("FROM debian:bookworm\nCOPY . /app\n")
    assert copy.size == SizeRange.exact(expected, copy.basis)
    assert copy.basis == "build context: 4 files after .dockerignore"
    assert copy.compressed.estimate < expected


def test_add_of_a_local_tar_counts_the_extracted_bytes(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, size in (("a.txt", 3000), ("b/c.txt", 2000)):
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, io.BytesIO(b"z" * size))
    result, ins = estimate("FROM debian:bookworm\nADD dist.tar.gz /opt/\n", tmp_path, {"dist.tar.gz": buffer.getvalue()})
    assert layer(result, ins, 2).size.estimate == 5000


def test_heredoc_workdir_and_downloads() -> None:
    text = ("FROM debian:bookworm\nWORKDIR /w\nCOPY <<EOF /w/conf\nhello\nEOF\n"
            "RUN curl -fsSLo /tmp/tool.tgz https://example.com/tool.tgz\n")
    result, ins = estimate(text)
    assert layer(result, ins, 2).size == SizeRange(0, 32, 32, layer(result, ins, 2).basis)
    assert layer(result, ins, 3).size.estimate == len("hello\n")
    download = layer(result, ins, 4)
    assert download.size.high is None and "unknown download: https://example.com/tool.tgz" in download.basis


def test_copy_from_a_stage_uses_what_that_stage_made(tmp_path: Path) -> None:
    text = ("FROM debian:bookworm AS build\nCOPY src /src\nRUN pip wheel --wheel-dir /wheels flask\n"
            "FROM debian:bookworm\nCOPY --from=build /src/a.txt /app/a.txt\nCOPY --from=build /wheels /wheels\n"
            "RUN pip install /wheels/*.whl\nCOPY --from=build /usr/local/bin/tool /tool\n")
    result, ins = estimate(text, tmp_path, {"src/a.txt": "a" * 700, "src/b.txt": "b" * 300})
    assert layer(result, ins, 5).size.estimate == 700
    wheels = layer(result, ins, 6)
    assert wheels.size.estimate > 100_000 and "stage build's layers at /wheels" in wheels.basis
    install = next(p for p in layer(result, ins, 7).parts if p.ecosystem == "pip")
    assert "flask" in dict(install.packages)
    assert layer(result, ins, 8).size.high is None


# --------------------------------------------------------------------------- waste from the ledger


def test_chown_after_copy_duplicates_exactly_the_files_it_reaches(tmp_path: Path) -> None:
    files = {"app/a.py": "a" * 2000, "app/docs/b.md": "b" * 1000}
    text = "FROM debian:bookworm\nCOPY app /app\nRUN chown -R nobody /app/docs\nRUN chown -R nobody /app\n"
    result, ins = estimate(text, tmp_path, files)
    assert layer(result, ins, 3).size.estimate == 1000
    assert layer(result, ins, 4).size.estimate == 3000
    copy, docs = layer(result, ins, 2), layer(result, ins, 3)
    assert copy.wasted.estimate == 3000  # docs first, then the rest: never more than the layer holds
    assert [w.size.estimate for w in copy.waste] == [1000, 2000] and {w.op for w in copy.waste} == {"chown"}
    assert docs.wasted.estimate == 1000  # the first rewrite is itself rewritten
    assert result.wasted.estimate == 4000


def test_files_removed_later_and_copied_over_are_wasted(tmp_path: Path) -> None:
    files = {"data/x.bin": b"1" * 5000, "data/y.txt": "2" * 100, "other/x.bin": b"3" * 4000}
    text = "FROM debian:bookworm\nCOPY data /data\nCOPY other /data\nRUN rm -rf /data/x.bin\n"
    result, ins = estimate(text, tmp_path, files)
    first, second = layer(result, ins, 2), layer(result, ins, 3)
    assert first.wasted.estimate == 5000 and first.waste[0].op == "overwrite"
    assert second.wasted.estimate == 4000 and second.waste[0].op == "remove"
    assert result.stages[0].wasted.estimate == 9000


def test_copying_the_same_files_again_changes_nothing(tmp_path: Path) -> None:
    text = "FROM debian:bookworm\nCOPY . /app\nCOPY . /app\nCOPY --chown=1000 . /app\n"
    result, ins = estimate(text, tmp_path, {"a.bin": b"1" * 5000})
    first, again, chowned = layer(result, ins, 2), layer(result, ins, 3), layer(result, ins, 4)
    assert again.size.estimate == 0 and "identical to an earlier copy" in again.basis
    assert chowned.size.estimate == first.size.estimate and first.wasted.estimate == first.size.estimate


def test_archive_downloaded_and_removed_later_waste_is_unknown_but_recorded() -> None:
    text = ("FROM debian:bookworm\nRUN curl -fsSLo /tmp/x.tgz https://example.com/x.tgz\nRUN rm /tmp/x.tgz\n")
    result, ins = estimate(text)
    carrier = layer(result, ins, 2)
    assert len(carrier.waste) == 1 and carrier.waste[0].size.high is None


def test_useradd_with_a_high_uid_may_make_a_large_sparse_lastlog_but_not_on_debian() -> None:
    result, ins = estimate("FROM debian:bookworm\nRUN useradd -u 1000000 app\n")
    assert layer(result, ins, 2).size.estimate < 100_000
    result, ins = estimate("FROM rockylinux:9\nRUN useradd -u 1000000 app\n")
    size = layer(result, ins, 2).size
    assert size.low == 0 and size.estimate > 300_000_000


def test_unknown_commands_make_an_open_range_that_names_them() -> None:
    result, ins = estimate("FROM debian:bookworm\nRUN make -C /src install && echo done\n")
    size = layer(result, ins, 2).size
    assert size.high is None and "make" in size.basis and "echo" not in size.basis


@pytest.mark.parametrize("kind", ["packages", "python", "node", "text", "binary", "compressed"])
def test_compression_ratios_are_ordered_and_archives_do_not_shrink(kind: str) -> None:
    from layerlint.estimate.compression import ratio

    r = ratio(kind)
    assert 0 < r.low <= r.estimate <= r.high <= 1.05
    assert (r.estimate > 0.9) == (kind == "compressed")


# --------------------------------------------------------------------------- sizes in rule messages


def test_size_rules_quote_the_estimate(tmp_path: Path) -> None:
    from rule_harness import lint_snippet

    text = ("FROM debian:bookworm\nCOPY app /app\nRUN apt-get update\nRUN pip install flask\n"
            "RUN chown -R nobody /app\nRUN rm -rf /var/lib/apt/lists/*\nCOPY dist.tar.gz /tmp/\n"
            "RUN tar -xzf /tmp/dist.tar.gz -C /opt\n")
    files = {"app/a.bin": "x" * 4321, "dist.tar.gz": "y" * 2500}
    messages = {f.code: f.message for f in lint_snippet(text, ("LL301", "LL303", "LL312", "LL313", "LL314"), files=files)}
    assert "apt package lists left in this layer (~19.9 MB)" in messages["LL301"]
    assert re.search(r"pip's download and wheel cache left in this layer \(~\d", messages["LL303"])
    assert "its bytes (~19.9 MB) stay in that layer" in messages["LL312"]
    assert "every file it touches (4.3 kB)" in messages["LL313"]
    assert messages["LL314"].startswith("/tmp/dist.tar.gz (2.5 kB) was copied by COPY at line 7")


def test_size_note_is_silent_when_nothing_is_known() -> None:
    from layerlint.estimate import size_note

    assert size_note(None) == "" and size_note(SizeRange.unknown("x")) == "" and size_note(SizeRange.exact(0)) == ""
    assert size_note(SizeRange.unknown("x", low=2_000_000)) == " (at least 2.0 MB)"


def test_installing_and_purging_in_one_run_leaves_little(tmp_path: Path) -> None:
    text = ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends gcc"
            " && apt-get purge -y --auto-remove gcc && rm -rf /var/lib/apt/lists/*\n"
            "RUN apt-get purge -y --auto-remove gcc\n")
    result, ins = estimate(text)
    size = layer(result, ins, 2).size
    assert size.estimate < 5_000_000 and size.low <= 100_000
    purge = layer(result, ins, 3)  # a removal still rewrites dpkg's database
    assert 0 < purge.size.estimate < 1_000_000 and "dpkg database" in purge.basis


def test_a_file_copied_into_the_workdir_is_matched_file_by_file(tmp_path: Path) -> None:
    text = "FROM debian:bookworm\nWORKDIR /app\nCOPY req.txt .\nCOPY . .\nRUN chown -R nobody /app\n"
    result, ins = estimate(text, tmp_path, {"req.txt": "flask\n", "app.py": "p" * 900})
    whole = layer(result, ins, 4)
    assert "1 identical to an earlier copy" in whole.basis
    assert layer(result, ins, 5).size.estimate == len("flask\n") + 900 + len(text)


def test_copied_files_compress_as_sampled_not_as_named(tmp_path: Path) -> None:
    import random

    noise = random.Random(1).randbytes(200_000)
    result, ins = estimate("FROM debian:bookworm\nCOPY noise.txt text.bin /d/\n", tmp_path,
                           {"noise.txt": noise, "text.bin": "layer " * 40_000})
    copy = layer(result, ins, 2)
    assert copy.compressed.estimate == pytest.approx(200_000, rel=0.05)  # random bytes do not shrink


def test_an_activated_venv_is_where_pip_installs() -> None:
    text = "FROM debian:bookworm\nRUN python3 -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nRUN pip install flask\n"
    result, ins = estimate(text)
    venv = next(p for p in layer(result, ins, 2).parts if p.what == "venv /opt/venv")
    assert venv.size.estimate > 5_000_000
    assert next(p for p in layer(result, ins, 4).parts if p.ecosystem == "pip").path == "/opt/venv"


def test_chmod_and_chown_that_change_nothing_store_nothing(tmp_path: Path) -> None:
    text = ("FROM debian:bookworm\nCOPY site /srv\nRUN chmod -R a+rX /srv\nRUN chown -R root:root /srv\n"
            "RUN chmod -R 755 /srv\nCOPY --chown=app:app data /data\nRUN chown -R app:app /data\nRUN chown -R nobody /data\n")
    result, ins = estimate(text, tmp_path, {"site/a.html": "a" * 3000, "data/b.bin": "b" * 700})
    (tmp_path / "site" / "a.html").chmod(0o644)
    result, ins = estimate(text, tmp_path)
    assert layer(result, ins, 3).size.estimate == 0  # 644 is already a+r, and X adds nothing to a file
    assert layer(result, ins, 4).size.estimate == 0  # COPY made them root's
    assert layer(result, ins, 5).size.estimate == 3000
    assert layer(result, ins, 7).size.estimate == 0 and layer(result, ins, 8).size.estimate == 700


def test_symbolic_chmod() -> None:
    from layerlint.estimate.estimator import _chmod

    assert _chmod("a+rX", 0o644) == 0o644 and _chmod("a+rX", 0o744) == 0o755
    assert _chmod("u+x,go-w", 0o666) == 0o744 and _chmod("+x", 0o644) == 0o755 and _chmod("o=", 0o755) == 0o750
