"""Render ``layerlint layers --format html`` to a PNG with headless Chromium, for review.

    .venv/bin/python benchmarks/render_html_report.py [DOCKERFILE] [--out report.png] [--width 1400]

Writes the HTML next to the PNG (``report.html``) and prints both paths and how long the
render took.  Needs Debian's ``chromium`` package (``apt-get install -y chromium``); the page
itself loads nothing from the network, and Chromium is started with its background
networking switched off.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("dockerfile", nargs="?", default=str(ROOT / "examples" / "Dockerfile"))
    parser.add_argument("--out", default="report.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=0, help="viewport height (default: fit the page, estimated)")
    parser.add_argument("--context", help="build context (default: the Dockerfile's folder)")
    args = parser.parse_args(argv)
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        print("chromium not found: apt-get install -y chromium", file=sys.stderr)
        return 2
    png = Path(args.out).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    html = png.with_suffix(".html")
    sys.path.insert(0, str(ROOT))
    from layerlint.commands.layers import run

    # The command's own entry point, called directly: the same as `layerlint layers --format html`.
    layers = argparse.Namespace(path=args.dockerfile, format="html", output_file=str(html), no_color=True,
                                context=args.context, platform=None, target=None, builder=None, build_arg=[],
                                config=None, isolated=True)
    if run(layers) != 0:
        return 1
    text = html.read_text(encoding="utf-8")
    height = args.height or max(900, 300 + 50 * text.count("<tr>") + 150 * text.count('class="stage') + 34 * text.count(
        'class="finding"'))
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={args.width},{height}",
                        f"--screenshot={png}", html.as_uri()], check=True, capture_output=True, timeout=120)
    print(f"{html}\n{png}  ({args.width}x{height}, {time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
