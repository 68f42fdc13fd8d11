"""Diagnostic latency of `layerlint server` after an edit, debounce excluded.

Usage: python benchmarks/bench_lsp_latency.py [--lines 300] [--edits 60]

Starts the real server over stdio with ``--debounce-ms 0``, opens a generated multi-stage
Dockerfile of about ``--lines`` lines, then types ``--edits`` one-character edits, each
timed from sending ``textDocument/didChange`` to receiving the ``publishDiagnostics`` for
that version: the time an editor waits once the debounce has elapsed.  Also prints the
in-process lint time of the same text, the part of that latency spent linting.
Goal: median <= 30 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def dockerfile(lines: int) -> str:
    """A realistic file: stages with apt/pip RUNs, continuations, ENV/LABEL/COPY, a heredoc."""
    out = ["# syntax=docker/dockerfile:1", "ARG PYTHON=3.12"]
    stage = 0
    while len(out) < lines:
        out += [
            "",
            f"FROM python:${{PYTHON}}-slim AS stage{stage}",
            "ENV PIP_NO_CACHE_DIR=1 \\",
            "    PYTHONDONTWRITEBYTECODE=1",
            f'LABEL org.opencontainers.image.title="svc{stage}" version="1.{stage}"',
            "WORKDIR /src",
            "RUN apt-get update && apt-get install -y --no-install-recommends \\",
            "      build-essential curl ca-certificates git \\",
            "    && rm -rf /var/lib/apt/lists/*",
            "COPY requirements.txt .",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",
            "COPY . .",
            "RUN <<EOF",
            "set -eux",
            f"python -m compileall -q /src/pkg{stage}",
            "EOF",
            f"RUN useradd --create-home app{stage} && chown -R app{stage} /src",
            f"USER app{stage}",
            "EXPOSE 8000",
            'HEALTHCHECK CMD curl -fsS http://localhost:8000/health || exit 1',
            'CMD ["python", "-m", "app"]',
        ]
        stage += 1
    return "\n".join(out[:lines]) + "\n"


async def measure(text: str, edits: int) -> list[float]:
    from lsprotocol import types as t
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("bench", "1")
    received: dict[int, float] = {}
    arrived = asyncio.Event()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: t.PublishDiagnosticsParams) -> None:
        received[params.version or 0] = time.perf_counter()
        arrived.set()

    async def wait_for(version: int) -> float:
        while version not in received:
            arrived.clear()
            await asyncio.wait_for(arrived.wait(), timeout=30)
        return received[version]

    await client.start_io(sys.executable, "-m", "layerlint.server", "--debounce-ms", "0", cwd=str(REPO))
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(), process_id=None))
    client.initialized(t.InitializedParams())
    uri = (REPO / "bench.Dockerfile").as_uri()
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=text))
    )
    await wait_for(1)
    target = text.splitlines().index("EXPOSE 8000")
    latencies = []
    for n in range(edits):
        version = n + 2
        # type a digit after "EXPOSE 8000", then delete it: the document alternates between two texts
        if n % 2 == 0:
            change = t.TextDocumentContentChangePartial(
                range=t.Range(start=t.Position(line=target, character=11), end=t.Position(line=target, character=11)), text="1"
            )
        else:
            change = t.TextDocumentContentChangePartial(
                range=t.Range(start=t.Position(line=target, character=11), end=t.Position(line=target, character=12)), text=""
            )
        sent = time.perf_counter()
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]
            )
        )
        latencies.append((await wait_for(version)) - sent)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return latencies


def lint_only(text: str, runs: int) -> list[float]:
    from layerlint.server import lint_text
    from layerlint.settings import Settings

    lint_text("Dockerfile", text, Settings())  # warm: check modules imported, catalog loaded
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        lint_text("Dockerfile", text, Settings())
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--edits", type=int, default=60)
    args = parser.parse_args()
    text = dockerfile(args.lines)
    latencies = sorted(asyncio.run(measure(text, args.edits)))
    lint = sorted(lint_only(text, args.edits))
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    ms = 1000.0
    print(
        f"diagnostics after an edit, {len(text.splitlines())}-line Dockerfile, debounce excluded: "
        f"median {statistics.median(latencies) * ms:.1f} ms, p95 {p95 * ms:.1f} ms, min {latencies[0] * ms:.1f} ms "
        f"({args.edits} edits; goal <= 30 ms)"
    )
    print(
        f"of which linting (in-process lint_text): median {statistics.median(lint) * ms:.1f} ms, min {lint[0] * ms:.1f} ms; "
        f"server and transport overhead (min minus min): {(latencies[0] - lint[0]) * ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
