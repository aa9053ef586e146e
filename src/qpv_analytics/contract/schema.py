"""Building blocks of the data contract: column kinds, columns, rules, tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["texte", "code", "entier", "decimal", "date", "booleen"]

PANDAS_DTYPES: dict[str, str] = {
    "texte": "string",
    "code": "string",
    "entier": "Int64",
    "decimal": "Float64",
    "date": "datetime64[ns]",
    "booleen": "boolean",
}
"""Pandas dtype of each contract kind (nullable dtypes: a blank cell stays missing)."""

KIND_LABELS: dict[str, str] = {
    "texte": "texte",
    "code": "code (texte, zéros en tête conservés)",
    "entier": "nombre entier",
    "decimal": "nombre décimal (virgule acceptée)",
    "date": "date jj/mm/aaaa",
    "booleen": "oui / non",
}


PLAUSIBILITY_ACTION = (
    "vérifiez ces lignes et corrigez-les s'il s'agit d'une erreur de saisie (unité, zéro "
    "en trop ou manquant) ; sinon, rien à faire."
)


@dataclass(frozen=True)
class Plausibility:
    """Warning-level bounds of a column's values, or of its ratio to another column.

    The checked value is the column itself or, with ``per``, ``column / per × factor`` (rows
    whose ``per`` is zero or missing are skipped). With ``total_by``, the column (and ``per``)
    is first summed over the rows sharing the values of those columns (a person's hours over
    all their contracts of a year), and every row of a group out of bounds is reported. It is
    computed before validation in a derived column called ``name`` (leading ``_``), which also
    names the rule.
    """

    name: str
    label: str
    min: float | None = None
    max: float | None = None
    unit: str = ""
    per: str | None = None
    """Denominator column of a ratio (``None``: bounds on the column itself)."""
    factor: float = 1.0
    total_by: tuple[str, ...] = ()
    """Columns grouping the rows whose values are summed before the bounds are checked."""
    action: str = PLAUSIBILITY_ACTION


@dataclass(frozen=True)
class Column:
    """One column of an input table, with everything a producer and a validator need."""

    name: str
    kind: Kind
    description: str
    required: bool = True
    unit: str | None = None
    allowed: tuple[str | int, ...] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    width: int | None = None
    """Codes padded with leading zeros to this width (codes that lost their zeros in Excel)."""
    references: str | None = None
    """Reference set the value must belong to: ``qpv``, ``epci`` or ``bailleur``."""
    identifier: bool = False
    """Pseudonymous identifier of a person or household: never published."""
    plausible: Plausibility | None = None
    """Values possible but unlikely enough to deserve a look (a warning, never blocking)."""

    @property
    def dtype(self) -> str:
        """Pandas dtype of the column."""
        return PANDAS_DTYPES[self.kind]

    @property
    def free_text(self) -> bool:
        """Text typed freely by a partner: no code, list, format, reference set or identifier.

        Such cells may hold personal details (a contact's name, e-mail, phone): they are
        checked at load and masked in the reports (:mod:`qpv_analytics.disclosure.personal_text`).
        """
        return self.kind == "texte" and not (
            self.identifier or self.references or self.allowed or self.pattern or self.width
        )

    @property
    def is_rate(self) -> bool:
        """A percentage from 0 to 100: a file giving every value between 0 and 1 is refused.

        Such a file almost surely holds fractions (0,452 for 45,2 %), which would be
        published a hundred times too small.
        """
        return self.unit == "%" and self.min == 0 and self.max == 100


@dataclass(frozen=True)
class Rule:
    """Cross-field rule ``left <= right`` between two numeric columns of a table."""

    left: str
    right: str
    message: str


@dataclass(frozen=True)
class Table:
    """One input table: its grain, columns, key and confidentiality."""

    name: str
    title: str
    grain: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    axis: int | None = None
    producer: str | None = None
    """Column naming who sent the row (landlord, EPCI, project owner): used for feedback."""
    personal: bool = False
    """Rows describe persons or households: only aggregates may leave the pipeline."""
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    reference: bool = False
    """Built from shipped public files rather than sent by partners."""

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def column_names(self) -> list[str]:
        """Names of the columns, in contract order."""
        return [c.name for c in self.columns]

    @property
    def identifiers(self) -> list[str]:
        """Columns holding pseudonymous identifiers of persons or households."""
        return [c.name for c in self.columns if c.identifier]

    @property
    def plausibility(self) -> list[tuple[Column, Plausibility]]:
        """Plausibility checks of the table, with the column each one bounds."""
        return [(c, c.plausible) for c in self.columns if c.plausible]
