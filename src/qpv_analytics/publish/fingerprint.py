"""Content hashes of what a publication is built from: inputs, parameters, code, environment.

Light on purpose (no pandas, no Papermill): a run where nothing changed is decided from these
hashes alone, in well under two seconds (:func:`.build_plan.unchanged_publication`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from qpv_analytics.config import Paths
from qpv_analytics.params import RunParams

SELECTION_KEYS = ("rapports", "profils")
"""Parameters choosing which reports run: no report reads them, so they rebuild none."""

PACKAGE_DIR = Path(__file__).resolve().parents[1]
"""The library's sources and templates (any change rebuilds every report)."""


def sha256(path: Path) -> str:
    """Return the SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest_of(value: object) -> str:
    """SHA-256 of a JSON-serialisable value (keys sorted)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def input_inventory(paths: Paths, params: RunParams | None = None) -> list[dict]:
    """List every input file (raw, reference, context files elsewhere) with size and SHA-256."""
    files = []
    root = paths.root.resolve()
    extra = [(paths.root / c.fichier).resolve() for c in params.contexte] if params else []
    extra = [p for p in extra if p.exists() and paths.reference.resolve() not in p.parents]
    for kind, folder in (("raw", paths.raw), ("reference", paths.reference), ("contexte", None)):
        found = extra if folder is None else (p for p in folder.rglob("*") if p.is_file())
        for path in sorted(found):
            relative = path.relative_to(root if folder is None else paths.root)
            files.append(
                {
                    "type": kind,
                    "fichier": relative.as_posix(),
                    "octets": path.stat().st_size,
                    "sha256": sha256(path),
                }
            )
    return files


@functools.cache
def code_digest() -> str:
    """SHA-256 over the library's files (sources, templates, styles), caches excluded."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
            digest.update(sha256(path).encode())
    return digest.hexdigest()


def _name_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` of a distribution, read in the headers of its metadata file.

    The same file and fields as ``dist.metadata["Name"]`` and ``dist.version``, which parse
    the whole file as an e-mail message: 1,4 s for the 270 packages of the environment.
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break  # end of the headers
        key, sep, value = line.partition(":")
        if sep and key in ("Name", "Version") and key not in fields:
            fields[key] = value.strip()
    return fields.get("Name"), fields.get("Version")


@functools.cache
def _environment() -> tuple[tuple[str, str], ...]:
    found = {"python": sys.version.split()[0]}
    for dist in metadata.distributions():
        name, version = _name_version(dist)
        if name:
            found[name.lower()] = version
    return tuple(sorted(found.items()))


def environment() -> dict[str, str]:
    """Python and every installed distribution with its version (enough to rebuild the venv)."""
    return dict(_environment())


def git_commit(root: Path) -> dict | None:
    """The commit of the project and whether the tree had uncommitted changes (else ``None``)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "modifications_locales": bool(status.stdout.strip())}


def params_read_by_reports(params: RunParams) -> dict:
    """The parameters a report may read: all of them but the selection keys."""
    dumped = params.model_dump(mode="json")
    return {k: v for k, v in dumped.items() if k not in SELECTION_KEYS}


def notebook_digests(paths: Paths) -> dict[str, str]:
    """SHA-256 of every report and profile notebook, by path relative to ``notebooks/``."""
    return {
        p.relative_to(paths.notebooks).as_posix(): sha256(p)
        for p in sorted(paths.notebooks.rglob("*.ipynb"))
        if ".ipynb_checkpoints" not in p.parts
    }


def publication_fingerprint(params: RunParams, paths: Paths, inventory: list[dict]) -> dict:
    """Everything a publication depends on, as digests, and their combination (``global``)."""
    parts = {
        "entrees": digest_of(sorted((e["fichier"], e["sha256"]) for e in inventory)),
        "parametres": digest_of(params.model_dump(mode="json")),
        "code": code_digest(),
        "notebooks": digest_of(notebook_digests(paths)),
        "environnement": digest_of(environment()),
    }
    return {**parts, "global": digest_of(parts)}


def data_fingerprint(params: RunParams, inventory: list[dict]) -> str:
    """What the processed tables and the quality gate depend on: inputs, parameters, code."""
    return digest_of(
        {
            "entrees": sorted((e["fichier"], e["sha256"]) for e in inventory),
            "parametres": params.model_dump(mode="json"),
            "code": code_digest(),
            "environnement": environment(),
        }
    )
