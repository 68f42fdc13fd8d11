#!/usr/bin/env python3
"""Regenerate ``layerlint/data/spdx-license-ids.txt``: the SPDX license identifiers.

The label-schema rule checks that a label typed ``spdx`` holds an SPDX license expression.
The identifiers come from the npm package ``spdx-license-ids`` (CC0-1.0), which republishes
the SPDX License List: ``index.json`` (current ids) and ``deprecated.json`` (ids SPDX still
recognises but no longer recommends).  Both are kept: a deprecated id is still a valid id.

Usage:  python scripts/gen_spdx_ids.py
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import tarfile
import urllib.request
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "layerlint" / "data" / "spdx-license-ids.txt"
REGISTRY = "https://registry.npmjs.org/spdx-license-ids/latest"


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed https URLs
        return response.read()


def main() -> int:
    meta = json.loads(_get(REGISTRY))
    with tarfile.open(fileobj=io.BytesIO(_get(meta["dist"]["tarball"])), mode="r:gz") as tar:
        def member(name: str) -> list[str]:
            fh = tar.extractfile(f"package/{name}")
            assert fh is not None, name
            return list(json.load(fh))

        ids = sorted(set(member("index.json")) | set(member("deprecated.json")), key=str.lower)
    header = [
        "# SPDX license identifiers (current and deprecated), one per line.",
        f"# source: npm spdx-license-ids {meta['version']} (CC0-1.0), index.json + deprecated.json",
        f"# generated: {_dt.date.today().isoformat()} by scripts/gen_spdx_ids.py",
    ]
    OUT.write_text("\n".join(header + ids) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(ids)} identifiers)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
