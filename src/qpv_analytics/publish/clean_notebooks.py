"""Report notebooks stored without outputs: one nbstripout setting for git, make and the tests.

Why nbstripout rather than Jupytext pairing (see docs/guide_analyste.md, « Notebooks propres ») :
the ``.ipynb`` stays the only file of a report — the one Papermill executes, the analyst opens
and the reviewer reads — so nothing can drift out of sync, and JupyterLab needs no extension.
nbstripout is the well-kept tool for exactly this job: as a git filter (installed by
``make env``) it removes outputs, execution counts and volatile metadata at each ``git add``,
and ``git diff`` shows notebooks the same way. The project keeps cell ids (nbstripout would
renumber them, so inserting one cell would change the id of every cell after it) and drops the
language details JupyterLab writes on save (Python version…), which change from one machine
to the next. The test suite fails on a committed notebook that differs from what the filter
stores; ``make nettoie-notebooks`` rewrites them.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import warnings
from pathlib import Path

from qpv_analytics.config import Paths
from qpv_analytics.quality.model import DataError

EXTRA_KEYS = (
    "metadata.language_info.codemirror_mode",
    "metadata.language_info.file_extension",
    "metadata.language_info.mimetype",
    "metadata.language_info.nbconvert_exporter",
    "metadata.language_info.pygments_lexer",
    "metadata.language_info.version",
    "metadata.papermill",
    "cell.metadata.papermill",
    "cell.metadata.jp-MarkdownHeadingCollapsed",
)
"""Metadata removed on top of nbstripout's defaults (outputs, counts, widgets, collapsed…)."""

STRIP_OPTIONS = ("--keep-id", "--unix-newlines", "--extra-keys", " ".join(EXTRA_KEYS))
"""nbstripout options of the project, for the git filter, the make target and the tests."""


def strip_command(*arguments: str | Path) -> list[str]:
    """The nbstripout command line with the project's options (then ``arguments``)."""
    return [sys.executable, "-m", "nbstripout", *STRIP_OPTIONS, *map(str, arguments)]


def notebooks(paths: Paths) -> list[Path]:
    """The report and profile notebooks of the project (``notebooks/``, ``notebooks/profils/``)."""
    return sorted(
        nb for nb in paths.notebooks.rglob("*.ipynb") if ".ipynb_checkpoints" not in nb.parts
    )


DRY_RUN_LINE = "Dry run: would have stripped "
"""How ``nbstripout --dry-run`` names a notebook it would change."""


def stored_text(notebook: Path) -> str:
    """The text git stores for a notebook: what the nbstripout filter makes of the file."""
    done = subprocess.run(strip_command("--textconv", notebook), capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def _canonical(notebook: Path) -> bool:
    """The file is laid out as nbformat writes it (what the filter's output always is)."""
    import nbformat

    text = notebook.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        written = nbformat.writes(nbformat.reads(text, as_version=nbformat.NO_CONVERT))
    return text == written + ("" if written.endswith("\n") else "\n")


def unclean(paths: Paths) -> list[Path]:
    """Notebooks whose file is not exactly what the filter would store (outputs, metadata…).

    One nbstripout run for all notebooks (each start of Python costs seconds on a busy machine).
    """
    found = notebooks(paths)
    if not found:
        return []
    done = subprocess.run(
        strip_command("--dry-run", *found), capture_output=True, text=True, check=True
    )
    named = {line.removeprefix(DRY_RUN_LINE).strip() for line in done.stdout.splitlines()}
    return [nb for nb in found if str(nb) in named or not _canonical(nb)]


def clean(paths: Paths) -> list[Path]:
    """Rewrite the notebooks that are not clean, as the filter stores them; return them."""
    found = unclean(paths)
    if found:
        subprocess.run(strip_command(*found), capture_output=True, check=True)
    for nb in found:
        if not _canonical(nb):  # stripped already: nbstripout leaves such a file as it is
            nb.write_text(stored_text(nb), encoding="utf-8", newline="\n")
    return found


def install_git_filter(root: Path) -> bool:
    """Declare the ``nbstripout`` filter named in ``.gitattributes`` in the repository's config.

    Git's configuration is not versioned, so each clone runs this once (``make env`` does).
    Returns ``False``, changing nothing, when ``root`` is not inside a git work tree.

    Raises:
        DataError: git refused to write its configuration.
    """

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)

    try:
        inside = git("rev-parse", "--is-inside-work-tree")
    except FileNotFoundError:  # no git on this machine
        return False
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return False
    command = shlex.join(strip_command())
    for key, value in (
        ("filter.nbstripout.clean", command),
        ("filter.nbstripout.smudge", "cat"),
        ("diff.ipynb.textconv", f"{command} --textconv"),
    ):
        done = git("config", key, value)
        if done.returncode != 0:
            raise DataError(
                f"La configuration git du dépôt n'a pas pu être modifiée ({key}) : "
                f"{done.stderr.strip() or 'raison inconnue'}. À faire : vérifiez les droits sur "
                "le dossier .git, puis relancez « make env »."
            )
    return True
