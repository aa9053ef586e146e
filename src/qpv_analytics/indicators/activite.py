"""Partnership activity of the roadmap, per axis and year (networks, co-training, participants)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics.contract import TYPES_ORGANISATION
from qpv_analytics.indicators.compute import combine, compute, finish
from qpv_analytics.indicators.core import epci_departements
from qpv_analytics.indicators.model import Indicator, register, select
from qpv_analytics.labels import AXES
from qpv_analytics.params import RunParams

PARTICIPANT_COLUMNS = tuple(f"participants_{t}" for t in TYPES_ORGANISATION)
"""Participant columns of the ``evenements`` table, one per type of organisation."""

ORGANISATION_LABELS = {
    "bailleurs": "Bailleurs sociaux",
    "collectivites": "Communes et EPCI",
    "etat": "Services de l'État",
    "associations": "Associations",
    "habitants": "Habitants",
    "autres": "Autres",
}
"""French labels of the types of organisation."""

EVENT_LEVELS = ("region", "departement", "epci")
"""Levels at which events can be located (their ``territoire``)."""


def attach_epci_departement(frame: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Add ``code_departement`` from ``siren_epci`` (blank for an EPCI outside the reference)."""
    mapping = epci_departements(qpv)
    out = frame.copy()
    out["code_departement"] = out["siren_epci"].map(mapping).astype("string")
    return out


def region_epci(qpv: pd.DataFrame) -> pd.DataFrame:
    """EPCI of the region that carry at least one QPV (hence a contrat de ville)."""
    ref = qpv.dropna(subset=["siren_epci"]).drop_duplicates("siren_epci")
    return ref[["siren_epci", "code_departement"]].astype("string").reset_index(drop=True)


def event_geography(events: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Add ``siren_epci`` and ``code_departement`` read from the ``territoire`` of each event.

    A territory of 9 digits is an EPCI (its department comes from the QPV reference); a code of
    1 to 3 characters is a department; ``region`` (or a blank) locates the event at the
    regional level only.
    """
    out = events.copy()
    terr = out["territoire"].astype("string").str.strip()
    is_epci = terr.str.fullmatch(r"\d{9}").fillna(False).astype(bool)
    is_dep = terr.str.fullmatch(r"\d{1,3}|2[AB]").fillna(False).astype(bool) & ~is_epci
    siren = terr.where(is_epci)
    dep_of_epci = siren.map(epci_departements(qpv))
    dep = terr.where(is_dep).str.zfill(2)
    out["siren_epci"] = siren.astype("string")
    out["code_departement"] = dep.fillna(dep_of_epci).astype("string")
    return out


def fill_missing_years(
    result: pd.DataFrame,
    indicators: list[Indicator],
    years: list[int],
    params: RunParams | None,
    departements: list[str] | None = None,
) -> pd.DataFrame:
    """Add zeros for years with data in the source but no unit counted.

    Used for counts of events: a year of the ``evenements`` table without any event of the
    axis is a true zero for the region and, when ``departements`` is given, for each of these
    departments without a located event; a year absent from the table stays absent
    (« sans donnée »).

    Args:
        result: tidy result of ``indicators``.
        indicators: the counts to complete, in the order of the returned rows.
        years: years of the source table.
        params: run parameters.
        departements: departments of the region.
    """
    targets = [("region", "region")] + [("departement", d) for d in departements or []]
    parts = []
    for indicator in indicators:
        rows = result[result["indicateur"] == indicator.code]
        have = set(
            zip(rows["niveau"], rows["code"].astype(str), rows["annee"].astype(int), strict=True)
        )
        missing = [
            {"annee": y, "niveau": lvl, "code": code}
            for y in years
            for lvl, code in targets
            if (lvl, code, y) not in have
        ]
        parts.append(rows)
        if missing:
            zeros = pd.DataFrame(missing).assign(valeur=0.0, numerateur=0.0, denominateur=pd.NA)
            parts.append(finish(zeros, indicator, params))
    return combine(parts)


def _activity_indicators(axis: int) -> tuple[Indicator, ...]:
    suffix = f"(axe {axis})"
    return (
        Indicator(
            code=f"activite_evenements_axe{axis}",
            label=f"Événements du réseau {suffix}",
            axis=axis,
            definition="Réunions de réseau, co-formations, formations, webinaires, visites et "
            "publications de l'axe déclarés dans l'année.",
            formula="Nombre d'événements de l'axe",
            unit="événements",
            sources=("evenements",),
            numerator="un",
            levels=EVENT_LEVELS,
            tags=frozenset({"activite", "evenements"}),
        ),
        Indicator(
            code=f"activite_coformations_axe{axis}",
            label=f"Sessions de co-formation {suffix}",
            axis=axis,
            definition="Sessions où bailleurs et collectivités sont formés ensemble.",
            formula="Nombre d'événements de type « co-formation » de l'axe",
            unit="sessions",
            sources=("evenements",),
            numerator="coformation",
            levels=EVENT_LEVELS,
            tags=frozenset({"activite", "evenements"}),
        ),
        Indicator(
            code=f"activite_participations_axe{axis}",
            label=f"Participations aux événements {suffix}",
            axis=axis,
            definition="Participants déclarés, tous types d'organisation ; une personne venue à "
            "deux événements compte deux fois.",
            formula="Σ participants (bailleurs, collectivités, État, associations, habitants, "
            "autres)",
            unit="participations",
            sources=("evenements",),
            people=True,
            numerator="participations",
            levels=EVENT_LEVELS,
            tags=frozenset({"activite", "evenements"}),
        ),
        Indicator(
            code=f"activite_organisations_axe{axis}",
            label=f"Organisations représentées, cumul par événement {suffix}",
            axis=axis,
            definition="Somme des organisations distinctes déclarées à chaque événement : une "
            "organisation présente à deux événements compte deux fois (les listes nominatives "
            "ne sont pas collectées).",
            formula="Σ organisations distinctes par événement",
            unit="organisations",
            sources=("evenements",),
            numerator="organisations",
            levels=EVENT_LEVELS,
            tags=frozenset({"activite", "evenements"}),
        ),
        Indicator(
            code=f"activite_part_epci_axe{axis}",
            label=f"Part des EPCI en contrat de ville associés {suffix}",
            axis=axis,
            definition="EPCI de la région porteurs d'au moins un QPV (contrat de ville) sur le "
            "territoire desquels au moins un événement de l'axe a eu lieu dans l'année. Les "
            "événements départementaux ou régionaux ne sont attribués à aucun EPCI.",
            formula="EPCI avec au moins un événement de l'axe / EPCI porteurs d'un QPV × 100",
            unit="%",
            sources=("evenements", "qpv"),
            scale=100.0,
            numerator="present",
            denominator="un",
            levels=("region", "departement"),
            tags=frozenset({"activite", "couverture_epci"}),
        ),
    )


for _axis in AXES:
    register(*_activity_indicators(_axis))


def event_base(events: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """One row per event with its geography and the counts summed by the activity indicators."""
    base = event_geography(events, qpv)
    present = [c for c in PARTICIPANT_COLUMNS if c in base.columns]
    base["un"] = 1.0
    base["coformation"] = (base["type_evenement"] == "co-formation").astype(float)
    parts = base[present].astype("Float64")
    # A row with every participant column blank stays blank (never a zero).
    base["participations"] = parts.sum(axis=1, min_count=1)
    base["organisations"] = base["organisations_distinctes"].astype("Float64")
    return base


def epci_coverage_base(
    events: pd.DataFrame, qpv: pd.DataFrame, years: list[int] | None = None
) -> pd.DataFrame:
    """One row per year and EPCI of the region: ``present`` is 1 if an event took place there.

    Args:
        events: events already located with :func:`event_geography`.
        qpv: QPV reference (defines the region's EPCI).
        years: years to cover (default: the years of ``events``).
    """
    epci = region_epci(qpv)
    years = sorted(set(years if years is not None else events["annee"].dropna().astype(int)))
    rows = []
    for year in years:
        seen = set(events.loc[events["annee"] == year, "siren_epci"].dropna().astype(str))
        frame = epci.copy()
        frame["annee"] = year
        frame["present"] = frame["siren_epci"].isin(seen).astype(float)
        frame["un"] = 1.0
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["siren_epci", "code_departement", "annee", "present", "un"])
    return pd.concat(rows, ignore_index=True)


def activity_indicators(
    events: pd.DataFrame,
    qpv: pd.DataFrame,
    params: RunParams | None = None,
    axes: list[int] | None = None,
) -> pd.DataFrame:
    """Compute the partnership-activity indicators of the given axes (default: all six).

    Years present in the ``evenements`` table but without any event of an axis count as zero
    events for that axis (region and each department); years absent from the table stay
    without data.
    """
    base = event_base(events, qpv)
    years = sorted(set(base["annee"].dropna().astype(int)))
    departements = sorted(qpv["code_departement"].dropna().astype(str).unique())
    parts = []
    for axis in axes or list(AXES):
        sub = base[base["axe"] == axis]
        counts = select(axis=axis, tags=("activite", "evenements"))
        counted = compute(sub, counts, params)
        parts.append(fill_missing_years(counted, counts, years, params, departements))
        coverage = select(axis=axis, tags=("activite", "couverture_epci"))
        parts.append(compute(epci_coverage_base(sub, qpv, years), coverage, params))
    return combine(parts)


def participations_by_type(events: pd.DataFrame, axis: int | None = None) -> pd.DataFrame:
    """Participations per year and type of organisation (blank columns stay blank).

    Returns:
        Columns ``annee, type_organisation, libelle, participations``; one row per year and
        type (types never declared in a year are blank, not zero).
    """
    ev = events if axis is None else events[events["axe"] == axis]
    present = [c for c in PARTICIPANT_COLUMNS if c in ev.columns]
    if ev.empty or not present:
        return pd.DataFrame(columns=["annee", "type_organisation", "libelle", "participations"])
    long = ev.melt(id_vars=["annee"], value_vars=present, var_name="col", value_name="n")
    long["type_organisation"] = long["col"].str.removeprefix("participants_")
    out = long.groupby(["annee", "type_organisation"], as_index=False, sort=False).agg(
        participations=("n", lambda s: s.astype("Float64").sum(min_count=1))
    )
    order = {t: i for i, t in enumerate(TYPES_ORGANISATION)}
    out["ordre"] = out["type_organisation"].map(order)
    out = out.sort_values(["annee", "ordre"]).drop(columns="ordre").reset_index(drop=True)
    out["libelle"] = out["type_organisation"].map(ORGANISATION_LABELS)
    return out[["annee", "type_organisation", "libelle", "participations"]]
