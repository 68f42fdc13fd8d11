"""Package-manager and file-system facts read from a parsed ``Script``.

Rules about caches, pinning, index refreshes and downloads all ask the same questions
("which packages does this RUN install, with which manager, is the cache kept, are the apt
lists removed?").  They are answered here once per script (memoized on ``Script.memo``) so
each rule stays a few lines of logic over plain values.

Conventions: an action is normalized across managers ("install", "update" = refresh the
index, "upgrade", "remove", "purge", "autoremove", "clean", "sync", "ci", "download",
"build", "fetch", "lock"), ``verb`` keeps the word as written.  Paths compare after ``~``,
``$HOME`` and ``${HOME}`` are read as ``/root`` (builds run as root unless a USER says
otherwise; rules that track USER can pass their own paths to ``removes``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from layerlint.shell import Command, Options, Script, ShellWord, scan_args, tool_key
from layerlint.source import Frozen

TYPE_CHECKING = False  # typing costs several ms to import; only checkers need it
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import TypeVar

    T = TypeVar("T")
    Table = Mapping[str, "str | Table"]

__all__ = [
    "AptSweep",
    "Download",
    "Extraction",
    "PackageOp",
    "apt_lists_cleaned",
    "apt_sweeps",
    "cache_cleaned",
    "disables_cache",
    "downloads",
    "env_value",
    "extractions",
    "package_ops",
    "removed_paths",
    "removes",
    "shell_options",
]

_set = object.__setattr__  # Frozen values assign their fields once, in __init__
_NO_OPTIONS = Options((), ())


class PackageOp(Frozen):
    """One package-manager action in a command.

    ``packages`` are the operands (package specs, local files, or for ``clean`` its
    targets such as ``all``); option values are never in it, except pip's ``-e`` targets
    which install something.  ``requirement_files`` are ``-r``/``-c``/``-f`` style files.
    ``program`` is how the manager was invoked (``pip3``, ``python3 -m pip``, ``uv pip``);
    ``options`` the manager's own options (after ``-m pip`` / ``uv pip``).  One command
    can hold several ops: ``pacman -Syu x`` is update, upgrade and install.
    """

    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it
        "manager",
        "action",
        "command",
        "packages",
        "requirement_files",
        "program",
        "verb",
        "options",
    )
    manager: str
    action: str
    command: Command
    packages: tuple[ShellWord, ...]
    requirement_files: tuple[str, ...]
    program: str
    verb: ShellWord | None
    options: Options

    def __init__(
        self,
        manager: str,
        action: str,
        command: Command,
        packages: tuple[ShellWord, ...] = (),
        requirement_files: tuple[str, ...] = (),
        program: str = "",
        verb: ShellWord | None = None,
        options: Options = _NO_OPTIONS,
    ) -> None:
        _set(self, "manager", manager)
        _set(self, "action", action)
        _set(self, "command", command)
        _set(self, "packages", packages)
        _set(self, "requirement_files", requirement_files)
        _set(self, "program", program)
        _set(self, "verb", verb)
        _set(self, "options", options)


class _Spec(Frozen):
    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it
        "flags",
        "actions",
        "default",
        "requirement_flags",
        "package_flags",
        "sub_flags",
    )
    flags: str  # key of the value-flag table in layerlint.shell
    actions: Table
    default: str | None  # action when no subcommand is given (`yarn`, `bundle`)
    requirement_flags: tuple[str, ...]
    package_flags: tuple[str, ...]  # options whose values are packages (`pip -e`)
    sub_flags: tuple[tuple[str, str], ...]  # (subcommand, value-flag table): `conda env`

    def __init__(
        self,
        flags: str,
        actions: Table,
        default: str | None = None,
        requirement_flags: tuple[str, ...] = (),
        package_flags: tuple[str, ...] = (),
        sub_flags: tuple[tuple[str, str], ...] = (),
    ) -> None:
        _set(self, "flags", flags)
        _set(self, "actions", actions)
        _set(self, "default", default)
        _set(self, "requirement_flags", requirement_flags)
        _set(self, "package_flags", package_flags)
        _set(self, "sub_flags", sub_flags)


_APT: dict[str, str] = {
    "install": "install", "reinstall": "install", "build-dep": "install", "update": "update",
    "upgrade": "upgrade", "dist-upgrade": "upgrade", "full-upgrade": "upgrade", "safe-upgrade": "upgrade",
    "remove": "remove", "purge": "purge", "autoremove": "autoremove", "autopurge": "autoremove",
    "clean": "clean", "autoclean": "clean", "download": "download", "source": "download",
}  # fmt: skip
_DNF: dict[str, str | dict[str, str]] = {
    "install": "install", "localinstall": "install", "reinstall": "install", "groupinstall": "install",
    "builddep": "install", "update": "upgrade", "upgrade": "upgrade", "update-minimal": "upgrade",
    "upgrade-minimal": "upgrade", "distro-sync": "upgrade", "remove": "remove", "erase": "remove",
    "groupremove": "remove", "autoremove": "autoremove", "clean": "clean", "makecache": "update",
    "check-update": "update", "download": "download",
    "group": {"install": "install", "remove": "remove", "upgrade": "upgrade", "update": "upgrade"},
    "module": {"install": "install", "remove": "remove"},
}  # fmt: skip
_CONDA: dict[str, str | dict[str, str]] = {
    "install": "install", "create": "install", "update": "upgrade", "upgrade": "upgrade",
    "remove": "remove", "uninstall": "remove", "clean": "clean",
    "env": {"create": "install", "update": "install", "remove": "remove"},
}  # fmt: skip
_CONDA_ENV = (("env", "conda-env"),)
_PIP_REQS = ("-r", "--requirement", "-c", "--constraint")
_PIP = _Spec(
    "pip",
    {"install": "install", "uninstall": "remove", "download": "download", "wheel": "build",
     "cache": {"purge": "clean", "remove": "clean"}},
    requirement_flags=_PIP_REQS,
    package_flags=("-e", "--editable"),
)  # fmt: skip

_SPECS: dict[str, _Spec] = {
    "apt-get": _Spec("apt-get", _APT),
    "apt": _Spec("apt", _APT),
    "aptitude": _Spec("aptitude", _APT),
    "apk": _Spec("apk", {"add": "install", "del": "remove", "update": "update", "upgrade": "upgrade",
                         "fetch": "download", "cache": {"clean": "clean", "purge": "clean", "sync": "sync",
                                                        "download": "download"}}),
    "yum": _Spec("yum", _DNF),
    "dnf": _Spec("dnf", _DNF),
    "microdnf": _Spec("microdnf", _DNF),
    "zypper": _Spec("zypper", {
        "install": "install", "in": "install", "source-install": "install", "si": "install",
        "remove": "remove", "rm": "remove", "update": "upgrade", "up": "upgrade", "dist-upgrade": "upgrade",
        "dup": "upgrade", "patch": "upgrade", "refresh": "update", "ref": "update", "clean": "clean",
        "cc": "clean", "download": "download"}),
    "pip": _PIP,
    "uv": _Spec("uv", {"add": "install", "remove": "remove", "sync": "sync", "lock": "lock",
                       "tool": {"install": "install", "uninstall": "remove", "upgrade": "upgrade"},
                       "cache": {"clean": "clean", "prune": "clean"}, "python": {"install": "install"}},
                requirement_flags=("-r", "--requirements", "--requirement", "-c", "--constraints")),
    "poetry": _Spec("poetry", {"install": "install", "add": "install", "remove": "remove", "update": "upgrade",
                               "lock": "lock", "sync": "sync", "self": {"add": "install", "install": "install",
                                                                        "update": "upgrade"},
                               "cache": {"clear": "clean"}}),
    "pipenv": _Spec("pipenv", {"install": "install", "sync": "sync", "uninstall": "remove", "update": "upgrade",
                               "upgrade": "upgrade", "lock": "lock"},
                    requirement_flags=("-r", "--requirements")),
    "pipx": _Spec("pipx", {"install": "install", "inject": "install", "reinstall": "install",
                           "uninstall": "remove", "upgrade": "upgrade", "upgrade-all": "upgrade"}),
    "conda": _Spec("conda", _CONDA, requirement_flags=("-f", "--file"), sub_flags=_CONDA_ENV),
    "mamba": _Spec("mamba", _CONDA, requirement_flags=("-f", "--file"), sub_flags=_CONDA_ENV),
    "micromamba": _Spec("micromamba", _CONDA, requirement_flags=("-f", "--file"), sub_flags=_CONDA_ENV),
    "npm": _Spec("npm", {
        "install": "install", "i": "install", "in": "install", "add": "install", "isntall": "install",
        "ci": "ci", "clean-install": "ci", "ic": "ci", "install-clean": "ci", "isntall-clean": "ci",
        "uninstall": "remove", "un": "remove", "unlink": "remove", "remove": "remove", "rm": "remove",
        "r": "remove", "update": "upgrade", "up": "upgrade", "upgrade": "upgrade", "udpate": "upgrade",
        "prune": "autoremove", "cache": {"clean": "clean", "clear": "clean", "rm": "clean", "add": "download"}}),
    "yarn": _Spec("yarn", {"install": "install", "add": "install", "remove": "remove", "upgrade": "upgrade",
                           "up": "upgrade", "cache": {"clean": "clean"},
                           "global": {"add": "install", "remove": "remove", "upgrade": "upgrade"},
                           "workspaces": {"focus": "install"}}, default="install"),
    "pnpm": _Spec("pnpm", {"install": "install", "i": "install", "add": "install", "remove": "remove",
                           "rm": "remove", "uninstall": "remove", "un": "remove", "update": "upgrade",
                           "up": "upgrade", "upgrade": "upgrade", "fetch": "fetch", "prune": "autoremove",
                           "store": {"prune": "clean"}}),
    "gem": _Spec("gem", {"install": "install", "i": "install", "uninstall": "remove", "update": "upgrade",
                         "cleanup": "clean", "fetch": "download"}),
    "bundle": _Spec("bundle", {"install": "install", "add": "install", "update": "upgrade", "remove": "remove",
                               "clean": "clean", "cache": "download", "package": "download"}, default="install"),
    "composer": _Spec("composer", {
        "install": "install", "i": "install", "require": "install", "r": "install", "update": "upgrade",
        "u": "upgrade", "upgrade": "upgrade", "remove": "remove", "rm": "remove", "clear-cache": "clean",
        "clearcache": "clean", "cc": "clean",
        "global": {"require": "install", "update": "upgrade", "remove": "remove"}}),
    "go": _Spec("go", {"install": "install", "get": "fetch", "build": "build", "clean": "clean",
                       "mod": {"download": "download", "tidy": "fetch"}}),
    "cargo": _Spec("cargo", {"install": "install", "uninstall": "remove", "build": "build", "fetch": "fetch",
                             "clean": "clean", "update": "upgrade"}),
    "pecl": _Spec("pecl", {"install": "install", "uninstall": "remove", "upgrade": "upgrade",
                           "download": "download"}),
    "docker-php-ext-install": _Spec("docker-php-ext-install", {}, default="install"),
}  # fmt: skip


def _memo(script: Script, key: str, compute: Callable[[], T]) -> T:
    """Compute a fact once per script; ``Script.memo`` is shared by all rules."""
    if key not in script.memo:
        script.memo[key] = compute()
    return script.memo[key]  # type: ignore[return-value]


def _per_command(script: Script, key: str, fact: Callable[[Script, Command], T | None]) -> tuple[T, ...]:
    """The non-None ``fact`` of each command, in order, computed once per script."""

    def compute() -> tuple[T, ...]:
        found = (fact(script, cmd) for cmd in script.commands)
        return tuple(f for f in found if f is not None)

    return _memo(script, key, compute)


def _after(cmd: Command, word: ShellWord) -> tuple[ShellWord, ...]:
    """The words of ``cmd`` after ``word`` (found by identity)."""
    for k, w in enumerate(cmd.words):
        if w is word:
            return cmd.words[k + 1 :]
    return ()


def _with_spec(cmd: Command, spec: _Spec, manager: str, args: Sequence[ShellWord], program: str) -> list[PackageOp]:
    opts = scan_args(args, spec.flags)
    pos = opts.positional
    for sub, flags in spec.sub_flags:
        if pos and pos[0].unquoted == sub:
            opts = scan_args(args, flags)
            pos = opts.positional
    table: Table = spec.actions
    verb: ShellWord | None = None
    action: str | None = None
    k = 0
    while k < len(pos):
        entry = table.get(pos[k].unquoted)
        if entry is None:
            break
        verb = pos[k]
        k += 1
        if isinstance(entry, str):
            action = entry
            break
        table = entry
    if action is None:
        # `yarn` alone installs; `docker-php-ext-install` has no subcommands at all.
        if verb is not None or spec.default is None or (pos and spec.actions):
            return []
        action = spec.default
    packages = list(pos[k:])
    if spec.package_flags:
        packages.extend(o.value_word or o.word for o in opts.options if o.name in spec.package_flags)
        packages.sort(key=lambda w: w.span.start)
    reqs = opts.values(*spec.requirement_flags) if spec.requirement_flags else ()
    op = PackageOp(manager, action, cmd, tuple(packages), reqs, program, verb, opts)
    ops = [op]
    if manager == "apk" and action in ("install", "upgrade") and opts.has("-U", "--update-cache", "--update"):
        ops.insert(0, PackageOp(manager, "update", cmd, (), (), program, verb, opts))
    return ops


def _flag_ops(cmd: Command, manager: str, rules: Sequence[tuple[tuple[str, ...], str]]) -> list[PackageOp]:
    """Managers whose action is a flag (``rpm -ivh``, ``dpkg -i``): first matching flag wins."""
    opts = scan_args(cmd.args, manager)
    for names, action in rules:
        if opts.has(*names):
            return [PackageOp(manager, action, cmd, opts.positional, (), cmd.name, None, opts)]
    return []


def _pacman(cmd: Command) -> list[PackageOp]:
    opts = scan_args(cmd.args, "pacman")
    pos = opts.positional

    def op(action: str, packages: tuple[ShellWord, ...] = ()) -> PackageOp:
        return PackageOp("pacman", action, cmd, packages, (), cmd.name, None, opts)

    if opts.has("-S", "--sync"):
        ops = []
        if opts.has("-y", "--refresh"):
            ops.append(op("update"))
        if opts.has("-u", "--sysupgrade"):
            ops.append(op("upgrade"))
        if opts.has("-c", "--clean"):
            ops.append(op("clean"))
        if pos:
            ops.append(op("install", pos))
        return ops
    if opts.has("-R", "--remove"):
        return [op("remove", pos)]
    if opts.has("-U", "--upgrade"):
        return [op("install", pos)]
    return []


def _build_tool(cmd: Command, manager: str) -> list[PackageOp]:
    """Maven goals / Gradle tasks: ``clean`` cleans, dependency goals fetch, others build."""
    opts = scan_args(cmd.args, manager)
    actions: list[str] = []
    for goal in opts.positional:
        g = goal.unquoted
        if g == "clean":
            action = "clean"
        elif g.startswith("dependency:") or g in ("dependencies", "go-offline"):
            action = "fetch"
        else:
            action = "build"
        if action not in actions:
            actions.append(action)
    return [PackageOp(manager, a, cmd, (), (), cmd.name, None, opts) for a in actions]


def _command_ops(cmd: Command) -> list[PackageOp]:
    tool = cmd.tool
    if tool == "python":
        module = scan_args(cmd.args, "python").find("-m")
        if module is None or tool_key(module.value or "") != "pip":
            return []
        args = _after(cmd, module.value_word) if module.value_word else ()
        return _with_spec(cmd, _PIP, "pip", args, f"{cmd.name} -m pip")
    if tool == "uv":
        pos = scan_args(cmd.args, "uv").positional
        if pos and pos[0].unquoted == "pip":
            return _with_spec(
                cmd,
                _Spec("uv", _PIP.actions, None, _PIP_REQS, ("-e", "--editable")),
                "pip",
                _after(cmd, pos[0]),
                "uv pip",
            )
    if tool == "pacman":
        return _pacman(cmd)
    if tool == "rpm":
        return _flag_ops(
            cmd,
            "rpm",
            (
                (("-i", "--install", "-U", "--upgrade"), "install"),
                (("-F", "--freshen"), "upgrade"),
                (("-e", "--erase"), "remove"),
            ),
        )
    if tool == "dpkg":
        return _flag_ops(
            cmd,
            "dpkg",
            ((("-i", "--install"), "install"), (("-r", "--remove"), "remove"), (("-P", "--purge"), "purge")),
        )
    if tool in ("mvn", "gradle"):
        return _build_tool(cmd, tool)
    spec = _SPECS.get(tool)
    if spec is None:
        return []
    return _with_spec(cmd, spec, tool, cmd.args, cmd.name)


def package_ops(script: Script) -> tuple[PackageOp, ...]:
    """Every package-manager action in ``script``, in command order (memoized)."""

    def compute() -> tuple[PackageOp, ...]:
        return tuple(op for cmd in script.commands if cmd.words for op in _command_ops(cmd))

    return _memo(script, "package_ops", compute)


# --------------------------------------------------------------------------- paths

_HOME_PREFIXES = ("${HOME}", "$HOME", "~")


def _norm(path: str) -> str:
    """Normalize a path for comparison: home spelled as ``/root``, no duplicate or trailing ``/``."""
    for prefix in _HOME_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            path = "/root" + path[len(prefix) :]
            break
    parts = [p for p in path.split("/") if p not in ("", ".")]
    return ("/" if path.startswith("/") else "") + "/".join(parts)


def _glob_match(path: str, pattern: str) -> bool:
    """Component-wise glob match (``*`` does not cross ``/``, as in the shell)."""
    a, b = path.split("/"), pattern.split("/")
    return len(a) == len(b) and all(fnmatchcase(x, y) for x, y in zip(a, b))


def removed_paths(script: Script) -> list[tuple[str, Command]]:
    """Paths given to ``rm`` / ``unlink`` as written (quotes removed, expansions kept)."""

    def compute() -> list[tuple[str, Command]]:
        found = []
        for cmd in script.commands:
            if cmd.tool in ("rm", "unlink"):
                found.extend((w.unquoted, cmd) for w in cmd.positional())
        return found

    return _memo(script, "removed_paths", compute)


def removes(script: Script, path: str) -> Command | None:
    """The ``rm`` that deletes ``path`` or all of its contents (``path/*``), or an ancestor."""
    target = _norm(path)
    for raw, cmd in removed_paths(script):
        pattern = _norm(raw)
        if not pattern:
            continue
        if _glob_match(target + "/x", pattern) and pattern.rsplit("/", 1)[-1].strip("*?") == "":
            return cmd
        current = target
        while current:
            if _glob_match(current, pattern):
                return cmd
            if current == "/":
                break
            current = current.rsplit("/", 1)[0] or "/"
    return None


class AptSweep(Frozen):
    """``apt-mark auto '.*'`` then an auto-removing ``apt-get purge --auto-remove`` (or ``autoremove``).

    The docker-library idiom: mark every package automatically installed, re-mark the ones
    to keep, and let the auto-removal purge the rest, so whatever this script installed
    before ``mark`` is gone after ``remove`` unless it is in ``kept`` (literal names marked
    manual again in between; ``apt-mark manual $savedAptMark`` re-marks what was installed
    before the RUN, so words with expansions are left out).
    """

    __slots__ = ("mark", "remove", "kept")  # noqa: RUF023  # constructor order: Value relies on it
    mark: Command
    remove: Command
    kept: frozenset[str]

    def __init__(self, mark: Command, remove: Command, kept: frozenset[str]) -> None:
        _set(self, "mark", mark)
        _set(self, "remove", remove)
        _set(self, "kept", kept)

    def removes(self, install: Command) -> bool:
        """Whether packages installed by ``install`` (a command of the same script) are swept."""
        return install.span.end <= self.mark.span.start


_MARK_ALL = frozenset({".*", "*", "^.*$", "^.*"})


def _auto_removes(op: PackageOp) -> bool:
    if _FAMILIES.get(op.manager, op.manager) != "apt-get":
        return False
    return op.action == "autoremove" or (
        op.action in ("remove", "purge") and op.options.has("--auto-remove", "--autoremove"))


def apt_sweeps(script: Script) -> tuple[AptSweep, ...]:
    """Every ``apt-mark auto '.*'`` … auto-removal pair of ``script``, in order (memoized)."""

    def compute() -> tuple[AptSweep, ...]:
        found: list[AptSweep] = []
        mark: Command | None = None
        kept: set[str] = set()
        removers = {op.command.span: op for op in package_ops(script) if _auto_removes(op)}
        for cmd in script.commands:
            words = [w.unquoted for w in cmd.args]
            if cmd.name == "apt-mark" and words[:1] == ["auto"] and _MARK_ALL & set(words[1:]):
                mark, kept = cmd, set()
            elif mark is not None and cmd.name == "apt-mark" and words[:1] == ["manual"]:
                kept.update(w.unquoted for w in cmd.args[1:] if w.value is not None and not w.unquoted.startswith("-"))
            elif mark is not None and cmd.span in removers:
                found.append(AptSweep(mark, cmd, frozenset(kept)))
                mark = None
        return tuple(found)

    return _memo(script, "apt_sweeps", compute)


def apt_lists_cleaned(script: Script) -> Command | None:
    """The command removing ``/var/lib/apt/lists`` contents (``apt-get clean`` does not)."""
    return removes(script, "/var/lib/apt/lists")


_CACHE_DIRS: dict[str, tuple[str, ...]] = {
    "apt-get": ("/var/cache/apt/archives",),
    "apt": ("/var/cache/apt/archives",),
    "aptitude": ("/var/cache/apt/archives",),
    "apk": ("/var/cache/apk", "/etc/apk/cache"),
    "yum": ("/var/cache/yum",),
    "dnf": ("/var/cache/dnf", "/var/cache/libdnf5"),
    "microdnf": ("/var/cache/yum", "/var/cache/dnf"),
    "zypper": ("/var/cache/zypp",),
    "pacman": ("/var/cache/pacman/pkg",),
    "pip": ("/root/.cache/pip",),
    "uv": ("/root/.cache/uv",),
    "poetry": ("/root/.cache/pypoetry",),
    "pipenv": ("/root/.cache/pipenv",),
    "npm": ("/root/.npm",),
    "yarn": ("/usr/local/share/.cache/yarn", "/root/.cache/yarn"),
    "pnpm": ("/root/.local/share/pnpm/store", "/root/.cache/pnpm"),
    "gem": ("/root/.gem", "/root/.local/share/gem"),
    "bundle": ("/usr/local/bundle/cache", "/root/.bundle/cache"),
    "composer": ("/root/.composer/cache", "/root/.cache/composer"),
    "conda": ("/opt/conda/pkgs",),
    "mamba": ("/opt/conda/pkgs",),
    "micromamba": ("/opt/conda/pkgs",),
    "go": ("/root/go/pkg/mod", "/go/pkg/mod", "/root/.cache/go-build"),
    "cargo": ("/root/.cargo/registry", "/usr/local/cargo/registry"),
}
_FAMILIES = {"apt": "apt-get", "aptitude": "apt-get", "dnf": "yum", "microdnf": "yum", "mamba": "conda",
             "micromamba": "conda"}  # fmt: skip


def _cleans(op: PackageOp) -> bool:
    """Does this ``clean`` op empty the download cache (not just metadata)?"""
    family = _FAMILIES.get(op.manager, op.manager)
    if family == "apt-get":
        return op.verb is not None and op.verb.unquoted == "clean"
    if family == "yum":
        return any(p.unquoted in ("all", "packages") for p in op.packages)
    if op.manager == "npm":
        return op.options.has("--force", "-f")
    return True


def cache_cleaned(script: Script, manager: str) -> Command | None:
    """The command that empties ``manager``'s download cache in this script, if any.

    Counts the manager's own clean command (``apt-get clean``, ``yum clean all``,
    ``pip cache purge``, ``npm cache clean --force``...) and ``rm`` of its cache dirs.
    """
    family = _FAMILIES.get(manager, manager)
    for op in package_ops(script):
        if op.action == "clean" and _FAMILIES.get(op.manager, op.manager) == family and _cleans(op):
            return op.command
    for directory in _CACHE_DIRS.get(manager, ()):
        cmd = removes(script, directory)
        if cmd is not None:
            return cmd
    return None


FALSE_WORDS = frozenset({"0", "false", "no", "off", "n", "f"})  # what pip's strtobool and uv read as false
_NO_CACHE: dict[str, tuple[tuple[str, ...], str | None]] = {
    "pip": (("--no-cache-dir", "--no-cache"), "PIP_NO_CACHE_DIR"),
    "uv": (("--no-cache", "-n"), "UV_NO_CACHE"),
    "apk": (("--no-cache",), None),
    "composer": (("--no-cache",), None),
    "poetry": (("--no-cache",), None),
}


def env_value(script: Script | None, cmd: Command, name: str) -> str | None:
    """Value of environment variable ``name`` for ``cmd`` as set inside the script:
    a ``NAME=value`` prefix (or ``env``/``sudo`` assignment), else the last earlier ``export``."""
    prefix = name + "="
    for assignment in reversed(cmd.assignments):
        if assignment.startswith(prefix):
            return assignment[len(prefix) :]
    found = None
    for other in script.commands if script is not None else ():
        if other is cmd:
            break
        if other.name in ("export", "declare", "typeset") and other.depth == cmd.depth:
            for w in other.args:
                if w.unquoted.startswith(prefix):
                    found = w.unquoted[len(prefix) :]
    return found


def disables_cache(op: PackageOp, script: Script | None = None) -> bool:
    """True when the op keeps nothing in its cache: ``pip --no-cache-dir`` (or
    ``PIP_NO_CACHE_DIR``), ``uv --no-cache``, ``apk --no-cache``, ``composer --no-cache``...

    Flags before ``pip`` in ``uv --no-cache pip install`` count too.  Pass ``script`` to
    see an earlier ``export PIP_NO_CACHE_DIR=1``; ENV instructions are the caller's part.
    """
    key = "uv" if op.program.startswith("uv") else op.manager
    flags, env = _NO_CACHE.get(key, ((), None))
    if flags and (op.options.has(*flags) or op.command.has_flag(*flags)):
        return True
    return env_turns_cache_off(key, env_value(script, op.command, env) if env is not None else None)


def env_turns_cache_off(manager: str, value: str | None) -> bool:
    """Whether the manager's no-cache variable (``PIP_NO_CACHE_DIR``, ``UV_NO_CACHE``) set to
    ``value`` turns its cache off.

    pip does for any non-empty value, ``0`` and ``false`` included (its ``_handle_no_cache_dir``
    keeps that for backward compatibility); uv reads its variable as a boolean.
    """
    if not value:
        return False
    return manager != "uv" or value.lower() not in FALSE_WORDS


def shell_options(script: Script) -> frozenset[str]:
    """Options the script turns on with ``set`` (``set -eux -o pipefail``), by long name."""
    letters = {"e": "errexit", "u": "nounset", "x": "xtrace", "f": "noglob", "v": "verbose",
               "C": "noclobber", "a": "allexport", "n": "noexec", "b": "notify", "h": "hashall",
               "m": "monitor"}  # fmt: skip
    enabled: set[str] = set()
    for cmd in script.commands:
        if cmd.name != "set" or cmd.depth or cmd.in_subshell:
            continue
        words = [w.unquoted for w in cmd.args]
        k = 0
        while k < len(words):
            w = words[k]
            if w == "--" or len(w) < 2 or w[0] not in "-+":
                break
            change = enabled.add if w[0] == "-" else enabled.discard
            for ch in w[1:]:
                if ch == "o":
                    if k + 1 < len(words):
                        k += 1
                        change(words[k])
                elif ch in letters:
                    change(letters[ch])
            k += 1
    return frozenset(enabled)


# --------------------------------------------------------------------------- downloads, archives


class Download(Frozen):
    """A ``curl``/``wget`` fetch: the URL, the file written (``-`` for stdout, ``None``
    when unknown) and the command reading its stdout when piped (``curl ... | sh``)."""

    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it
        "command",
        "tool",
        "url",
        "output",
        "piped_to",
    )
    command: Command
    tool: str
    url: ShellWord | None
    output: str | None
    piped_to: Command | None

    def __init__(
        self,
        command: Command,
        tool: str,
        url: ShellWord | None,
        output: str | None,
        piped_to: Command | None = None,
    ) -> None:
        _set(self, "command", command)
        _set(self, "tool", tool)
        _set(self, "url", url)
        _set(self, "output", output)
        _set(self, "piped_to", piped_to)


class Extraction(Frozen):
    """An archive unpacked by ``tar x``/``unzip``/``gunzip``...: the archive path
    (``-`` for stdin), the target directory if given, and the command feeding stdin."""

    __slots__ = (  # noqa: RUF023  # constructor order: Value relies on it
        "command",
        "tool",
        "archive",
        "directory",
        "fed_by",
    )
    command: Command
    tool: str
    archive: str | None
    directory: str | None
    fed_by: Command | None

    def __init__(
        self,
        command: Command,
        tool: str,
        archive: str | None,
        directory: str | None = None,
        fed_by: Command | None = None,
    ) -> None:
        _set(self, "command", command)
        _set(self, "tool", tool)
        _set(self, "archive", archive)
        _set(self, "directory", directory)
        _set(self, "fed_by", fed_by)


def _url_name(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = path.split("://", 1)[1]
        path = path.partition("/")[2]
    return path.rstrip("/").rsplit("/", 1)[-1] if path.strip("/") else ""


def _stdout_file(cmd: Command) -> str | None:
    target = None
    for r in cmd.redirects:
        if r.writes_stdout and r.target is not None:
            target = r.target.unquoted
    return target


def _neighbour(script: Script, cmd: Command, step: int) -> Command | None:
    """The command piped from (step=-1) or into (step=1) ``cmd``, if joined by ``|``.

    Commands nested in a neighbour's words (``curl "$(x)" | tar x``) are skipped.
    """
    commands = script.commands
    k = next((i for i, other in enumerate(commands) if other is cmd), None)
    if k is None:
        return None
    j = k + step
    while 0 <= j < len(commands):
        other = commands[j]
        inside = any(_within(other, commands[i]) for i in range(min(j, k) if step < 0 else k, j))
        if other.depth == cmd.depth and not inside:
            later = cmd if step < 0 else other
            return other if later.connector in ("|", "|&") else None
        j += step
    return None


def _within(inner: Command, outer: Command) -> bool:
    return inner is not outer and outer.span.start <= inner.span.start and inner.span.end <= outer.span.end


def _download(script: Script, cmd: Command) -> Download | None:
    tool = cmd.tool
    if tool not in ("curl", "wget"):
        return None
    opts = cmd.options()
    urls = [w for w in opts.positional if "://" in w.unquoted] or list(opts.positional)
    url_opt = opts.find("--url")
    url = url_opt.value_word if url_opt is not None and url_opt.value_word is not None else (urls[0] if urls else None)
    name = _url_name(url.unquoted) if url is not None else ""
    output: str | None
    if tool == "curl":
        output = opts.value("-o", "--output")
        if output is None and opts.has("-O", "--remote-name", "--remote-name-all"):
            output = name or None
            directory = opts.value("--output-dir")
            if output and directory:
                output = directory.rstrip("/") + "/" + output
    else:
        output = opts.value("-O", "--output-document")
        if output is None:
            output = name or "index.html"
            directory = opts.value("-P", "--directory-prefix")
            if directory:
                output = directory.rstrip("/") + "/" + output
    if output is None or output == "-":
        output = _stdout_file(cmd) or "-"
    piped = _neighbour(script, cmd, 1) if output == "-" else None
    return Download(cmd, tool, url, output, piped)


def downloads(script: Script) -> tuple[Download, ...]:
    """Every ``curl``/``wget`` in the script with what it writes (memoized)."""
    return _per_command(script, "downloads", _download)


_DECOMPRESSORS = {"gunzip": None, "bunzip2": None, "unxz": None, "unzstd": None, "unlzma": None,
                  "gzip": "-d", "bzip2": "-d", "xz": "-d", "zstd": "-d", "lzma": "-d"}  # fmt: skip
_DECOMPRESS_LONG = {"-d": ("-d", "--decompress", "--uncompress")}


def _tar(cmd: Command) -> tuple[str | None, str | None] | None:
    args = list(cmd.args)
    # Old-style `tar xzf file`: the first word is a cluster of option letters.
    if args and args[0].unquoted[:1].isalpha() and args[0].unquoted.isalpha():
        first = args[0]
        args[0] = ShellWord(first.raw, "-" + first.unquoted, first.span, first.has_expansion)
    opts = scan_args(args, "tar")
    if not opts.has("-x", "--extract", "--get"):
        return None
    return opts.value("-f", "--file") or "-", opts.value("-C", "--directory")


def _extraction(script: Script, cmd: Command) -> Extraction | None:
    tool = cmd.tool
    archive: str | None
    directory: str | None = None
    if tool == "tar":
        found = _tar(cmd)
        if found is None:
            return None
        archive, directory = found
    elif tool == "unzip":
        opts = cmd.options()
        archive = opts.positional[0].unquoted if opts.positional else None
        directory = opts.value("-d")
    elif tool == "7z":
        opts = cmd.options()
        pos = opts.positional
        if not pos or pos[0].unquoted not in ("x", "e"):
            return None
        archive = pos[1].unquoted if len(pos) > 1 else None
        directory = opts.value("-o")
    elif tool in _DECOMPRESSORS:
        flag = _DECOMPRESSORS[tool]
        opts = cmd.options()
        if flag is not None and not opts.has(*_DECOMPRESS_LONG[flag]):
            return None
        archive = opts.positional[0].unquoted if opts.positional else "-"
    else:
        return None
    fed = _neighbour(script, cmd, -1) if archive == "-" else None
    return Extraction(cmd, tool, archive, directory, fed)


def extractions(script: Script) -> tuple[Extraction, ...]:
    """Every archive extraction in the script (memoized)."""
    return _per_command(script, "extractions", _extraction)
