"""The build context on disk, as the builder would receive it after ``.dockerignore``.

One walk (``os.scandir``, symlinks never followed, excluded directories pruned when no
exception can re-include anything inside them) gives an index that answers what size
estimates, ``COPY`` checks and the cache simulator ask:

- what ``COPY <src>`` picks up, with Docker's source rules: a file, a directory's contents,
  a wildcard matched with ``filepath.Match`` against paths below the wildcard's fixed
  prefix (fsutil's ``ResolveWildcards``), symlinks in the source followed inside the
  context (BuildKit copies with ``FollowSymlinks``);
- which excluded files such a source would have hit (``CopyIgnoredFile``);
- sizes: regular files count ``st_size``, symlinks the length of their target path;
- whether a changed file falls under a ``COPY`` source (cache invalidation).

The walk happens on the first question, so building an index costs nothing until a rule
needs it.
"""

from __future__ import annotations

import os
import stat
from bisect import bisect_left
from itertools import accumulate

from layerlint.dockerignore import (
    BadPattern,
    DockerIgnore,
    IgnorePattern,
    context_path,
    glob_match,
    has_wildcards,
)
from layerlint.source import Frozen, _set

_MAX_LINKS = 255  # symlinks followed while resolving one source, as Linux allows


class IgnoredHit(Frozen):
    """An excluded path a COPY source reaches.

    ``direct`` is true when the source names it (or a wildcard matches it, or it lies on
    the way to the named path); false when it sits inside a copied directory, which is
    what ``.dockerignore`` is for.  ``directory`` marks a pruned directory whose contents
    were not listed.
    """

    __slots__ = ("path", "pattern", "directory", "direct")  # constructor order: Value relies on it

    path: str
    pattern: IgnorePattern | None
    directory: bool
    direct: bool

    def __init__(self, path: str, pattern: IgnorePattern | None, directory: bool = False, direct: bool = True) -> None:
        _set(self, "path", path)
        _set(self, "pattern", pattern)
        _set(self, "directory", directory)
        _set(self, "direct", direct)


class Selection(Frozen):
    """What one COPY/ADD source takes from the context."""

    __slots__ = (  # constructor order: Value relies on it
        "source",
        "matched",
        "files",
        "bytes",
        "paths",
        "roots",
        "ignored_hits",
        "wildcard",
    )

    source: str  # the source as BuildKit resolves it against the context ("." for the root)
    matched: bool  # false: BuildKit fails ("not found"), or an empty wildcard copies nothing
    files: int
    bytes: int
    paths: tuple[str, ...]  # context files copied (real paths, symlinks in the source followed)
    roots: tuple[str, ...]  # what the source resolved to: one path, or each wildcard match
    ignored_hits: tuple[IgnoredHit, ...]
    wildcard: bool

    def __init__(
        self,
        source: str,
        matched: bool,
        files: int,
        bytes: int,
        paths: tuple[str, ...],
        roots: tuple[str, ...],
        ignored_hits: tuple[IgnoredHit, ...],
        wildcard: bool,
    ) -> None:
        _set(self, "source", source)
        _set(self, "matched", matched)
        _set(self, "files", files)
        _set(self, "bytes", bytes)
        _set(self, "paths", paths)
        _set(self, "roots", roots)
        _set(self, "ignored_hits", ignored_hits)
        _set(self, "wildcard", wildcard)

    @property
    def direct_ignored_hits(self) -> tuple[IgnoredHit, ...]:
        return tuple(hit for hit in self.ignored_hits if hit.direct)


def format_size(size: int) -> str:
    """Decimal units as Docker prints them: ``950 B``, ``3.4 kB``, ``38 MB``."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            if unit == "B":
                return f"{size} B"
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


def _wildcard_match(pattern: str, rel: str) -> bool:
    try:
        return glob_match(pattern, rel)
    except BadPattern:  # fsutil ignores the error: a malformed wildcard matches nothing
        return False


def _wildcard_depth(pattern: str) -> int | None:
    """How many names a wildcard's matches have; None when a class might match ``/``."""
    return None if "[" in pattern else pattern.count("/") + 1


def _first_matching_prefix(pattern: str, rel: str) -> str | None:
    """The shortest leading part of ``rel`` the wildcard matches (a walk stops there)."""
    parts = rel.split("/")
    depth = _wildcard_depth(pattern)
    if depth is not None:  # only one prefix has as many names as the pattern
        prefix = "/".join(parts[:depth])
        return prefix if depth <= len(parts) and _wildcard_match(pattern, prefix) else None
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        if _wildcard_match(pattern, prefix):
            return prefix
    return None


class ContextIndex:
    """An index of one build context directory; the walk runs on first use."""

    def __init__(self, context_dir: str, dockerignore: DockerIgnore | None = None) -> None:
        self.root = context_dir
        self.dockerignore = dockerignore if dockerignore is not None else DockerIgnore()
        self._scanned = False
        self._sizes: dict[str, int] = {}  # included files and symlinks -> bytes
        self._links: dict[str, str] = {}  # included symlinks -> target
        self._dirs: set[str] = {""}  # directories present in the sent context
        self._ignored: dict[str, tuple[int, IgnorePattern | None]] = {}  # excluded files
        self._pruned: dict[str, IgnorePattern | None] = {}  # excluded directories not walked
        self._unreadable: list[str] = []
        self._files: list[str] = []  # sorted included file paths
        self._cumulative: list[int] = [0]  # bytes of _files[:i]
        self._children: dict[str, list[str]] = {}
        self._selections: dict[str, Selection] = {}

    @classmethod
    def build(cls, context_dir: str, dockerignore: DockerIgnore | None = None) -> ContextIndex:
        """An index of ``context_dir`` filtered by ``dockerignore``; nothing is read yet."""
        return cls(context_dir, dockerignore)

    @classmethod
    def for_dockerfile(cls, context_dir: str, dockerfile_path: str | None) -> ContextIndex:
        """An index with the ignore file BuildKit would pick for this Dockerfile."""
        return cls(context_dir, DockerIgnore.for_build(context_dir, dockerfile_path))

    # ------------------------------------------------------------------ the walk

    def _ensure(self) -> None:
        if not self._scanned:
            self._scanned = True
            self._scan()

    def _scan(self) -> None:
        ignore = self.dockerignore
        filtering = len(ignore) > 0
        stack: list[tuple[str, tuple[bool, ...] | None]] = [("", None)]
        while stack:
            reldir, info = stack.pop()
            try:
                with os.scandir(os.path.join(self.root, reldir) if reldir else self.root) as it:
                    entries = list(it)
            except OSError:
                self._unreadable.append(reldir)
                continue
            prefix = reldir + "/" if reldir else ""
            holds_included = False
            for entry in entries:
                rel = prefix + entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    continue
                excluded, pattern, below = False, None, None
                if filtering:
                    state = ignore.step(rel, info)
                    excluded, pattern, below = state.excluded, state.pattern, state.info
                if is_dir:
                    if excluded and ignore.nothing_reincluded_below(rel):
                        self._pruned[rel] = pattern
                        continue
                    if not excluded:
                        self._mark_present(rel)
                    stack.append((rel, below))
                    continue
                size, target = self._entry_size(entry)
                if size is None:
                    continue
                if excluded:
                    self._ignored[rel] = (size, pattern)
                    continue
                self._sizes[rel] = size
                if target is not None:
                    self._links[rel] = target
                holds_included = True
            if holds_included:
                self._mark_present(reldir)
        self._files = sorted(self._sizes)
        self._cumulative = [0, *accumulate(self._sizes[p] for p in self._files)]
        for path in sorted(self._dirs | self._sizes.keys()):
            if path:
                parent, _, name = path.rpartition("/")
                self._children.setdefault(parent, []).append(name)

    @staticmethod
    def _entry_size(entry: os.DirEntry[str]) -> tuple[int | None, str | None]:
        """Bytes an entry adds to a layer, and a symlink's target; (None, None) to skip it."""
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(entry.path)
                return len(os.fsencode(target)), target
        except OSError:
            return None, None
        if stat.S_ISREG(info.st_mode):
            return info.st_size, None
        if stat.S_ISSOCK(info.st_mode):
            return None, None  # sockets are not sent
        return 0, None  # fifos and devices: an entry without content

    def _mark_present(self, reldir: str) -> None:
        """An included entry makes its directory and every parent part of the context."""
        while reldir not in self._dirs:
            self._dirs.add(reldir)
            reldir = _parent(reldir)

    # ------------------------------------------------------------------ totals

    @property
    def total_files(self) -> int:
        self._ensure()
        return len(self._sizes)

    @property
    def total_bytes(self) -> int:
        self._ensure()
        return self._cumulative[-1]

    @property
    def ignored_files(self) -> int:
        """Excluded files that were listed (those inside pruned directories are not)."""
        self._ensure()
        return len(self._ignored)

    @property
    def ignored_bytes(self) -> int:
        self._ensure()
        return sum(size for size, _ in self._ignored.values())

    @property
    def pruned_dirs(self) -> dict[str, IgnorePattern | None]:
        """Excluded directories skipped whole, with the pattern that excluded each."""
        self._ensure()
        return dict(self._pruned)

    @property
    def unreadable(self) -> tuple[str, ...]:
        """Directories that could not be listed ("" is the context root)."""
        self._ensure()
        return tuple(self._unreadable)

    def summary(self) -> str:
        """``412 files, 38 MB after .dockerignore`` (or ``..., no .dockerignore``)."""
        tail = "after .dockerignore" if len(self.dockerignore) else "no .dockerignore"
        count = self.total_files
        noun = "file" if count == 1 else "files"
        return f"{count} {noun}, {format_size(self.total_bytes)} {tail}"

    # ------------------------------------------------------------------ lookups

    def exists(self, relpath: str) -> bool:
        """Whether the path is part of the sent context (file, symlink or directory)."""
        self._ensure()
        path = context_path(relpath)
        return path in self._dirs or path in self._sizes

    def is_dir(self, relpath: str) -> bool:
        self._ensure()
        return context_path(relpath) in self._dirs

    def size_of(self, relpath: str) -> int | None:
        """A file's bytes (a symlink's target length); None for directories and absent paths."""
        self._ensure()
        return self._sizes.get(context_path(relpath))

    def listdir(self, reldir: str = "") -> list[str]:
        """Names inside a context directory, sorted; excluded entries are absent."""
        self._ensure()
        return list(self._children.get(context_path(reldir), ()))

    def _range(self, reldir: str) -> tuple[int, int]:
        if not reldir:
            return 0, len(self._files)
        return bisect_left(self._files, reldir + "/"), bisect_left(self._files, reldir + "0")  # "0" follows "/"

    def files_under(self, reldir: str = "") -> list[str]:
        """Every included file below a directory, sorted."""
        self._ensure()
        lo, hi = self._range(context_path(reldir))
        return self._files[lo:hi]

    def dir_stats(self, reldir: str = "") -> tuple[int, int]:
        """(files, bytes) below a directory."""
        self._ensure()
        lo, hi = self._range(context_path(reldir))
        return hi - lo, self._cumulative[hi] - self._cumulative[lo]

    def ignored(self) -> dict[str, IgnorePattern | None]:
        """Excluded files and pruned directories, each with the pattern that excluded it."""
        self._ensure()
        found = {path: pattern for path, (_, pattern) in self._ignored.items()}
        found.update(self._pruned)
        return found

    # ------------------------------------------------------------------ COPY sources

    def _resolve(self, path: str) -> str | None:
        """Follow symlinks in a context path, never leaving the context (BuildKit's RootPath)."""
        pending = [p for p in path.split("/") if p]
        resolved: list[str] = []
        budget = _MAX_LINKS
        while pending:
            name = pending.pop(0)
            if name == ".":
                continue
            if name == "..":
                if resolved:
                    resolved.pop()
                continue
            target = self._links.get("/".join([*resolved, name]))
            if target is None:
                resolved.append(name)
                continue
            budget -= 1
            if budget < 0:
                return None  # a symlink loop
            if target.startswith("/"):
                resolved = []
            pending[:0] = [p for p in target.split("/") if p]
        real = "/".join(resolved)
        return real if real in self._dirs or real in self._sizes else None

    @staticmethod
    def _split_wildcard(source: str) -> tuple[str, str]:
        """The fixed leading directories and the rest, from the first wildcard component on."""
        parts = source.split("/") if source else []
        for index, part in enumerate(parts):
            if has_wildcards(part):
                return "/".join(parts[:index]), "/".join(parts[index:])
        return source, ""

    def _expand(self, base: str, pattern: str) -> list[str]:
        """Paths below ``base`` the wildcard matches; a matching directory is not entered.

        Without classes or escapes nothing in the pattern can match ``/``, so it is matched
        name by name and only directories on a possible path are entered; otherwise every
        path below ``base`` is tried whole, as fsutil does.
        """
        names = None if "[" in pattern or "\\" in pattern else pattern.split("/")
        found: list[str] = []
        stack = [(base, "", 0)]
        while stack:
            directory, rel_dir, depth = stack.pop()
            for name in self._children.get(directory, ()):
                path = _join(directory, name)
                rel = _join(rel_dir, name)
                if names is None:
                    if _wildcard_match(pattern, rel):
                        found.append(path)
                    elif path in self._dirs:
                        stack.append((path, rel, depth + 1))
                elif _wildcard_match(names[depth], name):
                    if depth + 1 == len(names):
                        found.append(path)
                    elif path in self._dirs:
                        stack.append((path, rel, depth + 1))
        return sorted(found)

    def select(self, src_pattern: str) -> Selection:
        """What ``COPY <src_pattern>`` takes from this context."""
        self._ensure()
        source = context_path(src_pattern)
        cached = self._selections.get(source)
        if cached is None:
            cached = self._selections[source] = self._select(source)
        return cached

    def _select(self, source: str) -> Selection:
        base, pattern = self._split_wildcard(source)
        if pattern:
            real_base = self._resolve(base)
            matches = self._expand(real_base, pattern) if real_base in self._dirs else []
            roots = tuple(r for r in (self._resolve(m) for m in matches) if r is not None)
            hits = self._wildcard_hits(real_base if real_base is not None else base, pattern)
        else:
            real = self._resolve(source)
            roots = (real,) if real is not None else ()
            hits = self._literal_hits(source, real)
        paths: dict[str, None] = {}
        for root in roots:
            paths.update(dict.fromkeys(self.files_under(root) if root in self._dirs else [root]))
        return Selection(
            source=source or ".",
            matched=bool(roots),
            files=len(paths),
            bytes=sum(self._sizes[p] for p in paths),
            paths=tuple(paths),
            roots=roots,
            ignored_hits=hits,
            wildcard=bool(pattern),
        )

    def _ignored_below(self, directory: str) -> list[IgnoredHit]:
        """Excluded entries inside a directory (all of them for the root)."""
        prefix = directory + "/" if directory else ""
        hits = [
            IgnoredHit(path, pattern, False, False)
            for path, (_, pattern) in self._ignored.items()
            if path.startswith(prefix)
        ]
        hits.extend(
            IgnoredHit(path, pattern, True, False) for path, pattern in self._pruned.items() if path.startswith(prefix)
        )
        return sorted(hits, key=lambda hit: hit.path)

    def _literal_hits(self, source: str, real: str | None) -> tuple[IgnoredHit, ...]:
        if source in self._ignored:
            return (IgnoredHit(source, self._ignored[source][1]),)
        walk = source
        while walk:  # the source or a directory on its way was pruned
            if walk in self._pruned:
                return (IgnoredHit(walk, self._pruned[walk], True),)
            walk = _parent(walk)
        if real is not None:
            return tuple(self._ignored_below(real)) if real in self._dirs else ()
        # A directory whose every entry was excluded is gone: what it held is what was named.
        return tuple(hit._replace(direct=True) for hit in self._ignored_below(source))

    def _wildcard_hits(self, base: str, pattern: str) -> tuple[IgnoredHit, ...]:
        hits = []
        for hit in self._ignored_below(base):
            rel = hit.path[len(base) + 1 :] if base else hit.path
            prefix = _first_matching_prefix(pattern, rel)
            if prefix is None:
                continue
            inside = _join(base, prefix)
            direct = prefix == rel or inside not in self._dirs
            hits.append(IgnoredHit(hit.path, hit.pattern, hit.directory, direct))
        return tuple(hits)

    def covers(self, src_pattern: str, relpath: str) -> bool:
        """Whether a change to ``relpath`` reaches ``COPY <src_pattern>`` (after .dockerignore).

        The file need not exist (a deletion counts too); the source's symlinks are followed
        through the index.
        """
        path = context_path(relpath)
        if not path or self.dockerignore.matches(path):
            return False
        self._ensure()
        base, pattern = self._split_wildcard(context_path(src_pattern))
        real = self._resolve(base) if base else ""
        if real is None:
            real = base  # not in the context yet: judge by the path alone
        if real and path != real and not path.startswith(real + "/"):
            return False
        if not pattern:
            return True
        rel = path[len(real) + 1 :] if real else path
        return _first_matching_prefix(pattern, rel) is not None
