"""Indicator model: the declaration, the registry, selection by axis and tags, the result schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from qpv_analytics.params import RunParams
from qpv_analytics.thresholds import MIN_COUNT

Level = Literal["region", "departement", "epci", "commune", "qpv", "bailleur", "maitre_ouvrage"]
LEVEL_COLUMNS: dict[str, str | None] = {
    "region": None,
    "departement": "code_departement",
    "epci": "siren_epci",
    "commune": "code_commune",
    "qpv": "code_qpv",
    "bailleur": "bailleur",
    "maitre_ouvrage": "maitre_ouvrage",
}
"""Column holding the code of each level in a base table (the region is the whole table)."""

BindingUnit = Literal[
    "region", "departement", "epci", "qpv", "bailleur", "maitre_ouvrage", "projet", "marche"
]
"""Units a target can bind: the publication levels, plus renewal projects and markets."""

TargetKind = Literal["legal", "national", "contrat", "local", "feuille_de_route"]
"""Kinds of target: a legal minimum, a national framework, a contractual commitment (each
market's planned hours), a local objective (``RunParams.cibles_locales``), a roadmap target."""

BINDING_KINDS: frozenset[str] = frozenset({"legal", "national", "contrat"})
"""Kinds of target that are met or not: never « partiellement atteint »."""

DEFAULT_LEVELS: tuple[Level, ...] = ("region", "departement", "epci", "qpv", "bailleur")
"""Levels published when a declaration does not list its own."""

SECRET_NOTE = f"Effectif soumis au secret (moins de {MIN_COUNT} : masqué)."
"""Sentence ending the definition of a count of people."""

RESULT_SCHEMA: dict[str, str] = {
    "indicateur": "str",
    "libelle": "str",
    "axe": "int64",
    "niveau": "str",
    "code": "str",
    "nom": "string",
    "annee": "Int64",
    "valeur": "Float64",
    "numerateur": "Float64",
    "denominateur": "Float64",
    "unite": "str",
    "cible": "Float64",
    "statut": "str",
}
"""Columns of the tidy indicator table written with every report, and their pandas dtypes."""

RESULT_COLUMNS = list(RESULT_SCHEMA)
"""Columns of the tidy indicator table, in order."""


@dataclass(frozen=True)
class Indicator:
    """One indicator, declared once: its public definition, computation, levels, target, tags.

    The computation sums ``numerator`` (and ``denominator``) over the rows of a base table
    built by the axis module, at each of ``levels``; see :func:`qpv_analytics.indicators.compute`.
    """

    code: str
    label: str
    axis: int
    definition: str
    formula: str
    unit: str
    sources: tuple[str, ...]
    numerator: str | None = None
    """Column of the base table summed as numerator (``None`` for a ``compliance_of`` share)."""
    denominator: str | None = None
    """Column summed as denominator, or ``None``: the value is then the sum of the numerator."""
    required: tuple[str, ...] | None = None
    """Columns a row must fill to count; ``None``: both sides of a ratio, nothing for a sum."""
    where: Mapping[str, object] = field(default_factory=dict)
    """Rows of the base table kept for this indicator: column → value."""
    compliance_of: str | None = None
    """Code of another indicator: the value is the share of its units meeting its target."""
    compliance_level: Level = "epci"
    """Level of the units counted by a ``compliance_of`` share."""
    levels: tuple[Level, ...] = DEFAULT_LEVELS
    """Levels published (a level whose column is absent from the base table is skipped)."""
    short_label: str | None = None
    """Short header for wide tables (defaults to ``label``)."""
    direction: Literal["hausse", "baisse"] = "hausse"
    target: float | None = None
    target_param: str | None = None
    """Name of the field of ``RunParams.cibles_locales`` holding a local target."""
    target_source: str | None = None
    """Where the target comes from (law, national framework, local decision)."""
    target_kind: TargetKind | None = None
    """Kind of target (legal minimum, national framework…); required with a target."""
    binds: BindingUnit | None = None
    """Unit the target binds (each EPCI, each landlord, each project…); ``None`` without target."""
    references: dict[str, float] = field(default_factory=dict)
    """Public reference figures to compare with (label → value)."""
    scale: float = 1.0
    people: bool = False
    """Counts of persons: subject to disclosure control."""
    tags: frozenset[str] = frozenset()
    """Names of the groups the reports select the indicator by (e.g. ``"operations"``)."""

    @property
    def header(self) -> str:
        """Short label when declared, else the label."""
        return self.short_label or self.label

    @property
    def targeted(self) -> bool:
        """Whether the indicator has a target (fixed or read from the run parameters)."""
        return self.target is not None or self.target_param is not None

    @property
    def binding(self) -> bool:
        """Whether the target is a minimum that is met or not (no partial status)."""
        return self.target_kind in BINDING_KINDS

    def target_value(self, params: RunParams | None) -> float | None:
        """Return the target, reading local targets from the run parameters."""
        if self.target_param:
            if params is None:
                return None
            return float(getattr(params.cibles_locales, self.target_param))
        return self.target


REGISTRY: dict[str, Indicator] = {}


def register(*indicators: Indicator) -> None:
    """Add indicators to the registry (codes are unique)."""
    for ind in indicators:
        if ind.code in REGISTRY:
            raise ValueError(f"duplicate indicator {ind.code}")
        if ind.targeted != (ind.target_kind is not None) or ind.targeted != (ind.binds is not None):
            raise ValueError(f"indicator {ind.code}: a target declares its kind and unit")
        REGISTRY[ind.code] = ind


def select(
    axis: int | None = None,
    tags: str | Iterable[str] = (),
    targeted: bool | None = None,
) -> list[Indicator]:
    """Return the registered indicators matching every criterion, in declaration order.

    Args:
        axis: axis number (0 for context and State resources), or ``None`` for every axis.
        tags: a tag or several: an indicator matches when it carries all of them.
        targeted: ``True`` for indicators with a target, ``False`` for those without one.
    """
    wanted = {tags} if isinstance(tags, str) else set(tags)
    return [
        ind
        for ind in REGISTRY.values()
        if (axis is None or ind.axis == axis)
        and wanted <= ind.tags
        and (targeted is None or ind.targeted == targeted)
    ]


def codes(
    axis: int | None = None,
    tags: str | Iterable[str] = (),
    targeted: bool | None = None,
) -> list[str]:
    """Codes of :func:`select` (same arguments), in declaration order."""
    return [ind.code for ind in select(axis, tags, targeted)]


def empty_result() -> pd.DataFrame:
    """An indicator table without rows, typed as :data:`RESULT_SCHEMA`."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in RESULT_SCHEMA.items()})


def check_result(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` unchanged if it is a tidy indicator table, else raise ``ValueError``.

    Args:
        frame: a table meant to have exactly the columns and dtypes of :data:`RESULT_SCHEMA`.

    Raises:
        ValueError: listing the missing or extra columns and the columns of the wrong dtype.
    """
    problems = []
    missing = [c for c in RESULT_SCHEMA if c not in frame.columns]
    extra = [c for c in frame.columns if c not in RESULT_SCHEMA]
    if missing:
        problems.append(f"missing columns {missing}")
    if extra:
        problems.append(f"unexpected columns {extra}")
    if not missing and list(frame.columns[: len(RESULT_SCHEMA)]) != RESULT_COLUMNS:
        problems.append(f"columns out of order {list(frame.columns)}")
    wrong = {
        c: str(frame[c].dtype)
        for c, dtype in RESULT_SCHEMA.items()
        if c in frame.columns and str(frame[c].dtype) != dtype
    }
    if wrong:
        expected = {c: RESULT_SCHEMA[c] for c in wrong}
        problems.append(f"wrong dtypes {wrong} (expected {expected})")
    # the distinct codes only (not a set built from every row: 10⁵ rows at national size)
    codes = frame["indicateur"].dropna().unique() if not missing else []
    unknown = sorted(set(codes) - set(REGISTRY))
    if unknown:
        problems.append(f"undeclared indicators {unknown}")
    if problems:
        raise ValueError("not an indicator result table: " + "; ".join(problems))
    return frame
