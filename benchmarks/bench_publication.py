"""Benchmark of the publication on the demo data, against the naive way, in one run.

Measured in a temporary copy of the project, one after the other on the same inputs:

1. the naive way: the project's own quality gate (``valider``), then for each report and
   profile the ``papermill`` command line and the ``jupyter nbconvert`` command line;
2. ``make reports`` cold (no previous publication, no cache in ``data/processed/``);
3. ``make reports`` again, nothing changed;
4. ``make reports`` after one raw file changed (a project budget resent by a partner);
5. one profile on demand (``make profil``).

Each time is printed with its ratio to the naive way, with the machine's core count. Run by
``make bench``; never a timed test (machines are shared: only ratios of one run compare).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
YEAR = 2025
TARGETS = {"froid": 0.3, "inchange_s": 2.0, "profil_s": 10.0}
"""Issue 13: cold ≤ 0,3 × naive; nothing changed < 2 s; one profile on demand < 10 s."""


def _env(root: Path) -> dict[str, str]:
    env = {**os.environ, "QPV_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False"}
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run(cmd: list[str], root: Path, cwd: Path | None = None, **extra: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd or root, env={**_env(root), **extra}, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"Échec de : {' '.join(cmd)}")
    return seconds, proc.stdout


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "qpv_analytics", *args]


def _project(tmp: Path, sample: bool) -> Path:
    root = tmp / "projet"
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "processed").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "params", root / "params")
    shutil.copytree(
        REPO / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints")
    )
    if sample:  # a quick check: 4 profiles instead of the 59
        params = root / "params" / f"{YEAR}.yaml"
        params.write_text(
            params.read_text(encoding="utf-8")
            + "profils:\n  epci: ['200093201', '200071892']\n"
            + "  bailleurs: ['Logis de l''Opale (fictif)', 'Foyers de la Lys (fictif)']\n",
            encoding="utf-8",
        )
    _run(_cli("demo"), root)
    return root


def _jobs(root: Path) -> list[tuple[Path, list[str], str]]:
    """Every notebook of a publication with its Papermill parameters, as the runner plans it."""
    env = _env(root)
    code = (
        "import json\nfrom qpv_analytics.config import get_paths\n"
        "from qpv_analytics.params import load_params\n"
        "from qpv_analytics.publish import publication\n"
        "from qpv_analytics.ingest import loaders, reference\n"
        f"p = get_paths(); params = load_params({YEAR}, p)\n"
        "nbs = publication.discover_reports(params, p)\n"
        "qpv = reference.qpv_for_params(params, p)\n"
        "units = publication.plan_profiles(params, p, qpv, loaders.read_processed('bailleurs', p),"
        " nbs)\n"
        "print(json.dumps({'rapports': [str(n) for n in nbs], "
        "'profils': [[u.kind, u.code, u.file] for u in units]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    plan = json.loads(proc.stdout.strip().splitlines()[-1])
    jobs = [(Path(nb), ["-p", "annee", str(YEAR)], Path(nb).stem) for nb in plan["rapports"]]
    for kind, code_, file in plan["profils"]:
        notebook = root / "notebooks" / "profils" / f"profil_{kind}.ipynb"
        jobs.append((notebook, ["-p", "annee", str(YEAR), "-r", kind, code_], Path(file).stem))
    return jobs


def naive(root: Path) -> tuple[float, int]:
    """The gate, then the papermill and jupyter nbconvert command lines per notebook."""
    build = root / "naif"
    out = build / "executes"
    out.mkdir(parents=True)
    start = time.perf_counter()
    _run(_cli("valider", "--annee", str(YEAR)), root)
    jobs = _jobs(root)
    for notebook, params, name in jobs:
        executed = out / f"{name}.ipynb"
        _run(
            [str(BIN / "papermill"), str(notebook), str(executed), "-k", "qpv-analytics", *params],
            root,
            cwd=notebook.parent,
            QPV_BUILD_DIR=str(build),
        )
        _run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            root,
        )
    return time.perf_counter() - start, len(jobs)


def _rebuilt(root: Path) -> list[str]:
    manifest = json.loads((root / "reports" / str(YEAR) / "manifest.json").read_text("utf-8"))
    return [e["html"] for e in manifest["rapports"] + manifest["profils"] if e["reconstruit"]]


def _change_one_raw_file(root: Path) -> str:
    """A partner resends its 2025 file of innovative projects with one budget corrected."""
    target = sorted((root / "data" / "raw" / "projets_innovation").glob(f"*{YEAR}*.csv"))[0]
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    cells = lines[1].split(";")
    column = header.index("budget_eur")
    cells[column] = str(int(float(cells[column])) + 1000)
    lines[1] = ";".join(cells)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return target.relative_to(root).as_posix()


def _fmt(seconds: float) -> str:
    return f"{seconds:7.1f} s".replace(".", ",")


def _ratio(value: float) -> str:
    return f"{value:5.2f} ×".replace(".", ",")


def main(argv: list[str] | None = None) -> int:
    """Measure the five runs; return 1 if a target of issue 13 is missed.

    Args:
        argv: ``--rapide`` (4 profiles instead of 59, for a quick check), ``--garder``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rapide", action="store_true", help="4 profils au lieu des 59")
    parser.add_argument("--garder", action="store_true", help="garder le dossier temporaire")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-publication-"))
    try:
        root = _project(tmp, args.rapide)
        print(
            f"Machine : {os.cpu_count()} cœur(s), Python {sys.version.split()[0]} ; données de "
            f"démonstration, publication {YEAR}. Mesures successives, dans le même passage."
        )
        naive_s, count = naive(root)
        print(
            f"  1. façon naïve ({count} notebooks : valider, papermill, jupyter nbconvert)"
            f" : {_fmt(naive_s)}"
        )
        shutil.rmtree(root / "naif")
        for folder in (root / "data" / "processed", root / "reports"):
            shutil.rmtree(folder, ignore_errors=True)
        (root / "data" / "processed").mkdir()
        publish = _cli("publier", "--annee", str(YEAR))
        cold, _ = _run(publish, root)
        runs = [("2. make reports à froid", cold)]
        unchanged, said = _run(publish, root)
        assert "Rien n'a changé" in said, said
        runs.append(("3. make reports, rien de changé", unchanged))
        changed_file = _change_one_raw_file(root)
        one, _ = _run(publish, root)
        rebuilt = _rebuilt(root)
        runs.append((f"4. make reports, un fichier modifié ({changed_file})", one))
        profile, _ = _run(_cli("profil", "--annee", str(YEAR), "--epci", "200093201"), root)
        runs.append(("5. un profil à la demande (make profil EPCI=200093201)", profile))
        for label, seconds in runs:
            print(f"  {label:<74} : {_fmt(seconds)}   {_ratio(seconds / naive_s)} la façon naïve")
        profiles = sum(r.startswith("profils/") for r in rebuilt)
        others = sorted(r for r in rebuilt if not r.startswith("profils/"))
        print(
            f"     après la modification : {len(rebuilt)} rapport(s) reconstruit(s) sur {count} "
            f"({', '.join(others)} et {profiles} profil(s), qui lisent le tableau de l'axe 6)."
        )
        verdicts = [
            ("publication à froid ≤ 0,3 × la façon naïve", cold / naive_s <= TARGETS["froid"]),
            ("rien de changé < 2 s", unchanged < TARGETS["inchange_s"]),
            ("un profil à la demande < 10 s", profile < TARGETS["profil_s"]),
        ]
        for label, ok in verdicts:
            print(f"  objectif {label} : {'atteint' if ok else 'NON atteint'}")
        return 0 if all(ok for _, ok in verdicts) else 1
    finally:
        if args.garder:
            print(f"Dossier conservé : {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
