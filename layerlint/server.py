"""The layerlint language server (``layerlint server``): diagnostics, fixes and layer facts in the editor.

Only ``layerlint server`` imports this module, and pygls/lsprotocol (~480 ms of imports) are
imported inside ``create_server`` so the pure parts below - position conversion, the
ignore/fix edits, hover text, layer hints - stay importable and testable without them.

Two things an editor needs that the command line does not:

* **Positions in the client's units.**  Spans are character offsets; LSP positions count
  UTF-16 code units by default (a character outside the BMP, such as an emoji in a LABEL,
  is two of them) and LSP lines also end at a lone ``\\r``.  ``PositionMap`` converts both
  ways for whichever encoding was negotiated.
* **Never dying on half-typed text.**  The parser recovers from every syntax error, a
  failing rule is contained by the engine, and anything else that goes wrong while linting
  is logged to the client while the last good diagnostics stay in place.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import traceback
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from layerlint.model import LayerKind
from layerlint.rule import Edit, Finding, Safety, Severity
from layerlint.source import SourceFile, Span

if TYPE_CHECKING:
    from layerlint.engine import FileResult
    from layerlint.model import Instruction, Layer, Stage
    from layerlint.settings import Settings

log = logging.getLogger("layerlint.server")

DEFAULT_DEBOUNCE_MS = 150
FIX_ALL_KIND = "source.fixAll.layerlint"
# Files whose change may change a Dockerfile's settings (watched, and checked by mtime).
CONFIG_NAMES = (".layerlint.yaml", ".layerlint.yml", "pyproject.toml", ".hadolint.yaml", ".hadolint.yml")

# --------------------------------------------------------------------------- positions

_NEWLINE = re.compile(r"\r\n|\r|\n")


def code_units(text: str, encoding: str) -> int:
    """Length of ``text`` in the code units of ``encoding`` ("utf-8", "utf-16" or "utf-32")."""
    if text.isascii() or encoding == "utf-32":
        return len(text)
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class PositionMap:
    """Character offsets <-> LSP ``(line, character)`` for one text and position encoding."""

    __slots__ = ("text", "encoding", "_starts")

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self._starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]

    def _line_bounds(self, line: int) -> tuple[int, int]:
        start = self._starts[line]
        end = self._starts[line + 1] if line + 1 < len(self._starts) else len(self.text)
        while end > start and self.text[end - 1] in "\r\n":
            end -= 1
        return start, end

    def position(self, offset: int) -> tuple[int, int]:
        """0-based line and character (in code units) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        return line, code_units(self.text[start:offset], self.encoding)

    def offset(self, line: int, character: int) -> int:
        """Character offset of an LSP position; past the end of a line means its end (as LSP says)."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start, end = self._line_bounds(line)
        segment = self.text[start:end]
        if segment.isascii() or self.encoding == "utf-32":
            return start + max(0, min(character, len(segment)))
        units = 0
        for i, ch in enumerate(segment):
            if units >= character:
                return start + i
            units += code_units(ch, self.encoding)
        return end

    def span(self, start_line: int, start_char: int, end_line: int, end_char: int) -> Span:
        a, b = self.offset(start_line, start_char), self.offset(end_line, end_char)
        return Span(min(a, b), max(a, b))


# --------------------------------------------------------------------------- analysis


@dataclass
class Analysis:
    """One linted version of an open document."""

    uri: str
    path: str
    version: int | None
    text: str
    result: FileResult
    positions: PositionMap

    @property
    def findings(self) -> list[Finding]:
        return self.result.findings


def lint_text(path: str, text: str, settings: Settings) -> FileResult:
    """Lint editor text as ``layerlint check`` would lint the file at ``path``."""
    from layerlint.engine import lint_source

    context = settings.context or os.path.dirname(os.path.abspath(path))
    return lint_source(SourceFile(path, text), settings, context_dir=context)


@dataclass
class SettingsCache:
    """Settings per folder, re-resolved when a config file near it appears, changes or goes.

    ``config.settings_for`` finds the config file by walking up from the Dockerfile; the
    cache key records the mtime of every candidate on that walk, so an edit to
    ``.layerlint.yaml`` applies on the next lint even without file-watch notifications.
    """

    report: Callable[[str], None] = lambda message: None
    _entries: dict[str, tuple[tuple[Any, ...], Settings]] = field(default_factory=dict)

    def get(self, path: str) -> Settings:
        folder = os.path.dirname(os.path.abspath(path))
        stamp = _config_stamp(folder)
        cached = self._entries.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        settings = self._load(path)
        self._entries[folder] = (stamp, settings)
        return settings

    def clear(self) -> None:
        self._entries.clear()

    def _load(self, path: str) -> Settings:
        from layerlint import config
        from layerlint.settings import Settings

        try:
            return config.settings_for(path, {})
        except Exception as exc:  # noqa: BLE001 - a bad config must not stop linting
            self.report(f"layerlint: configuration for {path} ignored: {exc}")
            return Settings()


def _config_stamp(folder: str) -> tuple[Any, ...]:
    stamp: list[Any] = []
    while True:
        for name in CONFIG_NAMES:
            try:
                st = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            stamp.append((folder, name, st.st_mtime_ns, st.st_size))
        parent = os.path.dirname(folder)
        if parent == folder:
            return tuple(stamp)
        folder = parent


# --------------------------------------------------------------------------- facts for features


def instruction_at(result: FileResult, offset: int) -> Instruction | None:
    """The top-level instruction whose text holds ``offset`` (its end included, for a cursor)."""
    for ins in result.dockerfile.instructions:
        if ins.span.start <= offset <= ins.span.end:
            return ins
    return None


def finding_instruction(result: FileResult, finding: Finding) -> Instruction | None:
    instructions = result.dockerfile.instructions
    if finding.instruction is not None and 0 <= finding.instruction < len(instructions):
        return instructions[finding.instruction]
    return instruction_at(result, finding.span.start)


def layer_of(result: FileResult, ins: Instruction) -> tuple[Stage | None, Layer | None]:
    stage = result.build.stage_of(ins)
    if stage is None:
        return None, None
    return stage, next((layer for layer in stage.layers if layer.instruction.index == ins.index), None)


def _estimate(result: FileResult):  # type: ignore[no-untyped-def]
    """The file's size estimate, computed once per analysis; None if it cannot be made."""
    if result.context is None:
        return None
    from layerlint.estimate import sizes_for

    try:
        return sizes_for(result.context)
    except Exception:  # noqa: BLE001 - an estimate must never take the editor features down
        log.exception("size estimate failed for %s", result.source.path)
        return None


def extra_hover_lines(result: FileResult, ins: Instruction) -> list[str]:
    """Markdown lines with the instruction's size estimate: range, compressed, basis, waste."""
    from layerlint.estimate import phrase
    from layerlint.estimate.sizes import human_size

    estimate = _estimate(result)
    layer = estimate.layer(ins) if estimate is not None else None
    if layer is None:
        return []
    size = layer.size
    rng = "" if size.low == size.high else (
        f" ({human_size(size.low)}–{human_size(size.high)})" if size.high is not None else " (no upper bound)")
    lines = ["", f"**Size** {phrase(size)}{rng}, {phrase(layer.compressed)} compressed", "", f"_Basis:_ {size.basis}"]
    for waste in layer.waste:
        by = result.source.position(waste.by.span.start).line
        lines.append(f"- {phrase(waste.size)} of it wasted: `{waste.op} {waste.path}` at line {by}")
    caused = estimate.wasted_by(ins)  # type: ignore[union-attr]
    if caused.estimate:
        lines.append(f"- frees nothing: {phrase(caused)} stay in earlier layers")
    return lines


def layer_size_label(result: FileResult, layer: Layer) -> str | None:
    """A short size text for a layer's inlay hint (``~41 MB``, ``≥ 6.1 MB``)."""
    from layerlint.estimate.sizes import human_size

    estimate = _estimate(result)
    found = estimate.layer(layer.instruction) if estimate is not None else None
    if found is None:
        return None
    size = found.size
    if size.high is None:
        return f"≥ {human_size(size.low)}" if size.low else "size unknown"
    return ("" if size.low == size.high else "~") + human_size(size.estimate)


_IGNORE_LINE = re.compile(r"^(?P<head>\s*#\s*layerlint:\s*ignore\s*=\s*)(?P<codes>[A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)\s*$")


def ignore_edit(result: FileResult, finding: Finding) -> Edit | None:
    """An edit adding ``# layerlint: ignore=CODE`` above the finding's instruction.

    The comment takes the instruction's indentation; an ignore comment already directly
    above is extended instead of stacking a second one.
    """
    ins = finding_instruction(result, finding)
    if ins is None:
        return None
    text = result.source.text
    line_start = text.rfind("\n", 0, ins.span.start) + 1
    indent = text[line_start : ins.span.start]
    if indent.strip():  # the instruction does not start its line (e.g. after a continuation)
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    code = suppression_code(finding)
    if line_start > 0:
        prev_start = text.rfind("\n", 0, line_start - 1) + 1
        prev_end = line_start - 1 - (1 if text[line_start - 2 : line_start - 1] == "\r" else 0)
        m = _IGNORE_LINE.match(text[prev_start:prev_end])
        if m:
            codes = [c.strip() for c in m.group("codes").split(",")]
            if code in codes:
                return None
            return Edit(Span(prev_start, prev_end), f"{m.group('head')}{','.join([*codes, code])}")
    return Edit(Span(line_start, line_start), f"{indent}# layerlint: ignore={code}{newline}")


def suppression_code(finding: Finding) -> str:
    """The name to suppress: a ShellCheck finding's own SC code (its first alias), else the rule id."""
    from layerlint.settings import is_subcode

    if finding.aliases and is_subcode(finding.aliases[0]):
        return finding.aliases[0]
    return finding.code


def fix_all_edits(findings: Sequence[Finding]) -> list[Edit]:
    """Every safe fix that does not collide with an earlier one, as one list of edits."""
    safe = [f.fix for f in findings if f.fix is not None and f.fix.safety is Safety.SAFE and f.fix.edits]
    from layerlint.fix import compatible

    return sorted((e for fix in compatible(safe, lambda f: f) for e in fix.edits), key=lambda e: e.span)


_UNNECESSARY = re.compile(r"(^|-)(unused|unnecessary|redundant)(-|$)")
_DEPRECATED = re.compile(r"(^|-)(deprecated|maintainer)(-|$)")


def diagnostic_tags(name: str) -> tuple[str, ...]:
    """``unnecessary`` (editors fade it) and/or ``deprecated`` (struck through), from a rule's name."""
    tags = []
    if _UNNECESSARY.search(name):
        tags.append("unnecessary")
    if _DEPRECATED.search(name):
        tags.append("deprecated")
    return tuple(tags)


def describe_instruction(result: FileResult, ins: Instruction) -> list[str]:
    """What an instruction adds to the image, in the build model's words."""
    stage, layer = layer_of(result, ins)
    keyword = f"**{ins.keyword}**"
    if stage is None:
        return [f"{keyword} · global build argument, before the first `FROM` (no layer)"]
    where = f"stage `{stage.label}`"
    if layer is None or layer.kind is LayerKind.BASE:
        base = f"stage `{result.build.stages[stage.base_stage].label}`" if stage.base_stage is not None else f"`{stage.base_expanded}`"
        lines = [f"{keyword} · starts {where} from {base}: its layers are the base of this stage"]
    elif layer.kind is LayerKind.FILESYSTEM:
        lines = [f"{keyword} · creates filesystem layer {layer.ordinal} of {where}"]
    else:
        lines = [f"{keyword} · changes the image config only, no layer ({where})"]
    if not stage.reaches_target:
        lines.append("This stage does not reach the target image: its layers are not shipped.")
    return lines


def hover_markdown(result: FileResult, offset: int) -> tuple[str, Instruction | None] | None:
    """Hover text at ``offset``: the instruction's layer facts, then the page of each rule flagged there."""
    from layerlint import catalog
    from layerlint.report.sarif import markdown_page

    ins = instruction_at(result, offset)
    parts: list[str] = []
    if ins is not None:
        parts.extend(describe_instruction(result, ins))
        parts.extend(extra_hover_lines(result, ins))
    metas = catalog.load()
    shown: set[str] = set()
    for f in result.findings:
        if not f.span.start <= offset <= f.span.end or f.code in shown:
            continue
        shown.add(f.code)
        parts += ["", "---", "", f"**{f.code}** ({f.severity.label}): {f.message}", ""]
        if f.code in metas:
            parts.append(markdown_page(metas[f.code]))
    if not parts:
        return None
    return "\n".join(parts).strip() + "\n", ins


def hint_offset(ins: Instruction, text: str) -> int:
    """Where a layer hint goes: after the instruction, or after its ``<<EOF`` line for a heredoc."""
    if ins.heredocs:
        newline = text.find("\n", ins.heredocs[0].word_span.end)
        return (newline if newline != -1 else len(text)) - (1 if newline > 0 and text[newline - 1] == "\r" else 0)
    return ins.span.end


def layer_hints(result: FileResult) -> list[tuple[int, str, str]]:
    """(offset, label, tooltip) for every instruction that creates a filesystem layer."""
    out = []
    for stage in result.build.stages:
        for layer in stage.layers:
            if layer.kind is not LayerKind.FILESYSTEM:
                continue
            label = f"layer {layer.ordinal}"
            size = layer_size_label(result, layer)
            if size:
                label += f" · {size}"
            tooltip = f"{layer.instruction.keyword} creates filesystem layer {layer.ordinal} of stage {stage.label}"
            out.append((hint_offset(layer.instruction, result.source.text), label, tooltip))
    return out


def _first_line(ins: Instruction, text: str, limit: int = 60) -> str:
    line = text[ins.span.start : ins.span.end].split("\n", 1)[0].rstrip("\\\r ").strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


# --------------------------------------------------------------------------- the LSP server


def create_server(debounce_ms: float = DEFAULT_DEBOUNCE_MS):  # type: ignore[no-untyped-def]
    """Build the pygls server with every feature registered (imports pygls, ~0.5 s)."""
    import asyncio

    from lsprotocol import types as t
    from pygls.lsp.server import LanguageServer

    from layerlint import __version__, catalog

    server = LanguageServer("layerlint", __version__, text_document_sync_kind=t.TextDocumentSyncKind.Incremental)
    analyses: dict[str, Analysis] = {}
    timers: dict[str, asyncio.TimerHandle] = {}
    options: dict[str, Any] = {"debounce": debounce_ms / 1000.0}

    severities = {
        Severity.ERROR: t.DiagnosticSeverity.Error,
        Severity.WARNING: t.DiagnosticSeverity.Warning,
        Severity.INFO: t.DiagnosticSeverity.Information,
        Severity.STYLE: t.DiagnosticSeverity.Hint,
    }
    tags = {"unnecessary": t.DiagnosticTag.Unnecessary, "deprecated": t.DiagnosticTag.Deprecated}

    def message(kind: t.MessageType, text: str) -> None:
        server.window_log_message(t.LogMessageParams(type=kind, message=text))

    settings = SettingsCache(report=lambda text: message(t.MessageType.Warning, text))

    def to_range(pm: PositionMap, span: Span) -> t.Range:
        (l1, c1), (l2, c2) = pm.position(span.start), pm.position(span.end)
        return t.Range(start=t.Position(line=l1, character=c1), end=t.Position(line=l2, character=c2))

    def from_range(pm: PositionMap, rng: t.Range) -> Span:
        return pm.span(rng.start.line, rng.start.character, rng.end.line, rng.end.character)

    def diagnostic(a: Analysis, f: Finding) -> t.Diagnostic:
        from layerlint.report.sarif import rule_help_uri

        meta = catalog.load().get(f.code)
        href = rule_help_uri(meta) if meta is not None else None
        return t.Diagnostic(
            range=to_range(a.positions, f.span),
            message=f.message,
            severity=severities[f.severity],
            code=f.code,
            code_description=t.CodeDescription(href=href) if href else None,
            source="layerlint",
            tags=[tags[name] for name in diagnostic_tags(f.name)] or None,
            data={"name": f.name, "fix": f.fix.safety.value if f.fix is not None else None},
        )

    def analyze(uri: str) -> Analysis | None:
        """Lint the document's current text; on an unexpected failure keep the last result."""
        doc = server.workspace.get_text_document(uri)
        path = doc.path or uri.rsplit("/", 1)[-1] or "Dockerfile"
        text = doc.source
        try:
            result = lint_text(path, text, settings.get(path))
        except Exception as exc:  # noqa: BLE001 - the server outlives any bug in a rule or the parser
            tail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-3:])
            message(t.MessageType.Error, f"layerlint: could not lint {path}: {type(exc).__name__}: {exc}\n{tail}")
            return analyses.get(uri)
        encoding = str(server.workspace.position_encoding or "utf-16")
        analysis = Analysis(uri, path, doc.version, text, result, PositionMap(text, encoding))
        analyses[uri] = analysis
        return analysis

    def current(uri: str) -> Analysis | None:
        """The analysis matching the document's text now (re-linted if an edit is still debounced)."""
        a = analyses.get(uri)
        try:
            doc = server.workspace.get_text_document(uri)
        except Exception:  # noqa: BLE001 - not open
            return a
        if a is None or a.text != doc.source:
            a = analyze(uri)
        return a

    def cancel(uri: str) -> None:
        timer = timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def publish(uri: str) -> None:
        cancel(uri)
        a = analyze(uri)
        if a is None:
            return
        server.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, version=a.version, diagnostics=[diagnostic(a, f) for f in a.findings])
        )

    def schedule(uri: str) -> None:
        cancel(uri)
        if options["debounce"] <= 0:
            publish(uri)
            return
        timers[uri] = asyncio.get_running_loop().call_later(options["debounce"], publish, uri)

    @server.feature(t.INITIALIZE)
    def initialize(params: t.InitializeParams) -> None:
        init = params.initialization_options if isinstance(params.initialization_options, dict) else {}
        if isinstance(init.get("debounce"), (int, float)):
            options["debounce"] = max(0.0, float(init["debounce"]) / 1000.0)

    @server.feature(t.INITIALIZED)
    def initialized(params: t.InitializedParams) -> None:
        caps = server.client_capabilities.workspace
        watch = caps.did_change_watched_files if caps is not None else None
        if watch is None or not watch.dynamic_registration:
            return  # the mtime check in SettingsCache still picks up config changes on the next lint
        watchers = [t.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_NAMES]
        server.client_register_capability(
            t.RegistrationParams(
                registrations=[
                    t.Registration(
                        id="layerlint-config-files",
                        method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=t.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                    )
                ]
            )
        )

    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: t.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: t.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: t.DidSaveTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: t.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        cancel(uri)
        analyses.pop(uri, None)
        server.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def config_changed(params: t.DidChangeWatchedFilesParams) -> None:
        from layerlint import config

        config.clear_cache()  # a config file created (not only edited) since the last lint
        settings.clear()
        for uri in list(analyses):
            publish(uri)

    def workspace_edit(a: Analysis, edits: Iterable[Edit]) -> t.WorkspaceEdit:
        newline = "\r\n" if "\r\n" in a.text else "\n"  # rules write "\n"; keep the file's line endings
        text_edits = [
            t.TextEdit(range=to_range(a.positions, e.span), new_text=e.text.replace("\r\n", "\n").replace("\n", newline))
            for e in edits
        ]
        caps = server.client_capabilities.workspace
        versioned = caps is not None and caps.workspace_edit is not None and caps.workspace_edit.document_changes
        if versioned:
            doc = t.OptionalVersionedTextDocumentIdentifier(uri=a.uri, version=a.version)
            return t.WorkspaceEdit(document_changes=[t.TextDocumentEdit(text_document=doc, edits=text_edits)])
        return t.WorkspaceEdit(changes={a.uri: text_edits})

    def wanted(kind: str, only: Sequence[str] | None) -> bool:
        return only is None or any(kind == o or kind.startswith(f"{o}.") for o in only)

    @server.feature(
        t.TEXT_DOCUMENT_CODE_ACTION,
        t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    def code_action(params: t.CodeActionParams) -> list[t.CodeAction] | None:
        a = current(params.text_document.uri)
        if a is None:
            return None
        only = [str(k) for k in params.context.only] if params.context.only else None
        actions: list[t.CodeAction] = []
        if wanted(t.CodeActionKind.QuickFix, only):
            wanted_span = from_range(a.positions, params.range)
            for f in a.findings:
                if not (f.span.start <= wanted_span.end and wanted_span.start <= f.span.end):
                    continue
                diag = [diagnostic(a, f)]
                if f.fix is not None and f.fix.edits:
                    actions.append(
                        t.CodeAction(
                            title=f"{f.fix.title} ({f.code}, {f.fix.safety.value} fix)",
                            kind=t.CodeActionKind.QuickFix,
                            diagnostics=diag,
                            edit=workspace_edit(a, f.fix.edits),
                            is_preferred=f.fix.safety is Safety.SAFE,
                        )
                    )
                edit = ignore_edit(a.result, f)
                if edit is not None:
                    actions.append(
                        t.CodeAction(
                            title=f"Ignore {suppression_code(f)} for this instruction",
                            kind=t.CodeActionKind.QuickFix,
                            diagnostics=diag,
                            edit=workspace_edit(a, [edit]),
                        )
                    )
        if wanted(FIX_ALL_KIND, only):
            edits = fix_all_edits(a.findings)
            if edits:
                actions.append(
                    t.CodeAction(title="Fix all safe layerlint findings", kind=FIX_ALL_KIND, edit=workspace_edit(a, edits))
                )
        return actions

    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hover(params: t.HoverParams) -> t.Hover | None:
        a = current(params.text_document.uri)
        if a is None:
            return None
        found = hover_markdown(a.result, a.positions.offset(params.position.line, params.position.character))
        if found is None:
            return None
        text, ins = found
        return t.Hover(
            contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text),
            range=to_range(a.positions, ins.span) if ins is not None else None,
        )

    @server.feature(t.TEXT_DOCUMENT_INLAY_HINT)
    def inlay_hint(params: t.InlayHintParams) -> list[t.InlayHint] | None:
        a = current(params.text_document.uri)
        if a is None:
            return None
        window = from_range(a.positions, params.range)
        hints = []
        for offset, label, tooltip in layer_hints(a.result):
            if not window.start <= offset <= window.end:
                continue
            line, char = a.positions.position(offset)
            hints.append(
                t.InlayHint(position=t.Position(line=line, character=char), label=label, tooltip=tooltip, padding_left=True)
            )
        return hints

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(params: t.DocumentSymbolParams) -> list[t.DocumentSymbol] | None:
        a = current(params.text_document.uri)
        if a is None:
            return None
        return document_symbols(a, to_range, t)

    return server


def document_symbols(a: Analysis, to_range: Callable[[PositionMap, Span], Any], t: Any) -> list[Any]:
    """Stages as symbols (name, base image) with their instructions as children."""
    text = a.text

    def symbol(ins: Instruction) -> Any:
        stage_layer = layer_of(a.result, ins)[1]
        kind = t.SymbolKind.Function if stage_layer is not None and stage_layer.kind is LayerKind.FILESYSTEM else t.SymbolKind.Field
        return t.DocumentSymbol(
            name=_first_line(ins, text),
            kind=kind,
            range=to_range(a.positions, ins.span),
            selection_range=to_range(a.positions, ins.keyword_span),
        )

    out = []
    first_stage = a.result.build.stages[0].from_instruction.index if a.result.build.stages else len(a.result.dockerfile.instructions)
    out.extend(symbol(ins) for ins in a.result.dockerfile.instructions[:first_stage])
    for stage in a.result.build.stages:
        span = stage.from_instruction.span.cover(stage.instructions[-1].span)
        out.append(
            t.DocumentSymbol(
                name=stage.name or f"stage {stage.index}",
                detail=stage.base,
                kind=t.SymbolKind.Module,
                range=to_range(a.positions, span),
                selection_range=to_range(a.positions, stage.from_instruction.span),
                children=[symbol(ins) for ins in stage.instructions],
            )
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``layerlint server [--stdio] [--debounce-ms N]``: serve LSP on standard input/output."""
    parser = argparse.ArgumentParser(prog="layerlint server", description="Run the layerlint language server over stdio.")
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default and only transport)")
    parser.add_argument(
        "--debounce-ms", type=float, default=DEFAULT_DEBOUNCE_MS, help=f"wait this long after an edit before linting (default {DEFAULT_DEBOUNCE_MS})"
    )
    parser.add_argument("--log-level", default="WARNING", help="log level for the server's own log on stderr")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="layerlint-server %(levelname)s %(message)s")
    try:
        server = create_server(args.debounce_ms)
    except ImportError as exc:
        print(f"layerlint server needs the lsp extra (pip install 'layerlint[lsp]'): {exc}", file=sys.stderr)
        return 2
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the protocol stream
    server.start_io(stdin, stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
