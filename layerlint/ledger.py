"""A ledger of the paths each layer creates, and of later layers that remove or rewrite them.

Deleting, ``chown``-ing or ``touch``-ing a file in a later layer never makes the image
smaller: the bytes stay in the layer that created them, and a rewrite stores them a second
time (ARCHITECTURE.md §6, "wasted bytes").  Several size rules and the size estimator ask
the same question - "which earlier layer made this path?" - so the answer is computed once
per file here (``ledger(ctx)`` memoizes it on the rule context).

What is tracked, per layer of every stage (ONBUILD triggers do not run in this build):

* ``COPY``/``ADD`` destinations, resolved against ``WORKDIR`` with ARG/ENV expansion;
  a local archive given to ``ADD`` is recorded as extracted, a URL as downloaded;
* files written by ``RUN``: ``curl -o/-O``, ``wget [-O|-P]``, ``tar -x [-C]``, ``unzip -d``,
  ``git clone``, ``mkdir``, ``cp``/``mv`` destinations and ``>`` redirections, resolved
  against ``cd`` inside the command;
* package-manager caches (``CACHES``) a command fills unless a flag, a variable or a cache
  mount keeps them out;
* removals (``rm``, ``find -delete``, cache cleaners) inside the same RUN cancel what that
  RUN created; the ones that reach an earlier layer become ``Change`` records, as do
  ``chown``/``chmod``/``chgrp``/``touch`` and ``mv`` of earlier files;
* archives consumed (``tar -x``, ``unzip``, ``dpkg -i x.deb``, ...) as ``Extraction`` records.

Paths are POSIX, absolute and normalized; a path may keep shell glob characters.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from fnmatch import fnmatchcase

from layerlint.shell import scan_args, tool_key
from layerlint.source import Frozen, Span, _set

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.model import Build, Instruction
    from layerlint.rule import RuleContext
    from layerlint.shell import Command, Script, ShellWord

__all__ = [
    "CACHES",
    "CacheSpec",
    "Change",
    "Created",
    "Extraction",
    "Ledger",
    "State",
    "build_ledger",
    "covers",
    "empties",
    "inside",
    "is_archive",
    "ledger",
    "mount_targets",
    "run_scripts",
]


# --------------------------------------------------------------------------- values


class Created(Frozen):
    """Something one layer wrote.

    ``tree`` means the layer wrote the *contents* of the directory ``path`` (``COPY dir/``,
    ``tar -C``, ``git clone``); otherwise ``path`` itself is the file or directory.
    ``alt`` holds other names the same bytes may have: ``COPY f /dest`` makes ``/dest`` or
    ``/dest/f`` depending on whether ``/dest`` is a directory, and a cache may live in one of
    several directories.  ``how`` is one of ``copy add download extract clone mkdir workdir
    write cache`` (``mkdir``: an empty directory; ``workdir``: one the RUN then ``cd``-ed into
    and worked in); for a cache ``source`` is the ``CacheSpec`` name, else the COPY source or URL.
    """

    __slots__ = (  # constructor order: Value relies on it
        "path",
        "tree",
        "how",
        "instruction",
        "span",
        "source",
        "alt",
        "from_context",
    )

    path: str
    tree: bool
    how: str
    instruction: Instruction
    span: Span
    source: str
    alt: tuple[str, ...]
    from_context: bool  # a COPY/ADD source read from the build context

    def __init__(
        self,
        path: str,
        tree: bool,
        how: str,
        instruction: Instruction,
        span: Span,
        source: str = "",
        alt: tuple[str, ...] = (),
        from_context: bool = False,
    ) -> None:
        _set(self, "path", path)
        _set(self, "tree", tree)
        _set(self, "how", how)
        _set(self, "instruction", instruction)
        _set(self, "span", span)
        _set(self, "source", source)
        _set(self, "alt", alt)
        _set(self, "from_context", from_context)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.path, *self.alt)


class Change(Frozen):
    """A command that removes or rewrites ``path`` after earlier layers created parts of it.

    ``op`` is ``remove``, ``chown``, ``chmod``, ``chgrp``, ``touch`` or ``move``.
    ``matches`` are earlier entries the path equals or contains; ``within`` are earlier
    tree entries the path lies inside (the layer *may* have created it).
    """

    __slots__ = (  # constructor order: Value relies on it
        "op",
        "path",
        "instruction",
        "span",
        "command",
        "recursive",
        "matches",
        "within",
    )

    op: str
    path: str
    instruction: Instruction
    span: Span
    command: Span
    recursive: bool
    matches: tuple[Created, ...]
    within: tuple[Created, ...]

    def __init__(
        self,
        op: str,
        path: str,
        instruction: Instruction,
        span: Span,
        command: Span,
        recursive: bool,
        matches: tuple[Created, ...] = (),
        within: tuple[Created, ...] = (),
    ) -> None:
        _set(self, "op", op)
        _set(self, "path", path)
        _set(self, "instruction", instruction)
        _set(self, "span", span)
        _set(self, "command", command)
        _set(self, "recursive", recursive)
        _set(self, "matches", matches)
        _set(self, "within", within)


class Extraction(Frozen):
    """An archive unpacked or installed by a RUN (``tar -x``, ``unzip``, ``dpkg -i``...).

    ``created`` is the ledger entry that made the archive (this RUN or an earlier layer),
    ``None`` when it came from elsewhere (the base image, a mount); ``kept`` tells whether
    the archive still exists when the RUN ends.
    """

    __slots__ = (  # constructor order: Value relies on it
        "archive",
        "tool",
        "instruction",
        "span",
        "command",
        "created",
        "kept",
    )

    archive: str
    tool: str
    instruction: Instruction
    span: Span
    command: Span
    created: Created | None
    kept: bool

    def __init__(
        self,
        archive: str,
        tool: str,
        instruction: Instruction,
        span: Span,
        command: Span,
        created: Created | None,
        kept: bool,
    ) -> None:
        _set(self, "archive", archive)
        _set(self, "tool", tool)
        _set(self, "instruction", instruction)
        _set(self, "span", span)
        _set(self, "command", command)
        _set(self, "created", created)
        _set(self, "kept", kept)


class State(Frozen):
    """What a command sees before an instruction runs: working directory, user, variables."""

    __slots__ = ("workdir", "user", "env")  # constructor order: Value relies on it
    workdir: str
    user: str
    env: Mapping[str, str]

    def __init__(self, workdir: str = "/", user: str = "root", env: Mapping[str, str] | None = None) -> None:
        _set(self, "workdir", workdir)
        _set(self, "user", user)
        _set(self, "env", {} if env is None else env)

    @property
    def home(self) -> str:
        home = self.env.get("HOME")
        if home and home.startswith("/"):
            return home
        return "/root" if self.user in ("root", "0", "") else f"/home/{self.user}"


class CacheSpec(Frozen):
    """Where a package manager keeps downloads it does not need after installing.

    A command of one of ``tools`` whose subcommand is in ``writes`` fills ``dirs`` (``~`` is
    the user's home; ``*`` in ``writes``: any subcommand, such as Maven goals) unless it has
    one of ``off_flags`` or a variable of ``off_env`` is set;
    ``dir_flags``/``dir_env`` move it.  ``cleans`` are argument sequences of the same tool
    that empty it (``("clean", "all")``), given one of ``clean_flags`` when there are any.
    """

    __slots__ = (  # constructor order: Value relies on it
        "name",
        "what",
        "tools",
        "writes",
        "dirs",
        "off_flags",
        "off_env",
        "dir_flags",
        "dir_env",
        "cleans",
        "clean_flags",
    )

    name: str
    what: str
    tools: frozenset[str]
    writes: frozenset[str]
    dirs: tuple[str, ...]
    off_flags: frozenset[str]
    off_env: frozenset[str]
    dir_flags: tuple[str, ...]
    dir_env: tuple[str, ...]
    cleans: tuple[tuple[str, ...], ...]
    clean_flags: frozenset[str]  # a cleaner needs one of these (`zypper clean --all`)

    def __init__(
        self,
        name: str,
        what: str,
        tools: frozenset[str],
        writes: frozenset[str],
        dirs: tuple[str, ...],
        off_flags: frozenset[str] = frozenset(),
        off_env: frozenset[str] = frozenset(),
        dir_flags: tuple[str, ...] = (),
        dir_env: tuple[str, ...] = (),
        cleans: tuple[tuple[str, ...], ...] = (),
        clean_flags: frozenset[str] = frozenset(),
    ) -> None:
        _set(self, "name", name)
        _set(self, "what", what)
        _set(self, "tools", tools)
        _set(self, "writes", writes)
        _set(self, "dirs", dirs)
        _set(self, "off_flags", off_flags)
        _set(self, "off_env", off_env)
        _set(self, "dir_flags", dir_flags)
        _set(self, "dir_env", dir_env)
        _set(self, "cleans", cleans)
        _set(self, "clean_flags", clean_flags)


def _spec(name: str, what: str, tools: str, writes: str, dirs: str, **kw: object) -> CacheSpec:
    split = {
        k: (frozenset(str(v).split()) if k.startswith(("off", "clean_")) else tuple(str(v).split()))
        for k, v in kw.items()
        if k != "cleans"
    }
    cleans = tuple(tuple(c.split()) for c in str(kw.get("cleans", "")).split(",") if c.strip())
    return CacheSpec(name, what, frozenset(tools.split()), frozenset(writes.split()), tuple(dirs.split()), cleans=cleans, **split)  # type: ignore[arg-type]


_DNF_WRITES = (
    "install in reinstall rei upgrade up update upgrade-minimal up-min update-minimal makecache mc"
    " distro-sync dsync downgrade dg groupinstall localinstall group module swap"
)

CACHES: dict[str, CacheSpec] = {
    s.name: s
    for s in (
        _spec("apt-lists", "apt package lists", "apt-get apt aptitude", "update", "/var/lib/apt/lists",
              cleans="distclean, dist-clean"),
        _spec("apk", "apk package indexes", "apk", "add update upgrade fix", "/var/cache/apk",
              off_flags="--no-cache --no-network", cleans="cache clean, cache purge"),  # --no-network fetches no index
        _spec("pip", "pip's download and wheel cache", "pip", "install download wheel", "~/.cache/pip",
              off_flags="--no-cache-dir", off_env="PIP_NO_CACHE_DIR", dir_flags="--cache-dir",
              dir_env="PIP_CACHE_DIR", cleans="cache purge"),
        _spec("yum", "yum metadata and package cache", "yum", _DNF_WRITES, "/var/cache/yum /var/cache/dnf",
              cleans="clean all"),
        _spec("dnf", "dnf metadata and package cache", "dnf microdnf", _DNF_WRITES,
              "/var/cache/dnf /var/cache/libdnf5 /var/cache/yum", cleans="clean all"),
        _spec("zypper", "zypper repository metadata and package cache", "zypper",
              "install in update up dist-upgrade dup patch refresh ref source-install si", "/var/cache/zypp",
              cleans="clean, cc", clean_flags="-a --all"),
        _spec("npm", "npm's download cache", "npm", "install i in ins isnt isntall add ci update up upgrade",
              "~/.npm", dir_flags="--cache", dir_env="NPM_CONFIG_CACHE npm_config_cache",
              cleans="cache clean, cache clear, cache rm"),
        _spec("yarn", "yarn's package cache", "yarn", "install add upgrade global",
              "/usr/local/share/.cache/yarn ~/.cache/yarn ~/.yarn/berry/cache", dir_flags="--cache-folder",
              dir_env="YARN_CACHE_FOLDER", cleans="cache clean"),
        _spec("composer", "Composer's download cache", "composer",
              "install i update u upgrade require r create-project global",
              "~/.composer/cache ~/.cache/composer /tmp/cache", off_flags="--no-cache",
              dir_env="COMPOSER_CACHE_DIR COMPOSER_HOME/cache",
              cleans="clear-cache, clearcache, cc"),
        _spec("go-build", "the Go build cache", "go", "build install test run vet generate", "~/.cache/go-build",
              dir_env="GOCACHE", cleans="clean", clean_flags="-cache"),
        _spec("go-mod", "the Go module cache", "go", "build install test run vet generate get mod",
              "/go/pkg/mod ~/go/pkg/mod", dir_env="GOMODCACHE GOPATH/pkg/mod", cleans="clean", clean_flags="-modcache"),
        _spec("cargo", "Cargo's registry cache", "cargo", "build install fetch run test", "/usr/local/cargo/registry ~/.cargo/registry",
              dir_env="CARGO_HOME/registry"),
        _spec("maven", "Maven's local repository", "mvn", "*", "~/.m2/repository"),
        _spec("gradle", "Gradle's caches and wrapper downloads", "gradle", "*", "~/.gradle/caches ~/.gradle/wrapper",
              dir_env="GRADLE_USER_HOME/caches"),
    )
}
_BARE_WRITES = frozenset({"yarn"})  # `yarn` alone installs
_INFO_FLAGS = frozenset({"--version", "-v", "-V", "--help", "-h"})  # `yarn --version` installs nothing


# --------------------------------------------------------------------------- paths

# Patterns as strings: ``re`` compiles each on first use and caches it, so importing costs nothing.
_WINDOWS = r"^[A-Za-z]:[\\/]"
_VAR = r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))"
_SYSTEM_DIRS = frozenset(
    "/ /bin /sbin /lib /lib64 /etc /usr /usr/bin /usr/sbin /usr/lib /usr/lib64 /usr/share /usr/include /usr/local"
    " /usr/local/bin /usr/local/sbin /usr/local/lib /usr/local/share /usr/local/include /var /var/lib /var/cache"
    " /var/log /opt /root /home /tmp /srv /run /var/run /var/tmp".split()
)
_ARCHIVE = (
    r"(?i)\.(tar|tgz|tbz|tbz2|txz|tzst|tlz|zip|jar|war|ear|whl|deb|rpm|apk|gem|7z|rar|xz|gz|bz2|zst|lz4|lzma|tar\.\w+)$"
)
_LOCAL_ADD_EXTRACTS = r"(?i)\.(tar|tgz|tbz2?|txz|tar\.(gz|bz2|xz|zst|lz4|lzma|Z))$"


def normalize(path: str) -> str:
    """An absolute path without ``.``/``..``/``//`` (Windows drive paths use ``/``)."""
    if re.match(_WINDOWS, path):
        path = path.replace("\\", "/")
        return path[:2] + (posixpath.normpath(path[2:]) if len(path) > 2 else "/")
    path = posixpath.normpath(path)
    return "/" + path.lstrip("/") if path.startswith("/") else path


def join(base: str, path: str) -> str:
    if path.startswith("/") or re.match(_WINDOWS, path):
        return normalize(path)
    if re.match(_WINDOWS, base):
        return normalize(base.replace("\\", "/").rstrip("/") + "/" + path.replace("\\", "/"))
    return normalize(posixpath.join(base, path))


def basename(path: str) -> str:
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1]


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def covers(pattern: str, path: str) -> bool:
    """True if ``pattern`` (maybe a glob) names ``path`` or one of its ancestors."""
    pp, tp = _parts(pattern), _parts(path)
    if len(pp) > len(tp):
        return False
    if pattern[:2] != path[:2] and (re.match(_WINDOWS, pattern) or re.match(_WINDOWS, path)):
        return False
    return all(fnmatchcase(t, p) for p, t in zip(pp, tp))


def empties(path: str, entry: Created) -> bool:
    """True if removing ``path`` leaves nothing of ``entry`` (``rm -rf dir/*`` empties a tree)."""
    if any(covers(path, n) for n in entry.names):
        return True
    parent, _, last = path.rpartition("/")
    return entry.tree and last in ("*", "**") and any(covers(parent or "/", n) and _parts(parent) == _parts(n) for n in entry.names)


def inside(path: str, root: str) -> bool:
    """True if ``path`` (maybe a glob) lies strictly below the directory ``root``."""
    rp, pp = _parts(root), _parts(path)
    return len(pp) > len(rp) and pp[: len(rp)] == rp


def is_archive(path: str) -> bool:
    return bool(re.search(_ARCHIVE, path))


def mount_targets(ins: Instruction, types: Iterable[str] = ("cache", "tmpfs", "bind", "secret", "ssh")) -> list[str]:
    """Targets of ``RUN --mount`` flags of the given types (BuildKit's default type is bind)."""
    wanted = set(types)
    out = []
    for flag in ins.effective.flags_named("mount"):
        opts = dict(
            (kv.split("=", 1) + [""])[:2] for kv in (flag.value or "").split(",") if kv  # type: ignore[misc]
        )
        kind = opts.get("type", "bind")
        target = opts.get("target") or opts.get("dst") or opts.get("destination")
        if kind in wanted and target:
            out.append(normalize(target.strip("\"'")))
    return out


# --------------------------------------------------------------------------- the ledger


class Ledger:
    """Per instruction: the state before it, what it created and changed.  Read-only API."""

    def __init__(self) -> None:
        self._state: dict[int, State] = {}
        self._created: dict[int, tuple[Created, ...]] = {}
        self._visible: dict[int, tuple[list[Created], int]] = {}
        self._changes: dict[int, tuple[Change, ...]] = {}
        self._extractions: dict[int, tuple[Extraction, ...]] = {}

    def state(self, ins: Instruction) -> State:
        """Working directory, user and variables an instruction sees (``State()`` if unknown)."""
        return self._state.get(ins.index, State())

    def created_by(self, ins: Instruction) -> tuple[Created, ...]:
        """What the instruction's layer holds when it is committed (same-RUN removals applied)."""
        return self._created.get(ins.index, ())

    def before(self, ins: Instruction) -> Iterator[Created]:
        """Entries of the earlier layers of the image ``ins`` builds on (parent stages too), newest first."""
        entries, n = self._visible.get(ins.index, ([], 0))
        return reversed(entries[:n])

    def changes(self, ins: Instruction) -> tuple[Change, ...]:
        """Removals and rewrites by ``ins`` that reach paths of earlier layers."""
        return self._changes.get(ins.index, ())

    def extractions(self, ins: Instruction) -> tuple[Extraction, ...]:
        return self._extractions.get(ins.index, ())

    def all_changes(self) -> Iterator[Change]:
        for changes in self._changes.values():
            yield from changes


def ledger(ctx: RuleContext) -> Ledger:
    """The file's ledger, built once and shared by every rule (``ctx.memo``)."""
    return ctx.memo("ledger", lambda: build_ledger(ctx.build, lambda ins: run_scripts(ctx, ins)))


def run_scripts(ctx: RuleContext, ins: Instruction) -> Iterable[Script]:
    """The scripts a RUN executes: ``ctx.scripts`` for shell form, the argv for exec form."""
    if ins.effective.exec_form:
        from layerlint.shell import script_for

        return ctx.memo(f"exec-script:{ins.index}", lambda: (script_for(ins),))
    return tuple(ctx.scripts(ins))


def build_ledger(build: Build, scripts: Callable[[Instruction], Iterable[Script]] | None = None) -> Ledger:
    """Walk every stage in order (a ``FROM <stage>`` continues its parent's ledger).

    ``scripts`` gives the shell scripts of a RUN (``RuleContext.scripts`` shares the
    parsing with rules); by default each RUN is parsed here.
    """
    from layerlint.expand import ExpansionError, Scope

    if scripts is None:
        scripts = _own_scripts
    out = Ledger()
    df = build.dockerfile
    glob = Scope.initial(build.build_args, escape=df.escape)
    for pair in build.global_args:
        try:
            glob = glob.with_arg(pair.key, pair.value)
        except ExpansionError:
            pass
    ends: dict[int, tuple[Scope, State, list[Created]]] = {}
    staged = {i.index for s in build.stages for i in s.instructions}
    orphans = [i for i in df.instructions if i.index not in staged and i.keyword not in ("ARG", "FROM")]
    groups: list[tuple[int | None, int | None, list[Instruction]]] = []
    if orphans:  # no FROM: read the fragment as one stage (hadolint does the same)
        groups.append((None, None, orphans))
    groups.extend((s.index, s.base_stage, s.instructions[1:]) for s in build.stages)
    for index, parent, instructions in groups:
        if parent is not None and parent in ends:
            pscope, state, pentries = ends[parent]
            scope = glob.enter_stage(pscope)
            entries = list(pentries)
        else:
            base = build.stages[index].base_expanded if index is not None else "scratch"
            scope = glob.enter_stage(scratch=base.lower() == "scratch")
            state = State(env=scope.env)
            entries = []
        for ins in instructions:
            state = State(state.workdir, state.user, scope.env)
            out._state[ins.index] = state
            out._visible[ins.index] = (entries, len(entries))
            kw = ins.keyword
            try:
                if kw == "ARG":
                    for pair in ins.pairs:
                        scope = scope.with_arg(pair.key, pair.value)
                elif kw == "ENV":
                    scope = scope.with_env([(p.key, p.value or "") for p in ins.pairs])
                elif kw == "WORKDIR" and ins.args:
                    state = State(join(state.workdir, scope.expand(ins.args[0].raw)), state.user, state.env)
                elif kw == "USER" and ins.args:
                    state = State(state.workdir, scope.expand(ins.args[0].raw).split(":")[0], state.env)
            except ExpansionError:
                pass
            if kw in ("COPY", "ADD"):
                made = _copy(ins, state, scope)
            elif ins.effective.keyword == "RUN":
                walker = _RunWalker(ins, state, entries, scripts)
                made = walker.run()
                out._changes[ins.index] = tuple(walker.changes)
                out._extractions[ins.index] = tuple(walker.extractions)
            else:
                continue
            out._created[ins.index] = tuple(made)
            if kw != "ONBUILD":  # a trigger runs in child images, not in this one
                entries.extend(made)
        if index is not None:
            ends[index] = (scope, State(state.workdir, state.user, scope.env), entries)
    return out


def _own_scripts(ins: Instruction) -> Iterable[Script]:
    from layerlint.shell import script_for

    return (script_for(ins),)


# --------------------------------------------------------------------------- COPY / ADD


def _copy(ins: Instruction, state: State, scope) -> list[Created]:  # type: ignore[no-untyped-def]
    from layerlint.expand import ExpansionError

    if ins.exec_form:
        words = [w.value for w in ins.args]
        spans = [w.span for w in ins.args]
    else:
        try:
            words = scope.expand_words(ins.command.text)
        except ExpansionError:
            return []
        spans = [w.span for w in ins.args] if len(ins.args) == len(words) else [ins.span] * len(words)
    if len(words) < 2:
        return []
    *sources, dest = words
    dir_dest = dest.endswith(("/", "\\")) or len(sources) > 1
    target = join(state.workdir, dest)
    from_stage = ins.flag("from")
    out = []
    for n, src in enumerate(sources):
        span = spans[n] if n < len(spans) else ins.span
        local = from_stage is None and "://" not in src and not src.startswith("<<") and not src.startswith("git@")
        label = f"{from_stage.value}:{src}" if from_stage is not None else src
        if src.startswith("<<"):
            out.append(Created(target, False, "copy", ins, span, src))
            continue
        if "://" in src or src.startswith("git@"):
            if ins.keyword != "ADD":
                continue
            if src.startswith("git@") or src.endswith(".git") or "#" in src:
                out.append(Created(target, True, "clone", ins, span, src))
                continue
            name = basename(src.split("?", 1)[0])
            path = join(target, name) if dir_dest else target
            out.append(Created(path, False, "download", ins, span, src))
            continue
        if ins.keyword == "ADD" and local and re.search(_LOCAL_ADD_EXTRACTS, src):
            out.append(Created(target, True, "extract", ins, span, src, from_context=True))
            continue
        name = basename(src)
        how = ins.keyword.lower()
        looks_dir = src.rstrip("/\\") in (".", "") or src.endswith(("/", "\\")) or "." not in name
        if any(c in src for c in "*?["):
            out.append(Created(join(target, name), False, how, ins, span, label, from_context=local))
        elif looks_dir:
            out.append(Created(target, True, how, ins, span, label, from_context=local))
        elif dir_dest:
            out.append(Created(join(target, name), False, how, ins, span, label, from_context=local))
        else:
            out.append(Created(target, False, how, ins, span, label, (join(target, name),), from_context=local))
    return out


# --------------------------------------------------------------------------- RUN

_DECOMPRESS = {"gunzip", "bunzip2", "unxz", "unzstd", "unlzma", "uncompress"}
_COMPRESSORS = {"gzip", "bzip2", "xz", "zstd", "lzma"}
_PACKAGE_FILE = r"\.(deb|rpm|apk|whl|gem)$"
_INSTALLERS = {"apt-get", "apt", "yum", "dnf", "microdnf", "zypper", "pip", "apk", "gem", "npm"}


class _RunWalker:
    """Follows one RUN's commands in order, tracking ``cd``, exports and what exists."""

    def __init__(
        self,
        ins: Instruction,
        state: State,
        earlier: list[Created],
        scripts: Callable[[Instruction], Iterable[Script]],
    ) -> None:
        self.ins = ins
        self.state = state
        self.earlier = list(earlier)
        self.scripts = scripts
        self.cwd: str | None = state.workdir  # None after a `cd` we cannot follow
        self.env = dict(state.env)
        self.made: list[Created] = []
        self.changes: list[Change] = []
        self.extractions: list[Extraction] = []
        self.mounts = mount_targets(ins)

    # -- helpers

    def path(self, word: ShellWord, env: Mapping[str, str] | None = None) -> str | None:
        """The absolute path a word names, or None when it cannot be known before run time."""
        return self.resolve(word.unquoted, env)

    def resolve(self, text: str, env: Mapping[str, str] | None = None) -> str | None:
        """``text`` with ``~``, ``$HOME`` and known variables expanded, made absolute against ``cd``."""
        if text in ("", "-") or text.startswith(("/dev/", "/proc/")):
            return None
        env = env if env is not None else self.env
        home = self.home(env)
        if text == "~" or text.startswith("~/"):
            text = home + text[1:]

        def sub(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(2)
            value = home if name == "HOME" else env.get(name)
            if value is None:
                raise KeyError(name)
            return value

        if "$" in text:
            try:
                text = re.sub(_VAR, sub, text)
            except KeyError:
                return None
            if "$" in text or "`" in text:
                return None
        if self.cwd is None and not (text.startswith("/") or re.match(_WINDOWS, text)):
            return None
        return join(self.cwd or "/", text)

    def home(self, env: Mapping[str, str] | None = None) -> str:
        return State("/", self.state.user, env if env is not None else self.env).home

    def mounted(self, path: str) -> bool:
        return any(covers(m, path) for m in self.mounts)

    def create(self, path: str | None, tree: bool, how: str, span: Span, source: str = "", alt: tuple[str, ...] = ()) -> None:
        if path is None or self.mounted(path):
            return
        self.made.append(Created(path, tree, how, self.ins, span, source, alt))

    def find_made(self, path: str) -> Created | None:
        for entry in reversed(self.made):
            if path in entry.names:
                return entry
        return None

    def remove(self, path: str, cmd: Command, word: ShellWord, op: str = "remove", recursive: bool = True) -> None:
        """A removal: cancels this RUN's own entries and records any earlier layer it reaches."""
        if self.mounted(path):
            return
        if op in ("remove", "decompress", "move"):
            self.made = [e for e in self.made if not empties(path, e)]
        self.note(op, path, cmd, word, recursive)

    def note(self, op: str, path: str, cmd: Command, word: ShellWord, recursive: bool) -> None:
        if self.mounted(path):
            return
        matches = tuple(e for e in self.earlier if any(covers(path, n) for n in e.names))
        within = tuple(e for e in self.earlier if e.tree and inside(path, e.path) and e not in matches)
        if matches or within:
            self.changes.append(Change(op, path, self.ins, word.span, cmd.span, recursive, matches, within))

    def extracted(self, archive_word: ShellWord, tool: str, cmd: Command) -> None:
        text = archive_word.unquoted
        path = self.path(archive_word)
        created = None
        if path is not None:
            created = self.find_made(path) or next((e for e in reversed(self.earlier) if path in e.names), None)
        if created is None and "$" not in text and not text.startswith(("/", "~")) and not re.match(_WINDOWS, text):
            # A relative name in a directory we could not follow: match on the file name.
            name = basename(text)
            created = next(
                (e for e in reversed(self.made + self.earlier) if not e.tree and name in map(basename, e.names)), None
            )
        if path is None and created is None:
            return
        self.extractions.append(Extraction(path or text, tool, self.ins, archive_word.span, cmd.span, created, True))

    # -- the walk

    def run(self) -> list[Created]:
        for script in self.scripts(self.ins):
            for cmd in script.commands:
                self.command(cmd)
        kept = {id(e) for e in self.made}
        self.extractions = [
            Extraction(x.archive, x.tool, x.instruction, x.span, x.command, x.created,
                       x.created is None or x.created.instruction.index != self.ins.index or id(x.created) in kept)
            for x in self.extractions
        ]
        return self.made

    def command(self, cmd: Command) -> None:
        env = self.env
        if cmd.assignments:
            env = dict(self.env)
            for a in cmd.assignments:
                k, _, v = a.partition("=")
                env[k] = v
            if not cmd.words:
                self.env = env
                return
        name, tool = cmd.name, cmd.tool
        if tool in ("export", "declare", "typeset") or (tool == "local"):
            for w in cmd.args:
                k, eq, v = w.unquoted.partition("=")
                if eq and w.value is not None:
                    self.env[k] = v
        elif tool == "cd" and cmd.args:
            target = self.path(cmd.args[-1], env)
            self.cwd = target
            # Whatever runs in a directory this RUN just made (`mkdir /b && cd /b && make`) fills it.
            self.made = [
                Created(e.path, True, "workdir", e.instruction, e.span, e.source) if e.how == "mkdir" and e.path == target else e
                for e in self.made
            ]
        for r in cmd.redirects:
            if r.target is not None and r.op in (">", ">>", ">|", "&>", "&>>") and r.fd in (None, 1, 2):
                self.create(self.path(r.target, env), False, "write", r.target.span)
        handler = _HANDLERS.get(tool) or _HANDLERS.get(name)
        if handler is not None:
            handler(self, cmd, env)
        self.caches(cmd, env)

    def caches(self, cmd: Command, env: Mapping[str, str]) -> None:
        tool, args = _tool_args(cmd)
        if tool is None:
            return
        opts = scan_args(args, tool)
        pos = [w.unquoted for w in opts.positional]
        for spec in CACHES.values():
            if tool not in spec.tools:
                continue
            if any(tuple(pos[: len(c)]) == c for c in spec.cleans):
                if not spec.clean_flags or opts.has(*spec.clean_flags):
                    self.clear(spec, env, opts, cmd)
                continue
            sub = pos[0] if pos else ""
            bare = not pos and tool in _BARE_WRITES and not any(w.value in _INFO_FLAGS for w in cmd.args)
            if not (sub in spec.writes or (pos and "*" in spec.writes) or bare):
                continue
            if opts.has(*spec.off_flags) or any(env.get(v) for v in spec.off_env):
                continue
            dirs = self.cache_dirs(spec, env, opts)
            if not dirs or any(self.mounted(d) for d in dirs):
                continue
            self.made.append(Created(dirs[0], True, "cache", self.ins, cmd.span, spec.name, tuple(dirs[1:])))

    def cache_dirs(self, spec: CacheSpec, env: Mapping[str, str], opts) -> list[str]:  # type: ignore[no-untyped-def]
        home = self.home(env)
        moved = opts.value(*spec.dir_flags) if spec.dir_flags else None
        for var in spec.dir_env if moved is None else ():
            name, _, suffix = var.partition("/")  # "COMPOSER_HOME/cache": a folder below the variable
            if env.get(name):
                moved = env[name].rstrip("/") + ("/" + suffix if suffix else "")
                break
        if moved is not None:  # /dev/null turns the cache off; an unknown variable hides it
            resolved = self.resolve(moved, env)
            return [resolved] if resolved is not None else []
        return [home + d[1:] if d.startswith("~") else d for d in spec.dirs]

    def clear(self, spec: CacheSpec, env: Mapping[str, str], opts, cmd: Command) -> None:  # type: ignore[no-untyped-def]
        dirs = set(self.cache_dirs(spec, env, opts))
        self.made = [e for e in self.made if not (e.how == "cache" and e.source == spec.name) and not (set(e.names) & dirs)]


def _tool_args(cmd: Command) -> tuple[str | None, tuple[ShellWord, ...]]:
    """The package tool a command runs and its arguments (``python -m pip x`` gives pip, x)."""
    tool = cmd.tool
    if tool == "python":
        words = cmd.args
        for k, w in enumerate(words):
            if w.unquoted == "-m" and k + 1 < len(words):
                return tool_key(words[k + 1].unquoted), words[k + 2 :]
            if w.unquoted.startswith("-m") and len(w.unquoted) > 2:
                return w.unquoted[2:], words[k + 1 :]
            if not w.unquoted.startswith("-"):
                return None, ()
        return None, ()
    if tool == "corepack" and cmd.args:
        return tool_key(cmd.args[0].unquoted), cmd.args[1:]
    return tool, cmd.args


# -- handlers: one per program that writes, removes or rewrites paths


def _h_rm(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    for word in opts.positional:
        path = w.path(word, env)
        if path is not None:
            w.remove(path, cmd, word)


def _h_find(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    words = [x.unquoted for x in cmd.args]
    if "-delete" not in words and not any(words[k] in ("-exec", "-execdir") and k + 1 < len(words) and words[k + 1] == "rm" for k in range(len(words))):
        return
    for word in cmd.args:
        if word.unquoted.startswith(("-", "(", "!")):
            break
        path = w.path(word, env)
        if path is not None:
            w.note("remove", path, cmd, word, True)


def _h_rewrite(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    recursive = opts.has("-R", "--recursive", "-r") and cmd.tool != "touch"
    pos = list(opts.positional)
    if cmd.tool in ("chown", "chmod", "chgrp") and not opts.has("--reference"):
        pos = pos[1:]
    for word in pos:
        path = w.path(word, env)
        if path is not None:
            w.note(cmd.tool, path, cmd, word, recursive)


def _h_mkdir(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    for word in cmd.positional():
        w.create(w.path(word, env), True, "mkdir", word.span)


def _h_cp(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    pos = list(opts.positional)
    target = opts.find("-t", "--target-directory")
    if target is not None and target.value is not None:
        dest_dir, sources, multi = w.resolve(target.value, env), pos, True
    elif len(pos) >= 2:
        *sources, last = pos
        dest_dir, multi = w.path(last, env), len(pos) > 2 or last.unquoted.endswith("/")
    else:
        return
    if dest_dir is None:
        return
    tree = cmd.tool == "cp" and opts.has("-r", "-R", "-a", "--recursive", "--archive")
    for src in sources:
        name = basename(src.unquoted)
        if multi:
            w.create(join(dest_dir, name), tree, "write", src.span, src.unquoted)
        else:
            w.create(dest_dir, tree, "write", src.span, src.unquoted, (join(dest_dir, name),))
        if cmd.tool == "mv":
            src_path = w.path(src, env)
            if src_path is not None:
                w.remove(src_path, cmd, src, op="move")


def _urls(opts) -> list[ShellWord]:  # type: ignore[no-untyped-def]
    return [p for p in opts.positional if "://" in p.unquoted or p.unquoted.startswith("$")]


def _remote_name(url: str) -> str | None:
    name = basename(url.split("?", 1)[0].split("#", 1)[0])
    return name if name and "$" not in name and "://" not in name else None


def _h_curl(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    urls = _urls(opts)
    url = urls[-1].unquoted if urls else ""
    folder = opts.value("--output-dir")
    out = opts.find("-o", "--output")
    if out is not None and out.value not in (None, "-"):
        word = out.value_word or out.word
        path = w.resolve(out.value if folder is None else f"{folder}/{out.value}", env)  # type: ignore[operator]
        w.create(path, False, "download", word.span, url)
    elif opts.has("-O", "--remote-name", "--remote-name-all") and urls:
        name = _remote_name(url)
        base = w.resolve(folder or ".", env)
        if name is not None and base is not None:
            w.create(join(base, name), False, "download", urls[-1].span, url)


def _h_wget(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    urls = _urls(opts)
    out = opts.find("-O", "--output-document")
    if out is not None:
        if out.value not in (None, "-"):
            word = out.value_word or out.word
            w.create(w.resolve(out.value, env), False, "download", word.span, urls[-1].unquoted if urls else "")  # type: ignore[arg-type]
        return
    base = w.resolve(opts.value("-P", "--directory-prefix") or ".", env)
    for u in urls:
        name = _remote_name(u.unquoted)
        if name is not None and base is not None:
            w.create(join(base, name), False, "download", u.span, u.unquoted)


def _tar_options(cmd: Command) -> tuple[bool, str | None, ShellWord | None, str | None]:
    """(extracting, archive, archive word, directory) of a tar command, old-style letters too."""
    args = list(cmd.args)
    extracting = False
    archive: str | None = None
    archive_word: ShellWord | None = None
    directory: str | None = None
    if args and not args[0].unquoted.startswith("-") and re.fullmatch(r"[A-Za-z]+", args[0].unquoted):
        letters = args[0].unquoted
        extracting = "x" in letters
        rest = args[1:]
        k = 0
        for ch in letters:
            if ch in "fCTXbg" and k < len(rest):
                if ch == "f":
                    archive, archive_word = rest[k].unquoted, rest[k]
                elif ch == "C":
                    directory = rest[k].unquoted
                k += 1
        args = rest[k:]
    opts = scan_args(args, "tar")
    if opts.has("-x", "--extract", "--get"):
        extracting = True
    f = opts.find("-f", "--file")
    if f is not None and f.value is not None:
        archive, archive_word = f.value, f.value_word or f.word
    d = opts.value("-C", "--directory")
    if d is not None:
        directory = d
    return extracting, archive, archive_word, directory


def _h_tar(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    extracting, archive, word, directory = _tar_options(cmd)
    if not extracting:
        if archive and word is not None and archive != "-":
            w.create(w.path(word, env), False, "write", word.span)
        return
    dest = w.resolve(directory or ".", env)
    if dest is not None and dest != "/":
        w.create(dest, True, "extract", cmd.span, archive or "")
    if archive and archive != "-" and word is not None and word.unquoted == archive:
        w.extracted(word, "tar", cmd)


def _h_unzip(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    pos = opts.positional
    if not pos:
        return
    dest = w.resolve(opts.value("-d") or ".", env)
    if dest is not None and dest != "/":
        w.create(dest, True, "extract", cmd.span, pos[0].unquoted)
    w.extracted(pos[0], "unzip", cmd)


def _h_decompress(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    opts = cmd.options()
    if cmd.tool in _COMPRESSORS and not opts.has("-d", "--decompress", "--uncompress"):
        return
    if opts.has("-c", "--stdout", "-k", "--keep"):
        return
    for word in opts.positional:
        path = w.path(word, env)
        if path is None:
            continue
        w.extracted(word, cmd.tool, cmd)
        out = re.sub(r"\.(gz|bz2|xz|zst|lzma|Z|tgz)$", lambda m: ".tar" if m.group(1) == "tgz" else "", path)
        w.create(out, False, "extract", word.span, path)
        w.remove(path, cmd, word, op="decompress")


def _h_package_file(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    """``dpkg -i x.deb``, ``apt-get install ./x.deb``, ``pip install x.whl``: the file is consumed."""
    tool, args = _tool_args(cmd)
    opts = scan_args(args, tool or "")
    for word in opts.positional[1:] if tool != "dpkg" and tool != "rpm" else opts.positional:
        if re.search(_PACKAGE_FILE, word.unquoted) or (tool == "pip" and is_archive(word.unquoted)):
            w.extracted(word, tool or cmd.tool, cmd)


def _h_git(w: _RunWalker, cmd: Command, env: Mapping[str, str]) -> None:
    pos = cmd.positional()
    if len(pos) < 2 or pos[0].unquoted != "clone":
        return
    if len(pos) >= 3:
        w.create(w.path(pos[2], env), True, "clone", pos[2].span, pos[1].unquoted)
    else:
        name = basename(pos[1].unquoted)
        name = name[:-4] if name.endswith(".git") else name
        if name and "$" not in name:
            w.create(w.resolve(name, env), True, "clone", pos[1].span, pos[1].unquoted)


_HANDLERS: dict[str, Callable[[_RunWalker, Command, Mapping[str, str]], None]] = {
    "rm": _h_rm,
    "find": _h_find,
    "chown": _h_rewrite,
    "chmod": _h_rewrite,
    "chgrp": _h_rewrite,
    "touch": _h_rewrite,
    "mkdir": _h_mkdir,
    "cp": _h_cp,
    "mv": _h_cp,
    "curl": _h_curl,
    "wget": _h_wget,
    "tar": _h_tar,
    "bsdtar": _h_tar,
    "unzip": _h_unzip,
    "git": _h_git,
    **{t: _h_decompress for t in (*_DECOMPRESS, *_COMPRESSORS)},
    **{t: _h_package_file for t in ("dpkg", "rpm", *_INSTALLERS, "python")},
}
