"""The ``layerlint layers`` table: one row per instruction, a running layer count per stage."""

from __future__ import annotations

from typing import Any

from layerlint.report import Style

_MARK = {"base": "base", "filesystem": "+layer", "metadata": "-"}


def render(doc: dict[str, Any], color: bool = False) -> str:
    style = Style(color)
    out: list[str] = [style(doc["path"], "bold") + f"  (builder: {doc['builder']}, target: {doc['target']})", ""]
    for stage in doc["stages"]:
        if stage.get("global"):
            title = "before the first FROM (global build arguments)"
        else:
            title = f"stage {stage['index']}" + (f" {stage['name']!r}" if stage["name"] else "")
            title += f"  FROM {stage['base']}"
        if not stage["reaches_target"] and not stage.get("global"):
            title += style("  (not in target image)", "dim")
        out.append(style(title, "bold"))
        out.append(f"  {'line':>5}  {'layer':<7} {'#':>3}  instruction")
        count = 0
        for ins in stage["instructions"]:
            kind = ins["layer"]
            if kind == "filesystem":
                count += 1
            mark = _MARK[kind]
            num = str(count) if kind == "filesystem" else ""
            text = ins["text"] if len(ins["text"]) <= 78 else ins["text"][:75] + "..."
            row = f"  {ins['line']:>5}  {mark:<7} {num:>3}  {text}"
            out.append(style(row, "dim") if kind == "metadata" else style(row, "green") if kind == "filesystem" else row)
        out.append(f"  {stage['layers']['created']} layer(s) created in this stage, {stage['layers']['image']} in its image")
        out.append("")
    image = doc["image"]["layers"]
    base = image["base"]
    base_text = f" + {base} from the base image" if base is not None else " + the base image's layers (unknown count)"
    out.append(style(f"Image: {image['created']} layer(s) created{base_text}.", "bold"))
    return "\n".join(out) + "\n"
