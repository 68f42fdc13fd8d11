"""``layerlint layers --format html``: one self-contained page about where an image's bytes go.

No network, no external assets, no script: inline CSS and ``title`` tooltips only, so the
file can be attached to a CI run or mailed.  Per stage, a stacked bar of the layers it
creates (width = estimate; the shaded end of a segment is what later layers waste), then a
table with each layer's range drawn on a common scale; at the top, the findings that cost
the most bytes.  The page reads the ``layers`` JSON document plus the findings and estimate.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from layerlint.estimate.sizes import human_size, total

if TYPE_CHECKING:
    from layerlint.estimate.sizes import BuildEstimate, SizeRange, Waste
    from layerlint.model import Build
    from layerlint.rule import Finding

COLORS = {"RUN": "#3b6fd4", "COPY": "#2f9e6e", "ADD": "#18a0a8", "WORKDIR": "#8a8f98"}
STYLE = """
:root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --waste: #d92d20; --bg: #ffffff; }
* { box-sizing: border-box; }
body { font: 14px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg);
       background: #f6f7f9; margin: 0; padding: 24px 32px 48px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 0 0 10px; }
.sub { color: var(--muted); margin-bottom: 20px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 24px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; min-width: 170px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 22px; font-weight: 600; } .card .r { color: var(--muted); font-size: 12px; }
.card.bad .v { color: var(--waste); }
section { background: var(--bg); border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px; margin-bottom: 18px; }
.stage.dim { opacity: .6; }
.bar { display: flex; height: 34px; border-radius: 6px; overflow: hidden; background: #eef0f3; margin: 6px 0 4px; }
.segment { position: relative; height: 100%; min-width: 3px; border-right: 2px solid #fff; display: flex;
           justify-content: flex-end; }
.segment .wasted { height: 100%; background: repeating-linear-gradient(135deg, var(--waste) 0 5px, #f4a19a 5px 10px); }
.segment .label { position: absolute; left: 6px; top: 8px; color: #fff; font-size: 12px; white-space: nowrap;
                  overflow: hidden; max-width: calc(100% - 8px); text-shadow: 0 1px 1px rgba(0,0,0,.25); }
.legend { color: var(--muted); font-size: 12px; margin-bottom: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin: 0 4px 0 12px; vertical-align: -1px; }
table { width: 100%; border-collapse: collapse; }
th { text-align: left; color: var(--muted); font-weight: 500; font-size: 12px; border-bottom: 1px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td code, li code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td.ins code { display: inline-block; max-width: 520px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.scale { position: relative; height: 16px; min-width: 180px; background: #f1f3f6; border-radius: 3px; }
.range { position: absolute; top: 5px; height: 6px; border-radius: 3px; opacity: .45; }
.range.open { border-right: 2px dashed #999; }
.est { position: absolute; top: 1px; width: 3px; height: 14px; border-radius: 1px; }
.basis { color: var(--muted); font-size: 12px; }
.waste-note { color: var(--waste); font-size: 12px; }
ol.findings { margin: 0; padding-left: 22px; } li.finding { margin: 6px 0; }
li.finding .cost { display: inline-block; min-width: 90px; font-weight: 600; }
li.finding .cost.zero { color: var(--muted); font-weight: 400; }
.sev-error { color: #b42318; } .sev-warning { color: #b54708; } .sev-info, .sev-style { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; margin-top: 20px; }
"""


def _size(r: dict[str, Any]) -> str:
    if r["high"] is None and not r["estimate"]:
        return "unknown"
    return human_size(r["estimate"]) + (" +?" if r["high"] is None else "")


def _range(r: dict[str, Any]) -> str:
    if r["high"] is None:
        return f"≥ {human_size(r['low'])}, no upper bound"
    return "exact" if r["low"] == r["high"] else f"{human_size(r['low'])} – {human_size(r['high'])}"


def finding_cost(finding: Finding, estimate: BuildEstimate, build: Build) -> SizeRange | None:
    """The bytes a finding is about: the cache or download it names, else the waste it causes or carries."""
    if finding.instruction is None or finding.category != "size":
        return None
    ins = build.dockerfile.instructions[finding.instruction] if finding.instruction < len(build.dockerfile.instructions) else None
    if ins is None:
        return None
    layer = estimate.layer(ins)
    for part in layer.parts if layer is not None else ():
        command = part.command
        if part.saving is not None and command is not None and command.start <= finding.span.start <= command.end:
            return part.saving
        entry = part.entry
        if entry is not None and entry.instruction.index == ins.index and \
                entry.span.start <= finding.span.end and finding.span.start <= entry.span.end and part.size.estimate:
            return part.size
    caused = [w.size for w in estimate.waste if w.by.index == ins.index and _names(w, finding)]
    if caused:
        return total(caused)
    if layer is not None and layer.wasted.estimate:
        return layer.wasted
    return None


def _names(waste: Waste, finding: Finding) -> bool:
    """Whether a finding points at the command that deletes or rewrites the wasted bytes."""
    if waste.change is None:
        return True
    command = waste.change.command
    return command.start <= finding.span.start <= command.end


def render(doc: dict[str, Any], findings: list[Finding], estimate: BuildEstimate, build: Build) -> str:
    image = doc["image"]
    size = image.get("size") or {}
    wasted = image.get("wasted_bytes") or {"low": 0, "estimate": 0, "high": 0, "by": []}
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Layers of {escape(doc['path'])}</title>", f"<style>{STYLE}</style></head><body>",
           f"<h1>Where the bytes of <code>{escape(doc['path'])}</code> go</h1>",
           (f'<div class="sub">target: {escape(str(doc["target"]))} · builder: {escape(doc["builder"])} · '
            "sizes as <code>docker history</code> shows them (files each layer adds or changes)</div>")]
    if size:
        eff = size.get("efficiency")
        out.append('<div class="cards">')
        out.append(_card("Image on disk", _size(size), _range(size)))
        out.append(_card("Compressed (pull)", _size(size["compressed"]), _range(size["compressed"])))
        out.append(_card("Base image", _size(size["base"]), escape(size["base"].get("basis", ""))[:80]))
        out.append(_card("Created by this file", _size(size["created"]), _range(size["created"])))
        out.append(_card("Wasted", _size(wasted), f"efficiency {eff:.1%}" if eff is not None else "", bad=bool(wasted["estimate"])))
        out.append("</div>")
    out.extend(_findings(findings, estimate, build))
    scale = max((i["size"]["high"] or i["size"]["estimate"] for s in doc["stages"] for i in s["instructions"]
                 if i["layer"] == "filesystem" and "size" in i), default=0)
    for stage in doc["stages"]:
        if stage.get("global"):
            continue
        out.extend(_stage(stage, scale))
    for note in size.get("notes", ()):
        out.append(f'<footer>Note: {escape(note)}</footer>')
    out.append(f'<footer>{escape(size.get("compressed", {}).get("basis", ""))}. Ranges are estimates with their '
               "basis; an open range means a part the Dockerfile alone cannot size.</footer>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _card(key: str, value: str, detail: str, bad: bool = False) -> str:
    return (f'<div class="card{" bad" if bad else ""}"><div class="k">{escape(key)}</div><div class="v">{escape(value)}</div>'
            f'<div class="r">{escape(detail)}</div></div>')


def _findings(findings: list[Finding], estimate: BuildEstimate, build: Build) -> list[str]:
    if not findings:
        return []
    ranked = []
    for f in findings:
        cost = finding_cost(f, estimate, build)
        ranked.append((cost.estimate if cost is not None else 0, cost, f))
    ranked.sort(key=lambda t: (-t[0], t[2].line, t[2].code))
    out = ['<section class="findings"><h2>Findings, costliest first</h2><ol class="findings">']
    for estimate_bytes, cost, f in ranked:
        shown = (human_size(cost.estimate) + (" +?" if cost.high is None else "")) if cost is not None and \
            (cost.estimate or cost.high is None) else "—"
        zero = " zero" if shown == "—" else ""
        out.append(f'<li class="finding" data-bytes="{estimate_bytes}"><span class="cost{zero}">{escape(shown)}</span> '
                   f'<code>{escape(f.code)}</code> <span class="sev-{f.severity.label}">{escape(f.severity.label)}</span>'
                   f" line {f.line}: {escape(f.message)}</li>")
    out.append("</ol></section>")
    return out


def _stage(stage: dict[str, Any], scale: int) -> list[str]:
    totals = stage.get("size", {})
    title = f"Stage {stage['index']}" + (f" <code>{escape(stage['name'])}</code>" if stage["name"] else "")
    title += f" · FROM <code>{escape(stage['base'])}</code>"
    dim = "" if stage["reaches_target"] else " dim"
    out = [f'<section class="stage{dim}"><h2>{title}</h2>']
    if totals:
        out.append(f'<div class="legend">creates {_size(totals["created"])} ({_range(totals["created"])}) on top of '
                   f'a {_size(totals["base"])} base · image {_size(totals["image"])}'
                   + ("" if stage["reaches_target"] else " · not in the target image")
                   + '<i style="background:#3b6fd4"></i>RUN<i style="background:#2f9e6e"></i>COPY'
                   '<i style="background:#18a0a8"></i>ADD<i style="background:#8a8f98"></i>WORKDIR'
                   '<i style="background:#d92d20"></i>wasted later</div>')
    layers = [i for i in stage["instructions"] if i["layer"] == "filesystem"]
    created = sum(i["size"]["estimate"] for i in layers) or 1
    out.append('<div class="bar">')
    for ins in layers:
        s = ins["size"]
        width = 100.0 * s["estimate"] / created
        waste = 100.0 * min(1.0, s["wasted"]["estimate"] / s["estimate"]) if s["estimate"] else 0.0
        tip = f"line {ins['line']}: {ins['text']}\n{_size(s)} ({_range(s)})\n{s['basis']}"
        if s["wasted"]["estimate"]:
            tip += f"\nwasted later: {human_size(s['wasted']['estimate'])}"
        color = COLORS.get(ins["keyword"], "#7a5af8")
        label = f"{human_size(s['estimate'])} · {ins['keyword']} l.{ins['line']}" if width > 9 else ""
        inner = f'<div class="wasted" style="width:{waste:.2f}%"></div>' if waste else ""
        out.append(f'<div class="segment" style="width:{width:.3f}%;background:{color}" title="{escape(tip)}">'
                   f'<span class="label">{escape(label)}</span>{inner}</div>')
    out.append("</div>")
    out.append("<table><tr><th>line</th><th>instruction</th><th>size</th><th>range</th><th>compressed</th>"
               "<th>wasted</th><th>basis</th></tr>")
    for ins in stage["instructions"]:
        if ins["layer"] == "metadata":
            continue
        out.append(_row(ins, scale))
    out.append("</table></section>")
    return out


def _row(ins: dict[str, Any], scale: int) -> str:
    s = ins["size"]
    color = COLORS.get(ins["keyword"], "#7a5af8")
    cells = [f'<td class="num">{ins["line"]}</td>', f'<td class="ins" title="{escape(ins["text"])}"><code>{escape(ins["text"])}</code></td>',
             f'<td class="num">{escape(_size(s))}</td>']
    if ins["layer"] == "filesystem" and scale:
        low = 100.0 * min(s["low"], scale) / scale
        high = 100.0 * min(s["high"] if s["high"] is not None else scale, scale) / scale
        est = 100.0 * min(s["estimate"], scale) / scale
        open_ = " open" if s["high"] is None else ""
        cells.append(f'<td><div class="scale" title="{escape(_range(s))}"><div class="range{open_}" style="left:{low:.2f}%;'
                     f'width:{max(high - low, 0.6):.2f}%;background:{color}"></div><div class="est" style="left:'
                     f'{min(est, 99.4):.2f}%;background:{color}"></div></div></td>')
    else:
        cells.append(f'<td class="basis">{escape(_range(s))}</td>')
    cells.append(f'<td class="num">{escape(_size(s["compressed"]))}</td>')
    waste = s["wasted"]
    notes = "<br>".join(f'{escape(human_size(w["estimate"]))} by line {w["by_line"]} ({escape(w["op"])})' for w in waste["by"])
    cells.append(f'<td class="waste-note{" wasted" if waste["estimate"] else ""}">{notes}</td>')
    cells.append(f'<td class="basis">{escape(s["basis"])}</td>')
    return "<tr>" + "".join(cells) + "</tr>"
