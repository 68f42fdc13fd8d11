"""Ground truth for the size predictor: build Dockerfiles without a daemon and compare.

Each case under ``cases/<name>/`` is a Dockerfile plus an optional ``context.json`` that
describes its build context (generated, so the repository stays small).  The harness builds
it the way BuildKit would, layer by layer, on this machine:

* ``FROM debian:bookworm[-slim]`` starts from a look-alike root (``rootfs.py``), ``FROM <stage>``
  from that stage's layers;
* every ``RUN``/``COPY``/``ADD``/``WORKDIR`` gets a fresh overlayfs upper directory over the
  layers below it; ``RUN`` executes in a chroot of the merged view (with /proc, /dev, the
  host's resolv.conf and CA certificates bind-mounted, so nothing of them lands in the layer);
  ``COPY``/``ADD`` copy with Docker's rules (.dockerignore, wildcards, directory contents,
  ``--chown``, ``--from``, local tar extraction, heredocs);
* the upper directory is the layer.  Its size is what ``docker history`` shows: the st_size of
  every non-directory entry that is new or changed (a copy-up whose content and metadata equal
  the lower file is not a change, as in containerd's differ), hard links once, symlinks by
  target length, whiteouts 0.  Its compressed size is a gzip'd (level 6) tar of the upper dir.
* wasted bytes: files of a layer that a later layer of the same image replaces or deletes.

Then ``layerlint``'s estimate of the same Dockerfile (with the generated context) is compared
per layer and for the image.  Needs root, mmdebstrap, overlayfs and the network (Debian
mirror, PyPI, npm registry); about 20-40 minutes for all cases.

    sudo .venv/bin/python benchmarks/size_harness/harness.py [--cases a,b] [--work DIR] [--json out.json]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from rootfs import make_rootfs

BASES = {"debian:bookworm": "rootfs-bookworm", "debian:12": "rootfs-bookworm",
         "debian:bookworm-slim": "rootfs-bookworm-slim", "debian:12-slim": "rootfs-bookworm-slim"}
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA_DIR = "/mnt"  # empty in the base images: the host's CA bundle is bind-mounted here during RUN


# --------------------------------------------------------------------------- measuring a layer


@dataclass
class Measured:
    size: int
    compressed: int
    files: dict[str, int]  # changed or new non-directory entries -> bytes
    deleted: set[str]  # whiteouts and opaque directories (paths hidden below this layer)
    seconds: float = 0.0


def _lower_path(lowers: list[Path], rel: str) -> Path | None:
    for lower in lowers:  # topmost first
        path = lower / rel
        if os.path.lexists(path):
            return path
        parts = rel.split("/")
        for k in range(1, len(parts)):  # a whiteout of an ancestor hides it
            if _is_whiteout(lower / "/".join(parts[:k])):
                return None
    return None


def _is_whiteout(path: Path) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISCHR(info.st_mode) and info.st_rdev == 0


def _same(upper: Path, lower: Path) -> bool:
    a, b = upper.lstat(), lower.lstat()
    if (a.st_mode, a.st_uid, a.st_gid, a.st_size, a.st_mtime_ns) != (b.st_mode, b.st_uid, b.st_gid, b.st_size, b.st_mtime_ns):
        return False
    if stat.S_ISLNK(a.st_mode):
        return os.readlink(upper) == os.readlink(lower)
    return filecmp.cmp(upper, lower, shallow=False)


def measure(upper: Path, lowers: list[Path]) -> Measured:
    from measure_compression import Stream

    files: dict[str, int] = {}
    deleted: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stream = Stream()
    for dirpath, dirnames, filenames in os.walk(upper):
        dirnames.sort()
        base = Path(dirpath)
        rel_dir = base.relative_to(upper).as_posix()
        if rel_dir != "." and _is_opaque(base):
            deleted.add(rel_dir)
        for name in sorted(filenames) + [d for d in dirnames if (base / d).is_symlink()]:
            path = base / name
            rel = path.relative_to(upper).as_posix()
            info = path.lstat()
            if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
                deleted.add(rel)
                continue
            lower = _lower_path(lowers, rel)
            if lower is not None and not lower.is_dir() and _same(path, lower):
                continue  # copied up, not changed
            if stat.S_ISLNK(info.st_mode):
                files[rel] = len(os.fsencode(os.readlink(path)))
            elif stat.S_ISREG(info.st_mode):
                key = (info.st_dev, info.st_ino)
                files[rel] = 0 if key in seen else info.st_size
                seen.add(key)
            else:
                files[rel] = 0
            stream.add(path, rel)
        for name in dirnames:
            if not (base / name).is_symlink():
                stream.add(base / name, (base / name).relative_to(upper).as_posix())
    _, gz = stream.close()
    return Measured(sum(files.values()), gz, files, deleted)


def _is_opaque(path: Path) -> bool:
    """An opaque directory hides everything below it in the lower layers."""
    try:
        return os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
    except OSError:
        return False


def tree_size(root: Path) -> int:
    seen: set[tuple[int, int]] = set()
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            info = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISLNK(info.st_mode):
                total += len(os.readlink(os.path.join(dirpath, name)))
            elif stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_size
    return total


# --------------------------------------------------------------------------- building


@dataclass
class Layer:
    line: int
    keyword: str
    text: str
    upper: Path
    measured: Measured | None = None
    index: int = 0  # instruction index


@dataclass
class Image:
    base: Path  # the root file system (or an empty dir for scratch)
    layers: list[Layer] = field(default_factory=list)

    def lowers(self) -> list[Path]:
        """Topmost first, as overlayfs wants them."""
        return [layer.upper for layer in reversed(self.layers)] + [self.base]


class Mounted:
    """An overlay of ``lowers`` with a writable ``upper``, merged at ``work/merged``."""

    def __init__(self, lowers: list[Path], upper: Path | None, work: Path) -> None:
        self.lowers, self.upper, self.work = lowers, upper, work
        self.merged = work / "merged"
        self.mounts: list[Path] = []

    def __enter__(self) -> Path:
        scratch = self.work / "ovl-work"
        for d in (self.merged, scratch):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
        lowerdir = ":".join(str(p) for p in self.lowers)
        if self.upper is None:
            options = f"lowerdir={lowerdir}" if len(self.lowers) > 1 else None
            if options is None:  # a single lower cannot be mounted read-only by overlayfs: bind it
                subprocess.run(["mount", "--bind", "-o", "ro", str(self.lowers[0]), str(self.merged)], check=True)
            else:
                subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(self.merged)], check=True)
        else:
            self.upper.mkdir(parents=True, exist_ok=True)
            subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                            f"lowerdir={lowerdir},upperdir={self.upper},workdir={scratch}", str(self.merged)], check=True)
        self.mounts.append(self.merged)
        return self.merged

    def bind(self, source: str, target: str, readonly: bool = True) -> None:
        path = self.merged / target.lstrip("/")
        subprocess.run(["mount", "--bind", source, str(path)], check=True)
        self.mounts.append(path)

    def __exit__(self, *exc: object) -> None:
        for path in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(path)], check=False)
        self.mounts.clear()


class Builder:
    """Builds one case's stages, in file order, layer by layer."""

    def __init__(self, case: Path, context: Path, work: Path, roots: dict[str, Path]) -> None:
        from layerlint.build import analyze
        from layerlint.ledger import build_ledger
        from layerlint.parse import parse
        from layerlint.source import read_source

        self.case, self.context, self.work, self.roots = case, context, work, roots
        self.source = read_source(str(context / "Dockerfile"))
        self.build = analyze(parse(self.source))
        self.book = build_ledger(self.build)
        self.images: dict[int, Image] = {}
        self.counter = 0
        from layerlint.dockerignore import DockerIgnore

        self.ignore = DockerIgnore.for_build(str(context), str(context / "Dockerfile"))

    def run(self) -> dict[int, Image]:
        target = self.build.target_stage
        assert target is not None
        for stage in self.build.stages:
            if not stage.reaches_target:
                continue
            self.images[stage.index] = self.stage(stage)
        return self.images

    def stage(self, stage) -> Image:  # type: ignore[no-untyped-def]
        if stage.base_stage is not None:
            parent = self.images[stage.base_stage]
            image = Image(parent.base, list(parent.layers))
        elif stage.base_expanded.lower() == "scratch":
            empty = self.work / "scratch"
            empty.mkdir(exist_ok=True)
            image = Image(empty)
        else:
            image = Image(self.roots[BASES[stage.base_expanded.lower()]])
        for ins in stage.instructions[1:]:
            if ins.keyword not in ("RUN", "COPY", "ADD", "WORKDIR"):
                continue
            self.counter += 1
            upper = self.work / "layers" / f"{self.counter:03d}"
            shutil.rmtree(upper, ignore_errors=True)
            line = self.source.position(ins.span.start).line
            layer = Layer(line, ins.keyword, self.source.slice(ins.span).split("\n", 1)[0], upper, index=ins.index)
            started = time.monotonic()
            lowers = image.lowers()
            with Mounted(lowers, upper, self.work) as merged:
                self._apply(ins, merged, image)
            layer.measured = measure(upper, lowers)
            layer.measured.seconds = time.monotonic() - started
            image.layers.append(layer)
        return image

    # -- instructions

    def _apply(self, ins, merged: Path, image: Image) -> None:  # type: ignore[no-untyped-def]
        state = self.book.state(ins)
        if ins.keyword == "WORKDIR":
            from layerlint.expand import process_word
            from layerlint.ledger import join

            path = join(state.workdir, process_word(ins.args[0].raw, state.env, self.build.dockerfile.escape))
            (merged / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif ins.keyword == "RUN":
            self._run(ins, merged, state)
        else:
            self._copy(ins, merged, state)

    def _run(self, ins, merged: Path, state) -> None:  # type: ignore[no-untyped-def]
        env = {"PATH": DEFAULT_PATH, "HOME": state.home, **dict(state.env)}
        ca = "/etc/ssl/certs/ca-certificates.crt"
        env.update({"PIP_CERT": f"{CA_DIR}/ca.crt", "REQUESTS_CA_BUNDLE": f"{CA_DIR}/ca.crt",
                    "NODE_EXTRA_CA_CERTS": f"{CA_DIR}/ca.crt", "SSL_CERT_FILE": f"{CA_DIR}/ca.crt",
                    "npm_config_cafile": f"{CA_DIR}/ca.crt", "CURL_CA_BUNDLE": f"{CA_DIR}/ca.crt"})
        cadir = self.work / "ca"
        cadir.mkdir(exist_ok=True)
        shutil.copy(ca, cadir / "ca.crt")
        workdir = merged / state.workdir.lstrip("/")
        workdir.mkdir(parents=True, exist_ok=True)
        binds = [("/proc", "proc"), ("/dev", "dev"), (str(cadir), CA_DIR), ("/etc/resolv.conf", "etc/resolv.conf")]
        cache_dirs = []
        for flag in ins.flags_named("mount"):
            opts = dict((kv.split("=", 1) + [""])[:2] for kv in (flag.value or "").split(","))
            if opts.get("type") == "cache":
                host = self.work / "cache-mounts" / opts["target"].strip("/").replace("/", "_")
                host.mkdir(parents=True, exist_ok=True)
                (merged / opts["target"].lstrip("/")).mkdir(parents=True, exist_ok=True)
                binds.append((str(host), opts["target"].lstrip("/")))
                cache_dirs.append(host)
        mounted: list[Path] = []
        try:
            for source, target in binds:
                path = merged / target.lstrip("/")
                if not path.exists():
                    path.touch() if Path(source).is_file() else path.mkdir(parents=True)
                subprocess.run(["mount", "--bind", source, str(path)], check=True)
                mounted.append(path)
            argv = ["/bin/sh", "-c", ins.command.text] if not ins.exec_form else [w.value for w in ins.args]
            user = state.user if state.user not in ("", "root", "0") else None
            command = ["chroot"] + ([f"--userspec={user}"] if user else []) + [str(merged), "/usr/bin/env",
                                                                              f"--chdir={state.workdir}"] + argv
            done = subprocess.run(["env", "-i", *(f"{k}={v}" for k, v in env.items()), *command],
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"RUN failed ({done.returncode}): {ins.command.text[:120]}\n{done.stderr[-2000:]}")
        finally:
            for path in reversed(mounted):
                subprocess.run(["umount", "-l", str(path)], check=False)

    def _copy(self, ins, merged: Path, state) -> None:  # type: ignore[no-untyped-def]
        from layerlint.ledger import join

        words = [w.value for w in ins.args]
        *sources, dest = words
        dest_path = join(state.workdir, dest)
        multi = dest.endswith("/") or len(sources) > 1
        from_flag = ins.flag("from")
        chown = ins.flag("chown")
        written: list[Path] = []
        if from_flag is not None:
            stage = self.build.stage_named(from_flag.value)
            image = self.images[stage.index]
            with Mounted(image.lowers(), None, self.work / "from") as root:
                for src in sources:
                    written += self._copy_one(root, src, merged, dest_path, multi, ignore=False, add=False)
        else:
            for src in sources:
                if src.startswith("<<"):
                    doc = next(h for h in ins.heredocs if h.name == src.lstrip("<-").strip("\"'"))
                    target = merged / dest_path.lstrip("/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(doc.text)
                    written.append(target)
                    continue
                written += self._copy_one(self.context, src, merged, dest_path, multi, ignore=True,
                                          add=ins.keyword == "ADD")
        if chown is not None:
            user, _, group = chown.value.partition(":")
            ids = subprocess.run(["chroot", str(merged), "sh", "-c", f"id -u {user}; getent group {group or user} | cut -d: -f3"],
                                 capture_output=True, text=True, check=True).stdout.split()
            for path in written:
                for p in [path, *path.rglob("*")] if path.is_dir() else [path]:
                    os.lchown(p, int(ids[0]), int(ids[1] if len(ids) > 1 else ids[0]))

    def _copy_one(self, root: Path, src: str, merged: Path, dest: str, multi: bool, ignore: bool, add: bool) -> list[Path]:
        rel = os.path.normpath(src.lstrip("/")) if src not in (".", "./", "/") else ""
        if any(c in rel for c in "*?["):
            matches = sorted(p for p in root.glob(rel) if not (ignore and self._ignored(p, root)))
            multi = True
        else:
            matches = [root / rel] if rel else [root]
        out = []
        for match in matches:
            if not os.path.lexists(match):
                raise RuntimeError(f"COPY source not found: {src}")
            if match.is_dir() and not match.is_symlink():
                target = merged / dest.lstrip("/")
                target.mkdir(parents=True, exist_ok=True)
                self._copy_tree(match, target, root, ignore)
                out.append(target)
            elif add and tarfile.is_tarfile(match):
                target = merged / dest.lstrip("/")
                target.mkdir(parents=True, exist_ok=True)
                with tarfile.open(match) as archive:
                    archive.extractall(target, filter="tar")
                out.append(target)
            else:
                target = merged / dest.lstrip("/")
                if multi or target.is_dir():
                    target = target / match.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(match, target, follow_symlinks=True)
                out.append(target)
        return out

    def _ignored(self, path: Path, root: Path) -> bool:
        rel = path.relative_to(root).as_posix()
        return bool(rel) and self.ignore.matches(rel)

    def _copy_tree(self, source: Path, target: Path, root: Path, ignore: bool) -> None:
        for dirpath, dirnames, filenames in os.walk(source):
            base = Path(dirpath)
            if ignore:
                dirnames[:] = [d for d in dirnames if not self._ignored(base / d, root)]
            out = target / base.relative_to(source)
            out.mkdir(parents=True, exist_ok=True)
            for name in filenames:
                if ignore and self._ignored(base / name, root):
                    continue
                shutil.copy2(base / name, out / name, follow_symlinks=False)


# --------------------------------------------------------------------------- cases


def make_context(case: Path, target: Path) -> None:
    """Copy the case and generate the files ``context.json`` describes (deterministic)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(case, target, ignore=shutil.ignore_patterns("context.json", "expect.json"))
    spec_file = case / "context.json"
    if not spec_file.exists():
        return
    spec = json.loads(spec_file.read_text())
    rng = random.Random(case.name)
    words = ["layer", "image", "build", "cache", "size", "context", "docker", "file", "stage", "copy", "run", "apt", "pip", "npm"]
    for rel, what in spec.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if "text" in what:
            path.write_text(what["text"])
        elif what.get("kind") == "random":
            path.write_bytes(rng.randbytes(what["bytes"]))
        elif what.get("kind") == "tar":
            members = what["members"]
            with tarfile.open(path, "w:gz") as archive:
                for name, size in members.items():
                    data = rng.randbytes(size)
                    info = tarfile.TarInfo(name)
                    info.size = size
                    import io

                    archive.addfile(info, io.BytesIO(data))
        else:  # text-like
            out, n = [], 0
            while n < what["bytes"]:
                line = " ".join(rng.choice(words) for _ in range(10)) + "\n"
                out.append(line)
                n += len(line)
            path.write_text("".join(out)[: what["bytes"]])


def wasted_truth(image: Image) -> tuple[int, dict[int, int]]:
    """Bytes of each layer that a later layer of the image replaces or deletes."""
    per: dict[int, int] = {}
    for i, layer in enumerate(image.layers):
        later = image.layers[i + 1:]
        total = 0
        for rel, size in layer.measured.files.items():  # type: ignore[union-attr]
            for other in later:
                m = other.measured
                if rel in m.files or any(rel == d or rel.startswith(d + "/") for d in m.deleted):  # type: ignore[union-attr]
                    total += size
                    break
        per[layer.index] = total
    return sum(per.values()), per


@dataclass
class CaseResult:
    """One case: what the build measured, and (after ``compare``) what layerlint predicted."""

    name: str
    rows: list[dict]
    image_measured: int
    image_measured_compressed: int
    wasted_measured: int
    deliberate_waste: bool
    seconds: float
    image_predicted: dict = field(default_factory=dict)
    image_predicted_compressed: dict = field(default_factory=dict)
    wasted_predicted: dict = field(default_factory=dict)
    error: str | None = None


def predict(context: Path):  # type: ignore[no-untyped-def]
    from layerlint.build import analyze
    from layerlint.estimate import estimate_build
    from layerlint.parse import parse
    from layerlint.source import read_source

    source = read_source(str(context / "Dockerfile"))
    build = analyze(parse(source))
    return build, estimate_build(build, str(context), dockerfile_path=str(context / "Dockerfile"))


def run_case(case: Path, work: Path, roots: dict[str, Path]) -> CaseResult:
    """Build one case and measure every layer (no prediction yet)."""
    started = time.monotonic()
    context = work / "ctx" / case.name
    make_context(case, context)
    build_work = work / "build" / case.name
    shutil.rmtree(build_work, ignore_errors=True)
    build_work.mkdir(parents=True)
    expect = json.loads((case / "expect.json").read_text()) if (case / "expect.json").exists() else {}
    builder = Builder(case, context, build_work, roots)
    images = builder.run()
    target = builder.build.target_stage
    image = images[target.index]
    base_size, base_packed = roots_sizes[str(image.base)]
    rows = []
    for index, img in images.items():
        for layer in img.layers:
            if any(r["index"] == layer.index for r in rows):
                continue
            rows.append({
                "stage": index, "index": layer.index, "line": layer.line, "text": layer.text[:70],
                "measured": layer.measured.size, "measured_compressed": layer.measured.compressed,
                "in_image": any(layer is l2 for l2 in image.layers),
            })
    wasted_measured, _ = wasted_truth(image)
    shutil.rmtree(build_work, ignore_errors=True)
    return CaseResult(case.name, rows, base_size + sum(la.measured.size for la in image.layers),
                      base_packed + sum(la.measured.compressed for la in image.layers), wasted_measured,
                      bool(expect.get("waste")), time.monotonic() - started)


def compare(result: CaseResult, work: Path) -> CaseResult:
    """Attach layerlint's prediction (the context is regenerated, so stored results can be replayed)."""
    context = work / "ctx" / result.name
    case = HERE / "cases" / result.name
    make_context(case, context)
    result.deliberate_waste = (case / "expect.json").exists() and json.loads((case / "expect.json").read_text()).get("waste")
    build, estimate = predict(context)
    for row in result.rows:
        predicted = estimate.layers.get(row["index"])
        row["predicted"] = predicted.size.to_json(False) if predicted else None
        row["predicted_compressed"] = predicted.compressed.to_json(False) if predicted else None
        row["basis"] = predicted.basis if predicted else ""
    stage = estimate.stages[build.target_stage.index]
    result.image_predicted = stage.image.to_json(False)
    result.image_predicted_compressed = stage.image_compressed.to_json(False)
    result.wasted_predicted = estimate.wasted.to_json(False)
    return result


roots_sizes: dict[str, tuple[int, int]] = {}  # root -> (st_size sum, gzip'd tar bytes)


def _mb(n: int | None) -> str:
    return "   ?   " if n is None else f"{n / 1e6:8.2f}"


def _inside(r: dict | None, value: int) -> bool:
    return r is not None and r["low"] <= value and (r["high"] is None or value <= r["high"])


def report(results: list[CaseResult]) -> dict:
    inside = total_layers = unbounded = packed_inside = 0
    image_ok = packed_ok = 0
    waste_cases = waste_ok = 0
    errors: list[float] = []
    for res in results:
        print(f"\n== {res.name}  ({res.seconds:.0f} s)" + (f"  ERROR {res.error}" if res.error else ""))
        if res.error:
            continue
        print(f"   {'line':>4}  {'measured MB':>11}  {'low':>8} {'est':>8} {'high':>8}  ok  {'gz meas':>8} {'gz est':>8}"
              "  instruction")
        for row in res.rows:
            p = row["predicted"]
            ok = _inside(p, row["measured"])
            total_layers += 1
            inside += ok
            unbounded += p is not None and p["high"] is None
            pc = row["predicted_compressed"]
            packed_inside += _inside(pc, row["measured_compressed"])
            print(f"   {row['line']:>4}  {_mb(row['measured']):>11}  {_mb(p['low'] if p else None)} "
                  f"{_mb(p['estimate'] if p else None)} {_mb(p['high'] if p else None)}  {'ok' if ok else '--'}  "
                  f"{_mb(row['measured_compressed'])} {_mb(pc['estimate'] if pc else None)}  {row['text']}")
        pi = res.image_predicted
        err = (pi["estimate"] - res.image_measured) / res.image_measured
        errors.append(err)
        image_ok += abs(err) <= 0.10
        pc = res.image_predicted_compressed
        perr = (pc["estimate"] - res.image_measured_compressed) / res.image_measured_compressed
        packed_ok += abs(perr) <= 0.10
        print(f"   image: measured {_mb(res.image_measured)} MB, predicted {_mb(pi['estimate'])} MB "
              f"[{_mb(pi['low'])}, {_mb(pi['high'])}]  error {err:+.1%};  compressed: measured "
              f"{_mb(res.image_measured_compressed)} MB, predicted {_mb(pc['estimate'])} MB  error {perr:+.1%}")
        if res.deliberate_waste:
            waste_cases += 1
            wp = res.wasted_predicted["estimate"]
            werr = (wp - res.wasted_measured) / res.wasted_measured if res.wasted_measured else float("inf")
            waste_ok += abs(werr) <= 0.20
            print(f"   wasted: measured {_mb(res.wasted_measured)} MB, predicted {_mb(wp)} MB  error {werr:+.1%}")
        elif res.wasted_measured or res.wasted_predicted["estimate"]:
            print(f"   wasted: measured {_mb(res.wasted_measured)} MB, predicted {_mb(res.wasted_predicted['estimate'])} MB")
    built = [r for r in results if not r.error]
    n = max(1, len(built))
    errors.sort(key=abs)
    summary = {
        "cases": len(results), "built": len(built),
        "image_within_10pct": image_ok, "image_within_10pct_share": image_ok / n,
        "image_median_abs_error": abs(errors[len(errors) // 2]) if errors else None,
        "layers": total_layers, "layers_in_range": inside, "layers_in_range_share": inside / max(1, total_layers),
        "layers_unbounded": unbounded,
        "compressed_image_within_10pct": packed_ok, "compressed_layers_in_range": packed_inside,
        "waste_cases": waste_cases, "waste_within_20pct": waste_ok,
        "waste_within_20pct_share": waste_ok / max(1, waste_cases),
    }
    print("\n== summary")
    print(f"image total within ±10 %: {image_ok}/{len(built)} cases ({summary['image_within_10pct_share']:.0%};"
          f" goal ≥ 90 %); median |error| {summary['image_median_abs_error'] or 0:.1%}")
    print(f"layer range contains measured: {inside}/{total_layers} layers ({summary['layers_in_range_share']:.0%};"
          f" goal ≥ 85 %; {unbounded} ranges unbounded above)")
    print(f"wasted bytes within ±20 %: {waste_ok}/{waste_cases} deliberate-waste cases"
          f" ({summary['waste_within_20pct_share']:.0%}; goal: all)")
    print(f"compressed: image within ±10 %: {packed_ok}/{len(built)}; layer range contains measured:"
          f" {packed_inside}/{total_layers}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--work", default="/tmp/layerlint-size-harness")
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--json", help="write the per-case results here")
    parser.add_argument("--replay", help="compare again the measurements stored by an earlier --json run (no build)")
    args = parser.parse_args(argv)
    if args.replay:
        stored = json.loads(Path(args.replay).read_text())
        results = [CaseResult(**{k: v for k, v in c.items() if k in CaseResult.__dataclass_fields__})
                   for c in stored["cases"]]
        names = set(args.cases.split(",")) if args.cases else None
        results = [compare(r, Path(args.work)) if not r.error else r for r in results if names is None or r.name in names]
        report(results)
        return 0
    if os.geteuid() != 0:
        print("the harness needs root (overlayfs, chroot)", file=sys.stderr)
        return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    roots = {}
    for name, slim in (("rootfs-bookworm", False), ("rootfs-bookworm-slim", True)):
        root = make_rootfs("bookworm", work / name, slim)
        for mountpoint in ("etc/resolv.conf", "etc/hosts"):
            (root / mountpoint).touch(exist_ok=True)
        roots[name] = root
        roots_sizes[str(root)] = (tree_size(root), measure(root, []).compressed)
        print(f"{name}: {roots_sizes[str(root)][0]:,} bytes (st_size sum), {roots_sizes[str(root)][1]:,} gzip'd")
    names = args.cases.split(",") if args.cases else sorted(p.name for p in (HERE / "cases").iterdir() if p.is_dir())
    results = []
    for name in names:
        try:
            results.append(compare(run_case(HERE / "cases" / name, work, roots), work))
        except Exception as exc:  # noqa: BLE001 - report and go on with the other cases
            results.append(CaseResult(name, [], 0, 0, 0, False, 0.0, error=f"{type(exc).__name__}: {exc}"))
        res = results[-1]
        print(f"built {name}: {'error: ' + res.error[:300] if res.error else f'{len(res.rows)} layers'}", flush=True)
    if args.json and args.cases and Path(args.json).exists():  # merge: keep the other cases' measurements
        stored = json.loads(Path(args.json).read_text())["cases"]
        fresh = {r.name for r in results}
        kept = [CaseResult(**{k: v for k, v in c.items() if k in CaseResult.__dataclass_fields__})
                for c in stored if c["name"] not in fresh]
        results = sorted([compare(r, work) if not r.error else r for r in kept] + results, key=lambda r: r.name)
    summary = report(results)
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "cases": [r.__dict__ for r in results]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
