"""Sections of the context report (notebooks/contexte.ipynb), built from the imported context."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qpv_analytics import formatting, indicators
from qpv_analytics.contract import CONTEXT_CHECKS
from qpv_analytics.indicators import context_stats, ressources
from qpv_analytics.indicators import contexte as context_indicators
from qpv_analytics.indicators.context_stats import WeightedMean
from qpv_analytics.ingest import reference
from qpv_analytics.ingest.context import ContextImport
from qpv_analytics.ingest.context_sources import (
    INDICATOR_COLUMNS,
    INDICATOR_LABELS,
    INDICATOR_UNITS,
)
from qpv_analytics.quality import plausibility
from qpv_analytics.quality.model import Issue
from qpv_analytics.report import charts, reporting

POPULATION = "population_municipale"
"""Weight of every mean of the report."""

POVERTY = "taux_pauvrete_60_pct"
EMPLOYMENT = "taux_emploi_15_64_pct"
RATES = (POVERTY, EMPLOYMENT)
"""Rates averaged by department and EPCI."""

_RATE_TITLES = {POVERTY: "Taux de pauvreté", EMPLOYMENT: "Taux d'emploi 15–64 ans"}
_RATE_BASES = {POVERTY: "Base (pauvreté)", EMPLOYMENT: "Base (emploi)"}
_TERRITORY_NUMERIC = ["QPV", "Population", *_RATE_TITLES.values()]
_MAX_LISTED = 10
_QUARTILES = [
    ("Minimum", "min"),
    ("1er quartile", "Q1"),
    ("Médiane", "median"),
    ("3e quartile", "Q3"),
    ("Maximum", "max"),
]


@dataclass
class ContextReport:
    """What the context report shows, read once at the top of the notebook.

    Attributes:
        rep: the open report.
        data: the table ``contexte`` (every vintage of every file).
        imports: the imports of the files declared in the parameters, in their order.
        quartiers: one row per QPV of the publication (:func:`context_stats.context_by_qpv`).
        indicators: tidy context indicators with the names of the territories.
        poverty: population-weighted poverty rate of the region's QPV.
        employment: population-weighted employment rate of the region's QPV.
    """

    rep: reporting.Report
    data: pd.DataFrame
    imports: list[ContextImport]
    quartiers: pd.DataFrame
    indicators: pd.DataFrame
    poverty: WeightedMean
    employment: WeightedMean

    @property
    def region(self) -> str:
        """Name of the region."""
        return self.rep.names()["region"]["region"]

    @property
    def n_qpv(self) -> int:
        """Number of QPV in the publication's list."""
        return len(self.quartiers)


def open_context(rep: reporting.Report) -> ContextReport:
    """Read the context of the publication: table ``contexte``, file imports, QPV values.

    Args:
        rep: the open report (:func:`reporting.open_report`).
    """
    data = rep.table("contexte", all_years=True)  # vintages of the files, not the period
    quartiers = context_stats.context_by_qpv(data, rep.qpv)
    tidy = context_indicators.context_indicators(data, rep.qpv, rep.params)
    return ContextReport(
        rep=rep,
        data=data,
        imports=reference.import_context_files(rep.params, rep.paths),
        quartiers=quartiers,
        indicators=indicators.label_codes(tidy, rep.names()),
        poverty=context_stats.weighted_mean(quartiers, POVERTY, POPULATION),
        employment=context_stats.weighted_mean(quartiers, EMPLOYMENT, POPULATION),
    )


def _or_none(values) -> list:
    """Values with ``<NA>`` replaced by ``None`` (shown « – » by ``formatting``)."""
    return [None if pd.isna(v) else v for v in values]


def _population(ctx: ContextReport) -> float | None:
    return _or_none([ctx.quartiers[POPULATION].sum(min_count=1)])[0]


def key_figures(ctx: ContextReport) -> None:
    """Show the key figures cards (and a notice when no context file was received)."""
    if ctx.data.empty:
        reporting.notice(
            "Aucun indicateur de contexte n'a été reçu : la clé « contexte » des paramètres ne "
            "déclare aucun fichier, ou les fichiers déclarés n'ont aucune ligne pour la région."
        )
    reporting.key_figures(
        [
            (
                formatting.number(ctx.n_qpv),
                "quartiers prioritaires dans la liste de la publication",
            ),
            (
                formatting.number(_population(ctx)),
                "habitants (population municipale des QPV renseignés)",
            ),
            (
                formatting.percent(ctx.poverty.value),
                f"taux de pauvreté moyen des QPV, {context_stats.coverage_sentence(ctx.poverty)}",
            ),
            (
                formatting.percent(ctx.employment.value),
                "taux d'emploi moyen des 15–64 ans, "
                f"{context_stats.coverage_sentence(ctx.employment)}",
            ),
        ]
    )


def territories(ctx: ContextReport) -> str:
    """French phrase of the territories of the QPV: ``"2 départements et 5 EPCI"``."""
    n_dep = ctx.quartiers["code_departement"].nunique()
    n_epci = ctx.quartiers["siren_epci"].nunique()
    text = f"{n_dep} département{'s' if n_dep > 1 else ''}"
    return text + (f" et {n_epci} EPCI" if n_epci else " (EPCI non renseignés)")


def population_sentence(ctx: ContextReport) -> str:
    """French sentence on the known population of the QPV and the QPV without population."""
    population = _population(ctx)
    if population is None:
        return "Leur population n'est pas renseignée."
    missing = int(ctx.quartiers[POPULATION].isna().sum())
    return f"Leur population municipale connue est de {formatting.number(population)} habitants" + (
        f" ({missing} QPV sans population connue, non comptés)." if missing else "."
    )


def missing_qpv_notice(ctx: ContextReport) -> None:
    """Notice listing the QPV of the publication absent from every context file."""
    absent = context_stats.reference_match(ctx.data, ctx.rep.qpv)["absents_du_contexte"]
    if not absent or ctx.data.empty:
        return
    listed = ", ".join(absent[:_MAX_LISTED]) + ("…" if len(absent) > _MAX_LISTED else "")
    reporting.notice(
        f"{len(absent)} QPV de la liste n'ont aucune ligne dans les fichiers de contexte "
        f"({listed}) : leurs valeurs sont vides, jamais nulles."
    )


def _value_text(value, column: str) -> str:
    unit = INDICATOR_UNITS[column]
    if unit in ("%", "€") or not unit:
        return formatting.with_unit(value, unit)
    return formatting.number(value)  # counts: quartiles rounded to the unit


def plausibility_notices(issues: list[Issue]) -> None:
    """Show each plausibility warning of a source beside the figures it concerns."""
    for issue in issues:
        reporting.notice(
            f"Vraisemblance de la source ({issue.where()}) : {issue.message} Les valeurs sont "
            "publiées telles que le fichier les donne (voir la page qualité)."
        )


def distribution_table(ctx: ContextReport) -> None:
    """Table of the distribution of every indicator between the QPV (each QPV counts once)."""
    columns = [c for c in INDICATOR_COLUMNS if ctx.quartiers[c].notna().any()]
    if not columns:
        reporting.notice("Aucune valeur d'indicateur n'est disponible pour les QPV de la région.")
        return
    spread = context_stats.distribution(ctx.quartiers, columns)
    table = pd.DataFrame(
        {
            "Indicateur": [INDICATOR_LABELS[c] for c in columns],
            **{
                title: [_value_text(_or_none([spread.loc[c, key]])[0], c) for c in columns]
                for title, key in _QUARTILES
            },
            "QPV renseignés": [f"{spread.loc[c, 'n']} / {ctx.n_qpv}" for c in columns],
        }
    )
    reporting.show_table(
        table,
        caption="Répartition des valeurs entre les QPV (chaque QPV compte pour un)",
        numeric=list(table.columns[1:]),
    )
    plausibility_notices(plausibility.source_issues(ctx.data, CONTEXT_CHECKS))


def poverty_spread(ctx: ContextReport) -> None:
    """Poverty rate between the QPV: sentence, histogram and the 10 poorest QPV."""
    if not ctx.quartiers[POVERTY].notna().any():
        return
    d = context_stats.distribution(ctx.quartiers, POVERTY).loc[POVERTY]
    n = int(d["n"])
    reporting.paragraph(
        f"Le taux de pauvreté va de {formatting.percent(d['min'])} à "
        f"{formatting.percent(d['max'])} selon les QPV ; la moitié d'entre eux se situent "
        f"entre {formatting.percent(d['Q1'])} et {formatting.percent(d['Q3'])} "
        f"(médiane {formatting.percent(d['median'])}, sur {n} QPV renseignés)."
    )
    fig = charts.histogram(
        ctx.quartiers[POVERTY],
        "%",
        "Taux de pauvreté des QPV (tranches de 5 points)",
        median_label=f"Médiane des QPV : {formatting.percent(d['median'])}",
        mean=ctx.poverty.value,
        mean_label=f"Moyenne pondérée : {formatting.percent(ctx.poverty.value)}",
    )
    reporting.show_figure(
        fig,
        alt="Histogramme du nombre de QPV par tranche de 5 points de taux de pauvreté, avec "
        "la médiane (pointillés) et la moyenne pondérée par la population (tirets).",
        caption=f"Sur {n} QPV dont le taux de pauvreté est connu.",
    )
    cmp = context_stats.compare_with_region(ctx.quartiers, POVERTY, POPULATION)
    top = cmp.table.dropna(subset=[POVERTY]).sort_values(POVERTY, ascending=False).head(10)
    names = dict(zip(ctx.quartiers["code_qpv"], ctx.quartiers["nom_qpv"], strict=True))
    communes = dict(zip(ctx.quartiers["code_qpv"], ctx.quartiers["communes"], strict=True))
    reporting.show_table(
        pd.DataFrame(
            {
                "QPV": [f"{names.get(c) or c} ({c})" for c in top["code_qpv"]],
                "Commune(s)": [communes.get(c) or "–" for c in top["code_qpv"]],
                "Taux de pauvreté": [formatting.percent(v) for v in top[POVERTY]],
                "Écart à la moyenne des QPV": [formatting.points(v) for v in top["ecart"]],
            }
        ),
        caption=f"Les {len(top)} QPV au taux de pauvreté le plus élevé, écart à la moyenne "
        "pondérée des QPV de la région",
        numeric=["Taux de pauvreté", "Écart à la moyenne des QPV"],
    )


def _territory_table(
    ctx: ContextReport, level: str, column: str, title: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weighted rates per territory: the values and the table shown."""
    names = ctx.rep.names()[level]
    values = context_stats.level_summary(ctx.quartiers, column, list(RATES), POPULATION)
    shown = pd.DataFrame(
        {
            title: [names.get(c, c) for c in values[column]],
            "QPV": [formatting.number(v) for v in values["nb_qpv"]],
            "Population": [formatting.number(v) for v in _or_none(values["population"])],
        }
    )
    for rate in RATES:
        shown[_RATE_TITLES[rate]] = [formatting.percent(v) for v in _or_none(values[rate])]
        shown[_RATE_BASES[rate]] = [
            context_stats.coverage_base(n, pct)
            for n, pct in zip(
                values[f"{rate}_nb_qpv"], _or_none(values[f"{rate}_couverture_pct"]), strict=True
            )
        ]
    return values, shown


def territory_tables(ctx: ContextReport) -> None:
    """Weighted rates per department and per EPCI (tables, extremes, EPCI chart)."""
    if not ctx.quartiers[list(RATES)].notna().any().any():
        reporting.notice(
            "Ni taux de pauvreté ni taux d'emploi dans les fichiers de contexte : pas de moyenne "
            "par département ni par EPCI."
        )
        return
    names = ctx.rep.names()
    dep, shown = _territory_table(ctx, "departement", "code_departement", "Département")
    reporting.show_table(
        shown,
        caption="Moyennes des QPV pondérées par la population, par département (base : nombre de "
        "QPV et part de la population sur lesquels la moyenne est calculée)",
        numeric=_TERRITORY_NUMERIC,
    )
    extremes = dep.dropna(subset=[POVERTY]).sort_values(POVERTY)
    if len(extremes) > 1:
        low, high = extremes.iloc[0], extremes.iloc[-1]
        reporting.paragraph(
            f"Le taux de pauvreté moyen des QPV va de {formatting.percent(low[POVERTY])} "
            f"({names['departement'].get(low['code_departement'])}) à "
            f"{formatting.percent(high[POVERTY])} "
            f"({names['departement'].get(high['code_departement'])}) selon le département."
        )
    if ctx.quartiers["siren_epci"].isna().all():
        reporting.notice(
            "Les fichiers de contexte ne renseignent pas l'EPCI des QPV : aucun résultat par EPCI."
        )
        return
    epci, shown = _territory_table(ctx, "epci", "siren_epci", "EPCI")
    without = int(ctx.quartiers["siren_epci"].isna().sum())
    if without:
        reporting.notice(f"{without} QPV sans EPCI connu ne figurent pas dans ce tableau.")
    epci = epci.assign(nom=[names["epci"].get(c, c) for c in epci["siren_epci"]])
    if epci[POVERTY].notna().any():
        fig = charts.bars_with_target(
            epci,
            "nom",
            POVERTY,
            "%",
            "Taux de pauvreté moyen des QPV, par EPCI",
            target=ctx.poverty.value,
            target_label="Moyenne des QPV de la région",
        )
        reporting.show_figure(
            fig,
            alt="Barres horizontales triées du taux de pauvreté moyen des QPV de chaque EPCI, "
            "avec la moyenne des QPV de la région en tirets ; les barres claires sont sous "
            "cette moyenne.",
            caption="Moyennes pondérées par la population ; la base de chaque moyenne figure "
            "dans le tableau ci-dessous.",
        )
    reporting.show_table(
        shown.sort_values("EPCI", key=lambda s: s.str.casefold()),
        caption="Moyennes des QPV pondérées par la population, par EPCI",
        numeric=_TERRITORY_NUMERIC,
    )


def communes_section(ctx: ContextReport) -> None:
    """The englobing communes of the QPV: how many, QPV over several, communes with several."""
    communes = context_stats.communes_of_qpv(ctx.rep.qpv)
    if communes.empty:
        reporting.notice("Les fichiers de contexte ne nomment pas les communes des QPV.")
        return
    several = int((ctx.quartiers["nb_communes"] > 1).sum())
    multi = int((communes["nb_qpv"] > 1).sum())
    reporting.paragraph(
        f"Les {ctx.n_qpv} QPV sont situés sur {len(communes)} communes ; "
        + (f"{several} d'entre eux s'étendent" if several > 1 else f"{several} s'étend")
        + " sur plusieurs communes, et "
        + (f"{multi} communes comptent" if multi > 1 else f"{multi} commune compte")
        + " plusieurs QPV."
    )
    top = communes[communes["nb_qpv"] > 1].head(15)
    if top.empty:
        return
    reporting.show_table(
        pd.DataFrame(
            {
                "Commune": [
                    f"{n} ({c})" if pd.notna(c) else n
                    for n, c in zip(top["nom_commune"], top["code_commune"], strict=True)
                ],
                "QPV": [formatting.number(v) for v in top["nb_qpv"]],
            }
        ),
        caption="Communes à plusieurs QPV"
        + (f" ({len(top)} premières sur {multi})" if multi > len(top) else ""),
        numeric=["QPV"],
    )


def sources_section(ctx: ContextReport) -> None:
    """Origin of the values kept (source, file, vintage), then one paragraph per file."""
    declared = list(ctx.rep.params.contexte)
    by_source = {f"{i.source.name} {i.vintage}": i for i in ctx.imports}
    defaults = {
        f"{i.source.name} {i.vintage}"
        for i, item in zip(ctx.imports, declared, strict=True)
        if item.millesime is None
    }
    provenance = context_stats.value_provenance(ctx.data)
    if provenance.empty:
        reporting.notice("Aucune valeur de contexte : pas de source à citer.")
    else:
        reporting.show_table(
            pd.DataFrame(
                {
                    "Indicateur": [INDICATOR_LABELS[c] for c in provenance["indicateur"]],
                    "Source": [
                        by_source[s].source.label if s in by_source else s
                        for s in provenance["source"]
                    ],
                    "Fichier": [
                        by_source[s].path.name if s in by_source else "–"
                        for s in provenance["source"]
                    ],
                    "Millésime": [
                        f"{v} (par défaut)" if s in defaults else str(v)
                        for v, s in zip(provenance["millesime"], provenance["source"], strict=True)
                    ],
                    "QPV renseignés": [formatting.number(v) for v in provenance["nb_qpv"]],
                }
            ),
            caption="Origine des valeurs utilisées (pour chaque QPV, la valeur du millésime le "
            "plus récent qui en donne une ; « par défaut » : millésime non déclaré dans les "
            "paramètres, attribué d'après la description de la source)",
            numeric=["Millésime", "QPV renseignés"],
        )
    for item, imp in zip(declared, ctx.imports, strict=True):
        origin = (
            "déclaré dans les paramètres"
            if item.millesime is not None
            else "attribué par la description de la source"
        )
        reporting.paragraph(
            f"Fichier « {imp.path.name} » — {imp.source.label} : millésime {imp.vintage} "
            f"({origin}), {len(imp.data)} QPV lus, codes de la géographie "
            f"{imp.geographie or 'mixte'}. {imp.source.provenance}"
        )


def qpv_values_source(ctx: ContextReport) -> str:
    """French source line of the per-QPV values: the imported context files."""
    labels = list(
        dict.fromkeys(f"{imp.source.label} ({Path(imp.path).name})" for imp in ctx.imports)
    )
    return " ; ".join(labels) or "aucun fichier de contexte"


def qpv_list_origin(ctx: ContextReport) -> str:
    """Where the publication's QPV list comes from (French, for a sentence)."""
    if ctx.rep.params.referentiel_qpv == "anct_2024":
        return "référentiel national ANCT 2024"
    if ctx.imports:
        return f"construite depuis le fichier « {ctx.imports[0].path.name} »"
    return "–"


def blank_cells_section(ctx: ContextReport) -> None:
    """Per file: values read, blank (secret) cells and values set aside on import."""
    if not ctx.imports:
        reporting.notice(
            "Aucun fichier de contexte n'est déclaré dans les paramètres de la publication."
        )
    for imp in ctx.imports:
        summary = context_stats.blank_summary(imp)
        read = summary[summary["statut"] == "lue"]
        reporting.show_table(
            pd.DataFrame(
                {
                    "Indicateur": read["libelle"].to_numpy(),
                    "Colonne du fichier": read["colonne_source"].to_numpy(),
                    "QPV": [formatting.number(v) for v in read["nb_qpv"]],
                    "Valeurs": [formatting.number(v) for v in read["valeurs"]],
                    "Cellules vides": [formatting.number(v) for v in read["vides"]],
                    "Valeurs écartées": [formatting.number(v) for v in read["ecartees"]],
                }
            ),
            caption=f"Fichier « {imp.path.name} » : valeurs lues, cellules vides (secret "
            "statistique ou donnée absente) et valeurs écartées à l'import, par indicateur",
            numeric=["QPV", "Valeurs", "Cellules vides", "Valeurs écartées"],
        )
        reporting.paragraph(context_stats.blank_sentence(imp))


def caveats(ctx: ContextReport) -> None:
    """The caveats of each source and the anomalies met on import, file by file."""
    for imp in ctx.imports:
        for note in imp.notes:
            reporting.paragraph(f"« {imp.path.name} » — {note}")
        for anomaly in imp.anomalies:
            reporting.notice(f"« {imp.path.name} » — {anomaly}.")


def state_posts_section(ctx: ContextReport) -> None:
    """Adultes-relais and FONJEP posts funded by the State (table, export, chart, caveat)."""
    rep = ctx.rep
    posts = reference.state_posts(rep.params.region, rep.params.years, rep.paths)
    if posts.empty:
        reporting.notice(
            "Aucun fichier public de postes adultes-relais ou FONJEP ne couvre la période suivie."
        )
        return
    reporting.paragraph(
        "Données publiques réelles : postes d'adultes-relais (médiateurs) et postes FONJEP "
        "(emplois associatifs) financés par l'État dans les contrats de ville, d'après les "
        "fichiers de l'ANCT (plateforme de gestion des subventions de la politique de la ville)."
    )
    summary = ressources.posts_summary(posts)
    landlords = "Dont postes chez un bailleur social"
    table = pd.DataFrame(
        {
            "Dispositif": summary["dispositif"].map(reference.SCHEMES),
            "Année": summary["annee"].astype(str),
            "Postes": [formatting.number(v) for v in summary["postes"]],
            "Montant": [formatting.euros(v) for v in summary["montant_eur"]],
            "Employeurs distincts": [formatting.number(v) for v in summary["employeurs"]],
            landlords: [formatting.number(v) for v in summary["bailleurs"]],
        }
    )
    reporting.show_table(
        table,
        caption="Postes financés par l'État, par dispositif et par année",
        numeric=["Postes", "Montant", "Employeurs distincts", landlords],
    )
    plausibility_notices(plausibility.state_posts_issues(posts))
    state = indicators.label_codes(ressources.posts_indicators(posts, rep.params), rep.names())
    rep.export_indicators(state, "ressources_etat")
    last = int(summary["annee"].max())
    dep = state[
        (state["indicateur"] == "etat_postes_adultes_relais")
        & (state["niveau"] == "departement")
        & (state["annee"] == last)
    ].sort_values("valeur", ascending=False)
    if not dep.empty:
        fig = charts.bars_with_target(
            dep, "nom", "valeur", "postes", f"Postes d'adultes-relais par département, {last}"
        )
        reporting.show_figure(
            fig,
            alt=f"Barres horizontales du nombre de postes d'adultes-relais par département en "
            f"{last}.",
        )
    reporting.paragraph(
        "Précaution : un fichier de l'année en cours peut être incomplet (postes conventionnés en "
        "cours d'année) ; les postes tenus par un bailleur social sont repérés par le nom de "
        "l'employeur (« habitat », « HLM », « logis »…), ce qui peut en oublier."
    )


def method_table(ctx: ContextReport) -> None:
    """Definitions of the context and State resources indicators."""
    reporting.show_table(
        reporting.method_table(
            [*context_indicators.CONTEXT_CODES, *ressources.STATE_CODES], ctx.rep.params
        ),
        caption="Définitions des indicateurs de contexte",
    )
