"""Fit the apt layer model to the harness's measured layers; writes ``layers.apt_st_model``.

The Debian payload correction shipped with the index (``debian-payload.json``) was fitted on
the bytes of a *tar stream* of each install (512-byte headers and padding included); a layer's
size as ``docker history`` shows it is the st_size of its files.  The difference is mostly
per file and per package (dpkg's info files are many and small), so this script refits, on
the harness's measured apt layers (``harness.py --json``):

    layer = a × (ratio × Installed-Size + pyc × Python Installed-Size) + fixed + per_package × n

(``ratio``/``pyc`` from the shipped correction, ``a`` separately for slim images), and takes
the range from the largest relative residuals.  Only layers that do nothing but
``apt-get install`` (lists removed in the same RUN, or updated in an earlier layer) are used.

    .venv/bin/python benchmarks/size_harness/calibrate.py /tmp/size-harness.json
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

CALIBRATION = ROOT / "layerlint" / "data" / "size-calibration.json"
SLIM_MARGIN = 0.15


def points(results: dict, work: Path) -> list[dict]:
    from harness import make_context, predict

    from layerlint.estimate import packages

    model = packages.payload_correction()
    out = []
    for case in results["cases"]:
        if case.get("error") or case["name"].startswith("holdout-"):  # hold-out cases never train the model
            continue
        context = work / "ctx" / case["name"]
        make_context(HERE / "cases" / case["name"], context)
        build, estimate = predict(context)
        for row in case["rows"]:
            layer = estimate.layers.get(row["index"])
            if layer is None or len(layer.parts) != 1 or layer.parts[0].ecosystem != "apt":
                continue
            part = layer.parts[0]
            stage = build.stage_of(layer.instruction)
            slim = "slim" in stage.base_expanded
            installed = sum(b for _, b in part.packages)
            python = sum(b for n, b in part.packages if n.startswith(("python3", "libpython3")))
            ratio = model.slim_ratio if slim else model.ratio
            out.append({"case": case["name"], "line": row["line"], "slim": slim, "packages": len(part.packages),
                        "payload": installed * ratio + python * model.pyc, "measured": row["measured"]})
    return out


def _solve(rows: list[list[float]], ys: list[float]) -> list[float]:
    """Least squares by the normal equations (a handful of parameters)."""
    n = len(rows[0])
    ata = [[sum(r[i] * r[j] for r in rows) for j in range(n)] for i in range(n)]
    aty = [sum(r[i] * y for r, y in zip(rows, ys)) for i in range(n)]
    for col in range(n):  # Gaussian elimination with partial pivoting
        pivot = max(range(col, n), key=lambda k: abs(ata[k][col]))
        ata[col], ata[pivot] = ata[pivot], ata[col]
        aty[col], aty[pivot] = aty[pivot], aty[col]
        for k in range(col + 1, n):
            f = ata[k][col] / ata[col][col]
            ata[k] = [a - f * b for a, b in zip(ata[k], ata[col])]
            aty[k] -= f * aty[col]
    x = [0.0] * n
    for i in reversed(range(n)):
        x[i] = (aty[i] - sum(ata[i][j] * x[j] for j in range(i + 1, n))) / ata[i][i]
    return x


def fit(data: list[dict]) -> dict:
    full = [p for p in data if not p["slim"]]
    slim = [p for p in data if p["slim"]]
    # Weight each install equally in relative terms: divide every equation by the measured size.
    a, fixed, per = _solve([[p["payload"] / p["measured"], 1 / p["measured"], p["packages"] / p["measured"]] for p in full],
                           [1.0] * len(full))
    a_slim = sum((p["measured"] - fixed - per * p["packages"]) / p["payload"] for p in slim) / len(slim) if slim else a

    def residuals(group: list[dict], factor: float) -> list[float]:
        return [(p["measured"] - (factor * p["payload"] + fixed + per * p["packages"])) /
                (factor * p["payload"] + fixed + per * p["packages"]) for p in group]

    rf, rs = residuals(full, a), residuals(slim, a_slim)
    return {
        "a": round(a, 4), "a_slim": round(a_slim, 4), "fixed": int(fixed), "per_package": int(per),
        "band": [round(1 + min(rf) - 0.03, 3), round(1 + max(rf) + 0.03, 3)],
        # Few slim installs, and how much of a package slim drops (docs, locales) varies: wider margin.
        "slim_band": [round(1 + min(rs) - SLIM_MARGIN, 3), round(1 + max(rs) + SLIM_MARGIN, 3)] if rs else None,
        "points": [{k: (round(v) if isinstance(v, float) else v) for k, v in p.items()} for p in data],
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    results = json.loads(Path(argv[0]).read_text())
    work = Path(argv[1]) if len(argv) > 1 else Path("/tmp/layerlint-size-harness")
    data = points(results, work)
    # one point per distinct install: the same install measured in several cases counts once
    seen: dict[tuple, dict] = {}
    for p in data:
        seen.setdefault((p["slim"], p["packages"], round(p["payload"])), p)
    distinct = list(seen.values())
    model = fit(distinct)
    # Out of sample: each install predicted by a fit that did not see it.
    loo = []
    for k, p in enumerate(distinct):
        rest = distinct[:k] + distinct[k + 1:]
        if sum(1 for q in rest if q["slim"] == p["slim"]) < (1 if p["slim"] else 3):
            continue
        m = fit(rest)
        factor = m["a_slim"] if p["slim"] else m["a"]
        predicted = factor * p["payload"] + m["fixed"] + m["per_package"] * p["packages"]
        loo.append(abs(predicted - p["measured"]) / p["measured"])
    loo.sort()
    model["leave_one_out"] = {"installs": len(loo), "median_abs_error": round(loo[len(loo) // 2], 4),
                              "max_abs_error": round(loo[-1], 4)}
    model.update({
        "date": date.today().isoformat(),
        "method": "least squares of layer = a × (ratio × Installed-Size + pyc × Python Installed-Size) + fixed +"
                  " per_package × n over apt-only layers measured by benchmarks/size_harness/harness.py (st_size"
                  " metric, debian:bookworm look-alikes); ratio and pyc from debian-payload.json; a_slim for"
                  " bookworm-slim; band = smallest/largest relative residual ± 3 % (slim ± 15 %); hold-out cases excluded",
        "script": "benchmarks/size_harness/calibrate.py",
    })
    stored = json.loads(CALIBRATION.read_text())
    stored.setdefault("layers", {})["apt_st_model"] = model
    CALIBRATION.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    print(json.dumps({k: v for k, v in model.items() if k != "points"}, indent=1))
    for p in model["points"]:
        print(f"  {p['case']}:{p['line']} slim={p['slim']} n={p['packages']} measured={p['measured']:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
