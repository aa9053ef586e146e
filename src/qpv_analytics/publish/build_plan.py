"""Incremental builds: which reports to rebuild, decided by content hashes kept in the manifest.

A report is reused from the previous publication when nothing it depends on changed:

- its *fixed* dependencies, combined in one digest (``empreinte``): its notebook, its Papermill
  parameters, the parameters a report may read (:func:`.fingerprint.params_read_by_reports`),
  the library's code, the installed packages, the reference and context files, and whether
  the data are the demo's;
- what it *read* during its last build, recorded by the library's readers
  (:mod:`qpv_analytics.lineage`): processed tables, indicator files of earlier reports of the
  run, the quality warnings of a table. Each is stored with the SHA-256 of its content and
  compared with the content of this run.

Changing one raw file therefore changes one processed table, and rebuilds the reports that
read it; a synthesis or a profile is rebuilt only if an indicator file it reads changed. A run
where nothing changed at all stops before loading anything (:func:`unchanged_publication`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qpv_analytics import lineage
from qpv_analytics.config import DEMO_MARKER, Paths
from qpv_analytics.params import RunParams
from qpv_analytics.publish import fingerprint
from qpv_analytics.publish.kernel_pool import Job

ABSENT = "absent"
"""Digest of a dependency that does not exist (a later file with that name is a change)."""

MANIFEST = "manifest.json"

Echo = Callable[[str], None]


@dataclass
class Planned:
    """A report or profile of the run, with what decides whether it is rebuilt.

    Attributes:
        job: the notebook to execute if it must be rebuilt.
        stage: 1 for the axis and context reports, 2 for what reads their tables.
        fixed: digest of its fixed dependencies (see the module docstring).
        html: page path relative to the publication folder.
        executed: executed notebook path relative to the audit folder.
        lineage_file: where its run records its reads.
        entry: extra fields of its manifest entry (title, type, code…).
        previous: its entry in the previous manifest, if any.
    """

    job: Job
    stage: int
    fixed: str
    html: str
    executed: str
    lineage_file: Path
    entry: dict = field(default_factory=dict)
    previous: dict | None = None
    reused: bool = False
    seconds: float = 0.0
    reads: list[list[str]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def fixed_context(params: RunParams, paths: Paths, inventory: list[dict]) -> dict:
    """The fixed dependencies shared by every report of a run."""
    return {
        "parametres": fingerprint.params_read_by_reports(params),
        "code": fingerprint.code_digest(),
        "environnement": fingerprint.digest_of(fingerprint.environment()),
        "references": sorted((e["fichier"], e["sha256"]) for e in inventory if e["type"] != "raw"),
        "demonstration": any(
            e["type"] == "raw" and Path(e["fichier"]).name == DEMO_MARKER for e in inventory
        ),
    }


def fixed_digest(context: dict, notebook: Path, parameters: dict) -> str:
    """Digest of one report's fixed dependencies."""
    return fingerprint.digest_of(
        {**context, "notebook": fingerprint.sha256(notebook), "parametres_notebook": parameters}
    )


def resolve(kind: str, name: str, paths: Paths, build: Path, quality: dict) -> str:
    """Digest of the current content of one recorded dependency."""
    if kind == lineage.TABLE:
        target = paths.processed / f"{name}.parquet"
        return fingerprint.sha256(target) if target.exists() else ABSENT
    if kind == lineage.INDICATORS:
        folder = Paths.indicators_in(build)
        if "*" in name:
            found = sorted(folder.glob(name))
            return fingerprint.digest_of([(p.name, fingerprint.sha256(p)) for p in found])
        target = folder / name
        return fingerprint.sha256(target) if target.exists() else ABSENT
    if kind == lineage.QUALITY:
        warnings = [w for w in quality.get("avertissements", []) if w.get("table") == name]
        return fingerprint.digest_of(warnings)
    return ABSENT  # an unknown kind: always a change


def is_current(item: Planned, paths: Paths, build: Path, quality: dict) -> bool:
    """Whether the previous build of ``item`` can be reused as it is."""
    entry = item.previous
    if not entry or entry.get("empreinte") != item.fixed or "lectures" not in entry:
        return False
    return all(
        resolve(kind, name, paths, build, quality) == digest
        for kind, name, digest in entry["lectures"]
    )


def carry_over(item: Planned, published: Path, audit: Path, build: Path, audit_build: Path) -> bool:
    """Copy the page, exports and executed notebook of a reused report into the new build.

    Returns:
        False when one of these files is missing (the report is then rebuilt).
    """
    entry = item.previous or {}
    pairs = [(published / item.html, build / item.html)]
    pairs += [
        (Paths.indicators_in(published) / n, Paths.indicators_in(build) / n)
        for n in entry.get("sorties", [])
    ]
    pairs.append((audit / item.executed, audit_build / item.executed))
    if not all(src.is_file() for src, _ in pairs):
        return False
    for src, dst in pairs:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    item.reused = True
    item.reads = entry["lectures"]
    item.outputs = list(entry.get("sorties", []))
    item.seconds = float(entry.get("duree_s", 0.0))
    return True


def record_build(item: Planned, seconds: float, paths: Paths, build: Path, quality: dict) -> None:
    """After a rebuild: its reads with the digests of what it read, and its outputs."""
    records = lineage.read_records(item.lineage_file)
    item.reads = [
        [kind, name, resolve(kind, name, paths, build, quality)]
        for kind, name in sorted(r for r in records if r[0] in lineage.KINDS)
    ]
    item.outputs = sorted(name for kind, name in records if kind == lineage.OUTPUT)
    item.seconds = seconds
    item.reused = False


def manifest_entry(item: Planned) -> dict:
    """The item's entry in the manifest: what it is, and what decides its next rebuild."""
    return {
        **item.entry,
        "html": item.html,
        "notebook_execute": item.executed,
        "empreinte": item.fixed,
        "lectures": item.reads,
        "sorties": item.outputs,
        "duree_s": round(item.seconds, 2),
        "reconstruit": not item.reused,
    }


SCANNED = "tableaux_controles"
"""Manifest key: the indicator files of the publication, with their digests, as scanned."""


def scanned_tables(build: Path) -> list[list[str]]:
    """``[name, sha256]`` of each indicator file of a build, for the manifest (:data:`SCANNED`).

    The manifest is written just before the confidentiality scan of the whole build, and a
    build that fails the scan is never published: a published manifest therefore lists files
    that passed the scan.
    """
    folder = Paths.indicators_in(build)
    return [[p.name, fingerprint.sha256(p)] for p in sorted(folder.glob("*")) if p.is_file()]


def still_scanned(manifest: dict, build: Path) -> set[Path]:
    """The indicator files of ``build`` identical to those the publication's scan passed."""
    passed = dict(manifest.get(SCANNED, []))
    folder = Paths.indicators_in(build)
    return {folder / name for name, digest in scanned_tables(build) if passed.get(name) == digest}


def previous_manifest(paths: Paths, year: int) -> dict:
    """The manifest of the year's current publication (empty when there is none)."""
    path = paths.report_year(year) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def unchanged_publication(params: RunParams, paths: Paths) -> dict | None:
    """The current manifest when the publication is up to date, else ``None``.

    Up to date: same inputs (content), parameters, code, notebooks and packages as recorded,
    and every page it lists still present. Reads no data: hashes only.
    """
    manifest = previous_manifest(paths, params.annee)
    recorded = manifest.get("empreinte", {}).get("global")
    if not recorded:
        return None
    inventory = fingerprint.input_inventory(paths, params)
    current = fingerprint.publication_fingerprint(params, paths, inventory)
    if current["global"] != recorded:
        return None
    folder = paths.report_year(params.annee)
    pages = [r["html"] for r in manifest.get("rapports", []) + manifest.get("profils", [])]
    if not all((folder / page).is_file() for page in pages):
        return None
    return manifest


def unchanged_message(manifest: dict, paths: Paths) -> str:
    """The French sentence of a run that had nothing to do."""
    date = str(manifest.get("date", ""))
    when = f" du {date[8:10]}/{date[5:7]}/{date[:4]} à {date[11:16]}" if len(date) >= 16 else ""
    pages = len(manifest.get("rapports", [])) + len(manifest.get("profils", []))
    folder = paths.report_year(int(manifest["annee"])).relative_to(paths.root)
    return (
        f"Rien n'a changé depuis la publication{when} (mêmes fichiers d'entrée, paramètres, "
        f"code, notebooks et paquets) : aucun rapport reconstruit, les {pages} pages de "
        f"{folder}/ restent telles quelles. Pour tout refaire : make reports TOUT=1."
    )
