"""``RUN --mount=type=cache`` used in ways that keep the cache empty (LL207-LL210).

A cache mount is a directory BuildKit keeps between builds and never puts in a layer; it
pays off only when the package manager reads and writes its cache there.  These rules find
the cases where it cannot: the command turns its cache off or wipes it, Debian's
``docker-clean`` hook deletes the downloads, the tool's cache lives elsewhere (a
``*_CACHE_DIR`` variable, a non-root user), or concurrent apt runs trip over apt's lock.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from layerlint.checks.cache import line_of
from layerlint.checks.cache_model import Mount, Step, is_root, join, mount_flag, mounts, steps, under
from layerlint.rule import Hit, RuleContext, check
from layerlint.source import Frozen, _set


class CacheDir(Frozen):
    """Where a package manager keeps downloads when run as root, and what moves it."""

    __slots__ = ("managers", "default", "env")  # constructor order: Value relies on it

    managers: tuple[str, ...]
    default: str
    env: str | None

    def __init__(self, managers: tuple[str, ...], default: str, env: str | None = None) -> None:
        _set(self, "managers", managers)
        _set(self, "default", default)
        _set(self, "env", env)


CACHE_DIRS: tuple[CacheDir, ...] = (
    CacheDir(("pip",), "/root/.cache/pip", "PIP_CACHE_DIR"),
    CacheDir(("uv",), "/root/.cache/uv", "UV_CACHE_DIR"),
    CacheDir(("poetry",), "/root/.cache/pypoetry", "POETRY_CACHE_DIR"),
    CacheDir(("pipenv",), "/root/.cache/pipenv", "PIPENV_CACHE_DIR"),
    CacheDir(("npm",), "/root/.npm", "npm_config_cache"),
    CacheDir(("yarn",), "/usr/local/share/.cache/yarn", "YARN_CACHE_FOLDER"),
    CacheDir(("yarn",), "/root/.cache/yarn", "YARN_CACHE_FOLDER"),
    CacheDir(("pnpm",), "/root/.local/share/pnpm/store", "npm_config_store_dir"),
    CacheDir(("go",), "/go/pkg/mod", "GOMODCACHE"),
    CacheDir(("go",), "/root/go/pkg/mod", "GOMODCACHE"),
    CacheDir(("go",), "/root/.cache/go-build", "GOCACHE"),
    CacheDir(("cargo",), "/usr/local/cargo/registry"),
    CacheDir(("cargo",), "/root/.cargo/registry"),
    CacheDir(("composer",), "/root/.composer/cache", "COMPOSER_CACHE_DIR"),
    CacheDir(("composer",), "/root/.cache/composer", "COMPOSER_CACHE_DIR"),
    CacheDir(("mvn",), "/root/.m2"),
    CacheDir(("gradle",), "/root/.gradle", "GRADLE_USER_HOME"),
    CacheDir(("apt-get", "apt", "aptitude"), "/var/cache/apt"),
    CacheDir(("apt-get", "apt", "aptitude"), "/var/lib/apt"),
    CacheDir(("apk",), "/var/cache/apk"),
    CacheDir(("apk",), "/etc/apk/cache"),
    CacheDir(("dnf", "microdnf"), "/var/cache/dnf"),
    CacheDir(("yum",), "/var/cache/yum"),
    CacheDir(("zypper",), "/var/cache/zypp"),
)

_APT = frozenset({"apt-get", "apt", "aptitude"})


def _related(a: str | None, b: str | None) -> bool:
    return under(a, b) or under(b, a)


def _manager(op) -> str:  # type: ignore[no-untyped-def]
    return "uv" if op.manager == "pip" and op.program.startswith("uv") else op.manager


def _cache_mounts(step: Step) -> list[tuple[Mount, str]]:
    """Cache mounts of a RUN with their absolute targets."""
    found = []
    for mount in mounts(step.ins):
        target = mount.target_abs(step.cwd)
        if mount.type == "cache" and target and target != "/":
            found.append((mount, target))
    return found


def _ops(ctx: RuleContext, step: Step) -> list[tuple[object, object]]:
    """(script, op) for every package-manager action of the RUN."""
    from layerlint.pkgfacts import package_ops

    return [(script, op) for script in ctx.scripts(step.ins) for op in package_ops(script)]


def _run_steps(ctx: RuleContext) -> Iterator[Step]:
    """Each RUN with a cache mount, once, with the state of its own stage."""
    for stage in ctx.build.stages:
        for step in steps(ctx, stage):
            if step.stage is stage and step.ins.keyword == "RUN" and _cache_mounts(step):
                yield step


# --------------------------------------------------------------------------- LL207

_CLEANERS = {
    ("apt-get", "clean"), ("apt", "clean"), ("aptitude", "clean"), ("pip", "purge"), ("pip", "remove"),
    ("uv", "clean"), ("uv", "prune"), ("npm", "clean"), ("npm", "clear"), ("npm", "rm"), ("yarn", "clean"),
    ("composer", "clear-cache"), ("composer", "clearcache"), ("composer", "cc"), ("poetry", "clear"),
    ("apk", "clean"), ("apk", "purge"), ("dnf", "clean"), ("yum", "clean"), ("zypper", "clean"), ("zypper", "cc"),
}  # fmt: skip


def _stage_env_disables(step: Step, manager: str) -> str | None:
    """``NAME=value`` of an ARG/ENV that turns the manager's cache off, if one does."""
    from layerlint.pkgfacts import env_turns_cache_off

    name = {"pip": "PIP_NO_CACHE_DIR", "uv": "UV_NO_CACHE"}.get(manager)
    value = step.scope.env.get(name) if name else None
    return f"{name}={value}" if name and env_turns_cache_off(manager, value) else None


@check("LL207")
def cache_mount_defeated(ctx: RuleContext) -> Iterator[Hit]:
    from layerlint.pkgfacts import disables_cache, removed_paths

    for step in _run_steps(ctx):
        cached = _cache_mounts(step)
        reported: set[int] = set()
        reported_env: set[str] = set()
        for script, op in _ops(ctx, step):
            manager = _manager(op)
            dirs = [d.default for d in CACHE_DIRS if manager in d.managers]
            target = next((t for _, t in cached for d in dirs if _related(d, t)), None)
            if target is None or id(op.command) in reported:
                continue
            verb = op.verb.unquoted if op.verb is not None else ""
            forced = manager != "npm" or op.options.has("--force", "-f")  # plain `npm cache clean` refuses
            if op.action == "clean" and (manager, verb) in _CLEANERS and forced:
                reported.add(id(op.command))
                text = " ".join(w.unquoted for w in op.command.words[:4])
                message = (
                    f"`{text}` empties the cache mounted at {target}, so the next build downloads everything again. "
                    f"Remove it: a cache mount never ends up in the layer."
                )
                yield ctx.hit(op.command.span, message, instruction=step.ins)
            elif op.action in ("install", "sync", "ci", "upgrade") and (
                disables_cache(op, script) or _stage_env_disables(step, manager)
            ):
                reported.add(id(op.command))
                env = _stage_env_disables(step, manager) if not disables_cache(op, script) else None
                if env is not None and env in reported_env:
                    continue
                reported_env.add(env or "")
                how = f"{env} from the environment" if env else "caching turned off"
                fix = "Drop that ENV (or set it only where no cache is mounted)" if env else "Drop the no-cache option"
                message = (
                    f"this `{op.program} {verb}`".rstrip()
                    + f" runs with {how}, so it never reads or fills the cache mounted at {target}: every build "
                    f"downloads again. {fix}; the cache mount already keeps downloads out of the layer."
                )
                yield ctx.hit(op.command.span, message, instruction=step.ins)
        for script in ctx.scripts(step.ins):
            for raw, cmd in removed_paths(script):
                if "$" in raw or id(cmd) in reported:
                    continue
                path = join(step.cwd, raw.rstrip("*").rstrip("/") or "/")
                target = next((t for _, t in cached if under(path, t) and path != "/"), None)
                if target is None:
                    continue
                reported.add(id(cmd))
                message = (
                    f"this `rm` deletes {raw} inside the cache mounted at {target}, so the next build starts with an "
                    f"empty cache. Remove it: a cache mount never ends up in the layer."
                )
                yield ctx.hit(cmd.span, message, instruction=step.ins)


# --------------------------------------------------------------------------- LL208 / LL209


def _apt_mounts(step: Step) -> list[tuple[Mount, str]]:
    return [(m, t) for m, t in _cache_mounts(step) if _related(t, "/var/cache/apt") or _related(t, "/var/lib/apt")]


def _runs_apt(ctx: RuleContext, step: Step, actions: tuple[str, ...]) -> object | None:
    for _, op in _ops(ctx, step):
        if op.manager in _APT and op.action in actions:
            return op
    return None


@check("LL208")
def apt_cache_mount_emptied_by_docker_clean(ctx: RuleContext) -> Iterator[Hit]:
    from layerlint.checks.apt_facts import docker_clean_disabled

    for step in _run_steps(ctx):
        archives = [(m, t) for m, t in _apt_mounts(step) if _related(t, "/var/cache/apt/archives")]
        if not archives:
            continue
        op = _runs_apt(ctx, step, ("install", "upgrade", "download"))
        if op is None:
            continue
        if docker_clean_disabled(ctx, step.ins, op.command.span.start) is not None:
            continue
        seq = steps(ctx, step.stage)
        upto = seq[: seq.index(step) + 1]
        if any(s.ins.keyword in ("COPY", "ADD") and "apt.conf.d" in ctx.source.slice(s.ins.span) for s in upto):
            continue
        mount, target = archives[0]
        message = (
            f"Debian and Ubuntu images ship /etc/apt/apt.conf.d/docker-clean, which deletes the downloaded .deb files "
            f"after every `{op.program} {op.verb.unquoted if op.verb else ''}`".rstrip()
            + f", so this cache on {target} stays empty and each build downloads the packages again. Run "
            f"`rm -f /etc/apt/apt.conf.d/docker-clean` first"
        )
        if op.program == "apt":
            message += " and set `Binary::apt::APT::Keep-Downloaded-Packages \"true\";`"
        yield ctx.hit(mount_flag(step.ins, mount).span, message + ".", instruction=step.ins)


@check("LL209")
def apt_cache_mount_shared(ctx: RuleContext) -> Iterator[Hit]:
    for step in _run_steps(ctx):
        shared = [(m, t) for m, t in _apt_mounts(step) if m.sharing == "shared"]
        if not shared or _runs_apt(ctx, step, ("install", "upgrade", "update", "download", "clean", "remove",
                                               "purge", "autoremove")) is None:  # fmt: skip
            continue
        for mount, target in shared:
            message = (
                f"apt locks {target} while it runs; with the default sharing=shared, two builds or parallel stages "
                f"using this cache at once fail with \"Could not get lock\". Add sharing=locked."
            )
            yield ctx.hit(mount_flag(step.ins, mount).span, message, instruction=step.ins)


# --------------------------------------------------------------------------- LL210


def _user_line(ctx: RuleContext, step: Step) -> int | None:
    seq = steps(ctx, step.stage)
    users = [s for s in seq[: seq.index(step)] if s.ins.keyword == "USER"]
    return line_of(ctx, users[-1]) if users else None


@check("LL210")
def cache_mount_outside_tool_cache(ctx: RuleContext) -> Iterator[Hit]:
    from layerlint.pkgfacts import env_value

    for step in _run_steps(ctx):
        cached = _cache_mounts(step)
        ops = _ops(ctx, step)
        for mount, target in cached:
            users: list[tuple[str, CacheDir, str | None]] = []  # (manager, cache dir, where it really is)
            for script, op in ops:
                manager = _manager(op)
                for cdir in CACHE_DIRS:
                    if manager not in cdir.managers or not _related(cdir.default, target):
                        continue
                    moved = None
                    if cdir.env is not None:
                        moved = env_value(script, op.command, cdir.env) or step.scope.env.get(cdir.env)
                    users.append((manager, cdir, moved))
            if not users:
                continue
            reason = _misplaced(ctx, step, target, users)
            if reason is not None:
                yield ctx.hit(mount_flag(step.ins, mount).span, reason, instruction=step.ins)


def _misplaced(ctx: RuleContext, step: Step, target: str, users: list[tuple[str, CacheDir, str | None]]) -> str | None:
    """Why no tool of the RUN uses the cache at ``target``, or None if one does."""
    home = step.scope.env.get("HOME")
    non_root = is_root(step.user) is False and home != "/root" and (home is None or not home.startswith("/root"))
    reasons = []
    for manager, cdir, moved in users:
        if moved is not None:
            real = join(step.cwd, moved)
            if real is None or "$" in moved or _related(real, target):
                return None
            reasons.append(f"{cdir.env}={moved} moves {manager}'s cache out of it; mount the cache at {moved}")
        elif non_root and cdir.default.startswith("/root/") and target.startswith("/root"):
            user = step.user or ""
            line = _user_line(ctx, step)
            where = f"USER {user}" + (f" on line {line}" if line else "")
            rel = posixpath.relpath(cdir.default, "/root")
            base = home or f"/home/{user.split(':', 1)[0]}"
            reasons.append(
                f"this RUN runs as {where}, so {manager} caches under that user's home, not /root (which it cannot "
                f"write either); mount the cache at {base}/{rel} with uid= set to that user"
            )
        else:
            return None
    if not reasons:
        return None
    return f"nothing in this RUN uses the cache mounted at {target}: {reasons[0]}."
