"""Cache simulation: if these files (or build args, or base images) change, which layers rebuild?

The model computes a cache key for every instruction twice - once for the build that filled
the cache ("before") and once for the build after the change ("after") - and a layer is
rebuilt when its "after" key is not among the "before" keys, which is how the builders look
their cache up.  Keys are digests of what each builder puts in them; changed files, build
args and bases enter as tokens, so nothing is hashed from disk.  The rules, each with its
reference (docs/cache.md has the long form):

BuildKit (``dockerfile2llb/convert.go`` turns the Dockerfile into LLB; the solver keys each
op on its definition and its inputs' keys, ``solver/llbsolver/ops/{exec,file}.go``):

* A layer's key chains its parent's: anything rebuilt rebuilds every later layer of the stage.
  Exception: ``COPY --link`` (and ``ADD --link``) is keyed without its parent, so its own
  layer is reused; the layers after it still rebuild.
* ``COPY``/``ADD`` from the context: the checksum of the selected files after
  ``.dockerignore`` - content, mode, owner, size, xattrs, never mtime
  (``cache/contenthash/tarsum.go``, ``v1TarHeaderSelect`` drops ``mtime``) - plus the
  expanded sources, destination (resolved against WORKDIR) and flags.  ENV and ARG values
  are not in a file op's key unless the instruction expands them.
* ``COPY --from=<stage>``: content-based too; when the stage rebuilds this model assumes
  its files change (BuildKit would keep the COPY cached if they came out identical).
* ``RUN``: the command text as written (the shell expands it, not the frontend), the whole
  environment - ENV values *and* every ARG in scope, because ``dispatchArg`` calls
  ``d.state.AddEnv`` for each ARG with a value - the working directory, user, shell,
  network/security flags and mount definitions.  So a changed ARG value invalidates every
  RUN after the ``ARG`` line in that stage (and in stages built ``FROM`` it), used or not.
  Proxy build args (``HTTP_PROXY``...) that are not declared reach RUN as ``ProxyEnv``,
  which ``ExecOp.CacheMap`` clears: they never invalidate.
* ``RUN --mount``: ``type=bind`` inputs are content-hashed (``getMountDeps`` leaves
  read-only mounts content-based), so a changed file under a bind source rebuilds the RUN;
  ``type=cache`` contents, ``type=secret``, ``type=ssh`` and ``type=tmpfs`` never do
  (only their definition is in the key); ``from=<stage>`` follows that stage.
* ``ADD <url>`` without ``--checksum`` (and ``ADD <git ref>``): re-checked on every build
  (HTTP ``ETag``/``Last-Modified``, the ref resolved to a commit): reported as *may rebuild*.
* ``FROM``: the resolved base; ``FROM <stage>`` continues that stage's key.  A tag moved
  upstream is invisible to a static tool: name it with ``--changed-base``.
* Metadata instructions (ENV, LABEL, USER, EXPOSE, CMD...) add no op: an edit there
  rebuilds nothing by itself, only the later layers whose key reads it (ENV/ARG values in
  RUN, WORKDIR/USER in RUN and in the paths of COPY/WORKDIR, SHELL in shell-form RUN).
* WORKDIR is a ``mkdir`` file op keyed on the path and user.

Classic builder (``moby/builder/dockerfile``, cache lookup in ``image/cache``): every
instruction commits an image, found again by parent image and container config
(``compare`` in ``image/cache/compare.go``).  So any edited instruction, metadata ones
included, rebuilds everything after it; a RUN's command is stored with the ARGs in scope
(``|N K=V ...``), so ARG changes invalidate at the first RUN after the declaration, as the
Dockerfile reference says ("a cache miss occurs upon its first usage, not its
definition"); COPY hashes content without mtime as BuildKit does.  ``--link`` and
``RUN --mount`` are BuildKit features and are ignored here; the classic builder builds
every stage up to the target, needed or not.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerlint.model import Build, Dockerfile, Instruction, LayerKind, Stage

if TYPE_CHECKING:
    from layerlint.checks.cache_model import Step
    from layerlint.estimate.context import ContextIndex

__all__ = [
    "UNKNOWN",
    "Cause",
    "Changes",
    "Cost",
    "Counterfactual",
    "Simulation",
    "StageResult",
    "Verdict",
    "base_matches",
    "context_sizer",
    "definition",
    "describe_cost",
    "estimated_sizes",
    "layer_sizer",
    "reorder_counterfactual",
    "simulate",
]

Sizer = Callable[[Build], "Mapping[int, tuple[Cost, Cost | None]]"]
"""Given a build, each layer's (size, compressed size) by instruction index; absent: unknown."""

DEFAULT_SHELL = ("/bin/sh", "-c")
_REMOTE = ("http://", "https://", "git@", "git://", "ssh://")


# --------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Changes:
    """What differs between the build that filled the cache and the next one.

    ``files`` are context-relative paths (added, edited or deleted); ``flipped`` are files
    a changed ``.dockerignore`` now sends or no longer sends; ``args`` are build args whose
    value changes (new value, or None when unknown); ``bases`` are image references whose
    content changed (``*`` for all).
    """

    files: tuple[str, ...] = ()
    flipped: tuple[str, ...] = ()
    args: tuple[tuple[str, str | None], ...] = ()
    bases: tuple[str, ...] = ()

    @property
    def arg_names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.args)


@dataclass(frozen=True, slots=True)
class Cause:
    """Why an instruction's key changed: ``kind`` is one of ``file``, ``build-arg``,
    ``variable``, ``base``, ``stage``, ``edit``, ``new``, ``remote``, ``workdir``, ``user``,
    ``shell``, ``parent``; ``text`` says it for people."""

    kind: str
    text: str
    files: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verdict:
    """One instruction after the change.

    ``status``: ``reused``, ``rebuilt``, ``maybe`` (a remote source may have changed),
    ``config`` (no layer: metadata only, BuildKit), or for FROM ``reused``/``changed``.
    """

    instruction: Instruction
    stage: int
    layer: LayerKind
    status: str
    cause: Cause | None = None
    size: Cost | None = None  # bytes the layer holds
    pushed: Cost | None = None  # its compressed bytes, as pushed to a registry
    edited: bool = False

    @property
    def rebuilds(self) -> bool:
        return self.status in ("rebuilt", "changed")


@dataclass(frozen=True, slots=True)
class StageResult:
    stage: Stage
    built: bool  # the build runs this stage (BuildKit: the target needs it)
    verdicts: tuple[Verdict, ...]

    @property
    def first_invalidated(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.rebuilds), None)

    @property
    def first_maybe(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.status == "maybe"), None)


@dataclass(frozen=True, slots=True)
class Cost:
    """Bytes as a range: ``low <= estimate <= high``, ``high`` None when unbounded (the shape of
    ``layerlint.estimate.sizes.SizeRange``, whose values convert with :meth:`of`)."""

    low: int = 0
    estimate: int = 0
    high: int | None = 0

    @classmethod
    def of(cls, size: object) -> Cost:
        return cls(size.low, size.estimate, size.high)  # type: ignore[attr-defined]

    @classmethod
    def exact(cls, size: int) -> Cost:
        return cls(size, size, size)

    def __add__(self, other: Cost) -> Cost:
        high = None if self.high is None or other.high is None else self.high + other.high
        return Cost(self.low + other.low, self.estimate + other.estimate, high)


UNKNOWN = Cost(0, 0, None)


@dataclass(frozen=True, slots=True)
class Simulation:
    build: Build
    stages: tuple[StageResult, ...]
    changes: Changes
    notes: tuple[str, ...] = ()

    def layers(self, *, built_only: bool = True) -> list[Verdict]:
        """Filesystem layers of the stages the build runs."""
        return [
            v for s in self.stages if s.built or not built_only for v in s.verdicts if v.layer is LayerKind.FILESYSTEM
        ]

    @property
    def rebuilt(self) -> list[Verdict]:
        return [v for v in self.layers() if v.status == "rebuilt"]

    @property
    def maybe(self) -> list[Verdict]:
        return [v for v in self.layers() if v.status == "maybe"]

    @staticmethod
    def cost(verdicts: Iterable[Verdict], *, compressed: bool = False) -> Cost:
        """The summed size of ``verdicts`` (unbounded when one is unknown)."""
        out = Cost()
        for v in verdicts:
            size = v.pushed if compressed else v.size
            out = out + (size if size is not None else UNKNOWN)
        return out

    @property
    def bytes_rebuilt(self) -> Cost:
        return self.cost(self.rebuilt)

    @property
    def bytes_pushed(self) -> Cost:
        """Compressed bytes of the rebuilt layers that are in the target image."""
        image = [
            v
            for s in self.stages
            if s.stage.in_image
            for v in s.verdicts
            if v.status == "rebuilt" and v.layer is LayerKind.FILESYSTEM
        ]
        return self.cost(image, compressed=True)


@dataclass(frozen=True, slots=True)
class Counterfactual:
    """The same change against a reordered Dockerfile (manifest first, install before the copy)."""

    description: str
    text: str
    simulation: Simulation


def describe_cost(cost: Cost) -> str:
    """``~312 MB``, ``18 MB–25 MB``, ``at least 1.2 kB``: as the size estimator phrases sizes."""
    try:
        from layerlint.estimate.sizes import phrase
    except ImportError:  # the estimator is not installed: the same words, plainly
        from layerlint.estimate.context import format_size

        if cost.high is None:
            return f"at least {format_size(cost.low)}" if cost.low else "an unknown amount"
        return ("" if cost.low == cost.high else "~") + format_size(cost.estimate)
    return phrase(cost)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- keys


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(slots=True)
class _Node:
    """One instruction in one world: the parts of its key, the key, the state after it."""

    step: Step | None  # None for FROM
    ins: Instruction
    stage: Stage
    kind: LayerKind
    parts: dict[str, object]
    key: str | None  # None: no cache entry (BuildKit metadata)
    prev_layer: _Node | None = None


def definition(ins: Instruction) -> tuple[object, ...]:
    """The instruction as the builder reads it: comments and line breaks do not count."""
    ins = ins.effective
    return (
        ins.keyword,
        ins.exec_form,
        tuple(f.text for f in ins.flags),
        tuple(w.value for w in ins.args) if ins.exec_form else ins.command.text.strip(),
        tuple((h.name, h.text, h.expand) for h in ins.heredocs),
    )


class _World:
    """Every instruction's cache key for one build (one Dockerfile text, one set of inputs)."""

    def __init__(
        self,
        dockerfile: Dockerfile,
        *,
        target: str | None,
        builder: str,
        build_args: Mapping[str, str],
        changes: Changes,
        context: ContextIndex | None,
        unfiltered: ContextIndex | None,
        remote: str,
    ) -> None:
        from layerlint.build import analyze
        from layerlint.rule import RuleContext

        self.build = analyze(dockerfile, target=target, builder=builder, build_args=build_args)
        self.ctx = RuleContext(dockerfile, self.build)
        self.classic = builder == "classic"
        self.changes = changes
        self.context = context
        self.unfiltered = unfiltered
        self.remote = remote
        self.has_remote = False
        self.nodes: dict[int, _Node] = {}
        self.stage_nodes: dict[int, list[_Node]] = {}
        self.stage_key: dict[int, str] = {}
        self.final_shell: dict[int, tuple[str, ...]] = {}
        for stage in self.build.stages:
            self._stage(stage)

    # ---------------------------------------------------------------- walk

    def _stage(self, stage: Stage) -> None:
        from layerlint.checks.cache_model import steps

        if stage.base_stage is not None:
            parts: dict[str, object] = {"stage": self.stage_key.get(stage.base_stage)}  # keys never hold names
        else:
            parts = {
                "image": stage.base_expanded,
                "platform": stage.platform,
                "base": self._base_token(stage.base_expanded),
            }
        key = _digest(("FROM", sorted(parts.items())))
        first = _Node(None, stage.from_instruction, stage, LayerKind.BASE, parts, key)
        nodes = [first]
        self.nodes[stage.from_instruction.index] = first
        state = key
        prev: _Node | None = None
        shell: tuple[str, ...] = DEFAULT_SHELL
        if stage.base_stage is not None:
            shell = self.final_shell.get(stage.base_stage, DEFAULT_SHELL)
        for step in steps(self.ctx, stage):
            if step.stage is not stage:
                continue
            ins = step.ins
            kind = _kind(ins, self.classic)
            parts = self._parts(step, shell)
            if ins.keyword == "SHELL":
                shell = tuple(w.value for w in ins.args) or DEFAULT_SHELL
            if kind is LayerKind.FILESYSTEM or self.classic:
                linked = not self.classic and ins.keyword in ("COPY", "ADD") and _linked(ins)
                own = _digest((None if linked else state, sorted(parts.items(), key=lambda kv: kv[0])))
                node = _Node(step, ins, stage, kind, parts, own, prev)
                state = _digest((state, own)) if linked else own
                prev = node
            else:
                node = _Node(step, ins, stage, kind, parts, None, prev)
            nodes.append(node)
            self.nodes[ins.index] = node
        self.stage_nodes[stage.index] = nodes
        self.stage_key[stage.index] = state
        self.final_shell[stage.index] = shell

    # ---------------------------------------------------------------- parts of a key

    def _parts(self, step: Step, shell: tuple[str, ...]) -> dict[str, object]:
        ins = step.ins.effective
        kw = ins.keyword
        parts: dict[str, object] = {"text": definition(ins)}
        if kw == "RUN":
            parts["env"] = tuple(sorted(step.scope.env.items()))
            parts["cwd"] = step.cwd
            parts["user"] = step.user
            if not ins.exec_form:
                parts["shell"] = shell
            if not self.classic:
                parts["words"] = tuple(_expanded(step, f.value or "") for f in ins.flags)
                parts["mounts"] = self._mount_inputs(step)
        elif kw in ("COPY", "ADD"):
            self._copy_parts(step, parts)
        elif kw == "WORKDIR":
            from layerlint.checks.cache_model import join

            parts["path"] = join(step.cwd, _expanded(step, ins.args[0].raw)) if ins.args else None
            parts["user"] = step.user
        elif self.classic and kw != "ARG":
            # The committed config holds expanded values (ENV, LABEL, USER, EXPOSE ...).
            parts["words"] = tuple(_expanded(step, w.raw) for w in ins.args) + tuple(
                (_expanded(step, p.key), _expanded(step, p.value or "")) for p in ins.pairs
            )
        return parts

    def _copy_parts(self, step: Step, parts: dict[str, object]) -> None:
        from layerlint.checks.cache_model import is_git_source, is_url, join

        ins = step.ins.effective
        from_flag = ins.flag("from")
        source_ref = from_flag.value if from_flag is not None and from_flag.value else None
        heredocs = {h.name for h in ins.heredocs}
        words = [w.value if ins.exec_form else _expanded(step, w.raw) for w in ins.args]
        parts["words"] = (tuple(words), tuple(_expanded(step, f.value or "") for f in ins.flags))
        if words:
            dest = words[-1]
            parts["dest"] = join(step.cwd, dest) if not dest.startswith("/") else dest
        parts["heredocs"] = tuple(_heredoc(h, step) for h in ins.heredocs)
        if source_ref is not None:
            parts["from"] = self._ref_token(source_ref, step.stage)
            return
        excludes = tuple(_expanded(step, f.value or "") for f in ins.flags_named("exclude"))
        files: list[tuple[str, tuple[str, ...]]] = []
        checksum = ins.flag("checksum") is not None
        for raw, text in zip(ins.args[:-1], words[:-1]):
            if raw.raw.startswith("<<") and raw.raw.lstrip("<-").strip("'\"") in heredocs:
                continue
            if ins.keyword == "ADD" and (is_url(text) or is_git_source(text) or text.startswith(_REMOTE)):
                if not checksum:
                    self.has_remote = True
                    parts["remote"] = self.remote
                continue
            hit = self._changed_under(text, excludes)
            if hit:
                files.append((text, hit))
        parts["files"] = tuple(files)

    def _mount_inputs(self, step: Step) -> tuple[object, ...]:
        from layerlint.checks.cache_model import mounts

        out: list[object] = []
        for mount in mounts(step.ins):
            source_ref = _expanded(step, mount.from_) if mount.from_ else None
            if source_ref is not None and mount.type in ("bind", "cache"):
                out.append((mount.flag_index, "from", self._ref_token(source_ref, step.stage)))
            elif mount.type == "bind":
                source = _expanded(step, mount.source or ".")
                out.append((mount.flag_index, "context", source, self._changed_under(source, ())))
        return tuple(out)

    def _ref_token(self, ref: str, stage: Stage) -> tuple[object, ...]:
        """What a ``--from`` reads: an earlier stage's final key, or an image reference."""
        found = self.build.stage_named(ref)
        if found is not None and found.index < stage.index:
            return ("stage", self.stage_key.get(found.index))
        return ("image", ref, self._base_token(ref))

    def _base_token(self, image: str) -> tuple[str, ...]:
        return tuple(b for b in self.changes.bases if base_matches(b, image))

    def _changed_under(self, source: str, excludes: tuple[str, ...]) -> tuple[str, ...]:
        """Changed files a context source selects (after .dockerignore and ``--exclude``)."""
        hit = [f for f in self.changes.files if _covers(self.context, source, f)]
        hit.extend(f for f in self.changes.flipped if _covers(self.unfiltered, source, f))
        if excludes and hit:
            from layerlint.dockerignore import DockerIgnore, context_path

            ignore = DockerIgnore.parse("\n".join(excludes))
            root = context_path(source)
            hit = [
                f
                for f in hit
                if not ignore.matches(
                    f[len(root) + 1 :] if root and f.startswith(root + "/") else posixpath.basename(f)
                )
            ]
        return tuple(sorted(set(hit)))


def _kind(ins: Instruction, classic: bool) -> LayerKind:
    from layerlint.build import layer_kind

    return layer_kind(ins.keyword, "classic" if classic else "buildkit")


def _heredoc(doc, step: Step) -> str:  # type: ignore[no-untyped-def]
    """A COPY heredoc body as written into the layer (expanded unless its word is quoted)."""
    from layerlint.expand import ExpansionError, expand_heredoc

    if not doc.expand:
        return doc.text
    try:
        return expand_heredoc(doc.text, step.scope.env)
    except ExpansionError:
        return doc.text


def _linked(ins: Instruction) -> bool:
    flag = ins.flag("link")
    return flag is not None and (flag.value is None or flag.value.lower() not in ("false", "0"))


def _expanded(step: Step, word: str) -> str:
    """The word as the builder expands it; the raw text when it rests on unknown values."""
    from layerlint.expand import unquote

    value = step.expand(word)
    return value if value is not None else unquote(word, step.scope.escape)


def _covers(context: ContextIndex | None, source: str, path: str) -> bool:
    if context is not None:
        return context.covers(source, path)
    from layerlint.dockerignore import context_path, glob_match, has_wildcards

    root = context_path(source)
    if not root or path == root or path.startswith(root + "/"):
        return True
    if any(has_wildcards(p) for p in root.split("/")):
        depth = root.count("/") + 1
        return glob_match(root, "/".join(path.split("/")[:depth]))
    return False


def base_matches(pattern: str, image: str) -> bool:
    """Whether ``--changed-base pattern`` names ``image``: ``*``, the exact reference, or the
    repository without tag (``python`` matches ``python:3.12-slim`` and ``docker.io/library/python``)."""
    if pattern == "*":
        return True
    a, b = pattern.lower(), image.lower()
    if a == b:
        return True

    def repo(ref: str) -> str:
        ref = ref.split("@", 1)[0]
        last = ref.rsplit("/", 1)[-1]
        if ":" in last:
            ref = ref[: len(ref) - len(last)] + last.split(":", 1)[0]
        for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
            if ref.startswith(prefix):
                return ref[len(prefix) :]
        return ref

    return repo(a) == repo(b) and (":" not in a.rsplit("/", 1)[-1] and "@" not in a)


# --------------------------------------------------------------------------- simulate


def simulate(
    dockerfile: Dockerfile,
    changes: Changes,
    *,
    old: Dockerfile | None = None,
    context: ContextIndex | None = None,
    unfiltered: ContextIndex | None = None,
    target: str | None = None,
    builder: str = "buildkit",
    build_args: Mapping[str, str] | None = None,
    sizer: Sizer | None = None,
    notes: Iterable[str] = (),
) -> Simulation:
    """Which layers of ``dockerfile`` rebuild after ``changes``, given that the cache holds the
    build of ``old`` (the same text when None) with the same context, args and bases."""
    before_args = dict(build_args or {})
    after_args = dict(before_args)
    for name, value in changes.args:
        after_args[name] = value if value is not None else f"<new {name}>"
    common = {"target": target, "builder": builder, "context": context, "unfiltered": unfiltered}
    before = _World(old or dockerfile, build_args=before_args, changes=Changes(), remote="r0", **common)
    after = _World(dockerfile, build_args=after_args, changes=changes, remote="r0", **common)
    cache = {n.key for n in before.nodes.values() if n.key is not None and n.kind is not LayerKind.BASE}
    starts = {n.key for n in before.nodes.values() if n.kind is LayerKind.BASE}
    maybe_world = None
    if after.has_remote:
        maybe_world = _World(dockerfile, build_args=after_args, changes=changes, remote="r1", **common)
    pairs = _align(before, after) if old is not None else {i: before.nodes.get(i) for i in after.nodes}
    sizes = dict(sizer(after.build)) if sizer is not None else {}
    classic = builder == "classic"
    target_index = after.build.target if after.build.target is not None else -1
    results = []
    for stage in after.build.stages:
        built = stage.index <= target_index if classic else stage.reaches_target
        verdicts = []
        for node in after.stage_nodes[stage.index]:
            partner = pairs.get(node.ins.index)
            edited = partner is None or definition(partner.ins) != definition(node.ins)
            if node.kind is LayerKind.BASE:
                status = "reused" if node.key in starts else "changed"
            elif node.key is None:
                status = "config"
            elif node.key not in cache:
                status = "rebuilt"
            elif maybe_world is not None and maybe_world.nodes[node.ins.index].key not in cache:
                status = "maybe"
            else:
                status = "reused"
            cause = None
            if status == "maybe":
                cause = _cause(maybe_world.nodes[node.ins.index], partner, maybe_world, changes)  # type: ignore[union-attr]
            elif status in ("rebuilt", "changed") or (status == "config" and edited):
                cause = _cause(node, partner, after, changes)
            size, pushed = (
                sizes.get(node.ins.index, (None, None)) if node.kind is LayerKind.FILESYSTEM else (None, None)
            )
            verdicts.append(
                Verdict(node.ins, stage.index, node.kind, status, cause, size, pushed, edited and old is not None)
            )
        results.append(StageResult(stage, built, tuple(verdicts)))
    return Simulation(after.build, tuple(results), changes, tuple(notes))


def _align(before: _World, after: _World) -> dict[int, _Node | None]:
    """Pair each instruction of the new text with its counterpart in the old one: stages by
    name (else position), instructions by a diff of their definitions."""
    from difflib import SequenceMatcher

    out: dict[int, _Node | None] = {}
    old_stages = before.build.stages
    for stage in after.build.stages:
        match = None
        if stage.name is not None:
            match = next((s for s in old_stages if s.name is not None and s.name.lower() == stage.name.lower()), None)
        if (
            match is None
            and stage.index < len(old_stages)
            and (old_stages[stage.index].name is None or stage.name is None)
        ):
            match = old_stages[stage.index]
        new_nodes = after.stage_nodes[stage.index]
        if match is None:
            out.update((n.ins.index, None) for n in new_nodes)
            continue
        old_nodes = before.stage_nodes[match.index]
        a = [definition(n.ins) for n in old_nodes]
        b = [definition(n.ins) for n in new_nodes]
        for n in new_nodes:
            out[n.ins.index] = None
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag in ("equal", "replace"):
                for k in range(min(i2 - i1, j2 - j1)):
                    if tag == "equal" or old_nodes[i1 + k].ins.keyword == new_nodes[j1 + k].ins.keyword:
                        out[new_nodes[j1 + k].ins.index] = old_nodes[i1 + k]
        out[new_nodes[0].ins.index] = old_nodes[0]  # FROM lines always pair
    return out


# --------------------------------------------------------------------------- causes


def _line(ins: Instruction, build: Build) -> int:
    return build.dockerfile.source.position(ins.span.start).line


def _quote(ins: Instruction, build: Build, limit: int = 40) -> str:
    text = build.dockerfile.source.slice(ins.span).split("\n", 1)[0].rstrip(" \\")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _files_text(files: Iterable[str]) -> str:
    files = list(files)
    if len(files) <= 2:
        return " and ".join(files)
    return f"{files[0]}, {files[1]} and {len(files) - 2} more"


def _cause(node: _Node, old: _Node | None, world: _World, changes: Changes) -> Cause:
    build = world.build
    if old is None:
        return Cause("new", "new instruction (not in the old Dockerfile)")
    if definition(old.ins) != definition(node.ins):
        return Cause("edit", "instruction edited" if node.key is not None else "instruction edited (config only)")
    new, prev = node.parts, old.parts
    if node.kind is LayerKind.BASE:
        return _base_cause(node, old, world)
    for key in ("files", "mounts"):
        if new.get(key) != prev.get(key):
            found = _changed_files(new.get(key))
            if found:
                sources = sorted({src for src, _ in found})
                files = sorted({f for _, hit in found for f in hit})
                via = "bind mount" if key == "mounts" else f"{node.ins.keyword} source"
                src_text = ", ".join(f"`{s}`" for s in sources)
                return Cause("file", f"{_files_text(files)} changed ({via} {src_text})", files=tuple(files))
            stage_cause = _stage_cause(new.get(key), prev.get(key), world, "mounts" if key == "mounts" else "copies")
            if stage_cause is not None:
                return stage_cause
    if new.get("from") != prev.get("from"):
        return _stage_cause(new.get("from"), prev.get("from"), world, "copies") or Cause(
            "stage", "its --from source changed"
        )
    if new.get("remote") != prev.get("remote"):
        return Cause(
            "remote", "remote source re-checked on every build (ETag/Last-Modified, or the git ref): may have changed"
        )
    if new.get("env") != prev.get("env"):
        return _env_cause(node, old, world, changes)
    for key in ("words", "dest", "path", "heredocs"):
        if new.get(key) != prev.get(key):
            return _words_cause(node, old, changes)
    for key, kind, what in (("cwd", "workdir", "WORKDIR"), ("user", "user", "USER"), ("shell", "shell", "SHELL")):
        if new.get(key) != prev.get(key):
            return Cause(kind, f"{what} changed before it")
    verb = "may rebuild" if world.remote != "r0" else "rebuilds"
    if node.prev_layer is not None:
        return Cause("parent", f"builds on line {_line(node.prev_layer.ins, build)}, which {verb}")
    return Cause(
        "parent", f"builds on the stage's FROM (line {_line(node.stage.from_instruction, build)}), which changed"
    )


def _changed_files(value: object) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for item in value or ():  # type: ignore[attr-defined]
        if len(item) == 2 and isinstance(item[1], tuple):  # COPY: (source, files)
            if item[1]:
                found.append((item[0], item[1]))
        elif len(item) == 4 and item[1] == "context" and item[3]:  # mount: (index, "context", source, files)
            found.append((item[2], item[3]))
    return found


def _stage_cause(new: object, old: object, world: _World, verb: str) -> Cause | None:
    """A ``--from``/mount that reads a stage (or image) which changed."""
    items = (
        [new]
        if new and isinstance(new, tuple) and new and new[0] in ("stage", "image")
        else [i[2] for i in (new or ()) if len(i) == 3]
    )  # type: ignore[union-attr]
    olds = (
        [old]
        if old and isinstance(old, tuple) and old and old[0] in ("stage", "image")
        else [i[2] for i in (old or ()) if len(i) == 3]
    )  # type: ignore[union-attr]
    for k, item in enumerate(items):
        if k < len(olds) and olds[k] == item:
            continue
        if item[0] == "stage":
            stage = next(world.build.stages[i] for i, key in world.stage_key.items() if key == item[1])
            which = "may rebuild" if world.remote != "r0" else "rebuilds"
            return Cause(
                "stage",
                f"{verb} from stage {stage.label!r}, which {which} (its files are assumed to change)",
                names=(stage.label,),
            )
        return Cause("base", f"{verb} from image {item[1]}, which changed", names=(item[1],))
    return None


def _base_cause(node: _Node, old: _Node, world: _World) -> Cause:
    new, prev = node.parts, old.parts
    if node.stage.base_stage is not None:
        parent = world.build.stages[node.stage.base_stage]
        return Cause("stage", f"built FROM stage {parent.label!r}, which rebuilds", names=(parent.label,))
    if new.get("image") != prev.get("image"):
        return Cause(
            "base", f"base image changes: {prev.get('image')} → {new.get('image')}", names=(str(new.get("image")),)
        )
    if new.get("base"):
        return Cause("base", f"base image {new.get('image')} changed (--changed-base)", names=(str(new.get("image")),))
    return Cause("base", "base image platform changed")


def _declared_at(node: _Node, world: _World, name: str) -> _Node | None:
    """The last ARG/ENV before ``node`` (in its stage and the stages it is built FROM) that sets ``name``."""
    from layerlint.build import lineage

    found = None
    for stage in lineage(world.build, node.stage):
        for other in world.stage_nodes[stage.index]:
            if other.ins.index >= node.ins.index:
                break
            if other.ins.keyword in ("ARG", "ENV") and any(p.key == name for p in other.ins.pairs):
                found = other
    return found


def _env_cause(node: _Node, old: _Node, world: _World, changes: Changes) -> Cause:
    new_env = dict(node.parts.get("env") or ())  # type: ignore[arg-type]
    old_env = dict(old.parts.get("env") or ())  # type: ignore[arg-type]
    names = sorted(k for k in set(new_env) | set(old_env) if new_env.get(k) != old_env.get(k))
    args = [n for n in names if n in changes.arg_names]
    name = (args or names)[0]
    decl = _declared_at(node, world, name)
    where = f" (line {_line(decl.ins, world.build)} `{_quote(decl.ins, world.build)}`)" if decl is not None else ""
    if args:
        return Cause(
            "build-arg",
            f"build arg {name} changed: every RUN after its ARG{where} has it in the environment",
            names=tuple(names),
        )
    return Cause("variable", f"{name} changed{where}: RUN sees every ENV and ARG value", names=tuple(names))


def _words_cause(node: _Node, old: _Node, changes: Changes) -> Cause:
    from layerlint.expand import referenced_names

    step, prev = node.step, old.step
    names: set[str] = set()
    if step is not None and prev is not None:
        ins = step.ins.effective
        raws = [w.raw for w in ins.args] + [f.value or "" for f in ins.flags] + [h.text for h in ins.heredocs]
        for raw in raws:
            for name in referenced_names(raw, step.scope.escape):
                if step.scope.env.get(name) != prev.scope.env.get(name):
                    names.add(name)
    if not names:
        if node.parts.get("dest") != old.parts.get("dest") or node.parts.get("path") != old.parts.get("path"):
            return Cause("workdir", "WORKDIR changed before it")
        return Cause("variable", "its expanded arguments changed")
    ordered = sorted(names)
    kind = "build-arg" if any(n in changes.arg_names for n in ordered) else "variable"
    label = "build arg " if kind == "build-arg" else "$"
    return Cause(kind, f"{label}{ordered[0]} changed (used in this instruction)", names=tuple(ordered))


# --------------------------------------------------------------------------- sizes


def context_sizer(context: ContextIndex | None, builder: str = "buildkit") -> Sizer:
    """Sizes known without the estimator: COPY/ADD from the context (its files after
    .dockerignore) and WORKDIR's 32-byte mkdir layer; compressed sizes stay unknown."""

    def sizes(build: Build) -> dict[int, tuple[Cost, Cost | None]]:
        from layerlint.build import WORKDIR_LAYER_BYTES
        from layerlint.checks.cache_model import copy_of, steps
        from layerlint.rule import RuleContext

        ctx = RuleContext(build.dockerfile, build)
        out: dict[int, tuple[Cost, Cost | None]] = {}
        for stage in build.stages:
            for step in steps(ctx, stage):
                ins = step.ins
                if step.stage is not stage:
                    continue
                if ins.keyword == "WORKDIR" and builder == "buildkit":
                    out[ins.index] = (Cost.exact(WORKDIR_LAYER_BYTES), None)
                    continue
                op = copy_of(step) if context is not None else None
                if op is None or not op.from_context or ins.keyword == "ADD" and len(op.sources) != len(ins.args) - 1:
                    continue  # ADD of a URL or an archive: the estimator's business
                total = sum(context.select(s.text).bytes for s in op.sources)  # type: ignore[union-attr]
                out[ins.index] = (Cost.exact(total + sum(len(h.text.encode()) for h in ins.heredocs)), None)
        return out

    return sizes


def layer_sizer(
    context_dir: str | None, context: ContextIndex | None, builder: str = "buildkit", dockerfile_path: str | None = None
) -> Sizer:
    """The size estimator's figures (``layerlint.estimate.estimate_build``), or
    :func:`context_sizer`'s when it is not available."""
    fallback = context_sizer(context, builder)

    def sizes(build: Build) -> dict[int, tuple[Cost, Cost | None]]:
        try:
            from layerlint.estimate import estimate_build
        except ImportError:
            return fallback(build)
        estimate = estimate_build(build, context_dir, dockerfile_path=dockerfile_path)
        return estimated_sizes(estimate)

    return sizes


def estimated_sizes(estimate: object) -> dict[int, tuple[Cost, Cost | None]]:
    """A ``BuildEstimate``'s layers as this module's costs (FROM entries, the base image, left out)."""
    return {
        index: (Cost.of(layer.size), Cost.of(layer.compressed))
        for index, layer in estimate.layers.items()  # type: ignore[attr-defined]
        if layer.instruction.keyword != "FROM"
    }


# --------------------------------------------------------------------------- what if


def reorder_counterfactual(
    dockerfile: Dockerfile,
    sim: Simulation,
    simulate_text: Callable[[Dockerfile], Simulation],
    context: ContextIndex | None,
) -> Counterfactual | None:
    """The common fix for an install that rebuilds because a broad COPY came first: copy the
    manifests, run the install (and the instructions between, in order) before the COPY,
    then simulate the same change on that text.  None when the pattern is absent."""
    from layerlint.checks.cache_model import copy_of, installs, steps, under
    from layerlint.rule import RuleContext

    ctx = RuleContext(dockerfile, sim.build)
    for result in sim.stages:
        first = result.first_invalidated
        if not result.built or first is None or first.cause is None or first.cause.kind != "file":
            continue
        seq = [s for s in steps(ctx, result.stage) if s.stage is result.stage]
        k = next((i for i, s in enumerate(seq) if s.ins.index == first.instruction.index), None)
        if k is None:
            continue
        op = copy_of(seq[k])
        if op is None or op.dest is None or not op.from_context:
            continue
        directory_sources = [
            s for s in op.sources if s.names_directory or (context is not None and context.is_dir(s.path))
        ]
        if not directory_sources:
            continue
        for j in range(k + 1, len(seq)):
            step = seq[j]
            if step.ins.keyword in ("COPY", "ADD"):
                break
            found = [i for i in installs(ctx, step) if i.probe is not None and under(i.probe, op.dest)]
            if not found:
                continue
            install = found[0]
            rel_dir = posixpath.relpath(install.directory or op.dest, op.dest)
            source = directory_sources[0].path
            base = posixpath.normpath(posixpath.join(source, rel_dir)) if source else posixpath.normpath(rel_dir)
            base = "" if base == "." else base
            files = [posixpath.join(base, m) for m in (*install.manifests, *install.locks)]
            present = [f for f in files if context is None or context.exists(f)]
            if (
                not present
                or any(f in sim.changes.files for f in present)
                or any(c in m for m in install.manifests for c in "*?[")
            ):
                break
            moved = [s.ins for s in seq[k + 1 : j + 1]]
            text = _reordered(dockerfile, seq[k].ins, moved, present, install.directory or op.dest)
            from layerlint.parse import parse
            from layerlint.source import SourceFile

            other = simulate_text(parse(SourceFile(dockerfile.source.path, text)))
            build = sim.build
            if len(moved) == 1:
                what = f"`{install.label}` (line {_line(moved[0], build)})"
            else:
                what = f"lines {_line(moved[0], build)}-{_line(moved[-1], build)} (through `{install.label}`)"
            description = (
                f"copying {' and '.join(present)} first and moving {what} above line "
                f"{_line(seq[k].ins, build)} `{_quote(seq[k].ins, build)}`"
            )
            return Counterfactual(description, text, other)
    return None


def _reordered(
    dockerfile: Dockerfile, copy: Instruction, moved: list[Instruction], files: list[str], directory: str
) -> str:
    """The Dockerfile text with ``moved`` (in order) and a COPY of ``files`` placed before ``copy``."""
    text = dockerfile.source.text
    source = dockerfile.source

    def whole_lines(ins: Instruction) -> tuple[int, int]:
        start = source.offset(source.position(ins.span.start).line, 1)
        end = text.find("\n", ins.span.end - 1 if ins.span.end > ins.span.start else ins.span.end)
        return start, len(text) if end == -1 else end + 1

    at = whole_lines(copy)[0]
    blocks = [text[a:b] if text[a:b].endswith("\n") else text[a:b] + "\n" for a, b in map(whole_lines, moved)]
    from layerlint.checks.cache_model import IMAGE_WORKDIR

    if directory.startswith(IMAGE_WORKDIR):  # relative to the image's own WORKDIR
        directory = "./" + directory[len(IMAGE_WORKDIR) :].lstrip("/")
    dest = directory.rstrip("/") + "/"
    head = f"COPY {' '.join(files)} {dest}\n" + "".join(blocks)
    cut = sorted(map(whole_lines, moved), reverse=True)
    for a, b in cut:
        text = text[:a] + text[b:]
    return text[:at] + head + text[at:]
