"""The README's first steps, followed on a copy of the project: make lab, a notebook, a parameter.

``make lab`` prepares the data with :func:`qpv_analytics.publish.lab.prepare` before JupyterLab
starts; here the same preparation runs, the parameter is changed as the README says, and the
notebook it names is executed by the real Papermill with its own default parameters, outside
any publication — as « Run All Cells » in JupyterLab does. JupyterLab itself is not started.
"""

from __future__ import annotations

import re

import nbformat
import papermill as pm
import pytest

from qpv_analytics.config import BUILD_ENV, KERNEL_NAME
from qpv_analytics.params import load_params
from qpv_analytics.publish import lab
from tests.conftest import REPO

pytestmark = pytest.mark.integration

README = REPO / "README.md"
MARKER = "<!-- test_lab: premiers pas -->"


def first_steps() -> str:
    """The numbered first steps of the README, after their marker."""
    text = README.read_text(encoding="utf-8")
    assert MARKER in text, "le README a perdu ses premiers pas"
    return text.split(MARKER, 1)[1].split("\n\n", 1)[0]


def _plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_first_steps_open_jupyterlab_run_a_notebook_change_a_parameter_and_publish():
    steps = first_steps()
    assert [int(n) for n in re.findall(r"^(\d)\. ", steps, flags=re.M)] == [1, 2, 3, 4]
    assert "`make lab`" in steps and "`make reports`" in steps
    notebook = re.search(r"ouvrez `(notebooks/[^`]+\.ipynb)`", steps).group(1)
    assert (REPO / notebook).is_file()
    year = lab.notebook_default_years(lab.Paths(REPO))[(REPO / notebook).stem]
    assert f"`params/{year}.yaml`" in steps and f"`reports/{year}/index.html`" in steps


def test_readme_first_steps_followed_on_a_copy(project, monkeypatch, tmp_path):
    steps = first_steps()
    notebook = project.root / re.search(r"ouvrez `(notebooks/[^`]+\.ipynb)`", steps).group(1)
    year = lab.notebook_default_years(project)[notebook.stem]
    lines: list[str] = []

    # 1. make lab: the data the notebooks read is prepared (demo data, Parquet, quality).
    assert lab.prepare(year, project, echo=lines.append), "\n".join(lines)
    assert (project.raw / "DEMONSTRATION.txt").exists()
    assert project.quality_summary(year).exists()
    assert (project.processed / "contexte.parquet").exists()

    # 3. The parameter, changed as the README says.
    old, new = re.search(r"remplacez\s+`([^`]+)`\s+par\s+`([^`]+)`", steps).groups()
    params_file = project.params / f"{year}.yaml"
    text = params_file.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old} absent de params/{year}.yaml"
    params_file.write_text(text.replace(old, new), encoding="utf-8")
    load_params(year, project)  # still valid
    shown = _plain(re.search(r"affichent\s+«\s*([^»]+?)\s*»", steps).group(1))

    # 2. Run All Cells: the notebook's own defaults, the project kernel, not in a publication.
    monkeypatch.setenv("PYTHONPATH", str(REPO / "src"))  # the kernel imports this tree's code
    monkeypatch.delenv(BUILD_ENV, raising=False)
    executed = tmp_path / "execute.ipynb"
    pm.execute_notebook(
        str(notebook),
        str(executed),
        kernel_name=KERNEL_NAME,
        cwd=str(notebook.parent),
        progress_bar=False,
        start_timeout=180,
    )
    outputs = "".join(
        str(output.get("data", {}).get("text/html", "")) + str(output.get("text", ""))
        for cell in nbformat.read(executed, as_version=4).cells
        for output in cell.get("outputs", [])
    )
    assert shown in _plain(outputs)
    assert "Traceback" not in outputs
    draft = project.draft_dir(year)
    assert (project.indicators_in(draft) / f"{notebook.stem}.csv").is_file()
    assert not project.report_year(year).exists(), "un notebook exécuté à la main a publié"
