"""Report notebooks are committed clean (as nbstripout stores them) and declare their parameters."""

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from qpv_analytics import cli
from qpv_analytics.config import KERNEL_NAME, get_paths
from qpv_analytics.labels import REPORT_TITLES
from qpv_analytics.publish import clean_notebooks, lab
from qpv_analytics.publish.notebook_parameters import declared_parameters
from qpv_analytics.publish.publication import NOTEBOOK_PARAMETERS, require_parameters
from qpv_analytics.quality.model import DataError
from tests.conftest import REPO

pytestmark = pytest.mark.unit

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_is_one_notebook_per_axis_and_a_title_for_each():
    stems = {nb.stem for nb in NOTEBOOKS}
    assert {s for s in stems if s.startswith("axe")} == set(REPORT_TITLES) - {
        "contexte",
        "synthese",
    }
    assert stems <= set(REPORT_TITLES)


def _assert_clean_with_parameters(notebook: Path, parameters: set[str]) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    assert set(pm.inspect_notebook(str(notebook))) == parameters
    # The runner reads the same names without importing Papermill.
    assert declared_parameters(notebook) == parameters


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean_and_parameterised(notebook):
    _assert_clean_with_parameters(notebook, NOTEBOOK_PARAMETERS)


PROFILE_NOTEBOOKS = sorted((REPO / "notebooks" / "profils").glob("*.ipynb"))


def test_there_is_one_profile_notebook_per_kind():
    from qpv_analytics.report.profiles import KINDS

    assert {nb.stem for nb in PROFILE_NOTEBOOKS} == {f"profil_{k}" for k in KINDS}


@pytest.mark.parametrize("notebook", PROFILE_NOTEBOOKS, ids=lambda p: p.stem)
def test_profile_notebook_is_clean_and_parameterised_by_its_unit(notebook):
    kind = notebook.stem.removeprefix("profil_")
    _assert_clean_with_parameters(notebook, NOTEBOOK_PARAMETERS | {kind})


# -- Output-free notebooks that diff cleanly (nbstripout, see publish/clean_notebooks.py) --


def test_notebook_files_are_exactly_what_the_git_filter_stores():
    assert clean_notebooks.unclean(get_paths()) == [], (
        "notebooks avec sorties ou métadonnées propres à un poste : "
        "lancez « make nettoie-notebooks »."
    )


def test_default_year_of_every_notebook_has_its_parameters_file():
    paths = get_paths()
    years = lab.notebook_default_years(paths)
    assert set(years) == {nb.stem for nb in NOTEBOOKS}
    for name, year in years.items():
        assert paths.params.joinpath(f"{year}.yaml").is_file(), (name, year)


def _dirty(notebook: Path) -> None:
    """Run-like state JupyterLab saves: outputs, counts, full language details."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2025\n")]
    nb.cells[0].execution_count = 1
    nb.cells[0].metadata["ExecuteTime"] = {"end_time": "2026-01-01T00:00:00"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9", "mimetype": "x"}
    nbformat.write(nb, notebook)


def test_nettoyer_notebooks_finds_and_removes_outputs(project, capsys):
    target = project.notebooks / "axe4_laicite.ipynb"
    original = target.read_text(encoding="utf-8")
    _dirty(target)
    assert cli.main(["nettoyer-notebooks", "--verifier"]) == 1
    out = capsys.readouterr().out
    assert "à nettoyer : notebooks/axe4_laicite.ipynb" in out and "make nettoie-notebooks" in out
    assert target.read_text(encoding="utf-8") != original  # --verifier changes nothing
    assert cli.main(["nettoyer-notebooks"]) == 0
    assert target.read_text(encoding="utf-8") == original  # ids and everything else kept
    assert cli.main(["nettoyer-notebooks", "--verifier"]) == 0


def test_a_notebook_laid_out_otherwise_is_not_clean(project):
    target = project.notebooks / "axe4_laicite.ipynb"
    original = target.read_text(encoding="utf-8")
    target.write_text(json.dumps(json.loads(original), indent=2), encoding="utf-8")
    assert clean_notebooks.unclean(project) == [target]
    assert clean_notebooks.clean(project) == [target]
    assert target.read_text(encoding="utf-8") == original


def test_git_filter_stores_a_run_notebook_without_outputs(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git absent de ce poste")
    repo = tmp_path / "depot"
    (repo / "notebooks").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    shutil.copy(REPO / ".gitattributes", repo / ".gitattributes")
    source = REPO / "notebooks" / "axe4_laicite.ipynb"
    target = repo / "notebooks" / source.name
    shutil.copy(source, target)
    _dirty(target)
    assert clean_notebooks.install_git_filter(repo)
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    staged = subprocess.run(
        ["git", "-C", str(repo), "show", f":notebooks/{source.name}"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    assert staged == source.read_text(encoding="utf-8")
    assert "outputs" in target.read_text(encoding="utf-8")  # the working copy keeps its outputs


def test_git_filter_is_not_installed_outside_a_repository(tmp_path):
    assert clean_notebooks.install_git_filter(tmp_path) is False


def test_declared_parameters_agree_with_papermill_and_refuse_bad_cells(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "python", "display_name": "P"}
    source = 'annee = 2025  # l\'année publiée\nepci: str = "200093201"\nprint(annee)\n'
    nb.cells = [
        nbformat.v4.new_markdown_cell("annee = 1"),
        nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("autre = 3"),
    ]
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert declared_parameters(path) == set(pm.inspect_notebook(str(path))) == {"annee", "epci"}
    nb.cells[1].source = "annee = (2025"
    nbformat.write(nb, path)
    with pytest.raises(ValueError, match="cellule « parameters » invalide"):
        declared_parameters(path)
    path.write_text("pas un notebook", encoding="utf-8")
    with pytest.raises(ValueError, match="notebook illisible"):
        declared_parameters(path)


def test_a_notebook_without_its_parameters_gets_a_french_message(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("annee = 2025", metadata={"tags": ["parameters"]})]
    path = tmp_path / "profil.ipynb"
    nbformat.write(nb, path)
    require_parameters(path, {"annee"}, unreadable="relisez-le.", missing="ajoutez-le.")
    with pytest.raises(DataError) as missing:
        require_parameters(path, {"annee", "epci"}, unreadable="relisez-le.", missing="ajoutez-le.")
    assert str(missing.value) == (
        "Le notebook profil.ipynb n'a pas de cellule « parameters » déclarant epci. "
        "À faire : ajoutez-le."
    )
    path.write_text("pas un notebook", encoding="utf-8")
    with pytest.raises(DataError, match=r"^Le notebook profil.ipynb ne peut pas être inspecté "):
        require_parameters(path, {"annee"}, unreadable="relisez-le.", missing="ajoutez-le.")
