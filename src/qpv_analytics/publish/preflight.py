"""Checks before a run writes anything: folders writable, inputs readable and inside the project."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from qpv_analytics.config import Paths
from qpv_analytics.params import RunParams
from qpv_analytics.quality.model import DataError

CHMOD_ADVICE = (
    "donnez-vous le droit d'écriture (chmod -R u+w {path}, ou demandez-le à l'administrateur "
    "du poste), ou lancez la commande depuis une copie du projet où vous pouvez écrire."
)


def shown(path: Path, root: Path) -> str:
    """Path as shown to users: relative to the project when inside it, else as given."""
    path = Path(path)
    for base, candidate in ((root, path), (Path(root).resolve(), path.resolve())):
        try:
            return candidate.relative_to(base).as_posix() or "."
        except ValueError:
            continue
    return str(path)


def folder_problem(folder: Path, root: Path) -> str | None:
    """French finding when files cannot be created in ``folder`` (created if missing), else None.

    The nearest existing folder is checked: a missing folder is created by the run.
    """
    existing = Path(folder)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    where = shown(existing, root)
    if not existing.is_dir():
        return (
            f"« {where} » est un fichier, pas un dossier : la commande doit y créer "
            f"« {shown(folder, root)}/ ». À faire : déplacez ce fichier."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        target = (
            "" if existing == Path(folder) else f" (la commande y crée « {shown(folder, root)}/ »)"
        )
        return (
            f"le dossier « {where}/ » n'est pas accessible en écriture{target}. "
            f"À faire : {CHMOD_ADVICE.format(path=where)}"
        )
    return None


def _tree_problems(tree: Path, root: Path) -> Iterator[str]:
    """Findings for a folder the run replaces: each folder inside must be writable to go."""
    if not tree.is_dir():
        return
    for folder, _dirs, _files in os.walk(tree):
        if not os.access(folder, os.W_OK | os.X_OK):
            where = shown(Path(folder), root)
            yield (
                f"le dossier « {where}/ » n'est pas accessible en écriture : la commande "
                f"remplace « {shown(tree, root)}/ » et ne pourrait pas effacer l'ancienne "
                f"version. À faire : {CHMOD_ADVICE.format(path=shown(tree, root))}"
            )
            return


def _file_problem(path: Path, root: Path) -> str | None:
    """Finding when a file the run overwrites in place exists but is not writable."""
    if path.exists() and not os.access(path, os.W_OK):
        where = shown(path, root)
        return (
            f"le fichier « {where} » n'est pas accessible en écriture : la commande le "
            f"réécrit. À faire : {CHMOD_ADVICE.format(path=where)}"
        )
    return None


def _unreadable(paths: Iterable[Path], root: Path) -> Iterator[str]:
    """Findings for input files or folders that cannot be read."""
    for path in paths:
        if not path.exists():  # a broken link: not an input (links are checked on their own)
            continue
        folder = path.is_dir()
        if not os.access(path, os.R_OK | os.X_OK if folder else os.R_OK):
            where = shown(path, root)
            chmod = f"chmod -R u+rX {where}" if folder else f"chmod u+r {where}"
            yield (
                f"« {where}{'/' if folder else ''} » ne peut pas être lu (droits d'accès "
                f"insuffisants). À faire : donnez-vous le droit de lecture ({chmod}, ou "
                "demandez-le à l'administrateur du poste)."
            )


def _inputs(folder: Path) -> Iterator[Path]:
    """Every folder and file under ``folder`` (links to folders are listed, not followed)."""
    if not folder.is_dir():
        return
    yield folder
    for current, dirs, files in os.walk(folder):
        for name in sorted(dirs) + sorted(files):
            yield Path(current) / name


def _raw_link_problems(paths: Paths) -> Iterator[str]:
    """Findings for symbolic links of ``data/raw/`` whose target lies outside the folder."""
    from qpv_analytics.ingest import loaders  # pandas: only when there is a link to judge

    for path in _inputs(paths.raw):
        if path.is_symlink() and loaders.outside_link(path, paths.raw):
            yield loaders.outside_link_message(
                shown(path, paths.root), shown(paths.raw, paths.root)
            )


def _has_partner_files(folder: Path) -> bool:
    from qpv_analytics.ingest.readers import SUFFIXES  # pandas: only for a demo region

    return any(p.suffix.lower() in SUFFIXES for p in folder.rglob("*") if p.is_file())


def context_file_problems(params: RunParams, paths: Paths) -> Iterator[str]:
    """Findings for context files (key ``contexte``) outside the project or unreadable.

    A publication cites each input by its path in the project with its SHA-256 (manifest), so
    that anyone can check it: a file elsewhere on the computer could not be cited or found again.
    """
    root = paths.root.resolve()
    for number, item in enumerate(params.contexte, start=1):
        path = paths.root / item.fichier
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a loop of links
            resolved = None
        if resolved is None or not resolved.is_relative_to(root):
            written_inside = Path(os.path.normpath(path)).is_relative_to(paths.root)
            link = " (par un lien symbolique)" if written_inside else ""
            yield (
                f"le fichier de contexte « {item.fichier} » (clé « contexte », entrée {number}, "
                f"de params/{params.annee}.yaml) est hors du projet{link} : une publication ne "
                "cite que des fichiers du projet, avec leur empreinte dans manifest.json. "
                "À faire : copiez le fichier dans data/reference/ et indiquez-y son chemin "
                "relatif à la racine du projet (par exemple "
                f"« fichier: data/reference/{Path(item.fichier).name} »)."
            )
        elif path.exists():
            yield from _unreadable([path], paths.root)


def check_run(
    params: RunParams,
    paths: Paths,
    notebooks: Iterable[Path] = (),
    written: Iterable[Path] = (),
    replaced: Iterable[Path] = (),
    overwritten: Iterable[Path] = (),
) -> None:
    """Check, before anything is written or executed, what a run needs from the file system.

    Args:
        params: parameters of the run (context files, demo data).
        paths: project folders.
        notebooks: notebooks (and their folder) the run reads and executes.
        written: folders the run creates files in (created if missing).
        replaced: folders the run replaces as a whole (every folder inside must be writable).
        overwritten: files the run rewrites in place.

    Raises:
        DataError: every finding at once, in French, naming each path (relative to the project
            when inside it) and what to do. Nothing has been written or run.
    """
    root = paths.root
    findings: list[str] = []
    writes = [paths.processed, *written]
    if params.demo_wanted and not _has_partner_files(paths.raw):
        writes.append(paths.raw)  # the demo data will be written there
    for folder in writes:
        problem = folder_problem(folder, root)
        if problem and problem not in findings:
            findings.append(problem)
    for tree in replaced:
        findings += [p for p in _tree_problems(tree, root) if p not in findings]
    findings += [p for p in map(lambda f: _file_problem(f, root), overwritten) if p]
    findings += _unreadable(
        [*_inputs(paths.raw), *_inputs(paths.reference), *notebooks, paths.params], root
    )
    findings += _raw_link_problems(paths)
    findings += context_file_problems(params, paths)
    if findings:
        raise DataError(
            f"Vérifications avant exécution : {len(findings)} problème(s) ; rien n'a été "
            "exécuté ni modifié, la publication précédente est intacte.\n"
            + "\n".join(f"  - {f[0].upper()}{f[1:]}" for f in findings)
        )


def check_publication(params: RunParams, paths: Paths) -> None:
    """Pre-flight of a publication: :func:`check_run` with every folder a publication writes."""
    year = params.annee
    check_run(
        params,
        paths,
        list(_inputs(paths.notebooks)),
        written=[
            paths.reports,
            paths.quality_dir(year).parent,
            paths.audit_year(year).parent,
            paths.failed_runs_dir(year),
        ],
        replaced=[paths.report_year(year), paths.quality_dir(year), paths.audit_year(year)],
        overwritten=[paths.quality_summary(year)],
    )


def check_validation(params: RunParams, paths: Paths) -> None:
    """Pre-flight of a quality check without publication (``valider``)."""
    year = params.annee
    check_run(
        params,
        paths,
        written=[paths.quality_dir(year).parent],
        replaced=[paths.quality_dir(year)],
    )
