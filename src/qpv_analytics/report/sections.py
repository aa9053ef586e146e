"""Report sections shared by the notebooks: protected tables, charts or notices, activity."""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Hashable, Mapping

import pandas as pd
from IPython.display import HTML, display

from qpv_analytics import disclosure, formatting, indicators
from qpv_analytics.disclosure.indicator_tables import thresholds as _thresholds
from qpv_analytics.indicators import obligations
from qpv_analytics.indicators.activite import event_base, participations_by_type
from qpv_analytics.indicators.compute import partial_threshold
from qpv_analytics.indicators.core import TOTAL_LABEL
from qpv_analytics.indicators.model import REGISTRY, Indicator
from qpv_analytics.labels import LEVEL_LABELS, MISSING, SECRET, UNIT_BY, UNIT_PLURALS
from qpv_analytics.params import RunParams
from qpv_analytics.report import charts, reporting, synthesis


def _float_or_none(value) -> float | None:
    """A plain float, or ``None`` for any missing value (``pd.NA`` included)."""
    return None if pd.isna(value) else float(value)


def export_results(rep: reporting.Report, name: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Join an axis' indicator tables, mask counts of people, name territories and export them.

    Args:
        rep: the open report.
        name: name of the exported files (the notebook's name).
        frames: tidy indicator tables computed by the report.

    Returns:
        The public table: what the report shows and what it exports (``secret`` column).
    """
    result = pd.concat(frames, ignore_index=True)
    protected = disclosure.protect_people(result, rep.params, rep.qpv)
    public = indicators.label_codes(protected, rep.names())
    rep.export_indicators(public, name)
    return public


def missing_data_notice(annee: int, tables: Mapping[str, pd.DataFrame]) -> None:
    """Warn about the tables (French name → rows) that have no row for the publication year."""
    missing = [name for name, table in tables.items() if table[table["annee"] == annee].empty]
    if missing:
        reporting.notice(
            f"Aucune donnée {annee} reçue pour : {', '.join(missing)}. Les indicateurs "
            "correspondants sont « sans donnée » ; les graphiques et tableaux concernés sont "
            "remplacés par un avertissement."
        )


def region_values(result: pd.DataFrame, annee: int) -> Callable[[str], float | None]:
    """Regional value of an indicator in ``annee``, by code (``None`` when absent or masked)."""
    return functools.partial(reporting.value_of, result, annee=annee)


def total_of(result: pd.DataFrame, codes: list[str], annee: int) -> float:
    """Sum of the regional values of some indicators in ``annee``, a missing one counting 0."""
    return sum(reporting.value_of(result, code, annee) or 0 for code in codes)


def region_row(result: pd.DataFrame, code: str, annee: int) -> pd.Series | None:
    """The regional row of an indicator in ``annee`` when it has a value, else ``None``."""
    rows = level_rows(result, code, "region", annee)
    return None if rows.empty else rows.iloc[0]


def level_rows(
    result: pd.DataFrame, code: str, level: str, annee: int | None = None
) -> pd.DataFrame:
    """Rows of one indicator at one level (and year) that have a value."""
    rows = result[(result["indicateur"] == code) & (result["niveau"] == level)]
    if annee is not None:
        rows = rows[rows["annee"] == annee]
    return rows.dropna(subset=["valeur"])


def show_scorecard(
    rep: reporting.Report,
    result: pd.DataFrame,
    codes: list[str] | None,
    caption: str,
    empty: str | None = None,
) -> None:
    """Display the scorecard of some indicators (all when ``codes`` is ``None``).

    Targets are judged where they bind (:func:`qpv_analytics.indicators.obligations.judge`):
    below the table, one sentence per target binding smaller units than the region names the
    units that miss it, then the rule of the statuses used.

    Args:
        rep: the open report.
        result: the public indicator table.
        codes: indicators to show, in the order of ``result``.
        caption: French caption.
        empty: notice shown instead of an empty table (``None``: the table is always shown).
    """
    annee = rep.annee
    rows = result if codes is None else result[result["indicateur"].isin(codes)]
    table = reporting.scorecard(rows, annee, rep.params)
    numeric = [str(annee), str(annee - 1), "Cible", "Écart à la cible"]
    options = {"numeric": numeric, "status_col": "Statut"}
    if empty is None:
        reporting.show_table(table, caption=caption, **options)
    else:
        show_table_or_notice(table, caption=caption, empty=empty, **options)
    if table.empty:
        return
    judged = obligations.verdicts(rows, annee)
    for verdict in judged:
        if verdict.binds != "region":
            reporting.paragraph(obligation_sentence(verdict, rep.params))
    rule = status_rule([REGISTRY[v.code] for v in judged], rep.params)
    if rule:
        reporting.paragraph(rule)


def obligation_card(verdict: obligations.Verdict, params: RunParams) -> tuple[str, str]:
    """Key figure of a target judged by unit: (« 20 sur 39 », « EPCI respectent… »)."""
    ind = REGISTRY[verdict.code]
    target = formatting.with_unit(ind.target_value(params), ind.unit)
    if not verdict.by_unit:
        return MISSING, f"{ind.header} : cible de {target} non jugeable {UNIT_BY[verdict.binds]}"
    value = f"{verdict.met} sur {verdict.units}" if verdict.units else verdict.text()
    if verdict.units and verdict.masked:
        value += f" (+ {verdict.masked} {SECRET})"
    return value, f"{UNIT_PLURALS[verdict.level]} respectent la cible de {target} : {ind.header}"


def obligation_figure(rep: reporting.Report, result: pd.DataFrame, code: str) -> tuple[str, str]:
    """Key figure of an indicator's target judged where it binds, for the report's year."""
    return obligation_card(obligations.judge(result, code, rep.annee), rep.params)


def obligation_sentence(verdict: obligations.Verdict, params: RunParams) -> str:
    """French sentence on a target binding smaller units: « k sur n », the units that miss it.

    Partners (EPCI, landlords, project owners) are named; the regional value is context.
    """
    ind = REGISTRY[verdict.code]
    target = ind.target_value(params)
    shown = functools.partial(formatting.with_unit, unit=ind.unit)
    text = f"{ind.label} : la cible s'apprécie {UNIT_BY[verdict.binds]}"
    if verdict.level is None:
        return f"{text} ; aucun résultat publié ne permet de la juger en {verdict.annee}."
    if verdict.fallback:
        text += (
            f" ; elle est jugée {UNIT_BY[verdict.level]}, faute de résultats "
            f"{UNIT_BY[verdict.binds]}"
        )
    if not verdict.by_unit:
        return f"{text}."
    if verdict.units == 0:
        hidden = " (valeurs couvertes par le secret statistique)" if verdict.masked else ""
        return f"{text}. Aucun résultat publiable en {verdict.annee}{hidden}."
    plural = UNIT_PLURALS[verdict.level]
    text += f". En {verdict.annee}, {verdict.met} sur {verdict.units} {plural} l'atteignent"
    threshold = partial_threshold(ind, params)
    if verdict.partial and threshold is not None:
        text += (
            f", {verdict.partial} en approchent (au moins {formatting.number(threshold)} % "
            "de l'objectif)"
        )
    text += "."
    if verdict.masked:
        text += f" {verdict.masked} {plural} relèvent du secret statistique (non jugés)."
    if verdict.failing:
        listed = " ; ".join(
            f"{name} ({shown(value)}, {synthesis.change_text(value, target, ind.unit)})"
            for name, value in verdict.failing
        )
        text += f" N'atteignent pas la cible : {listed}."
    if verdict.regional is not None:
        text += (
            f" La valeur régionale ({shown(verdict.regional)}) est donnée pour information, "
            "sans statut propre."
        )
    return text


def status_rule(targeted: list[Indicator], params: RunParams) -> str:
    """French rule of the statuses of some targets: met or not, and when « partiel » applies."""
    binding = any(ind.binding for ind in targeted)
    local = [ind for ind in targeted if not ind.binding]
    parts = []
    if binding:
        parts.append(
            "Un minimum légal, national ou contractuel est « atteint » ou « non atteint » : "
            "l'écart à la cible est une information donnée à côté, pas un statut."
        )
    if local:
        threshold = formatting.number(params.cibles_locales.seuil_statut_partiel_pct)
        parts.append(
            "Un objectif local ou de la feuille de route, non contraignant, est « partiellement "
            f"atteint » quand sa valeur atteint au moins {threshold} % de l'objectif sans "
            "l'atteindre ; jugé par unité, il l'est quand aucune unité n'est sous ce seuil."
        )
    if any(ind.binds != "region" for ind in targeted):
        parts.append(
            "Une cible qui engage chaque EPCI, bailleur, projet ou marché est atteinte quand "
            "toutes les unités jugées l'atteignent."
        )
    return " ".join(parts)


def show_method_table(rep: reporting.Report, codes: list[str]) -> None:
    """Display the definitions of the indicators of a report."""
    reporting.show_table(
        reporting.method_table(codes, rep.params), caption="Définitions des indicateurs"
    )


def network_section(rep: reporting.Report, result: pd.DataFrame, axis: int) -> None:
    """Display the network activity of an axis, its activity indicators and its good practices.

    Participations are counts of people: their tables go through statistical secrecy.
    """
    partnership_section(rep, axis)
    show_scorecard(
        rep,
        result,
        indicators.codes(axis=axis, tags="activite"),
        caption=f"Indicateurs d'activité partenariale de l'axe, {rep.annee} et {rep.annee - 1}",
        empty="Aucun indicateur d'activité partenariale n'est calculable sur la période.",
    )
    practices_section(rep, axis)


def trend_sentence(
    result: pd.DataFrame, code: str, subject: str, perimeter: Mapping[int, str] | None = None
) -> None:
    """Display « <subject> passe de X en <first year> à Y en <last year>. » (two years or more).

    Args:
        result: the public indicator table.
        code: indicator followed (its regional rows with a value).
        subject: French subject of the sentence (« Le taux de valorisation régional »).
        perimeter: year → French note, for the years where the ratio is computed on a
            partial perimeter (``indicators.perimeters.perimeter_notes``); the sentence names
            those years.
    """
    serie = region_series(result, [code]).dropna(subset=["valeur"])
    if len(serie) < 2:
        return
    shown = formatting.percent if REGISTRY[code].unit == "%" else formatting.number
    text = (
        f"{subject} passe de {shown(serie['valeur'].iloc[0])} en {serie['annee'].iloc[0]} à "
        f"{shown(serie['valeur'].iloc[-1])} en {serie['annee'].iloc[-1]}."
    )
    partial = [int(y) for y in serie["annee"] if int(y) in (perimeter or {})]
    if partial:
        years = ", ".join(str(y) for y in partial)
        text += (
            f" Le périmètre de calcul diffère de celui des totaux publiés en {years} "
            "(détail sous le graphique)."
        )
    reporting.paragraph(text)


def targets_met_sentence(
    result: pd.DataFrame,
    code: str,
    level: str,
    annee: int,
    text: str,
    blank_rows: bool = False,
) -> None:
    """Display a sentence counting the territories of a level that meet an indicator's target.

    A territory meets it when its value reaches the target, whether its row is judged or only
    context (an EPCI's total for a target binding each landlord): a fact, not a status.

    Args:
        result: the public indicator table.
        code: indicator with a target.
        level: level counted (``epci``…).
        annee: year.
        text: French sentence with the fields ``{atteints}`` (met) and ``{total}`` (counted).
        blank_rows: count the rows without value too, and show the sentence even with none;
            by default only rows with a value count and nothing is shown without one.
    """
    rows = result[
        (result["indicateur"] == code) & (result["niveau"] == level) & (result["annee"] == annee)
    ]
    if not blank_rows:
        rows = rows.dropna(subset=["valeur"])
        if rows.empty:
            return
    ind = REGISTRY[code]
    met = sum(
        indicators.status(v, c, ind.direction, None) == "atteint"
        for v, c in zip(rows["valeur"], rows["cible"], strict=True)
    )
    reporting.paragraph(text.format(atteints=met, total=len(rows)))


def show_people_table(
    table: pd.DataFrame,
    caption: str,
    params: RunParams | None = None,
    total_row=None,
    total_col=None,
    forced: Collection[tuple[Hashable, Hashable]] = (),
    published: Collection[tuple[Hashable, Hashable]] = (),
    indicators: Collection[str] = (),
) -> None:
    """Display a table of counts of people, masked by ``disclosure.to_html_table``.

    Args:
        table: raw counts (index = row labels, with its name as header).
        caption: French title.
        params: run parameters (threshold of ``confidentialite``).
        total_row: index label of the row of totals, if any.
        total_col: column label of the column of totals, if any.
        forced: cells masked whatever their value because a figure masked elsewhere in the
            publication is computed from them (see :func:`linked_cells`).
        published: cells whose value the indicator file shows, never masked to protect
            another cell (``linked_cells(..., secret=False)``).
        indicators: codes of the indicators computed from the table (the keys of the
            ``links`` of :func:`linked_cells`), for the publication scanner.
    """
    threshold, _ = _thresholds(params)
    markup = disclosure.to_html_table(
        table,
        caption,
        people_counts=True,
        threshold=threshold,
        total_row=total_row,
        total_col=total_col,
        forced=forced,
        published=published,
        indicators=indicators,
    )
    display(HTML(markup))


def linked_cells(
    public: pd.DataFrame,
    table: pd.DataFrame,
    links: Mapping[str, Hashable],
    level: str,
    annee: int,
    secret: bool = True,
) -> list[tuple[Hashable, Hashable]]:
    """Cells of a people table that would give back an indicator masked in the public table.

    The rows of the people table are the territories of ``level`` named as in ``public``
    (``nom``, else ``code``); ``links`` gives, for each indicator, the column of the table
    it is computed from (its numerator, or the count itself). Masking those cells with the
    table (``forced``) decides the secrecy once for the table and the exported indicators.

    Args:
        public: the public indicator table (``secret`` column).
        table: the people table (rows absent from it are left out).
        links: indicator code → column label of the people table.
        level: level of the table rows (``departement``…).
        annee: year of the table.
        secret: ``False`` gives instead the cells of the indicators shown with a value (the
            table must not hide them to protect another cell: the file shows them).

    Returns:
        ``(row label, column label)`` of the cells to mask (or that are published).
    """
    masked = public["secret"].astype("boolean").fillna(False)
    rows = public[
        public["indicateur"].isin(list(links))
        & (public["niveau"] == level)
        & (public["annee"] == annee)
        & (masked if secret else ~masked & public["valeur"].notna())
    ]
    names = rows["nom"].astype("string").fillna(rows["code"].astype("string"))
    cells = zip(names, rows["indicateur"].map(links), strict=True)
    return list(dict.fromkeys(cell for cell in cells if cell[0] in table.index))


def region_series(result: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Regional rows of some indicators, with their label in ``serie`` (for trend charts)."""
    sub = result[result["indicateur"].isin(codes) & (result["niveau"] == "region")].copy()
    sub["serie"] = sub["indicateur"].map(lambda c: REGISTRY[c].label)
    return sub.sort_values(["indicateur", "annee"]).reset_index(drop=True)


def wide_level_table(
    public: pd.DataFrame, codes: list[str], level: str, annee: int
) -> pd.DataFrame:
    """Several indicators side by side for every territory or partner of a level, formatted.

    Rows are sorted by the first indicator (largest first); masked values (``secret``) read
    « s », missing ones « – ».

    Args:
        public: tidy table, labelled, preferably the output of :func:`protect_people`.
        codes: indicator codes (columns, in this order).
        level: level of the rows.
        annee: year.
    """
    sub = public[(public["niveau"] == level) & (public["annee"] == annee)]
    sub = sub[sub["indicateur"].isin(codes)]
    if sub.empty:
        return pd.DataFrame(columns=[LEVEL_LABELS[level], *[REGISTRY[c].label for c in codes]])
    secret = sub["secret"] if "secret" in sub.columns else pd.Series(False, index=sub.index)
    sub = sub.assign(
        texte=[
            "s" if s else formatting.with_unit(_float_or_none(v), REGISTRY[c].unit)
            for c, v, s in zip(sub["indicateur"], sub["valeur"], secret, strict=True)
        ],
        nom=sub["nom"].fillna(sub["code"]),
    )
    first = sub[sub["indicateur"] == codes[0]].set_index("code")["valeur"]
    table = sub.pivot_table(
        index=["code", "nom"], columns="indicateur", values="texte", aggfunc="first"
    )
    table = table.reindex(columns=[c for c in codes if c in table.columns]).fillna("–")
    keys = first.astype("Float64").reindex(table.index.get_level_values("code")).to_numpy()
    table = table.assign(_cle=keys).sort_values("_cle", ascending=False, na_position="last")
    table = table.drop(columns="_cle")
    table.columns = [REGISTRY[c].label for c in table.columns]
    table = table.reset_index(level="code", drop=True).reset_index()
    return table.rename(columns={"nom": LEVEL_LABELS[level]})


def partnership_section(rep, axis: int) -> None:
    """Display the network activity of one axis (events by type, participations), people masked.

    Participations are counts of people: the table by type of organisation goes through
    ``disclosure.to_html_table``
    (counts below the threshold and the cells that would reveal them read « s »), and so
    does the total quoted in the text. For axis 4, participants are the people trained.

    Args:
        rep: the open report (``reporting.Report``).
        axis: roadmap axis.
    """
    reporting.heading("Activité partenariale de l'axe")
    events = rep.table("evenements")
    ev = events[events["axe"] == axis]
    if ev.empty:
        reporting.notice(
            "Aucun événement de réseau, de formation ou de co-formation n'a été déclaré "
            "pour cet axe."
        )
        return
    year = ev[ev["annee"] == rep.annee]
    total = event_base(year, rep.qpv)["participations"].sum(min_count=1)
    threshold, _ = _thresholds(rep.params)
    if disclosure.mask_count_series(pd.Series([total]), threshold).iloc[0] == "s":
        total_text = "un nombre non publiable (secret statistique) de"
    else:
        total_text = formatting.number(_float_or_none(total))
    reporting.paragraph(
        f"En {rep.annee}, {len(year)} événements (réseaux, co-formations, formations, visites…) "
        f"ont réuni {total_text} participations sur cet axe."
    )
    by_type = ev.groupby(["annee", "type_evenement"]).size().unstack(fill_value=0)
    tab = by_type.reset_index().astype(str)
    tab.columns = ["Année"] + [c.replace("_", " ") for c in by_type.columns]
    reporting.show_table(
        tab, caption="Événements de l'axe par type et par année", numeric=list(tab.columns[1:])
    )
    if not year.empty:
        part = participations_by_type(year).set_index("libelle")[["participations"]]
        part = part.rename(columns={"participations": "Participations"}).astype(float)
        part.loc[TOTAL_LABEL] = part["Participations"].sum(min_count=1)
        part.index.name = "Type d'organisation"
        show_people_table(
            part,
            f"Participations par type d'organisation, {rep.annee}",
            rep.params,
            total_row=TOTAL_LABEL,
        )


def _masked_caption(sub: pd.DataFrame, caption: str | None) -> str | None:
    masked = int(sub["secret"].sum()) if "secret" in sub.columns else 0
    if not masked:
        return caption
    note = f"{masked} valeur(s) non représentée(s) : secret statistique."
    return f"{caption} {note}" if caption else note


def show_trend(
    result: pd.DataFrame,
    codes: list[str],
    title: str,
    alt: str,
    target: float | None = None,
    references: dict[str, float] | None = None,
    perimeter: Mapping[int, str] | None = None,
) -> None:
    """Display the regional trend of one or several indicators (same unit), or a notice.

    Args:
        result: the public indicator table.
        codes: indicators drawn (same unit).
        title: French title.
        alt: French alternative text.
        target: target line, if any.
        references: public reference lines (label → value).
        perimeter: year → French note for the points computed on a partial perimeter
            (``indicators.perimeters.perimeter_notes``): each such point carries a numbered
            mark, explained under the chart.
    """
    serie = region_series(result, codes)
    if serie["valeur"].notna().sum() == 0:
        reporting.notice(f"Pas de donnée sur la période pour le graphique « {title} ».")
        return
    shown_years = set(serie.dropna(subset=["valeur"])["annee"].astype(int))
    notes = {y: text for y, text in sorted((perimeter or {}).items()) if y in shown_years}
    marks = {year: f"({i})" for i, year in enumerate(notes, start=1)}
    fig = charts.trend(
        serie,
        "annee",
        "valeur",
        REGISTRY[codes[0]].unit,
        title,
        series="serie" if len(codes) > 1 else None,
        target=target,
        references=references,
        marks=marks,
    )
    caption = _masked_caption(serie, None)
    if notes:
        listed = " ".join(f"{marks[y]} {y} : {text}." for y, text in notes.items())
        note = f"Périmètre partiel, différent de celui des totaux publiés : {listed}"
        caption = f"{caption} {note}" if caption else note
    reporting.show_figure(fig, alt=alt, caption=caption)


def show_bars(
    result: pd.DataFrame,
    code: str,
    level: str,
    annee: int,
    title: str,
    alt: str,
    target: float | None = None,
    target_label: str = "Cible",
    caption: str | None = None,
) -> None:
    """Display sorted bars of one indicator for a level and year, or a notice if empty.

    Masked rows (``secret``) are not drawn; the caption says how many.
    """
    sub = result[
        (result["indicateur"] == code) & (result["niveau"] == level) & (result["annee"] == annee)
    ]
    shown = sub.dropna(subset=["valeur"])
    if shown.empty:
        reporting.notice(f"Pas de donnée {annee} pour le graphique « {title} ».")
        return
    fig = charts.bars_with_target(
        shown,
        "nom",
        "valeur",
        REGISTRY[code].unit,
        title,
        target=target,
        target_label=target_label,
    )
    reporting.show_figure(fig, alt=alt, caption=_masked_caption(sub, caption))


def show_multiples(
    result: pd.DataFrame,
    code: str,
    level: str,
    title: str,
    alt: str,
    target: float | None = None,
    caption: str | None = None,
) -> None:
    """Display one small trend chart per territory of a level, or a notice if empty."""
    sub = result[(result["indicateur"] == code) & (result["niveau"] == level)]
    if sub["valeur"].notna().sum() == 0:
        reporting.notice(f"Pas de donnée sur la période pour le graphique « {title} ».")
        return
    fig = charts.small_multiples(
        sub, "nom", "annee", "valeur", REGISTRY[code].unit, title, target=target
    )
    reporting.show_figure(fig, alt=alt, caption=_masked_caption(sub, caption))


def show_table_or_notice(table: pd.DataFrame, caption: str, empty: str, **kwargs) -> None:
    """Display a formatted table with ``reporting.show_table``, or the notice ``empty``."""
    if table.empty:
        reporting.notice(empty)
    else:
        reporting.show_table(table, caption=caption, **kwargs)


def practices_section(rep: reporting.Report, axis: int, limit: int = 5) -> None:
    """Display the most recent good practices of one axis from the catalogue."""
    reporting.heading("Bonnes pratiques")
    practices = rep.table("bonnes_pratiques", all_years=True)
    practices = practices[(practices["axe"] == axis) & (practices["annee"] <= rep.annee)]
    practices = practices.sort_values("annee", ascending=False)
    if practices.empty:
        reporting.notice("Aucune bonne pratique n'a encore été recensée pour cet axe.")
        return
    for _, p in practices.head(limit).iterrows():
        reporting.heading(f"{p['titre']} ({p['territoire']}, {p['annee']})", level=3)
        reporting.paragraph(f"Porteurs : {p['porteurs']}. {p['resume']}")
        reporting.paragraph(f"Facteurs clés de succès : {p['facteurs_cles_succes']}")
        if isinstance(p["ecueils"], str) and p["ecueils"]:
            reporting.paragraph(f"Écueils : {p['ecueils']}")


def context_note(rep: reporting.Report, codes, subject: str) -> None:
    """Display the context of the QPV a report discusses, beside that of all the region's QPV.

    Args:
        rep: the open report.
        codes: codes of the QPV concerned (e.g. the QPV with NPNRU operations).
        subject: French description of those QPV (``"les QPV où des opérations sont suivies"``).
    """
    from qpv_analytics.indicators import context_stats

    data = rep.table("contexte", all_years=True)
    if data.empty:
        return
    quartiers = context_stats.context_by_qpv(data, rep.qpv)
    concerned = quartiers[quartiers["code_qpv"].isin(set(codes))]
    if concerned.empty:
        return
    pop = "population_municipale"
    total_pop = quartiers[pop].sum(min_count=1)
    share = (
        concerned[pop].sum(min_count=1) / total_pop * 100
        if pd.notna(total_pop) and total_pop
        else None
    )
    here = context_stats.weighted_mean(concerned, "taux_pauvrete_60_pct", pop)
    region = context_stats.weighted_mean(quartiers, "taux_pauvrete_60_pct", pop)
    text = (
        f"Contexte : {subject} sont {len(concerned)} sur {len(quartiers)} QPV de la région"
        + (f", où vit {formatting.percent(share)} de leur population" if share is not None else "")
        + "."
    )
    if len(concerned) == len(quartiers):
        text = f"Contexte : {subject} sont les {len(quartiers)} QPV de la région."
        if region.value is not None:
            text += (
                f" Leur taux de pauvreté moyen est de {formatting.percent(region.value)} "
                f"({context_stats.coverage_sentence(region)} ; source : rapport « Contexte »)."
            )
    elif here.value is not None and region.value is not None:
        text += (
            f" Leur taux de pauvreté moyen est de {formatting.percent(here.value)} "
            f"({context_stats.coverage_sentence(here)}), contre {formatting.percent(region.value)} "
            "pour l'ensemble des QPV de la région (source : indicateurs de contexte, voir le "
            "rapport « Contexte »)."
        )
    reporting.paragraph(text)
