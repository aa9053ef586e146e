"""The indicator tables of each report, declared once: axis notebooks and benchmarks call them."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from qpv_analytics.config import Paths
from qpv_analytics.indicators import activite, axe1, axe2, axe3, axe4, axe5, axe6, ressources
from qpv_analytics.indicators import contexte as context_indicators
from qpv_analytics.params import RunParams

TableReader = Callable[..., pd.DataFrame]
"""``table(name, all_years=False)``: a processed table in the trend window, as
``reporting.Report.table`` returns it."""


def axis_frames(
    number: int,
    table: TableReader,
    qpv: pd.DataFrame,
    params: RunParams,
    paths: Paths,
    population: pd.DataFrame | None = None,
    advisers: pd.DataFrame | None = None,
) -> list[pd.DataFrame]:
    """The indicator tables of one axis report, before secrecy, in the order it joins them.

    Each axis notebook passes them to ``sections.export_results``; :func:`indicator_tables`
    computes them the same way for every axis at once (national benchmark).

    Args:
        number: the axis (1 to 6).
        table: reader of the processed tables (``rep.table`` of an open report).
        qpv: QPV reference of the publication.
        params: run parameters.
        paths: project paths (public files of the digital advisers, axis 6).
        population: QPV population of axis 6 (``axe6.report_population``); read from the
            context table when ``None``.
        advisers: host structures of the digital advisers of axis 6 (the notebook's
            ``reference.digital_advisers``, shown in its narrative too); read when ``None``.

    Returns:
        The axis' tidy tables, the activity of the partners' network among them.
    """
    from qpv_analytics.ingest import reference

    def activity() -> pd.DataFrame:
        return activite.activity_indicators(table("evenements"), qpv, params, axes=[number])

    if number == 1:
        return [
            axe1.operation_indicators(table("ru_operations"), qpv, params),
            axe1.rehousing_indicators(table("ru_relogements"), qpv, params),
            activity(),
        ]
    if number == 2:
        return [
            axe2.tfpb_indicators(table("tfpb_abattement"), table("tfpb_actions"), qpv, params),
            axe2.gusp_indicators(table("gusp"), qpv, params),
            activity(),
        ]
    if number == 3:
        return [axe3.allocation_indicators(table("attributions"), qpv, params), activity()]
    if number == 4:
        return [axe4.training_indicators(table("evenements"), qpv, params), activity()]
    if number == 5:
        markets = table("clauses_marches")
        return [
            axe5.market_indicators(markets, qpv, params),
            axe5.beneficiary_indicators(table("clauses_beneficiaires"), markets, qpv, params),
            activity(),
        ]
    if number == 6:
        if population is None:
            population = axe6.qpv_population(table("contexte", all_years=True), params.years)
        return [
            axe6.digital_indicators(table("numerique"), qpv, population, params),
            axe6.landlord_indicators(table("numerique_bailleurs"), params),
            axe6.innovation_indicators(table("projets_innovation"), params),
            activity(),
            axe6.adviser_indicators(
                reference.digital_advisers(params.region, paths) if advisers is None else advisers,
                params,
            ),
        ]
    raise ValueError(f"axe inconnu : {number} (1 à 6)")


def indicator_tables(
    table: TableReader,
    qpv: pd.DataFrame,
    params: RunParams,
    paths: Paths,
    protect: bool = True,
) -> dict[str, pd.DataFrame]:
    """Compute the indicator tables of every report, as their notebooks do (secrecy applied).

    The six axis reports join their tables (:func:`axis_frames`) and mask the counts of people
    (:func:`~qpv_analytics.disclosure.protect_people`), the context report computes the context
    and State-resource indicators; territory names are not attached (the reports add them for
    display only).

    Args:
        table: reader of the processed tables (``rep.table`` of an open report).
        qpv: QPV reference of the publication.
        params: run parameters.
        paths: project paths (public files of the digital advisers and the State-funded posts).
        protect: apply the statistical secrecy to the axis tables (``False``: raw values, never
            to be shown; for measuring the secrecy step on its own).

    Returns:
        Report name (``axe1_renouvellement_urbain`` …, ``contexte``) → tidy indicator table.
    """
    from qpv_analytics import disclosure
    from qpv_analytics.indicators.compute import combine
    from qpv_analytics.ingest import reference
    from qpv_analytics.labels import REPORT_TITLES

    tables = {}
    for name in REPORT_TITLES:
        if name.startswith("axe"):
            number = int(name[3])
            joined = pd.concat(axis_frames(number, table, qpv, params, paths), ignore_index=True)
            tables[name] = disclosure.protect_people(joined, params, qpv) if protect else joined
    contexte = table("contexte", all_years=True)
    posts = reference.state_posts(params.region, params.years, paths)
    tables["contexte"] = combine(
        [
            context_indicators.context_indicators(contexte, qpv, params),
            ressources.posts_indicators(posts, params),
        ]
    )
    return tables
