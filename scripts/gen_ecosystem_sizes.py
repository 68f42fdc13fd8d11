#!/usr/bin/env python3
"""Regenerate ``layerlint/data/ecosystems.json``: pip and npm package sizes, cache factors, apk.

pip: for each popular PyPI project the PyPI JSON API gives the latest version, its wheels and
``requires_dist``.  The wheel for CPython 3.12 on manylinux x86_64 (else a pure-Python one)
is measured without downloading it: HTTP range requests read the zip central directory,
which lists every file's uncompressed size.  Installed size = unpacked files + the .pyc pip
compiles (``.py`` bytes × the measured pyc factor).

npm: the registry document of each popular package gives version, dependencies and tarball;
this registry does not always carry ``dist.unpackedSize``, so the tarball is downloaded and
its members summed.

Factors measured on this machine (``--measure-caches``): .pyc bytes per .py byte from a
real ``pip install``; bytes pip leaves in its cache per wheel byte; bytes npm leaves in its
cache per installed byte.  apk: Alpine's index is not reachable from here, so only an
approximate per-package range is recorded, marked as such.

Usage:  python scripts/gen_ecosystem_sizes.py [--measure-caches]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "layerlint" / "data" / "ecosystems.json"
PYPI = "https://pypi.org/pypi/{}/json"
NPM = "https://registry.npmjs.org/{}/latest"
PYTHON_TAG = "cp312"

# Projects from the top of PyPI's download rankings plus the frameworks Dockerfiles install.
PIP_PACKAGES = ["boto3", "botocore", "urllib3", "requests", "setuptools", "certifi", "charset-normalizer", "idna", "typing-extensions", "python-dateutil", "s3transfer", "packaging", "six", "numpy", "pyyaml", "aiobotocore", "fsspec", "s3fs", "pip", "cryptography", "cffi", "pycparser", "pandas", "importlib-metadata", "zipp", "attrs", "pyasn1", "rsa", "click", "jmespath", "protobuf", "wheel", "platformdirs", "pydantic", "pydantic-core", "annotated-types", "markupsafe", "jinja2", "pytz", "filelock", "tomli", "pluggy", "pytest", "iniconfig", "exceptiongroup", "colorama", "wrapt", "google-api-core", "googleapis-common-protos", "grpcio", "grpcio-status", "google-auth", "cachetools", "pyasn1-modules", "requests-oauthlib", "oauthlib", "pyjwt", "sqlalchemy", "greenlet", "psutil", "pyarrow", "virtualenv", "distlib", "tqdm", "decorator", "jsonschema", "jsonschema-specifications", "referencing", "rpds-py", "httpx", "httpcore", "h11", "anyio", "sniffio", "aiohttp", "multidict", "yarl", "frozenlist", "aiosignal", "tzdata", "scipy", "pillow", "lxml", "werkzeug", "flask", "itsdangerous", "blinker", "docutils", "pygments", "rich", "markdown-it-py", "mdurl", "openpyxl", "et-xmlfile", "soupsieve", "beautifulsoup4", "tomlkit", "requests-toolbelt", "isodate", "pyparsing", "grpcio-tools", "google-cloud-storage", "google-cloud-core", "google-resumable-media", "google-crc32c", "proto-plus", "msgpack", "regex", "tenacity", "more-itertools", "fastapi", "starlette", "uvicorn", "gunicorn", "redis", "psycopg2-binary", "psycopg", "pymysql", "scikit-learn", "joblib", "threadpoolctl", "matplotlib", "kiwisolver", "fonttools", "cycler", "contourpy", "networkx", "sympy", "mpmath", "torch", "transformers", "tokenizers", "huggingface-hub", "safetensors", "openai", "tiktoken", "langchain", "django", "djangorestframework", "celery", "kombu", "billiard", "vine", "amqp", "azure-core", "azure-storage-blob", "msal", "paramiko", "bcrypt", "pynacl", "coverage", "black", "mypy", "mypy-extensions", "pathspec", "ruff", "sentry-sdk", "orjson", "ujson", "python-dotenv", "websocket-client", "websockets", "docker", "kubernetes", "opencv-python-headless", "polars", "duckdb", "boto3-stubs"]

NPM_PACKAGES = ["lodash", "react", "react-dom", "express", "axios", "chalk", "commander", "debug", "tslib", "typescript", "moment", "uuid", "semver", "dotenv", "yargs", "glob", "minimist", "fs-extra", "rxjs", "classnames", "prop-types", "body-parser", "cors", "jsonwebtoken", "bcrypt", "bcryptjs", "mongoose", "mysql2", "pg", "redis", "ioredis", "socket.io", "ws", "webpack", "webpack-cli", "babel-loader", "@babel/core", "@babel/preset-env", "@babel/runtime", "eslint", "prettier", "jest", "mocha", "chai", "sinon", "supertest", "nodemon", "ts-node", "@types/node", "@types/react", "next", "vue", "svelte", "vite", "esbuild", "rollup", "postcss", "autoprefixer", "tailwindcss", "sass", "less", "styled-components", "@emotion/react", "redux", "react-redux", "@reduxjs/toolkit", "react-router", "react-router-dom", "zod", "yup", "joi", "ajv", "date-fns", "dayjs", "luxon", "async", "bluebird", "underscore", "ramda", "immutable", "node-fetch", "cross-env", "rimraf", "mkdirp", "inquirer", "ora", "cheerio", "puppeteer", "jsdom", "nock", "passport", "helmet", "morgan", "compression", "cookie-parser", "express-session", "multer", "busboy", "formidable", "nodemailer", "winston", "pino", "log4js", "config", "graphql", "@apollo/client", "@apollo/server", "sequelize", "typeorm", "prisma", "@prisma/client", "knex", "sqlite3", "better-sqlite3", "mongodb", "aws-sdk", "@aws-sdk/client-s3", "firebase-admin", "stripe", "sharp", "jimp", "pdfkit", "xml2js", "js-yaml", "yaml", "handlebars", "ejs", "pug", "marked", "highlight.js", "qs", "lru-cache", "node-cache", "p-limit", "p-queue", "execa", "shelljs", "concurrently", "pm2", "husky", "lint-staged", "core-js", "regenerator-runtime", "@testing-library/react", "vitest", "@playwright/test", "playwright", "@nestjs/core", "@nestjs/common", "reflect-metadata", "class-validator", "koa", "fastify", "hono", "@angular/core", "zone.js"]

# Alpine's APKINDEX cannot be fetched from here; this is a stated assumption, not a measurement.
APK_DEFAULT = {
    "per_package_bytes": [100_000, 5_000_000],
    "approximate": True,
    "basis": "no Alpine index reachable when generated; typical runtime packages (docs and headers split "
             "into -doc/-dev subpackages) assumed 0.1-5 MB each",
}


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


class RangeFile(io.RawIOBase):
    """Seekable read-only view of a remote file through HTTP range requests (zip directory reads)."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size, self.pos = url, size, 0
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self.pos + n)
        if end <= self.pos:
            return b""
        request = urllib.request.Request(self.url, headers={"Range": f"bytes={self.pos}-{end - 1}"})
        with urllib.request.urlopen(request, timeout=120) as response:
            data = response.read()
        self.requests += 1
        self.pos += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def pick_wheel(files: list[dict]) -> dict | None:
    """The file pip would install on CPython 3.12, linux x86_64 (or a pure-Python wheel)."""
    wheels = [f for f in files if f["packagetype"] == "bdist_wheel"]

    def score(f: dict) -> int:
        name = f["filename"]
        if "manylinux" in name and "x86_64" in name and re.search(rf"-({PYTHON_TAG}|abi3|none)-", name):
            return 3 if f"-{PYTHON_TAG}-" in name else 2
        if name.endswith("-none-any.whl"):
            return 1
        return 0

    ranked = sorted((w for w in wheels if score(w) > 0), key=score, reverse=True)
    return ranked[0] if ranked else None


def requirement_names(requires: list[str] | None) -> list[str]:
    """Unconditional dependencies (no ``extra ==`` marker), PEP 503-normalized."""
    names = []
    for requirement in requires or ():
        if "extra ==" in requirement.replace("extra==", "extra =="):
            continue
        name = re.match(r"[A-Za-z0-9._-]+", requirement)
        if name:
            names.append(re.sub(r"[-_.]+", "-", name.group(0)).lower())
    return sorted(set(names))


def pip_entry(name: str) -> tuple[str, dict | None]:
    try:
        data = get_json(PYPI.format(name))
    except Exception as error:  # noqa: BLE001 - report and continue with the rest
        print(f"pip {name}: {error}", file=sys.stderr)
        return name, None
    wheel = pick_wheel(data["urls"])
    entry: dict[str, object] = {
        "version": data["info"]["version"],
        "requires": requirement_names(data["info"].get("requires_dist")),
    }
    if wheel is None:
        sdist = next((f for f in data["urls"] if f["packagetype"] == "sdist"), None)
        entry.update({"wheel": None, "download_bytes": sdist["size"] if sdist else None,
                      "unpacked_bytes": None, "py_bytes": None, "files": None})
        return name, entry
    url = urllib.parse.urljoin(PYPI.format(name), wheel["url"])  # mirrors may answer relative URLs
    with zipfile.ZipFile(RangeFile(url, wheel["size"])) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    entry.update({
        "wheel": wheel["filename"],
        "download_bytes": wheel["size"],
        "unpacked_bytes": sum(i.file_size for i in infos),
        "py_bytes": sum(i.file_size for i in infos if i.filename.endswith(".py")),
        "files": len(infos),
    })
    return name, entry


def npm_entry(name: str) -> tuple[str, dict | None]:
    try:
        data = get_json(NPM.format(name.replace("/", "%2F")))
        url = urllib.parse.urljoin(NPM.format(name), data["dist"]["tarball"])
        with urllib.request.urlopen(url, timeout=120) as response:
            tarball = response.read()
    except Exception as error:  # noqa: BLE001
        print(f"npm {name}: {error}", file=sys.stderr)
        return name, None
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
    return name, {
        "version": data["version"],
        "requires": sorted(data.get("dependencies") or {}),
        "tarball_bytes": len(tarball),
        "unpacked_bytes": data["dist"].get("unpackedSize") or sum(m.size for m in members),
        "files": data["dist"].get("fileCount") or len(members),
    }


def du(path: Path, suffix: str | None = None) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and (suffix is None or p.name.endswith(suffix)))


def measure_caches(sample_pip: list[str], sample_npm: list[str]) -> dict[str, object]:
    """pyc factor, pip cache and npm cache, from real installs into temporary directories."""
    # Plain PyPI as in a Docker build: no site configuration, local wheel folders or no-cache settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        target, cache = root / "site", root / "pip-cache"
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                        "--cache-dir", str(cache), *sample_pip], check=True, env=env)
        # pip --target does not compile; compile as a pip install into site-packages does.
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(target)], check=True)
        py, pyc = du(target, ".py"), du(target, ".pyc")
        download = root / "wheels"
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(download),
                        "--cache-dir", str(root / "unused-cache"), *sample_pip], check=True, env=env)
        wheels = du(download)
        pip_cache = du(cache)
        project = root / "npm-project"
        project.mkdir()
        npm_cache = root / "npm-cache"
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--cache", str(npm_cache),
                        "--prefix", str(project), *sample_npm], check=True, env={**os.environ, "CI": "1"})
        node_modules = du(project / "node_modules")
        npm_cached = du(npm_cache)
    # pip's HTTP cache keeps what the server marks cacheable (PyPI's files are); a proxy without
    # cache headers leaves nothing, which says nothing about a real build: record "not measured".
    pip_factor = round(pip_cache / wheels, 3) if pip_cache > wheels / 10 else None
    return {
        "pyc_per_py_byte": round(pyc / py, 3),
        "pip_cache_per_wheel_byte": pip_factor,
        "pip_cache_note": "measured" if pip_factor else (
            f"not measurable here: the PyPI proxy sent no cache headers ({pip_cache} bytes cached for "
            f"{wheels} bytes of wheels); pip's HTTP cache keeps each downloaded file, assume 1.0"),
        "npm_cache_per_installed_byte": round(npm_cached / node_modules, 3),
        "sample": {"pip": sample_pip, "npm": sample_npm, "py_bytes": py, "pyc_bytes": pyc, "wheel_bytes": wheels,
                   "pip_cache_bytes": pip_cache, "node_modules_bytes": node_modules, "npm_cache_bytes": npm_cached},
        "python": sys.version.split()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--measure-caches", action="store_true")
    args = parser.parse_args(argv)
    with ThreadPoolExecutor(max_workers=8) as pool:
        pip = dict(pool.map(pip_entry, PIP_PACKAGES))
        npm = dict(pool.map(npm_entry, NPM_PACKAGES))
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    factors = (measure_caches(["requests", "urllib3", "click", "jinja2", "pydantic", "rich"],
                              ["express", "lodash", "axios"])
               if args.measure_caches else previous.get("factors"))
    table = {
        "meta": {
            "generated": os.environ.get("SOURCE_DATE") or _dt.date.today().isoformat(),
            "sources": {"pip": "PyPI JSON API (https://pypi.org/pypi/<name>/json) + wheel zip directories",
                        "npm": "npm registry documents (https://registry.npmjs.org/<name>/latest) + tarballs"},
            "python_tag": PYTHON_TAG, "platform": "manylinux x86_64",
        },
        "factors": factors,
        "pip": {k: v for k, v in sorted(pip.items()) if v is not None},
        "npm": {k: v for k, v in sorted(npm.items()) if v is not None},
        "apk": APK_DEFAULT,
    }
    args.out.write_text(json.dumps(table, indent=0, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {args.out}: {len(table['pip'])} pip, {len(table['npm'])} npm", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
