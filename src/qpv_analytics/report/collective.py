"""Collective view of the synthesis: partners × obligations, who answers, effort, joint readings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.indicators import REGISTRY, obligations
from qpv_analytics.labels import (
    AXES,
    EACH_UNIT,
    LEVEL_LABELS,
    MISSING,
    STATUS_LABELS,
    TARGET_KIND_LABELS,
    UNIT_BY,
    UNIT_PLURALS,
)
from qpv_analytics.params import RunParams
from qpv_analytics.report import reporting, synthesis

PARTNER_KINDS: dict[str, str] = {
    "epci": "EPCI",
    "bailleur": "bailleurs sociaux",
    "maitre_ouvrage": "maîtres d'ouvrage",
}
"""Partner levels given an obligations matrix, with their French plural, in display order."""
MATRIX_STATUSES = ("atteint", "partiel", "non_atteint", "sans_donnee")
"""Statuses of a cell of the obligations matrix (a masked value is ``sans_donnee``)."""
NOT_CONCERNED = "non_concerne"
"""Cell of a partner with no row for a target (nothing of that kind declared): shown « – »."""
JUDGED = ("atteint", "partiel", "non_atteint")
"""Statuses that judge a partner (met, partly met, missed)."""

TFPB_AMOUNT = "tfpb_montant_valorise_eur"
"""Axis 2: amount of the actions landlords value against the TFPB abatement."""
ANRU_SUBSIDIES = "ru_subvention_anru_eur"
"""Axis 1: ANRU subsidies of the renewal operations declared in the year."""
STATE_AMOUNTS = ("etat_montant_adultes_relais_eur", "etat_montant_fonjep_eur")
"""State-funded posts (adultes-relais, FONJEP): amounts of the ANCT files."""
POPULATION = "ctx_population_municipale"
"""Municipal population of the QPV of a territory (context report)."""
POVERTY_QPV = "ctx_taux_pauvrete_60_pct"
"""Poverty rate of the QPV of a territory (context report)."""
POVERTY_TERRITORY = "ter_taux_pauvrete_60_pct"
"""Poverty rate of the whole territory (englobing-territory indicators)."""
UNEMPLOYMENT_TERRITORY = "ter_taux_chomage_15_64_pct"
"""Census unemployment rate of the whole territory."""
TFPB_VALUATION = "tfpb_taux_valorisation_pct"
"""Axis 2: TFPB valuation rate (valued actions / abatement)."""
INSERTION_HOURS = "clauses_heures_insertion_realisees"
"""Axis 5: insertion hours worked on markets with a clause."""
EVENTS = tuple(f"activite_evenements_axe{a}" for a in AXES)
"""Partnership network: events of each axis (activity indicators)."""
NOT_CONCERNED_NOTE = (
    " « – » : rien de déclaré par ce partenaire pour cette cible (pas d'opération, de marché ou "
    "d'attribution de ce type), la cible ne le concerne pas cette année."
)
"""Caption note of the matrices of partners found in the data."""
PARTIAL_MARK = "*"
"""Mark of a total per inhabitant summing only part of its amounts."""
MIN_CORRELATION_UNITS = 8
"""Fewest territories for which a rank correlation is given."""


# ---------------------------------------------------------------------------------------------
# Values of one indicator at one level


def latest_year(results: pd.DataFrame, code: str, level: str, annee: int) -> int | None:
    """Most recent year up to ``annee`` with rows of an indicator at a level (``None``: none)."""
    years = results.loc[
        (results["indicateur"] == code)
        & (results["niveau"] == level)
        & (results["annee"] <= annee),
        "annee",
    ].dropna()
    return int(years.max()) if not years.empty else None


def level_values(results: pd.DataFrame, code: str, level: str, annee: int | None) -> pd.Series:
    """Published values of an indicator at a level for a year, by code (masked ones left out)."""
    if annee is None:
        return pd.Series(dtype=float)
    rows = results[
        (results["indicateur"] == code) & (results["niveau"] == level) & (results["annee"] == annee)
    ]
    rows = rows[~rows["secret"].astype(bool) & rows["valeur"].notna()]
    return pd.Series(rows["valeur"].astype(float).to_numpy(), index=rows["code"].astype(str))


def _names(results: pd.DataFrame, level: str, codes: Iterable[str]) -> pd.DataFrame:
    rows = results[(results["niveau"] == level) & results["indicateur"].isin(list(codes))]
    rows = rows.drop_duplicates("code")
    return pd.DataFrame(
        {
            "code": rows["code"].astype(str).to_numpy(),
            "nom": rows["nom"].fillna(rows["code"]).astype(str).to_numpy(),
        }
    ).sort_values("nom", ignore_index=True)


def _members(
    results: pd.DataFrame, level: str, codes: Iterable[str], members: pd.DataFrame | None
) -> pd.DataFrame:
    if members is not None:
        return members[["code", "nom"]].astype(str).reset_index(drop=True)
    return _names(results, level, codes)


# ---------------------------------------------------------------------------------------------
# 1. Obligations × partners


def obligation_codes(results: pd.DataFrame, level: str) -> list[str]:
    """Indicators of the six axes with a target whose rows at ``level`` carry their own status.

    The level is the unit the target binds, the level it falls back to
    (:data:`~qpv_analytics.indicators.obligations.FALLBACK_LEVELS`), or a partner level the
    rule also applies to (the 25 % rule: each landlord); by axis, then registry order.
    """
    found = [
        c
        for c in dict.fromkeys(results["indicateur"])
        if c in REGISTRY
        and REGISTRY[c].targeted
        and REGISTRY[c].axis in AXES
        and obligations.judged_at(results, c, level)
    ]
    order = list(REGISTRY)
    return sorted(found, key=lambda c: (REGISTRY[c].axis, order.index(c)))


def _cell_status(row: pd.Series) -> str:
    if bool(row["secret"]) or row["statut"] == "secret" or pd.isna(row["valeur"]):
        return "sans_donnee"
    status = str(row["statut"])
    return status if status in MATRIX_STATUSES else "sans_donnee"


def obligation_matrix(
    results: pd.DataFrame,
    annee: int,
    level: str,
    codes: Iterable[str] | None = None,
    members: pd.DataFrame | None = None,
    absent: str = "sans_donnee",
) -> pd.DataFrame:
    """Each partner of a level against each target judged at that level, for one year.

    Args:
        results: output of :func:`~qpv_analytics.report.synthesis.load_indicator_tables`.
        annee: year.
        level: partner level (``epci``, ``bailleur``, ``maitre_ouvrage``).
        codes: indicators (columns); default: :func:`obligation_codes`.
        members: partners to list (``code``, ``nom``), e.g. every EPCI with a contrat de ville;
            default: those with a row of ``codes`` at the level in the year, by name.
        absent: status of a partner without row for a target: ``sans_donnee`` for a list of
            partners every target binds (the EPCI with a contrat de ville), or
            :data:`NOT_CONCERNED` for partners found in the data (a project owner without
            renewal operation declared has no reconstitution to judge).

    Returns:
        ``code``, ``nom``, then one column per indicator code holding a status of
        :data:`MATRIX_STATUSES` (or ``absent``): the status recorded by the axis report; a
        masked value or a value left blank counts as ``sans_donnee``.
    """
    codes = obligation_codes(results, level) if codes is None else list(codes)
    year = results[(results["niveau"] == level) & (results["annee"] == annee)]
    year = year[year["indicateur"].isin(codes)]
    out = _members(year, level, codes, members)
    for code in codes:
        rows = year[year["indicateur"] == code].drop_duplicates("code").set_index("code")
        statuses = {str(c): _cell_status(r) for c, r in rows.iterrows()}
        out[code] = [statuses.get(m, absent) for m in out["code"]]
    return out


def masked_cells(results: pd.DataFrame, annee: int, level: str, codes: Iterable[str]) -> int:
    """Number of partner × target cells of a matrix whose value is masked (statistical secret)."""
    rows = results[
        (results["niveau"] == level)
        & (results["annee"] == annee)
        & results["indicateur"].isin(list(codes))
    ]
    return int((rows["secret"].astype(bool) | (rows["statut"] == "secret")).sum())


def _judged(matrix: pd.DataFrame) -> pd.DataFrame:
    codes = [c for c in matrix.columns if c not in ("code", "nom")]
    return matrix[codes].isin(JUDGED)


def matrix_summary(matrix: pd.DataFrame) -> dict[str, int]:
    """Partners of :func:`obligation_matrix` meeting every target they have a status on.

    Returns:
        ``partenaires`` (rows), ``juges`` (partners with at least one status), ``toutes``
        (partners with a status meeting every target with a status), ``aucune_donnee``.
    """
    codes = [c for c in matrix.columns if c not in ("code", "nom")]
    judged = _judged(matrix).sum(axis=1)
    met = (matrix[codes] == "atteint").sum(axis=1)
    return {
        "partenaires": len(matrix),
        "juges": int((judged > 0).sum()),
        "toutes": int(((met == judged) & (judged > 0)).sum()),
        "aucune_donnee": int((judged == 0).sum()),
    }


def format_obligation_matrix(matrix: pd.DataFrame, level: str) -> pd.DataFrame:
    """French table of :func:`obligation_matrix`: status names, targets met per partner, totals.

    Returns:
        The partner's name, one column per target headed ``Label (axe n)`` with « Atteint »,
        « Partiellement atteint », « Non atteint », « Sans donnée » or « – » (not concerned),
        then « Atteintes »
        (targets met out of those with a status, ``2 / 3``, « – » when none has one); a last
        row « Qui l'atteignent » gives, per target, ``k sur n`` partners with a status, and
        in « Atteintes » the partners meeting all of theirs (``8 sur 39``).
    """
    codes = [c for c in matrix.columns if c not in ("code", "nom")]
    label = LEVEL_LABELS[level]
    out = pd.DataFrame({label: matrix["nom"].to_numpy()})
    for code in codes:
        out[synthesis.column_label(code)] = [STATUS_LABELS.get(s, MISSING) for s in matrix[code]]
    judged = _judged(matrix).sum(axis=1)
    met = (matrix[codes] == "atteint").sum(axis=1)
    out["Atteintes"] = [f"{m} / {n}" if n else MISSING for m, n in zip(met, judged, strict=True)]
    total = {label: "Qui l'atteignent"}
    for code in codes:
        n = int(_judged(matrix)[code].sum())
        k = int((matrix[code] == "atteint").sum())
        total[synthesis.column_label(code)] = f"{k} sur {n}" if n else MISSING
    summary = matrix_summary(matrix)
    total["Atteintes"] = (
        f"{summary['toutes']} sur {summary['juges']}" if summary["juges"] else MISSING
    )
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# 2. Who answers for each target


def responsibility_table(card: pd.DataFrame, params: RunParams | None = None) -> pd.DataFrame:
    """Every target, the unit it binds and the verdict, from a scorecard, in French.

    Args:
        card: output of :func:`~qpv_analytics.report.synthesis.target_scorecard` (its
            ``jugement`` column holds the :class:`~qpv_analytics.indicators.obligations.Verdict`).
        params: run parameters (local targets), for the target's value when the card has none.

    Returns:
        « Axe », « Indicateur » (short header), « Cible » (value and kind), « Origine », « Engage »
        (« chaque EPCI », « la région »…, with the level judged at when it falls back),
        « Atteinte par » (« 20 sur 39 EPCI », « Région »), « Statut ».
    """
    rows = []
    for _, line in card.iterrows():
        ind = REGISTRY[line["indicateur"]]
        verdict: obligations.Verdict = line["jugement"]
        value = line["cible"] if pd.notna(line["cible"]) else ind.target_value(params)
        kind = TARGET_KIND_LABELS[ind.target_kind].lower() if ind.target_kind else MISSING
        binds = ind.binds or "region"
        who = EACH_UNIT[binds]
        if verdict.level is not None and verdict.fallback:
            who += f" (jugée {UNIT_BY[verdict.level]})"
        rows.append(
            {
                "Axe": str(ind.axis),
                "Indicateur": ind.header,
                "Cible": f"{formatting.with_unit(value, ind.unit)} ({kind})",
                "Origine": ind.target_source or MISSING,
                "Engage": who,
                "Atteinte par": verdict.text(),
                "Statut": STATUS_LABELS[line["statut"]],
            }
        )
    columns = ["Axe", "Indicateur", "Cible", "Origine", "Engage", "Atteinte par", "Statut"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# 3. Effort per EPCI


def effort_years(results: pd.DataFrame, annee: int) -> dict[str, int | None]:
    """Year of each figure of :func:`epci_effort` (the latest up to ``annee``, per indicator)."""
    codes = {
        "tfpb": TFPB_AMOUNT,
        "anru": ANRU_SUBSIDIES,
        "population": POPULATION,
        "pauvrete_qpv": POVERTY_QPV,
        "pauvrete_epci": POVERTY_TERRITORY,
    }
    years = {key: latest_year(results, code, "epci", annee) for key, code in codes.items()}
    state = [latest_year(results, c, "epci", annee) for c in STATE_AMOUNTS]
    years["etat"] = max((y for y in state if y is not None), default=None)
    return years


def epci_effort(
    results: pd.DataFrame, annee: int, epcis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per EPCI, what the actors put in per QPV inhabitant, beside poverty.

    Each amount is the latest published up to ``annee`` (:func:`effort_years`): TFPB valued
    amount (axis 2), ANRU subsidies (axis 1), State-funded posts (adultes-relais + FONJEP:
    the schemes with a row for the EPCI; missing when neither has one). Each is divided by the
    municipal population of the EPCI's QPV. A missing figure stays missing, never 0.

    Args:
        results: output of :func:`~qpv_analytics.report.synthesis.load_indicator_tables`.
        annee: publication year.
        epcis: EPCI to list (``code``, ``nom``); default: those with a QPV population.

    Returns:
        ``code``, ``nom``, ``tfpb_eur``, ``anru_eur``, ``etat_eur``, ``population``,
        ``tfpb_hab``, ``anru_hab``, ``etat_hab``, ``total_hab`` (sum of the amounts per
        inhabitant known; missing when none is), ``complet`` (all three known),
        ``pauvrete_qpv``, ``pauvrete_epci``; sorted by ``total_hab``, highest first, missing
        last.
    """
    years = effort_years(results, annee)
    out = _members(results, "epci", [POPULATION], epcis)
    codes = out["code"]
    out["tfpb_eur"] = codes.map(level_values(results, TFPB_AMOUNT, "epci", years["tfpb"]))
    out["anru_eur"] = codes.map(level_values(results, ANRU_SUBSIDIES, "epci", years["anru"]))
    state = pd.concat(
        [codes.map(level_values(results, c, "epci", years["etat"])) for c in STATE_AMOUNTS],
        axis=1,
    )
    out["etat_eur"] = state.sum(axis=1, min_count=1)
    population = codes.map(level_values(results, POPULATION, "epci", years["population"]))
    out["population"] = population.where(population > 0)
    for key in ("tfpb", "anru", "etat"):
        out[f"{key}_hab"] = out[f"{key}_eur"] / out["population"]
    per_hab = out[["tfpb_hab", "anru_hab", "etat_hab"]]
    out["total_hab"] = per_hab.sum(axis=1, min_count=1)
    out["complet"] = per_hab.notna().all(axis=1)
    out["pauvrete_qpv"] = codes.map(
        level_values(results, POVERTY_QPV, "epci", years["pauvrete_qpv"])
    )
    out["pauvrete_epci"] = codes.map(
        level_values(results, POVERTY_TERRITORY, "epci", years["pauvrete_epci"])
    )
    out = out.astype({c: "float64" for c in out.columns if c not in ("code", "nom", "complet")})
    out = out.sort_values(["total_hab", "nom"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


def _year(year: int | None) -> str:
    return str(year) if year is not None else MISSING


def format_epci_effort(effort: pd.DataFrame, years: Mapping[str, int | None]) -> pd.DataFrame:
    """French table of :func:`epci_effort` (euros per QPV inhabitant, rates in %, « – »)."""
    total = [
        formatting.euros(v) + ("" if full or pd.isna(v) else f" {PARTIAL_MARK}")
        for v, full in zip(effort["total_hab"], effort["complet"], strict=True)
    ]
    return pd.DataFrame(
        {
            "EPCI": effort["nom"].to_numpy(),
            f"TFPB valorisée {_year(years['tfpb'])}": [
                formatting.euros(v) for v in effort["tfpb_hab"]
            ],
            f"Subv. ANRU {_year(years['anru'])}": [formatting.euros(v) for v in effort["anru_hab"]],
            f"Postes État {_year(years['etat'])}": [
                formatting.euros(v) for v in effort["etat_hab"]
            ],
            "Total": total,
            f"Pauvreté QPV {_year(years['pauvrete_qpv'])}": [
                formatting.percent(v) for v in effort["pauvrete_qpv"]
            ],
            f"Pauvreté EPCI {_year(years['pauvrete_epci'])}": [
                formatting.percent(v) for v in effort["pauvrete_epci"]
            ],
        }
    )


# ---------------------------------------------------------------------------------------------
# 4. Cross-axis readings


def spearman(x: pd.Series, y: pd.Series) -> tuple[float | None, int]:
    """Spearman rank correlation of two aligned series over the pairs both fill, and that count.

    Pearson's correlation of the average ranks (ties share their mean rank); ``None`` when fewer
    than two pairs, or when one side is constant.
    """
    both = pd.concat([x, y], axis=1).dropna()
    n = len(both)
    if n < 2:
        return None, n
    ranks = both.rank(method="average")
    rho = ranks.iloc[:, 0].corr(ranks.iloc[:, 1])
    return (None if pd.isna(rho) else float(rho)), n


def quartile_bounds(values: pd.Series) -> tuple[float, float] | None:
    """First and third quartiles (linear interpolation) of the values; ``None`` without any."""
    values = values.dropna()
    if values.empty:
        return None
    return float(values.quantile(0.25)), float(values.quantile(0.75))


def renewal_low_tfpb(results: pd.DataFrame, annee: int) -> pd.DataFrame:
    """QPV under heavy urban renewal whose landlords value the TFPB abatement least.

    Rule: ANRU subsidies of the year (axis 1, level QPV) in the top quartile of the QPV with
    subsidies, and TFPB valuation rate of the year (axis 2, level QPV) in the bottom quartile
    of the QPV with a rate. Masked values are left out.

    Returns:
        ``code``, ``nom``, ``anru_eur``, ``valorisation_pct`` of the QPV meeting both, highest
        subsidies first; ``attrs["seuils"]`` holds ``(anru_q3, valorisation_q1)`` (``None``
        when either indicator has no value).
    """
    anru = level_values(results, ANRU_SUBSIDIES, "qpv", annee)
    rate = level_values(results, TFPB_VALUATION, "qpv", annee)
    bounds_anru, bounds_rate = quartile_bounds(anru), quartile_bounds(rate)
    columns = ["code", "nom", "anru_eur", "valorisation_pct"]
    if bounds_anru is None or bounds_rate is None:
        out = pd.DataFrame(columns=columns)
        out.attrs["seuils"] = None
        return out
    q3, q1 = bounds_anru[1], bounds_rate[0]
    both = pd.concat([anru.rename("anru_eur"), rate.rename("valorisation_pct")], axis=1).dropna()
    hit = both[(both["anru_eur"] >= q3) & (both["valorisation_pct"] <= q1)]
    names = _names(results, "qpv", [ANRU_SUBSIDIES]).set_index("code")["nom"]
    out = pd.DataFrame(
        {
            "code": hit.index.astype(str),
            "nom": [names.get(c, c) for c in hit.index],
            "anru_eur": hit["anru_eur"].to_numpy(),
            "valorisation_pct": hit["valorisation_pct"].to_numpy(),
        },
        columns=columns,
    ).sort_values("anru_eur", ascending=False, ignore_index=True)
    out.attrs["seuils"] = (q3, q1)
    return out


def insertion_and_unemployment(
    results: pd.DataFrame, annee: int, epcis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per EPCI: insertion hours per QPV inhabitant beside census unemployment and QPV poverty.

    Hours of the year (axis 5, level EPCI) over the municipal population of the EPCI's QPV
    (latest year up to ``annee``); unemployment of the whole EPCI (census, latest year) and
    poverty of its QPV (latest year). Only EPCI with hours per inhabitant are kept.

    Returns:
        ``code``, ``nom``, ``heures``, ``heures_hab``, ``chomage_epci``, ``pauvrete_qpv``;
        highest hours per inhabitant first.
    """
    out = _members(results, "epci", [POPULATION], epcis)
    codes = out["code"]
    population = codes.map(
        level_values(results, POPULATION, "epci", latest_year(results, POPULATION, "epci", annee))
    )
    out["heures"] = codes.map(level_values(results, INSERTION_HOURS, "epci", annee))
    out["heures_hab"] = out["heures"] / population.where(population > 0)
    year_unemp = latest_year(results, UNEMPLOYMENT_TERRITORY, "epci", annee)
    out["chomage_epci"] = codes.map(
        level_values(results, UNEMPLOYMENT_TERRITORY, "epci", year_unemp)
    )
    year_pov = latest_year(results, POVERTY_QPV, "epci", annee)
    out["pauvrete_qpv"] = codes.map(level_values(results, POVERTY_QPV, "epci", year_pov))
    out = out.dropna(subset=["heures_hab"]).astype(
        {"heures": float, "heures_hab": float, "chomage_epci": float, "pauvrete_qpv": float}
    )
    return out.sort_values(["heures_hab", "nom"], ascending=[False, True], ignore_index=True)


def network_and_targets(
    results: pd.DataFrame, annee: int, codes: Iterable[str], epcis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per EPCI: events of the partnership network in the year, and its targets met.

    Args:
        results: the axis reports' indicator tables.
        annee: year.
        codes: targets judged per EPCI (:func:`obligation_codes` at ``epci``).
        epcis: EPCI to list; default: those with a QPV population.

    Returns:
        ``code``, ``nom``, ``evenements`` (events of every axis held in the EPCI; 0 when none
        is recorded there: the event files list every event of the network), ``associe``
        (at least one event), ``jugees`` (targets with a status), ``atteintes``.
    """
    codes = list(codes)
    out = _members(results, "epci", [POPULATION], epcis)
    events = pd.concat([level_values(results, c, "epci", annee) for c in EVENTS], axis=1)
    per_epci = events.sum(axis=1) if not events.empty else pd.Series(dtype=float)
    out["evenements"] = out["code"].map(per_epci).fillna(0).astype(int)
    out["associe"] = out["evenements"] > 0
    matrix = obligation_matrix(results, annee, "epci", codes, out[["code", "nom"]])
    out["jugees"] = matrix[codes].isin(["atteint", "partiel", "non_atteint"]).sum(axis=1)
    out["atteintes"] = (matrix[codes] == "atteint").sum(axis=1)
    return out


def network_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """French two-row table of :func:`network_and_targets`: associated EPCI or not.

    Returns:
        « EPCI », « Nombre », « Cibles jugées », « Cibles atteintes », « Part atteinte » (met /
        judged over the group, « – » when none is judged), « Toutes atteintes » (EPCI meeting
        every target judged).
    """
    rows = []
    for associated, label in ((True, "Associés au réseau"), (False, "Sans événement")):
        sub = frame[frame["associe"] == associated]
        judged, met = int(sub["jugees"].sum()), int(sub["atteintes"].sum())
        every = int(((sub["atteintes"] == sub["jugees"]) & (sub["jugees"] > 0)).sum())
        rows.append(
            {
                "EPCI": label,
                "Nombre": str(len(sub)),
                "Cibles jugées": str(judged),
                "Cibles atteintes": str(met),
                "Part atteinte": formatting.percent(met / judged * 100) if judged else MISSING,
                "Toutes atteintes": str(every),
            }
        )
    return pd.DataFrame(rows)


def strength(rho: float) -> str:
    """French word for the size of a rank correlation (below 0.1, 0.3, 0.6, then « forte »)."""
    size = abs(rho)
    if size < 0.1:
        return "quasi nulle"
    return "faible" if size < 0.3 else ("modérée" if size < 0.6 else "forte")


# ---------------------------------------------------------------------------------------------
# Display


def responsibility_section(rep: reporting.Report, card: pd.DataFrame) -> None:
    """Display who answers for each target and the regional verdict."""
    reporting.heading("Qui répond de chaque cible", level=3)
    if card.empty:
        reporting.notice(f"Aucun indicateur assorti d'une cible n'est publié pour {rep.annee}.")
        return
    table = responsibility_table(card, rep.params)
    reporting.paragraph(
        "Chaque cible engage une unité précise : la région, chaque EPCI, chaque bailleur, chaque "
        "projet de renouvellement urbain ou chaque marché. Elle est jugée unité par unité ; quand "
        "les données ne descendent pas jusqu'à l'unité engagée (projet, marché), elle est jugée "
        "au niveau publié le plus fin, indiqué entre parenthèses. « Atteinte par » compte les "
        "unités qui l'atteignent parmi celles qui ont une valeur publiable."
    )
    reporting.show_table(
        table,
        caption=f"Cibles suivies, unité qu'elles engagent et verdict régional, {rep.annee}",
        numeric=["Axe"],
        status_col="Statut",
    )


def report_epcis(rep: reporting.Report) -> pd.DataFrame | None:
    """EPCI with a contrat de ville (``code``, ``nom``, ``departement``), by department and name.

    ``None`` when the QPV list does not name the EPCI: the tables then list those found.
    """
    if not rep.epci_known:
        return None
    epcis = synthesis.epci_reference(rep.qpv)
    return epcis.sort_values(["departement", "nom"], ignore_index=True)


def report_qpv_epci(rep: reporting.Report) -> dict[str, str]:
    """Name of the EPCI of each QPV of the publication (QPV without EPCI left out)."""
    ref = rep.qpv.dropna(subset=["siren_epci"]).drop_duplicates("code_qpv")
    names = ref["nom_epci"].fillna(ref["siren_epci"]) if "nom_epci" in ref else ref["siren_epci"]
    return dict(zip(ref["code_qpv"].astype(str), names.astype(str), strict=True))


def obligations_section(rep: reporting.Report, results: pd.DataFrame) -> None:
    """Display one partners × obligations matrix per partner kind (EPCI, landlords, owners)."""
    annee = rep.annee
    epcis = report_epcis(rep)
    reporting.heading("Obligations de chaque partenaire", level=3)
    reporting.paragraph(
        f"Pour chaque type de partenaire, les cibles qui l'engagent en {annee} et le statut de "
        "chacun : « Atteint », « Partiellement atteint » (objectif local approché), « Non "
        "atteint » ou « Sans donnée ». Une valeur masquée par le secret statistique compte comme "
        "« Sans donnée » : elle n'est ni montrée ni devinée. La dernière ligne compte les "
        "partenaires qui atteignent chaque cible parmi ceux qui ont un statut."
    )
    for level, who in PARTNER_KINDS.items():
        codes = obligation_codes(results, level)
        title = who[0].upper() + who[1:]
        if not codes:
            reporting.paragraph(
                f"{title} : aucune cible ne s'apprécie {UNIT_BY[level]} dans les indicateurs "
                f"publiés pour {annee}."
            )
            continue
        listed = epcis if level == "epci" else None
        absent = "sans_donnee" if listed is not None else NOT_CONCERNED
        matrix = obligation_matrix(results, annee, level, codes, listed, absent)
        summary = matrix_summary(matrix)
        if summary["juges"] == 0:
            reporting.paragraph(
                f"{title} : aucun n'a de résultat publiable en {annee} pour les cibles qui les "
                "engagent."
            )
            continue
        masked = masked_cells(results, annee, level, codes)
        hidden = (
            f" {masked} valeur(s) masquée(s) par le secret statistique, comptée(s) « Sans donnée »."
            if masked
            else ""
        )
        table = format_obligation_matrix(matrix, level)
        reporting.show_table(
            table,
            caption=f"{title} × cibles qui les engagent, {annee}. « Atteintes » : cibles "
            f"atteintes sur cibles avec un statut.{hidden}"
            + ("" if listed is not None else NOT_CONCERNED_NOTE),
            numeric=["Atteintes"],
            status_col=list(table.columns[1:-1]),
        )
        plural = UNIT_PLURALS[level]
        text = (
            f"En {annee}, {summary['toutes']} des {summary['juges']} {plural} qui ont au moins un "
            "statut atteignent toutes les cibles qui les engagent"
        )
        if summary["aucune_donnee"]:
            text += f" ; {summary['aucune_donnee']} {plural} listés n'ont aucune valeur publiable"
        reporting.paragraph(text + ".")


def effort_section(rep: reporting.Report, results: pd.DataFrame) -> None:
    """Display the effort per EPCI: amounts per QPV inhabitant beside poverty."""
    annee = rep.annee
    epcis = report_epcis(rep)
    reporting.heading("Moyens engagés par EPCI", level=3)
    years = effort_years(results, annee)
    effort = epci_effort(results, annee, epcis)
    shown = effort.dropna(subset=["total_hab"])
    if years["population"] is None or shown.empty:
        reporting.notice(
            "Les moyens par habitant des QPV ne peuvent pas être présentés : la population des "
            "QPV par EPCI (rapport de contexte) ou les montants (TFPB, ANRU, postes de l'État) "
            f"manquent pour {annee}."
        )
        return
    reporting.paragraph(
        f"Pour chaque EPCI, ce que les acteurs engagent, rapporté aux habitants de ses QPV "
        f"(population municipale {_year(years['population'])}) : montant des actions valorisées "
        f"en contrepartie de l'abattement de TFPB par les bailleurs ({_year(years['tfpb'])}), "
        f"subventions de l'ANRU des opérations de renouvellement urbain déclarées dans l'année "
        f"({_year(years['anru'])}), montants des postes Adultes-relais et FONJEP financés par "
        f"l'État ({_year(years['etat'])}). Le total additionne des montants de natures "
        "différentes (dépense de gestion, subvention d'investissement, financement de postes) : "
        "il ne donne qu'un ordre de grandeur. Il est mis en regard du taux de pauvreté des QPV "
        f"({_year(years['pauvrete_qpv'])}) et de celui de l'ensemble de l'EPCI "
        f"({_year(years['pauvrete_epci'])}, INSEE Filosofi)."
    )
    partial = int((~shown["complet"]).sum())
    table = format_epci_effort(shown, years)
    reporting.show_table(
        table,
        caption=f"Montants en euros par habitant des QPV, par EPCI, du total le plus élevé au "
        f"plus faible. « – » : montant non publié pour l'EPCI (jamais compté comme zéro) ; "
        f"{PARTIAL_MARK} total des seuls montants connus ({partial} EPCI).",
        numeric=list(table.columns[1:]),
    )
    left = len(effort) - len(shown)
    if left:
        reporting.paragraph(
            f"{left} EPCI n'ont aucun montant rapportable à leurs habitants en QPV et ne sont pas "
            "listés."
        )
    reporting.paragraph(
        "Précautions : un montant par habitant élevé ne dit rien de l'effet de la dépense ; les "
        "subventions de l'ANRU varient fortement d'une année à l'autre avec le calendrier des "
        "opérations ; un poste de l'État est rattaché à l'EPCI de son contrat de ville ; les "
        "années des chiffres diffèrent."
    )


def cross_axis_section(rep: reporting.Report, results: pd.DataFrame) -> None:
    """Display three descriptive readings that join several axes (rule, table, precautions)."""
    annee = rep.annee
    epcis = report_epcis(rep)
    _renewal_reading(annee, results, report_qpv_epci(rep))
    _insertion_reading(annee, results, epcis)
    _network_reading(annee, results, epcis)


def _renewal_reading(annee: int, results: pd.DataFrame, qpv_epci: Mapping[str, str]) -> None:
    reporting.heading("Renouvellement urbain et valorisation de la TFPB", level=3)
    found = renewal_low_tfpb(results, annee)
    bounds = found.attrs.get("seuils")
    if bounds is None:
        reporting.paragraph(
            f"Lecture impossible pour {annee} : les subventions de l'ANRU ou le taux de "
            "valorisation de la TFPB ne sont pas publiés par QPV."
        )
        return
    q3, q1 = bounds
    n_anru = len(level_values(results, ANRU_SUBSIDIES, "qpv", annee))
    n_rate = len(level_values(results, TFPB_VALUATION, "qpv", annee))
    reporting.paragraph(
        f"Règle : QPV dont les subventions de l'ANRU déclarées en {annee} sont dans le quart le "
        f"plus élevé des {n_anru} QPV subventionnés (au moins {formatting.euros(q3)}) et dont le "
        f"taux de valorisation de l'abattement de TFPB est dans le quart le plus bas des "
        f"{n_rate} QPV qui en ont un (au plus {formatting.percent(q1)}). Ces quartiers "
        "concentrent l'investissement du renouvellement urbain alors que les bailleurs y "
        "valorisent relativement peu leurs actions de gestion."
    )
    if found.empty:
        reporting.paragraph(f"Aucun QPV ne remplit les deux conditions en {annee}.")
    else:
        reporting.show_table(
            pd.DataFrame(
                {
                    "QPV": found["nom"].to_numpy(),
                    "EPCI": [qpv_epci.get(c, MISSING) for c in found["code"]],
                    f"Subventions ANRU {annee}": [formatting.euros(v) for v in found["anru_eur"]],
                    f"Valorisation TFPB {annee}": [
                        formatting.percent(v) for v in found["valorisation_pct"]
                    ],
                }
            ),
            caption=f"QPV au renouvellement urbain le plus subventionné et à la valorisation de "
            f"la TFPB la plus faible, {annee} ({len(found)} QPV)",
            numeric=[f"Subventions ANRU {annee}", f"Valorisation TFPB {annee}"],
        )
    reporting.paragraph(
        "Précautions : les subventions sont celles des opérations déclarées dans l'année, pas le "
        "total du projet ; un taux de valorisation bas peut refléter un abattement élevé plutôt "
        "que peu d'actions ; les quartiles sont relatifs aux QPV de la région, pas à une norme. "
        "Ce repérage signale des quartiers à examiner, il n'établit aucune cause."
    )


def _insertion_reading(annee: int, results: pd.DataFrame, epcis: pd.DataFrame | None) -> None:
    reporting.heading("Heures d'insertion et chômage", level=3)
    table = insertion_and_unemployment(results, annee, epcis)
    if table.empty:
        reporting.paragraph(
            f"Lecture impossible pour {annee} : aucune heure d'insertion n'est publiée par EPCI, "
            "ou la population des QPV par EPCI manque."
        )
        return
    year_unemp = latest_year(results, UNEMPLOYMENT_TERRITORY, "epci", annee)
    year_pop = latest_year(results, POPULATION, "epci", annee)
    year_pov = latest_year(results, POVERTY_QPV, "epci", annee)
    text = (
        f"Règle : pour chaque EPCI, les heures d'insertion réalisées en {annee} sur les marchés "
        f"avec clause (axe 5), rapportées aux habitants de ses QPV ({year_pop}), mises en regard "
        f"du taux de chômage des 15–64 ans de l'ensemble de l'EPCI (recensement "
        f"{_year(year_unemp)}) et du taux de pauvreté de ses QPV ({_year(year_pov)}). La "
        "corrélation de rang de Spearman mesure si les deux classements vont dans le même sens "
        "(+1), en sens contraire (−1) ou sont sans lien monotone (0)."
    )
    for column, what in (
        ("chomage_epci", "le chômage de l'EPCI"),
        ("pauvrete_qpv", "la pauvreté des QPV"),
    ):
        rho, n = spearman(table["heures_hab"], table[column])
        if rho is None or n < MIN_CORRELATION_UNITS:
            text += f" Avec {what} : trop peu d'EPCI renseignés ({n}) pour une corrélation."
        else:
            text += (
                f" Avec {what} : ρ = {formatting.number(rho, 2)} sur {n} EPCI (corrélation "
                f"{strength(rho)})."
            )
    reporting.paragraph(text)
    reporting.show_table(
        pd.DataFrame(
            {
                "EPCI": table["nom"].to_numpy(),
                f"Heures {annee}": [formatting.number(v) for v in table["heures"]],
                "Heures / hab. QPV": [formatting.number(v, 2) for v in table["heures_hab"]],
                f"Chômage EPCI {_year(year_unemp)}": [
                    formatting.percent(v) for v in table["chomage_epci"]
                ],
                f"Pauvreté QPV {_year(year_pov)}": [
                    formatting.percent(v) for v in table["pauvrete_qpv"]
                ],
            }
        ),
        caption=f"Heures d'insertion par habitant des QPV, chômage et pauvreté, par EPCI "
        f"({len(table)} EPCI avec des heures en {annee})",
        numeric=[
            f"Heures {annee}",
            "Heures / hab. QPV",
            f"Chômage EPCI {_year(year_unemp)}",
            f"Pauvreté QPV {_year(year_pov)}",
        ],
    )
    reporting.paragraph(
        "Précautions : les heures sont celles des marchés passés dans l'EPCI, qu'en bénéficient "
        "ou non des habitants des QPV ; le chômage est celui de tout l'EPCI au recensement, à une "
        f"autre date ; une corrélation sur {len(table)} EPCI est fragile et ne dit pas que les "
        "clauses répondent au chômage, ni l'inverse."
    )


def _network_reading(annee: int, results: pd.DataFrame, epcis: pd.DataFrame | None) -> None:
    reporting.heading("Réseau partenarial et cibles atteintes", level=3)
    codes = obligation_codes(results, "epci")
    has_events = any(not level_values(results, c, "epci", annee).empty for c in EVENTS)
    if not codes or not has_events:
        reporting.paragraph(
            f"Lecture impossible pour {annee} : aucun événement du réseau n'est rattaché à un "
            "EPCI, ou aucune cible ne s'apprécie par EPCI."
        )
        return
    frame = network_and_targets(results, annee, codes, epcis)
    labels = ", ".join(f"« {REGISTRY[c].header} »" for c in codes)
    reporting.paragraph(
        f"Règle : un EPCI est « associé au réseau » en {annee} quand au moins un événement du "
        f"réseau (tous axes) s'est tenu sur son territoire. Pour chaque groupe, les cibles qui "
        f"s'apprécient par EPCI ({labels}) : combien sont jugées, combien atteintes."
    )
    reporting.show_table(
        network_groups(frame),
        caption=f"EPCI associés ou non au réseau partenarial et cibles atteintes, {annee}",
        numeric=[
            "Nombre",
            "Cibles jugées",
            "Cibles atteintes",
            "Part atteinte",
            "Toutes atteintes",
        ],
    )
    reporting.paragraph(
        "Précautions : un événement est rattaché au territoire qui l'accueille, pas à chacun des "
        "EPCI qui y participent ; les cibles jugées ne sont pas les mêmes d'un EPCI à l'autre "
        "(un EPCI sans attribution n'est pas jugé) ; les deux groupes sont petits. L'écart "
        "éventuel décrit une coïncidence dans ces données, pas un effet du réseau."
    )
