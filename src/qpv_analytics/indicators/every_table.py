"""Every indicator table of a publication, computed in one call the way the reports compute them."""

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


def indicator_tables(
    table: TableReader,
    qpv: pd.DataFrame,
    params: RunParams,
    paths: Paths,
    protect: bool = True,
) -> dict[str, pd.DataFrame]:
    """Compute the indicator tables of every report, as their notebooks do (secrecy applied).

    The six axis reports join their tables and mask the counts of people
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

    events = table("evenements")

    def axis(number: int, *frames: pd.DataFrame) -> pd.DataFrame:
        joined = pd.concat(
            [*frames, activite.activity_indicators(events, qpv, params, axes=[number])],
            ignore_index=True,
        )
        return disclosure.protect_people(joined, params, qpv) if protect else joined

    markets = table("clauses_marches")
    contexte = table("contexte", all_years=True)
    population = axe6.qpv_population(contexte, params.years)
    posts = reference.state_posts(params.region, params.years, paths)
    return {
        "axe1_renouvellement_urbain": axis(
            1,
            axe1.operation_indicators(table("ru_operations"), qpv, params),
            axe1.rehousing_indicators(table("ru_relogements"), qpv, params),
        ),
        "axe2_gusp_tfpb": axis(
            2,
            axe2.tfpb_indicators(table("tfpb_abattement"), table("tfpb_actions"), qpv, params),
            axe2.gusp_indicators(table("gusp"), qpv, params),
        ),
        "axe3_discriminations": axis(
            3, axe3.allocation_indicators(table("attributions"), qpv, params)
        ),
        "axe4_laicite": axis(4, axe4.training_indicators(events, qpv, params)),
        "axe5_emploi_insertion": axis(
            5,
            axe5.market_indicators(markets, qpv, params),
            axe5.beneficiary_indicators(table("clauses_beneficiaires"), markets, qpv, params),
        ),
        "axe6_numerique": axis(
            6,
            axe6.digital_indicators(table("numerique"), qpv, population, params),
            axe6.landlord_indicators(table("numerique_bailleurs"), params),
            axe6.innovation_indicators(table("projets_innovation"), params),
            axe6.adviser_indicators(reference.digital_advisers(params.region, paths), params),
        ),
        "contexte": combine(
            [
                context_indicators.context_indicators(contexte, qpv, params),
                ressources.posts_indicators(posts, params),
            ]
        ),
    }
