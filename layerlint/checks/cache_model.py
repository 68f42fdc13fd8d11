"""Facts the build-cache rules share: a walk of each stage, COPY sources, mounts, installs.

Nothing here reports anything; the ``cache*`` check modules ask questions of it.

* :func:`steps` walks a stage with its ``FROM <stage>`` parents (BuildKit starts such a
  stage from the parent's state: same files, WORKDIR, ENV, ARG values and USER) and records,
  before each instruction, the working directory, the variables (``layerlint.expand.Scope``)
  and the user.  A stage built on an image starts in that image's unknown WORKDIR, written
  :data:`IMAGE_WORKDIR`, so ``COPY . .`` and ``RUN npm ci`` still meet in the same place.
* :func:`copy_of` turns a COPY/ADD into absolute destinations and context sources.
* :func:`mounts` parses ``RUN --mount`` options as BuildKit's ``ParseMount`` reads them.
* :func:`installs` finds the commands of a RUN that install dependencies from a manifest
  (``npm ci``, ``pip install -r``, ``go mod download`` ...), with the directory they read.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator, Mapping
from functools import lru_cache
from types import MappingProxyType

from layerlint.model import Instruction, Stage
from layerlint.source import Frozen, Value, _set

TYPE_CHECKING = False  # typing costs ms at start-up; only checkers need it
if TYPE_CHECKING:
    from layerlint.expand import Scope
    from layerlint.rule import RuleContext
    from layerlint.shell import Command, Script

IMAGE_WORKDIR = "/\x00image-workdir"
"""Stands for the base image's WORKDIR, unknown to a linter (paths below it still compare)."""


# --------------------------------------------------------------------------- the walk


class Step(Frozen):
    """One instruction of a stage's lineage, with the state in force *before* it runs."""

    __slots__ = ("ins", "stage", "cwd", "scope", "user")  # constructor order: Value relies on it

    ins: Instruction
    stage: Stage
    cwd: str | None  # absolute (or under IMAGE_WORKDIR); None when a variable hides it
    scope: Scope
    user: str | None  # the last USER value, None when no USER was given (the image's own)

    def __init__(self, ins: Instruction, stage: Stage, cwd: str | None, scope: Scope, user: str | None) -> None:
        _set(self, "ins", ins)
        _set(self, "stage", stage)
        _set(self, "cwd", cwd)
        _set(self, "scope", scope)
        _set(self, "user", user)

    def expand(self, word: str) -> str | None:
        """BuildKit's expansion of ``word`` here, or None when it rests on unknown values."""
        return expand(self.scope, word)

    def resolve(self, path: str) -> str | None:
        """An absolute path for ``path`` as seen from this step's working directory."""
        return join(self.cwd, path)


def expand(scope: Scope, word: str) -> str | None:
    """Expand with the scope; None when an unset name may be set by the image or it fails."""
    from layerlint.expand import ExpansionError, referenced_names, unquote

    if "$" not in word:
        return unquote(word, scope.escape)
    unknown: list[str] = []
    try:
        value = scope.expand(word, unresolved=unknown.append)
    except ExpansionError:
        return None
    if any(not scope.is_known(name) for name in unknown):
        return None
    if scope.guessed and not scope.guessed.isdisjoint(referenced_names(word, scope.escape)):
        return None
    return value


def join(base: str | None, path: str | None) -> str | None:
    """``path`` made absolute against ``base`` and normalized (None stays unknown)."""
    if path is None:
        return None
    if path.startswith("/"):
        return posixpath.normpath(path) if path != "/" else "/"
    if base is None:
        return None
    return posixpath.normpath(posixpath.join(base, path))


def under(path: str | None, directory: str | None) -> bool:
    """Whether ``path`` is ``directory`` or lies inside it."""
    if path is None or directory is None:
        return False
    if directory == "/":
        return path.startswith("/")
    return path == directory or path.startswith(directory + "/")


def steps(ctx: RuleContext, stage: Stage) -> list[Step]:
    """The instructions of ``stage`` and its ``FROM <stage>`` parents, in build order."""
    return ctx.memo(f"cache.steps.{stage.index}", lambda: _walk(ctx, stage))


def _walk(ctx: RuleContext, stage: Stage) -> list[Step]:
    from layerlint.build import lineage, scopes

    variables = scopes(ctx.build)
    out: list[Step] = []
    cwd: str | None = IMAGE_WORKDIR
    user: str | None = None
    for n, current in enumerate(lineage(ctx.build, stage)):
        if n == 0:
            cwd = "/" if current.base_expanded.strip().lower() == "scratch" else IMAGE_WORKDIR
        for ins in current.instructions[1:]:
            if ins.keyword == "ONBUILD":
                continue
            scope = variables[ins.index]
            out.append(Step(ins, current, cwd, scope, user))
            cwd, user = _advance(ins, scope, cwd, user)
    return out


def _advance(ins: Instruction, scope: Scope, cwd: str | None, user: str | None) -> tuple[str | None, str | None]:
    """The working directory and user after ``ins`` (ARG/ENV do not change them)."""
    if ins.keyword == "WORKDIR" and ins.args:
        cwd = join(cwd, expand(scope, ins.args[0].raw))
    elif ins.keyword == "USER" and ins.args:
        user = expand(scope, ins.args[0].raw)
    return cwd, user


def is_root(user: str | None) -> bool | None:
    """True for root (``root``, ``0``, ``0:0`` ...), False for another user, None if unknown."""
    if user is None:
        return None
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0")


# --------------------------------------------------------------------------- COPY / ADD


class Source(Frozen):
    """One COPY/ADD source from the build context."""

    __slots__ = ("text", "path", "word_index")  # constructor order: Value relies on it

    text: str  # as expanded, e.g. "." or "src/" or "package*.json"
    path: str  # context-relative, cleaned ("" for the root)
    word_index: int

    def __init__(self, text: str, path: str, word_index: int) -> None:
        _set(self, "text", text)
        _set(self, "path", path)
        _set(self, "word_index", word_index)

    @property
    def whole_context(self) -> bool:
        return self.path == "" or self.text.strip() == "*"

    @property
    def names_directory(self) -> bool:
        """Written as a directory (``src/``, ``.``): its contents are copied."""
        return self.whole_context or self.text.endswith(("/", "/."))


class CopyOp(Frozen):
    """A COPY or ADD with its destination resolved against WORKDIR."""

    __slots__ = (  # constructor order: Value relies on it
        "step",
        "sources",
        "dest",
        "dest_is_dir",
        "from_context",
    )

    step: Step
    sources: tuple[Source, ...]  # context sources only (URLs, heredocs and --from excluded)
    dest: str | None  # absolute, None when unknown
    dest_is_dir: bool
    from_context: bool

    def __init__(
        self,
        step: Step,
        sources: tuple[Source, ...],
        dest: str | None,
        dest_is_dir: bool,
        from_context: bool,
    ) -> None:
        _set(self, "step", step)
        _set(self, "sources", sources)
        _set(self, "dest", dest)
        _set(self, "dest_is_dir", dest_is_dir)
        _set(self, "from_context", from_context)

    @property
    def ins(self) -> Instruction:
        return self.step.ins

    def target_of(self, source: Source) -> str | None:
        """Where a file source lands (for a directory source: the directory it fills)."""
        if self.dest is None:
            return None
        if source.names_directory or self.dest_is_dir:
            if source.names_directory:
                return self.dest
            return posixpath.join(self.dest, posixpath.basename(source.path))
        return self.dest


def is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def is_git_source(text: str) -> bool:
    """BuildKit's ``gitutil.ParseGitRef`` view of an ADD source, simplified."""
    if text.startswith(("git://", "git@", "ssh://")):
        return True
    if is_url(text):
        base = text.split("#", 1)[0].split("?", 1)[0]
        return base.endswith(".git")
    return False


def copy_at(ctx: RuleContext, step: Step) -> CopyOp | None:
    """:func:`copy_of`, computed once per instruction (its state depends only on what precedes it)."""
    table: dict[int, CopyOp | None] = ctx.memo("cache.copies", dict)
    index = step.ins.index
    if index not in table:
        table[index] = copy_of(step)
    return table[index]


def copy_of(step: Step) -> CopyOp | None:
    """The COPY/ADD of a step (None for other instructions)."""
    ins = step.ins
    if ins.keyword not in ("COPY", "ADD") or len(ins.args) < 2:
        return None
    from_flag = ins.flag("from")
    from_context = from_flag is None or not from_flag.value
    raw_dest = ins.args[-1]
    dest_text = step.expand(raw_dest.raw) if not ins.exec_form else raw_dest.value
    dest = step.resolve(dest_text) if dest_text is not None else None
    heredoc_names = {doc.name for doc in ins.heredocs}
    sources: list[Source] = []
    for n, word in enumerate(ins.args[:-1]):
        text = word.value if ins.exec_form else step.expand(word.raw)
        if not text or not from_context:  # unknown, or an unset variable (BuildKit's UndefinedVar)
            continue
        if word.raw.startswith("<<") and word.raw.lstrip("<-").strip("'\"") in heredoc_names:
            continue
        if is_url(text) or is_git_source(text):
            continue
        cleaned = posixpath.normpath("/" + text).lstrip("/")
        sources.append(Source(text, cleaned, n))
    dest_is_dir = (
        dest_text is not None
        and (dest_text.endswith(("/", "/.")) or dest_text in (".", "./"))
        or len(ins.args) > 2
    )
    return CopyOp(step, tuple(sources), dest, dest_is_dir, from_context)


# --------------------------------------------------------------------------- mounts


class Mount(Frozen):
    """One ``RUN --mount`` as BuildKit reads it (defaults filled in)."""

    __slots__ = (  # constructor order: Value relies on it
        "type",
        "target",
        "source",
        "from_",
        "sharing",
        "id",
        "options",
        "flag_index",
    )

    type: str
    target: str | None
    source: str | None
    from_: str | None
    sharing: str
    id: str | None
    options: Mapping[str, str]
    flag_index: int

    def __init__(
        self,
        type: str,
        target: str | None,
        source: str | None,
        from_: str | None,
        sharing: str,
        id: str | None,
        options: Mapping[str, str],
        flag_index: int,
    ) -> None:
        _set(self, "type", type)
        _set(self, "target", target)
        _set(self, "source", source)
        _set(self, "from_", from_)
        _set(self, "sharing", sharing)
        _set(self, "id", id)
        _set(self, "options", options)
        _set(self, "flag_index", flag_index)

    def target_abs(self, cwd: str | None) -> str | None:
        return join(cwd, self.target) if self.target else None


@lru_cache(maxsize=512)
def parse_mount(value: str, index: int = 0) -> Mount:
    """Parse ``type=cache,target=/x,...`` (CSV fields, ``key=value`` or bare ``ro``)."""
    import csv

    try:
        fields = next(csv.reader([value]))
    except (csv.Error, StopIteration):
        fields = value.split(",")
    opts: dict[str, str] = {}
    for field in fields:
        key, eq, val = field.strip().partition("=")
        key = key.strip().lower()
        opts[key] = val.strip() if eq else "true"
    aliases = {"dst": "target", "destination": "target", "src": "source"}
    for alias, name in aliases.items():
        if alias in opts and name not in opts:
            opts[name] = opts[alias]
    return Mount(
        type=opts.get("type", "bind").lower(),
        target=opts.get("target"),
        source=opts.get("source"),
        from_=opts.get("from"),
        sharing=opts.get("sharing", "shared").lower(),
        id=opts.get("id"),
        options=MappingProxyType(opts),
        flag_index=index,
    )


def mounts(ins: Instruction) -> tuple[Mount, ...]:
    ins = ins.effective
    return tuple(parse_mount(f.value or "", n) for n, f in enumerate(f for f in ins.flags if f.name == "mount"))


def mount_flag(ins: Instruction, mount: Mount):  # type: ignore[no-untyped-def]
    """The ``--mount`` flag a :class:`Mount` was read from (for its span)."""
    return [f for f in ins.effective.flags if f.name == "mount"][mount.flag_index]


# --------------------------------------------------------------------------- commands


def commands(ctx: RuleContext, ins: Instruction) -> Iterator[tuple[Script, Command]]:
    """Every shell command a RUN executes (its line and shell heredoc bodies)."""
    for script in ctx.scripts(ins):
        for cmd in script.commands:
            if cmd.words:
                yield script, cmd


def command_text(cmd: Command, limit: int = 40) -> str:
    """A short quote of a command for messages: ``npm ci``."""
    text = " ".join(w.unquoted for w in cmd.words)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- installs


class Install(Frozen):
    """A command that installs dependencies described by files in a directory."""

    __slots__ = (  # constructor order: Value relies on it
        "ecosystem",
        "label",
        "command",
        "directory",
        "manifests",
        "locks",
        "lock_required",
        "cache_hints",
        "cache_env",
        "then",
    )

    ecosystem: str  # groups tools that share manifests: node, python, go, rust, ...
    label: str  # "npm ci", "pip install -r requirements.txt"
    command: Command
    directory: str | None  # absolute directory the manifests are read from
    manifests: tuple[str, ...]  # paths relative to ``directory`` the install reads
    locks: tuple[str, ...]  # lock files it honours (any one of them)
    lock_required: bool  # the command fails without one
    cache_hints: tuple[str, ...]  # fragments of cache-mount targets that make a re-run cheap
    cache_env: tuple[str, ...]  # variables naming the tool's cache directory
    then: str  # what to run after copying the manifests first

    def __init__(
        self,
        ecosystem: str,
        label: str,
        command: Command,
        directory: str | None,
        manifests: tuple[str, ...],
        locks: tuple[str, ...],
        lock_required: bool,
        cache_hints: tuple[str, ...],
        cache_env: tuple[str, ...],
        then: str,
    ) -> None:
        _set(self, "ecosystem", ecosystem)
        _set(self, "label", label)
        _set(self, "command", command)
        _set(self, "directory", directory)
        _set(self, "manifests", manifests)
        _set(self, "locks", locks)
        _set(self, "lock_required", lock_required)
        _set(self, "cache_hints", cache_hints)
        _set(self, "cache_env", cache_env)
        _set(self, "then", then)

    @property
    def probe(self) -> str | None:
        """Absolute path of the first manifest (where its COPY must have put it)."""
        return join(self.directory, self.manifests[0]) if self.manifests and self.directory else None


class _Kind(Frozen):
    """What a package manager reads and where it caches (see :func:`installs`)."""

    __slots__ = (  # constructor order: Value relies on it
        "ecosystem",
        "manifests",
        "locks",
        "hints",
        "env",
        "then",
        "dir_flags",
        "dir_flag_names_file",
        "strict_flags",
    )

    ecosystem: str
    manifests: tuple[str, ...]
    locks: tuple[str, ...]
    hints: tuple[str, ...]
    env: tuple[str, ...]
    then: str
    dir_flags: tuple[str, ...]
    dir_flag_names_file: bool
    strict_flags: tuple[str, ...]

    def __init__(
        self,
        ecosystem: str,
        manifests: tuple[str, ...],
        locks: tuple[str, ...],
        hints: tuple[str, ...],
        env: tuple[str, ...],
        then: str,
        dir_flags: tuple[str, ...] = (),
        dir_flag_names_file: bool = False,
        strict_flags: tuple[str, ...] = (),
    ) -> None:
        _set(self, "ecosystem", ecosystem)
        _set(self, "manifests", manifests)
        _set(self, "locks", locks)
        _set(self, "hints", hints)
        _set(self, "env", env)
        _set(self, "then", then)
        _set(self, "dir_flags", dir_flags)
        _set(self, "dir_flag_names_file", dir_flag_names_file)
        _set(self, "strict_flags", strict_flags)


_KINDS: dict[str, _Kind] = {
    "npm": _Kind("node", ("package.json",), ("package-lock.json", "npm-shrinkwrap.json"), ("npm",),
                 ("npm_config_cache", "NPM_CONFIG_CACHE"), "`npm ci`", ("--prefix",)),
    "yarn": _Kind("node", ("package.json",), ("yarn.lock",), ("yarn",), ("YARN_CACHE_FOLDER",), "`yarn install`",
                  ("--cwd",), strict_flags=("--immutable",)),  # yarn 1 ignores a missing lock
    "pnpm": _Kind("node", ("package.json",), ("pnpm-lock.yaml",), ("pnpm",), ("npm_config_store_dir",),
                  "`pnpm install`", ("-C", "--dir"), strict_flags=("--frozen-lockfile",)),
    "pip": _Kind("python", (), (), ("pip",), ("PIP_CACHE_DIR",), ""),
    "uv-pip": _Kind("python", (), (), ("uv",), ("UV_CACHE_DIR",), ""),
    "uv": _Kind("python", ("pyproject.toml",), ("uv.lock",), ("uv",), ("UV_CACHE_DIR",),
                "`uv sync --no-install-project`", ("--directory", "--project"), strict_flags=("--locked", "--frozen")),
    "poetry": _Kind("python", ("pyproject.toml",), ("poetry.lock",), ("poetry",), ("POETRY_CACHE_DIR",),
                    "`poetry install --no-root`", ("-C", "--directory")),
    "pipenv": _Kind("python", ("Pipfile",), ("Pipfile.lock",), ("pipenv", "pip"), ("PIPENV_CACHE_DIR", "PIP_CACHE_DIR"),
                    "`pipenv install`"),
    "go": _Kind("go", ("go.mod",), ("go.sum",), ("pkg/mod", "gomod", "go-mod"), ("GOMODCACHE", "GOPATH"),
                "`go mod download`", ("-C",)),
    "cargo": _Kind("rust", ("Cargo.toml",), ("Cargo.lock",), ("cargo", "/target"), ("CARGO_HOME", "CARGO_TARGET_DIR"),
                   "`cargo fetch` (or build the dependencies alone, e.g. with cargo-chef)", ("--manifest-path",), True,
                   ("--locked", "--frozen")),
    "bundle": _Kind("ruby", ("Gemfile",), ("Gemfile.lock",), ("bundle", "gem"), ("BUNDLE_PATH", "GEM_HOME"),
                    "`bundle install`", ("--gemfile",), True, ("--deployment",)),
    "composer": _Kind("php", ("composer.json",), ("composer.lock",), ("composer",),
                      ("COMPOSER_CACHE_DIR", "COMPOSER_HOME"), "`composer install --no-scripts --no-autoloader`",
                      ("-d", "--working-dir")),
    "mvn": _Kind("java", ("pom.xml",), (), (".m2", "maven"), ("MAVEN_CONFIG",), "`mvn dependency:go-offline`",
                 ("-f", "--file"), True),
    "gradle": _Kind("java", ("build.gradle",), (), ("gradle",), ("GRADLE_USER_HOME",), "`gradle dependencies`",
                    ("-p", "--project-dir")),
    "bun": _Kind("node", ("package.json",), ("bun.lock", "bun.lockb"), ("bun",), ("BUN_INSTALL_CACHE_DIR",),
                 "`bun install`", ("--cwd",), strict_flags=("--frozen-lockfile",)),
    "dotnet": _Kind("dotnet", ("*.csproj",), ("packages.lock.json",), ("nuget",), ("NUGET_PACKAGES",),
                    "`dotnet restore`"),
}  # fmt: skip

# (manager, verb as written or None) -> when a manifest install happens; "-" = verb absent
_MANIFEST_VERBS: dict[str, frozenset[str]] = {
    "npm": frozenset({"ci", "clean-install", "ic", "install-clean", "isntall-clean", "install", "i", "in", "isntall"}),
    "yarn": frozenset({"-", "install"}),
    "pnpm": frozenset({"install", "i", "fetch"}),
    "uv": frozenset({"sync"}),
    "poetry": frozenset({"install", "sync"}),
    "pipenv": frozenset({"install", "sync"}),
    "bundle": frozenset({"-", "install"}),
    "composer": frozenset({"install", "i", "update", "u"}),
    "go": frozenset({"download", "build", "install"}),
    "cargo": frozenset({"build", "fetch", "install"}),
}  # fmt: skip
_STRICT_VERBS = frozenset({"ci", "clean-install", "ic", "install-clean", "isntall-clean", "fetch", "sync"})


def installs(ctx: RuleContext, step: Step) -> list[Install]:
    """Dependency installs of a RUN, each with the directory it reads, in order."""
    if step.ins.keyword != "RUN":
        return []
    # A step's state depends only on the instructions before it, so the index is a key.
    return ctx.memo(f"cache.installs.{step.ins.index}", lambda: _installs(ctx, step))


def _installs(ctx: RuleContext, step: Step) -> list[Install]:
    from layerlint.pkgfacts import package_ops

    found: list[Install] = []
    for script in ctx.scripts(step.ins):
        ops: dict[int, list] = {}
        for op in package_ops(script):
            ops.setdefault(id(op.command), []).append(op)
        cwd = step.cwd
        for cmd in script.commands:
            if cmd.name in ("cd", "pushd") and cmd.words:
                target = cmd.args[0].value if cmd.args else None
                cwd = join(cwd, target) if target not in (None, "-") else None
                continue
            install = _direct(cmd, cwd)
            for op in ops.get(id(cmd), ()):
                install = install or _install_of(op, cwd, step)
            if install is not None:
                found.append(install)
    return found


def _install_of(op, cwd: str | None, step: Step) -> Install | None:  # type: ignore[no-untyped-def]
    """An :class:`Install` for a ``layerlint.pkgfacts.PackageOp`` that reads a manifest."""
    manager = "uv-pip" if op.manager == "pip" and op.program.startswith("uv") else op.manager
    kind = _KINDS.get(manager)
    if kind is None:
        return None
    opts = op.options
    verb = op.verb.unquoted if op.verb is not None else "-"
    directory = cwd
    if kind.dir_flags and opts.value(*kind.dir_flags) is not None:
        value = opts.value(*kind.dir_flags) or "."
        directory = join(cwd, posixpath.dirname(value) or "." if kind.dir_flag_names_file else value)
    label = op.program if verb == "-" else f"{op.program} {verb}"
    if manager in ("pip", "uv-pip"):
        return _pip_install(op, manager, kind, cwd)
    if manager in ("mvn", "gradle"):
        if op.action not in ("build", "fetch") or opts.has("-o", "--offline"):
            return None
        label = " ".join([op.program, *(w.unquoted for w in opts.positional)])
        then = "`./gradlew dependencies`" if op.command.name == "gradlew" else kind.then
        return Install(kind.ecosystem, label, op.command, directory, kind.manifests, kind.locks, False, kind.hints,
                       kind.env, then)
    if verb not in _MANIFEST_VERBS.get(manager, ()) or (op.packages and manager != "go"):
        return None
    if manager == "go":
        if any("@" in w.unquoted for w in op.packages) or opts.value("-mod") == "vendor":
            return None
        if "-mod=vendor" in (step.scope.env.get("GOFLAGS") or ""):
            return None
        label = "go mod download" if verb == "download" else f"go {verb}"
    if manager == "cargo" and verb == "install":
        if not opts.has("--path"):
            return None
        directory = join(cwd, opts.value("--path"))
    if manager == "npm" and opts.has("-g", "--global"):
        return None
    manifests = kind.locks[:1] if verb == "fetch" else kind.manifests
    strict = verb in _STRICT_VERBS and manager in ("npm", "pnpm") or opts.has(*kind.strict_flags)
    then = f"`{label}`" if manager in ("npm", "yarn", "pnpm", "pipenv", "bundle") else kind.then
    return Install(kind.ecosystem, label, op.command, directory, manifests, kind.locks, strict, kind.hints, kind.env,
                   then)


_LOCAL_PROJECT = (".", "./")


def _pip_install(op, manager: str, kind: _Kind, cwd: str | None) -> Install | None:  # type: ignore[no-untyped-def]
    if op.action not in ("install", "sync") or op.options.has("--no-deps"):
        return None
    name = "uv pip" if manager == "uv-pip" else "pip"
    files = list(op.options.values("-r", "--requirement", "--requirements"))
    if op.action == "sync":
        files.extend(w.unquoted for w in op.packages)
    if files:
        shown = " ".join(f"-r {f}" for f in files)
        return Install("python", f"{name} install {shown}", op.command, cwd, tuple(files), (), False, kind.hints,
                       kind.env, f"`{name} install {shown}`")
    local = [
        w.unquoted
        for w in op.packages
        if w.unquoted.split("[", 1)[0] in _LOCAL_PROJECT or w.unquoted.startswith(("./", "/"))
    ]
    if not local:
        return None
    directory = join(cwd, local[0].split("[", 1)[0] or ".")
    return Install("python", f"{name} install {local[0]}", op.command, directory, ("pyproject.toml",), (), False,
                   kind.hints, kind.env, "an install of the dependencies alone")


def _direct(cmd: Command, cwd: str | None) -> Install | None:
    """Installs pkgfacts does not model: ``bun install``, ``dotnet restore|build|publish|test``
    and ``cargo chef cook`` (cargo-chef builds the dependencies from ``recipe.json``)."""
    from layerlint.shell import scan_args

    if cmd.name not in ("dotnet", "cargo", "bun"):
        return None
    opts = scan_args(cmd.args, cmd.tool)
    pos = [w.unquoted for w in opts.positional]
    if cmd.name == "cargo":
        if pos[:2] != ["chef", "cook"]:
            return None
        recipe = opts.value("--recipe-path") or "recipe.json"
        kind = _KINDS["cargo"]
        return Install("rust", "cargo chef cook", cmd, cwd, (recipe,), (), False, kind.hints, kind.env,
                       "`cargo chef cook`")
    kind = _KINDS[cmd.name]
    if cmd.name == "bun":
        if pos not in (["install"], ["i"]) or opts.has("-g", "--global"):
            return None
        directory = join(cwd, opts.value("--cwd")) if opts.value("--cwd") else cwd
        return Install(kind.ecosystem, f"bun {pos[0]}", cmd, directory, kind.manifests, kind.locks,
                       opts.has(*kind.strict_flags), kind.hints, kind.env, f"`bun {pos[0]}`")
    if not pos or pos[0] not in ("restore", "build", "publish", "test"):
        return None
    directory = cwd
    if len(pos) > 1:
        target = pos[1]
        directory = join(cwd, posixpath.dirname(target) if target.endswith((".csproj", ".sln", ".fsproj")) else target)
    return Install(kind.ecosystem, f"dotnet {pos[0]}", cmd, directory, kind.manifests, kind.locks,
                   opts.has(*kind.strict_flags), kind.hints, kind.env, kind.then)


def cache_mounted(install: Install, step: Step) -> bool:
    """Whether the RUN mounts a cache where this tool keeps downloads (re-runs are cheap)."""
    targets = [m.target_abs(step.cwd) for m in mounts(step.ins) if m.type == "cache"]
    targets = [t for t in targets if t]
    if not targets:
        return False
    for target in targets:
        lowered = target.lower()
        if any(hint in lowered for hint in install.cache_hints):
            return True
    for name in install.cache_env:
        value = step.scope.env.get(name)
        if value and any(under(value, t) or under(t, value) for t in targets):
            return True
    return False


# --------------------------------------------------------------------------- build context


class BuildContext(Value):
    """The build context on disk when the linter can trust it (see :func:`build_context`)."""

    __slots__ = ("root", "dockerfile", "_ignore")  # _ignore: the .dockerignore, read on first use

    root: str
    dockerfile: str

    def __init__(self, root: str, dockerfile: str) -> None:
        self.root = root
        self.dockerfile = dockerfile

    def exists(self, relpath: str) -> bool:
        return os.path.lexists(os.path.join(self.root, relpath))

    def isdir(self, relpath: str) -> bool:
        return os.path.isdir(os.path.join(self.root, relpath))

    def dockerignore_path(self) -> str | None:
        from layerlint.dockerignore import find_dockerignore

        return find_dockerignore(self.root, self.dockerfile)

    def ignored(self, relpath: str) -> bool:
        if not hasattr(self, "_ignore"):
            from layerlint.dockerignore import DockerIgnore

            self._ignore = DockerIgnore.for_build(self.root, self.dockerfile)
        return self._ignore.matches(relpath)

    def sent(self, relpath: str) -> bool:
        """The file exists in the context and ``.dockerignore`` lets it through."""
        return self.exists(relpath) and not self.ignored(relpath)


def build_context(ctx: RuleContext) -> BuildContext | None:
    """The context directory, or None when it is unknown or evidently not this build's.

    A pre-commit hook lints ``docker/app.Dockerfile`` with its own directory as context
    while the real build may send the repository root; so unless the user named the
    context (``--context``), every literal COPY source of the file must exist in the
    directory, otherwise the rules that read the context stay silent rather than guess.
    """
    return ctx.memo("cache.context", lambda: _build_context(ctx))


def _build_context(ctx: RuleContext) -> BuildContext | None:
    root = ctx.context_dir
    if not root or not os.path.isdir(root):
        return None
    if not ctx.context_explicit and not fits(ctx, root):
        return None
    return BuildContext(root, ctx.source.path)


def literal_sources(ctx: RuleContext) -> list[str]:
    """Context paths the file's COPY/ADD name literally (no wildcard, not the root)."""

    def compute() -> list[str]:
        found = []
        for stage in ctx.build.stages:
            for step in steps(ctx, stage):
                op = copy_at(ctx, step) if step.stage is stage else None
                if op is None or not op.from_context:
                    continue
                found.extend(s.path for s in op.sources if s.path and not any(c in s.text for c in "*?["))
        return found

    return ctx.memo("cache.literal-sources", compute)


def fits(ctx: RuleContext, root: str) -> bool:
    """Whether ``root`` holds every literal COPY source, as the real context must."""
    return all(os.path.lexists(os.path.join(root, path)) for path in literal_sources(ctx))
