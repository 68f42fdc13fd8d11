"""Shell text of a RUN instruction turned into commands with exact source spans.

Rules ask questions like "which commands run here, with which flags, and where is that
word in the file?".  ``parse_script`` answers them once per instruction: it parses the text
with tree-sitter-bash (error tolerant, so half-typed text in an editor still yields the
commands around the mistake) and flattens the tree into ``Command`` values in source
order, including commands nested in ``$(...)``, subshells, control flow, ``sh -c '...'``
strings and shells fed by a here-document.  Every span is a *source* span: text offsets
go through ``to_source`` so a word inside a joined continuation or a heredoc body still
points at its physical line and column.

Word values follow one convention (see ``ShellWord``): quotes and escapes are resolved,
globs, braces and ``~`` are kept literally, and any parameter/command/arithmetic
expansion makes ``value`` ``None`` while ``unquoted`` keeps the expansion as written.

The tree-sitter parser is created lazily on first use and reused; it is not thread safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

from layerlint.lazyre import lazy
from layerlint.source import Frozen, Span

TYPE_CHECKING = False  # typing costs several ms to import; only checkers need it
if TYPE_CHECKING:
    from tree_sitter import Node, Parser

    from layerlint.model import Instruction

__all__ = [
    "Command",
    "Option",
    "Options",
    "Redirect",
    "Script",
    "ShellWord",
    "parse_script",
    "scan_args",
    "script_for",
    "tool_key",
    "value_flags",
]

ToSource = Callable[[int], int]
_set = object.__setattr__  # Frozen values assign their fields once, in __init__
_CharMap = tuple[list[int], list[int]]  # per output character: start and end index in the raw text


# --------------------------------------------------------------------------- values


class ShellWord(Frozen):
    """One shell word.

    ``raw`` is the text as written; ``unquoted`` has quotes removed, escapes and line
    continuations resolved, with expansions (``$X``, ``${X}``, ``$(...)``, backticks,
    ``$((...))``, ``<(...)``) kept as written.  Globs, brace lists and ``~`` are not
    expansions here: ``/var/lib/apt/lists/*`` keeps its ``*`` so rules can match it.
    """

    __slots__ = ("raw", "unquoted", "span", "has_expansion")  # noqa: RUF023  # constructor order: Value relies on it
    raw: str
    unquoted: str
    span: Span
    has_expansion: bool

    def __init__(self, raw: str, unquoted: str, span: Span, has_expansion: bool = False) -> None:
        _set(self, "raw", raw)
        _set(self, "unquoted", unquoted)
        _set(self, "span", span)
        _set(self, "has_expansion", has_expansion)

    @property
    def value(self) -> str | None:
        """The static value, or ``None`` when an expansion makes it unknown before run time."""
        return None if self.has_expansion else self.unquoted


class Redirect(Frozen):
    """A redirection such as ``> /dev/null``, ``2>&1``, ``<<EOF`` or ``<<< "text"``.

    ``op`` is the operator without its descriptor; ``target`` the file, descriptor,
    here-string word or here-document delimiter.
    """

    __slots__ = ("op", "fd", "target", "span")  # noqa: RUF023  # constructor order: Value relies on it
    op: str
    fd: int | None
    target: ShellWord | None
    span: Span

    def __init__(self, op: str, fd: int | None, target: ShellWord | None, span: Span) -> None:
        _set(self, "op", op)
        _set(self, "fd", fd)
        _set(self, "target", target)
        _set(self, "span", span)

    @property
    def writes_stdout(self) -> bool:
        """True for ``>``, ``>>``, ``>|``, ``&>`` and ``&>>`` applied to standard output."""
        if self.op in ("&>", "&>>"):
            return True
        return self.op in (">", ">>", ">|") and self.fd in (None, 1)


class Option(Frozen):
    """One option found by ``scan_args``: ``-y``, ``--yes``, ``-o file``, ``--output=file``.

    Combined short flags are split (``-yq`` gives ``-y`` and ``-q``, both with ``word``
    the ``-yq`` word).  ``value_word`` is the separate word holding the value, if any.
    """

    __slots__ = ("name", "value", "word", "value_word")  # noqa: RUF023  # constructor order: Value relies on it
    name: str
    value: str | None
    word: ShellWord
    value_word: ShellWord | None

    def __init__(self, name: str, value: str | None, word: ShellWord, value_word: ShellWord | None = None) -> None:
        _set(self, "name", name)
        _set(self, "value", value)
        _set(self, "word", word)
        _set(self, "value_word", value_word)


class Options(Frozen):
    """Arguments split into options and positional words, knowing which flags take values."""

    __slots__ = ("options", "positional")
    options: tuple[Option, ...]
    positional: tuple[ShellWord, ...]

    def __init__(self, options: tuple[Option, ...], positional: tuple[ShellWord, ...]) -> None:
        _set(self, "options", options)
        _set(self, "positional", positional)

    def has(self, *names: str) -> bool:
        """True if any option is spelled as one of ``names`` (``--yes`` matches ``--yes=1``)."""
        for opt in self.options:
            if opt.name in names or opt.word.unquoted in names:
                return True
        return False

    def value(self, *names: str) -> str | None:
        """The value of the last option called one of ``names`` (later options win)."""
        found = None
        for opt in self.options:
            if opt.name in names and opt.value is not None:
                found = opt.value
        return found

    def values(self, *names: str) -> tuple[str, ...]:
        """Every value given to options called one of ``names``, in order (``-r a -r b``)."""
        return tuple(o.value for o in self.options if o.name in names and o.value is not None)

    def find(self, *names: str) -> Option | None:
        """The last option called one of ``names`` (for its words and spans)."""
        found = None
        for opt in self.options:
            if opt.name in names:
                found = opt
        return found


class Command(Frozen):
    """One simple command with everything rules ask about it.

    ``words`` is argv as the program sees it: leading ``NAME=value`` words and wrappers
    such as ``sudo -E`` or ``env X=1`` are stripped into ``assignments`` (unquoted,
    ``NAME=value``) and ``wrappers``.  ``connector`` is the operator that joined it to the
    previous command of the same sequence: ``&&``, ``||``, ``;``, ``|``, ``|&``, ``&``,
    ``;;`` or ``"\\n"``; ``None`` for the first command of the script or of a nested
    ``$(...)`` / ``sh -c`` text.  A command with no words is a bare assignment (``X=1``).
    ``depth`` counts the ``sh -c`` / heredoc-fed shells around it.
    """

    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it
        "words",
        "name",
        "span",
        "connector",
        "assignments",
        "wrappers",
        "redirects",
        "in_condition",
        "in_subshell",
        "in_function",
        "in_loop",
        "depth",
    )
    words: tuple[ShellWord, ...]
    name: str
    span: Span
    connector: str | None
    assignments: tuple[str, ...]
    wrappers: tuple[str, ...]
    redirects: tuple[Redirect, ...]
    in_condition: bool
    in_subshell: bool
    in_function: bool
    in_loop: bool
    depth: int

    def __init__(
        self,
        words: tuple[ShellWord, ...],
        name: str,
        span: Span,
        connector: str | None = None,
        assignments: tuple[str, ...] = (),
        wrappers: tuple[str, ...] = (),
        redirects: tuple[Redirect, ...] = (),
        in_condition: bool = False,
        in_subshell: bool = False,
        in_function: bool = False,
        in_loop: bool = False,
        depth: int = 0,
    ) -> None:
        _set(self, "words", words)
        _set(self, "name", name)
        _set(self, "span", span)
        _set(self, "connector", connector)
        _set(self, "assignments", assignments)
        _set(self, "wrappers", wrappers)
        _set(self, "redirects", redirects)
        _set(self, "in_condition", in_condition)
        _set(self, "in_subshell", in_subshell)
        _set(self, "in_function", in_function)
        _set(self, "in_loop", in_loop)
        _set(self, "depth", depth)

    @property
    def args(self) -> tuple[ShellWord, ...]:
        return self.words[1:]

    @property
    def tool(self) -> str:
        """``name`` normalized for tables: ``pip3.11`` -> ``pip``, ``python3`` -> ``python``."""
        return tool_key(self.name)

    def options(self) -> Options:
        """Options and positional words of ``args`` (``python -m pip`` switches to pip's flags)."""
        return scan_args(self.args, self.tool)

    def has_flag(self, *names: str) -> bool:
        """True if any of ``names`` is given; handles ``-yq`` clusters and ``--name=value``."""
        return self.options().has(*names)

    def flag_value(self, *names: str) -> str | None:
        """Value of the last of ``names`` given (``-o f``, ``-of``, ``--output=f``, ``-sSLo f``)."""
        return self.options().value(*names)

    def positional(self) -> tuple[ShellWord, ...]:
        """Arguments that are neither options nor option values (subcommands included)."""
        return self.options().positional

    def subcommand(self) -> str | None:
        """The first positional argument's text, e.g. ``install`` for ``apt-get -y install x``."""
        pos = self.positional()
        return pos[0].unquoted if pos else None


class Script(Frozen):
    """The commands of one shell text (a RUN line, a heredoc body, an exec-form argv).

    ``shell`` is the program that runs it; for a shell that is not POSIX-like (PowerShell,
    cmd) nothing is parsed and ``commands`` is empty.  ``memo`` lets fact functions such
    as ``layerlint.pkgfacts.package_ops`` compute once per script and share the result.
    """

    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it; _memo is a cache
        "text",
        "commands",
        "has_errors",
        "shell",
        "_memo",
    )
    text: str
    commands: tuple[Command, ...]
    has_errors: bool
    shell: str

    def __init__(self, text: str, commands: tuple[Command, ...], has_errors: bool = False, shell: str = "sh") -> None:
        _set(self, "text", text)
        _set(self, "commands", commands)
        _set(self, "has_errors", has_errors)
        _set(self, "shell", shell)
        _set(self, "_memo", {})

    @property
    def memo(self) -> dict[str, object]:
        """Facts computed from this script, by name (shared by every rule that asks)."""
        return self._memo  # type: ignore[no-any-return]

    def find(self, name: str, *sub: str) -> list[Command]:
        """Commands named ``name`` (or whose ``tool`` is ``name``) whose positional
        arguments start with ``sub``: ``find("apt-get", "install")``."""
        found = []
        for cmd in self.commands:
            if cmd.name != name and cmd.tool != name:
                continue
            if sub:
                pos = cmd.positional()
                if len(pos) < len(sub) or any(p.unquoted != s for p, s in zip(pos, sub)):
                    continue
            found.append(cmd)
        return found


# --------------------------------------------------------------------------- flag tables

# Flags that consume the next word, per tool (keys are ``tool_key`` names).  Knowing them
# keeps option values out of positional arguments: ``apt-get -o Foo=1 install x`` installs
# ``x``, not ``Foo=1``.
_VALUE_FLAGS: dict[str, str] = {
    "apt-get": "-o -c -t -a --option --config-file --target-release --default-release --host-architecture",
    "apk": "-X -p -t --repository --root --virtual --arch --keys-dir --cache-dir --repositories-file"
    " --cache-max-age --progress-fd --wait",
    "dnf": "-c -d -e -x -R --config --installroot --releasever --enablerepo --disablerepo --exclude"
    " --setopt --repo --repoid --repofrompath --forcearch --downloaddir --destdir --debuglevel"
    " --errorlevel --rpmverbosity --color --advisory --cve --bz --sec-severity --secseverity",
    "zypper": "-R -c -r -t -D --root --config --repo --from --type --cache-dir --raw-cache-dir"
    " --solv-cache-dir --pkg-cache-dir --reposd-dir",
    "pacman": "-b -r --dbpath --root --cachedir --config --arch --ignore --ignoregroup --overwrite"
    " --assume-installed --gpgdir --hookdir --logfile --sysroot",
    "rpm": "-D --root --dbpath --define --excludepath --prefix --relocate",
    "dpkg": "--root --admindir --instdir --path-include --path-exclude",
    "pip": "-r -c -e -t -i -f -d -w -C --requirement --constraint --editable --target --platform"
    " --python-version --implementation --abi --root --prefix --src --upgrade-strategy"
    " --global-option --install-option --config-settings --no-binary --only-binary --progress-bar"
    " --root-user-action --report --index-url --extra-index-url --find-links --log --log-file"
    " --local-log --proxy --retries --timeout --exists-action --trusted-host --cert --client-cert"
    " --cache-dir --python --use-feature --use-deprecated --keyring-provider --dest --wheel-dir"
    " --build --group --resume-retries",
    "uv": "-r -c -e -t -i -f -p -P -w --requirement --requirements --constraint --constraints"
    " --editable --target --prefix --python --index --default-index --index-url --extra-index-url"
    " --find-links --index-strategy --resolution --prerelease --exclude-newer --override"
    " --overrides --cache-dir --link-mode --refresh-package --reinstall-package --upgrade-package"
    " --extra --group --only-group --no-group --project --directory --package --with --from"
    " --optional --keyring-provider --config-file --python-platform --python-version --config-setting",
    "npm": "-w -C --prefix --registry --cache --userconfig --globalconfig --workspace --omit --include"
    " --loglevel --tag --otp --before --install-strategy --script-shell",
    "yarn": "--cache-folder --modules-folder --network-timeout --mutex --registry --cwd --global-folder"
    " --link-folder --network-concurrency --use-yarnrc",
    "pnpm": "-F -C --filter --dir --store-dir --reporter --loglevel --virtual-store-dir --modules-dir"
    " --lockfile-dir --network-concurrency --child-concurrency --registry",
    "gem": "-v -i -n -s -P --version --install-dir --bindir --source --trust-policy --platform --build-root",
    "bundle": "-j --path --jobs --retry --without --with --gemfile --shebang --target-rbconfig",
    "composer": "-d --working-dir",
    "go": "-o -C -p -mod -modfile -tags -ldflags -gcflags -asmflags -buildmode -compiler -pkgdir"
    " -toolexec -overlay -pgo -exec -covermode -coverpkg -installsuffix -run -bench -timeout -count",
    "cargo": "-j -F -p -Z --version --vers --git --branch --tag --rev --path --root --target --target-dir"
    " --jobs --features --bin --example --profile --registry --index --manifest-path --package --config",
    "poetry": "-E -C -G -P --only --with --without --extras --directory --group --source --project",
    "pipenv": "-r --python --pypi-mirror --requirements --categories",
    # `-f` is --file only for `conda env ...`; in `conda clean -afy` it is --force-pkgs-dirs.
    "conda": "-n -p -c -r --name --prefix --channel --file --repodata-fn --solver --root-prefix --subdir --platform",
    "pipx": "--python --pip-args --index-url --spec --suffix",
    "mvn": "-f -s -gs -P -pl -rf -T -l -t --file --settings --global-settings --activate-profiles"
    " --projects --resume-from --threads --log-file --toolchains",
    "gradle": "-p -b -c -g -x -I --project-dir --build-file --settings-file --gradle-user-home"
    " --exclude-task --init-script --include-build --max-workers",
    "curl": "-o -d -H -u -x -A -e -X -w -T -F -m -C -r -b -c -E -K -y -Y -z -Q -D --output --data"
    " --data-ascii --data-binary --data-raw --data-urlencode --header --user --proxy --user-agent"
    " --referer --request --write-out --upload-file --form --form-string --max-time"
    " --continue-at --range --cookie --cookie-jar --cert --config --speed-limit --speed-time"
    " --time-cond --quote --dump-header --url --retry --retry-delay --retry-max-time"
    " --connect-timeout --cacert --capath --key --resolve --limit-rate --max-filesize --max-redirs"
    " --proto --proto-redir --ciphers --output-dir --connect-to --dns-servers --interface"
    " --local-port --netrc-file --noproxy --pinnedpubkey --trace --trace-ascii --unix-socket"
    " --oauth2-bearer --create-file-mode --expect100-timeout --keepalive-time --variable --json --stderr",
    "wget": "-O -o -a -P -t -T -w -U -e -i -B -Q -l -A -R -D -I -X --output-document --output-file"
    " --append-output --directory-prefix --tries --timeout --wait --user-agent --header --execute"
    " --input-file --base --quota --level --accept --reject --domains --include-directories"
    " --exclude-directories --user --password --http-user --http-password --post-data --post-file"
    " --load-cookies --save-cookies --ca-certificate --certificate --private-key --ca-directory"
    " --limit-rate --referer --bind-address --dns-timeout --connect-timeout --read-timeout"
    " --waitretry --cut-dirs --method --body-data --body-file --progress --config"
    " --restrict-file-names --secure-protocol --default-page",
    "tar": "-f -C -T -X -b -H -K -N -g -I -L -V --file --directory --files-from --exclude-from"
    " --blocking-factor --format --starting-file --newer --after-date --listed-incremental"
    " --use-compress-program --tape-length --label --owner --group --mode --mtime --transform"
    " --xform --strip-components --exclude --record-size --to-command --suffix",
    "unzip": "-d -x -P -I -O",
    "7z": "-o -p -w",
    "python": "-m -c -W -X",
    "sh": "-o +o -O +O --rcfile --init-file",
    "su": "-c -s -g -G -w --command --shell --group --supp-group --whitelist-environment",
    "git": "-C -c -b -o -j -u --git-dir --work-tree --namespace --branch --depth --origin --reference"
    " --separate-git-dir --jobs --filter --shallow-since --shallow-exclude --template --upload-pack --config",
    "mkdir": "-m --mode",
    "useradd": "-b -c -d -e -f -g -G -k -K -p -s -u -R -P -Z --base-dir --comment --home-dir --expiredate"
    " --inactive --gid --groups --skel --key --password --shell --uid --root --prefix --selinux-user",
    "groupadd": "-g -K -p -R -P --gid --key --password --root --prefix",
    "adduser": "-h -g -s -G -u -k --home --shell --uid --gid --ingroup --gecos --firstuid --lastuid --conf --comment",
    "find": "-name -iname -path -ipath -wholename -iwholename -regex -iregex -type -xtype -maxdepth"
    " -mindepth -user -group -uid -gid -perm -size -mtime -mmin -atime -amin -ctime -cmin -newer"
    " -samefile -inum -links -fstype -printf -fprint",
    "chown": "--from --reference",
    "ln": "-t -S --target-directory --suffix",
    "cp": "-t -S --target-directory --suffix",
    "mv": "-t -S --target-directory --suffix",
    "docker-php-ext-install": "-j",
    "make": "-C -f -I -o -W --directory --file --include-dir",
}
_VALUE_FLAGS.update(
    {
        "apt": _VALUE_FLAGS["apt-get"],
        "aptitude": _VALUE_FLAGS["apt-get"] + " -F --display-format",
        "yum": _VALUE_FLAGS["dnf"],
        "microdnf": _VALUE_FLAGS["dnf"],
        "mamba": _VALUE_FLAGS["conda"],
        "micromamba": _VALUE_FLAGS["conda"],
        "conda-env": _VALUE_FLAGS["conda"] + " -f",
    }
)

# Tools whose single-dash options are words, not clusters of letters (``find -name``).
_NO_CLUSTER = frozenset({"find", "go", "mvn", "gradle", "java"})

_VERSIONED = lazy(r"^(pip|python|pypy|gem|ruby|node|php|perl)[0-9][0-9.]*$")
_ALIASES = {
    "pypy": "python",
    "dnf5": "dnf",
    "tdnf": "dnf",
    "gradlew": "gradle",
    "mvnw": "mvn",
    "bundler": "bundle",
    "bash": "sh",
    "dash": "sh",
    "ash": "sh",
    "zsh": "sh",
    "ksh": "sh",
    "mksh": "sh",
    "yash": "sh",
}


def tool_key(name: str) -> str:
    """The table key for a program name: strips version suffixes and folds aliases."""
    m = _VERSIONED.match(name)
    if m:
        name = m.group(1)
    return _ALIASES.get(name, name)


@cache
def value_flags(tool: str) -> frozenset[str]:
    """Flags of ``tool`` (a ``tool_key``) that take the following word as their value."""
    return frozenset(_VALUE_FLAGS.get(tool, "").split())


def scan_args(words: Sequence[ShellWord], tool: str = "") -> Options:
    """Split ``words`` into options and positional words using ``tool``'s value flags.

    ``--`` ends the options; a lone ``-`` is positional (stdin).  For ``python`` the
    scan switches to the module's table after ``-m pip``.
    """
    opts: list[Option] = []
    pos: list[ShellWord] = []
    vf = value_flags(tool)
    cluster = tool not in _NO_CLUSTER
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        w = word.unquoted
        if w == "--":
            pos.extend(words[i + 1 :])
            break
        if len(w) < 2 or w[0] != "-":
            pos.append(word)
            i += 1
            continue
        nxt = words[i + 1] if i + 1 < n else None
        if w[1] == "-" or not cluster or len(w) == 2 or w in vf:
            name, eq, val = w.partition("=") if (w[1] == "-" or not cluster) else (w, "", "")
            if eq:
                opts.append(Option(name, val, word))
            elif name in vf and nxt is not None:
                opts.append(Option(name, nxt.unquoted, word, nxt))
                i += 1
            else:
                opts.append(Option(name, None, word))
            if tool == "python" and name == "-m" and opts[-1].value is not None:
                vf = value_flags(tool_key(opts[-1].value))
                tool = ""
        else:
            for k in range(1, len(w)):
                name = "-" + w[k]
                if name in vf:
                    rest = w[k + 1 :]
                    if rest:
                        opts.append(Option(name, rest, word))
                    elif nxt is not None:
                        opts.append(Option(name, nxt.unquoted, word, nxt))
                        i += 1
                    else:
                        opts.append(Option(name, None, word))
                    break
                opts.append(Option(name, None, word))
        i += 1
    return Options(tuple(opts), tuple(pos))


# --------------------------------------------------------------------------- wrappers


class _Wrapper(Frozen):
    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it
        "value_flags",
        "operands",
        "assignments",
        "refuse",
    )
    value_flags: frozenset[str]
    operands: int  # positional words before the wrapped command (timeout DURATION)
    assignments: bool  # NAME=value words allowed before the command (env, sudo)
    refuse: frozenset[str]  # flags that mean "not running a command"

    def __init__(
        self,
        value_flags: frozenset[str] = frozenset(),
        operands: int = 0,
        assignments: bool = False,
        refuse: frozenset[str] = frozenset(),
    ) -> None:
        _set(self, "value_flags", value_flags)
        _set(self, "operands", operands)
        _set(self, "assignments", assignments)
        _set(self, "refuse", refuse)


def _wrapper(flags: str = "", operands: int = 0, assignments: bool = False, refuse: str = "") -> _Wrapper:
    return _Wrapper(frozenset(flags.split()), operands, assignments, frozenset(refuse.split()))


_WRAPPERS: dict[str, _Wrapper] = {
    "sudo": _wrapper(
        "-u -g -U -C -h -p -r -t -D -R -T --user --group --other-user --close-from --host --prompt"
        " --role --type --chdir --chroot --command-timeout",
        assignments=True,
        refuse="-l -v -k -K -V -e --list --validate --edit",
    ),
    "doas": _wrapper("-u -C"),
    "env": _wrapper("-u -C -S --unset --chdir --split-string", assignments=True),
    "nice": _wrapper("-n --adjustment"),
    "ionice": _wrapper("-c -n -p -P -u --class --classdata --pid --pgid --uid"),
    "nohup": _wrapper(),
    "time": _wrapper("-f -o --format --output"),
    "exec": _wrapper("-a"),
    "command": _wrapper(refuse="-v -V"),
    "builtin": _wrapper(),
    "xargs": _wrapper(
        "-I -n -P -L -s -d -a -E --max-args --max-procs --max-lines --max-chars --delimiter --arg-file"
        " --process-slot-var"
    ),
    "timeout": _wrapper("-s -k --signal --kill-after", operands=1),
    "stdbuf": _wrapper("-i -o -e --input --output --error"),
    "gosu": _wrapper(operands=1),
    "su-exec": _wrapper(operands=1),
    "chroot": _wrapper("--userspec --groups", operands=1),
    "eatmydata": _wrapper(),
    "fakeroot": _wrapper("-l -s -i --lib --faked"),
    "busybox": _wrapper(refuse="--install --list --help"),
}

_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "yash"})
# `sh -c "$CMD"`: nothing to parse, the script is only known at run time.
_ONLY_EXPANSION = lazy(r"\s*(\$\{?[A-Za-z_@*][A-Za-z0-9_]*\}?|\$[0-9@*])\s*")
_ASSIGNMENT = lazy(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")


def _basename(word: str) -> str:
    return word.rstrip("/").rsplit("/", 1)[-1] if "/" in word else word


def _strip_wrappers(words: list[ShellWord], assigns: list[str]) -> tuple[int, list[str]]:
    """Index of the real program in ``words`` and the wrapper names skipped to reach it."""
    wrappers: list[str] = []
    i, n = 0, len(words)
    while i < n:
        name = _basename(words[i].unquoted)
        spec = _WRAPPERS.get(name)
        if spec is None:
            break
        j = i + 1
        refused = False
        while j < n:
            w = words[j].unquoted
            if w == "--":
                j += 1
                break
            if len(w) > 1 and w[0] == "-":
                if w in spec.refuse or w.partition("=")[0] in spec.refuse:
                    refused = True
                    break
                if w in spec.value_flags:
                    j += 2
                    continue
                if w[1] != "-":
                    if any("-" + c in spec.refuse for c in w[1:]):
                        refused = True
                        break
                    k = next((k for k in range(1, len(w)) if "-" + w[k] in spec.value_flags), None)
                    if k == len(w) - 1:
                        j += 1
                j += 1
                continue
            if spec.assignments and _ASSIGNMENT.match(w):
                assigns.append(w)
                j += 1
                continue
            break
        j += spec.operands
        if refused or j >= n:
            break
        wrappers.append(name)
        i = j
    return i, wrappers


def _inline_script_index(cmd: Command) -> int | None:
    """Index in ``cmd.words`` of a literal script the command runs, or -1 for stdin.

    ``sh -c 'text'``, ``bash -ex -c "text"``, ``su -c 'text' user``, ``eval 'text'`` give
    the word; a shell with no script operand reads stdin (``bash <<EOF``) and gives -1.
    """
    words = cmd.words
    tool = cmd.tool
    if tool == "eval":
        return 1 if len(words) == 2 else None
    if tool == "su":
        opt = scan_args(cmd.args, "su").find("-c", "--command")
        if opt is None or opt.value_word is None:
            return None
        return next((k for k, w in enumerate(words) if w is opt.value_word), None)
    if cmd.name not in _SHELLS and not (tool == "sh" and _basename(cmd.name) in _SHELLS):
        return None
    j, n = 1, len(words)
    has_c = stdin = False
    while j < n:
        w = words[j].unquoted
        if w in ("--", "-"):
            j += 1
            break
        if len(w) < 2 or w[0] not in "-+":
            break
        if w in ("--rcfile", "--init-file"):
            j += 2
            continue
        if w[1] != "-":
            letters = w[1:]
            has_c = has_c or (w[0] == "-" and "c" in letters)
            stdin = stdin or (w[0] == "-" and "s" in letters)
            if letters[-1] in "oO":
                j += 1
        j += 1
    if has_c:
        return j if j < n else None
    if stdin or j >= n:
        return -1
    return None


# --------------------------------------------------------------------------- unquoting

_NEEDS_WORK = lazy(r"[\\'\"$`]")
_PARAM_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789{(@*#?$!-")
_ANSI_SIMPLE = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip
_DQ_ESCAPES = frozenset('$`"\\\n')


def _ansi_escape(raw: str, k: int) -> tuple[str, int]:
    """Decode the escape after a backslash at ``raw[k-1]``: (text, characters consumed)."""
    c = raw[k]
    if c in _ANSI_SIMPLE:
        return _ANSI_SIMPLE[c], 1
    for prefix, width, base in (("x", 2, 16), ("u", 4, 16), ("U", 8, 16)):
        if c == prefix:
            digits = re.match(rf"[0-9A-Fa-f]{{1,{width}}}", raw[k + 1 : k + 1 + width])
            if digits:
                code = int(digits.group(), base)
                return (chr(code) if code < 0x110000 else "\ufffd"), 1 + len(digits.group())
            return "\\" + c, 1
    if c in "01234567":
        digits = re.match(r"[0-7]{1,3}", raw[k : k + 3])
        assert digits is not None
        return chr(int(digits.group(), 8)), len(digits.group())
    if c == "c" and k + 1 < len(raw):
        return chr(ord(raw[k + 1]) & 0x1F), 2
    return "\\" + c, 1


def _unquote(raw: str, skips: dict[int, int]) -> tuple[str, bool, _CharMap | None]:
    """Resolve quoting in ``raw``: (text, has_expansion, char map or None for identity).

    ``skips`` maps the start of each expansion found by the parser to its end (relative
    to ``raw``); those are copied verbatim.  The map gives, for each output character,
    where it starts and ends in ``raw`` (an escape ``\\"`` spans both characters), which
    is what nested ``sh -c`` parsing needs for exact spans.
    """
    if not skips and not _NEEDS_WORK.search(raw):
        return raw, False, None
    out: list[str] = []
    pos: list[int] = []
    ends: list[int] = []
    exp = False
    i, n = 0, len(raw)

    def put(text: str, at: int, width: int = 1) -> None:
        out.append(text)
        pos.extend([at] * len(text))
        ends.extend([at + width] * len(text))

    def copy(start: int, end: int) -> None:
        out.append(raw[start:end])
        pos.extend(range(start, end))
        ends.extend(range(start + 1, end + 1))

    in_dq = False  # inside "..." (or $"...")
    while i < n:
        end = skips.get(i)
        if end is not None:
            copy(i, end)
            i = end
            continue
        c = raw[i]
        if c == "\\":
            if raw.startswith("\n", i + 1):
                i += 2
            elif raw.startswith("\r\n", i + 1):
                i += 3
            elif i + 1 < n and (not in_dq or raw[i + 1] in _DQ_ESCAPES):
                put(raw[i + 1], i, 2)
                i += 2
            else:  # a trailing backslash, or one that "..." keeps
                put("\\", i)
                i += 1
            continue
        if in_dq:
            if c == '"':
                in_dq = False
                i += 1
                continue
        elif c == "'":
            j = raw.find("'", i + 1)
            j = n if j < 0 else j
            copy(i + 1, j)
            i = j + 1
            continue
        elif c == "$" and raw.startswith("'", i + 1):
            j = i + 2
            while j < n and raw[j] != "'":
                if raw[j] == "\\" and j + 1 < n:
                    text, used = _ansi_escape(raw, j + 1)
                    put(text, j, 1 + used)
                    j += 1 + used
                else:
                    put(raw[j], j)
                    j += 1
            i = j + 1
            continue
        elif c == '"' or (c == "$" and raw.startswith('"', i + 1)):
            in_dq = True
            i += 1 if c == '"' else 2
            continue
        if c == "`" or (c == "$" and i + 1 < n and raw[i + 1] in _PARAM_START):
            exp = True
        put(c, i)
        i += 1
    return "".join(out), exp or bool(skips), (pos, ends)


# --------------------------------------------------------------------------- parsing

_parser: Parser | None = None


_UNSAFE_CHARS = lazy("[\ud800-\udfff\U00010000-\U0010ffff]")


def _identity(i: int) -> int:
    return i


def tree_safe(text: str) -> str:
    """``text`` with the characters tree-sitter-bash can crash on replaced one for one.

    tree-sitter-bash can crash (SIGSEGV) on `{` followed by any 4-byte UTF-8 character
    (tree-sitter/tree-sitter-bash#337); each such character, and any lone surrogate, becomes
    one U+FFFD, so character offsets are unchanged.
    """
    return text if text.isascii() else _UNSAFE_CHARS.sub("\ufffd", text)


def parse_tree(text: str) -> tuple[bytes, Node]:
    """The raw tree-sitter tree of ``text`` (for code that edits scripts), and the bytes parsed."""
    data = tree_safe(text).encode("utf-8")
    return data, _get_parser().parse(data).root_node


def _get_parser() -> Parser:
    """The process-wide tree-sitter parser, built on first use."""
    global _parser
    if _parser is None:
        try:
            ts, bash = _binding("tree_sitter"), _binding("tree_sitter_bash")
        except Exception:  # noqa: BLE001 - another layout of the packages: import them normally
            import tree_sitter as ts
            import tree_sitter_bash as bash
        _parser = ts.Parser(ts.Language(bash.language()))
    return _parser


def _binding(package: str):  # type: ignore[no-untyped-def]
    """``package._binding`` (the compiled module) without running ``package/__init__.py``.

    The packages' ``__init__`` import ``typing`` and ``importlib.resources`` (pathlib, tempfile):
    ~19 ms of start-up on every pre-commit run, against ~1 ms for the extension itself.  The
    module is registered under its usual name, so a later ``import tree_sitter`` reuses it.
    """
    import sys

    try:  # importlib.machinery's own home; importing the importlib package also imports warnings
        from _frozen_importlib_external import PathFinder
    except ImportError:  # not CPython
        from importlib.machinery import PathFinder

    name = package + "._binding"
    module = sys.modules.get(name)
    if module is not None:
        return module
    spec = PathFinder.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(package)
    sub = PathFinder.find_spec(name, spec.submodule_search_locations)
    if sub is None or sub.loader is None:
        raise ImportError(name)
    module = sub.loader.create_module(sub)
    sub.loader.exec_module(module)  # type: ignore[union-attr]
    sys.modules[name] = module
    return module


_COND, _SUB, _FUNC, _LOOP = 1, 2, 4, 8
_MAX_LEVEL = 300  # tree depth we follow; deeper (pathological) nesting is skipped
_MAX_DEPTH = 6  # nested `sh -c` levels we parse
_OPERATORS = frozenset({"&&", "||", ";", "|", "|&", "&", ";;", ";&", ";;&"})
_REDIRECTS = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_EXPANSIONS = frozenset(
    {"simple_expansion", "expansion", "command_substitution", "arithmetic_expansion", "process_substitution"}
)
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_CONDITIONAL = frozenset({"if_statement", "elif_clause", "while_statement"})
_LOOPS = frozenset({"for_statement", "c_style_for_statement", "select_statement"})
# Inner nodes of `[ ... ]` / `[[ ... ]]`; their leaves become the command's words.
_TEST_EXPRESSIONS = frozenset(
    {"binary_expression", "unary_expression", "parenthesized_expression", "negation_expression",
     "postfix_expression", "ternary_expression"}
)  # fmt: skip
_NESTING_HINT = lazy(r"\$\(|`|[<>]\(")  # text that may hold a nested command
_EXPANSION_HINT = lazy(r"[$`]|[<>]\(")


class _Walker:
    """Flattens one tree-sitter tree into ``Command`` values appended to ``out``."""

    def __init__(
        self, text: str, out: list[Command], depth: int, start_of: ToSource | None, end_of: ToSource | None
    ) -> None:
        # start_of(i): source offset where character i starts; end_of(j): where text[:j]
        # ends.  Both None means text offsets are source offsets.
        self.text = text
        self.start_of = start_of
        self.end_of = end_of
        self.out = out
        self.depth = depth
        self.b2c: list[int] | None = None
        self.prev_end: int | None = None
        self.op: str | None = None
        self.errors = False
        self.attach: dict[tuple[int, int], list[Node]] = {}

    # -- offsets

    def c(self, byte: int) -> int:
        return byte if self.b2c is None else self.b2c[byte]

    def span(self, start: int, end: int) -> Span:
        if self.start_of is None or self.end_of is None:
            return Span(start, end)
        s = self.start_of(start)
        e = self.end_of(end) if end > start else s
        return Span(s, max(s, e))

    def inner(self, base: int, cmap: _CharMap | None) -> tuple[ToSource, ToSource]:
        """``start_of``/``end_of`` for text unquoted from ``self.text[base:]`` with ``cmap``."""
        so = self.start_of or _identity
        eo = self.end_of or _identity
        if cmap is None:
            return (lambda i: so(base + i)), (lambda j: eo(base + j))
        pos, ends = cmap
        n = len(pos)
        last = ends[-1] if n else 0
        return (
            lambda i: so(base + (pos[i] if i < n else last)),
            lambda j: eo(base + (ends[j - 1] if 0 < j <= n else last)),
        )

    # -- entry

    def run(self, ctx: int) -> bool:
        text = self.text
        text = tree_safe(text)  # same character offsets; words are still cut from self.text
        data = text.encode("utf-8")
        if len(data) != len(text):
            b2c = [0] * (len(data) + 1)
            ci = -1
            for bi, byte in enumerate(data):
                if byte & 0xC0 != 0x80:
                    ci += 1
                b2c[bi] = ci
            b2c[len(data)] = len(text)
            self.b2c = b2c
        root = _get_parser().parse(data).root_node
        self.errors = root.has_error
        self.walk(root, ctx, 0)
        return self.errors

    # -- traversal

    def walk(self, node: Node, ctx: int, level: int) -> None:
        if level > _MAX_LEVEL:
            return
        t = node.type
        if not node.is_named:
            if t in _OPERATORS:
                self.op = t
            return
        level += 1
        if t == "command":
            self.command(node, ctx, (), level)
        elif t == "redirected_statement":
            self.redirected(node, ctx, level)
        elif t == "list":
            self.list(node, ctx, level)
        elif t in _CONDITIONAL:
            if t == "while_statement":  # the test runs on every iteration too
                ctx |= _LOOP
            cond = True
            for ch in node.children:
                ct = ch.type
                if ct in ("then", "do", "do_group"):
                    cond = False
                if ct in ("elif_clause", "else_clause"):
                    self.walk(ch, ctx, level)
                elif ct == "do_group":
                    self.walk(ch, ctx | _LOOP, level)
                else:
                    self.walk(ch, ctx | _COND if cond else ctx, level)
        elif t in _LOOPS:
            self.children(node, ctx | _LOOP, level)
        elif t == "negated_command":
            self.children(node, ctx | _COND, level)
        elif t == "subshell":
            self.children(node, ctx | _SUB, level)
        elif t == "function_definition":
            self.children(node, ctx | _FUNC, level)
        elif t in _SUBSTITUTIONS:
            self.nested_sequence(node, ctx | _SUB, level)
        elif t in ("declaration_command", "unset_command", "test_command"):
            self.builtin(node, ctx, level)
        elif t in ("variable_assignment", "variable_assignments"):
            self.assignment(node, ctx, level)
        elif t == "comment":
            return
        elif t == "case_item":
            self.case_item(node, ctx, level)
        else:
            self.children(node, ctx, level)

    def case_item(self, node: Node, ctx: int, level: int) -> None:
        """Walk a ``case`` branch's body only: the ``|`` between its patterns is not a pipe."""
        body = False
        for ch in node.children:
            if body:
                self.walk(ch, ctx, level)
            elif ch.type == ")":
                body = True
                self.op = None
            else:
                self.substitutions(ch, ctx, level)

    def children(self, node: Node, ctx: int, level: int) -> None:
        for ch in node.children:
            self.walk(ch, ctx, level)

    def nested_sequence(self, node: Node, ctx: int, level: int) -> None:
        """Walk ``node`` as its own command sequence (``$(...)``), then resume the outer one."""
        saved = self.prev_end, self.op
        self.prev_end, self.op = None, None
        self.children(node, ctx, level)
        self.prev_end, self.op = saved

    def substitutions(self, node: Node, ctx: int, level: int) -> None:
        """Find ``$(...)`` / ``<(...)`` inside words, assignments and redirect targets."""
        if level > _MAX_LEVEL:
            return
        for ch in node.children:
            if ch.type in _SUBSTITUTIONS:
                self.nested_sequence(ch, ctx | _SUB, level + 1)
            elif ch.is_named and ch.child_count:
                self.substitutions(ch, ctx, level + 1)

    def list(self, node: Node, ctx: int, level: int) -> None:
        """``a && b || c`` is left-nested; flatten it so long chains do not recurse deeply.

        Every command left of a ``||`` gets ``in_condition``: its failure is handled.
        """
        chain: list[Node] = []  # operands and operators, left to right
        cur = node
        rights: list[list[Node]] = []
        while cur.type == "list" and cur.child_count:
            ch = cur.children
            rights.append(ch[1:])
            cur = ch[0]
        chain.append(cur)
        for rest in reversed(rights):
            chain.extend(rest)
        or_after = False
        conds = [False] * len(chain)
        for k in range(len(chain) - 1, -1, -1):
            if chain[k].type == "||":
                or_after = True
            conds[k] = or_after
        for k, item in enumerate(chain):
            self.walk(item, ctx | _COND if conds[k] and item.is_named else ctx, level)

    # -- words

    def words(self, nodes: list[Node]) -> tuple[list[ShellWord], list[tuple[int, _CharMap | None]]]:
        """ShellWords for argument nodes, merging words split by ``\\<newline>``."""
        text = self.text
        b2c = self.b2c
        items: list[tuple[int, int, list[Node]]] = []
        for nd in nodes:
            s, e = nd.start_byte, nd.end_byte
            if b2c is not None:
                s, e = b2c[s], b2c[e]
            if s >= e:
                continue
            if items and 2 <= s - items[-1][1] <= 3 and text[items[-1][1] : s] in ("\\\n", "\\\r\n"):
                ps, _, pn = items[-1]
                items[-1] = (ps, e, pn + [nd])
            else:
                items.append((s, e, [nd]))
        words: list[ShellWord] = []
        maps: list[tuple[int, _CharMap | None]] = []
        for s, e, nds in items:
            raw = text[s:e]
            skips: dict[int, int] = {}
            if _EXPANSION_HINT.search(raw):
                for nd in nds:
                    self.expansion_spans(nd, s, skips)
            unq, exp, cmap = _unquote(raw, skips)
            words.append(ShellWord(raw, unq, self.span(s, e), exp))
            maps.append((s, cmap))
        return words, maps

    def expansion_spans(self, node: Node, base: int, skips: dict[int, int]) -> None:
        """Record expansions under ``node`` as ``start -> end`` relative to ``base``."""
        stack = [node]
        text = self.text
        while stack:
            nd = stack.pop()
            if nd.type in _EXPANSIONS:
                s, e = self.c(nd.start_byte), self.c(nd.end_byte)
                while s < e and text[s] in " \t\r\n":  # the grammar lets some start at a space
                    s += 1
                if e > s:
                    skips[s - base] = e - base
            elif nd.child_count:
                stack.extend(nd.children)

    # -- commands

    def connector(self, start: int) -> str | None:
        if self.op is not None:
            return self.op
        if self.prev_end is None:
            return None
        gap = self.text[self.prev_end : start].replace("\\\r\n", "").replace("\\\n", "")
        return "\n" if "\n" in gap else ";"

    def emit(
        self,
        words: list[ShellWord],
        maps: list[tuple[int, _CharMap | None]],
        assigns: list[str],
        redirects: tuple[Redirect, ...],
        start: int,
        end: int,
        ctx: int,
        stdin: Node | None = None,
    ) -> Command:
        first, wrappers = _strip_wrappers(words, assigns)
        argv = tuple(words[first:])
        cmd = Command(
            words=argv,
            name=_basename(argv[0].unquoted) if argv else "",
            span=self.span(start, end),
            connector=self.connector(start),
            assignments=tuple(assigns),
            wrappers=tuple(wrappers),
            redirects=redirects,
            in_condition=bool(ctx & _COND),
            in_subshell=bool(ctx & _SUB),
            in_function=bool(ctx & _FUNC),
            in_loop=bool(ctx & _LOOP),
            depth=self.depth,
        )
        self.out.append(cmd)
        self.op = None
        self.prev_end = end
        if argv and self.depth < _MAX_DEPTH:
            k = _inline_script_index(cmd)
            if k is not None and k >= 0 and not _ONLY_EXPANSION.fullmatch(argv[k].unquoted):
                base, cmap = maps[first + k]
                self.nested(argv[k].unquoted, self.inner(base, cmap), ctx)
            elif k == -1 and stdin is not None:
                self.stdin_script(stdin, ctx)
        return cmd

    def nested(self, inner: str, offsets: tuple[ToSource, ToSource], ctx: int) -> None:
        saved = self.prev_end, self.op
        sub = _Walker(inner, self.out, self.depth + 1, *offsets)
        self.errors |= sub.run(ctx | _SUB)
        self.prev_end, self.op = saved

    def stdin_script(self, node: Node, ctx: int) -> None:
        """Parse the here-document body or here-string a shell reads as its script."""
        if node.type == "heredoc_body":
            s, e = self.c(node.start_byte), self.c(node.end_byte)
            self.nested(self.text[s:e], self.inner(s, None), ctx)
            return
        words, maps = self.words([ch for ch in node.children if ch.is_named])
        if words:
            base, cmap = maps[0]
            self.nested(words[0].unquoted, self.inner(base, cmap), ctx)

    def redirect(self, node: Node) -> tuple[Redirect, int, Node | None]:
        """The redirect value, where its text ends for the command span, and any stdin body."""
        fd: int | None = None
        op = ""
        target_nodes: list[Node] = []
        body: Node | None = None
        end = node.end_byte
        for ch in node.children:
            t = ch.type
            if t == "file_descriptor":
                raw = self.text[self.c(ch.start_byte) : self.c(ch.end_byte)]
                fd = int(raw) if raw.isdigit() else None
            elif not ch.is_named:
                op = op or t
            elif t == "heredoc_start":
                target_nodes = [ch]
                end = ch.end_byte
            elif t == "heredoc_body":
                body = ch
            elif not target_nodes and t not in _REDIRECTS and t not in ("pipeline", "list", "command", "heredoc_end"):
                target_nodes = [ch]
        if node.type == "herestring_redirect":
            body = node
        words, _ = self.words(target_nodes)
        s = self.c(node.start_byte)
        redirect = Redirect(op, fd, words[0] if words else None, self.span(s, max(s, self.c(end))))
        return redirect, self.c(end), body

    def command(self, node: Node, ctx: int, extra: list[Node] | tuple[Node, ...], level: int) -> None:
        assign_nodes: list[Node] = []
        word_nodes: list[Node] = []
        redirect_nodes: list[Node] = []
        for ch in node.children:
            t = ch.type
            if t == "variable_assignment":
                assign_nodes.append(ch)
            elif t in _REDIRECTS:
                redirect_nodes.append(ch)
            elif ch.is_named and t != "comment":
                word_nodes.append(ch)
        redirect_nodes.extend(extra)
        if self.attach:
            redirect_nodes.extend(self.attach.pop((node.start_byte, node.end_byte), ()))
        words, maps = self.words(word_nodes)
        assigns = [self.assignment_text(nd) for nd in assign_nodes]
        start, end = self.c(node.start_byte), self.c(node.end_byte)
        redirects = []
        stdin = None
        for nd in redirect_nodes:
            group = [nd]
            if nd.type == "heredoc_redirect":  # `<<EOF > file` nests the file redirect
                group.extend(ch for ch in nd.children if ch.type in _REDIRECTS)
            for rd in group:
                red, red_end, body = self.redirect(rd)
                redirects.append(red)
                end = max(end, red_end)
                stdin = body or stdin
        if not words and not assigns:
            self.walk_redirects(redirect_nodes, ctx, level)
            return
        self.emit(words, maps, assigns, tuple(redirects), start, end, ctx, stdin)
        text = self.text[start : self.c(node.end_byte)]
        if _NESTING_HINT.search(text):
            self.substitutions(node, ctx, level)
        self.walk_redirects(redirect_nodes, ctx, level)

    def walk_redirects(self, nodes: list[Node], ctx: int, level: int) -> None:
        """Commands piped after a heredoc (``cat <<EOF | sh``) and substitutions in targets."""
        for nd in nodes:
            for ch in nd.children:
                if ch.type in ("pipeline", "list", "command", "redirected_statement"):
                    self.walk(ch, ctx, level)
                elif ch.type in _SUBSTITUTIONS:
                    self.nested_sequence(ch, ctx | _SUB, level)
                elif ch.is_named and ch.child_count:
                    self.substitutions(ch, ctx, level)
                elif not ch.is_named and ch.type in _OPERATORS:
                    self.op = ch.type

    def redirected(self, node: Node, ctx: int, level: int) -> None:
        body = None
        redirects: list[Node] = []
        for ch in node.children:
            if ch.type in _REDIRECTS:
                redirects.append(ch)
            elif ch.is_named and body is None and ch.type != "comment":
                body = ch
        if body is not None and body.type == "command":
            self.command(body, ctx, redirects, level)
            return
        # The grammar hangs `a && b <<EOF` on the whole list; bash gives it to `b`.
        tail = body
        while tail is not None and tail.type in ("list", "pipeline", "negated_command") and tail.child_count:
            tail = next((c for c in reversed(tail.children) if c.is_named), None)
        if tail is not None and tail.type == "command":
            self.attach[(tail.start_byte, tail.end_byte)] = redirects
            self.walk(body, ctx, level)  # type: ignore[arg-type]
            return
        if body is not None:
            self.walk(body, ctx, level)
        self.walk_redirects(redirects, ctx, level)

    def assignment_text(self, node: Node) -> str:
        words, _ = self.words([node])
        return words[0].unquoted if words else ""

    def assignment(self, node: Node, ctx: int, level: int) -> None:
        nodes = [node] if node.type == "variable_assignment" else [c for c in node.children if c.is_named]
        assigns = [self.assignment_text(nd) for nd in nodes]
        self.emit([], [], assigns, (), self.c(node.start_byte), self.c(node.end_byte), ctx)
        self.substitutions(node, ctx, level)

    def builtin(self, node: Node, ctx: int, level: int) -> None:
        """``export``/``local``/``unset`` and ``[ ... ]``/``[[ ... ]]`` as commands."""
        leaves: list[Node] = []
        stack = [node]
        while stack:
            nd = stack.pop()
            if nd is not node and (not nd.child_count or nd.type not in _TEST_EXPRESSIONS):
                leaves.append(nd)
            else:
                stack.extend(reversed(nd.children))
        words, maps = self.words(leaves)
        start, end = self.c(node.start_byte), self.c(node.end_byte)
        self.emit(words, maps, [], (), start, end, ctx)
        if _NESTING_HINT.search(self.text, start, end):
            self.substitutions(node, ctx, level)


def parse_script(text: str, to_source: ToSource | None = None, shell: str = "sh") -> Script:
    """Parse shell ``text`` into a ``Script``; never raises.

    ``to_source`` maps an index of ``text`` to a source offset (``Mapped.to_source``);
    ``None`` means ``text`` starts at offset 0 of the source.  ``shell`` is the program
    that runs the text (from ``SHELL``); a non-POSIX shell yields no commands.
    """
    if _basename(shell.split()[0] if shell.strip() else "sh") not in _SHELLS | {"busybox"}:
        return Script(text, (), False, shell)
    out: list[Command] = []
    end_of = None
    if to_source is not None:
        ts = to_source

        def end_of(j: int) -> int:
            return ts(j - 1) + 1 if j > 0 else ts(0)

    errors = _Walker(text, out, 0, to_source, end_of).run(0)
    return Script(text, tuple(out), errors, shell)


# --------------------------------------------------------------------------- instructions

_HEREDOC_ONLY = lazy(r"\s*\d*<<-?\s*(['\"]?)[^\s'\"<>|&;]+\1\s*")


def script_for(instruction: Instruction, shell: str = "sh") -> Script:
    """The script an instruction runs, as BuildKit builds it.

    * shell form: the joined command text;
    * ``RUN <<EOF`` alone: the heredoc body (if it starts with ``#!`` for a non-shell
      interpreter, nothing is parsed);
    * shell form with heredocs: command, newline, each body and its delimiter, the text
      BuildKit hands to the shell, so ``cat <<EOF > f`` and ``bash <<EOF`` work;
    * exec form: one command whose words are the JSON elements (no shell; a
      ``["sh", "-c", "..."]`` string is still parsed).
    """
    from layerlint.model import Mapped

    ins = instruction.effective
    if ins.exec_form:
        return _exec_script(ins, shell)
    command = ins.command
    if not ins.heredocs:
        return parse_script(command.text, command.to_source, shell)
    first = ins.heredocs[0]
    if _HEREDOC_ONLY.fullmatch(command.text):
        body = first.content
        start = first.body_span.start
        if body.startswith("#!"):
            interpreter = body[2:].split("\n", 1)[0].split()
            prog = (
                interpreter[-1]
                if interpreter and _basename(interpreter[0]) == "env"
                else (interpreter[0] if interpreter else "sh")
            )
            if _basename(prog) not in _SHELLS:
                return Script(body, (), False, prog)
        return parse_script(body, lambda i: start + i, shell)
    text = command.text
    pieces = list(command.pieces) or [(0, ins.span.start)]
    end_source = command.to_source(max(0, len(text) - 1)) + (1 if text else 0)
    for doc in ins.heredocs:
        pieces.append((len(text), end_source))
        text += "\n"
        pieces.append((len(text), doc.body_span.start))
        body = doc.content if doc.content.endswith("\n") or not doc.content else doc.content + "\n"
        text += body
        pieces.append((len(text), doc.body_span.end))
        text += doc.name
    return parse_script(text, Mapped(text, tuple(pieces)).to_source, shell)


def _exec_script(ins: Instruction, shell: str) -> Script:
    """Exec form runs argv directly; word spans are already source spans."""
    words = [ShellWord(w.raw, w.value, w.span) for w in ins.args]
    out: list[Command] = []
    walker = _Walker(ins.command.text, out, 0, None, None)
    if words:
        # A JSON string maps 1:1 onto its value when it has no escapes; else onto the whole string.
        maps: list[tuple[int, _CharMap | None]] = [
            (w.span.start + 1, None)
            if w.raw[1:-1] == w.unquoted
            else (w.span.start, ([0] * len(w.unquoted), [len(w.raw)] * len(w.unquoted)))
            for w in words
        ]
        walker.emit(words, maps, [], (), words[0].span.start, words[-1].span.end, 0)
    return Script(ins.command.text, tuple(out), walker.errors, shell)
