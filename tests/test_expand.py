"""BuildKit word processing and ARG/ENV scoping (layerlint.expand).

Reference behaviour: moby/buildkit frontend/dockerfile/shell/lex.go and lex_test.go, the
envVarTest table in tests/data (Apache-2.0, credited there) and dockerfile2llb/convert.go.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerlint.expand import (
    DEFAULT_PATH,
    ExpansionError,
    Scope,
    _anchored_end,
    _compile_pattern,
    _find,
    expand_heredoc,
    platform_args,
    process_word,
    process_words,
    referenced_names,
    unquote,
)

DATA = Path(__file__).resolve().parent / "data"

ERROR = ExpansionError  # expected-result marker in the tables below


def run(word: str, env: dict[str, str], escape: str = "\\") -> str | type[ExpansionError]:
    try:
        return process_word(word, env, escape)
    except ExpansionError:
        return ERROR


def unresolved_of(word: str, env: dict[str, str]) -> list[str]:
    names: list[str] = []
    with contextlib.suppress(ExpansionError):
        process_word(word, env, unresolved=names.append)
    return names


# --- BuildKit's envVarTest table ---------------------------------------------------------


def _envvar_cases() -> list[tuple[int, str, str]]:
    cases = []
    for lineno, line in enumerate((DATA / "buildkit_envVarTest").read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        platform, source, expected = (part.strip() for part in line.strip().split("|"))
        if platform in ("A", "U"):  # W rows describe Windows' case-insensitive names
            cases.append((lineno, source, expected))
    return cases


ENVVAR_ENV = {"PWD": "/home", "SHELL": "bash", "KOREAN": "한국어", "NULL": ""}


@pytest.mark.parametrize(("lineno", "source", "expected"), _envvar_cases(), ids=lambda v: str(v))
def test_buildkit_envvar_table(lineno: int, source: str, expected: str) -> None:
    got = run(source, ENVVAR_ENV)
    assert got == (ERROR if expected == "error" else expected), f"buildkit_envVarTest line {lineno}"


def test_envvar_table_is_complete() -> None:
    assert len(_envvar_cases()) > 200


# --- BuildKit's TestProcessWithMatches, TestShellParserMandatoryEnvVars -----------------

# (word, env, expected result or ERROR, names reported unresolved)
MATCH_CASES = [
    ("x ${UNUSED}", {"DUMMY": "dummy"}, "x ", {"UNUSED"}),
    ("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", {"FOO": "xxx", "BAR": ""}, "xxx  ccc", {"BAZ"}),
    ("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", {"FOO": "xxx", "BAR": ""}, "xxx bbb ccc", {"BAZ"}),
    ("${FOO:-}", {}, "", {"FOO"}),
    ("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", {"FOO": "xxx", "BAR": ""}, "aaa bbb ", {"BAZ"}),
    ("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", {"FOO": "xxx", "BAR": ""}, "aaa  ", {"BAZ"}),
    ("${FOO?aaa}", {"FOO": "xxx"}, "xxx", set()),
    ("${BAR?bbb}", {"BAR": ""}, "", set()),
    ("${BAZ?ccc}", {}, ERROR, {"BAZ"}),
    ("${BAR:?bbb}", {"BAR": ""}, ERROR, set()),
    ("${BAZ:?}", {}, ERROR, {"BAZ"}),
    ("${FOO=aaa}", {"FOO": "xxx"}, ERROR, set()),
    ("${FOO=:aaa}", {"FOO": "xxx"}, ERROR, set()),
    ("${FOO=}", {}, ERROR, set()),
    ("${FOO#()[]{\\}^$.\\*\\?|\\\\}", {"FOO": "()[]{}^$.*?|\\x"}, "x", set()),
    ("${FOO%%\\**}", {"FOO": "xx**"}, "xx", set()),
    ("${FOO#*x*y}", {"FOO": "xxyy"}, "y", set()),
    ("${FOO#*}", {"FOO": "xxyy"}, "xxyy", set()),
    ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": "x"}, "xyy", set()),
    ("${FOO#$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy", set()),
    ("${FOO#}", {"FOO": "xxyy"}, "xxyy", set()),
    ("${FOO##*x}", {"FOO": "xxyy"}, "yy", set()),
    ("${FOO##}", {"FOO": "xxyy"}, "xxyy", set()),
    ("${FOO#?\\?}", {"FOO": "???y"}, "?y", set()),
    ("${ABC:-.}${FOO%x}${ABC:-.}", {"FOO": "xxyy"}, ".xxyy.", {"ABC"}),
    ("${FOO%%\\**\\*}", {"FOO": "a***yy*"}, "a", set()),
    ("${FOO%}", {"FOO": "xxyy"}, "xxyy", set()),
    ("${FOO%%$BAR}", {"FOO": "xxyy", "BAR": ""}, "xxyy", set()),
    (
        "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
        {"FOO": "/foo*/*/*.txt", "NEEDLE": "\\*/"},
        "/foo.*/*.txt - /foo..*.txt",
        set(),
    ),
    (
        "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
        {"FOO": "/tmp/tmp/bar.txt", "NEEDLE": "/tmp"},
        "/tmp/bar.txt - /bar.txt",
        set(),
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
        {"FOO": "/a/foo/b/c.txt", "NEEDLE": "/?/", "REPLACEMENT": "/"},
        "/foo/b/c.txt - /foo/c.txt",
        set(),
    ),
    (
        "${FOO/$NEEDLE/$REPLACEMENT}",
        {"FOO": "http://google.de", "NEEDLE": "http://", "REPLACEMENT": "https://"},
        "https://google.de",
        set(),
    ),
    ("${FOO//\\//\\/}", {"FOO": "/tmp/foo.txt"}, "\\/tmp\\/foo.txt", set()),
    ("${FOO/$BAR/ww}", {"FOO": "xxyy", "BAR": ""}, "wwxxyy", set()),
    ("${FOO//ww}", {"FOO": "xxyy"}, ERROR, set()),
    ("${FOO//}", {"FOO": "xxyy"}, ERROR, set()),
    ("${FOO///}", {"FOO": "xxyy"}, "xxyy", set()),
    ("${FOO///}", {}, "", {"FOO"}),
    (
        "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
        {"VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm", "TARGETVARIANT": "v7"},
        "something-v1.2.3.linux-arm-v7.tar.gz",
        set(),
    ),
    (
        "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
        {"VERSION": "v1.2.3", "TARGETOS": "linux", "TARGETARCH": "arm64"},
        "something-v1.2.3.linux-arm64.tar.gz",
        {"TARGETVARIANT"},
    ),
]


@pytest.mark.parametrize(("word", "env", "expected", "unmatched"), MATCH_CASES)
def test_buildkit_process_with_matches(word: str, env: dict[str, str], expected: object, unmatched: set[str]) -> None:
    assert run(word, env) == expected
    assert set(unresolved_of(word, env)) == unmatched


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        ("${VAR:?message here$ARG}", {"VAR": "plain", "ARG": "x"}, "plain"),
        ("${VAR?message here$ARG}", {"VAR": "plain", "ARG": "x"}, "plain"),
        ("${VAR?message here$ARG}", {"VAR": "", "ARG": "x"}, ""),
    ],
)
def test_mandatory_variables_accepted(word: str, env: dict[str, str], expected: str) -> None:
    assert process_word(word, env) == expected


@pytest.mark.parametrize(
    ("word", "env", "message"),
    [
        ("${VAR:?message here$ARG}", {"VAR": "", "ARG": "x"}, "VAR: message herex"),
        ("${VAR:?message here$ARG}", {"ARG": "x"}, "VAR: message herex"),
        ("${VAR?message here$ARG}", {"ARG": "x"}, "VAR: message herex"),
        ("${VAR?}", {}, "VAR: is not allowed to be unset"),
        ("${VAR:?}", {"VAR": ""}, "VAR: is not allowed to be empty"),
    ],
)
def test_mandatory_variables_refused_with_message(word: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ExpansionError) as info:
        process_word(word, env)
    assert str(info.value) == message
    assert info.value.word == word


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("he${PWD", "syntax error: missing '}'"),
        ("${", "syntax error: missing '}'"),
        ("${aaa:-bbb", "syntax error: missing '}'"),
        ("${}", "syntax error: bad substitution"),
        ("${:-x}", "syntax error: bad substitution"),
        ("${X:=a}", "unsupported modifier (:=) in substitution"),
        ("${X:/a/b}", "unsupported modifier (:/) in substitution"),
        ("${X!}", "unsupported modifier (!) in substitution"),
        ("${X/a", "syntax error: missing '/' in ${}"),
        ("${X/a/b", "syntax error: missing '}'"),
        ("${X#\\x}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        ("'abc", "unexpected end of statement while looking for matching single-quote"),
        ('"abc', "unexpected end of statement while looking for matching double-quote"),
    ],
)
def test_error_messages(word: str, message: str) -> None:
    with pytest.raises(ExpansionError) as info:
        process_word(word, {"X": "abc"})
    assert str(info.value) == message
    assert 0 <= info.value.offset <= len(word)


# --- word splitting (ProcessWords) ---------------------------------------------------------

WORD_ENV = {"hi": "hi", "space": "abc  def", "leading": "  ab c", "trailing": "ab c   "}

# (text, expected words or ERROR), following lex.go's wordsStruct
WORDS_CASES = [
    ("hello", ["hello"]),
    ("hello${nothere}bye", ["hellobye"]),
    ("hello${hi}bye", ["hellohibye"]),
    ("hello${space}bye", ["helloabc", "defbye"]),
    ('hello"${space}"bye', ["helloabc  defbye"]),
    ('hello "${space}"bye', ["hello", "abc  defbye"]),
    ("hello${leading}def", ["hello", "ab", "cdef"]),
    ('hello"${leading}" def', ["hello  ab c", "def"]),
    ("hello${leading}", ["hello", "ab", "c"]),
    ("hello${trailing}", ["helloab", "c"]),
    ("hello${trailing}d", ["helloab", "c", "d"]),
    ('hello"${trailing}"d', ["helloab c   d"]),
    ('hello" there  "', ["hello there  "]),
    ("hello there     ", ["hello", "there"]),
    ("   hello\tthere\n", ["hello", "there"]),
    ("hello\\ there", ["hello there"]),
    ('hello" there', ERROR),
    ('hello\\" there', ['hello"', "there"]),
    ('hello"\\\\there"', ["hello\\there"]),
    ('hello"\\there"', ["hello\\there"]),
    ("hello'\\\\there'", ["hello\\\\there"]),
    ("hello'$there'", ["hello$there"]),
    ('a "" b', ["a", "b"]),
    ("\"\" ''", []),
    ("", []),
    ("a\u00a0b", ["a", "b"]),  # Go's unicode.IsSpace includes NBSP
    ("a\x1fb", ["a\x1fb"]),  # ... but not the information separators Python calls space
]


@pytest.mark.parametrize(("text", "expected"), WORDS_CASES)
def test_process_words(text: str, expected: object) -> None:
    try:
        got: object = process_words(text, WORD_ENV)
    except ExpansionError:
        got = ERROR
    assert got == expected


def test_process_words_backtick_escape() -> None:
    assert process_words("a` b c\\d", {}, "`") == ["a b", "c\\d"]


# --- escapes, quotes and the backtick escape directive -------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("C:\\path`$X", "C:\\path$X"),
        ("`$X$X", "$Xv"),
        ('"a`"b"', 'a"b'),
        ('"a\\"', "a\\"),
        ('"``"', "`"),
        ("'`$X'", "`$X"),
        ("end`", "end"),
    ],
)
def test_backtick_escape(word: str, expected: str) -> None:
    assert process_word(word, {"X": "v"}, "`") == expected


def test_leading_bom_is_skipped_like_go_text_scanner() -> None:
    assert process_word("\ufeff$X", {"X": "v"}) == "v"


def test_escape_must_be_one_character() -> None:
    with pytest.raises(ValueError):
        process_word("$X", {}, "")


# --- pattern operators -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        ("${V%.*}", {"V": "file.tar.gz"}, "file.tar"),
        ("${V%%.*}", {"V": "file.tar.gz"}, "file"),
        ("${V#*.}", {"V": "file.tar.gz"}, "tar.gz"),
        ("${V##*.}", {"V": "file.tar.gz"}, "gz"),
        ("${V/o/0}", {"V": "foo"}, "f0o"),
        ("${V//o/0}", {"V": "foo"}, "f00"),
        ("${V:#a}", {"V": "abc"}, "bc"),  # `:` is ignored before # and %
        # Quotes are removed before the pattern is built, so a quoted * is still a wildcard.
        ("${V#'*'c}", {"V": "abc"}, ""),
        ("${V#\\*c}", {"V": "abc"}, "abc"),
        # Go's `.` does not match a newline, so neither does *.
        ("${V##*}", {"V": "a\nb"}, "\nb"),
        # ReplaceAllString expands $0 (the match) in the replacement; the first-only form does not.
        ("${V//?/'$0$0'}", {"V": "ab"}, "aabb"),
        ("${V/?/'$0'}", {"V": "ab"}, "$0b"),
        ("${V//b/$R}", {"V": "ab", "R": "<$0|$1|$$|${0}|$>"}, "a<b||$|b|$>"),
        # An empty match right after a match is not replaced (Go), unlike Python's re.sub.
        ("${V//*/-}", {"V": "ab"}, "-"),
        ("${V//*/-}", {"V": "a\nb"}, "-\n-"),
        ("${V//$E/-}", {"V": "ab", "E": ""}, "-a-b-"),
        ("${U#a}${U%a}${U/a/b}", {}, ""),
    ],
)
def test_pattern_operators(word: str, env: dict[str, str], expected: str) -> None:
    assert process_word(word, env) == expected


@pytest.mark.parametrize("word", ["${V#\\x}", "${V%%a\\q}", "${V/\\x/y}", "${U#\\x}"])
def test_invalid_patterns_are_refused_even_when_unset(word: str) -> None:
    with pytest.raises(ExpansionError, match="invalid pattern"):
        process_word(word, {"V": "abc"})


_PATTERN_CHARS = st.text(alphabet="ab*?", max_size=5)
_VALUES = st.text(alphabet="ab\n", max_size=10)


def _regex(pattern: str, greedy: bool) -> str:
    return "".join({"*": ".*" if greedy else ".*?", "?": "."}.get(c, re.escape(c)) for c in pattern)


@settings(max_examples=300, deadline=None)
@given(_PATTERN_CHARS, _VALUES, st.booleans())
def test_anchored_match_agrees_with_a_backtracking_engine(pattern: str, value: str, greedy: bool) -> None:
    # Python's re, like Go's regexp, prefers the leftmost-first match.
    expected = re.match(_regex(pattern, greedy), value)
    got = _anchored_end(_compile_pattern(pattern), value, 0, longest=greedy)
    assert got == (expected.end() if expected else None)


@settings(max_examples=300, deadline=None)
@given(_PATTERN_CHARS, _VALUES, st.integers(min_value=0, max_value=10))
def test_find_agrees_with_a_backtracking_engine(pattern: str, value: str, start: int) -> None:
    start = min(start, len(value))
    expected = re.compile(_regex(pattern, True)).search(value, start)
    assert _find(_compile_pattern(pattern), value, start) == (expected.span() if expected else None)


# --- unresolved names, referenced names --------------------------------------------------


def test_unresolved_reported_once_each_in_lookup_order() -> None:
    assert unresolved_of("${A:-$B} $B ${C} $SET", {"SET": "1"}) == ["B", "A", "C"]


def test_unresolved_includes_positional_but_not_empty_names() -> None:
    assert unresolved_of("$1 ${+x}", {}) == ["1"]


def test_unresolved_reported_from_unused_branch() -> None:
    # BuildKit evaluates the default even when the variable is set.
    assert unresolved_of("${A:-$B}", {"A": "a"}) == ["B"]


@pytest.mark.parametrize(
    ("word", "names"),
    [
        ("plain", set()),
        ("$A ${B} ${C:-$D} ${E#$F} ${G/$H/$I}", set("ABCDEFGHI")),
        ("${A:?} $B", {"A", "B"}),
        ("${A#\\x} $B", {"A", "B"}),
        ("'$NOT' \\$NOT2 \"$YES\"", {"YES"}),
        ("$A ${B", {"A"}),  # the syntax error comes before B is looked up
    ],
)
def test_referenced_names(word: str, names: set[str]) -> None:
    assert referenced_names(word) == names


# --- unquote, heredocs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("plain", "plain"),
        ('"a b"', "a b"),
        ("'$X'", "$X"),
        ("$X", "$X"),
        ('"$X/${Y:-"q"}"', '$X/${Y:-"q"}'),
        ("\\$X", "$X"),
        ('"unterminated', "unterminated"),
        ("'unterminated", "unterminated"),
        ("${oops", "${oops"),
        ("a${}b", "a${}b"),
        ("trail\\", "trail"),
    ],
)
def test_unquote(word: str, expected: str) -> None:
    assert unquote(word) == expected


def test_unquote_backtick() -> None:
    assert unquote('C:\\dir` x "q`"q"', "`") == 'C:\\dir x q"q'


def test_expand_heredoc_keeps_quotes() -> None:
    body = "echo '$HOME' \"$HOME\" \\$HOME\n"
    assert expand_heredoc(body, {"HOME": "/root"}) == "echo '/root' \"/root\" $HOME\n"


# --- robustness -------------------------------------------------------------------------------


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    word = "${A:-" * 2000 + "x" + "}" * 2000
    with pytest.raises(ExpansionError, match="nested too deeply"):
        process_word(word, {})


def test_moderate_nesting_works() -> None:
    assert process_word("${A:-" * 50 + "x" + "}" * 50, {}) == "x"


_WORD_CHARS = st.text(alphabet="ab$ {}:-+?#%/\\'\"`\n*", max_size=40)


@settings(max_examples=400, deadline=None)
@given(_WORD_CHARS, st.sampled_from(["\\", "`"]))
def test_malformed_words_fail_cleanly(word: str, escape: str) -> None:
    env = {"a": "x y", "b": ""}
    try:
        process_word(word, env, escape)
    except ExpansionError as exc:
        assert 0 <= exc.offset <= len(word)
    unquote(word, escape)  # never raises
    referenced_names(word, escape)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab$ {}:-+?#%/\\'\"", max_size=30).map(lambda s: s.replace(" ", "")))
def test_process_words_is_process_word_when_nothing_splits(word: str) -> None:
    env = {"a": "xy", "b": ""}
    try:
        single = process_word(word, env)
    except ExpansionError:
        with pytest.raises(ExpansionError):
            process_words(word, env)
        return
    assert process_words(word, env) == ([single] if single else [])


# --- Scope -------------------------------------------------------------------------------------


def test_platform_args_default_and_normalized() -> None:
    assert platform_args()["TARGETPLATFORM"] == "linux/amd64"
    arm = platform_args("linux/arm", "linux/arm64/v8")
    assert (arm["TARGETPLATFORM"], arm["TARGETVARIANT"]) == ("linux/arm/v7", "v7")
    assert (arm["BUILDPLATFORM"], arm["BUILDARCH"], arm["BUILDVARIANT"]) == ("linux/arm64", "arm64", "")


def test_initial_scope_holds_automatic_args_overridable_by_build_args() -> None:
    g = Scope.initial({"TARGETARCH": "riscv64", "OTHER": "1"}, target_stage="app")
    assert g.global_args["TARGETARCH"] == "riscv64"
    assert g.global_args["TARGETOS"] == "linux"
    assert g.global_args["TARGETSTAGE"] == "app"
    assert "OTHER" not in g.global_args  # an undeclared build arg is not a global ARG


def test_global_args_chain_and_build_arg_override() -> None:
    g = Scope.initial({"B": "from-cli"}).with_arg("A", "1").with_arg("C", "${A}-x").with_arg("B", "default")
    assert (g.global_args["A"], g.global_args["C"], g.global_args["B"]) == ("1", "1-x", "from-cli")
    assert g.expand_from("debian:$C") == "debian:1-x"


def test_global_arg_without_value_stays_unset() -> None:
    g = Scope.initial().with_arg("V", None)
    assert "V" not in g.global_args


def test_global_args_invisible_in_stage_until_redeclared() -> None:
    g = Scope.initial().with_arg("V", "1.0")
    s = g.enter_stage()
    assert s.expand("${V-unset}") == "unset"
    assert s.with_arg("V", None).expand("$V") == "1.0"


def test_redeclared_arg_takes_build_arg_over_global_default() -> None:
    g = Scope.initial({"V": "2.0"}).with_arg("V", "1.0")
    assert g.enter_stage().with_arg("V", None).env["V"] == "2.0"


def test_arg_without_global_value_is_unset_not_empty() -> None:
    s = Scope.initial().enter_stage().with_arg("V", None)
    assert "V" not in s.env
    assert "V" in s.declared_args
    assert s.expand("${V-unset}") == "unset"


def test_stage_arg_default_does_not_see_global_args() -> None:
    g = Scope.initial().with_arg("G", "1")
    seen: list[str] = []
    s = g.enter_stage(scratch=True).with_arg("X", "[$G]", unresolved=seen.append)
    assert s.env["X"] == "[]"
    assert seen == ["G"]


def test_automatic_arg_redeclared_in_stage() -> None:
    s = Scope.initial(target_platform="linux/arm64").enter_stage().with_arg("TARGETARCH", None)
    assert s.env["TARGETARCH"] == "arm64"


def test_multi_name_arg_sees_earlier_names() -> None:
    s = Scope.initial().enter_stage().with_arg("A", "1").with_arg("B", "$A-2")
    assert s.env["B"] == "1-2"


def test_env_pairs_expand_against_variables_before_the_instruction() -> None:
    s = Scope.initial().enter_stage(scratch=True).with_env([("A", "old")])
    s = s.with_env([("A", "new"), ("B", "$A"), ("${A}_KEY", '"quoted value"')])
    assert (s.env["A"], s.env["B"], s.env["old_KEY"]) == ("new", "old", "quoted value")


def test_env_after_arg_overrides_it() -> None:
    s = Scope.initial({"X": "cli"}).enter_stage().with_arg("X", None).with_env([("X", "env")])
    assert s.env["X"] == "env"
    assert s.origins["X"] == "env"


def test_arg_after_env_overrides_it_in_buildkit() -> None:
    s = Scope.initial().enter_stage().with_env([("X", "env")]).with_arg("X", "arg")
    assert (s.env["X"], s.origins["X"]) == ("arg", "arg")


def test_valueless_arg_after_env_keeps_env() -> None:
    s = Scope.initial().enter_stage().with_env([("X", "env")]).with_arg("X", None)
    assert s.env["X"] == "env"


def test_child_stage_inherits_env_and_args_of_parent_stage() -> None:
    g = Scope.initial()
    parent = g.enter_stage().with_arg("A", "a").with_env([("E", "e")])
    child = g.enter_stage(parent=parent)
    assert (child.env["A"], child.env["E"]) == ("a", "e")
    assert "A" in child.declared_args
    assert child.base_env_known is False  # still rooted in an image with unknown ENV


def test_sibling_stage_from_image_does_not_inherit() -> None:
    g = Scope.initial()
    g.enter_stage().with_env([("E", "e")])
    assert "E" not in g.enter_stage().env


def test_image_and_scratch_environments() -> None:
    g = Scope.initial()
    image = g.enter_stage()
    assert image.env["PATH"] == DEFAULT_PATH
    assert not image.is_known("PATH") and not image.is_known("JAVA_HOME")
    scratch = g.enter_stage(scratch=True)
    assert scratch.is_known("PATH") and scratch.is_known("JAVA_HOME")
    known = g.enter_stage(image_env={"PATH": "/bin", "LANG": "C"})
    assert known.env["PATH"] == "/bin" and known.is_known("LANG") and known.origins["LANG"] == "image"


def test_guesses_propagate_through_env_and_arg() -> None:
    image = Scope.initial().enter_stage()
    assert image.with_env([("PATH", "/opt/bin")]).is_known("PATH")
    assert not image.with_env([("PATH", "/opt/bin:$PATH")]).is_known("PATH")
    assert not image.with_env([("J", "$JAVA_HOME/bin")]).is_known("J")  # the image may set JAVA_HOME
    assert not image.with_arg("P", "$PATH").is_known("P")
    scratch = Scope.initial().enter_stage(scratch=True)
    assert scratch.with_env([("PATH", "/opt/bin:$PATH"), ("J", "$JAVA_HOME")]).is_known("J")


def test_proxy_build_args_reach_run_but_not_expansion() -> None:
    s = Scope.initial({"HTTP_PROXY": "http://p:3128", "OTHER": "x"}).enter_stage()
    assert s.run_env["HTTP_PROXY"] == "http://p:3128"
    assert "OTHER" not in s.run_env
    assert s.expand("${HTTP_PROXY-none}") == "none"
    assert s.with_arg("HTTP_PROXY", None).expand("$HTTP_PROXY") == "http://p:3128"


def test_sbom_args_are_declared_but_not_in_env() -> None:
    s = Scope.initial().enter_stage().with_arg("BUILDKIT_SBOM_SCAN_STAGE", "true")
    assert "BUILDKIT_SBOM_SCAN_STAGE" in s.declared_args
    assert "BUILDKIT_SBOM_SCAN_STAGE" not in s.env


def test_scope_is_immutable() -> None:
    s = Scope.initial().enter_stage()
    s2 = s.with_arg("A", "1")
    assert "A" not in s.env and s2.env["A"] == "1"
    with pytest.raises(TypeError):
        s2.env["A"] = "2"  # type: ignore[index]


def test_scope_uses_its_escape_character() -> None:
    s = Scope.initial(escape="`").enter_stage(scratch=True).with_env([("A", "C:\\x`$B")])
    assert s.env["A"] == "C:\\x$B"


def test_scope_expansion_errors_propagate() -> None:
    with pytest.raises(ExpansionError):
        Scope.initial().enter_stage().with_arg("A", "${B:?required}")
