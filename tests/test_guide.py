"""The guide « Ajouter un indicateur », followed to the letter on a temporary copy of the project.

The declaration block of ``docs/ajouter_un_indicateur.md`` is appended to the copy's
``indicators/axe3.py`` (nothing else is edited), the axis-3 notebook runs with the real
Papermill on the copy's sources, and the new indicator must reach the CSV export with the value
computed by hand from the loaded table, and the report's method table. The guide's example of
a hand-computed test is run as well.
"""

from __future__ import annotations

import hashlib
import html
import math
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics.config import BUILD_ENV
from qpv_analytics.ingest.loaders import read_processed
from qpv_analytics.params import load_params
from qpv_analytics.publish import publication
from qpv_analytics.publish.kernel_pool import KernelPool
from tests.conftest import REPO, make_project

pytestmark = pytest.mark.integration

GUIDE = REPO / "docs" / "ajouter_un_indicateur.md"
DECLARATION = "<!-- test_guide: déclaration -->"
TEST = "<!-- test_guide: test -->"
CODE = "attributions_hors_qpv_par_attribution_qpv"
LABEL = "Attributions hors QPV pour une attribution en QPV"
NOTEBOOK = "axe3_discriminations"


def guide_block(marker: str) -> str:
    """The fenced Python block that follows a marker of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    assert marker in text, f"{GUIDE.name} a perdu le bloc {marker}"
    found = re.match(r"\s*```python\n(.*?)\n```", text.split(marker, 1)[1], flags=re.S)
    assert found, f"le marqueur {marker} du guide doit précéder un bloc ```python"
    return found.group(1)


def _hashes(*folders: Path) -> dict[str, str]:
    return {
        str(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in folders
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


def test_guide_block_declares_the_example_indicator():
    block = guide_block(DECLARATION)
    assert f'code="{CODE}"' in block and f'label="{LABEL}"' in block
    assert "axis=3" in block and '"attributions"' in block


def test_guide_hand_computed_test_passes(monkeypatch: pytest.MonkeyPatch):
    from qpv_analytics.indicators import REGISTRY, Indicator, axe3
    from tests import test_indicators_axes

    def register(*declared: Indicator) -> None:
        for ind in declared:
            monkeypatch.setitem(REGISTRY, ind.code, ind)

    # The block runs as in axe3.py, with a register() that the test undoes afterwards.
    exec(guide_block(DECLARATION), {**vars(axe3), "register": register})
    assert CODE in REGISTRY
    namespace = dict(vars(test_indicators_axes))
    exec(guide_block(TEST), namespace)
    [new] = [name for name in namespace if name not in vars(test_indicators_axes)]
    namespace[new]()


def test_indicator_declared_as_the_guide_says_reaches_csv_and_method_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    paths = make_project(tmp_path / "projet")
    src = paths.root / "src"
    shutil.copytree(REPO / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    axe3 = src / "qpv_analytics" / "indicators" / "axe3.py"
    before = _hashes(src, paths.notebooks)
    # « Ajoutez à la fin de src/qpv_analytics/indicators/axe3.py » :
    axe3.write_text(axe3.read_text(encoding="utf-8") + "\n\n" + guide_block(DECLARATION) + "\n")

    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    monkeypatch.setenv("PYTHONPATH", str(src))  # the kernel imports the copy, not the worktree
    params = load_params(2025, paths)
    publication.prepare_data(params, paths, echo=lambda _line: None)
    build, audit = tmp_path / "build", tmp_path / "audit"
    build.mkdir()
    audit.mkdir()
    job = publication.report_job(paths.notebooks / f"{NOTEBOOK}.ipynb", params, build, audit)
    job = replace(job, env={BUILD_ENV: str(build)})
    with KernelPool(1) as pool:  # the publication's runner: a worker's kernel, warm reset
        [result] = list(pool.run([job]))
    assert result.error is None, result.error
    page = job.html

    changed = {p for p, h in _hashes(src, paths.notebooks).items() if before.get(p) != h}
    assert changed == {str(axe3)}, "le guide ne doit modifier que le module de l'axe"

    exported = pd.read_csv(
        build / "indicateurs" / f"{NOTEBOOK}.csv",
        sep=";",
        decimal=",",
        encoding="utf-8-sig",
        dtype={"code": str},
    )
    row = exported[
        (exported["indicateur"] == CODE)
        & (exported["niveau"] == "region")
        & (exported["annee"] == 2025)
    ]
    assert len(row) == 1, f"{CODE} absent de l'export {NOTEBOOK}.csv"
    # By hand: Σ allocations outside QPV / Σ allocations in QPV, rows filling both, in 2025.
    allocations = read_processed("attributions", paths)
    year = allocations[allocations["annee"] == 2025]
    year = year.dropna(subset=["attributions_hors_qpv", "attributions_qpv"])
    expected = year["attributions_hors_qpv"].sum() / year["attributions_qpv"].sum()
    assert math.isclose(float(row["valeur"].iloc[0]), float(expected), rel_tol=1e-9)
    assert set(exported.loc[exported["indicateur"] == CODE, "niveau"]) == {
        "region",
        "departement",
        "epci",
        "bailleur",
    }

    text = page.read_text(encoding="utf-8")
    method = text[text.index("Définitions des indicateurs") :]
    assert html.escape(LABEL) in method
    assert html.escape("Σ attributions hors QPV / Σ attributions en QPV") in method
