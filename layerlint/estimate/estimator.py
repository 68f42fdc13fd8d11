"""Estimate what each layer of a build adds, from the Dockerfile, the build context and shipped data.

One walk over the stages in file order, with the ledger (``layerlint.ledger``) saying which
paths each layer creates and which later commands remove or rewrite them.  Each filesystem
layer becomes a list of ``Part``s, each sized by the best source there is:

* ``FROM``: the base-image table (``baseimages``), a nearby tag of the same image (wider
  range), or an honest "unknown"; ``FROM <stage>`` continues that stage's image;
* ``COPY``/``ADD`` from the context: the real file sizes after ``.dockerignore``
  (``ContextIndex``), a local tar ``ADD``-ed as its extracted size, a heredoc by its text;
  ``COPY --from=<stage>``: what that stage's layers put at those paths;
* ``apt-get install``: the Debian resolver (closure minus what the image has, Recommends
  unless disabled) with the measured payload correction; ``apt-get update``: the measured
  list bytes; ``apk``, ``pip`` (wheel sizes with .pyc, the pip cache unless disabled) and
  ``npm`` from ``ecosystems``;
* downloads, clones, builds and anything else unknown: an unbounded range that says so;
* ``chown``/``chmod``/``touch`` of earlier files: a second copy of them in this layer.

Bytes that a later layer deletes or rewrites become ``Waste`` records on the layer that
carries them (they stay in the image).  Only linux/amd64 data ships.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from layerlint.estimate import compression
from layerlint.estimate.sizes import (
    ZERO,
    BuildEstimate,
    LayerEstimate,
    Part,
    SizeRange,
    StageEstimate,
    Waste,
    human_size,
    total,
)
from layerlint.lazyre import lazy
from layerlint.model import LayerKind

TYPE_CHECKING = False  # typing costs ~3 ms to import; annotations are strings here

if TYPE_CHECKING:
    from layerlint.estimate.context import ContextIndex
    from layerlint.ledger import Created, Ledger
    from layerlint.model import Build, Instruction, Stage
    from layerlint.pkgfacts import PackageOp
    from layerlint.shell import Command, Script, ShellWord

ScriptsFn = Callable[["Instruction"], Iterable["Script"]]

WORKDIR_LAYER = SizeRange(0, 32, 32, "BuildKit WORKDIR: an empty layer (docker history shows 32 B)")
TABLE_DRIFT = 0.03  # tags are rebuilt: the table's size is a snapshot
NEAREST_TAG_SPREAD = 0.3
PIP_VERSION_SPREAD = (0.75, 1.3)  # the table knows the latest release only
_WHEEL_PER_INSTALLED = (0.2, 0.3, 0.5)  # a wheel is a zip of what it installs
_TARBALL_PER_INSTALLED = (0.2, 0.3, 0.5)  # an npm tarball is a gzip of what it installs (node: 0.27 measured)
# npm keeps each package's registry document next to its tarball.  Popular packages have long
# version lists (lodash + dayjs: 0.43 MB of documents in the harness's npm-cache-removed-later);
# typical dependencies far shorter ones.  Approximate, from that one measured install.
NPM_DOCUMENT_KNOWN = SizeRange(60_000, 200_000, 600_000, "")
NPM_DOCUMENT_DEP = SizeRange(8_000, 30_000, 100_000, "")
APT_LISTS_SPREAD = 0.1
SMALL_WRITES = SizeRange(0, 4096, 1 << 20, "small writes (user database, config edits, ...)")
SAMPLE_MIN, SAMPLE_FILES, SAMPLE_BYTES = 16_384, 32, 65_536  # context files whose compression is sampled
# A package removal rewrites dpkg's status and available files and logs (measured: 0.23 MB on bookworm).
DPKG_REWRITE = SizeRange(50_000, 250_000, 1_000_000, "dpkg database rewritten by the removal")
_APT = frozenset({"apt-get", "apt", "aptitude"})
_NODE = frozenset({"npm", "yarn", "pnpm"})
# Commands that write nothing to the image (or only what the ledger already tracks).
_QUIET = frozenset(
    ["echo", "printf", "true", "false", ":", "test", "[", "[[", "set", "export", "unset", "cd", "pwd", "ls", "cat", "env", "printenv", "which", "command", "type", "hash", "sleep", "id", "whoami", "uname", "nproc", "date", "grep", "egrep", "fgrep", "head", "tail", "wc", "sort", "uniq", "cut", "tr", "exit", "return", "source", ".", "mkdir", "ln", "rm", "rmdir", "chmod", "chown", "chgrp", "touch", "mv", "cp", "find", "tar", "bsdtar", "unzip", "gunzip", "bunzip2", "unxz", "unzstd", "gzip", "xz", "bzip2", "zstd", "curl", "wget", "git", "readlink", "realpath", "dirname", "basename", "stat", "file", "du", "df", "ps", "sha256sum", "sha512sum", "md5sum", "sha1sum", "gpgv", "diff", "cmp", "rm", "unlink", "install", "xargs", "sh", "bash", "dash", "ash", "zsh", "apt-mark", "dpkg-query", "dpkg-architecture", "getent", "tini", "dumb-init", "python-version", "node-version"]
)
_SMALL = frozenset(
    ["useradd", "groupadd", "adduser", "addgroup", "usermod", "groupmod", "passwd", "chpasswd", "sed", "tee", "gpg", "apt-key", "debconf-set-selections", "update-alternatives", "ldconfig", "dpkg-reconfigure", "update-ca-certificates"]
)
_COMPRESSED_EXT = lazy(
    r"\.(gz|tgz|bz2|xz|zst|lz4|zip|jar|war|ear|whl|deb|rpm|apk|gem|7z|rar|png|jpe?g|gif|webp|woff2?|mp[34]|pdf"
    r"|pyc|br)$",
    re.IGNORECASE,
)
_BINARY_EXT = lazy(r"\.(so(\.\d+)*|a|o|bin|exe|dll|node|wasm|class)$", re.IGNORECASE)
_RECOMMENDS_OFF = lazy(r"APT::Install-Recommends\s*[\"'=\s]*\\?[\"']?\s*(false|0|no|off)\b", re.IGNORECASE)
_VAR = lazy(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# mmdebstrap's minbase installs usrmerge, and with it perl; debootstrap (which the official
# images are built with) merges /usr itself, so none of these is in debian:<release>.
_USRMERGE_ONLY = frozenset({
    "usrmerge", "perl", "libperl5.36", "perl-modules-5.36", "libperl5.40", "perl-modules-5.40", "libgdbm6",
    "libgdbm6t64", "libgdbm-compat4", "libgdbm-compat4t64", "libfile-find-rule-perl", "libnumber-compare-perl",
    "libtext-glob-perl",
})
_UBUNTU_PROXY = {"focal": "bookworm", "jammy": "bookworm", "noble": "trixie", "plucky": "trixie",
                 "questing": "trixie", "resolute": "trixie"}
_UBUNTU_SPREAD = 0.4


def estimate_build(
    build: Build,
    context_dir: str | None = None,
    *,
    dockerfile_path: str | None = None,
    platform: str | None = None,
    book: Ledger | None = None,
    scripts: ScriptsFn | None = None,
) -> BuildEstimate:
    """Size every layer of ``build``; ``book``/``scripts`` share the rules' ledger and parses."""
    from layerlint.ledger import build_ledger

    if scripts is None:
        from layerlint.shell import script_for

        def scripts(ins: Instruction) -> Iterable[Script]:
            return (script_for(ins),)

    if book is None:
        book = build_ledger(build, scripts)
    return _Estimator(build, context_dir, dockerfile_path, platform, book, scripts).run()


# --------------------------------------------------------------------------- stage state


class _Distro:
    """The distribution a stage's base image runs (what its package manager installs from)."""

    __slots__ = ("family", "release", "slim", "manager", "proxy")

    def __init__(
        self,
        family: str | None = None,  # debian, ubuntu, alpine, ...
        release: str | None = None,  # a Debian codename the index knows (ubuntu: its proxy)
        slim: bool = False,
        manager: str | None = None,
        proxy: bool = False,  # ubuntu sized with a Debian index
    ) -> None:
        self.family, self.release, self.slim, self.manager, self.proxy = family, release, slim, manager, proxy

    def copy(self) -> _Distro:
        return _Distro(self.family, self.release, self.slim, self.manager, self.proxy)


class _State:
    """What the image of a stage holds so far."""

    __slots__ = ("base", "base_compressed", "distro", "base_info", "added_debs", "pip", "parts", "lineage",
                 "recommends_off")

    def __init__(
        self,
        base: SizeRange,
        base_compressed: SizeRange,
        distro: _Distro,
        base_info: object = None,  # the table entry, for the base's package set
        added_debs: set[str] | None = None,  # Debian packages the Dockerfile installed
        pip: set[str] | None = None,
        parts: list[tuple[Instruction, Part]] | None = None,
        lineage: set[int] | None = None,  # instruction indexes whose layers are in this image
        recommends_off: bool = False,
    ) -> None:
        self.base, self.base_compressed, self.distro, self.base_info = base, base_compressed, distro, base_info
        self.added_debs = added_debs if added_debs is not None else set()
        self.pip = pip if pip is not None else set()
        self.parts = parts if parts is not None else []
        self.lineage = lineage if lineage is not None else set()
        self.recommends_off = recommends_off

    def debs(self) -> tuple[set[str], str]:
        """Installed Debian packages and what that rests on; loads the index, so only on an apt install."""
        base, basis = _base_packages(self.base_info, self.distro)
        return (base or set()) | self.added_debs, basis

    def child(self, base: SizeRange, base_compressed: SizeRange) -> _State:
        return _State(base, base_compressed, self.distro.copy(), self.base_info, set(self.added_debs),
                      set(self.pip), list(self.parts), set(self.lineage), self.recommends_off)


# --------------------------------------------------------------------------- the walk


class _Estimator:
    def __init__(self, build: Build, context_dir: str | None, dockerfile_path: str | None, platform: str | None,
                 book: Ledger, scripts: ScriptsFn) -> None:
        self.build = build
        self.context_dir = context_dir if context_dir and os.path.isdir(context_dir) else None
        self.dockerfile_path = dockerfile_path
        self.platform = platform
        self.book = book
        self.scripts = scripts
        self._context: ContextIndex | None = None
        self.layers: dict[int, LayerEstimate] = {}
        self.entries: dict[int, Part] = {}
        self.waste: list[Waste] = []
        self.wasted_whole: set[int] = set()  # id(part) already wasted in full
        self.wasted_files: dict[int, set[str]] = {}  # id(part) -> its files already wasted
        self.states: dict[int, _State] = {}
        self.notes: list[str] = []

    # -- context

    @property
    def context(self) -> ContextIndex | None:
        if self._context is None and self.context_dir is not None:
            from layerlint.estimate.context import ContextIndex

            self._context = ContextIndex.for_dockerfile(self.context_dir, self.dockerfile_path)
        return self._context

    def run(self) -> BuildEstimate:
        for stage in self.build.stages:
            state = self.start(stage)
            for layer in stage.layers:
                ins = layer.instruction
                if layer.kind is LayerKind.BASE:
                    part = Part(f"FROM {stage.base_expanded}", "mixed", state.base)
                    self.layers[ins.index] = LayerEstimate(ins, (part,), state.base, state.base_compressed)
                    continue
                if layer.kind is not LayerKind.FILESYSTEM:
                    continue
                parts = self.layer_parts(state, ins)
                state.lineage.add(ins.index)
                for part in parts:
                    state.parts.append((ins, part))
                    if part.entry is not None:
                        self.entries[id(part.entry)] = part
                self.layers[ins.index] = _layer(ins, parts)
            self.states[stage.index] = state
        return self.finish()

    def finish(self) -> BuildEstimate:
        by_carrier: dict[int, list[Waste]] = {}
        for w in self.waste:
            by_carrier.setdefault(w.carrier.index, []).append(w)
        for index, wastes in by_carrier.items():
            layer = self.layers.get(index)
            if layer is not None:
                self.layers[index] = layer._replace(wasted=total([w.size for w in wastes]), waste=tuple(wastes))
        stages: dict[int, StageEstimate] = {}
        for stage in self.build.stages:
            state = self.states[stage.index]
            own = [self.layers[i.index] for i in stage.instructions
                   if i.index in self.layers and i.keyword != "FROM"]
            wasted = total([w.size for w in self.waste if w.carrier.index in state.lineage and w.by.index in state.lineage])
            stages[stage.index] = StageEstimate(
                stage=stage,
                base=state.base,
                base_compressed=state.base_compressed,
                created=total([la.size for la in own], "layers this stage creates"),
                created_compressed=total([la.compressed for la in own]),
                wasted=wasted,
            )
        return BuildEstimate(self.layers, stages, self.build.target, tuple(self.waste), dict(self.entries),
                             tuple(self.notes))

    # -- FROM

    def start(self, stage: Stage) -> _State:
        if stage.base_stage is not None and stage.base_stage in self.states:
            parent = self.states[stage.base_stage]
            image = self.stage_image(stage.base_stage)
            label = self.build.stages[stage.base_stage].label
            return parent.child(
                SizeRange(image.low, image.estimate, image.high, f"stage {label}'s image"),
                total([parent.base_compressed] + [self.layers[i].compressed for i in sorted(parent.lineage)
                                                  if i in self.layers]),
            )
        base, base_compressed, distro, info = _base_image(stage.base_expanded, stage.platform or self.platform)
        return _State(base, base_compressed, distro, info)

    def stage_image(self, index: int) -> SizeRange:
        state = self.states[index]
        return total([state.base] + [self.layers[i].size for i in sorted(state.lineage) if i in self.layers])

    # -- layers

    def layer_parts(self, state: _State, ins: Instruction) -> list[Part]:
        keyword = ins.keyword
        if keyword == "WORKDIR":
            return [Part("WORKDIR", "empty", WORKDIR_LAYER)]
        if keyword in ("COPY", "ADD"):
            return self.copy_parts(state, ins)
        if ins.effective.keyword == "RUN":
            return _RunSizer(self, state, ins).parts()
        return []

    # -- COPY / ADD

    def copy_parts(self, state: _State, ins: Instruction) -> list[Part]:
        parts: list[Part] = []
        from_flag = ins.flag("from")
        for entry in self.book.created_by(ins):
            if entry.source.startswith("<<"):
                parts.append(self.heredoc_part(ins, entry))
            elif entry.how in ("download", "clone"):
                parts.append(_download_part(f"{ins.keyword} {entry.source}", entry.source, entry, clone=entry.how == "clone"))
            elif entry.from_context:
                parts.extend(self.context_parts(state, ins, entry))
            elif from_flag is not None and from_flag.value:
                parts.append(self.from_stage_part(ins, entry, from_flag.value))
        if not parts and ins.flag("from") is None and not self.book.created_by(ins):
            parts.append(Part(f"{ins.keyword}", "mixed", SizeRange.unknown(f"{ins.keyword} sources could not be read")))
        for part in parts:
            self.note_overwrites(state, ins, part)
        return parts

    def heredoc_part(self, ins: Instruction, entry: Created) -> Part:
        name = entry.source.lstrip("<-").strip("\"'")
        doc = next((h for h in ins.heredocs if h.name == name), None)
        size = len(doc.text.encode("utf-8")) if doc is not None else 0
        return Part(f"{ins.keyword} <<{name}", "text", SizeRange.exact(size, "heredoc text"), entry.path, False, entry)

    def context_parts(self, state: _State, ins: Instruction, entry: Created) -> list[Part]:
        context = self.context
        label = f"{ins.keyword} {entry.source}"
        if context is None:
            return [Part(label, "text", SizeRange.unknown("build context not available"), entry.path, entry.tree, entry)]
        selection = context.select(entry.source)
        if not selection.matched:
            return [Part(label, "text", SizeRange.exact(0, f"build context: {entry.source} not found (the build fails)"),
                         entry.path, entry.tree, entry)]
        if entry.how == "extract":
            return [self.tar_part(label, entry, selection.paths)]
        flags = " ".join(sorted(f.text for f in ins.flags if f.name in ("chown", "chmod")))
        into_dir = bool(entry.alt) and self.is_dir(state, ins, entry.path)
        origins = {dest: f"{flags}|{src}" for dest, src in _destinations(entry, selection.roots, selection.paths,
                                                                            context, into_dir).items()}
        # The same context file copied again with the same flags is byte- and metadata-identical:
        # the differ sees no change, so it is neither in this layer nor wasted in the earlier one.
        same = {dest for _, p in state.parts if p.origins for dest, key in origins.items() if p.origins.get(dest) == key}
        sizes = {dest: context.size_of(key.split("|", 1)[1]) or 0 for dest, key in origins.items() if dest not in same}
        noun = "file" if selection.files == 1 else "files"
        tail = " after .dockerignore" if len(context.dockerignore) else ", no .dockerignore"
        basis = f"build context: {selection.files} {noun}{tail}"
        if same:
            basis += f"; {len(same)} identical to an earlier copy (unchanged)"
        mix: dict[str, int] = {}
        for dest, size in sizes.items():
            kind = _file_kind(dest)
            mix[kind] = mix.get(kind, 0) + size
        kind = max(mix, key=mix.__getitem__) if mix else "text"
        packed = self.sampled_gzip({dest: origins[dest].split("|", 1)[1] for dest in sizes}, sizes)
        return [Part(label, kind, SizeRange.exact(sum(sizes.values()), basis), entry.path, entry.tree, entry, sizes,
                     origins=origins, mix=tuple(sorted(mix.items())), packed=packed)]

    def sampled_gzip(self, sources: dict[str, str], sizes: dict[str, int]) -> SizeRange | None:
        """Compressed bytes of copied files: the largest ones gzip'd from a sample of their start.

        Context files are real, so how well the big ones compress can be measured instead of
        guessed from their extension (a .bin may be text, a .dat already compressed).
        """
        import zlib

        big = sorted((d for d in sizes if sizes[d] >= SAMPLE_MIN), key=lambda d: -sizes[d])[:SAMPLE_FILES]
        if not big:
            return None
        measured = 0.0
        for dest in big:
            try:
                with open(os.path.join(self.context_dir or ".", sources[dest]), "rb") as fh:
                    head = fh.read(SAMPLE_BYTES)
            except OSError:
                return None
            measured += sizes[dest] * min(1.0, len(zlib.compress(head, 6)) / max(1, len(head)))
        rest = [compression.compressed(SizeRange.exact(b), _file_kind(d)) for d, b in sizes.items() if d not in big]
        sampled = SizeRange.around(measured, measured * 0.9, measured * 1.1)
        return total([sampled, *rest])

    def is_dir(self, state: _State, ins: Instruction, path: str) -> bool:
        """Whether ``path`` is a directory before ``ins`` (``COPY file .`` then lands inside it)."""
        from layerlint.ledger import _SYSTEM_DIRS

        return (path == self.book.state(ins).workdir or path in _SYSTEM_DIRS
                or any(p.tree and p.path == path for _, p in state.parts))

    def tar_part(self, label: str, entry: Created, paths: tuple[str, ...]) -> Part:
        import tarfile

        size = 0
        for rel in paths:
            try:
                with tarfile.open(os.path.join(self.context_dir or ".", rel)) as archive:
                    for member in archive:
                        if member.isreg():
                            size += member.size
                        elif member.issym():
                            size += len(member.linkname.encode("utf-8"))
            except (OSError, tarfile.TarError):
                return Part(label, "mixed", SizeRange.unknown(f"ADD {rel}: not a readable tar archive"), entry.path, True, entry)
        return Part(label, "mixed", SizeRange.exact(size, f"ADD extracts {len(paths)} local archive(s): member sizes"),
                    entry.path, True, entry)

    def from_stage_part(self, ins: Instruction, entry: Created, ref: str) -> Part:
        source = self.build.stage_named(ref)
        _, _, src = entry.source.partition(":")
        label = f"COPY --from={ref} {src}"
        if source is None or source.index not in self.states:
            return Part(label, "mixed", SizeRange.unknown(f"files from image {ref}: not in the base image table"),
                        entry.path, entry.tree, entry)
        state = self.states[source.index]
        src_path = posixpath.normpath(src if src.startswith("/") else "/" + src)
        found: list[SizeRange] = []
        files: dict[str, int] = {}
        kinds: list[str] = []
        packages: list[tuple[str, int]] = []
        ecosystem = ""
        for _, part in state.parts:
            if part.path is None or part.size.zero:
                continue
            if part.files:
                chosen = {p: b for p, b in part.files.items() if _reaches(src_path, p)}
                if not chosen:
                    continue
                found.append(SizeRange.exact(sum(chosen.values())))
                files.update({_rebase(p, src_path, entry.path): b for p, b in chosen.items()})
            elif _reaches(src_path, part.path):
                found.append(part.size)
                packages.extend(part.packages)
                ecosystem = ecosystem or part.ecosystem
            elif part.tree and _inside(src_path, part.path):
                found.append(SizeRange(0, part.size.estimate // 2, part.size.high))
            else:
                continue
            kinds.append(part.kind)
        if not found:
            return Part(label, "binary", SizeRange.unknown(f"stage {source.label} made {src} with commands layerlint cannot size"),
                        entry.path, entry.tree, entry)
        kind = kinds[0] if len(set(kinds)) == 1 else "mixed"
        size = total(found, f"stage {source.label}'s layers at {src}")
        return Part(label, kind, size, entry.path, entry.tree, entry, files or None, tuple(packages), ecosystem)

    def note_overwrites(self, state: _State, ins: Instruction, part: Part) -> None:
        """A copy over files an earlier layer copied: the earlier bytes stay, hidden."""
        if not part.files:
            return
        for carrier, earlier in state.parts:
            common = earlier.files.keys() & part.files.keys() if earlier.files else set()
            if common:
                self.spend(carrier, earlier, ins, "overwrite", part.path or "", False, only=common)

    def spend(self, carrier: Instruction, part: Part, by: Instruction, op: str, path: str, whole: bool,
              change=None, only: set[str] | None = None) -> tuple[SizeRange, dict[str, int] | None] | None:  # type: ignore[no-untyped-def]
        """Record that ``by`` deletes or rewrites ``part`` (all of it, or what lies below ``path``).

        Bytes are wasted once: a file already deleted or rewritten is not counted again, and
        a part wasted in full is skipped.  Returns the bytes reached (and their files).
        """
        if id(part) in self.wasted_whole or part.size.zero:
            return None
        files = None
        if part.files is not None:
            done = self.wasted_files.setdefault(id(part), set())
            files = {f: b for f, b in part.files.items() if f not in done
                     and (whole or (f in only if only is not None else _reaches(path, f)))}
            if not files:
                return None
            done.update(files)
            size = SizeRange.exact(sum(files.values()))
            if len(done) == len(part.files):
                self.wasted_whole.add(id(part))
        elif whole:
            self.wasted_whole.add(id(part))
            size = part.size
        else:
            size = SizeRange(0, 0, part.size.high)
        self.waste.append(Waste(carrier, by, op, path, size._replace(basis=part.what), change))
        return size, files

    # -- reading context files a RUN uses (requirements.txt, package.json)

    def read_copied(self, ins: Instruction, path: str) -> str | None:
        """The text of ``path`` in the image before ``ins`` if a COPY brought it from the context."""
        context = self.context
        if context is None:
            return None
        for entry in self.book.before(ins):
            if not entry.from_context or entry.how == "extract":
                continue
            rel = None
            if entry.tree and (path == entry.path or _inside(path, entry.path)):
                rel = posixpath.join(entry.source, path[len(entry.path):].lstrip("/"))
            elif path in entry.names and not entry.tree:
                rel = entry.source
            if rel is None or any(c in rel for c in "*?["):
                continue
            rel = posixpath.normpath(rel)
            if context.size_of(rel) is None:
                continue
            try:
                with open(os.path.join(self.context_dir or ".", rel), encoding="utf-8") as fh:
                    return fh.read(1 << 20)
            except (OSError, UnicodeDecodeError):
                return None
        return None


def _packed(part: Part) -> SizeRange:
    """A part's gzip'd size: sampled, else file kind by file kind for exact copies, else by its kind."""
    if part.packed is not None:
        return part.packed
    if part.mix and part.size.high == part.size.low:
        return total([compression.compressed(SizeRange.exact(b), k) for k, b in part.mix])
    return compression.compressed(part.size, part.kind)


def _layer(ins: Instruction, parts: list[Part]) -> LayerEstimate:
    bases = list(dict.fromkeys(p.size.basis for p in parts if p.size.basis))
    size = total([p.size for p in parts], "; ".join(bases) if bases else "writes nothing")
    packed = total([_packed(p) for p in parts] + [compression.LAYER_OVERHEAD])
    return LayerEstimate(ins, tuple(parts), size, packed)


# --------------------------------------------------------------------------- base images


def _base_image(ref: str, platform: str | None) -> tuple[SizeRange, SizeRange, _Distro, object]:
    from layerlint.estimate import baseimages

    if ref.strip().lower() == "scratch":
        zero = SizeRange.exact(0, "scratch: an empty filesystem")
        return zero, zero, _Distro(), None
    info = baseimages.lookup(ref, platform)
    distro = _distro(ref, info)
    if info is not None and (info.size is not None or info.compressed is not None):
        return (*_tabled(info, info.ref, TABLE_DRIFT), distro, info)
    parsed = baseimages.parse_ref(ref, platform)
    if parsed is not None and (parsed.platform is None or parsed.platform.lower() in baseimages.AMD64):
        near = _nearest(parsed)
        if near is not None:
            size, packed = _tabled(near, near.ref, NEAREST_TAG_SPREAD)
            why = f"nearest tabled tag {near.ref} (±{NEAREST_TAG_SPREAD:.0%}); {size.basis}"
            return size._replace(basis=why), packed, distro, info
    reason = f"unknown base image {ref}: not in the base image table"
    if parsed is not None and parsed.platform and parsed.platform.lower() not in baseimages.AMD64:
        reason = f"base image {ref} for {parsed.platform}: only linux/amd64 data ships"
    return SizeRange.unknown(reason), SizeRange.unknown(reason), distro, info


def _tabled(info, ref: str, spread: float) -> tuple[SizeRange, SizeRange]:  # type: ignore[no-untyped-def]
    when = f", {info.date[:7]}" if info.date else ""
    if info.size is not None:
        basis = f"base image table{when}: {ref}"
        size = SizeRange.around(info.size, info.size * (1 - spread), info.size * (1 + spread), basis)
    else:
        low, est, high = _disk_per_compressed()
        basis = (f"base image table{when}: {ref} compressed {human_size(info.compressed)} × {low:.2f}–{high:.2f}"
                 " (on-disk/compressed of tabled images)")
        size = SizeRange.around(info.compressed * est, info.compressed * low * (1 - spread),
                                info.compressed * high * (1 + spread), basis)
    if info.compressed is not None:
        packed = SizeRange.around(info.compressed, info.compressed * (1 - spread), info.compressed * (1 + spread))
    else:
        r = compression.ratio("mixed")
        packed = size.scaled(r.low, r.estimate, r.high, "")
    return size, packed


def _disk_per_compressed() -> tuple[float, float, float]:
    """On-disk / compressed size of the tabled images that publish both (widened by 10 %)."""
    from layerlint.estimate import baseimages

    ratios = [e["size"] / e["compressed"] for e in baseimages._table()["images"].values()
              if e.get("size") and e.get("compressed")]
    if not ratios:
        return 2.0, 2.5, 3.2
    return min(ratios) * 0.9, sum(ratios) / len(ratios), max(ratios) * 1.1


def _nearest(parsed):  # type: ignore[no-untyped-def]
    """A tabled tag of the same image and variant (``python:3.12-slim`` → ``python:3.13-slim``)."""
    from layerlint.estimate import baseimages

    variant = _variant(parsed.tag)
    wanted = _version(parsed.tag)
    found = []
    for key in baseimages._table()["images"]:
        name, _, tag = key.partition(":")
        if name == parsed.name and _variant(tag) == variant:
            distance = tuple(abs(a - b) for a, b in zip(_version(tag), wanted)) or (0,)
            found.append((distance, key))
    return baseimages.lookup(min(found)[1]) if found else None


def _version(tag: str) -> tuple[int, ...]:
    match = re.match(r"v?(\d+(?:\.\d+)*)", tag)
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


def _variant(tag: str) -> str:
    return "-".join(w for w in re.split(r"[-_]", tag) if not re.fullmatch(r"v?[\d.]+|latest|lts", w))


def _distro(ref: str, info) -> _Distro:  # type: ignore[no-untyped-def]
    from layerlint.estimate import baseimages, packages

    found = baseimages.distro_of(ref)
    if found is None:
        return _Distro()
    release = found.release
    proxy = False
    if found.distro == "ubuntu":
        release, proxy = _UBUNTU_PROXY.get(release or "", "trixie"), True
    if release is not None:
        release = packages.canonical_release(release)
        if release not in packages.available_releases():
            release = None
    slim = "slim" in ref.rsplit(":", 1)[-1].lower() if ":" in ref else False
    return _Distro(found.distro, release, slim, found.package_manager, proxy)


def _base_packages(info, distro: _Distro) -> tuple[set[str] | None, str]:  # type: ignore[no-untyped-def]
    from layerlint.estimate import packages

    if distro.family not in ("debian", "ubuntu") or distro.release is None:
        return None, ""
    names = info.packages if info is not None else None
    if names is not None:
        basis = "" if info.packages_exact else "base package set from the table (lower bound)"
        spec = str(info.packages_spec)
        if spec.startswith("minbase") and "usrmerge" in names:
            names = names - _USRMERGE_ONLY
        return set(names), basis
    try:
        return set(packages.minbase(distro.release)) - _USRMERGE_ONLY, f"base assumed to hold Debian {distro.release} minbase"
    except packages.UnknownRelease:
        return None, ""


# --------------------------------------------------------------------------- RUN


class _RunSizer:
    """The parts of one RUN layer."""

    def __init__(self, est: _Estimator, state: _State, ins: Instruction) -> None:
        self.est = est
        self.state = state
        self.ins = ins
        self.book = est.book
        self.env = dict(self.book.state(ins).env)
        self.workdir = self.book.state(ins).workdir
        self.scripts = list(est.scripts(ins))
        self.out: list[Part] = []
        self.handled: set[int] = set()  # id(Command) sized by a package op
        self.cache_sizes: dict[object, tuple[SizeRange, str]] = {}  # command span -> cache bytes
        self.unknown: list[str] = []
        self.small = False
        self.removed_packages: list[tuple[str, set[str], bool]] = []  # (manager, names, autoremove)

    def parts(self) -> list[Part]:
        from layerlint.pkgfacts import package_ops

        if self.ins.effective.exec_form and not any(s.commands for s in self.scripts):
            return [Part("RUN", "mixed", SizeRange.unknown("exec-form command: effect unknown"))]
        for script in self.scripts:
            self.note_config(script)
            for op in package_ops(script):
                self.package_op(op, script)
        self.ledger_parts()
        self.changes()
        self.removals()
        self.commands()
        if self.small:
            self.out.append(Part("small writes", "text", SMALL_WRITES))
        if self.unknown:
            tools = ", ".join(dict.fromkeys(self.unknown))
            self.out.append(Part(f"RUN {tools}", "binary", SizeRange.unknown(f"effect of {tools} unknown")))
        return self.out

    # -- helpers

    def expand(self, word: ShellWord) -> list[str] | None:
        """A word's value(s) with known variables expanded; None when it cannot be known."""
        text = word.unquoted

        def sub(m: re.Match[str]) -> str:
            value = self.env.get(m.group(1) or m.group(2))
            if value is None:
                raise KeyError(m.group(0))
            return value

        if "$" in text:
            try:
                text = _VAR.sub(sub, text)
            except KeyError:
                return None
            if "$" in text or "`" in text:
                return None
            return text.split()
        return [text]

    def names(self, op: PackageOp) -> tuple[list[str], list[str]]:
        """(static names, words that cannot be known)."""
        found, unknown = [], []
        for word in op.packages:
            values = self.expand(word)
            if values is None:
                unknown.append(word.unquoted)
            else:
                found.extend(v for v in values if v and not v.startswith("-"))
        return found, unknown

    def add(self, part: Part) -> None:
        self.out.append(part)

    def note_config(self, script: Script) -> None:
        if _RECOMMENDS_OFF.search(script.text):
            self.state.recommends_off = True

    # -- package managers

    def package_op(self, op: PackageOp, script: Script) -> None:
        manager, action = op.manager, op.action
        self.handled.add(id(op.command))
        if manager in _APT:
            if action == "install":
                self.apt_install(op)
            elif action == "upgrade":
                self.add(Part(f"{op.program} {op.verb.unquoted if op.verb else 'upgrade'}", "packages",
                              SizeRange.unknown("upgrades since the base image was built: unknown")))
            elif action in ("remove", "purge", "autoremove"):
                names, _ = self.names(op)
                auto = action == "autoremove" or op.options.has("--auto-remove", "--autoremove")
                self.removed_packages.append(("apt", set(names), auto))
                self.add(Part(f"{op.program} {action}", "text", DPKG_REWRITE))
        elif manager == "apk":
            if action == "install":
                self.apk_add(op)
            elif action == "remove":
                names, _ = self.names(op)
                self.removed_packages.append(("apk", set(names), True))
        elif manager == "pip":
            if action == "install":
                self.pip_install(op, script)
            elif action in ("build", "download"):
                self.pip_wheels(op)
            elif action == "remove":
                names, _ = self.names(op)
                self.removed_packages.append(("pip", set(names), False))
        elif manager in _NODE:
            if action in ("install", "ci"):
                self.npm_install(op, script)
        elif action not in ("clean", "update", "remove", "autoremove", "lock"):
            self.add(Part(f"{op.program} {action}", "mixed", SizeRange.unknown(f"{manager} {action}: no size data")))

    def recommends(self, op: PackageOp) -> bool:
        opts = op.options
        if opts.has("--no-install-recommends", "--without-recommends") or (op.manager == "aptitude" and opts.has("-R")):
            return False
        if any(_RECOMMENDS_OFF.search(v) or re.search(r"Install-Recommends=(false|0|no)", v, re.IGNORECASE)
               for v in opts.values("-o", "--option")):
            return False
        return not self.state.recommends_off

    def apt_install(self, op: PackageOp) -> None:
        from layerlint.estimate import packages

        names, unknown = self.names(op)
        local = [n for n in names if n.endswith(".deb") or n.startswith((".", "/"))]
        names = [n for n in names if n not in local]
        label = f"{op.program} install {' '.join(names[:4])}{' ...' if len(names) > 4 else ''}"
        distro = self.state.distro
        for word in unknown + local:
            self.add(Part(f"{op.program} install {word}", "packages", SizeRange.unknown(f"package {word}: unknown")))
        if not names:
            return
        if distro.family not in ("debian", "ubuntu") or distro.release is None:
            self.add(Part(label, "packages", SizeRange.unknown("apt packages of an unknown distribution")))
            return
        recommends = self.recommends(op)
        installed, debs_basis = self.state.debs()
        res = packages.resolve(distro.release, names, installed, recommends)
        size = _apt_size(res, distro)
        saving = None
        if recommends and res.packages:  # what --no-install-recommends would save (the HTML report ranks by it)
            lean = _apt_size(packages.resolve(distro.release, names, installed, False), distro)
            saving = SizeRange.around(size.estimate - lean.estimate, size.low - lean.high if lean.high else 0,
                                      size.high - lean.low if size.high is not None else None,
                                      "Recommends packages")
        notes = [res.basis]
        if distro.proxy:
            notes.append(f"Ubuntu sized with Debian {distro.release}'s index (±{_UBUNTU_SPREAD:.0%})")
        if debs_basis:
            notes.append(debs_basis)
        index = packages.load_index(distro.release)
        sized = tuple((n, (index.get(n).installed_kib or 0) * 1024) for n in res.packages if index.get(n) is not None)
        self.state.added_debs.update(res.packages)
        self.add(Part(label, "packages", size._replace(basis="; ".join(notes)), "/usr", True, packages=sized,
                      ecosystem="apt", command=op.command.span, saving=saving,
                      requested=tuple(packages.requested_name(n) for n in names)))

    def apk_add(self, op: PackageOp) -> None:
        from layerlint.estimate import ecosystems

        names, unknown = self.names(op)
        count = len(names) + len(unknown)
        if not count:
            return
        low, high, basis = ecosystems.apk_range(count)
        est = (low * high) ** 0.5
        virtual = op.options.value("--virtual", "-t")
        self.add(Part(f"apk add {' '.join(names[:4])}", "packages", SizeRange.around(est, low, high, basis), "/usr", True,
                      packages=tuple((n, int(est / count)) for n in names + ([virtual] if virtual else [])), ecosystem="apk"))

    def pip_install(self, op: PackageOp, script: Script) -> None:
        from layerlint.estimate import ecosystems

        names, unknown = self.names(op)
        wheel_parts: list[Part] = []
        requested: list[str] = []
        for name in names:
            if name in (".", "..") or name.startswith(("/", "./", "../")) or name.endswith((".whl", ".tar.gz", ".zip")):
                wheels = self.wheels_at(name)
                if wheels is None:
                    unknown.append(name)
                else:
                    wheel_parts.append(wheels)
            elif "://" in name:
                unknown.append(name)
            else:
                requested.append(name)
        for req in op.requirement_files:
            path = posixpath.normpath(posixpath.join(self.workdir, req)) if not req.startswith("/") else req
            text = self.est.read_copied(self.ins, path)
            if text is None:
                unknown.append(f"-r {req}")
            else:
                requested.extend(_requirements(text))
        for part in wheel_parts:
            requested.extend(n for n, _ in part.packages)
            if not part.size.bounded:
                unknown.append(f"wheels of {part.what}")
        cache = self.cache_for(op.command, "pip")
        est = ecosystems.pip_install(requested, self.state.pip, cache=cache)
        self.state.pip.update(est.packages)
        low_f, high_f = PIP_VERSION_SPREAD
        size = SizeRange.around(est.installed_bytes, est.installed_bytes * low_f, est.installed_bytes * high_f, est.basis)
        size = size + self.typical("pip", list(est.unknown))
        if unknown:
            size = SizeRange(size.low, size.estimate, None, "")
        basis = est.basis if requested else "no package named"
        if unknown:
            basis += f"; not knowable before the build: {', '.join(unknown)}"
        path = self.site_packages(op)
        sized = tuple((n, ecosystems.pip_package(n).installed_bytes or 0) for n in est.packages)  # type: ignore[union-attr]
        self.add(Part(f"{op.program} install {' '.join((names + [f'-r {r}' for r in op.requirement_files])[:4])}",
                      "python", size._replace(basis=basis), path, True, packages=sized, ecosystem="pip"))
        if cache:
            cache_size = SizeRange.around(est.cache_bytes, est.cache_bytes * 0.8, est.cache_bytes * 1.3)
            cache_size = cache_size + self.typical("pip", list(est.unknown)).scaled(*_WHEEL_PER_INSTALLED)
            if unknown:
                cache_size = SizeRange(cache_size.low, cache_size.estimate, None)
            self.cache_sizes[op.command.span] = (cache_size._replace(basis="pip cache: downloaded wheels kept"),
                                                 "compressed")

    def typical(self, ecosystem: str, unknown: list[str]) -> SizeRange:
        """Packages the table does not know, sized like a typical one (stated as such)."""
        if not unknown:
            return ZERO
        low, est, high = _typical(ecosystem)
        n = len(unknown)
        return SizeRange.around(n * est, n * low, n * high, f"{n} {ecosystem} package(s) not in the table: typical size")

    def pip_wheels(self, op: PackageOp) -> None:
        from layerlint.estimate import ecosystems

        names, unknown = self.names(op)
        for req in op.requirement_files:
            path = req if req.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, req))
            text = self.est.read_copied(self.ins, path)
            if text is None:
                unknown.append(f"-r {req}")
            else:
                names.extend(_requirements(text))
        est = ecosystems.pip_install(names, (), cache=False)
        folder = op.options.value("-w", "--wheel-dir", "-d", "--dest") or "."
        folder = folder if folder.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, folder))
        size = SizeRange.around(est.download_bytes, est.download_bytes * 0.75, est.download_bytes * 1.3, est.basis)
        typical = self.typical("pip", list(est.unknown))
        size = size + typical.scaled(*_WHEEL_PER_INSTALLED)
        if unknown:
            size = SizeRange(size.low, size.estimate, None, "")
        basis = f"wheels: {est.basis.replace(' incl. .pyc', '')}" + (f"; not knowable: {', '.join(unknown)}" if unknown else "")
        sized = tuple((n, ecosystems.pip_package(n).download_bytes or 0) for n in est.packages)  # type: ignore[union-attr]
        self.add(Part(f"pip {op.verb.unquoted if op.verb else 'wheel'} → {folder}", "compressed", size._replace(basis=basis),
                      folder, True, packages=sized, ecosystem="wheels"))
        if self.cache_for(op.command, "pip"):
            self.cache_sizes[op.command.span] = (size.scaled(0.8, 1.0, 1.3, "pip cache: downloaded wheels kept"), "compressed")

    def wheels_at(self, path: str) -> Part | None:
        """Wheels an earlier layer put at ``path`` (``pip wheel -w``, copied across stages)."""
        target = path if path.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, path))
        folder = target.rsplit("/", 1)[0] if any(c in target for c in "*?[") or target.endswith(".whl") else target
        for _, part in reversed(self.state.parts):
            if part.ecosystem == "wheels" and part.path is not None and (_reaches(part.path, folder) or _reaches(folder, part.path)):
                return part
        return None

    def site_packages(self, op: PackageOp) -> str:
        target = op.options.value("-t", "--target", "--prefix", "--root")
        if target:
            return target if target.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, target))
        if op.options.has("--user"):
            return self.book.state(self.ins).home + "/.local/lib"
        program = op.program.split()[0]
        if "/bin/" in program:
            return program.rsplit("/bin/", 1)[0]
        venv = self.env.get("VIRTUAL_ENV")
        if venv:
            return venv
        venvs = {p.path for _, p in self.state.parts if p.what.startswith("venv ")}
        for folder in self.env.get("PATH", "").split(":"):  # ENV PATH=/opt/venv/bin:$PATH activates a venv
            if folder.endswith("/bin") and folder[:-4] in venvs:
                return folder[:-4]
        return "/usr/local/lib/python3*/*-packages"

    def npm_install(self, op: PackageOp, script: Script) -> None:
        from layerlint.estimate import ecosystems

        names, unknown = self.names(op)
        names = [n for n in names if not n.startswith((".", "/")) and "://" not in n]
        global_install = op.options.has("-g", "--global") or (op.manager == "yarn" and op.verb is not None
                                                               and op.verb.unquoted == "global")
        cwd = self.workdir
        dev = not (op.options.has("--production", "--prod") or (op.options.value("--omit") or "") == "dev"
                   or self.env.get("NODE_ENV") == "production")
        lock_count = None
        if not names:
            manifest = self.est.read_copied(self.ins, posixpath.join(cwd, "package.json"))
            if manifest is None:
                self.add(Part(f"{op.program} {op.action}", "node",
                              SizeRange.unknown("package.json not readable from the build context"),
                              posixpath.join(cwd, "node_modules"), True, ecosystem="npm"))
                return
            wanted = _npm_dependencies(manifest, dev)
            # The table knows each package's latest release; another major version has other sizes
            # and other dependencies, so such a package is sized like one the table lacks.
            names = [n for n, spec in wanted.items() if _same_major(spec, ecosystems.npm_package(n))]
            other_majors = [n for n in wanted if n not in names]
            lock = self.est.read_copied(self.ins, posixpath.join(cwd, "package-lock.json"))
            lock_count = _lock_count(lock, dev) if lock is not None else None
        else:
            other_majors = []
        cache = self.cache_for(op.command, op.manager)
        est = ecosystems.npm_install(names, (), cache=cache)
        est = est._replace(unknown=est.unknown + tuple(other_majors))
        known = len(est.packages)
        if lock_count is not None:
            counts = (max(0, lock_count - known),) * 3
            count = f"{lock_count} packages in package-lock.json"
        else:  # dependencies outside the table: how many each brings was measured, with a wide spread
            missing = len(est.unknown)  # requested names and direct dependencies the table does not hold
            ratio = _calibration("npm_transitive_per_direct_dep", (1.0, 1.0, 1.0))
            counts = (round(missing * ratio[0]), round(missing * ratio[1]), round(missing * ratio[2]))
            count = f"{known} known + ~{counts[1]} ({counts[0]}–{counts[2]}) other packages"
        size = SizeRange.around(est.installed_bytes, est.installed_bytes * 0.8, est.installed_bytes * 1.3, est.basis)
        low, mid, high = _typical("npm")
        size = size + SizeRange.around(counts[1] * mid, counts[0] * low, counts[2] * high)
        if unknown:
            size = SizeRange(size.low, size.estimate, None, "")
        basis = f"{est.basis}; {count}"
        path = "/usr/local/lib/node_modules" if global_install else posixpath.join(cwd, "node_modules")
        self.add(Part(f"{op.program} {op.verb.unquoted if op.verb else op.action}", "node", size._replace(basis=basis),
                      path, True, ecosystem="npm"))
        if cache:  # ~/.npm/_cacache: every tarball plus the registry document of every package
            others = SizeRange.around(counts[1] * mid, counts[0] * low, counts[2] * high).scaled(*_TARBALL_PER_INSTALLED)
            cache_size = (SizeRange.around(est.download_bytes, est.download_bytes * 0.9, est.download_bytes * 1.2)
                          + others + NPM_DOCUMENT_KNOWN.times(known)
                          + SizeRange.around(counts[1] * NPM_DOCUMENT_DEP.estimate, counts[0] * NPM_DOCUMENT_DEP.low,
                                             counts[2] * (NPM_DOCUMENT_DEP.high or 0)))
            self.cache_sizes[op.command.span] = (cache_size._replace(basis="npm cache: tarballs and registry documents"),
                                                 "npm-cache")

    def cache_for(self, cmd: Command, name: str) -> bool:
        """Whether the ledger says this command leaves its cache in the layer."""
        names = {"pip": {"pip"}, "npm": {"npm"}, "yarn": {"yarn"}, "pnpm": {"pnpm"}}.get(name, {name})
        return any(e.how == "cache" and e.source in names and e.span == cmd.span for e in self.book.created_by(self.ins))

    # -- ledger entries

    def ledger_parts(self) -> None:
        from layerlint.pkgfacts import downloads

        piped = {id(d.command): d for s in self.scripts for d in downloads(s) if d.piped_to is not None}
        for d in piped.values():
            if d.piped_to is not None and d.piped_to.tool in ("sh", "bash", "dash", "ash", "zsh", "python", "perl"):
                url = d.url.unquoted if d.url is not None else "?"
                self.add(Part(f"{d.tool} | {d.piped_to.name}", "binary", SizeRange.unknown(f"installer script from {url}")))
                self.handled.add(id(d.piped_to))
        for entry in self.book.created_by(self.ins):
            self.add(self.entry_part(entry))

    def entry_part(self, entry: Created) -> Part:
        how = entry.how
        if how == "cache":
            return self.cache_part(entry)
        if how == "download":
            return _download_part(f"download {entry.source or entry.path}", entry.source, entry)
        if how == "clone":
            return Part(f"git clone {entry.source}", "mixed", SizeRange.unknown(f"git clone of {entry.source}"),
                        entry.path, True, entry)
        if how == "extract":
            archive = self.archive_size(entry)
            if archive is None:
                return Part(f"extract into {entry.path}", "mixed",
                            SizeRange.unknown(f"extracted archive {entry.source or '(stdin)'}: size unknown"),
                            entry.path, True, entry)
            return Part(f"extract into {entry.path}", "mixed",
                        archive.scaled(1.0, 2.5, 5.0, "extracted: 1–5 × the archive's bytes"), entry.path, True, entry)
        if how == "mkdir":
            return Part(f"mkdir {entry.path}", "empty", SizeRange.exact(0, ""), entry.path, True, entry)
        if how == "workdir":
            return Part(f"built in {entry.path}", "binary", SizeRange.unknown(f"files built in {entry.path}"),
                        entry.path, True, entry)
        source = self.earlier_part(entry.source)
        if source is not None:
            return Part(f"copy of {entry.source}", source.kind, source.size._replace(basis=f"copy of {entry.source}"),
                        entry.path, entry.tree, entry)
        if entry.source and not entry.source.startswith(("<", "$")) and entry.how == "write" and entry.tree:
            return Part(f"copy to {entry.path}", "mixed", SizeRange.unknown(f"copy of {entry.source}: size unknown"),
                        entry.path, True, entry)
        return Part(f"write {entry.path}", "text", SizeRange(0, 256, 64 << 10, "small file written by the RUN"),
                    entry.path, entry.tree, entry)

    def earlier_part(self, source: str) -> Part | None:
        if not source or "://" in source:
            return None
        path = source if source.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, source))
        for entry in self.book.before(self.ins):
            if path in entry.names:
                return self.est.entries.get(id(entry))
        return None

    def archive_size(self, entry: Created) -> SizeRange | None:
        for extraction in self.book.extractions(self.ins):
            if extraction.created is not None and entry.source and extraction.archive.endswith(entry.source.rsplit("/", 1)[-1]):
                part = self.est.entries.get(id(extraction.created)) or next(
                    (p for p in self.out if p.entry is extraction.created), None)
                if part is not None and part.size.bounded:
                    return part.size
        return None

    def cache_part(self, entry: Created) -> Part:
        from layerlint.estimate import packages
        from layerlint.ledger import CACHES

        what = CACHES[entry.source].what if entry.source in CACHES else entry.source
        if entry.source == "apt-lists":
            release = self.state.distro.release
            lists = packages.apt_lists_bytes(release) if release and not self.state.distro.proxy else None
            if lists is None:
                size = SizeRange(5_000_000, 30_000_000, 80_000_000, "apt lists: no measurement for this distribution")
            else:
                size = SizeRange.around(lists, lists * (1 - APT_LISTS_SPREAD), lists * (1 + APT_LISTS_SPREAD),
                                        f"apt lists of Debian {release} (measured)")
            return Part(what, "apt-lists", size, entry.path, True, entry)
        if entry.source == "apk":
            return Part(what, "compressed", SizeRange(1_000_000, 2_500_000, 4_000_000, "apk indexes (approximate)"),
                        entry.path, True, entry)
        found = self.cache_sizes.get(entry.span)
        if found is not None:
            return Part(what, found[1], found[0], entry.path, True, entry)
        return Part(what, "compressed", SizeRange.unknown(f"{what}: no size data"), entry.path, True, entry)

    # -- removals and rewrites of earlier layers

    def changes(self) -> None:
        from layerlint.ledger import empties

        for change in self.book.changes(self.ins):
            rewrite = change.op in ("chown", "chmod", "chgrp", "touch")
            hits: list[tuple[Part, Instruction, bool]] = []
            for entry in change.matches:
                part = self.est.entries.get(id(entry))
                if part is None or (rewrite and entry.tree and not change.recursive and change.path == entry.path):
                    continue  # not sized, or only the directory itself
                hits.append((part, self.carrier(part, entry), True))
            for entry in change.within:
                part = self.est.entries.get(id(entry))
                if part is not None:
                    hits.append((part, self.carrier(part, entry), empties(change.path, entry)))
            for carrier, part in self.state.parts:  # rewritten copies of earlier rewrites
                if part.ecosystem == "rewrite" and part.files and any(_reaches(change.path, f) for f in part.files):
                    hits.append((part, carrier, False))
            for part, carrier, whole in hits:
                changing = self.metadata_changes(part, change) if rewrite else None
                if changing is not None:  # files whose mode/owner really change (the others are no diff)
                    chosen = {f for f in changing if whole or _reaches(change.path, f)}
                    spent = self.est.spend(carrier, part, self.ins, change.op, change.path, False, change, chosen) \
                        if chosen else None
                else:
                    spent = self.est.spend(carrier, part, self.ins, change.op, change.path, whole, change)
                if rewrite and spent is not None and not spent[0].zero:
                    size, files = spent
                    self.add(Part(f"{change.op} {change.path}", part.kind,
                                  size._replace(basis=f"{change.op} copies {part.what} into this layer"), change.path,
                                  part.tree, files=files, ecosystem="rewrite"))

    def metadata_changes(self, part: Part, change) -> set[str] | None:  # type: ignore[no-untyped-def]
        """Files of a context copy whose mode or owner the command really changes; None if unknowable.

        A differ stores a file again only when something about it changed: ``chmod a+r`` of files
        that are already readable, or ``chown root`` of files COPY made root's, adds nothing.
        """
        if not part.files or not part.origins or change.op == "touch" or self.est.context_dir is None:
            return None
        cmd = next((c for s in self.scripts for c in s.commands if c.span == change.command), None)
        spec = cmd.positional()[0].unquoted if cmd is not None and cmd.positional() else None
        if spec is None or "$" in spec:
            return None
        out = set()
        for dest, origin in part.origins.items():
            flags, _, source = origin.partition("|")
            if dest not in part.files:
                continue
            if change.op == "chmod":
                mode = _copied_mode(flags, os.path.join(self.est.context_dir, source))
                if mode is None or _chmod(spec, mode) != mode:
                    out.add(dest)
            elif not _same_owner(flags, spec, change.op):
                out.add(dest)
        return out

    def carrier(self, part: Part, entry: Created) -> Instruction:
        if part.entry is entry:
            return entry.instruction
        return next((i for i, p in self.state.parts if p is part), entry.instruction)

    def removals(self) -> None:
        """``rm`` of paths that package installs made (not in the ledger), and packages removed."""
        from layerlint.ledger import covers
        from layerlint.pkgfacts import removed_paths

        for script in self.scripts:
            for raw, _cmd in removed_paths(script):
                path = raw if raw.startswith("/") else posixpath.normpath(posixpath.join(self.workdir, raw))
                for carrier, part in self.state.parts:
                    if part.entry is not None or part.path is None or id(part) in self.est.wasted_whole:
                        continue
                    if not part.ecosystem or "*" in part.path or part.path == "/usr":
                        continue
                    if covers(path, part.path):
                        self.est.spend(carrier, part, self.ins, "remove", path, True)
        for manager, names, auto in self.removed_packages:
            self.remove_packages(manager, names, auto)

    def remove_packages(self, manager: str, names: set[str], auto: bool) -> None:
        eco = {"apt": "apt", "apk": "apk", "pip": "pip"}[manager]
        own = [p for p in self.out if p.ecosystem == eco]
        for part in own:  # installed and removed in this RUN: mostly gone
            gone = _removed_share(part, names, auto)
            if gone is None:
                continue
            self.out.remove(part)
            left = part.size.scaled(1 - gone[2], 1 - gone[1], 1 - gone[0] + 0.05, part.size.basis + "; partly removed in the same RUN")
            self.out.append(part._replace(size=left, packages=()))
        for carrier, part in self.state.parts:
            if part.ecosystem != eco or id(part) in self.est.wasted_whole:
                continue
            gone = _removed_share(part, names, auto)
            if gone is None:
                continue
            size = part.size.scaled(gone[0], gone[1], gone[2], f"packages of {part.what}")
            self.est.waste.append(Waste(carrier, self.ins, "purge", ", ".join(sorted(names)), size))

    # -- everything else

    def commands(self) -> None:
        for script in self.scripts:
            for cmd in script.commands:
                if not cmd.words or id(cmd) in self.handled:
                    continue
                tool = cmd.tool
                if tool in ("apt-get", "apt", "apk", "pip", "npm", "yarn", "pnpm", "dpkg"):
                    continue
                if tool in _QUIET:
                    if tool in ("sh", "bash", "dash", "ash", "zsh") and cmd.positional() and not cmd.has_flag("-c"):
                        self.unknown.append(f"{tool} {cmd.positional()[0].unquoted}")
                    continue
                if tool in ("useradd", "adduser"):
                    self.useradd(cmd)
                if tool == "python" and self.venv(cmd):
                    continue
                if tool in _SMALL:
                    self.small = True
                    continue
                self.unknown.append(cmd.name.rsplit("/", 1)[-1])

    def venv(self, cmd: Command) -> bool:
        """``python3 -m venv DIR``: a copy of pip (and setuptools before 3.12) installed into DIR."""
        from layerlint.estimate import ecosystems

        words = [w.unquoted for w in cmd.args]
        if words[:2] != ["-m", "venv"]:
            return False
        folders = [w for w in words[2:] if not w.startswith("-")]
        if not folders:
            return False
        path = folders[-1] if folders[-1].startswith("/") else posixpath.normpath(posixpath.join(self.workdir, folders[-1]))
        if "--without-pip" in words:
            self.add(Part(f"venv {path}", "text", SizeRange(1_000, 20_000, 100_000, "venv without pip"), path, True))
            return True
        est = ecosystems.pip_install(["pip", "setuptools"], with_deps=False)
        size = SizeRange.around(est.installed_bytes, est.installed_bytes * 0.6, est.installed_bytes * 1.3,
                                f"venv with pip and setuptools ({est.basis})")
        self.add(Part(f"venv {path}", "python", size, path, True, ecosystem="pip"))
        return True

    def useradd(self, cmd: Command) -> None:
        """A high UID without ``--no-log-init`` can make /var/log/lastlog and faillog huge (sparse) files.

        Not on Debian: its useradd (shadow 4.13 in bookworm) leaves both files alone (measured).
        """
        opts = cmd.options()
        uid = opts.value("-u", "--uid")
        if cmd.tool != "useradd" or uid is None or not uid.isdigit() or opts.has("-l", "--no-log-init"):
            return
        if self.state.distro.family == "debian":
            return
        size = (int(uid) + 1) * (292 + 32)
        self.add(Part("useradd lastlog/faillog", "empty", SizeRange.around(size, 0, size * 1.1,
                      f"useradd -u {uid} may grow sparse /var/log/lastlog and faillog"), "/var/log/lastlog"))


# --------------------------------------------------------------------------- helpers


def _apt_size(res, distro: _Distro) -> SizeRange:  # type: ignore[no-untyped-def]
    """Layer bytes of a Debian resolution.

    The shipped payload correction was fitted on tar-stream bytes; ``apt_st_model`` (fitted by
    ``benchmarks/size_harness/calibrate.py`` on measured layers) turns it into file bytes as
    ``docker history`` counts them.  Without it, the payload correction's own band is used.
    """
    from layerlint.estimate import packages

    spread = _UBUNTU_SPREAD if distro.proxy else 0.0
    model = compression.calibration().get("layers", {}).get("apt_st_model")
    if not res.packages:
        size = SizeRange.exact(0, res.basis)
    elif isinstance(model, dict):
        payload = packages.payload_correction()
        ratio = payload.slim_ratio if distro.slim else payload.ratio
        factor = model["a_slim"] if distro.slim else model["a"]
        middle = (factor * (res.installed_bytes * ratio + res.python_bytes * payload.pyc) + model["fixed"]
                  + model["per_package"] * len(res.packages))
        low, high = model["slim_band"] if distro.slim and model.get("slim_band") else model["band"]
        size = SizeRange.around(middle, middle * low * (1 - spread), middle * high * (1 + spread), res.basis)
    else:
        low_b, high_b = res.layer_range(distro.slim)
        size = SizeRange.around((low_b + high_b) / 2, low_b * (1 - spread), high_b * (1 + spread), res.basis)
    return SizeRange(size.low, size.estimate, None, size.basis) if res.unknown else size


def _download_part(label: str, url: str, entry: Created | None, clone: bool = False) -> Part:
    from layerlint.estimate import ecosystems

    path, tree = (entry.path, entry.tree) if entry is not None else (None, False)
    if clone:
        return Part(label, "mixed", SizeRange.unknown(f"git repository {url}"), path, True, entry)
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    kind = "compressed" if _COMPRESSED_EXT.search(name) else "binary"
    known = None
    if "pythonhosted.org" in url or "pypi.org" in url:
        package = ecosystems.pip_package(name.split("-", 1)[0])
        known = package.download_bytes if package is not None else None
    elif "registry.npmjs.org" in url and "/-/" in url:
        package = ecosystems.npm_package(url.split("registry.npmjs.org/", 1)[1].split("/-/", 1)[0])
        known = package.download_bytes if package is not None else None
    if known:
        return Part(label, kind, SizeRange.around(known, known * 0.7, known * 1.5, f"known artifact: {name}"), path, tree, entry)
    return Part(label, kind, SizeRange.unknown(f"unknown download: {url or '?'}"), path, tree, entry)


def _destinations(entry: Created, roots: tuple[str, ...], paths: tuple[str, ...], context,  # type: ignore[no-untyped-def]
                  into_dir: bool = False) -> dict[str, str]:
    """Destination path -> context path of every file a context COPY writes."""
    out: dict[str, str] = {}
    wildcard = any(c in entry.source for c in "*?[")
    dest_dir = entry.path.rsplit("/", 1)[0] or "/" if wildcard else entry.path
    for root in roots:
        if context.is_dir(root):
            for rel in context.files_under(root):
                out[posixpath.join(dest_dir, rel[len(root) + 1:] if root else rel)] = rel
        else:
            name = root.rsplit("/", 1)[-1]
            out[posixpath.join(dest_dir, name) if wildcard or into_dir else entry.path] = root
    if not out:
        for rel in paths:
            out[posixpath.join(entry.path, rel)] = rel
    return out


def _file_kind(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if _COMPRESSED_EXT.search(name):
        return "compressed"
    if _BINARY_EXT.search(name):
        return "binary"
    return "text"


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _match(a: str, b: str) -> bool:
    return a == b or fnmatchcase(a, b) or fnmatchcase(b, a)


def _reaches(src: str, path: str) -> bool:
    """``path`` is ``src`` or lies below it (either may hold globs)."""
    sp, pp = _parts(src), _parts(path)
    return len(sp) <= len(pp) and all(_match(a, b) for a, b in zip(sp, pp))


def _inside(path: str, root: str) -> bool:
    """``path`` lies strictly below ``root``."""
    rp, pp = _parts(root), _parts(path)
    return len(pp) > len(rp) and all(_match(a, b) for a, b in zip(rp, pp))


def _rebase(path: str, src: str, dest: str) -> str:
    rel = path[len(src.rstrip("/")):].lstrip("/")
    return posixpath.join(dest, rel) if rel else dest


def _copied_mode(flags: str, path: str) -> int | None:
    """Permission bits of a file as COPY leaves it: ``--chmod`` if given, else the context file's."""
    for flag in flags.split():
        if flag.startswith("--chmod="):
            value = flag.split("=", 1)[1]
            return int(value, 8) if re.fullmatch(r"[0-7]{3,4}", value) else None
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return None


_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007}
_PERM = {"r": 0o444, "w": 0o222, "x": 0o111, "s": 0o6000, "t": 0o1000}


def _chmod(spec: str, mode: int) -> int:
    """``mode`` after ``chmod spec`` on a regular file (octal or symbolic; umask taken as 022)."""
    if re.fullmatch(r"[0-7]{1,4}", spec):
        return int(spec, 8)
    for clause in spec.split(","):
        m = re.fullmatch(r"([ugoa]*)((?:[-+=][rwxXst]*)+)", clause)
        if m is None:
            return -1  # not understood: count as a change
        who = m.group(1) or "a"
        mask = sum(_WHO[w] for w in ("ugo" if "a" in who else who))
        for op, perms in re.findall(r"([-+=])([rwxXst]*)", m.group(2)):
            bits = 0
            for ch in perms:
                if ch == "X":
                    bits |= 0o111 if mode & 0o111 else 0
                else:
                    bits |= _PERM[ch]
            bits &= mask if m.group(1) else mask & ~0o022
            if op == "+":
                mode |= bits
            elif op == "-":
                mode &= ~bits
            else:
                mode = (mode & ~mask) | bits
    return mode


def _same_owner(flags: str, spec: str, op: str) -> bool:
    """Whether ``chown spec`` (or ``chgrp``) leaves the owner COPY gave the files."""
    owner = next((f.split("=", 1)[1] for f in flags.split() if f.startswith("--chown=")), "root:root")
    user, _, group = owner.partition(":")
    group = group or user

    def same(a: str, b: str) -> bool:
        return a == b or {a, b} <= {"root", "0"}

    if op == "chgrp":
        return same(spec, group)
    new_user, sep, new_group = spec.partition(":")
    return (not new_user or same(new_user, user)) and (not sep or not new_group or same(new_group, group))


def _removed_share(part: Part, names: set[str], auto: bool) -> tuple[float, float, float] | None:
    """(low, estimate, high) share of ``part``'s bytes a removal of ``names`` takes."""
    if not part.packages:
        return None
    sizes = dict(part.packages)
    hit = sum(b for n, b in part.packages if n in names)
    if not hit:
        return None
    whole = sum(sizes.values()) or 1
    share = hit / whole
    if auto and part.requested and set(part.requested) <= names:  # everything asked for, and what it pulled in
        return max(share, 0.9), 0.99, 1.0
    if auto:  # --auto-remove also takes the dependencies that only these needed (most of them)
        return share, max(share, 0.9), 1.0
    return share * 0.9, share, min(1.0, share * 1.1)


def _requirements(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        out.append(line)
    return out


def _npm_dependencies(manifest: str, dev: bool) -> dict[str, str]:
    """Dependency name -> version range of a package.json (devDependencies unless omitted)."""
    try:
        data = json.loads(manifest)
    except ValueError:
        return {}
    wanted = dict(data.get("dependencies") or {})
    if dev:
        wanted.update(data.get("devDependencies") or {})
    return {str(k): str(v) for k, v in wanted.items()}


def _same_major(spec: str, package) -> bool:  # type: ignore[no-untyped-def]
    """Whether the table's release of ``package`` can satisfy the range ``spec`` (by major version)."""
    if package is None:
        return True  # unknown either way
    match = re.match(r"\s*(?:[\^~=v]|>=?)?\s*(\d+)", spec)
    if match is None or "||" in spec:
        return True  # *, latest, tags, urls, alternatives: take the latest
    return package.version.split(".", 1)[0] == match.group(1)


def _lock_count(lock: str, dev: bool) -> int | None:
    try:
        data = json.loads(lock)
    except ValueError:
        return None
    packages = data.get("packages")
    if isinstance(packages, dict):
        return sum(1 for key, meta in packages.items() if key and (dev or not (meta or {}).get("dev")))
    deps = data.get("dependencies")
    return len(deps) if isinstance(deps, dict) else None


def _calibration(key: str, default: tuple[float, float, float]) -> tuple[float, float, float]:
    row = compression.calibration().get("layers", {}).get(key)
    if not isinstance(row, dict):
        return default
    return float(row["low"]), float(row["estimate"]), float(row["high"])


def _typical(ecosystem: str) -> tuple[float, float, float]:
    """A typical package's installed bytes: measured for npm dependencies, the table's spread for pip."""
    measured = compression.calibration().get("layers", {}).get(f"{ecosystem}_unknown_package_bytes")
    if isinstance(measured, dict):
        return float(measured["low"]), float(measured["estimate"]), float(measured["high"])
    from layerlint.estimate import ecosystems

    table = ecosystems._table()[ecosystem]
    key = "unpacked_bytes"
    sizes = sorted(e[key] for e in table.values() if e.get(key))
    if not sizes:
        return 10_000.0, 100_000.0, 10_000_000.0
    return float(sizes[len(sizes) // 10]), float(sizes[len(sizes) // 2]), float(sizes[len(sizes) * 9 // 10])

