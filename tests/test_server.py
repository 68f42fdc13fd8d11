"""The language server: pure helpers in-process, then the real server driven over stdio by pytest-lsp.

The protocol tests start ``python -m layerlint.server`` once per module (pygls import costs
~0.5 s) and talk to it as VS Code would (its recorded client capabilities: UTF-16 positions,
versioned workspace edits, dynamic file-watch registration).  They assert only on the syntax
rules (LL001/LL002), so rules added later cannot break them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from layerlint import server
from layerlint.engine import lint_source, make_finding
from layerlint.fix import apply_edits
from layerlint.rule import Edit, Fix, Hit, Safety
from layerlint.server import PositionMap, SettingsCache
from layerlint.settings import Settings
from layerlint.source import SourceFile, Span

HAVE_LSP = all(importlib.util.find_spec(m) is not None for m in ("pygls", "lsprotocol", "pytest_lsp", "pytest_asyncio"))
REPO = Path(__file__).resolve().parents[1]


def lint(text: str, path: str = "Dockerfile"):  # type: ignore[no-untyped-def]
    return lint_source(SourceFile(path, text), Settings())


# --------------------------------------------------------------------------- positions


def test_utf16_positions_count_surrogate_pairs() -> None:
    text = 'LABEL a="😀x"\nRUN é\n'
    pm = PositionMap(text)
    x = text.index("x")
    assert pm.position(x) == (0, 11)  # the emoji is two UTF-16 code units
    assert pm.offset(0, 11) == x
    assert pm.offset(0, 10) == x  # inside the surrogate pair: the character after it
    assert pm.position(text.index("é") + 1) == (1, 5)
    assert PositionMap(text, "utf-8").position(x) == (0, 13)
    assert PositionMap(text, "utf-32").position(x) == (0, 10)
    for offset in range(len(text) + 1):
        line, char = pm.position(offset)
        if not (text[offset - 1 : offset] == "😀"[0]):
            assert pm.offset(line, char) == offset


def test_lsp_lines_end_at_crlf_and_lone_cr_and_clamp() -> None:
    text = "FROM a\r\nRUN b\rRUN c"
    pm = PositionMap(text)
    assert pm.position(text.index("RUN b")) == (1, 0)
    assert pm.position(text.index("RUN c")) == (2, 0)
    assert pm.offset(0, 99) == text.index("\r\n")  # past the end of a line: its end, not the next line
    assert pm.offset(9, 0) == len(text)
    assert pm.span(2, 4, 0, 0) == Span(0, text.index("c"))


# --------------------------------------------------------------------------- edits


def _finding(result, code: str = "LL002"):  # type: ignore[no-untyped-def]
    return next(f for f in result.findings if f.code == code)


def test_ignore_edit_matches_indentation_and_line_endings() -> None:
    text = "FROM alpine\r\n\t  COPY --owner=app . /app\r\n"
    result = lint(text)
    edit = server.ignore_edit(result, _finding(result))
    assert apply_edits(text, [edit]) == "FROM alpine\r\n\t  # layerlint: ignore=LL002\r\n\t  COPY --owner=app . /app\r\n"


def test_ignore_edit_extends_an_existing_ignore_comment() -> None:
    text = "FROM alpine\n# layerlint: ignore=LL301, LL302\nRUNN x\n"
    result = lint(text)
    edit = server.ignore_edit(result, _finding(result))
    assert apply_edits(text, [edit]) == "FROM alpine\n# layerlint: ignore=LL301,LL302,LL002\nRUNN x\n"
    already = lint("FROM alpine\n# layerlint: ignore=LL002\nRUNN x\n")
    if any(f.code == "LL002" for f in already.findings):  # suppression not applied by the engine yet
        assert server.ignore_edit(already, _finding(already)) is None


def test_fix_all_takes_safe_fixes_that_do_not_collide() -> None:
    source = SourceFile("Dockerfile", "FROM alpine\nRUN a b c d\n")

    def finding(start: int, end: int, text: str, safety: Safety = Safety.SAFE):  # type: ignore[no-untyped-def]
        fix = Fix("f", (Edit(Span(start, end), text),), safety)
        return make_finding(source, "LL002", Hit(Span(start, end), "m", fix))

    findings = [
        finding(16, 17, "A"),  # a
        finding(16, 19, "X"),  # "a b": overlaps the first, waits for the next pass
        finding(20, 21, "C", Safety.UNSAFE),  # unsafe: never in fix-all
        finding(22, 23, "D"),
        finding(23, 23, "!"),  # insertion right after d: no overlap with [22, 23)
    ]
    edits = server.fix_all_edits(findings)
    assert apply_edits(source.text, edits) == "FROM alpine\nRUN A b c D!\n"


def test_diagnostic_tags_follow_rule_names() -> None:
    assert server.diagnostic_tags("unused-suppression") == ("unnecessary",)
    assert server.diagnostic_tags("maintainer-instruction") == ("deprecated",)
    assert server.diagnostic_tags("apt-lists-left-in-layer") == ()


def test_hover_and_hints_describe_layers() -> None:
    text = "FROM debian:12 AS build\nENV A=1\nRUN echo 😀\nWORKDIR /x\n\nFROM build\nCOPY --from=build /a /b\n"
    result = lint(text)
    md, ins = server.hover_markdown(result, text.index("echo"))
    assert ins is not None and ins.keyword == "RUN"
    assert "creates filesystem layer 1 of stage `build`" in md
    assert "config only" in server.hover_markdown(result, text.index("A=1"))[0]
    assert "from stage `build`" in server.hover_markdown(result, text.index("FROM build"))[0]
    hints = server.layer_hints(result)
    # labels are "layer N · <size>"; the size part is the estimator's (tests/test_estimate_lsp.py)
    assert [(text[:offset].split("\n")[-1], label.split(" · ")[0]) for offset, label, _ in hints] == [
        ("RUN echo 😀", "layer 1"),
        ("WORKDIR /x", "layer 2"),
        ("COPY --from=build /a /b", "layer 1"),
    ]
    assert all(" · " in label for _, label, _ in hints)


def test_settings_are_reloaded_when_a_config_file_changes(tmp_path, monkeypatch) -> None:
    from layerlint import config

    calls: list[str] = []
    monkeypatch.setattr(config, "settings_for", lambda path, overrides, **kw: calls.append(path) or Settings(target=str(len(calls))))
    dockerfile = str(tmp_path / "app" / "Dockerfile")
    (tmp_path / "app").mkdir()
    cache = SettingsCache()
    assert cache.get(dockerfile).target == "1"
    assert cache.get(dockerfile).target == "1"  # unchanged: no second resolution
    (tmp_path / ".layerlint.yaml").write_text("ignore: [LL002]\n")
    assert cache.get(dockerfile).target == "2"
    os.utime(tmp_path / ".layerlint.yaml", ns=(1, 1))
    assert cache.get(dockerfile).target == "3"


def test_bad_configuration_is_reported_and_defaults_used(monkeypatch) -> None:
    from layerlint import config

    def broken(path, overrides, **kw):  # type: ignore[no-untyped-def]
        raise config.ConfigError(".layerlint.yaml:3: unknown key 'selcet'")

    monkeypatch.setattr(config, "settings_for", broken)
    reported: list[str] = []
    assert SettingsCache(report=reported.append).get("Dockerfile") == Settings()
    assert reported and "selcet" in reported[0]


# --------------------------------------------------------------------------- over stdio

REGISTRATIONS: list = []  # what the server asked the client to watch

if HAVE_LSP:
    import pytest_lsp
    from lsprotocol import types as t
    from pytest_lsp import ClientServerConfig, LanguageClient

    @pytest_lsp.fixture(
        scope="module",
        config=ClientServerConfig(
            server_command=[sys.executable, "-m", "layerlint.server", "--debounce-ms", "5"],
            server_env={**os.environ, "PYTHONPATH": str(REPO)},
        ),
    )
    async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
        params = t.InitializeParams(
            capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
            initialization_options={"debounce": 5},
        )
        @lsp_client.feature(t.CLIENT_REGISTER_CAPABILITY)
        def register(params: t.RegistrationParams) -> None:
            REGISTRATIONS.extend(params.registrations)

        await lsp_client.initialize_session(params)
        yield
        await lsp_client.shutdown_session()


_NEEDS_LSP = pytest.mark.skipif(not HAVE_LSP, reason="pygls, pytest-lsp and pytest-asyncio are needed (pip install '.[test,lsp]')")


def over_stdio(test):  # type: ignore[no-untyped-def]
    """An async test sharing the module's server (and event loop); skipped without the LSP packages."""
    return _NEEDS_LSP(pytest.mark.asyncio(loop_scope="module")(test) if HAVE_LSP else test)


DOCKERFILE = 'FROM alpine AS base\n  COPY --owner=app . /app\nCMD ["😀", ["b"]]\nRUN echo hi\n'


async def diagnostics_for(client, uri: str, send) -> None:  # type: ignore[no-untyped-def]
    """Send a notification and wait until the server publishes diagnostics for ``uri``."""
    import asyncio

    async def published() -> None:
        while uri not in client.diagnostics:
            await client.wait_for_notification(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    client.diagnostics.pop(uri, None)
    send()
    await asyncio.wait_for(published(), timeout=20)


async def open_document(client, name: str, text: str, tmp: Path):  # type: ignore[no-untyped-def]
    uri = (tmp / name).as_uri()
    item = t.TextDocumentItem(uri=uri, language_id="dockerfile", version=1, text=text)
    await diagnostics_for(client, uri, lambda: client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=item)))
    return uri


async def replace_text(client, uri: str, version: int, old: str, new: str, text: str) -> str:  # type: ignore[no-untyped-def]
    pm = PositionMap(text)
    start = text.index(old)
    (l1, c1), (l2, c2) = pm.position(start), pm.position(start + len(old))
    change = t.TextDocumentContentChangePartial(
        range=t.Range(start=t.Position(line=l1, character=c1), end=t.Position(line=l2, character=c2)), text=new
    )
    params = t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]
    )
    await diagnostics_for(client, uri, lambda: client.text_document_did_change(params))
    return text.replace(old, new, 1)


def by_code(client, uri: str, code: str):  # type: ignore[no-untyped-def]
    return [d for d in client.diagnostics[uri] if d.code == code]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return tmp_path_factory.mktemp("lsp")


@over_stdio
async def test_diagnostics_have_exact_utf16_ranges(client, workdir) -> None:  # type: ignore[no-untyped-def]
    uri = await open_document(client, "diag.Dockerfile", DOCKERFILE, workdir)
    (flag,) = by_code(client, uri, "LL002")
    assert flag.source == "layerlint" and flag.severity == t.DiagnosticSeverity.Error
    assert (flag.range.start.line, flag.range.start.character, flag.range.end.character) == (1, 7, 18)
    (array,) = by_code(client, uri, "LL001")
    # the line is 16 characters but 17 UTF-16 code units: the emoji counts twice
    assert (array.range.start.line, array.range.start.character, array.range.end.character) == (2, 4, 17)


@over_stdio
async def test_edits_relint_and_broken_text_keeps_other_diagnostics(client, workdir) -> None:  # type: ignore[no-untyped-def]
    uri = await open_document(client, "edit.Dockerfile", DOCKERFILE, workdir)
    text = await replace_text(client, uri, 2, "--owner", "--chown", DOCKERFILE)
    assert by_code(client, uri, "LL002") == []
    text = await replace_text(client, uri, 3, "RUN echo hi\n", 'RUN <<EOF\nCMD ["a', text)  # half-typed
    assert by_code(client, uri, "LL001"), "the unterminated heredoc / array is reported"
    text = await replace_text(client, uri, 4, "--chown", "--own", text)
    assert len(by_code(client, uri, "LL002")) == 1  # the rest of the file is still linted
    hover = await client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=0, character=1))
    )
    assert hover is not None and "starts stage `base`" in hover.contents.value


@over_stdio
async def test_ignore_quick_fix_and_fix_all(client, workdir) -> None:  # type: ignore[no-untyped-def]
    uri = await open_document(client, "actions.Dockerfile", DOCKERFILE, workdir)
    (diag,) = by_code(client, uri, "LL002")
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=diag.range,
            context=t.CodeActionContext(diagnostics=[diag]),
        )
    )
    titles = [a.title for a in actions]
    assert "Ignore LL002 for this instruction" in titles
    ignore = actions[titles.index("Ignore LL002 for this instruction")]
    assert ignore.kind == t.CodeActionKind.QuickFix and ignore.diagnostics[0].code == "LL002"
    (doc_edit,) = ignore.edit.document_changes
    (edit,) = doc_edit.edits
    assert doc_edit.text_document.version == 1
    assert (edit.range.start.line, edit.range.start.character, edit.range.end.character) == (1, 0, 0)
    assert edit.new_text == "  # layerlint: ignore=LL002\n"

    fix_all = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=t.Position(line=0, character=0), end=t.Position(line=0, character=0)),
            context=t.CodeActionContext(diagnostics=[], only=[t.CodeActionKind.SourceFixAll]),
        )
    )
    expected = server.fix_all_edits(lint(DOCKERFILE, str(workdir / "actions.Dockerfile")).findings)
    assert all(a.kind == server.FIX_ALL_KIND for a in fix_all)  # `only` filters out the quick fixes
    assert len(fix_all) == (1 if expected else 0)
    if expected:
        assert len(fix_all[0].edit.document_changes[0].edits) == len(expected)


@over_stdio
async def test_rule_fix_is_offered_as_a_quick_fix(client, workdir) -> None:  # type: ignore[no-untyped-def]
    from layerlint import catalog

    example = next(
        ((m, ex) for m in catalog.load().values() if m.fix != "none" for ex in m.examples if ex.get("bad") and ex.get("fixed")),
        None,
    )
    if example is None:
        pytest.skip("no rule with a fix in the catalog yet")
    meta, ex = example
    path = workdir / f"fix-{meta.id}.Dockerfile"
    fixed = [f for f in lint(ex["bad"], str(path)).findings if f.code == meta.id and f.fix is not None]
    if not fixed:
        pytest.skip(f"{meta.id}'s example needs options or files to fire")
    uri = await open_document(client, path.name, ex["bad"], workdir)
    pm = PositionMap(ex["bad"])
    (l1, c1), (l2, c2) = pm.position(fixed[0].span.start), pm.position(fixed[0].span.end)
    actions = await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=t.Position(line=l1, character=c1), end=t.Position(line=l2, character=c2)),
            context=t.CodeActionContext(diagnostics=[], only=[t.CodeActionKind.QuickFix]),
        )
    )
    fix = fixed[0].fix
    action = next(a for a in actions if a.title.startswith(fix.title) and meta.id in a.title)
    assert f"{fix.safety.value} fix" in action.title
    edits = action.edit.document_changes[0].edits
    assert [e.new_text for e in edits] == [e.text for e in fix.edits]


@over_stdio
async def test_inlay_hints_and_symbols(client, workdir) -> None:  # type: ignore[no-untyped-def]
    text = "FROM alpine AS build\nRUN echo 😀\nENV A=1\nCOPY a b\n\nFROM scratch\nCOPY --from=build /a /a\n"
    uri = await open_document(client, "hints.Dockerfile", text, workdir)
    hints = await client.text_document_inlay_hint_async(
        t.InlayHintParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=t.Position(line=0, character=0), end=t.Position(line=7, character=0)),
        )
    )
    assert [(h.position.line, h.position.character, h.label.split(" · ")[0]) for h in hints] == [
        (1, 11, "layer 1"),  # after "RUN echo 😀": 10 characters, 11 UTF-16 units
        (3, 8, "layer 2"),
        (6, 23, "layer 1"),
    ]
    symbols = await client.text_document_document_symbol_async(
        t.DocumentSymbolParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    assert [(s.name, s.detail, len(s.children)) for s in symbols] == [("build", "alpine", 4), ("stage 1", "scratch", 2)]
    assert symbols[0].children[1].name == "RUN echo 😀"


@over_stdio
async def test_config_files_are_watched_and_a_change_relints(client, workdir) -> None:  # type: ignore[no-untyped-def]
    uri = await open_document(client, "watched.Dockerfile", DOCKERFILE, workdir)  # after the registration request
    (watch,) = [r for r in REGISTRATIONS if r.method == t.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    globs = {w["globPattern"] for w in watch.register_options["watchers"]}  # LSPAny: plain JSON on the client
    assert {"**/.layerlint.yaml", "**/pyproject.toml"} <= globs
    event = t.FileEvent(uri=(workdir / ".layerlint.yaml").as_uri(), type=t.FileChangeType.Created)
    params = t.DidChangeWatchedFilesParams(changes=[event])
    await diagnostics_for(client, uri, lambda: client.workspace_did_change_watched_files(params))
    assert by_code(client, uri, "LL002")  # open documents were linted again


def test_a_crash_while_linting_is_logged_and_the_last_diagnostics_stay(monkeypatch) -> None:
    """Drives the handlers in-process: the failure is injected, which a subprocess would not allow."""
    pytest.importorskip("pygls")
    from lsprotocol import types as lsp_types
    from pygls.workspace import Workspace

    srv = server.create_server(0)
    srv.protocol._workspace = Workspace(None)
    published: list = []
    logged: list = []
    monkeypatch.setattr(srv, "text_document_publish_diagnostics", published.append)
    monkeypatch.setattr(srv, "window_log_message", logged.append)
    handlers = srv.protocol.fm.features
    item = lsp_types.TextDocumentItem(uri="file:///tmp/crash/Dockerfile", language_id="dockerfile", version=1, text="FROM a\nRUNN x\n")
    srv.workspace.put_text_document(item)
    handlers[lsp_types.TEXT_DOCUMENT_DID_OPEN](lsp_types.DidOpenTextDocumentParams(text_document=item))
    assert [d.code for d in published[0].diagnostics if d.code == "LL002"] == ["LL002"]

    def broken(path, text, settings):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(server, "lint_text", broken)
    saved = lsp_types.DidSaveTextDocumentParams(text_document=lsp_types.TextDocumentIdentifier(uri=item.uri))
    handlers[lsp_types.TEXT_DOCUMENT_DID_SAVE](saved)
    assert logged and logged[0].type == lsp_types.MessageType.Error and "RuntimeError: boom" in logged[0].message
    assert published[1].diagnostics == published[0].diagnostics
