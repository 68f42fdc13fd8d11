"""The .dockerignore port: reading, compiling and matching as Docker and BuildKit do."""

from __future__ import annotations

import pytest
from conftest import conformance

from layerlint.dockerignore import (
    EXACT,
    INVALID,
    PREFIX,
    REGEXP,
    SUFFIX,
    UNSUPPORTED,
    BadPattern,
    DockerIgnore,
    context_path,
    find_dockerignore,
    glob_match,
    go_clean,
)


def excluded(text: str, path: str) -> bool:
    return DockerIgnore.parse(text).matches(path)


# ------------------------------------------------------------------ reading the file


def test_reading_follows_ignorefile_readall() -> None:
    text = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
    ignore = DockerIgnore.parse(text, ".dockerignore")
    got = [(str(p), p.line, p.kind == INVALID) for p in ignore.patterns]
    assert got == [
        ("test1", 1, False),
        ("test2", 2, False),
        ("a/file/here", 3, False),
        ("lastfile", 5, False),
        ("!inverted/abs/path", 7, False),
        ("!", 8, True),
        ("!", 9, True),
    ]
    assert ignore.path == ".dockerignore"
    assert [p.error for p in ignore.errors] == ['illegal exclusion pattern: "!"'] * 2


def test_comment_only_in_column_one() -> None:
    ignore = DockerIgnore.parse("# comment\n  # not a comment\n")
    assert [p.text for p in ignore.patterns] == ["# not a comment"]
    assert ignore.matches("# not a comment")


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("./a/../b//c/", "b/c"),
        ("  spaced  ", "spaced"),
        ("foo /", "foo"),  # cleaning leaves "foo " and patternmatcher trims again
        ("/", "/"),
        ("a/..", "."),
        ("../up", "../up"),
        ("\u00a0nbsp\u3000", "nbsp"),  # Go trims Unicode spaces
        ("sep\x1f", "sep\x1f"),  # ... but not the ASCII separators Python would
    ],
)
def test_patterns_are_cleaned(line: str, text: str) -> None:
    assert DockerIgnore.parse(line).patterns[0].text == text


def test_bom_and_crlf() -> None:
    ignore = DockerIgnore.parse("\ufeff# comment\r\nbuild\r\n!build/keep\r\n")
    assert [str(p) for p in ignore.patterns] == ["build", "!build/keep"]
    assert [p.line for p in ignore.patterns] == [2, 3]


def test_bang_slash_is_illegal() -> None:
    assert DockerIgnore.parse("!/").patterns[0].kind == INVALID


def test_non_utf8_file_is_read_bytewise(tmp_path) -> None:
    path = tmp_path / ".dockerignore"
    path.write_bytes(b"caf\xe9\n")
    ignore = DockerIgnore.load(str(path))
    assert ignore.matches("caf\udce9")  # os.fsdecode of the same bytes


# ------------------------------------------------------------------ the documented examples


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("somedir/temporary.txt", True),
        ("somedir/temp", True),
        ("somedir/temp/inside.txt", True),
        ("somedir/subdir/temporary.txt", True),
        ("tempa", True),
        ("tempb", True),
        ("temp", False),
        ("tempab", False),
        ("temporary.txt", False),
        ("a/b/c/temp", False),
    ],
)
def test_docs_temp_example(path: str, expected: bool) -> None:
    assert excluded("# comment\n*/temp*\n*/*/temp*\ntemp?\n", path) is expected


@pytest.mark.parametrize(("path", "expected"), [("a.go", True), ("x/y/z.go", True), ("x/y/z.gox", False)])
def test_docs_double_star(path: str, expected: bool) -> None:
    assert excluded("**/*.go", path) is expected


def test_docs_exceptions() -> None:
    assert not excluded("*.md\n!README.md", "README.md")
    assert excluded("*.md\n!README.md", "CHANGES.md")
    ordered = "*.md\n!README*.md\nREADME-secret.md"
    assert excluded(ordered, "README-secret.md")
    assert not excluded(ordered, "README-public.md")
    reordered = "*.md\nREADME-secret.md\n!README*.md"
    assert not excluded(reordered, "README-secret.md")  # the exception comes last and wins


def test_star_stays_in_one_directory() -> None:
    assert excluded("*.md", "NOTES.md")
    assert not excluded("*.md", "docs/NOTES.md")


def test_leading_slash_and_dot_paths_are_relative_to_the_root() -> None:
    assert excluded("/foo/bar", "foo/bar")
    assert excluded("foo/bar", "./foo/bar")
    assert excluded("foo/bar", "/foo/bar")
    assert not excluded("foo/bar", "x/foo/bar")
    assert not excluded("**", ".")  # the root itself is never excluded


# ------------------------------------------------------------------ patternmatcher behaviour


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("**", "file", True),
        ("**", "dir/file", True),
        ("**/", "dir/file", True),
        ("**/**", "dir/file", True),
        ("dir/**", "dir/file", True),
        ("dir/**", "dir/dir2/file", True),
        ("**/dir", "dir", True),
        ("**/dir", "dir/file", True),  # through the parent directory
        ("**/dir2/*", "dir/dir2/file", True),
        ("**/dir2/**", "dir/dir2/dir3/file", True),
        ("**file", "dir/dir/file", True),
        ("**/file*.txt", "dir/dir/file.txt", True),
        ("**/**/*.txt2", "dir/dir/file.txt", False),
        ("a**/*.txt", "a/dir/dir/file.txt", True),
        ("a/*.txt", "a/dir/file.txt", False),
        ("a/*.txt**", "a/file.txt", True),
        ("a[b-d]e", "ace", True),
        ("a[b-d]e", "aae", False),
        ("a[^b-d]e", "aze", True),
        (".*", ".foo", True),
        (".*", "foo", False),
        ("abc.def", "abcZdef", False),
        ("abc?def", "abcZdef", True),
        ("abc?def", "abcdef", False),
        ("**/foo/bar", "dir/dir2/foo/bar", True),
        ("abc/**", "abc", False),
        ("**/.foo", "bar.foo", False),
        ("a(b)c/def", "a(b)c/def", True),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
        ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
        ("a\\\\", "a\\", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
    ],
)
def test_single_pattern(pattern: str, path: str, expected: bool) -> None:
    assert excluded(pattern, path) is expected


@pytest.mark.parametrize(
    ("pattern", "kind"),
    [
        ("*", REGEXP),
        ("**", SUFFIX),
        ("**/**", REGEXP),
        ("dir/**", PREFIX),
        ("**/dir", SUFFIX),
        ("**/dir2/*", REGEXP),
        ("**file", SUFFIX),
        ("abc.def", EXACT),
        ("a(b)c/def", EXACT),
        ("abc?def", REGEXP),
        ("**/foo/bar", SUFFIX),
    ],
)
def test_match_kinds(pattern: str, kind: str) -> None:
    assert DockerIgnore.parse(pattern).patterns[0].kind == kind


def test_fast_paths_keep_their_quirks() -> None:
    # "**foo" is a suffix test, so unlike its regexp it matches inside a name
    assert excluded("**foo", "barfoo")
    # "foo**" is a prefix test
    assert excluded("foo**", "foobar/baz")
    # "a**b" is a regexp where ** only spans whole directories
    assert excluded("a**b", "a/x/b")
    assert not excluded("a**b", "axb")


def test_go_regexp_details() -> None:
    assert excluded("[[:digit:]]x", "5x")
    assert not excluded("[[:digit:]]x", "ax")
    assert excluded("a[^x]b", "a/b")  # a negated class crosses "/" in Go's regexp too
    # a "*" inside a class becomes "[^/]*" and closes the class early, as in Docker
    assert excluded("[*]", "]")
    assert not excluded("[*]", "*")
    assert excluded("a\\.b", "a.b")
    assert not excluded("a\\.b", "axb")
    # \Q quotes the rest of the regexp patternmatcher built: its "\." escape and "$" anchor
    assert excluded("\\Qa.b", "a\\.b$")
    assert not excluded("\\Qa.b", "a.b")


@pytest.mark.parametrize("pattern", ["[", "a[", "[^", "[]a]", "[-]", "[x-]", "[a-b-c]", "\\", "[Local-Only]/", "a\\qb"])
def test_malformed_patterns_are_reported_and_never_match(pattern: str) -> None:
    ignore = DockerIgnore.parse(f"{pattern}\nkept")
    assert ignore.patterns[0].kind == INVALID and ignore.patterns[0].error
    assert ignore.errors == (ignore.patterns[0],)
    assert ignore.matches("kept")
    assert not ignore.matches(pattern)


def test_unicode_classes_are_flagged_as_unsupported_not_invalid() -> None:
    ignore = DockerIgnore.parse("\\p{Greek}*\nkept")
    assert ignore.patterns[0].kind == UNSUPPORTED and "layerlint" in ignore.patterns[0].error
    assert ignore.errors == ()  # Docker accepts it; only this port cannot evaluate it
    assert ignore.matches("kept")


def test_exception_inside_excluded_directory() -> None:
    ignore = DockerIgnore.parse("docs\n!docs/README.md")
    assert ignore.matches("docs/other.md")
    assert not ignore.matches("docs/README.md")
    assert ignore.exclusions
    everything = DockerIgnore.parse("**\n!util/docker/web")
    assert not everything.matches("util/docker/web/foo")
    assert everything.matches("util/docker/other")


def test_walker_and_copy_check_disagree_where_buildkit_does() -> None:
    # The walker carries per-pattern parent results; the copy check re-tests parents.
    ignore = DockerIgnore.parse("dir\n!dir/x\ndir")
    assert not ignore.matches("dir/x")
    assert ignore.matches_or_parent_matches("dir/x")
    assert ignore.matches("dir/y")


def test_matching_pattern_names_the_decider() -> None:
    ignore = DockerIgnore.parse("node_modules\n*.md\n!README.md")
    assert ignore.matching_pattern("node_modules/a/b.js").text == "node_modules"
    decider = ignore.matching_pattern("README.md")
    assert decider is not None and decider.exclusion and decider.line == 3
    assert ignore.matching_pattern("src/main.py") is None


def test_step_passes_state_to_children() -> None:
    ignore = DockerIgnore.parse("build\n!build/keep")
    parent = ignore.step("build")
    assert parent.excluded
    assert not ignore.step("build/keep", parent.info).excluded
    assert ignore.step("build/drop", parent.info).excluded


@pytest.mark.parametrize(
    ("text", "directory", "expected"),
    [
        ("node_modules", "node_modules", True),
        ("node_modules\n!README*.md", "node_modules", True),
        ("node_modules\n!node_modules/keep", "node_modules", False),
        ("node_modules\n!**/*.md", "node_modules", False),
        ("build\n!b*/x", "build", False),
        ("build\n!c*/x", "build", True),
        ("build\n!build", "build", False),  # not excluded at all
        ("src", "other", False),
        ("a/**\n!a/b/**", "a/c", True),
        ("a/**\n!a/b/**", "a/b", False),
        ("a\n![ab]/x", "a", False),  # classes may match anything: stay safe
    ],
)
def test_can_skip_dir(text: str, directory: str, expected: bool) -> None:
    assert DockerIgnore.parse(text).can_skip_dir(directory) is expected


# ------------------------------------------------------------------ BuildKit's CopyIgnoredFile


@pytest.mark.parametrize(
    ("text", "src", "expected"),
    [
        ("Dockerfile", "Dockerfile", "Dockerfile"),
        ("Dockerfile", "./Dockerfile", "Dockerfile"),
        ("foobar", "Dockerfile", None),
        ("**\n!Dockerfile", "./Dockerfile", None),  # any exception disables the check
        ("*", ".", "."),
        (".*", ".", None),
        ("secrets", "secrets/key.pem", "secrets/key.pem"),
        ("", "anything", None),
    ],
)
def test_copy_source_ignored(text: str, src: str, expected: str | None) -> None:
    assert DockerIgnore.parse(text).copy_source_ignored(src) == expected


def test_copy_ignored_conformance() -> None:
    """BuildKit's own CopyIgnoredFile cases, judged on the COPY/ADD source text."""
    import yaml

    cases = yaml.safe_load(conformance("buildkit", "checks.yaml").read_text(encoding="utf-8"))
    checked = 0
    for case in cases:
        if case["rule"] != "CopyIgnoredFile" or case.get("dockerignore") is None:
            continue
        if "check=skip=CopyIgnoredFile" in case["dockerfile"]:
            continue  # suppression is the engine's business
        ignore = DockerIgnore.parse(case["dockerignore"])
        hits = []
        for number, line in enumerate(case["dockerfile"].split("\n"), start=1):
            words = line.split()
            if not words or words[0].upper() not in ("COPY", "ADD"):
                continue
            if any(w.startswith("--from") for w in words):
                continue
            verb = "Copy" if words[0].upper() == "COPY" else "Add"
            for src in [w for w in words[1:] if not w.startswith("--")][:-1]:
                path = ignore.copy_source_ignored(src)
                if path is not None:
                    hits.append((number, f'Attempting to {verb} file "{path}" that is excluded by .dockerignore'))
        expected = [(h["line"], h["detail"]) for h in case["hits"] if h["rule"] == "CopyIgnoredFile"]
        assert hits == expected, case["name"]
        checked += 1
    assert checked >= 6


# ------------------------------------------------------------------ Go's filepath.Match


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("abc", "abc", True),
        ("*", "abc", True),
        ("*c", "abc", True),
        ("a*", "ab/c", False),
        ("a*/b", "abc/b", True),
        ("a*/b", "a/c/b", False),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
        ("a*b?c*x", "abxbbxdbxebxczzx", True),
        ("a*b?c*x", "abxbbxdbxebxczzy", False),
        ("ab[^e-g]", "abc", True),
        ("ab[^c]", "abc", False),
        ("a\\*b", "ab", False),
        ("a?b", "a\u263ab", True),
        ("a???b", "a\u263ab", False),
        ("[a-\u03b6]*", "\u03b1", True),
        ("a?b", "a/b", False),
        ("[\\]a]", "]", True),
        ("[x\\-]", "-", True),
        ("[\\-x]", "a", False),
        ("*x", "xxx", True),
    ],
)
def test_glob_match(pattern: str, name: str, expected: bool) -> None:
    assert glob_match(pattern, name) is expected


@pytest.mark.parametrize(
    "pattern", ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "x*[", "ab[c"]
)
def test_glob_match_rejects_malformed(pattern: str) -> None:
    with pytest.raises(BadPattern):
        glob_match(pattern, "a")


def test_go_clean_and_context_path() -> None:
    assert go_clean("") == "."
    assert go_clean("//a//b/./c/..") == "/a/b"
    assert go_clean("../../x") == "../../x"
    assert go_clean("/../x") == "/x"
    assert context_path("../x/./y/") == "x/y"
    assert context_path(".") == ""


# ------------------------------------------------------------------ locating the file


def test_find_dockerignore_prefers_the_dockerfile_specific_file(tmp_path) -> None:
    context = tmp_path / "ctx"
    build = tmp_path / "build"
    context.mkdir()
    build.mkdir()
    dockerfile = build / "app.Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    assert find_dockerignore(str(context), str(dockerfile)) is None
    (context / ".dockerignore").write_text("node_modules\n")
    assert find_dockerignore(str(context), str(dockerfile)) == str(context / ".dockerignore")
    (build / "app.Dockerfile.dockerignore").write_text("dist\n")
    assert find_dockerignore(str(context), str(dockerfile)) == str(build / "app.Dockerfile.dockerignore")
    ignore = DockerIgnore.for_build(str(context), str(dockerfile))
    assert ignore.matches("dist/app.js") and not ignore.matches("node_modules/x")
    assert len(DockerIgnore.for_build(str(tmp_path / "missing"), None)) == 0
