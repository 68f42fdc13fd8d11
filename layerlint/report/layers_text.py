"""The ``layerlint layers`` table: one row per instruction, a running layer count per stage.

With sizes, each row shows the layer's estimate and range and a bar scaled to the heaviest
layer the Dockerfile creates, so heavy layers jump out; the part of a layer that a later
layer deletes or rewrites (wasted bytes) is drawn shaded.
"""

from __future__ import annotations

from typing import Any

from layerlint.estimate.sizes import human_size
from layerlint.report import Style

_MARK = {"base": "base", "filesystem": "+layer", "metadata": "-"}
BAR_WIDTH = 24
FULL, WASTED = "█", "░"


def size_text(size: dict[str, Any]) -> str:
    return human_size(size["estimate"]) if size["high"] is not None or size["estimate"] else "?"


def range_text(size: dict[str, Any]) -> str:
    low, high = size["low"], size["high"]
    if high is None:
        return f"≥ {human_size(low)}" if low else "unknown"
    if low == high:
        return ""
    return f"{human_size(low)}–{human_size(high)}"


def bar(size: dict[str, Any], scale: int) -> str:
    """A bar of the layer's estimate; its wasted share drawn with ``░``."""
    if scale <= 0 or size["estimate"] <= 0:
        return ""
    cells = max(1, round(BAR_WIDTH * min(size["estimate"], scale) / scale))
    wasted = min(cells, round(cells * min(1.0, size["wasted"]["estimate"] / size["estimate"])))
    return FULL * (cells - wasted) + WASTED * wasted


def render(doc: dict[str, Any], color: bool = False) -> str:
    style = Style(color)
    out: list[str] = [style(doc["path"], "bold") + f"  (builder: {doc['builder']}, target: {doc['target']})", ""]
    sized = "size" in doc["image"]
    scale = max(
        (i["size"]["estimate"] for s in doc["stages"] for i in s["instructions"] if sized and i["layer"] == "filesystem"),
        default=0,
    )
    for stage in doc["stages"]:
        if stage.get("global"):
            title = "before the first FROM (global build arguments)"
        else:
            title = f"stage {stage['index']}" + (f" {stage['name']!r}" if stage["name"] else "")
            title += f"  FROM {stage['base']}"
        if not stage["reaches_target"] and not stage.get("global"):
            title += style("  (not in target image)", "dim")
        out.append(style(title, "bold"))
        head = f"  {'line':>5}  {'layer':<7} {'#':>3}"
        out.append(head + (f"  {'size':>8}  {'range':<19} {'':<{BAR_WIDTH}}  instruction" if sized else "  instruction"))
        count = 0
        for ins in stage["instructions"]:
            kind = ins["layer"]
            if kind == "filesystem":
                count += 1
            mark = _MARK[kind]
            num = str(count) if kind == "filesystem" else ""
            text = ins["text"] if len(ins["text"]) <= 78 else ins["text"][:75] + "..."
            row = f"  {ins['line']:>5}  {mark:<7} {num:>3}"
            if sized:
                size = ins["size"]
                shown = size_text(size) if kind != "metadata" else ""
                drawn = bar(size, scale) if kind == "filesystem" else ""
                row += f"  {shown:>8}  {range_text(size) if kind != 'metadata' else '':<19} {drawn:<{BAR_WIDTH}}"
            row += f"  {text}"
            out.append(style(row, "dim") if kind == "metadata" else style(row, "green") if kind == "filesystem" else row)
            if sized and size["wasted"]["estimate"] and kind != "metadata":
                for w in size["wasted"]["by"]:
                    out.append(style(f"  {'':>5}  {'':<7} {'':>3}  {WASTED} {human_size(w['estimate'])} wasted: {w['op']} "
                                     f"{w['path']} at line {w['by_line']}", "yellow"))
        tail = f"  {stage['layers']['created']} layer(s) created in this stage, {stage['layers']['image']} in its image"
        if sized and "size" in stage:
            s = stage["size"]
            tail += f"; adds {size_text(s['created'])}, image {size_text(s['image'])}"
            if s["image"]["high"] is None:
                tail += " (+ unknown)"
        out.append(tail)
        out.append("")
    image = doc["image"]
    if sized and image.get("size"):
        out.extend(_summary(image, style))
    layers = image["layers"]
    base = layers["base"]
    base_text = f" + {base} from the base image" if base is not None else " + the base image's layers (unknown count)"
    out.append(style(f"Image: {layers['created']} layer(s) created{base_text}.", "bold"))
    return "\n".join(out) + "\n"


def _summary(image: dict[str, Any], style: Style) -> list[str]:
    size = image["size"]
    wasted = image["wasted_bytes"]
    rng = range_text(size)
    lines = [
        f"Size: {size_text(size)}" + (f" ({rng})" if rng else "") + f" on disk, {size_text(size['compressed'])} compressed"
        f" ({range_text(size['compressed']) or 'exact'}); base {size_text(size['base'])}, created {size_text(size['created'])}",
    ]
    if wasted["estimate"] or wasted["by"]:
        eff = size.get("efficiency")
        lines.append(style(f"Wasted: {size_text(wasted)} in layers that later layers delete or rewrite"
                           + (f" (efficiency {eff:.1%})" if eff is not None else ""), "yellow"))
        for w in sorted(wasted["by"], key=lambda w: -w["estimate"]):
            lines.append(f"  {human_size(w['estimate']):>9}  line {w['line']}: {w['op']} {w['path']} at line {w['by_line']}")
    for note in size.get("notes", ()):
        lines.append(style(f"Note: {note}", "dim"))
    return lines
