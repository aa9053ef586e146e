"""Pre-flight: unwritable folders, unreadable inputs, files outside the project, before any run."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qpv_analytics.config import Paths
from qpv_analytics.ingest import loaders
from qpv_analytics.params import RunParams
from qpv_analytics.publish import preflight, publication
from qpv_analytics.quality.model import DataError
from tests.conftest import make_project

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
VALID = REPO / "tests" / "corpus" / "valide"
PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 24, 1, 2

CHECK = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from qpv_analytics.config import Paths
    from qpv_analytics.params import load_params
    from qpv_analytics.publish import preflight
    from qpv_analytics.quality.model import DataError

    paths = Paths(Path(sys.argv[1]))
    try:
        preflight.check_publication(load_params(2025, paths), paths)
    except DataError as exc:
        print(exc)
        sys.exit(1)
    print("ok")
    """
)


def _without_file_rights() -> None:
    """In the child: drop root's power to ignore file modes (as for any other account)."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")


def run_restricted(args: list[str], root: Path) -> subprocess.CompletedProcess:
    """Run a command whose file modes apply to it, even when the tests run as root."""
    if sys.platform != "linux":
        pytest.skip("droits de fichiers testés sous Linux")
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO / "src"),
        "QPV_ROOT": str(root),
        "GX_ANALYTICS_ENABLED": "False",
    }
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        preexec_fn=_without_file_rights if os.geteuid() == 0 else None,
    )


def _check(paths: Paths) -> subprocess.CompletedProcess:
    return run_restricted([sys.executable, "-c", CHECK, str(paths.root)], paths.root)


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def partner_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A project with one partner file; every mode changed by a test is restored after it."""
    paths = make_project(tmp_path / "projet", with_notebooks=False)
    (paths.raw / "tfpb_abattement").mkdir()
    shutil.copyfile(VALID / "tfpb_abattement.csv", paths.raw / "tfpb_abattement" / "tfpb.csv")
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    yield paths
    for folder, _dirs, files in os.walk(paths.root):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(Path(folder) / name, 0o644)


def test_read_only_reports_stops_the_command_in_french(partner_project: Paths):
    paths = partner_project
    shutil.copytree(REPO / "notebooks", paths.notebooks)
    paths.reports.mkdir()
    paths.reports.chmod(0o555)
    raw_before = _hashes(paths.raw)
    done = run_restricted(
        [sys.executable, "-m", "qpv_analytics", "publier", "--annee", "2025"], paths.root
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "Permission denied" not in done.stderr and "Errno" not in done.stderr
    assert "« reports/ » n'est pas accessible en écriture" in done.stderr
    assert "À faire" in done.stderr and "chmod -R u+w reports" in done.stderr
    assert str(paths.root) not in done.stderr
    assert not any(paths.processed.iterdir())
    assert _hashes(paths.raw) == raw_before


def test_every_unwritable_folder_and_unreadable_input_is_named_at_once(partner_project: Paths):
    paths = partner_project
    previous = paths.report_year(2025)
    Paths.indicators_in(previous).mkdir(parents=True)
    Paths.indicators_in(previous).chmod(0o555)  # the old publication could not be removed
    paths.processed.chmod(0o555)
    partner_file = paths.raw / "tfpb_abattement" / "tfpb.csv"
    partner_file.chmod(0o000)
    paths.notebooks.mkdir()
    (paths.notebooks / "axe1_renouvellement_urbain.ipynb").write_text("{}", encoding="utf-8")
    (paths.notebooks / "axe1_renouvellement_urbain.ipynb").chmod(0o000)
    done = _check(paths)
    assert done.returncode == 1, done.stdout + done.stderr
    text = done.stdout
    assert "Vérifications avant exécution : 4 problème(s)" in text
    assert "« notebooks/axe1_renouvellement_urbain.ipynb » ne peut pas être lu" in text
    assert "« data/processed/ » n'est pas accessible en écriture" in text
    assert "« reports/2025/indicateurs/ » n'est pas accessible en écriture" in text
    assert "remplace « reports/2025/ »" in text
    assert "« data/raw/tfpb_abattement/tfpb.csv » ne peut pas être lu" in text
    assert text.count("À faire") == 4
    assert str(paths.root) not in text


def test_read_only_raw_folder_is_normal_unless_demo_data_must_be_written(partner_project: Paths):
    paths = partner_project
    for folder in (paths.raw, paths.raw / "tfpb_abattement"):
        folder.chmod(0o555)
    done = _check(paths)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stdout + done.stderr

    for folder in (paths.raw, paths.raw / "tfpb_abattement"):
        folder.chmod(0o755)
    shutil.rmtree(paths.raw / "tfpb_abattement")
    paths.raw.chmod(0o555)  # empty: the demo data would be written there
    done = _check(paths)
    assert done.returncode == 1
    assert "« data/raw/ » n'est pas accessible en écriture" in done.stdout


@pytest.fixture
def project_with_notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    paths = make_project(tmp_path / "projet")
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    return paths


def _nothing_written(paths: Paths) -> None:
    assert not any(paths.processed.iterdir())
    assert not paths.report_year(2025).exists() and not paths.quality_dir(2025).exists()
    assert not paths.run_owner.exists()


@pytest.mark.parametrize("form", ["absolu", "relatif", "lien"])
def test_context_file_outside_the_project_stops_before_anything(
    project_with_notebooks: Paths, tmp_path: Path, form: str
):
    paths = project_with_notebooks
    outside = tmp_path / "ailleurs" / "contexte.csv"
    outside.parent.mkdir()
    shutil.copyfile(paths.default_context, outside)
    if form == "absolu":
        written = str(outside)
    elif form == "relatif":
        written = "../ailleurs/contexte.csv"
    else:
        (paths.root / "data" / "contexte.csv").symlink_to(outside)
        written = "data/contexte.csv"
    params = paths.params / "2025.yaml"
    params.write_text(
        params.read_text(encoding="utf-8")
        + f"contexte:\n  - fichier: '{written}'\n    source: tiers_2024\n",
        encoding="utf-8",
    )
    lines: list[str] = []
    with pytest.raises(DataError) as refused:
        publication.publish(2025, paths, echo=lines.append)
    text = str(refused.value)
    assert f"« {written} »" in text and "hors du projet" in text
    assert "clé « contexte », entrée 1" in text and "params/2025.yaml" in text
    assert "À faire : copiez le fichier dans data/reference/" in text
    assert ("par un lien symbolique" in text) == (form == "lien")
    assert not any("Données" in line for line in lines)  # stopped before the data step
    _nothing_written(paths)
    assert not any(paths.raw.iterdir())  # no demo data either


def test_context_file_inside_the_project_is_cited_by_its_project_path(project_with_notebooks):
    paths = project_with_notebooks
    own = paths.root / "data" / "autres" / "contexte.csv"
    own.parent.mkdir()
    shutil.copyfile(paths.default_context, own)
    params = RunParams.model_validate(
        {
            "annee": 2025,
            "contexte": [
                {"fichier": "./data/autres/../autres/contexte.csv", "source": "tiers_2024"}
            ],
        }
    )
    assert not list(preflight.context_file_problems(params, paths))
    inventory = publication.input_inventory(paths, params)
    cited = [e for e in inventory if e["type"] == "contexte"]
    assert [e["fichier"] for e in cited] == ["data/autres/contexte.csv"]


def test_links_leaving_data_raw_are_refused_before_anything(
    project_with_notebooks: Paths, tmp_path: Path
):
    paths = project_with_notebooks
    outside = tmp_path / "systeme.csv"
    outside.write_text("secret\n", encoding="utf-8")
    (paths.raw / "tfpb_abattement").mkdir()
    (paths.raw / "tfpb_abattement" / "lien.csv").symlink_to(outside)
    (paths.raw / "notes.txt").symlink_to(outside)  # not a table file: refused all the same
    inside = paths.raw / "archives" / "tfpb.csv"
    inside.parent.mkdir()
    shutil.copyfile(VALID / "tfpb_abattement.csv", inside)
    (paths.raw / "tfpb_abattement" / "interne.csv").symlink_to(inside)  # stays in data/raw
    with pytest.raises(DataError) as refused:
        publication.publish(2025, paths, echo=lambda _m: None)
    text = str(refused.value)
    assert "2 problème(s)" in text
    for link in ("data/raw/tfpb_abattement/lien.csv", "data/raw/notes.txt"):
        assert f"« {link} » est un lien symbolique qui mène hors de data/raw/" in text
    assert "interne.csv" not in text
    assert "À faire : remplacez le lien par une copie du fichier lui-même" in text
    _nothing_written(paths)


def test_loader_refuses_a_link_leaving_data_raw_and_reads_one_inside(tmp_path: Path):
    paths = Paths(tmp_path)
    folder = paths.raw / "tfpb_abattement"
    folder.mkdir(parents=True)
    (folder / "lien.csv").symlink_to(VALID / "tfpb_abattement.csv")
    (paths.raw / "copie.csv").write_bytes((VALID / "tfpb_abattement.csv").read_bytes())
    (folder / "interne.csv").symlink_to(paths.raw / "copie.csv")
    result = loaders.load_table("tfpb_abattement", paths)
    refused = [i for i in result.issues if i.blocking]
    assert [i.file for i in refused] == ["lien.csv"]
    assert "data/raw/tfpb_abattement/lien.csv" in refused[0].text()
    assert set(result.data["_fichier"]) == {"interne.csv"}
    assert loaders.outside_link(folder / "lien.csv", paths.raw)
    assert not loaders.outside_link(folder / "interne.csv", paths.raw)


def test_cli_tells_an_unforeseen_file_system_error_in_french(project_with_notebooks, capsys):
    import errno

    from qpv_analytics import cli, docs

    paths = project_with_notebooks

    def fails(_paths):
        raise PermissionError(errno.EACCES, "Permission denied", str(paths.contract_doc))

    mp = pytest.MonkeyPatch()
    mp.setattr(docs, "write_docs", fails)
    try:
        code = cli.main(["contrat"])
    finally:
        mp.undo()
    err = capsys.readouterr().err
    assert code == 1
    assert "« data/README.md »" in err and "droits d'accès insuffisants" in err
    assert "Permission denied" not in err and "Traceback" not in err
