"""Obligations judged where they bind: k of n units meeting each target, and those that miss."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from qpv_analytics.indicators.model import LEVEL_COLUMNS, REGISTRY, Indicator
from qpv_analytics.labels import LEVEL_LABELS, MISSING, SECRET, UNIT_PLURALS

FALLBACK_LEVELS: dict[str, tuple[str, ...]] = {
    "projet": ("maitre_ouvrage", "epci", "region"),
    "marche": ("maitre_ouvrage", "epci", "region"),
    "qpv": ("epci", "region"),
    "bailleur": ("epci", "region"),
    "epci": ("departement", "region"),
}
"""Published levels a target is judged at, in order, when its binding unit has no results
(the region last: with no finer result, the regional value is all the data allow)."""


@dataclass(frozen=True)
class Verdict:
    """An indicator's target judged for one year at the unit it binds (or the finest level).

    For a target binding the region, ``level`` is ``"region"`` and the counts are 0 or 1.
    """

    code: str
    annee: int
    binds: str
    level: str | None
    """Level judged at (``None``: no published level allows judging the target)."""
    units: int
    """Units judged: rows of the level with an unmasked value."""
    met: int
    partial: int
    failing: tuple[tuple[str, float], ...]
    """Name and value of each judged unit that does not meet the target, lowest first."""
    masked: int
    """Units whose value is masked by the statistical secrecy (never guessed)."""
    regional: float | None
    """Regional value (context only when the target binds smaller units)."""
    status: str

    @property
    def by_unit(self) -> bool:
        """Whether the target is judged on units smaller than the region (« k sur n »)."""
        return self.level not in (None, "region")

    @property
    def fallback(self) -> bool:
        """Whether the target is judged at another level than the unit it binds."""
        return self.level != self.binds

    def text(self) -> str:
        """« 2 sur 3 EPCI » (masked units apart), « Région » for a regional verdict.

        « – » when no unit has a result for the year, « s » when all of them are masked.
        """
        if self.level is None:
            return MISSING
        if self.level == "region":
            return LEVEL_LABELS["region"]
        if self.units == 0:
            return SECRET if self.masked else MISSING
        text = f"{self.met} sur {self.units} {UNIT_PLURALS[self.level]}"
        return f"{text} (+ {self.masked} secret)" if self.masked else text


PARTNER_LEVELS: dict[str, tuple[str, ...]] = {"epci": ("bailleur",)}
"""Levels besides the binding unit where the rule also applies to each partner: the 25 %
rule binds each EPCI and each landlord within it."""


def _judged_among(levels: Iterable[str], indicator: Indicator) -> str | None:
    binds = indicator.binds or "region"
    present = set(levels)
    wanted = (binds, *FALLBACK_LEVELS.get(binds, ()))
    return next((lvl for lvl in wanted if lvl in LEVEL_COLUMNS and lvl in present), None)


def judged_level(result: pd.DataFrame, indicator: Indicator) -> str | None:
    """Finest published level of ``result`` at which an indicator's target can be judged.

    The binding unit itself when the table has rows at it, else the first level of
    :data:`FALLBACK_LEVELS` that has rows; ``None`` when none has.
    """
    return _judged_among(result.loc[result["indicateur"] == indicator.code, "niveau"], indicator)


def context_levels(indicator: Indicator, levels: Iterable[str]) -> frozenset[str]:
    """Levels of an indicator's rows that are context only, with no status of their own.

    For a binding target on units smaller than the region, every published level other than
    the one it is judged at (:func:`judged_level`) and the partners' levels
    (:data:`PARTNER_LEVELS`) aggregates the binding units; a local or regional target has none.

    Args:
        indicator: the declaration (``binding``, ``binds``).
        levels: levels of the indicator's rows (``niveau``).

    Returns:
        The levels whose rows get the status ``contexte``.
    """
    present = frozenset(levels)
    if not indicator.binding or indicator.binds in (None, "region"):
        return frozenset()
    judged = {_judged_among(present, indicator), *PARTNER_LEVELS.get(indicator.binds, ())}
    return present - judged


def judged_at(result: pd.DataFrame, code: str, level: str) -> bool:
    """Whether an indicator's rows at ``level`` in ``result`` carry a status of their own.

    ``False`` when the indicator has no row at that level, or when its rows there are context
    only (:func:`context_levels`).
    """
    levels = set(result.loc[result["indicateur"] == code, "niveau"])
    return level in levels and level not in context_levels(REGISTRY[code], levels)


def _masked(rows: pd.DataFrame) -> pd.Series:
    secret = rows["secret"].fillna(False).astype(bool) if "secret" in rows else False
    return (rows["statut"] == "secret") | secret


def _status(units: int, met: int, partial: int, masked: int, binding: bool) -> str:
    if units == 0:
        return "secret" if masked else "sans_donnee"
    if met + partial < units:
        return "non_atteint"
    if partial:
        return "non_atteint" if binding else "partiel"
    return "secret" if masked else "atteint"


def judge(result: pd.DataFrame, code: str, annee: int) -> Verdict:
    """Judge one indicator's target in one year at the unit it binds.

    Each unit's status is the one recorded in the table (``statut``); a masked unit is counted
    apart. A binding minimum is met when every judged unit meets it and none is masked; a local
    objective is « partiellement atteint » when no unit is below its partial threshold.

    Args:
        result: a tidy indicator table (with ``nom`` and, when protected, ``secret``).
        code: an indicator with a target.
        annee: year judged.

    Returns:
        The verdict: units judged, units meeting the target, failing units, masked units.
    """
    ind = REGISTRY[code]
    binds = ind.binds or "region"
    level = judged_level(result, ind)
    rows = result[(result["indicateur"] == code) & (result["annee"] == annee)]
    region = rows[rows["niveau"] == "region"]
    masked_region = bool(_masked(region).any())
    regional = None
    if not region.empty and not masked_region and pd.notna(region["valeur"].iloc[0]):
        regional = float(region["valeur"].iloc[0])
    sub = rows[rows["niveau"] == level] if level else rows.iloc[0:0]
    masked = _masked(sub)
    judged = sub[~masked & sub["valeur"].notna()]
    met = int((judged["statut"] == "atteint").sum())
    partial = int((judged["statut"] == "partiel").sum())
    missing = judged[judged["statut"] != "atteint"].sort_values(
        "valeur", ascending=ind.direction == "hausse"
    )
    names = missing["nom"].astype("string").fillna(missing["code"].astype("string"))
    failing = tuple(zip(names, missing["valeur"].astype(float), strict=True))
    return Verdict(
        code=code,
        annee=annee,
        binds=binds,
        level=level,
        units=len(judged),
        met=met,
        partial=partial,
        failing=failing,
        masked=int(masked.sum()),
        regional=regional,
        status=_status(len(judged), met, partial, int(masked.sum()), ind.binding),
    )


def verdicts(result: pd.DataFrame, annee: int, codes: Iterable[str] | None = None) -> list[Verdict]:
    """Verdicts of the indicators with a target in ``result`` (or of ``codes``), in its order."""
    if codes is None:
        codes = [c for c in dict.fromkeys(result["indicateur"]) if REGISTRY[c].targeted]
    return [judge(result, code, annee) for code in codes if REGISTRY[code].targeted]
