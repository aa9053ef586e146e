"""Benchmark of the quality gate on the demo data: loading, validation, and a pandas baseline."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

TARGET_S = 10.0
"""Target: validation of all demo inputs in less than 10 seconds."""


def _timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Run ``fn`` ``repeat`` times; return the durations (seconds) and the last result."""
    durations, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        durations.append(time.perf_counter() - start)
    return durations, result


def _fmt(durations: list[float]) -> str:
    med = statistics.median(durations)
    return f"{med:6.2f} s (médiane ; min {min(durations):.2f}, max {max(durations):.2f})"


def main(argv: list[str] | None = None) -> int:
    """Generate the demo data in a temporary folder, then time loading and validation.

    Args:
        argv: command-line arguments (``--repeat N``, ``--garder``).

    Returns:
        0 if the median validation time is under the target, else 1.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="mesures par étape (3)")
    parser.add_argument("--garder", action="store_true", help="garder le dossier temporaire")
    args = parser.parse_args(argv)

    import pandas as pd

    from qpv_analytics.config import Paths, get_paths
    from qpv_analytics.ingest import demo, loaders, readers
    from qpv_analytics.ingest.reference import qpv_reference
    from qpv_analytics.params import RunParams
    from qpv_analytics.quality.gate import run_quality_gate

    tmp = Path(tempfile.mkdtemp(prefix="bench-qualite-"))
    root = tmp / "projet"
    raw = root / "data" / "raw"
    start = time.perf_counter()
    demo.generate(raw)
    generation = time.perf_counter() - start
    files = [p for p in raw.rglob("*") if p.suffix.lower() in readers.SUFFIXES]
    size = sum(p.stat().st_size for p in files)
    params = RunParams(annee=demo.LAST_YEAR)
    qpv = qpv_reference(params.region, get_paths())
    paths = Paths(root)

    def baseline() -> int:
        return sum(
            len(pd.read_csv(p, sep=";", dtype=str, encoding="utf-8-sig"))
            for p in files
            if p.suffix.lower() == ".csv"
        )

    start = time.perf_counter()
    import great_expectations  # noqa: F401  (measured once: the cost of a cold start)

    gx_import = time.perf_counter() - start

    base_t, base_rows = _timed(baseline, args.repeat)
    load_t, results = _timed(lambda: loaders.load_raw(paths), args.repeat)
    runs = iter(range(args.repeat))
    gate_t, report = _timed(
        lambda: run_quality_gate(results, qpv, params, tmp / f"qualite-{next(runs)}"),
        args.repeat,
    )
    rows = sum(len(r.data) for r in results.values())
    base, load, gate = (statistics.median(t) for t in (base_t, load_t, gate_t))

    print(
        f"Données de démonstration : {len(files)} fichiers, {size / 1e6:.1f} Mo, "
        f"{rows} lignes chargées ({base_rows} lignes CSV brutes), générées en "
        f"{generation:.1f} s."
    )
    print(
        f"Python {sys.version.split()[0]}, pandas {pd.__version__}, "
        f"great_expectations {great_expectations.__version__}, {os.cpu_count()} CPU."
    )
    print(
        f"Statut du contrôle : {report.status} ({report.counts[0]} bloquant(s), "
        f"{report.counts[1]} avertissement(s))."
    )
    print()
    print(f"  import great_expectations (une fois) : {gx_import:6.2f} s")
    print(f"  référence pandas.read_csv            : {_fmt(base_t)}")
    print(f"  chargement (loaders.load_raw)        : {_fmt(load_t)}")
    print(f"  validation (run_quality_gate)        : {_fmt(gate_t)}")
    print()
    print(f"  chargement / référence : {load / base:6.1f} ×")
    print(f"  validation / référence : {gate / base:6.1f} ×")
    print(f"  validation / chargement: {gate / load:6.1f} ×")
    print(f"  validation + import GX : {gate + gx_import:6.2f} s (premier passage d'un processus)")
    verdict = "atteint" if gate < TARGET_S else "NON atteint"
    print(f"  objectif validation < {TARGET_S:.0f} s : {verdict} ({gate:.2f} s).")
    if args.garder:
        print(f"Dossier conservé : {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if gate < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
