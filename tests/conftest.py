"""Shared fixtures: a throw-away project root so tests never touch the real data or reports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from qpv_analytics.config import Paths
from qpv_analytics.indicators.model import Indicator

REPO = Path(__file__).resolve().parents[1]

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("MPLBACKEND", "Agg")


def tidy_row(
    code: str,
    level: str,
    territory: str,
    value: float | None,
    *,
    year: int = 2025,
    num: float | None = None,
    den: float | None = None,
    unit: str = "ménages",
    target: float | None = None,
    status: str = "sans_cible",
) -> dict:
    """One row of a tidy indicator table (``RESULT_COLUMNS``), written by hand in a test."""
    return {
        "indicateur": code,
        "libelle": code,
        "axe": 1,
        "niveau": level,
        "code": territory,
        "nom": territory,
        "annee": year,
        "valeur": value,
        "numerateur": num,
        "denominateur": den,
        "unite": unit,
        "cible": target,
        "statut": status,
    }


def toy_indicator(**fields) -> Indicator:
    """A share indicator ``Σ a / Σ b × 100`` declared in a test; ``fields`` override its own."""
    base = {
        "code": "toy_part_pct",
        "label": "Indicateur jouet",
        "axis": 3,
        "definition": "Pour les tests.",
        "formula": "Σ a / Σ b × 100",
        "unit": "%",
        "sources": ("test",),
        "numerator": "a",
        "denominator": "b",
        "levels": ("region", "epci"),
        "scale": 100.0,
    }
    return Indicator(**{**base, **fields})


def make_project(root: Path, with_notebooks: bool = True) -> Paths:
    """Lay out a minimal project (params, reference data, notebooks) under ``root``."""
    (root / "data" / "raw").mkdir(parents=True)
    (root / "data" / "processed").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    shutil.copytree(REPO / "params", root / "params")
    if with_notebooks:
        shutil.copytree(
            REPO / "notebooks",
            root / "notebooks",
            ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
        )
    return Paths(root)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A temporary project root, selected through ``QPV_ROOT``."""
    paths = make_project(tmp_path / "projet")
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    return paths
