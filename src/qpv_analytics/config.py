"""Project paths and constants, resolved from the package location (or ``QPV_ROOT``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "qpv-analytics"
"""Name of the Jupyter kernel registered by ``make env`` and always passed to Papermill."""

DEMO_MARKER = "DEMONSTRATION.txt"
"""File written in ``data/raw/`` by the demo generator: its presence flags every page as demo."""


@dataclass(frozen=True)
class Paths:
    """Every folder the pipeline reads or writes, derived from one project root."""

    root: Path

    @property
    def raw(self) -> Path:
        """Partners' files, as received (read-only for the pipeline)."""
        return self.root / "data" / "raw"

    @property
    def processed(self) -> Path:
        """Typed Parquet tables rebuilt from ``raw``."""
        return self.root / "data" / "processed"

    @property
    def reference(self) -> Path:
        """Real public reference files shipped with the project."""
        return self.root / "data" / "reference"

    @property
    def params(self) -> Path:
        """One YAML file of run parameters per publication year."""
        return self.root / "params"

    @property
    def notebooks(self) -> Path:
        """Parameterised report notebooks."""
        return self.root / "notebooks"

    @property
    def reports(self) -> Path:
        """Published reports, one folder per year."""
        return self.root / "reports"

    def report_year(self, annee: int) -> Path:
        """Folder shared with partners for one publication year."""
        return self.reports / str(annee)

    def audit_year(self, annee: int) -> Path:
        """Executed notebooks kept for audit, never shared (apart from the publication)."""
        return self.reports / "audit" / str(annee)


def project_root() -> Path:
    """Return the project root: ``QPV_ROOT`` if set, else two levels above the package."""
    env = os.environ.get("QPV_ROOT")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2]


def get_paths() -> Paths:
    """Return the paths of the current project root (read at call time, so tests can switch)."""
    return Paths(project_root())


TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Jinja templates shipped inside the package."""
