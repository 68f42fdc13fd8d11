"""Shell parsing of RUN text (layerlint.shell) and the package facts built on it (layerlint.pkgfacts)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerlint.model import Heredoc, Instruction, Mapped, Word
from layerlint.pkgfacts import (
    apt_lists_cleaned,
    cache_cleaned,
    disables_cache,
    downloads,
    env_value,
    extractions,
    package_ops,
    removed_paths,
    removes,
    shell_options,
)
from layerlint.shell import Script, parse_script, script_for, tool_key
from layerlint.source import Span


def argv(script: Script) -> list[list[str]]:
    return [[w.unquoted for w in c.words] for c in script.commands]


def names(script: Script) -> list[str]:
    return [c.name for c in script.commands]


# --------------------------------------------------------------------------- words and spans

WORDS = [
    # raw word, unquoted, value (None = expansion)
    ("plain", "plain", "plain"),
    ("'single $X'", "single $X", "single $X"),
    ('"double $X"', "double $X", None),
    ('"a\\"b\\\\c\\d"', 'a"b\\c\\d', 'a"b\\c\\d'),
    ("a\\ b", "a b", "a b"),
    ("pre\"mid\"'post'", "premidpost", "premidpost"),
    ("$'tab\\there\\x41'", "tab\there\x41", "tab\thereA"),
    ("${HOME}/.cache", "${HOME}/.cache", None),
    ('"$(uname -m)"', "$(uname -m)", None),
    ("`date`", "`date`", None),
    ("/var/lib/apt/lists/*", "/var/lib/apt/lists/*", "/var/lib/apt/lists/*"),
    ("{a,b}", "{a,b}", "{a,b}"),
    ("~/.npm", "~/.npm", "~/.npm"),
    ("cost$", "cost$", "cost$"),
    ('"x ${y} z"', "x ${y} z", None),
]


@pytest.mark.parametrize(("raw", "unquoted", "value"), WORDS)
def test_word_values(raw: str, unquoted: str, value: str | None) -> None:
    script = parse_script(f"echo {raw}")
    word = script.commands[0].words[1]
    assert word.raw == raw
    assert word.unquoted == unquoted
    assert word.value == value
    assert word.has_expansion is (value is None)
    assert script.text[word.span.start : word.span.end] == raw


SPAN_CASES = [
    "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "echo 'héllo wörld' ünïcode && rm -f /tmp/ß",
    "apt-get install -y \\\n    curl \\\n    git",
    'FOO="a b" sudo -E pip install "x==1" > /dev/null 2>&1',
    "cat <<EOF > /etc/x\nline $Y\nEOF\necho done",
]


@pytest.mark.parametrize("text", SPAN_CASES)
def test_word_spans_slice_to_raw(text: str) -> None:
    script = parse_script(text)
    assert script.commands
    for cmd in script.commands:
        for w in cmd.words:
            assert text[w.span.start : w.span.end] == w.raw


def test_non_ascii_spans_are_characters() -> None:
    text = "echo 'é' && rm /tmp/日本"
    rm = parse_script(text).commands[1]
    assert rm.name == "rm"
    assert rm.span == Span(text.index("rm"), len(text))
    assert text[rm.words[1].span.start : rm.words[1].span.end] == "/tmp/日本"


def test_to_source_maps_through_joined_continuation() -> None:
    # BuildKit joins "RUN apt-get install -y \\\n  curl é" into one line: spans must go back.
    source = "RUN apt-get install -y \\\n  curl é && rm -rf /x\n"
    first = "apt-get install -y "
    second = "  curl é && rm -rf /x"
    mapped = Mapped(first + second, ((0, 4), (len(first), source.index("  curl"))))
    script = parse_script(mapped.text, mapped.to_source)
    raws = {w.raw: w.span for c in script.commands for w in c.words}
    for raw, span in raws.items():
        assert source[span.start : span.end] == raw
    assert source[script.commands[0].span.start : script.commands[0].span.end] == "apt-get install -y \\\n  curl é"


def test_words_split_by_inner_continuation_are_merged() -> None:
    script = parse_script("echo ab\\\ncd ef")
    assert argv(script) == [["echo", "abcd", "ef"]]


# --------------------------------------------------------------------------- structure

CONNECTORS = [
    ("a && b || c; d & e | f |& g\nh", [None, "&&", "||", ";", "&", "|", "|&", "\n"]),
    ("a \\\n && b", [None, "&&"]),
    ("if x; then y; fi && z", [None, ";", "&&"]),
    ("echo $(a; b) && c", [None, None, ";", "&&"]),
    ("(cd /x && make); make install", [None, "&&", ";"]),
]


@pytest.mark.parametrize(("text", "expected"), CONNECTORS)
def test_connectors(text: str, expected: list[str | None]) -> None:
    assert [c.connector for c in parse_script(text).commands] == expected


CONTEXTS = [
    # text, name, in_condition, in_subshell, in_function, in_loop
    ("if grep -q x f; then rm f; fi", "grep", True, False, False, False),
    ("if grep -q x f; then rm f; fi", "rm", False, False, False, False),
    ("while read l; do echo $l; done < f", "read", True, False, False, True),
    ("while read l; do echo $l; done < f", "echo", False, False, False, True),
    ("for p in a b; do pip install $p; done", "pip", False, False, False, True),
    ("a && b || c", "b", True, False, False, False),
    ("a && b || c", "c", False, False, False, False),
    ("! grep x f", "grep", True, False, False, False),
    ("(cd /src && make)", "make", False, True, False, False),
    ("f() { curl x; }; f", "curl", False, False, True, False),
    ("echo $(uname -r)", "uname", False, True, False, False),
    ("[ -f x ] && rm x", "[", False, False, False, False),
    ("case $a in x) apt-get update;; esac", "apt-get", False, False, False, False),
]


@pytest.mark.parametrize(("text", "name", "cond", "sub", "func", "loop"), CONTEXTS)
def test_contexts(text: str, name: str, cond: bool, sub: bool, func: bool, loop: bool) -> None:
    cmd = next(c for c in parse_script(text).commands if c.name == name)
    assert (cmd.in_condition, cmd.in_subshell, cmd.in_function, cmd.in_loop) == (cond, sub, func, loop)


def test_builtins_and_bare_assignments_are_commands() -> None:
    script = parse_script("export A=1 B; X=2; [ -d /x ] && unset A")
    assert argv(script) == [["export", "A=1", "B"], [], ["[", "-d", "/x", "]"], ["unset", "A"]]
    assert script.commands[1].assignments == ("X=2",)
    assert script.commands[1].name == ""


WRAPPERS = [
    ("DEBIAN_FRONTEND=noninteractive apt-get install -y x", "apt-get", ("DEBIAN_FRONTEND=noninteractive",), ()),
    ("sudo -E -u root apt-get install x", "apt-get", (), ("sudo",)),
    (
        "sudo DEBIAN_FRONTEND=noninteractive apt-get install x",
        "apt-get",
        ("DEBIAN_FRONTEND=noninteractive",),
        ("sudo",),
    ),
    ("env -u X PIP_NO_CACHE_DIR=1 pip install x", "pip", ("PIP_NO_CACHE_DIR=1",), ("env",)),
    ("nice -n 10 nohup time -p make", "make", (), ("nice", "nohup", "time")),
    ("timeout 30 curl -o f u", "curl", (), ("timeout",)),
    ("find . -name '*.pyc' | xargs -0 -I{} rm -f {}", "rm", (), ("xargs",)),
    ("gosu app npm ci", "npm", (), ("gosu",)),
    ("busybox wget -O f u", "wget", (), ("busybox",)),
    ("eatmydata apt-get install x", "apt-get", (), ("eatmydata",)),
    ("/usr/bin/apt-get install x", "apt-get", (), ()),
    ("command -v curl", "command", (), ()),
    ("sudo -l", "sudo", (), ()),
    ("env", "env", (), ()),
]


@pytest.mark.parametrize(("text", "name", "assignments", "wrappers"), WRAPPERS)
def test_wrappers_and_assignments(
    text: str, name: str, assignments: tuple[str, ...], wrappers: tuple[str, ...]
) -> None:
    cmd = parse_script(text).commands[-1]
    assert (cmd.name, cmd.assignments, cmd.wrappers) == (name, assignments, wrappers)


def test_wrapped_command_span_covers_wrapper() -> None:
    text = "sudo apt-get install x"
    cmd = parse_script(text).commands[0]
    assert cmd.span == Span(0, len(text))
    assert cmd.words[0].span == Span(5, 12)


# --------------------------------------------------------------------------- flags

FLAGS = [
    # text, has_flag query, expected
    ("apt-get install -yq x", ("-y",), True),
    ("apt-get install --assume-yes x", ("-y", "--yes", "--assume-yes"), True),
    ("apt-get install -q x", ("-y",), False),
    ("apt-get -o Dpkg::Options::=-y install x", ("-y",), False),
    ("pip install --no-cache-dir=1 x", ("--no-cache-dir",), True),
    ("curl -fsSLo out u", ("-L",), True),
    ("rm -- -y", ("-y",), False),
    ("find . -name x -delete", ("-delete",), True),
    ("find . -name x", ("-n",), False),
]


@pytest.mark.parametrize(("text", "query", "expected"), FLAGS)
def test_has_flag(text: str, query: tuple[str, ...], expected: bool) -> None:
    assert parse_script(text).commands[0].has_flag(*query) is expected


FLAG_VALUES = [
    ("curl -fsSLo out.tgz https://x", ("-o", "--output"), "out.tgz"),
    ("curl -o a --output=b u", ("-o", "--output"), "b"),
    ("curl -oout u", ("-o",), "out"),
    ("apt-get -t bookworm-backports install x", ("-t",), "bookworm-backports"),
    ("go build -ldflags=-s -o /bin/app .", ("-ldflags",), "-s"),
    ("wget u", ("-O",), None),
]


@pytest.mark.parametrize(("text", "names_", "expected"), FLAG_VALUES)
def test_flag_value(text: str, names_: tuple[str, ...], expected: str | None) -> None:
    assert parse_script(text).commands[0].flag_value(*names_) == expected


POSITIONAL = [
    ("apt-get -o A=1 -y install --no-install-recommends curl git", ["install", "curl", "git"]),
    ("apk add --virtual .deps -X http://r gcc", ["add", "gcc"]),
    ("gem install rails -v 7.0 --no-document", ["install", "rails"]),
    ("python3 -m pip install -r r.txt flask", ["install", "flask"]),
    ("tar -xzf a.tgz -C /opt --strip-components 1", []),
    ("rm -rf -- -weird /x", ["-weird", "/x"]),
]


@pytest.mark.parametrize(("text", "expected"), POSITIONAL)
def test_positional(text: str, expected: list[str]) -> None:
    assert [w.unquoted for w in parse_script(text).commands[0].positional()] == expected


def test_values_pickle_and_compare_like_dataclasses() -> None:
    # Worker processes send results back pickled; field order must match the constructor.
    script = parse_script("sudo -E apt-get install -y x > /dev/null && pip install --no-cache-dir y")
    ops = package_ops(script)
    clone = pickle.loads(pickle.dumps((script, ops)))
    assert clone == (script, ops)
    assert clone[0].commands[0].wrappers == ("sudo",) and clone[0].commands[0].redirects[0].op == ">"
    assert clone[1][1].options.has("--no-cache-dir")
    assert hash(clone[0].commands[0]) == hash(script.commands[0])
    assert repr(script.commands[0].words[0]).startswith("ShellWord(raw='apt-get', unquoted='apt-get', span=")
    with pytest.raises(AttributeError):
        script.commands[0].name = "x"  # type: ignore[misc]


def test_find_matches_subcommands_and_tool_names() -> None:
    script = parse_script("apt-get update && apt-get -y install x && pip3 install y")
    assert [c.subcommand() for c in script.find("apt-get", "install")] == ["install"]
    assert len(script.find("apt-get")) == 2
    assert [c.name for c in script.find("pip", "install")] == ["pip3"]


@pytest.mark.parametrize(
    ("name", "key"),
    [("pip3.11", "pip"), ("python3", "python"), ("pypy3", "python"), ("dnf5", "dnf"), ("gradlew", "gradle"),
     ("bash", "sh"), ("apt-get", "apt-get")],
)  # fmt: skip
def test_tool_key(name: str, key: str) -> None:
    assert tool_key(name) == key


# --------------------------------------------------------------------------- nested shells

NESTED = [
    ("sh -c 'apt-get update && apt-get install -y x'", ["sh", "apt-get", "apt-get"]),
    ('bash -euxo pipefail -c "curl -fsSL u | tar xz"', ["bash", "curl", "tar"]),
    ("/bin/sh -ec 'make'", ["sh", "make"]),
    ("su -c 'npm ci' app", ["su", "npm"]),
    ("su app -s /bin/sh -c 'npm ci'", ["su", "npm"]),
    ("eval 'rm -rf /tmp/x'", ["eval", "rm"]),
    ("bash <<< 'pip install x'", ["bash", "pip"]),
    ("bash -s <<'EOF'\napt-get update\nEOF", ["bash", "apt-get"]),
    ("sudo sh -c 'echo hi'", ["sh", "echo"]),
    ("sh script.sh", ["sh"]),
    ('sh -c "$CMD"', ["sh"]),
]


@pytest.mark.parametrize(("text", "expected"), NESTED)
def test_nested_shells(text: str, expected: list[str]) -> None:
    script = parse_script(text)
    assert names(script) == expected
    for cmd in script.commands[1:]:
        assert cmd.depth == 1 and cmd.in_subshell
        for w in cmd.words:
            assert text[w.span.start : w.span.end] in (w.raw, w.unquoted) or "\\" in text[w.span.start : w.span.end]


def test_nested_spans_map_into_escaped_string() -> None:
    text = 'sh -c "apt-get install -y \\"a b\\" && rm -rf /var/lib/apt/lists/*"'
    script = parse_script(text)
    install, rm = script.commands[1], script.commands[2]
    assert [w.unquoted for w in install.words] == ["apt-get", "install", "-y", "a b"]
    assert text[install.words[3].span.start : install.words[3].span.end] == '\\"a b\\"'
    assert text[rm.words[2].span.start : rm.words[2].span.end] == "/var/lib/apt/lists/*"
    assert rm.connector == "&&"
    assert install.connector is None


def test_doubly_nested_shell() -> None:
    script = parse_script("""sh -c "bash -c 'rm -f /x'" """)
    assert names(script) == ["sh", "bash", "rm"]
    assert [c.depth for c in script.commands] == [0, 1, 2]
    rm = script.commands[2]
    assert script.text[rm.words[2].span.start : rm.words[2].span.end] == "/x"


# --------------------------------------------------------------------------- errors and shells

ERRORS = [
    ('echo ok && echo "unterminated && rm -rf /x', ["echo", "echo"]),
    ("apt-get install -y curl &&", ["apt-get"]),
    ("if [ -f x ]; then rm x", ["[", "rm"]),
    ("apt-get update \\\n  # comment\n  && apt-get install -y x", ["apt-get", "apt-get"]),
    ("for x in; do", []),
]


@pytest.mark.parametrize(("text", "expected"), ERRORS)
def test_error_tolerance(text: str, expected: list[str]) -> None:
    script = parse_script(text)
    assert script.has_errors
    assert names(script) == expected


def test_clean_text_has_no_errors() -> None:
    assert not parse_script("a && b | c; if x; then y; fi").has_errors


def test_comment_lines_in_heredoc_body() -> None:
    script = parse_script("# install\napt-get update\n# done\nrm -rf /var/lib/apt/lists/*\n")
    assert names(script) == ["apt-get", "rm"]
    assert script.commands[1].connector == "\n"


def test_long_chain_does_not_recurse() -> None:
    text = " && ".join(f"echo {i}" for i in range(3000))
    assert len(parse_script(text).commands) == 3000


@pytest.mark.parametrize("char", ["\U00031860", "\U0001f680", "\U00020000", "\U000c4a58"])
def test_astral_characters_after_brace_parse(char: str) -> None:
    # tree-sitter-bash#337: `{` then a 4-byte UTF-8 character crashed the process.
    text = f"echo {{{char}}} && rm /x{char}"
    for _ in range(100):
        script = parse_script(text)
    assert argv(script) == [["echo", f"{{{char}}}"], ["rm", f"/x{char}"]]
    rm_arg = script.commands[1].words[1]
    assert text[rm_arg.span.start : rm_arg.span.end] == f"/x{char}"


def test_non_posix_shell_is_not_parsed() -> None:
    script = parse_script("Get-ChildItem; apt-get update", shell="powershell -command")
    assert script.commands == () and script.shell == "powershell -command"


SHELL_TEXT = st.lists(
    st.sampled_from(list("ab $'\"\\\n;&|(){}<>`=*#é🚀-c") + ["sh -c ", "<<EOF\n", "EOF\n", "\\\n"]), max_size=40
).map("".join)


@settings(max_examples=300, deadline=None)
@given(SHELL_TEXT)
def test_any_text_gives_spans_inside_the_text(text: str) -> None:
    script = parse_script(text)
    for cmd in script.commands:
        assert 0 <= cmd.span.start <= cmd.span.end <= len(text)
        for w in cmd.words:
            assert 0 <= w.span.start <= w.span.end <= len(text)
            if cmd.depth == 0:
                assert text[w.span.start : w.span.end] == w.raw


# --------------------------------------------------------------------------- instructions


def _instruction(source: str, command: str, *, exec_form: bool = False, args: tuple[Word, ...] = (),
                 heredocs: tuple[Heredoc, ...] = ()) -> Instruction:  # fmt: skip
    start = source.index(command) if command else 0
    return Instruction(
        keyword="RUN", keyword_raw="RUN", span=Span(0, len(source)), keyword_span=Span(0, 3), flags=(),
        args=args, command=Mapped.plain(command, start), exec_form=exec_form, heredocs=heredocs,
    )  # fmt: skip


def _heredoc(source: str, name: str, content: str) -> Heredoc:
    body = source.index(content)
    return Heredoc(name, content, True, False, 0, Span(0, 0), Span(body, body + len(content)),
                   Span(body, body + len(content) + len(name)))  # fmt: skip


def test_script_for_shell_form() -> None:
    source = "RUN apt-get update && rm -rf /var/lib/apt/lists/*\n"
    script = script_for(_instruction(source, "apt-get update && rm -rf /var/lib/apt/lists/*"))
    rm = script.commands[1]
    assert source[rm.words[2].span.start : rm.words[2].span.end] == "/var/lib/apt/lists/*"


def test_script_for_heredoc_body() -> None:
    source = "RUN <<EOF\napt-get update\napt-get install -y x\nEOF\n"
    content = "apt-get update\napt-get install -y x\n"
    script = script_for(_instruction(source, "<<EOF", heredocs=(_heredoc(source, "EOF", content),)))
    assert argv(script) == [["apt-get", "update"], ["apt-get", "install", "-y", "x"]]
    word = script.commands[1].words[3]
    assert source[word.span.start : word.span.end] == "x"


def test_script_for_heredoc_with_python_shebang_is_not_shell() -> None:
    source = "RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"
    content = "#!/usr/bin/env python3\nprint(1)\n"
    script = script_for(_instruction(source, "<<EOF", heredocs=(_heredoc(source, "EOF", content),)))
    assert script.commands == () and script.shell == "python3"


def test_script_for_heredoc_fed_to_command() -> None:
    source = "RUN cat <<EOF > /etc/conf && bash -c 'rm -f /x'\nkey=1\nEOF\n"
    command = "cat <<EOF > /etc/conf && bash -c 'rm -f /x'"
    script = script_for(_instruction(source, command, heredocs=(_heredoc(source, "EOF", "key=1\n"),)))
    assert names(script) == ["cat", "bash", "rm"]
    assert not script.has_errors
    assert script.commands[0].redirects[1].target is not None
    assert script.commands[0].redirects[1].target.unquoted == "/etc/conf"
    rm = script.commands[2]
    assert source[rm.words[2].span.start : rm.words[2].span.end] == "/x"


def test_script_for_exec_form() -> None:
    source = 'RUN ["sh", "-c", "pip install x"]\n'
    args = tuple(
        Word(f'"{v}"', v, Span(source.index(f'"{v}"'), source.index(f'"{v}"') + len(v) + 2))
        for v in ("sh", "-c", "pip install x")
    )
    script = script_for(_instruction(source, '["sh", "-c", "pip install x"]', exec_form=True, args=args))
    assert names(script) == ["sh", "pip"]
    pip = script.commands[1]
    assert source[pip.words[2].span.start : pip.words[2].span.end] == "x"


# --------------------------------------------------------------------------- package facts

OPS = [
    # text, [(manager, action, packages, requirement files)]
    ("apt-get update && apt-get install -y --no-install-recommends curl=7.88 ca-certificates",
     [("apt-get", "update", [], []), ("apt-get", "install", ["curl=7.88", "ca-certificates"], [])]),
    ("apt -y full-upgrade && apt-get purge -y x && apt-get autoremove -y && apt-get clean",
     [("apt", "upgrade", [], []), ("apt-get", "purge", ["x"], []), ("apt-get", "autoremove", [], []),
      ("apt-get", "clean", [], [])]),
    ("aptitude install -y x", [("aptitude", "install", ["x"], [])]),
    ("apk add --no-cache --virtual .build-deps gcc musl-dev && apk del .build-deps",
     [("apk", "install", ["gcc", "musl-dev"], []), ("apk", "remove", [".build-deps"], [])]),
    ("apk add -U curl", [("apk", "update", [], []), ("apk", "install", ["curl"], [])]),
    ("yum install -y epel-release && yum update -y && yum clean all",
     [("yum", "install", ["epel-release"], []), ("yum", "upgrade", [], []), ("yum", "clean", ["all"], [])]),
    ("dnf --setopt=install_weak_deps=False install -y gcc && dnf makecache",
     [("dnf", "install", ["gcc"], []), ("dnf", "update", [], [])]),
    ("dnf group install -y 'Development Tools'", [("dnf", "install", ["Development Tools"], [])]),
    ("microdnf install -y shadow-utils && microdnf clean all",
     [("microdnf", "install", ["shadow-utils"], []), ("microdnf", "clean", ["all"], [])]),
    ("zypper -n in --no-recommends vim && zypper ref && zypper cc -a",
     [("zypper", "install", ["vim"], []), ("zypper", "update", [], []), ("zypper", "clean", [], [])]),
    ("pacman -Syu --noconfirm git", [("pacman", "update", [], []), ("pacman", "upgrade", [], []),
                                     ("pacman", "install", ["git"], [])]),
    ("rpm -ivh /tmp/x.rpm && dpkg -i /tmp/y.deb",
     [("rpm", "install", ["/tmp/x.rpm"], []), ("dpkg", "install", ["/tmp/y.deb"], [])]),
    ("pip install --no-cache-dir -r requirements.txt -c constraints.txt 'flask>=2' -e ./lib",
     [("pip", "install", ["flask>=2", "./lib"], ["requirements.txt", "constraints.txt"])]),
    ("pip3.11 install -U pip && python3 -m pip uninstall -y six && pip cache purge",
     [("pip", "install", ["pip"], []), ("pip", "remove", ["six"], []), ("pip", "clean", [], [])]),
    ("python -m pip download -d /wheels x", [("pip", "download", ["x"], [])]),
    ("uv pip install --system -r req.txt x && uv sync --frozen && uv add httpx",
     [("pip", "install", ["x"], ["req.txt"]), ("uv", "sync", [], []), ("uv", "install", ["httpx"], [])]),
    ("poetry install --no-root --only main && poetry add requests",
     [("poetry", "install", [], []), ("poetry", "install", ["requests"], [])]),
    ("pipenv install --deploy --system && pipx install black",
     [("pipenv", "install", [], []), ("pipx", "install", ["black"], [])]),
    ("conda install -y -c conda-forge numpy && conda env create -f environment.yml && conda clean -afy",
     [("conda", "install", ["numpy"], []), ("conda", "install", [], ["environment.yml"]), ("conda", "clean", [], [])]),
    ("micromamba install -y -n base python=3.11", [("micromamba", "install", ["python=3.11"], [])]),
    ("npm ci --omit=dev && npm i -g npm@10 && npm cache clean --force",
     [("npm", "ci", [], []), ("npm", "install", ["npm@10"], []), ("npm", "clean", [], [])]),
    ("yarn --frozen-lockfile && yarn add react && yarn global add pm2 && yarn build",
     [("yarn", "install", [], []), ("yarn", "install", ["react"], []), ("yarn", "install", ["pm2"], [])]),
    ("pnpm install --frozen-lockfile && pnpm store prune",
     [("pnpm", "install", [], []), ("pnpm", "clean", [], [])]),
    ("gem install bundler -v 2.4.0 --no-document && bundle install --jobs 4 && bundle",
     [("gem", "install", ["bundler"], []), ("bundle", "install", [], []), ("bundle", "install", [], [])]),
    ("composer install --no-dev && composer require monolog/monolog && composer clear-cache",
     [("composer", "install", [], []), ("composer", "install", ["monolog/monolog"], []),
      ("composer", "clean", [], [])]),
    ("go mod download && go build -o /app . && go install golang.org/x/tools/gopls@latest",
     [("go", "download", [], []), ("go", "build", ["."], []), ("go", "install", ["golang.org/x/tools/gopls@latest"], [])]),
    ("cargo install --locked ripgrep && cargo build --release",
     [("cargo", "install", ["ripgrep"], []), ("cargo", "build", [], [])]),
    ("mvn -B dependency:go-offline && mvn -B clean package -DskipTests",
     [("mvn", "fetch", [], []), ("mvn", "clean", [], []), ("mvn", "build", [], [])]),
    ("./gradlew build -x test --no-daemon", [("gradle", "build", [], [])]),
    ("pecl install redis && docker-php-ext-install -j$(nproc) pdo_mysql zip",
     [("pecl", "install", ["redis"], []), ("docker-php-ext-install", "install", ["pdo_mysql", "zip"], [])]),
    ("sudo DEBIAN_FRONTEND=noninteractive apt-get install -y x", [("apt-get", "install", ["x"], [])]),
    ("sh -c 'apt-get install -y x'", [("apt-get", "install", ["x"], [])]),
    ("pip --version && npm run build && apt-get", []),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), OPS)
def test_package_ops(text: str, expected: list[tuple[str, str, list[str], list[str]]]) -> None:
    ops = package_ops(parse_script(text))
    got = [(op.manager, op.action, [p.unquoted for p in op.packages], list(op.requirement_files)) for op in ops]
    assert got == expected


def test_package_op_program_verb_and_memo() -> None:
    script = parse_script("python3 -m pip install x && uv pip install y && apt-get -y dist-upgrade")
    ops = package_ops(script)
    assert [op.program for op in ops] == ["python3 -m pip", "uv pip", "apt-get"]
    assert ops[2].verb is not None and ops[2].verb.unquoted == "dist-upgrade"
    assert script.text[ops[2].verb.span.start : ops[2].verb.span.end] == "dist-upgrade"
    assert package_ops(script) is ops


CACHE_FLAGS = [
    ("pip install --no-cache-dir x", True),
    ("pip install x", False),
    ("PIP_NO_CACHE_DIR=1 pip install x", True),
    ("PIP_NO_CACHE_DIR=0 pip install x", True),  # pip turns its cache off for any value
    ("PIP_NO_CACHE_DIR= pip install x", False),
    ("UV_NO_CACHE=0 uv pip install x", False),  # uv reads its variable as a boolean
    ("UV_NO_CACHE=yes uv pip install x", True),
    ("export PIP_NO_CACHE_DIR=true; pip install x", True),
    ("python3 -m pip install --no-cache-dir x", True),
    ("uv --no-cache pip install x", True),
    ("uv pip install --no-cache-dir x", False),
    ("apk add --no-cache x", True),
    ("apk add x", False),
    ("composer install --no-cache", True),
    ("npm ci", False),
]


@pytest.mark.parametrize(("text", "expected"), CACHE_FLAGS)
def test_disables_cache(text: str, expected: bool) -> None:
    script = parse_script(text)
    assert disables_cache(package_ops(script)[-1], script) is expected


def test_env_value_prefers_prefix_over_export() -> None:
    script = parse_script("export A=1; A=2 env; export A=3")
    env_cmd = script.commands[1]
    assert env_value(script, env_cmd, "A") == "2"
    assert env_value(script, script.commands[2], "A") == "1"
    assert env_value(script, env_cmd, "B") is None


def test_removed_paths() -> None:
    script = parse_script('rm -rf /var/lib/apt/lists/* "$HOME/.cache" && rm -f -- -x && unlink /y && rmdir /z')
    assert [(p, c.name) for p, c in removed_paths(script)] == [
        ("/var/lib/apt/lists/*", "rm"), ("$HOME/.cache", "rm"), ("-x", "rm"), ("/y", "unlink")
    ]  # fmt: skip


REMOVES = [
    ("rm -rf /var/lib/apt/lists/*", "/var/lib/apt/lists", True),
    ("rm -rf /var/lib/apt/lists", "/var/lib/apt/lists", True),
    ("rm -rf /var/lib/apt/lists/", "/var/lib/apt/lists", True),
    ("rm -rf /var/lib/apt", "/var/lib/apt/lists", True),
    ("rm -rf /var/lib/apt/lists/partial/*", "/var/lib/apt/lists", False),
    ("rm -f /var/lib/apt/lists/*.gz", "/var/lib/apt/lists", False),
    ("rm -rf /var/*.log", "/var/lib/apt/lists", False),
    ("rm -rf ~/.cache/pip", "/root/.cache/pip", True),
    ("rm -rf ${HOME}/.cache", "/root/.cache/pip", True),
    ("apt-get clean", "/var/lib/apt/lists", False),
]


@pytest.mark.parametrize(("text", "path", "expected"), REMOVES)
def test_removes(text: str, path: str, expected: bool) -> None:
    assert (removes(parse_script(text), path) is not None) is expected


def test_apt_lists_cleaned() -> None:
    assert apt_lists_cleaned(parse_script("apt-get update && apt-get clean")) is None
    cmd = apt_lists_cleaned(parse_script("apt-get update && rm -rf /var/lib/apt/lists/*"))
    assert cmd is not None and cmd.name == "rm"


CACHE_CLEANED = [
    ("apt-get", "apt-get clean", True),
    ("apt-get", "apt-get autoclean", False),
    ("apt-get", "rm -rf /var/cache/apt/archives", True),
    ("yum", "yum clean all", True),
    ("yum", "yum clean metadata", False),
    ("dnf", "dnf clean all", True),
    ("dnf", "rm -rf /var/cache/dnf", True),
    ("apk", "apk cache clean", True),
    ("pip", "pip cache purge", True),
    ("pip", "rm -rf /root/.cache/pip", True),
    ("npm", "npm cache clean --force", True),
    ("npm", "npm cache clean", False),
    ("yarn", "yarn cache clean", True),
    ("composer", "composer clear-cache", True),
    ("pip", "pip install x", False),
]


@pytest.mark.parametrize(("manager", "text", "expected"), CACHE_CLEANED)
def test_cache_cleaned(manager: str, text: str, expected: bool) -> None:
    assert (cache_cleaned(parse_script(text), manager) is not None) is expected


SET_OPTIONS = [
    ("set -eux -o pipefail && make", {"errexit", "nounset", "xtrace", "pipefail"}),
    ("set -euxo pipefail", {"errexit", "nounset", "xtrace", "pipefail"}),
    ("set -e; set +e", set()),
    ("(set -e); sh -c 'set -o pipefail'", set()),
]


@pytest.mark.parametrize(("text", "expected"), SET_OPTIONS)
def test_shell_options(text: str, expected: set[str]) -> None:
    assert shell_options(parse_script(text)) == expected


DOWNLOADS = [
    # text, (tool, url, output, piped_to)
    ("curl -fsSL https://x.io/a.tgz -o /tmp/a.tgz", ("curl", "https://x.io/a.tgz", "/tmp/a.tgz", None)),
    ("curl -fsSLO https://x.io/d/a.tgz?sig=1", ("curl", "https://x.io/d/a.tgz?sig=1", "a.tgz", None)),
    ("curl -fsSL https://x.io/i.sh | sh", ("curl", "https://x.io/i.sh", "-", "sh")),
    ("curl -s https://x.io/k > /tmp/k", ("curl", "https://x.io/k", "/tmp/k", None)),
    ("wget https://x.io/f.zip", ("wget", "https://x.io/f.zip", "f.zip", None)),
    ("wget -P /opt https://x.io/f.zip", ("wget", "https://x.io/f.zip", "/opt/f.zip", None)),
    ("wget -qO- https://x.io/f.tgz | tar xz", ("wget", "https://x.io/f.tgz", "-", "tar")),
    ('curl -L "$(get_url)" | tar -x', ("curl", "$(get_url)", "-", "tar")),
]


@pytest.mark.parametrize(("text", "expected"), DOWNLOADS)
def test_downloads(text: str, expected: tuple[str, str, str, str | None]) -> None:
    (d,) = downloads(parse_script(text))
    assert (d.tool, d.url.unquoted if d.url else None, d.output, d.piped_to.name if d.piped_to else None) == expected


EXTRACTIONS = [
    # text, (tool, archive, directory, fed_by)
    ("tar -xzf /tmp/a.tgz -C /opt", ("tar", "/tmp/a.tgz", "/opt", None)),
    ("tar xzf a.tgz", ("tar", "a.tgz", None, None)),
    ("tar --extract --file=a.tar --directory /srv", ("tar", "a.tar", "/srv", None)),
    ("curl -fsSL u | tar -xJ -C /usr/local", ("tar", "-", "/usr/local", "curl")),
    ("unzip -q f.zip -d /app", ("unzip", "f.zip", "/app", None)),
    ("gunzip data.gz", ("gunzip", "data.gz", None, None)),
    ("xz -d big.xz", ("xz", "big.xz", None, None)),
    ("7z x a.7z -o/out", ("7z", "a.7z", "/out", None)),
]


@pytest.mark.parametrize(("text", "expected"), EXTRACTIONS)
def test_extractions(text: str, expected: tuple[str, str, str | None, str | None]) -> None:
    (e,) = extractions(parse_script(text))
    assert (e.tool, e.archive, e.directory, e.fed_by.name if e.fed_by else None) == expected


def test_non_extracting_archivers_are_ignored() -> None:
    assert extractions(parse_script("tar -czf out.tgz /src && gzip big && xz -z f")) == ()


def test_case_pattern_separator_is_not_a_pipe() -> None:
    from layerlint.shell import parse_script

    script = parse_script('case "$a" in x|y) echo one ;; *) echo two ;; esac; ls | sort')
    assert [(c.name, c.connector) for c in script.commands] == [("echo", None), ("echo", ";"), ("ls", ";"), ("sort", "|")]


def test_parser_loads_without_importing_typing_heavy_packages() -> None:
    """The tree-sitter bindings are loaded directly: no `tree_sitter` package __init__ at start-up."""
    import subprocess
    import sys

    code = (
        "import sys; from layerlint.shell import parse_script; "
        "assert [c.name for c in parse_script('a && b').commands] == ['a', 'b']; "
        "print('importlib.resources' in sys.modules, 'tree_sitter' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
