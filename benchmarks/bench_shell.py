"""Print microseconds per ``parse_script`` (and per ``package_ops``) for typical RUN commands.

Run: ``.venv/bin/python benchmarks/bench_shell.py``.  Not a test: figures depend on the machine.
"""

from __future__ import annotations

import time
import timeit

CASES = {
    "apt-get && rm": "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates"
    " && rm -rf /var/lib/apt/lists/*",
    "pip install": "pip install --no-cache-dir -r requirements.txt && python -m pip check",
    "curl | tar + sh -c": "set -eux; curl -fsSL https://example.com/tool-1.2.tar.gz | tar -xz -C /usr/local/bin"
    " && sh -c 'chmod +x /usr/local/bin/tool && tool --version'",
}


def main() -> None:
    started = time.perf_counter()
    from layerlint.pkgfacts import package_ops
    from layerlint.shell import parse_script

    parse_script("true")  # builds the tree-sitter parser once
    print(f"import + first parse: {(time.perf_counter() - started) * 1e3:.1f} ms")
    for label, text in CASES.items():
        number = 2000
        parse = min(timeit.repeat(lambda t=text: parse_script(t), number=number, repeat=5)) / number
        both = min(timeit.repeat(lambda t=text: package_ops(parse_script(t)), number=number, repeat=5)) / number
        print(f"{label:20s} parse {parse * 1e6:6.1f} µs   parse+package_ops {both * 1e6:6.1f} µs")


if __name__ == "__main__":
    main()
