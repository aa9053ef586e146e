"""Great Expectations suites derived from the data contract, with their French messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.contract import KIND_LABELS, Column, Table
from qpv_analytics.geography import DEPARTEMENT_PATTERN, QPV_PATTERN, SIREN_PATTERN
from qpv_analytics.indicators.compute import group_sums
from qpv_analytics.params import RunParams
from qpv_analytics.quality.gx_run import gx_modules
from qpv_analytics.quality.model import Severity
from qpv_analytics.thresholds import FRACTION_MIN_VALUES

if TYPE_CHECKING:  # pragma: no cover - typing only, GX is imported lazily
    from great_expectations.expectations import Expectation

GX_SEVERITY: dict[str, str] = {"bloquant": "critical", "avertissement": "warning"}
"""Great Expectations severity of each French severity."""
PLAUSIBILITY_RULE = "vraisemblance:"
"""Prefix of the rule id of the plausibility checks (followed by the derived column's name)."""
FRACTION_RULE = "echelle_fraction"
"""Rule id of the check that refuses a file giving a rate column as fractions (0,452)."""
WHOLE_FILE = "fichier_entier"
"""Key of ``meta`` marking a rule that judges each file as a whole (its message counts rows)."""

TYPE_NAMES: dict[str, list[str]] = {
    "entier": ["Int64Dtype", "Int32Dtype", "int64", "int32"],
    "decimal": ["Float64Dtype", "Float32Dtype", "float64", "float32", "Int64Dtype", "int64"],
    "date": ["datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"],
    "booleen": ["BooleanDtype", "bool"],
}
"""Dtypes accepted per non-text kind (names as GX resolves them: ``pd.<name>``, ``np.dtype``).

Text and code columns accept any dtype (pandas stores text as ``object`` or ``str``).
"""

NUMPY_TYPES: dict[str, str] = {"Int64": "int64", "Float64": "float64"}
"""NumPy dtype handed to Great Expectations for a nullable column without a missing value.

Great Expectations compares a NumPy column to bounds in one vectorised step, and a nullable one
value by value (4 million Python calls at national size). Both NumPy types are in
:data:`TYPE_NAMES` for the column's kind; a column with a missing value keeps its type.
"""

PATTERN_LABELS: dict[str, str] = {
    QPV_PATTERN: "un code QPV : QN05901M (géographie 2024) ou QP059001 (géographie 2015)",
    DEPARTEMENT_PATTERN: "un code de département sur 2 caractères (02, 59, 2A…)",
    SIREN_PATTERN: "un SIREN de 9 chiffres",
}


@dataclass(frozen=True)
class ReferenceSets:
    """Codes and names values must belong to: the region's QPV and EPCI, registered landlords."""

    qpv: frozenset[str]
    epci: frozenset[str]
    landlords: frozenset[str]

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
            landlords=frozenset(names),
        )

    def values(self, name: str) -> frozenset[str]:
        """Return the set named in ``Column.references`` (``qpv``, ``epci`` or ``bailleur``)."""
        return {"qpv": self.qpv, "epci": self.epci, "bailleur": self.landlords}[name]


def value_text(value: float | None, unit: str | None = None) -> str:
    """Return a French number (``1 234,5``) followed by its unit; years are written plainly."""
    if value is None:
        return ""
    if unit == "année":
        return str(int(value))
    text = formatting.number(value, 0 if float(value).is_integer() else 2)
    text = text.replace(formatting.THOUSANDS_SEPARATOR, " ")
    if unit and unit != "nombre":
        text += f" {unit}"
    return text


def bounds_text(low: float | None, high: float | None, unit: str | None = None) -> str:
    """Return the French expectation of bounds (``une valeur entre 0 et 100 %``…)."""
    if low is not None and high is not None:
        bare = unit if unit == "année" else None
        return f"une valeur entre {value_text(low, bare)} et {value_text(high, unit)}"
    if low is not None:
        return f"une valeur d'au moins {value_text(low, unit)}"
    return f"une valeur d'au plus {value_text(high, unit)}"


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
        problem: str,
        expected: str,
        action: str,
        rule: str,
        whole_file: bool = False,
        **kwargs: Any,
    ) -> None:
        # French keys: the meta is shown as is in the Data Docs pages.
        meta = {
            "table": self.table.name,
            "severite": severity,
            "regle": rule,
            "colonnes": columns,
            "probleme": problem,
            "attendu": expected,
            "action": action,
            "ordre": len(self.expectations),
        }
        if whole_file:
            meta[WHOLE_FILE] = True
        columns_text = ", ".join(c for c in columns if not c.startswith("_")) or columns[0]
        cls = getattr(self.gxe, kind)
        self.expectations.append(
            cls(
                **kwargs,
                meta=meta,
                description=f"{severity.capitalize()} — {columns_text} : {expected}.",
                notes=f"Si la règle échoue : {problem} À faire : {action}",
                severity=GX_SEVERITY[severity],
            )
        )


def build_suite(table: Table, refs: ReferenceSets, params: RunParams) -> list[Expectation]:
    """Generate the Great Expectations expectations of one table from the data contract.

    Every expectation carries in ``meta`` its French message parts (``probleme``, ``attendu``,
    ``action``), the columns concerned (``colonnes``), a rule id (``regle``) and a severity
    (``severite``: ``bloquant`` = GX ``critical``, ``avertissement`` = GX ``warning``).
    Plausibility checks come from ``Column.plausible`` in the contract.

    Args:
        table: contract table.
        refs: reference sets (QPV and EPCI of the region, registered landlords). An empty
            landlord set disables the landlord check (no registry received).
        params: run parameters (publication year and trend window).

    Returns:
        The expectations, in reporting priority order.
    """
    _, gxe = gx_modules()
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
    for col, check in table.plausibility:
        b.add(
            "ExpectColumnValuesToBeBetween",
            "avertissement",
            [check.name, col.name] + ([check.per] if check.per else []),
            f"valeurs peu vraisemblables ({check.label}).",
            bounds_text(check.min, check.max, check.unit),
            check.action,
            PLAUSIBILITY_RULE + check.name.lstrip("_"),
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
            bounds_text(col.min, col.max, col.unit),
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
    if col.is_rate:
        _fraction_check(b, col)
    if col.references:
        _reference_check(b, col, refs, params)


def fraction_column(col: Column) -> str:
    """Name of the derived column holding the values of a rate column given as fractions."""
    return f"_{col.name}_en_fraction"


def _fraction_check(b: _SuiteBuilder, col: Column) -> None:
    """Refuse a file whose rates all lie in [0, 1]: fractions published a hundred times too small.

    The derived column (:func:`fraction_column`) holds the rates of such files only, so the
    expectation that it stays empty lists their rows.
    """
    derived = fraction_column(col)
    b.add(
        "ExpectColumnValuesToBeNull",
        "bloquant",
        [derived, col.name],
        "valeurs en fraction ? Tous les taux de la colonne dans ce fichier sont compris entre "
        "0 et 1, alors qu'un taux s'écrit en pourcentage : 0,452 serait publié « 0,5 % » au "
        "lieu de 45,2 %.",
        "un taux en pourcentage, de 0 à 100 (45,2 pour 45,2 %)",
        "multipliez par 100 les valeurs de cette colonne (0,452 → 45,2) et renvoyez le fichier.",
        FRACTION_RULE,
        whole_file=True,
        column=derived,
    )


def _year_checks(b: _SuiteBuilder, col: Column, params: RunParams) -> None:
    low = int(col.min) if col.min is not None else None
    high = params.annee if col.max is None else min(int(col.max), params.annee)
    b.add(
        "ExpectColumnValuesToBeBetween",
        "bloquant",
        [col.name],
        f"années invalides ou postérieures à l'année publiée ({params.annee}).",
        bounds_text(low, high, "année"),
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


def reference_column(col: Column) -> str:
    """Name of the derived column holding the values of a column missing from its reference."""
    return f"_{col.name}_hors_referentiel"


def checked_reference(col: Column, refs: ReferenceSets) -> frozenset[str] | None:
    """The reference set the values of ``col`` are checked against (``None``: no check).

    The landlord check needs a registry: with an empty one, it is disabled.
    """
    if not col.references:
        return None
    values = refs.values(col.references)
    if col.references == "bailleur" and not values:
        return None
    return values


def _reference_check(b: _SuiteBuilder, col: Column, refs: ReferenceSets, params: RunParams) -> None:
    """Check that the values of ``col`` belong to their reference set.

    The derived column (:func:`reference_column`, filled by :func:`prepare_frame`) holds the
    values missing from the set, so the expectation that it stays empty lists their rows. The
    set is not handed to Great Expectations as a ``value_set``: it copies an expectation's
    fields each time it reads its configuration, about eighty times per expectation, and with
    the 1,609 codes of the national QPV list that copying took most of the validation time.
    """
    if checked_reference(col, refs) is None:
        return
    if col.references == "bailleur":
        severity: Severity = "avertissement"
        problem = (
            "bailleurs absents du registre des bailleurs (ni nom de référence, ni variante "
            "connue) : comptés sous le nom écrit."
        )
        expected = "un bailleur du registre data/raw/bailleurs"
        action = (
            "vérifiez l'orthographe ; s'il s'agit d'une autre graphie ou d'un nouveau "
            "bailleur, ajoutez-la au registre (colonne variantes_nom)."
        )
    elif col.references == "qpv":
        severity = "bloquant"
        problem = f"codes QPV inconnus de la géographie {params.geographie_qpv} de la région."
        expected = "un code de la liste officielle des QPV de la région (data/reference)"
        action = (
            "corrigez le code (la géographie 2024 utilise des codes QN… ; les codes QP… de 2015 "
            "ne sont plus valables)."
        )
    else:
        severity = "bloquant"
        problem = "EPCI inconnus : aucun QPV de la région dans cet EPCI."
        expected = "le SIREN d'un EPCI de la région ayant au moins un QPV"
        action = "corrigez le SIREN (9 chiffres, voir data/reference/contrats-de-ville-2024.json)."
    derived = reference_column(col)
    b.add(
        "ExpectColumnValuesToBeNull",
        severity,
        [derived, col.name],
        problem,
        expected,
        action,
        f"referentiel_{col.references}",
        column=derived,
    )


def _key_check(b: _SuiteBuilder, table: Table) -> None:
    key = list(table.key)
    if not key:
        return
    common = dict(
        severity="bloquant",
        columns=key,
        problem=f"clé en double : plusieurs lignes pour les mêmes valeurs de {', '.join(key)}.",
        expected=f"une seule ligne par {' × '.join(key)} (grain : {table.grain})",
        action="fusionnez ces lignes, supprimez le doublon ou corrigez la valeur erronée.",
        rule="cle_unique",
    )
    if len(key) == 1:
        b.add("ExpectColumnValuesToBeUnique", **common, column=key[0])
    else:
        b.add("ExpectCompoundColumnsToBeUnique", **common, column_list=key)


def prepare_frame(data: pd.DataFrame, table: Table, refs: ReferenceSets) -> pd.DataFrame:
    """Return the frame handed to Great Expectations.

    The index is reset to a ``RangeIndex`` (so that ``unexpected_index_list`` gives row
    positions), pseudonymous identifiers are replaced by neutral surrogates that keep equality
    (``id-1``, ``id-2``…: uniqueness can be checked, no identifier reaches Data Docs), the
    derived columns of the plausibility checks, of the fraction check of rate columns and of
    the reference checks are added, and numeric columns without a missing value are given as
    NumPy columns (:data:`NUMPY_TYPES`).

    Args:
        data: the loaded rows of the table.
        table: its contract table.
        refs: the reference sets of the reference checks (:func:`checked_reference`).
    """
    frame = data.reset_index(drop=True).copy()
    for name in table.identifiers:
        if name in frame.columns:
            codes, _ = pd.factorize(frame[name])
            frame[name] = pd.array(
                [f"id-{c + 1}" if c >= 0 else pd.NA for c in codes], dtype="string"
            )
    for col, check in table.plausibility:
        if not {col.name, check.per or col.name, *check.total_by} <= set(frame.columns):
            continue
        num = _totals(frame, col.name, check.total_by)
        if check.per:
            den = _totals(frame, check.per, check.total_by)
            den = den.where(den > 0)
            num = num / den * check.factor
        # NumPy floats (NaN for a missing value): Great Expectations compares them to the
        # bounds in one vectorised step, where a nullable column is compared value by value.
        frame[check.name] = num.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    for col in table.columns:
        if col.is_rate and col.name in frame.columns:
            frame[fraction_column(col)] = _fractions(frame, col.name)
    for col in table.columns:
        values = checked_reference(col, refs)
        if values is not None and col.name in frame.columns:
            frame[reference_column(col)] = _outside(frame[col.name], values)
    for name in table.column_names:
        if name in frame.columns and str(frame[name].dtype) in NUMPY_TYPES:
            if not frame[name].isna().any():
                frame[name] = frame[name].to_numpy(dtype=NUMPY_TYPES[str(frame[name].dtype)])
    return frame


def _outside(cells: pd.Series, values: frozenset[str]) -> pd.Series:
    """The cells whose value is not in ``values``, as text; ``<NA>`` elsewhere (and if empty)."""
    known = cells.isna() | cells.isin(list(values))
    return cells.astype("string").mask(known)


def _totals(frame: pd.DataFrame, column: str, by: tuple[str, ...]) -> pd.Series:
    """Numeric values of a column, summed over the rows sharing the values of ``by`` if any.

    Each row gets its group's ``sum(min_count=1)``, to the last digit (:func:`group_sums`);
    a row with a missing key gets ``<NA>``.
    """
    values = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
    if not by:
        return values
    rows = pd.DataFrame({"valeur": values, **{f"cle{i}": frame[c] for i, c in enumerate(by)}})
    groups = rows.groupby([f"cle{i}" for i in range(len(by))], observed=True, dropna=True)
    sums = group_sums(groups, "valeur").to_numpy(dtype="float64", na_value=np.nan)
    codes = groups.ngroup().to_numpy(dtype="float64", na_value=np.nan)  # NaN: a missing key
    known = ~np.isnan(codes)
    totals = np.full(len(rows), np.nan)
    totals[known] = sums[codes[known].astype("int64")]
    return pd.Series(totals, index=frame.index).astype("Float64")


def _fractions(frame: pd.DataFrame, column: str) -> pd.Series:
    """Values of a rate column in the files (and sheets) where every one lies in [0, 1].

    Only files with at least ``FRACTION_MIN_VALUES`` non-zero rates are judged; elsewhere,
    the derived value is missing.
    """
    values = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
    where = [c for c in ("_fichier", "_feuille") if c in frame.columns]
    keys = [frame[c].astype("string").fillna("") for c in where] or [pd.Series(0, frame.index)]
    flagged = pd.Series(False, index=frame.index)
    for _, group in values.groupby(keys):
        given = group.dropna()
        if (given != 0).sum() >= FRACTION_MIN_VALUES and given.between(0, 1).all():
            flagged[given.index] = True
    return values.where(flagged).astype("Float64")
