"""Data-quality gate: Great Expectations suites generated from the contract, French findings."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.contract import (
    DEPARTEMENT_PATTERN,
    KIND_LABELS,
    QPV_PATTERN,
    TABLES,
    Column,
    Table,
)
from qpv_analytics.labels import MASKED_ID as MASKED
from qpv_analytics.params import RunParams
from qpv_analytics.quality.feedback import FeedbackRow, render_index, write_feedback
from qpv_analytics.quality.model import Issue, Severity, summarise

if TYPE_CHECKING:  # pragma: no cover - typing only, GX is imported lazily
    from great_expectations.expectations import Expectation

    from qpv_analytics.ingest.loaders import LoadResult

SITE_NAME = "qualite"
"""Name of the Data Docs site written under ``<out_dir>/data_docs``."""
RESULTS_FILE = "resultats.json"
GX_SEVERITY: dict[str, str] = {"bloquant": "critical", "avertissement": "warning"}
"""Great Expectations severity of each French severity."""
STATUS_OK = "valide"
STATUS_WARN = "valide avec avertissements"
STATUS_REFUSED = "refusé"
"""Shown instead of a pseudonymous identifier."""

TYPE_NAMES: dict[str, list[str]] = {
    "entier": ["Int64Dtype", "Int32Dtype", "int64", "int32"],
    "decimal": ["Float64Dtype", "Float32Dtype", "float64", "float32", "Int64Dtype", "int64"],
    "date": ["datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"],
    "booleen": ["BooleanDtype", "bool"],
}
"""Dtypes accepted per non-text kind (names as GX resolves them: ``pd.<name>``, ``np.dtype``).

Text and code columns accept any dtype (pandas stores text as ``object`` or ``str``).
"""

PATTERN_LABELS: dict[str, str] = {
    QPV_PATTERN: "un code QPV : QN05901M (géographie 2024) ou QP059001 (géographie 2015)",
    DEPARTEMENT_PATTERN: "un code de département sur 2 caractères (02, 59, 2A…)",
    r"^\d{9}$": "un SIREN de 9 chiffres",
}


@dataclass(frozen=True)
class Plausibility:
    """Warning-level plausibility check on a column or on the ratio of two columns.

    The ratio (``numerator / denominator × factor``, rows with a zero denominator skipped) is
    computed in a derived column named ``name`` before validation.
    """

    table: str
    name: str
    label: str
    numerator: str
    denominator: str | None = None
    factor: float = 1.0
    min: float | None = None
    max: float | None = None
    unit: str = ""
    action: str = (
        "vérifiez ces lignes et corrigez-les s'il s'agit d'une erreur de saisie (unité, zéro "
        "en trop ou manquant) ; sinon, rien à faire."
    )

    @property
    def columns(self) -> list[str]:
        """Source columns of the check."""
        return [self.numerator] + ([self.denominator] if self.denominator else [])


PLAUSIBILITY: tuple[Plausibility, ...] = (
    Plausibility(
        "tfpb_abattement",
        "_abattement_eur_par_logement",
        "abattement par logement",
        "montant_abattement_eur",
        "logements_concernes",
        min=20,
        max=2000,
        unit="€/logement",
    ),
    Plausibility(
        "tfpb_actions",
        "_part_cofinancement_pct",
        "cofinancement rapporté au montant valorisé",
        "cofinancement_eur",
        "montant_valorise_eur",
        factor=100,
        max=500,
        unit="%",
    ),
    Plausibility(
        "ru_relogements",
        "_taille_menage",
        "taille du ménage",
        "taille_menage",
        min=1,
        max=15,
        unit="personnes",
    ),
    Plausibility(
        "clauses_marches",
        "_part_insertion_realisee_pct",
        "part des heures d'insertion dans les heures totales",
        "heures_insertion_realisees",
        "heures_totales",
        factor=100,
        max=60,
        unit="%",
    ),
)
"""Plausibility checks (warnings): values possible but unlikely enough to deserve a look."""


@dataclass(frozen=True)
class ReferenceSets:
    """Codes and names values must belong to: the region's QPV and EPCI, registered landlords."""

    qpv: frozenset[str]
    epci: frozenset[str]
    bailleurs: frozenset[str]

    @classmethod
    def from_inputs(cls, qpv: pd.DataFrame, bailleurs: pd.DataFrame | None) -> ReferenceSets:
        """Build the sets from the QPV reference table and the landlord registry.

        Args:
            qpv: contract table ``qpv`` (QPV × commune) of the region.
            bailleurs: contract table ``bailleurs`` (may be ``None`` or empty).
        """
        epci = set(qpv["siren_epci"].dropna().astype(str))
        if "siren_epci_tous" in qpv.columns:
            for cell in qpv["siren_epci_tous"].dropna().astype(str):
                epci |= {e.strip() for e in cell.split(";") if e.strip()}
        names: set[str] = set()
        if bailleurs is not None and "bailleur" in bailleurs.columns:
            names = set(bailleurs["bailleur"].dropna().astype(str))
        return cls(
            qpv=frozenset(qpv["code_qpv"].dropna().astype(str)),
            epci=frozenset(epci),
            bailleurs=frozenset(names),
        )

    def values(self, name: str) -> frozenset[str]:
        """Return the set named in ``Column.references`` (``qpv``, ``epci`` or ``bailleur``)."""
        return {"qpv": self.qpv, "epci": self.epci, "bailleur": self.bailleurs}[name]


@dataclass
class QualityReport:
    """Outcome of the quality gate: every finding, the status and where the pages are."""

    issues: list[Issue]
    out_dir: Path
    annee: int
    rows: list[FeedbackRow] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    """Rows validated per table (non-empty tables only)."""
    feedback: list[dict] = field(default_factory=list)
    """One entry per data producer: name, slug, counts, page and CSV file names."""
    duration_s: float = 0.0

    @property
    def blocking(self) -> bool:
        """Whether at least one finding stops the publication."""
        return any(i.blocking for i in self.issues)

    @property
    def counts(self) -> tuple[int, int]:
        """Number of blocking findings and of warnings."""
        return summarise(self.issues)

    @property
    def status(self) -> str:
        """``valide``, ``valide avec avertissements`` or ``refusé``."""
        blocking, warning = self.counts
        if blocking:
            return STATUS_REFUSED
        return STATUS_WARN if warning else STATUS_OK

    def summary_text(self, max_lines: int = 15) -> str:
        """Short French summary for the terminal: status, counts, first errors, where to look.

        Args:
            max_lines: maximum number of lines of the summary.
        """
        blocking, warning = self.counts
        lines = [
            f"Contrôle qualité des données {self.annee} : {self.status.upper()} — "
            f"{blocking} erreur(s) bloquante(s), {warning} avertissement(s), "
            f"{sum(self.tables.values())} ligne(s) contrôlée(s) dans {len(self.tables)} table(s)."
        ]
        footer = [f"Résultats complets : {self.out_dir / 'index.html'}"]
        if self.feedback:
            footer.append(f"Retours par producteur de données : {self.out_dir / 'retours'}/")
        room = max(max_lines - len(lines) - len(footer), 0)
        shown = [i for i in self.issues if i.blocking] or [i for i in self.issues]
        if shown and room:
            if len(shown) > room:
                room -= 1
            for issue in shown[:room]:
                lines.append("  " + _one_line(issue.text()))
            if len(shown) > room:
                kind = "erreur(s)" if shown[0].blocking else "avertissement(s)"
                lines.append(f"  … et {len(shown) - room} autre(s) {kind}.")
        return "\n".join((lines + footer)[: max(max_lines, 1)])

    def summary_dict(self) -> dict:
        """Summary read by the reports: status, number of blocking findings, warnings."""
        return {
            "statut": self.status,
            "bloquants": self.counts[0],
            "avertissements": [
                {"table": i.table, "probleme": i.message, "texte": i.text()}
                for i in self.issues
                if not i.blocking
            ],
        }

    def to_dict(self) -> dict:
        """Everything written in ``resultats.json``."""
        blocking, warning = self.counts
        return {
            "annee": self.annee,
            "statut": self.status,
            "bloquant": self.blocking,
            "bloquants": blocking,
            "avertissements": warning,
            "lignes_controlees": self.tables,
            "producteurs": self.feedback,
            "duree_secondes": round(self.duration_s, 2),
            "issues": [i.to_dict() for i in self.issues],
        }


def _one_line(text: str, width: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- suites


def _gx_modules() -> tuple[Any, Any]:
    """Import Great Expectations (slow) with analytics off; return the package and expectations."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    import great_expectations.expectations as gxe

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    return gx, gxe


def _number(value: float | None, unit: str | None = None) -> str:
    """French number (``1 234,5``) followed by its unit; years are written plainly."""
    if value is None:
        return ""
    if unit == "année":
        return str(int(value))
    text = formatting.number(value, 0 if float(value).is_integer() else 2)
    text = text.replace(formatting.THOUSANDS_SEPARATOR, " ")
    if unit and unit != "nombre":
        text += f" {unit}"
    return text


def _bounds_text(low: float | None, high: float | None, unit: str | None = None) -> str:
    if low is not None and high is not None:
        bare = unit if unit == "année" else None
        return f"une valeur entre {_number(low, bare)} et {_number(high, unit)}"
    if low is not None:
        return f"une valeur d'au moins {_number(low, unit)}"
    return f"une valeur d'au plus {_number(high, unit)}"


class _SuiteBuilder:
    """Accumulate expectations with their French message parts and severity in ``meta``."""

    def __init__(self, gxe: Any, table: Table):
        self.gxe = gxe
        self.table = table
        self.expectations: list[Expectation] = []

    def add(
        self,
        kind: str,
        severity: Severity,
        columns: list[str],
        probleme: str,
        attendu: str,
        action: str,
        regle: str,
        **kwargs: Any,
    ) -> None:
        meta = {
            "table": self.table.name,
            "severite": severity,
            "regle": regle,
            "colonnes": columns,
            "probleme": probleme,
            "attendu": attendu,
            "action": action,
            "ordre": len(self.expectations),
        }
        label = "Bloquant" if severity == "bloquant" else "Avertissement"
        columns_text = ", ".join(c for c in columns if not c.startswith("_")) or columns[0]
        cls = getattr(self.gxe, kind)
        self.expectations.append(
            cls(
                **kwargs,
                meta=meta,
                description=f"{label} — {columns_text} : {attendu}.",
                notes=f"Si la règle échoue : {probleme} À faire : {action}",
                severity=GX_SEVERITY[severity],
            )
        )


def build_suite(table: Table, refs: ReferenceSets, params: RunParams) -> list[Expectation]:
    """Generate the Great Expectations expectations of one table from the data contract.

    Every expectation carries in ``meta`` its French message parts (``probleme``, ``attendu``,
    ``action``), the columns concerned, a rule id and a severity (``bloquant`` = GX
    ``critical``, ``avertissement`` = GX ``warning``).

    Args:
        table: contract table.
        refs: reference sets (QPV and EPCI of the region, registered landlords). An empty
            landlord set disables the landlord check (no registry received).
        params: run parameters (publication year and trend window).

    Returns:
        The expectations, in reporting priority order.
    """
    _, gxe = _gx_modules()
    b = _SuiteBuilder(gxe, table)
    b.add(
        "ExpectTableColumnsToMatchSet",
        "bloquant",
        table.column_names,
        "colonnes du contrat absentes.",
        f"les colonnes {', '.join(table.column_names)}",
        "ajoutez ces colonnes (voir data/README.md).",
        "presence_colonnes",
        column_set=table.column_names,
        exact_match=False,
    )
    for col in table.columns:
        _column_checks(b, col, refs, params)
    _key_check(b, table)
    for rule in table.rules:
        b.add(
            "ExpectColumnPairValuesAToBeGreaterThanB",
            "bloquant",
            [rule.left, rule.right],
            f"valeurs incohérentes : {rule.message}.",
            f"{rule.left} inférieur ou égal à {rule.right}",
            "corrigez la valeur erronée de l'une des deux colonnes sur ces lignes.",
            f"regle:{rule.left}<={rule.right}",
            column_A=rule.right,
            column_B=rule.left,
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        )
    for check in PLAUSIBILITY:
        if check.table != table.name:
            continue
        b.add(
            "ExpectColumnValuesToBeBetween",
            "avertissement",
            [check.name, *check.columns],
            f"valeurs peu vraisemblables ({check.label}).",
            _bounds_text(check.min, check.max, check.unit),
            check.action,
            f"vraisemblance:{check.name.lstrip('_')}",
            column=check.name,
            min_value=check.min,
            max_value=check.max,
        )
    return b.expectations


def _column_checks(b: _SuiteBuilder, col: Column, refs: ReferenceSets, params: RunParams) -> None:
    name = col.name
    if col.kind not in ("texte", "code"):
        b.add(
            "ExpectColumnValuesToBeInTypeList",
            "bloquant",
            [name],
            "type de données inattendu (la colonne n'a pas pu être convertie au chargement).",
            KIND_LABELS[col.kind],
            f"vérifiez que la colonne ne contient que des valeurs « {KIND_LABELS[col.kind]} ».",
            "type",
            column=name,
            type_list=TYPE_NAMES[col.kind],
        )
    if col.required:
        b.add(
            "ExpectColumnValuesToNotBeNull",
            "bloquant",
            [name],
            "cellules vides dans une colonne obligatoire.",
            "une valeur sur chaque ligne",
            "complétez ces cellules (ou retirez les lignes incomplètes).",
            "obligatoire",
            column=name,
        )
    if col.pattern:
        b.add(
            "ExpectColumnValuesToMatchRegex",
            "bloquant",
            [name],
            "valeurs au mauvais format.",
            PATTERN_LABELS.get(col.pattern, f"le format {col.pattern}"),
            "corrigez ces codes (gardez la colonne au format texte dans Excel).",
            "format",
            column=name,
            regex=col.pattern,
        )
    elif col.width:
        b.add(
            "ExpectColumnValueLengthsToEqual",
            "bloquant",
            [name],
            "codes de longueur incorrecte.",
            f"{col.width} caractères",
            "corrigez ces codes (gardez la colonne au format texte dans Excel).",
            "longueur",
            column=name,
            value=col.width,
        )
    if col.allowed:
        listed = ", ".join(str(v) for v in col.allowed)
        b.add(
            "ExpectColumnValuesToBeInSet",
            "bloquant",
            [name],
            "valeurs hors de la liste admise.",
            f"une de ces valeurs : {listed}",
            "remplacez ces valeurs par une valeur de la liste (voir data/README.md).",
            "valeurs_admises",
            column=name,
            value_set=list(col.allowed),
        )
    if name == "annee":
        if not b.table.reference:  # a context vintage is not a publication year
            _year_checks(b, col, params)
    elif col.min is not None or col.max is not None:
        negative = col.min == 0 and col.max is None
        b.add(
            "ExpectColumnValuesToBeBetween",
            "bloquant",
            [name],
            "valeurs négatives." if negative else "valeurs hors des bornes admises.",
            _bounds_text(col.min, col.max, col.unit),
            (
                "corrigez ces valeurs (un montant ou un effectif ne peut pas être négatif)."
                if negative
                else "corrigez ces valeurs"
                + (" (un taux de 45 % s'écrit 45)." if col.unit == "%" else ".")
            ),
            "bornes",
            column=name,
            min_value=col.min,
            max_value=col.max,
        )
    if col.references:
        _reference_check(b, col, refs, params)


def _year_checks(b: _SuiteBuilder, col: Column, params: RunParams) -> None:
    low = int(col.min) if col.min is not None else None
    high = params.annee if col.max is None else min(int(col.max), params.annee)
    b.add(
        "ExpectColumnValuesToBeBetween",
        "bloquant",
        [col.name],
        f"années invalides ou postérieures à l'année publiée ({params.annee}).",
        _bounds_text(low, high, "année"),
        "corrigez l'année ; des données d'une année future ne peuvent pas être publiées.",
        "annee_publiee",
        column=col.name,
        min_value=low,
        max_value=high,
    )
    first, last = params.years[0], params.years[-1]
    b.add(
        "ExpectColumnValuesToBeBetween",
        "avertissement",
        [col.name],
        f"années antérieures à la période suivie ({first}–{last}) : ces lignes n'apparaissent "
        "pas dans les rapports.",
        f"une année entre {first} et {last}",
        "rien s'il s'agit d'un historique ; sinon, corrigez l'année.",
        "annee_fenetre",
        column=col.name,
        min_value=first,
    )


def _reference_check(b: _SuiteBuilder, col: Column, refs: ReferenceSets, params: RunParams) -> None:
    values = refs.values(col.references)
    if col.references == "bailleur":
        if not values:
            return
        b.add(
            "ExpectColumnValuesToBeInSet",
            "avertissement",
            [col.name],
            "bailleurs absents du registre des bailleurs (ni nom de référence, ni variante "
            "connue) : comptés sous le nom écrit.",
            "un bailleur du registre data/raw/bailleurs",
            "vérifiez l'orthographe ; s'il s'agit d'une autre graphie ou d'un nouveau "
            "bailleur, ajoutez-la au registre (colonne variantes_nom).",
            "referentiel_bailleur",
            column=col.name,
            value_set=sorted(values),
        )
        return
    if col.references == "qpv":
        probleme = f"codes QPV inconnus de la géographie {params.geographie_qpv} de la région."
        attendu = "un code de la liste officielle des QPV de la région (data/reference)"
        action = (
            "corrigez le code (la géographie 2024 utilise des codes QN… ; les codes QP… de 2015 "
            "ne sont plus valables)."
        )
    else:
        probleme = "EPCI inconnus : aucun QPV de la région dans cet EPCI."
        attendu = "le SIREN d'un EPCI de la région ayant au moins un QPV"
        action = "corrigez le SIREN (9 chiffres, voir data/reference/contrats-de-ville-2024.json)."
    b.add(
        "ExpectColumnValuesToBeInSet",
        "bloquant",
        [col.name],
        probleme,
        attendu,
        action,
        f"referentiel_{col.references}",
        column=col.name,
        value_set=sorted(values),
    )


def _key_check(b: _SuiteBuilder, table: Table) -> None:
    key = list(table.key)
    if not key:
        return
    common = dict(
        severity="bloquant",
        columns=key,
        probleme=f"clé en double : plusieurs lignes pour les mêmes valeurs de {', '.join(key)}.",
        attendu=f"une seule ligne par {' × '.join(key)} (grain : {table.grain})",
        action="fusionnez ces lignes, supprimez le doublon ou corrigez la valeur erronée.",
        regle="cle_unique",
    )
    if len(key) == 1:
        b.add("ExpectColumnValuesToBeUnique", **common, column=key[0])
    else:
        b.add("ExpectCompoundColumnsToBeUnique", **common, column_list=key)


# --------------------------------------------------------------------------- running


def prepare_frame(data: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return the frame handed to Great Expectations.

    The index is reset to a ``RangeIndex`` (so that ``unexpected_index_list`` gives row
    positions), pseudonymous identifiers are replaced by neutral surrogates that keep equality
    (``id-1``, ``id-2``…: uniqueness can be checked, no identifier reaches Data Docs), and the
    derived columns of the plausibility checks are added.
    """
    frame = data.reset_index(drop=True).copy()
    for name in table.identifiers:
        if name in frame.columns:
            codes, _ = pd.factorize(frame[name])
            frame[name] = pd.array(
                [f"id-{c + 1}" if c >= 0 else pd.NA for c in codes], dtype="string"
            )
    for check in PLAUSIBILITY:
        if check.table != table.name or not set(check.columns) <= set(frame.columns):
            continue
        num = pd.to_numeric(frame[check.numerator], errors="coerce").astype("Float64")
        if check.denominator:
            den = pd.to_numeric(frame[check.denominator], errors="coerce").astype("Float64")
            den = den.where(den > 0)
            num = num / den * check.factor
        frame[check.name] = num.astype("Float64")
    return frame


def _context(gx: Any, out_dir: Path) -> Any:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.add_data_docs_site(
        SITE_NAME,
        {
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "site_section_builders": {"expectations": "False", "profiling": "False"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str((out_dir / "data_docs").resolve()),
            },
        },
    )
    return context


def run_checkpoints(
    frames: dict[str, pd.DataFrame],
    suites: dict[str, list[Expectation]],
    out_dir: Path,
) -> dict[str, Any]:
    """Validate each frame against its suite with Great Expectations; update Data Docs.

    One validation definition and one checkpoint per table (``qualite_<table>``), in a single
    ephemeral context: ``Checkpoint.run`` hands the same ``batch_parameters`` to all its
    validation definitions, and a dataframe asset accepts exactly one ``dataframe``.

    Args:
        frames: frame of each table (``prepare_frame``), passed as batch parameters.
        suites: expectations of each table (``build_suite``).
        out_dir: folder whose ``data_docs/`` receives the Data Docs site.

    Returns:
        The ``ExpectationSuiteValidationResult`` of each table.
    """
    gx, _ = _gx_modules()
    from great_expectations.checkpoint import UpdateDataDocsAction

    context = _context(gx, out_dir)
    source = context.data_sources.add_pandas("donnees_partenaires")
    results: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, frame in frames.items():
            batch = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe(name)
            suite = context.suites.add_or_update(
                gx.ExpectationSuite(name=f"qualite_{name}", expectations=suites[name])
            )
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=f"qualite_{name}", data=batch, suite=suite)
            )
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(
                    name=f"qualite_{name}",
                    validation_definitions=[definition],
                    actions=[UpdateDataDocsAction(name="data_docs", site_names=[SITE_NAME])],
                    result_format={
                        "result_format": "COMPLETE",
                        "return_unexpected_index_query": False,
                    },
                )
            )
            outcome = checkpoint.run(batch_parameters={"dataframe": frame})
            results[name] = next(iter(outcome.run_results.values()))
        if not frames:
            context.build_data_docs(site_names=[SITE_NAME])
    return results


def run_quality_gate(
    results: dict[str, LoadResult], qpv: pd.DataFrame, params: RunParams, out_dir: Path
) -> QualityReport:
    """Check every loaded table with Great Expectations and write the quality pages.

    Args:
        results: loaded tables (``loaders.load_raw``), with the loaders' own findings.
        qpv: QPV reference of the region (``reference.qpv_reference``).
        params: run parameters.
        out_dir: folder receiving ``resultats.json``, ``index.html``, ``data_docs/`` and
            ``retours/`` (one page and one CSV per data producer).

    Returns:
        The report: findings (loaders' and validation's), status, counts.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("data_docs", "retours"):  # pages of a previous run would mislead
        shutil.rmtree(out_dir / stale, ignore_errors=True)
    registry = results["bailleurs"].data if "bailleurs" in results else None
    refs = ReferenceSets.from_inputs(qpv, registry)
    frames: dict[str, pd.DataFrame] = {}
    suites: dict[str, list[Expectation]] = {}
    sources: dict[str, pd.DataFrame] = {}
    for name, result in results.items():
        if result.data.empty:
            continue
        table = TABLES[name]
        sources[name] = result.data.reset_index(drop=True)
        frames[name] = prepare_frame(sources[name], table)
        suites[name] = build_suite(table, refs, params)
    gx_results = run_checkpoints(frames, suites, out_dir)

    issues: list[Issue] = []
    rows: list[FeedbackRow] = []
    for name, result in results.items():
        table = TABLES[name]
        data = sources.get(name, result.data.reset_index(drop=True))
        loader_issues = [_tidy_loader_issue(i, table) for i in result.issues]
        loader_issues += _empty_file_issues(result, table)
        covered = {
            (i.fichier, i.feuille, i.colonne, line)
            for i in loader_issues
            if i.blocking and i.colonne
            for line in i.lignes
        }
        issues += loader_issues
        lookup = _producer_lookup(table, data)
        rows += [r for i in loader_issues for r in _rows_from_loader_issue(i, table, lookup)]
        if name in gx_results:
            found, found_rows = _issues_from_validation(
                gx_results[name], table, data, frames[name], covered, lookup[1]
            )
            issues += found
            rows += found_rows
    issues += _registry_issue(results, refs)
    issues.sort(key=lambda i: (not i.blocking, list(TABLES).index(i.table)))

    labels = dict(zip(qpv["siren_epci"].astype(str), qpv["nom_epci"].astype(str), strict=True))
    labels |= dict(zip(qpv["code_qpv"].astype(str), qpv["nom_qpv"].astype(str), strict=True))
    report = QualityReport(
        issues=issues,
        out_dir=out_dir,
        annee=params.annee,
        rows=rows,
        tables={n: len(f) for n, f in frames.items()},
    )
    report.feedback = write_feedback(rows, out_dir, params.annee, labels)
    report.duration_s = time.perf_counter() - started
    (out_dir / RESULTS_FILE).write_text(
        json.dumps(report.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    render_index(report, results, out_dir)
    return report


# --------------------------------------------------------------------------- findings


def _tidy_loader_issue(issue: Issue, table: Table) -> Issue:
    """Drop identifier values from a loader finding; split a ``DataError`` text from its action."""
    if issue.colonne in table.identifiers and issue.valeurs:
        issue.valeurs = []
    marker = " À faire : "
    if issue.action == "voir le message." and marker in issue.message:
        message, action = issue.message.split(marker, 1)
        issue.message, issue.action = message.strip(), action.strip()
    return issue


def _empty_file_issues(result: LoadResult, table: Table) -> list[Issue]:
    """Warn about files that were read but gave no data row (empty, header only)."""
    read = set(result.data["_fichier"].dropna().astype(str)) if len(result.data) else set()
    failed = {i.fichier for i in result.issues if i.blocking and not i.lignes}
    return [
        Issue(
            "avertissement",
            table.name,
            "fichier sans aucune ligne de données (vide ou en-tête seul) : ignoré.",
            "renvoyez le fichier rempli, ou retirez-le de data/raw/ s'il est en trop.",
            fichier=path.name,
        )
        for path in result.files
        if path.name not in read and path.name not in failed
    ]


def _registry_issue(results: dict[str, LoadResult], refs: ReferenceSets) -> list[Issue]:
    if refs.bailleurs:
        return []
    users = [
        n
        for n, r in results.items()
        if n != "bailleurs" and "bailleur" in TABLES[n].column_names and not r.data.empty
    ]
    if not users:
        return []
    return [
        Issue(
            "avertissement",
            "bailleurs",
            "registre des bailleurs absent ou vide : les noms de bailleur ne sont ni "
            f"harmonisés ni contrôlés (tables : {', '.join(users)}).",
            "déposez le registre dans data/raw/bailleurs/ (voir data/README.md).",
        )
    ]


def _fmt(value: Any, unit: str | None = None) -> str:
    """Format one cell for a French message (``(vide)`` for a missing value)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) or hasattr(value, "is_integer"):
        return _number(float(value), "année" if unit == "année" else None)
    return str(value)


def _cell(table: Table, data: pd.DataFrame, frame: pd.DataFrame, idx: int, column: str) -> str:
    if column in table.identifiers:
        return MASKED
    source = data if column in data.columns else frame
    if column not in source.columns:
        return ""
    unit = table.column(column).unit if column in table.column_names else None
    return _fmt(source.at[idx, column], unit)


def _row_value(table: Table, data: pd.DataFrame, frame: pd.DataFrame, idx: int, meta: dict) -> str:
    columns = meta["colonnes"]
    if meta["regle"].startswith("vraisemblance:"):
        derived, *sources = columns
        shown = _cell(table, data, frame, idx, derived)
        if len(sources) > 1:
            parts = " ; ".join(f"{c} = {_cell(table, data, frame, idx, c)}" for c in sources)
            shown += f" ({parts})"
        return shown
    if len(columns) == 1:
        return _cell(table, data, frame, idx, columns[0])
    return " ; ".join(f"{c} = {_cell(table, data, frame, idx, c)}" for c in columns)


def _files(data: pd.DataFrame) -> str | None:
    names = sorted(set(data["_fichier"].dropna().astype(str))) if "_fichier" in data else []
    return ", ".join(names) or None


def _issues_from_validation(
    suite_result: Any,
    table: Table,
    data: pd.DataFrame,
    frame: pd.DataFrame,
    covered: set[tuple],
    by_file: dict[str, str],
) -> tuple[list[Issue], list[FeedbackRow]]:
    """Turn the failed expectations of one table into French findings and feedback rows.

    A row already reported as blocking for a column (by the loader or an earlier rule) is not
    reported again by a later rule on that column, so one bad cell gives one finding.
    """
    failed = [r for r in suite_result.results if not r.success]
    failed.sort(key=lambda r: (r.expectation_config.meta or {}).get("ordre", 0))
    missing: set[str] = set()
    for res in failed:
        if res.expectation_config.type == "expect_table_columns_to_match_set" and res.result:
            missing |= set(res.result.get("details", {}).get("mismatched", {}).get("missing", []))
    unusable = missing | {
        (r.expectation_config.meta or {}).get("colonnes", [""])[0]
        for r in failed
        if (r.expectation_config.meta or {}).get("regle") == "type"
    }
    issues: list[Issue] = []
    rows: list[FeedbackRow] = []
    for res in failed:
        meta = res.expectation_config.meta or {}
        if not meta:
            continue
        columns = meta["colonnes"]
        error = _exception_message(res.exception_info)
        raised = error is not None
        if raised and unusable & set(columns):
            continue  # already reported: missing column or wrong type
        if meta["regle"] == "presence_colonnes":
            column_label = ", ".join(sorted(missing))
        elif meta["regle"].startswith("vraisemblance:") and len(columns) == 3:
            column_label = f"{columns[1]} / {columns[2]}"
        else:
            column_label = ", ".join(c for c in columns if not c.startswith("_")) or columns[0]
        base = dict(
            severity=meta["severite"],
            table=table.name,
            action=meta["action"],
            colonne=column_label,
            attendu=meta["attendu"],
            regle=meta["regle"],
        )
        indexes = (res.result or {}).get("unexpected_index_list") if not raised else None
        if not indexes:
            message = meta["probleme"]
            if raised:
                message = (
                    f"contrôle « {meta['regle']} » impossible sur ces données "
                    f"({_one_line(error, 160)})."
                )
            elif meta["regle"] == "type" and res.result.get("observed_value") is not None:
                message += f" Type trouvé : {res.result['observed_value']}."
            issue = Issue(message=message, fichier=_files(data), **base)
            issues.append(issue)
            files = (issue.fichier or "").split(", ")
            producers = {by_file.get(f) for f in files}
            producer = producers.pop() if len(producers) == 1 else None
            rows.append(_feedback_row(issue, None, producer, ""))
            continue
        sources = [c for c in columns if not c.startswith("_")]
        per_row = meta["regle"] != "cle_unique"
        groups: dict[tuple, list[tuple[int | None, str, tuple]]] = {}
        key_files: dict[tuple, set[str]] = {}
        for idx in indexes:
            idx = int(idx)
            fichier = _str_or_none(data.at[idx, "_fichier"])
            feuille = _str_or_none(data.at[idx, "_feuille"])
            line = int(data.at[idx, "_ligne"]) if pd.notna(data.at[idx, "_ligne"]) else None
            if per_row and any((fichier, feuille, c, line) in covered for c in sources):
                continue
            producer = None
            if table.producer and table.producer not in table.identifiers:
                producer = _str_or_none(data.at[idx, table.producer])
            value = _row_value(table, data, frame, idx, meta)
            key = () if per_row else tuple(str(frame.at[idx, c]) for c in sources)
            key_files.setdefault(key, set()).add(fichier or "")
            groups.setdefault((fichier, feuille, producer), []).append((line, value, key))
        for (fichier, feuille, producer), found in groups.items():
            lines = [line for line, _, _ in found if line is not None]
            values = list(dict.fromkeys(v for _, v, _ in found if v and v != MASKED))
            message = meta["probleme"]
            others = sorted(set().union(*(key_files[k] for _, _, k in found)) - {fichier, ""})
            if not per_row and others:
                listed = ", ".join(f"« {f} »" for f in others)
                message += f" Doublons à chercher aussi dans : {listed}."
            issue = Issue(
                message=message,
                fichier=fichier,
                feuille=feuille,
                lignes=lines,
                valeurs=values,
                producteur=producer,
                **base,
            )
            issues.append(issue)
            if issue.blocking and per_row:
                covered |= {(fichier, feuille, c, line) for c in sources for line in lines}
            rows += [_feedback_row(issue, line, producer, value) for line, value, _ in found]
    return issues, rows


def _exception_message(info: Any) -> str | None:
    """Message of an exception raised while checking an expectation (``None`` if none).

    GX reports it either directly or keyed by the metric that failed.
    """
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "erreur inconnue")
    return None


def _str_or_none(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _feedback_row(issue: Issue, line: int | None, producer: str | None, value: str) -> FeedbackRow:
    return FeedbackRow(
        producteur=producer,
        table=issue.table,
        fichier=issue.fichier,
        feuille=issue.feuille,
        ligne=line,
        colonne=issue.colonne,
        valeur=value,
        probleme=issue.message,
        attendu=issue.attendu,
        action=issue.action,
        severite=issue.severity,
    )


def _producer_lookup(table: Table, data: pd.DataFrame) -> tuple[dict, dict]:
    """Map (file, line) and file to the producer named in the rows (when unambiguous)."""
    if not table.producer or table.producer in table.identifiers or data.empty:
        return {}, {}
    prod = data[["_fichier", "_ligne", table.producer]].dropna()
    by_line = {
        (str(f), int(line)): str(p) for f, line, p in prod.itertuples(index=False, name=None)
    }
    by_file = {
        str(f): str(group.iloc[0])
        for f, group in prod.groupby("_fichier")[table.producer]
        if group.nunique() == 1
    }
    return by_line, by_file


def _rows_from_loader_issue(
    issue: Issue, table: Table, lookup: tuple[dict, dict]
) -> Iterable[FeedbackRow]:
    """Feedback rows of a loader finding (one per line; producer found from the loaded rows)."""
    by_line, by_file = lookup
    files = [f.strip() for f in (issue.fichier or "").split(",") if f.strip()] or [None]
    if not issue.lignes:
        for fichier in files:
            yield _feedback_row(issue, None, by_file.get(fichier or ""), "")
        return
    aligned = len(issue.valeurs) == len(issue.lignes)
    for pos, line in enumerate(issue.lignes):
        value = issue.valeurs[pos] if aligned else ""
        if issue.colonne in table.identifiers:
            value = MASKED
        producer = next(
            (by_line[(f, int(line))] for f in files if f and (f, int(line)) in by_line),
            next((by_file[f] for f in files if f and f in by_file), None),
        )
        yield _feedback_row(issue, int(line), producer, value)
