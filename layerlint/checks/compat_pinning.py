"""Package pinning (apt, pip, npm, apk, gem) and apt-get's confirmation prompt.

Each pinning rule is one predicate over a package spec; the walk over RUN scripts, the
variable expansion (a package list in ``ARG PKGS="curl=8.5.0-2"`` is pinned) and the report
are shared.  A word whose value is unknown (a variable the base image may set, ``$(cat list)``)
is not reported: the rule cannot know what it installs.  A variable that only another stage
(or a global ARG not declared again in the stage) sets is not unknown but unset where the RUN
runs: ENV and ARG do not cross stages, so ``pkg-${version}`` installs ``pkg-``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from layerlint.checks.compat_facts import run_scripts, scope_at, word_values
from layerlint.model import Instruction
from layerlint.pkgfacts import PackageOp, package_ops
from layerlint.rule import Edit, Fix, Hit, RuleContext, check
from layerlint.shell import Command, Script, ShellWord
from layerlint.source import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerlint.model import Stage

Pinned = Callable[[str], bool]
# (the word, one value it installs, why a variable in it is empty here or "")
Found = tuple[ShellWord, str, str]


def _ops(ctx: RuleContext, ins: Instruction, managers: Iterable[str], verbs: Iterable[str]) -> Iterator[tuple[Script, PackageOp]]:
    """Package-manager ops of a RUN whose subcommand is one of ``verbs``."""
    managers, verbs = frozenset(managers), frozenset(verbs)
    for script in run_scripts(ctx, ins):
        for op in package_ops(script):
            if op.manager in managers and op.verb is not None and op.verb.unquoted in verbs:
                yield script, op


def _settings(ctx: RuleContext) -> dict[str, list[Stage | None]]:
    """Where the file sets each variable: the stages with an ARG/ENV of that name, None for a global ARG."""
    out: dict[str, list[Stage | None]] = {}
    for pair in ctx.build.global_args:
        out.setdefault(pair.key, []).append(None)
    for stage in ctx.build.stages:
        for other in stage.instructions:
            if other.keyword in ("ARG", "ENV"):
                for pair in other.pairs:
                    out.setdefault(pair.key, []).append(stage)
    return out


_SOURCES_ENV = frozenset({".", "source", "eval", "set"})  # may set any variable of the script


def _unset_here(ctx: RuleContext, ins: Instruction, script: Script, cmd: Command, names: set[str]) -> dict[str, str] | None:
    """For each of ``names`` the RUN cannot see, why it is empty there; None when one may hold a value.

    A name is empty when no ARG/ENV of the RUN's stage (or the stages it is built FROM) sets
    it before the RUN and the script does not, but another stage or a global ARG does: that
    value does not reach this RUN.  A name set nowhere in the file may come from the base
    image and stays unknown.
    """
    from layerlint.build import lineage

    scope = scope_at(ctx, ins)
    stage = ctx.stage_of(ins)
    if scope is None or stage is None or cmd.in_loop or cmd.in_function:
        return None
    for other in script.commands:
        if other.span.start >= cmd.span.start:
            break
        if other.name in _SOURCES_ENV or any(a.partition("=")[0] in names for a in other.assignments):
            return None
        if other.name in ("export", "readonly", "declare", "local", "typeset", "read"):
            if any(w.unquoted.partition("=")[0] in names for w in other.args):
                return None
    settings: dict[str, list[Stage | None]] = ctx.memo("pinning.variable-settings", lambda: _settings(ctx))
    chain = {s.index for s in lineage(ctx.build, stage)}
    out: dict[str, str] = {}
    for name in sorted(names):
        if name in scope.env or name in scope.declared_args:
            continue
        places = settings.get(name, [])
        elsewhere = [p for p in places if p is None or p.index not in chain]
        if not elsewhere or len(elsewhere) < len(places):
            return None  # set nowhere (maybe by the base image), or later in this very image
        where = elsewhere[0]
        if where is None:
            out[name] = (
                f"`${{{name}}}` is a global ARG, which a stage sees only after its own `ARG {name}`, so here it is "
                "empty unless the base image sets it"
            )
        else:
            label = where.name or str(where.index)
            out[name] = (
                f"`${{{name}}}` is set only in stage `{label}`; ENV and ARG do not carry across stages, so here it "
                "is empty unless the base image sets it"
            )
    return out or None


def package_values(
    ctx: RuleContext, ins: Instruction, script: Script, cmd: Command, word: ShellWord
) -> tuple[list[str] | None, str]:
    """What a package word installs (``word_values``), and a note when that rests on a variable
    that only another stage sets, read as the empty string it is in this RUN."""
    values = word_values(ctx, ins, script, cmd, word)
    if values is not None or not word.has_expansion or "$(" in word.raw or "`" in word.raw:
        return values, ""
    from layerlint.expand import ExpansionError, process_words, referenced_names

    scope = scope_at(ctx, ins)
    names = referenced_names(word.raw, "\\")
    if scope is None or not scope.guessed.isdisjoint(names):
        return None, ""
    unset = _unset_here(ctx, ins, script, cmd, {n for n in names if n not in scope.env})
    if unset is None:
        return None, ""
    missing: list[str] = []
    try:
        values = process_words(word.raw, scope.env, "\\", unresolved=missing.append)
    except ExpansionError:
        return None, ""
    if not set(missing) <= unset.keys():
        return None, ""
    return values, "; ".join(unset[n] for n in sorted(set(missing)))


def _unpinned(
    ctx: RuleContext, ins: Instruction, script: Script, op: PackageOp, words: Iterable[ShellWord], pinned: Pinned
) -> list[Found]:
    found = []
    for word in words:
        values, note = package_values(ctx, ins, script, op.command, word)
        for value in values or ():
            if value and not pinned(value):
                found.append((word, value, note))
    return found


def _report(ctx: RuleContext, ins: Instruction, found: list[Found], how: str) -> Iterator[Hit]:
    """One finding per RUN, on the first unpinned package, naming them all."""
    if not found:
        return
    names = ", ".join(dict.fromkeys(f"`{value}`" for _, value, _ in found))
    many = len({value for _, value, _ in found}) > 1
    notes = "".join(f"; {n}" for n in dict.fromkeys(note for _, _, note in found if note))
    yield ctx.hit(
        found[0][0].span,
        f"{names} {'are' if many else 'is'} not pinned: a rebuild may install another version ({how}){notes}",
        None,
        ins,
    )


def _check_packages(
    ctx: RuleContext,
    ins: Instruction,
    ops: Iterable[tuple[Script, PackageOp]],
    pinned: Pinned,
    how: str,
    packages: Callable[[PackageOp], Iterable[ShellWord]] = lambda op: op.packages,
) -> Iterator[Hit]:
    found: list[Found] = []
    for script, op in ops:
        found.extend(_unpinned(ctx, ins, script, op, packages(op), pinned))
    yield from _report(ctx, ins, found, how)


# --------------------------------------------------------------------------- apt


def _apt_pinned(spec: str) -> bool:
    """``pkg=1.2*`` or ``pkg/release`` or a .deb; ``pkg=*`` and an empty ``pkg=`` name no version."""
    name, equals, version = spec.partition("=")
    if equals:
        return version.strip("*") != ""
    return "/" in spec or spec.endswith(".deb")


@check("LL401", instructions=("RUN",))
def apt_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ops = _ops(ctx, ins, ("apt-get", "apt", "aptitude"), ("install",))
    yield from _check_packages(ctx, ins, ops, _apt_pinned, "use `package=version`")


# --------------------------------------------------------------------------- pip

_PIP_OPERATORS = ("==", ">=", "<=", ">", "<", "!=", "~=", "===")
_VCS = r"(?i)^(git|hg|svn|bzr)(\+[a-z-]+)?://|^git\+[a-z]+:"
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


def _pip_pinned(spec: str) -> bool:
    if re.match(_VCS, spec):
        # A VCS URL is pinned by `@ref` after the host: git+https://host/repo.git@v1.0
        rest = spec.split("://", 1)[-1]
        return "@" in rest.partition("/")[2]
    if any(op in spec for op in _PIP_OPERATORS):
        return True
    return spec in (".", "..") or "/" in spec or spec.lower().endswith(_ARCHIVES)


def _pip_packages(op: PackageOp) -> list[ShellWord]:
    """Named packages: requirement files make the whole command exempt, editable installs are local."""
    if op.requirement_files:
        return []
    editable = {id(o.value_word or o.word) for o in op.options.options if o.name in ("-e", "--editable")}
    return [w for w in op.packages if id(w) not in editable]


@check("LL402", instructions=("RUN",))
def pip_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ops = _ops(ctx, ins, ("pip", "pipx"), ("install",))
    yield from _check_packages(ctx, ins, ops, _pip_pinned, "use `package==version` or a requirements file", _pip_packages)


# --------------------------------------------------------------------------- npm

_NPM_GIT = ("git://", "git+ssh://", "git+http://", "git+https://", "github:", "gitlab:", "bitbucket:")
_NPM_LOCAL = ("/", "./", "../", "~/", "file:", "http://", "https://")


def _npm_pinned(spec: str) -> bool:
    if spec.startswith(_NPM_GIT):
        return "#" in spec
    if spec.startswith(_NPM_LOCAL) or spec.endswith((".tar", ".tar.gz", ".tgz")):
        return True
    name = spec.split("/", 1)[1] if spec.startswith("@") and "/" in spec else spec
    return "@" in name


@check("LL403", instructions=("RUN",))
def npm_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ops = _ops(ctx, ins, ("npm",), ("install", "i", "add", "isntall", "in"))
    yield from _check_packages(ctx, ins, ops, _npm_pinned, "use `package@version`")


# --------------------------------------------------------------------------- apk


def _apk_pinned(spec: str) -> bool:
    return any(c in spec for c in "=~<>") or spec.endswith(".apk")


@check("LL404", instructions=("RUN",))
def apk_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ops = _ops(ctx, ins, ("apk",), ("add",))
    yield from _check_packages(ctx, ins, ops, _apk_pinned, "use `package=version` or `package~version`")


# --------------------------------------------------------------------------- gem

# gem options that take no value; any other unknown `--option` is taken to consume the next
# word (`--use-system-libraries true` passes a build setting, not a gem called `true`).
_GEM_SWITCHES = frozenset(
    """--no-document --document --no-ri --no-rdoc --ri --rdoc --user-install --no-user-install --conservative
    --force --no-force --local --remote --both --prerelease --no-prerelease --minimal-deps --ignore-dependencies
    --development --development-all --default --lock --no-lock --suggestions --no-suggestions --env-shebang
    --no-env-shebang --wrappers --no-wrappers --verbose --no-verbose --quiet --silent --backtrace --clear-sources
    --vendor --post-install-message --no-post-install-message --explain --format-executable
    --no-format-executable --update-sources --no-update-sources --norc""".split()
)


def _gem_packages(op: PackageOp) -> list[ShellWord]:
    if op.options.has("-v", "--version"):
        return []
    args = op.command.args
    skip: set[int] = set()
    for k, word in enumerate(args):
        text = word.unquoted
        if text == "--":
            skip.update(id(w) for w in args[k:])
            break
        if text.startswith("--") and "=" not in text and text not in _GEM_SWITCHES and k + 1 < len(args):
            if not args[k + 1].unquoted.startswith("-"):
                skip.add(id(args[k + 1]))
    return [w for w in op.packages if id(w) not in skip]


def _gem_pinned(spec: str) -> bool:
    return ":" in spec or spec.endswith(".gem")


@check("LL405", instructions=("RUN",))
def gem_package_unpinned(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    ops = _ops(ctx, ins, ("gem",), ("install", "i"))
    yield from _check_packages(ctx, ins, ops, _gem_pinned, "use `gem:version` or `-v version`", _gem_packages)


# --------------------------------------------------------------------------- apt-get -y

_QUIET_LEVEL = r"^(?:-q|--quiet)=(\d+)$"
_ASSUME_YES = r"(?i)^APT::Get::Assume-Yes=(?:1|true|yes)$"


def _answers_yes(script: Script, op: PackageOp) -> bool:
    opts = op.options
    if opts.has("-y", "--yes", "--assume-yes"):
        return True
    if any(re.match(_ASSUME_YES, v) for v in opts.values("-o", "--option")):
        return True
    quiet = sum(1 for o in opts.options if o.name in ("-q", "--quiet") and o.value is None)
    for word in op.command.args:
        m = re.match(_QUIET_LEVEL, word.unquoted)
        quiet += int(m.group(1)) if m else 0
    if quiet >= 2:  # -qq implies -y (apt-get(8))
        return True
    # `yes | apt-get install ...`
    k = script.commands.index(op.command)
    return op.command.connector in ("|", "|&") and k > 0 and script.commands[k - 1].name == "yes"


@check("LL406", instructions=("RUN",))
def apt_get_without_assume_yes(ctx: RuleContext, ins: Instruction) -> Iterator[Hit]:
    verbs = ("install", "reinstall", "upgrade", "dist-upgrade", "full-upgrade", "remove", "purge", "autoremove")
    for script, op in _ops(ctx, ins, ("apt-get", "apt", "aptitude"), verbs):
        if _answers_yes(script, op):
            continue
        assert op.verb is not None
        span = Span(op.command.words[0].span.start, op.verb.span.end)
        fix = Fix("add -y", (Edit(Span(op.verb.span.end, op.verb.span.end), " -y"),))
        yield ctx.hit(span, f"`{op.command.name} {op.verb.unquoted}` asks for confirmation: without -y the build aborts", fix, ins)
