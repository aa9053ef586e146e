"""Report notebooks are committed clean and declare what the runner injects."""

import json
from pathlib import Path

import papermill as pm
import pytest

from qpv_analytics.config import KERNEL_NAME
from qpv_analytics.labels import REPORT_TITLES
from qpv_analytics.publish.publication import NOTEBOOK_PARAMETERS

pytestmark = pytest.mark.unit

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_is_one_notebook_per_axis_and_a_title_for_each():
    stems = {nb.stem for nb in NOTEBOOKS}
    assert {s for s in stems if s.startswith("axe")} == set(REPORT_TITLES) - {
        "contexte",
        "synthese",
    }
    assert stems <= set(REPORT_TITLES)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean_and_parameterised(notebook):
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    assert set(pm.inspect_notebook(str(notebook))) == NOTEBOOK_PARAMETERS
