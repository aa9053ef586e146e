"""Project paths and constants, resolved from the package location (or ``QPV_ROOT``)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "qpv-analytics"
"""Name of the Jupyter kernel registered by ``make env`` and always passed to Papermill."""

DEMO_MARKER = "DEMONSTRATION.txt"
"""File written in ``data/raw/`` by the demo generator: its presence flags every page as demo."""

BUILD_ENV = "QPV_BUILD_DIR"
"""Environment variable naming the build folder of the running publication (read by notebooks)."""

LINEAGE_ENV = "QPV_LECTURES"
"""Environment variable naming the file where a report run records what it read (incremental
builds, :mod:`qpv_analytics.lineage`); unset when a notebook runs by hand."""

AUDIT_FOLDER = "audit"
"""Folders with this name hold executed notebooks kept for audit: never shared."""

CONTEXT_2024_FILE = "qpv2024-indicateurs.csv"
"""Shipped compilation of context indicators per QPV (2024 geography), in ``data/reference/``."""

_BUILD_PREFIX = ".construction-"


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
    def insee(self) -> Path:
        """INSEE files of the englobing territories (commune, EPCI, department, region)."""
        return self.reference / "insee"

    @property
    def default_context(self) -> Path:
        """Context file imported when the parameters name none (shipped with the project)."""
        return self.reference / CONTEXT_2024_FILE

    @property
    def profile_notebooks(self) -> Path:
        """Parameterised notebooks of the profiles (one page per EPCI, per landlord)."""
        return self.notebooks / "profils"

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

    def report_year(self, year: int) -> Path:
        """Folder shared with partners for one publication year."""
        return self.reports / str(year)

    def indicators_dir(self, year: int) -> Path:
        """Published indicator tables (CSV and Parquet) of one year."""
        return self.indicators_in(self.report_year(year))

    def audit_year(self, year: int) -> Path:
        """Executed notebooks kept for audit, never shared (apart from the publication)."""
        return self.reports / AUDIT_FOLDER / str(year)

    def failed_runs_dir(self, year: int) -> Path:
        """Executed notebooks of failed runs, with the error on top (audit, never shared)."""
        return self.reports / AUDIT_FOLDER / "echecs" / str(year)

    def quality_dir(self, year: int) -> Path:
        """The team's quality pages of one year, with each producer's feedback (never shared)."""
        return self.reports / "qualite" / str(year)

    def quality_summary(self, year: int) -> Path:
        """Summary of the last quality gate of a year (status, warnings), read by the reports."""
        return self.processed / f"qualite_{year}.json"

    @property
    def data_stamp(self) -> Path:
        """Fingerprint of the inputs, parameters and code the processed tables were built from.

        Written by a publication once its quality gate passed; a later run with the same
        fingerprint reuses ``data/processed/`` without reloading or revalidating anything.
        """
        return self.processed / "empreinte.json"

    def draft_dir(self, year: int) -> Path:
        """Exports of a report notebook run by hand, outside a publication."""
        return self.reports / "brouillon" / str(year)

    def output_dir(self, year: int) -> Path:
        """Folder a report notebook exports into: the publication's build folder, else the draft."""
        build = os.environ.get(BUILD_ENV)
        return Path(build) if build else self.draft_dir(year)

    def output_indicators_dir(self, year: int) -> Path:
        """Indicator tables exported by the report notebooks of the current run."""
        return self.indicators_in(self.output_dir(year))

    @staticmethod
    def indicators_in(folder: Path) -> Path:
        """Indicator tables of a publication folder (published, build or draft)."""
        return Path(folder) / "indicateurs"

    @staticmethod
    def quality_in(folder: Path) -> Path:
        """Quality pages of a publication folder (shared summary version)."""
        return Path(folder) / "qualite"

    def new_build_dir(self, year: int) -> Path:
        """Create and return a fresh build folder for a publication, under ``reports``."""
        self.reports.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{_BUILD_PREFIX}{year}-", dir=self.reports))

    def stale_build_dirs(self) -> list[Path]:
        """Build folders left by a killed publication run."""
        return sorted(self.reports.glob(f"{_BUILD_PREFIX}*"))

    @property
    def run_lock(self) -> Path:
        """Lock held by the one command writing the project's outputs (``publish.run_lock``)."""
        return self.reports / ".verrou"

    @property
    def run_owner(self) -> Path:
        """Record of the run holding :attr:`run_lock`: pid, host, start time, command."""
        return self.reports / ".verrou.json"

    @property
    def contract_doc(self) -> Path:
        """Documentation of the data contract for producers (generated)."""
        return self.root / "data" / "README.md"

    @property
    def blank_templates(self) -> Path:
        """Empty CSV and Excel templates, one of each per partner table (generated)."""
        return self.root / "data" / "modeles"

    @property
    def registry_templates(self) -> Path:
        """Excel templates whose landlord list is the registry of ``data/raw`` (not versioned)."""
        return self.blank_templates / "avec_bailleurs"


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
