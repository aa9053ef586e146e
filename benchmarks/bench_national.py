"""Benchmark at national size: loading, validation and every indicator table, with peak memory."""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

TARGET_S = 60.0
"""Target: load + validation + indicators of the national inputs in less than 60 seconds."""

TARGET_BYTES = 4e9
"""Target: peak memory (resident set of the process doing the work) under 4 GB."""

STEPS = (
    ("chargement", "chargement des fichiers (loaders.load_raw)"),
    ("contexte", "contexte et territoires (comme la publication)"),
    ("parquet", "écriture data/processed/ (Parquet)"),
    ("validation", "validation (run_quality_gate, Great Expectations)"),
    ("indicateurs", "tables d'indicateurs (every_table.indicator_tables)"),
    ("secret", "secret statistique des tables (protect_people)"),
)
"""Measured steps, in order: key and French label."""


def _params(annee: int):
    from qpv_analytics.geography import NATIONAL_REGION
    from qpv_analytics.ingest.demo.national import NATIONAL_YEARS
    from qpv_analytics.params import RunParams

    return RunParams(annee=annee, region=NATIONAL_REGION, nb_annees_tendance=NATIONAL_YEARS)


class _OverBudget(Exception):
    """The secrecy step ran past its time budget."""


def measure(root: Path, annee: int, budget_s: float) -> dict:
    """Do the measured work on the project ``root`` (run in a child process by :func:`main`).

    The secrecy step is stopped after ``budget_s`` seconds (its time is then a lower bound).

    Returns:
        Seconds per step, rows per table, the quality status and the indicator rows.
    """
    import signal

    times: dict[str, float] = {}
    start = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[step] = now - start
        start = now

    from qpv_analytics.config import Paths
    from qpv_analytics.indicators.every_table import indicator_tables
    from qpv_analytics.ingest import loaders, reference
    from qpv_analytics.publish.publication import load_context, load_territories
    from qpv_analytics.quality.gate import run_quality_gate
    from qpv_analytics.report.reporting import Report

    paths = Paths(root)
    params = _params(annee)
    qpv = reference.qpv_for_params(params, paths)
    start = time.perf_counter()
    results = loaders.load_raw(paths)
    lap("chargement")
    results["contexte"] = load_context(params, paths)
    results["territoires"] = load_territories(params, paths)
    lap("contexte")
    loaders.write_processed(results, paths)
    lap("parquet")
    report = run_quality_gate(results, qpv, params, root / "qualite", paths)
    lap("validation")
    reader = Report(params, paths, qpv, demo=True).table
    tables = indicator_tables(reader, qpv, params, paths, protect=False)
    lap("indicateurs")
    from qpv_analytics import disclosure

    def stop(signum, frame):
        raise _OverBudget

    signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, budget_s)
    interrupted = None
    try:
        for name, frame in tables.items():
            if name != "contexte":  # public context data: no secrecy (as the context report)
                interrupted = name
                tables[name] = disclosure.protect_people(frame, params, qpv)
        interrupted = None
    except _OverBudget:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    lap("secret")
    return {
        "interrompu": interrupted,
        "secondes": times,
        "lignes": {name: len(r.data) for name, r in results.items()},
        "statut": report.status,
        "bloquants": report.counts[0],
        "avertissements": report.counts[1],
        "indicateurs": {name: len(t) for name, t in tables.items()},
        "qpv": int(qpv["code_qpv"].nunique()),
    }


def _n(value: float) -> str:
    """A count written the French way (``1 153 404``)."""
    return f"{value:,.0f}".replace(",", "\u202f")


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    """Generate the national demo in a temporary project, then measure the work in a child.

    Args:
        argv: command-line arguments (``--taille F``, ``--garder``).

    Returns:
        0 if both targets are met (total time and peak memory), else 1.
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--taille", type=float, default=1.0, help="facteur de taille des volumes (1 = national)"
    )
    parser.add_argument("--garder", action="store_true", help="garder le dossier temporaire")
    parser.add_argument(
        "--budget-secret",
        type=float,
        default=300.0,
        help="arrêter le secret statistique après ce nombre de secondes (300)",
    )
    parser.add_argument("--mesure", type=Path, help=argparse.SUPPRESS)  # the child's project
    args = parser.parse_args(argv)

    from qpv_analytics.config import get_paths
    from qpv_analytics.ingest import demo, readers
    from qpv_analytics.ingest.demo.national import SIZES

    annee = demo.LAST_YEAR
    if args.mesure:
        print(json.dumps(measure(args.mesure, annee, args.budget_secret)))
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="bench-national-"))
    root = tmp / "projet"
    (root / "data").mkdir(parents=True)
    (root / "data" / "reference").symlink_to(get_paths().reference)
    raw = root / "data" / "raw"
    start = time.perf_counter()
    demo.generate(raw, echelle="nationale", taille=args.taille)
    generation = time.perf_counter() - start
    files = [p for p in raw.rglob("*") if p.suffix.lower() in readers.SUFFIXES]

    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
    child = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--mesure",
            str(root),
            "--budget-secret",
            str(args.budget_secret),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kB on Linux
    if child.returncode != 0:
        print(child.stdout + child.stderr)
        print("La mesure a échoué (voir ci-dessus).")
        return 1
    result = json.loads(child.stdout.strip().splitlines()[-1])
    seconds, rows = result["secondes"], result["lignes"]
    total = sum(seconds.values())

    import numpy as np
    import pandas as pd

    print(
        f"Données nationales de démonstration : {result['qpv']} QPV, {len(files)} fichiers, "
        f"{_size(raw) / 1e6:.0f} Mo, générées en {generation:.1f} s (taille {args.taille:g} ; "
        f"prévu : {_n(SIZES.beneficiaires * args.taille)} bénéficiaires, "
        f"{_n(SIZES.relogements * args.taille)} ménages relogés)."
    )
    print(
        f"Python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"{os.cpu_count()} CPU."
    )
    print(
        f"Lignes chargées : {_n(sum(rows.values()))} au total ; "
        + ", ".join(f"{name} {_n(count)}" for name, count in sorted(rows.items()))
        + "."
    )
    print(
        f"Statut du contrôle : {result['statut']} ({result['bloquants']} bloquant(s), "
        f"{result['avertissements']} avertissement(s)) ; "
        f"{_n(sum(result['indicateurs'].values()))} lignes d'indicateurs."
    )
    print(f"Parquet écrit : {_size(root / 'data' / 'processed') / 1e6:.0f} Mo.")
    print()
    for key, label in STEPS:
        print(f"  {label:<52} : {seconds[key]:6.1f} s")
    if result["interrompu"]:
        print(
            f"  secret statistique interrompu après {args.budget_secret:.0f} s, pendant la table "
            f"{result['interrompu']} : le total est un minimum."
        )
    print(f"  {'total':<52} : {total:6.1f} s")
    print(f"  {'pic de mémoire (RSS du processus de mesure)':<52} : {peak / 1e9:6.2f} Go")
    print()
    ok_time, ok_memory = total < TARGET_S and not result["interrompu"], peak < TARGET_BYTES
    print(
        f"  objectif total < {TARGET_S:.0f} s : "
        f"{'atteint' if ok_time else 'NON atteint'} ({total:.1f} s)."
    )
    print(
        f"  objectif mémoire < {TARGET_BYTES / 1e9:.0f} Go : "
        f"{'atteint' if ok_memory else 'NON atteint'} ({peak / 1e9:.2f} Go)."
    )
    if args.garder:
        print(f"Dossier conservé : {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok_time and ok_memory else 1


if __name__ == "__main__":
    sys.exit(main())
