"""The build-context index: what COPY sources pick up after .dockerignore."""

from __future__ import annotations

import os

import pytest

from layerlint.dockerignore import DockerIgnore
from layerlint.estimate.context import ContextIndex, format_size


def make_tree(root, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


@pytest.fixture
def project(tmp_path):
    make_tree(
        tmp_path,
        {
            "Dockerfile": "FROM scratch\n",  # 13 bytes
            "README.md": "readme\n",  # 7
            "NOTES.md": "notes\n",  # 6
            "secret.env": "TOKEN=1\n",  # 8
            "src/app/main.py": "print(1)\n",  # 9
            "src/app/util.py": "x = 1\n",  # 6
            "src/setup.py": "setup()\n",  # 8
            "node_modules/left-pad/index.js": "module.exports = 1\n",
            "build/keep.txt": "keep\n",  # 5
            "build/drop.txt": "drop\n",
            "docs/guide.md": "guide\n",  # 6
        },
    )
    (tmp_path / ".dockerignore").write_text("node_modules\n*.env\n*.md\n!README.md\nbuild\n!build/keep.txt\n")  # 57
    return tmp_path


def index_of(root) -> ContextIndex:
    return ContextIndex.for_dockerfile(str(root), str(root / "Dockerfile"))


def test_totals_and_summary(project) -> None:
    index = index_of(project)
    expected = {"Dockerfile", ".dockerignore", "README.md", "src/app/main.py", "src/app/util.py"}
    expected |= {"src/setup.py", "build/keep.txt", "docs/guide.md"}
    assert set(index.files_under()) == expected
    assert index.total_files == 8
    assert index.total_bytes == 13 + 57 + 7 + 9 + 6 + 8 + 5 + 6
    assert index.summary() == "8 files, 111 B after .dockerignore"
    assert ContextIndex.build(str(project)).summary().endswith("no .dockerignore")


def test_excluded_directory_is_pruned_not_listed(project) -> None:
    index = index_of(project)
    assert set(index.pruned_dirs) == {"node_modules"}
    assert index.pruned_dirs["node_modules"].text == "node_modules"
    ignored = index.ignored()
    assert "node_modules" in ignored and "node_modules/left-pad/index.js" not in ignored
    assert set(ignored) == {"node_modules", "secret.env", "NOTES.md", "build/drop.txt"}
    assert index.ignored_files == 3 and index.ignored_bytes == 8 + 6 + 5


def test_exception_keeps_the_parent_directory(project) -> None:
    index = index_of(project)
    assert index.is_dir("build")
    assert index.listdir("build") == ["keep.txt"]
    assert "node_modules" not in index.listdir()
    assert index.listdir() == [".dockerignore", "Dockerfile", "README.md", "build", "docs", "src"]


def test_lookups(project) -> None:
    index = index_of(project)
    assert index.size_of("src/app/main.py") == 9
    assert index.size_of("./src/app/main.py") == 9
    assert index.size_of("src") is None
    assert index.size_of("secret.env") is None
    assert index.exists("src/app") and not index.exists("secret.env")
    assert index.dir_stats("src") == (3, 23)
    assert index.dir_stats("src/app") == (2, 15)
    assert index.files_under("src/app") == ["src/app/main.py", "src/app/util.py"]
    assert index.dir_stats("nowhere") == (0, 0)


def test_select_file_directory_and_root(project) -> None:
    index = index_of(project)
    one = index.select("src/app/main.py")
    assert (one.matched, one.files, one.bytes, one.paths, one.wildcard) == (True, 1, 9, ("src/app/main.py",), False)
    folder = index.select("./src/")
    assert folder.source == "src" and folder.files == 3 and folder.bytes == 23
    whole = index.select(".")
    assert whole.source == "." and whole.files == index.total_files and whole.bytes == index.total_bytes
    assert index.select("../../src").paths == folder.paths  # sources cannot leave the context
    missing = index.select("nope.txt")
    assert not missing.matched and missing.files == 0 and missing.paths == ()


def test_select_wildcards(project) -> None:
    index = index_of(project)
    py = index.select("src/app/*.py")
    assert py.wildcard and py.paths == ("src/app/main.py", "src/app/util.py")
    assert index.select("src/*.py").paths == ("src/setup.py",)  # "*" stays in one directory
    nested = index.select("s?c/*/m*.py")
    assert nested.paths == ("src/app/main.py",)
    dirs = index.select("s*")
    assert dirs.roots == ("src",) and dirs.files == 3  # a matched directory brings its contents
    empty = index.select("*.nothing")
    assert not empty.matched and empty.files == 0
    assert set(index.select("[RD]*").paths) == {"README.md", "Dockerfile"}
    # a class may match "/" in filepath.Match, so it can reach into a subdirectory
    assert index.select("src[/]app/*.py").paths == ("src/app/main.py", "src/app/util.py")


def test_ignored_hits(project) -> None:
    index = index_of(project)
    secret = index.select("secret.env")
    assert not secret.matched
    assert [(h.path, h.direct, h.pattern.text) for h in secret.ignored_hits] == [("secret.env", True, "*.env")]
    deep = index.select("node_modules/left-pad/index.js")
    assert [(h.path, h.directory, h.direct) for h in deep.ignored_hits] == [("node_modules", True, True)]
    envs = index.select("*.env")
    assert [h.path for h in envs.direct_ignored_hits] == ["secret.env"]
    whole = index.select(".")
    assert {h.path for h in whole.ignored_hits} == {"NOTES.md", "build/drop.txt", "node_modules", "secret.env"}
    assert whole.direct_ignored_hits == ()
    assert [h.path for h in index.select("build").ignored_hits] == ["build/drop.txt"]
    assert index.select("src").ignored_hits == ()


def test_directory_emptied_by_exclusions(tmp_path) -> None:
    make_tree(tmp_path, {"build/a.o": "aa", "build/b.o": "b", "src/main.c": "int main;"})
    index = ContextIndex.build(str(tmp_path), DockerIgnore.parse("build\n!build/*.keep"))
    assert not index.pruned_dirs  # the wildcard exception forces a walk
    assert not index.exists("build")
    gone = index.select("build")
    assert not gone.matched
    assert [(h.path, h.direct) for h in gone.ignored_hits] == [("build/a.o", True), ("build/b.o", True)]


def test_covers(project) -> None:
    index = index_of(project)
    assert index.covers("src", "src/app/main.py")
    assert index.covers("src", "src/app/new_file.py")  # a file not there yet still counts
    assert not index.covers("src/app", "src/setup.py")
    assert index.covers(".", "Dockerfile")
    assert not index.covers(".", "secret.env")  # excluded: changing it cannot matter
    assert not index.covers(".", "node_modules/left-pad/index.js")
    assert index.covers("src/*/*.py", "src/app/main.py")
    assert not index.covers("src/*.py", "src/app/main.py")
    assert index.covers("s*", "src/app/main.py")  # the wildcard matched the directory "src"
    assert index.covers("build", "build/keep.txt") and not index.covers("build", "build/drop.txt")
    assert index.covers("new.txt", "new.txt") and not index.covers("new.txt", "newer.txt")


def test_symlinks_count_their_target_and_are_followed_as_sources(tmp_path) -> None:
    make_tree(tmp_path, {"real/a.txt": "aaaa", "real/b.txt": "bb"})
    os.symlink("real", tmp_path / "alias")
    os.symlink("/real/a.txt", tmp_path / "absolute")  # absolute: resolved inside the context
    os.symlink("../../../real", tmp_path / "escape")  # cannot climb out of the context
    os.symlink("loop-b", tmp_path / "loop-a")
    os.symlink("loop-a", tmp_path / "loop-b")
    os.symlink("missing", tmp_path / "dangling")
    index = ContextIndex.build(str(tmp_path))
    assert index.size_of("alias") == len("real")
    assert index.total_files == 2 + 6
    via_alias = index.select("alias")
    assert via_alias.roots == ("real",) and via_alias.bytes == 6
    assert index.select("absolute").paths == ("real/a.txt",)
    assert index.select("escape").roots == ("real",)
    assert index.select("alias/b.txt").paths == ("real/b.txt",)
    for broken in ("loop-a", "dangling"):
        assert not index.select(broken).matched
    everything = index.select(".")
    assert "alias" in everything.paths and everything.bytes == 6 + 4 + 11 + 13 + 6 + 6 + 7


def test_scan_is_lazy(tmp_path) -> None:
    root = tmp_path / "later"
    index = ContextIndex.build(str(root))
    make_tree(root, {"a.txt": "abc"})
    assert index.total_files == 1 and index.total_bytes == 3
    assert index.unreadable == ()


def test_unreadable_directories_are_tolerated(tmp_path, monkeypatch) -> None:
    make_tree(tmp_path, {"ok/a.txt": "a", "locked/b.txt": "b"})
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    index = ContextIndex.build(str(tmp_path))
    assert index.files_under() == ["ok/a.txt"]
    assert index.unreadable == ("locked",)
    assert index.is_dir("locked")


def test_missing_context(tmp_path) -> None:
    index = ContextIndex.build(str(tmp_path / "absent"), DockerIgnore.parse("x"))
    assert index.total_files == 0 and index.unreadable == ("",)
    assert not index.select(".").ignored_hits


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_special_files_have_no_content(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe")
    index = ContextIndex.build(str(tmp_path))
    assert index.size_of("pipe") == 0 and index.total_files == 1


def test_selection_is_cached(project) -> None:
    index = index_of(project)
    assert index.select("./src") is index.select("src/")


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (3_400, "3.4 kB"), (38_000_000, "38 MB"), (1_500_000_000, "1.5 GB")],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text
