"""Every command explains itself in French: each subcommand's ``--help``, make help, make lab."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from qpv_analytics import cli
from qpv_analytics.config import KERNEL_NAME, Paths
from qpv_analytics.publish import lab
from tests.conftest import REPO

pytestmark = pytest.mark.unit

MAKEFILE = REPO / "Makefile"
TARGET = re.compile(r"^([a-zA-Z][a-zA-Z_-]*):")
ENGLISH = ("usage:", "show this help", "positional arguments", "optional arguments", "options:")
"""What argparse prints in English when a string is left untranslated."""


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        cli.main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def test_main_help_is_french_and_lists_every_command(capsys):
    text = _help(capsys)
    assert text.startswith("utilisation : python -m qpv_analytics")
    assert not [w for w in ENGLISH if w in text]
    for name, (summary, _, _) in cli.COMMANDS.items():
        assert re.search(rf"^\s+{re.escape(name)}\b", text, flags=re.M), name
        assert summary.split()[0] in text
    assert "Exemples :" in text and "make help" in text


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_command_has_a_french_help_with_examples(capsys, command):
    text = _help(capsys, command)
    assert text.startswith(f"utilisation : python -m qpv_analytics {command}")
    assert not [w for w in ENGLISH if w in text], text
    assert "options :" in text and "affiche cette aide et quitte" in text
    description = text.split("\n\n")[1]
    assert len(description.split()) >= 10, "la description de la commande est trop courte"
    examples = text.split("Exemples :\n", 1)[1]
    assert f"python -m qpv_analytics {command}" in examples
    for line in text.splitlines():
        option = re.match(r"\s+(--[a-z-]+)", line)
        if option:  # every option has its help on the same line
            assert len(line.split()) > 2, line


def test_a_wrong_command_is_told_in_french(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["publie"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "erreur : argument commande : choix invalide" in err and "usage:" not in err


# -- make help -------------------------------------------------------------------------------


def _targets() -> dict[str, str | None]:
    """Each target of the Makefile with the ``##`` line just above it (None if there is none)."""
    lines = MAKEFILE.read_text(encoding="utf-8").splitlines()
    targets = {}
    for i, line in enumerate(lines):
        found = TARGET.match(line)
        if found and not line.startswith(".PHONY"):
            above = lines[i - 1] if i else ""
            targets[found.group(1)] = above[3:] if above.startswith("## ") else None
    return targets


def test_every_make_target_has_its_one_line_description():
    targets = _targets()
    assert {"lab", "nettoie-notebooks", "reports", "test", "help"} <= set(targets)
    assert [t for t, doc in targets.items() if not doc] == []
    phony = re.search(r"^\.PHONY:(.*?)(?<!\\)$", MAKEFILE.read_text(), flags=re.M | re.S)
    assert set(phony.group(1).replace("\\", " ").split()) == set(targets)


@pytest.fixture
def make():
    if shutil.which("make") is None:
        pytest.skip("make absent de ce poste")
    return lambda *args: (
        subprocess.run(
            ["make", "--no-print-directory", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


def test_make_help_lists_every_target_on_one_line(make):
    shown = [line for line in make("help").splitlines() if line.startswith("  make ")]
    listed = {line.split()[1]: " ".join(line.split()[2:]) for line in shown}
    assert listed == _targets()
    assert len(shown) == len(listed)


def test_make_lab_prepares_the_latest_year_then_opens_jupyterlab(make):
    years = sorted(p.stem for p in (REPO / "params").glob("*.yaml"))
    commands = make("-n", "lab").splitlines()  # -n: shows the commands, runs none
    assert commands[-1].split() == [
        ".venv/bin/python",
        "-m",
        "qpv_analytics",
        "lab",
        "--annee",
        years[-1],
        "--attendre",
        "0",
    ]
    assert (
        make("-n", "lab", "ANNEE=2024", "PORT=8890")
        .splitlines()[-1]
        .endswith("lab --annee 2024 --attendre 0 --port 8890")
    )


# -- the JupyterLab command ------------------------------------------------------------------


def test_jupyterlab_opens_the_notebooks_at_the_project_root_on_the_project_kernel(tmp_path):
    paths = Paths(tmp_path)
    command = lab.lab_command(paths)
    assert command[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path}" in command
    assert "--LabApp.default_url=/lab/tree/notebooks" in command
    assert f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}" in command
    assert "--no-browser" not in command
    other = lab.lab_command(paths, port=8890, browser=False)
    assert "--ServerApp.port=8890" in other and "--no-browser" in other


def test_jupyterlab_kernels_do_not_inherit_the_batch_plot_backend():
    env = lab.lab_environment({"MPLBACKEND": "Agg", "QPV_ROOT": "/p", "PATH": "/bin"})
    assert env == {"QPV_ROOT": "/p", "PATH": "/bin"}


def test_year_notice_names_notebooks_defaulting_to_another_year():
    paths = Paths(REPO)
    defaults = lab.notebook_default_years(paths)
    year = next(iter(defaults.values()))
    assert lab.year_notice(year, paths) is None
    notice = lab.year_notice(year + 1, paths)
    assert f"annee = {year + 1}" in notice and "axe1_renouvellement_urbain" in notice


def test_a_refused_preparation_still_opens_the_lab_and_says_why(project):
    params = project.params / "2025.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "cible_inconnue: 3\n", "utf-8")
    lines: list[str] = []
    assert lab.prepare(2025, project, echo=lines.append) is False
    text = "\n".join(lines)
    assert "cible_inconnue" in text and "JupyterLab s'ouvre quand même" in text
    assert "docs/guide_analyste.md" in text


# -- the analyst's guide and the README name only what exists --------------------------------

GUIDE = REPO / "docs" / "guide_analyste.md"


@pytest.mark.parametrize("doc", [REPO / "README.md", GUIDE], ids=lambda p: p.name)
def test_docs_name_only_existing_make_targets_commands_and_files(doc):
    text = doc.read_text(encoding="utf-8")
    targets = set(_targets())
    assert {t for t in re.findall(r"\bmake ([a-z][a-z-]*)", text)} - targets == set()
    named = set(re.findall(r"python -m qpv_analytics ([a-z][a-z-]*)", text))
    assert named - set(cli.COMMANDS) == set()
    for link in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" not in link:
            assert (doc.parent / link).exists(), f"{doc.name} : lien cassé {link}"


def test_guide_covers_the_daily_tasks_and_the_readme_links_it():
    headings = re.findall(r"^## (.+)$", GUIDE.read_text(encoding="utf-8"), flags=re.M)
    assert headings == [
        "Ouvrir JupyterLab",
        "Exécuter un notebook",
        "Changer un paramètre",
        "Ajouter un fichier de données",
        "Publier",
        "Lire la page qualité",
        "Une exécution refusée",
    ]
    assert "(docs/guide_analyste.md)" in (REPO / "README.md").read_text(encoding="utf-8")
