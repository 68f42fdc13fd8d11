"""Generate docs/rules.md from the rule pages (rules/*.yaml): docs are never written twice.

Usage: python scripts/gen_rule_docs.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

from layerlint import catalog

OUT = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
AREAS = {
    "0": "Syntax and meta", "1": "Base images and stages", "2": "Build cache", "3": "Layer size",
    "4": "Package pinning and package-manager hygiene", "5": "Instructions and runtime config", "6": "Security",
}


def render() -> str:
    rules = sorted(catalog.compile_rules()["rules"], key=lambda r: r["id"])
    out = ["# Rules", "", "Generated from `rules/*.yaml` by `scripts/gen_rule_docs.py`; edit those files, not this one.", ""]
    out += ["| id | name | aliases | category | severity | fix |", "| --- | --- | --- | --- | --- | --- |"]
    for r in rules:
        opt_in = " (opt-in)" if not r["enabled"] else ""
        out.append(f"| [{r['id']}](#{r['id'].lower()}) | {r['name']}{opt_in} | {', '.join(r['aliases'])} | "
                   f"{r['category']} | {r['severity']} | {r['fix']} |")
    area = None
    for r in rules:
        if r["id"][2] != area:
            area = r["id"][2]
            out += ["", f"## {AREAS.get(area, 'Other')}"]
        out += ["", f"### {r['id']}", "", f"**{r['name']}** — {r['summary']}", ""]
        meta = [f"category `{r['category']}`", f"severity `{r['severity']}`", f"fix `{r['fix']}`"]
        if r["aliases"]:
            meta.append("aliases " + ", ".join(f"`{a}`" for a in r["aliases"]))
        if not r["enabled"]:
            meta.append("opt-in (enable with `--extend-select`)")
        out += ["; ".join(meta) + ".", "", r["why"].strip()]
        if r["options"]:
            out += ["", "Options:", ""]
            out += [f"- `{k}` ({v['type']}, default `{v.get('default')!r}`): {v['description']}" for k, v in r["options"].items()]
        for ex in r["examples"]:
            for key in ("bad", "good", "fixed"):
                if ex.get(key):
                    out += ["", f"{key.capitalize()}:", "", "```dockerfile", ex[key].rstrip(), "```"]
        for ref in r["references"]:
            out += ["", f"See {ref}"]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_rule_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
