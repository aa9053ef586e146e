"""JupyterLab for analysts: the year's data prepared as for a publication, the project kernel."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import papermill as pm

from qpv_analytics.config import KERNEL_NAME, Paths
from qpv_analytics.labels import SEVERITY_LABELS
from qpv_analytics.quality.model import DataError

Echo = Callable[[str], None]

ENV_DROPPED = ("MPLBACKEND",)
"""Variables set by the Makefile for batch runs that JupyterLab must not pass on to its kernels.

``MPLBACKEND=Agg`` keeps Papermill runs off any display, but in JupyterLab it would stop an
analyst's own ``plt.plot`` from showing under the cell.
"""


def notebook_default_years(paths: Paths) -> dict[str, int]:
    """Default ``annee`` of each report notebook's ``parameters`` cell, by notebook name."""
    years = {}
    for nb in sorted(paths.notebooks.glob("*.ipynb")):
        declared = pm.inspect_notebook(str(nb)).get("annee", {})
        try:
            years[nb.stem] = int(declared.get("default", ""))
        except ValueError:
            continue
    return years


def lab_command(paths: Paths, port: int | None = None, browser: bool = True) -> list[str]:
    """Command line starting JupyterLab at the project root, notebooks open, project kernel.

    The root is the project (not ``notebooks/``) so that ``params/`` and ``docs/`` open in the
    same window; a notebook created there starts on the project kernel.
    """
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={paths.root}",
        f"--LabApp.default_url=/lab/tree/{paths.notebooks.relative_to(paths.root).as_posix()}",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
    ]
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if not browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # JupyterLab refuses root otherwise
        command.append("--allow-root")
    return command


def lab_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of the JupyterLab server and its kernels (batch-only settings removed)."""
    env = dict(os.environ if environ is None else environ)
    for name in ENV_DROPPED:
        env.pop(name, None)
    return env


def prepare(year: int, paths: Paths, echo: Echo = print, wait_minutes: float = 0) -> bool:
    """Prepare what the notebooks read, as ``make valider`` does; return whether it went through.

    Demo data when the parameters ask for it, ``data/raw`` and the context files loaded to
    ``data/processed``, the quality check and its summary (read by the notebooks' notices).
    A refusal is told in French with what it means for the notebooks; it does not stop the lab,
    where the analyst may well want to look into the problem.
    """
    from qpv_analytics.publish.publication import validate_only

    echo(f"== Préparation des données {year} pour les notebooks ==")
    try:
        code = validate_only(year, paths, echo=echo, wait_minutes=wait_minutes)
    except DataError as exc:
        echo(f"\n{SEVERITY_LABELS['bloquant']} — {exc}")
        echo(
            "JupyterLab s'ouvre quand même, mais les notebooks s'arrêteront sur ce problème tant "
            "qu'il n'est pas corrigé (guide : docs/guide_analyste.md, « Une exécution refusée »)."
        )
        return False
    if code:
        echo(
            "Les notebooks s'exécutent sur ces données, mais « make reports » refusera de les "
            f"publier tant que les problèmes bloquants ne sont pas corrigés : voir "
            f"reports/qualite/{year}/index.html."
        )
        return False
    return True


def year_notice(year: int, paths: Paths) -> str | None:
    """Say which notebooks do not default to the prepared year, and how to run them on it."""
    other = sorted(name for name, y in notebook_default_years(paths).items() if y != year)
    if not other:
        return None
    return (
        f"Données préparées pour {year}, mais ces notebooks ont une autre année par défaut : "
        f"{', '.join(other)}. Pour les exécuter sur {year}, écrivez « annee = {year} » dans leur "
        "première cellule (cellule « parameters »)."
    )


def open_lab(
    year: int,
    paths: Paths,
    echo: Echo = print,
    wait_minutes: float = 0,
    port: int | None = None,
    browser: bool = True,
) -> None:
    """Register the kernel, prepare the year's data, then replace this process by JupyterLab."""
    from qpv_analytics.publish.kernel import register_kernel

    register_kernel()
    prepare(year, paths, echo, wait_minutes)
    notice = year_notice(year, paths)
    if notice:
        echo(notice)
    echo(
        f"== JupyterLab (noyau « {KERNEL_NAME} ») : ouvrez un notebook de notebooks/, puis "
        "« Run › Run All Cells ». Ctrl+C deux fois pour arrêter. =="
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(paths.root)
    command = lab_command(paths, port, browser)
    os.execve(command[0], command, lab_environment())
