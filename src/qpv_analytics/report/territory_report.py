"""QPV against their englobing territories (tables, sentences, maps) for the context report."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from qpv_analytics import formatting, style
from qpv_analytics.indicators import context_stats
from qpv_analytics.indicators import territoires as ter
from qpv_analytics.indicators.model import REGISTRY
from qpv_analytics.ingest import territory_sources
from qpv_analytics.report import maps, reporting

LEVEL_TITLES = {
    "commune": "Commune(s)",
    "epci": "EPCI",
    "departement": "Département",
    "region": "Région",
}
"""Column titles of the territory levels."""

_LEVEL_WORDS = {
    "commune": "communes",
    "epci": "EPCI",
    "departement": "départements",
    "region": "région",
}

POVERTY, EMPLOYMENT = "ter_taux_pauvrete_60_pct", "ter_taux_emploi_15_64_pct"
POVERTY_BOUNDS = (30.0, 40.0, 50.0)
"""Classes of the map of QPV poverty rates (%)."""
COMPARISON_EXPORT = "contexte_comparaison"
"""Name of the exported QPV-against-territories table (read back by the EPCI profiles)."""
GAP_BOUNDS = (0.0, 10.0, 20.0)
"""Classes of the map of gaps to the commune(s) (points)."""


@dataclass
class Territories:
    """What the englobing-territory sections show, read once.

    Attributes:
        values: INSEE values of the communes, EPCI, departments and region.
        comparison: one row per QPV, indicator and territory
            (:func:`~qpv_analytics.indicators.territoires.qpv_against_territories`).
        quartiers: one row per QPV with its context values.
        layers: map layers of the region.
        correspondences: EPCI code changes applied, as French sentences.
        region: name of the region.
    """

    values: ter.TerritoryValues
    comparison: pd.DataFrame
    quartiers: pd.DataFrame
    layers: maps.Layers
    correspondences: list[str]
    region: str

    @property
    def empty(self) -> bool:
        """Whether no INSEE file covers the region."""
        return self.values.empty

    @property
    def covered(self) -> bool:
        """Whether INSEE values exist below the region (communes, EPCI or departments)."""
        tidy = self.values.tidy
        return bool(tidy["niveau"].isin(["commune", "epci", "departement"]).any())

    @property
    def compared(self) -> tuple[str, ...]:
        """Indicators compared QPV by QPV, in report order."""
        return ter.COMPARED


def open_territories(rep: reporting.Report, data: pd.DataFrame, quartiers: pd.DataFrame):
    """Read the englobing territories of the publication and compare the QPV with them.

    Args:
        rep: the open report.
        data: the table ``contexte`` (every vintage), for the vintages of the QPV values.
        quartiers: one row per QPV with its context values.
    """
    composition = territory_sources.read_composition(rep.paths)
    values = ter.territory_values(
        rep.table("territoires", all_years=True),
        composition,
        rep.params,
        rep.names()["epci"],
        communes=set(rep.qpv["code_commune"].dropna()),
    )
    vintages = {c: context_stats.latest_vintage(data, c) for c in ter.QPV_COLUMNS.values() if c}
    comparison = ter.qpv_against_territories(values, quartiers, rep.qpv, vintages)
    layers = maps.load_layers(
        rep.params.region,
        dict(zip(rep.qpv["code_qpv"], rep.qpv["siren_epci"], strict=True)),
        rep.paths,
    )
    return Territories(
        values=values,
        comparison=comparison,
        quartiers=quartiers,
        layers=layers,
        correspondences=ter.correspondences_used(composition, rep.qpv),
        region=rep.names()["region"]["region"],
    )


def _gap(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return formatting.MISSING
    if unit == "€":
        return (
            formatting.euros(value).replace("-", "−")
            if value < 0
            else "+" + formatting.euros(value)
        )
    return formatting.points(value)


def _cell(value, gap, unit: str) -> str:
    if value is None or pd.isna(value):
        return formatting.MISSING
    shown = formatting.with_unit(value, unit)
    return shown if gap is None or pd.isna(gap) else f"{shown} ({_gap(gap, unit)})"


def missing_notice(t: Territories) -> bool:
    """Say which comparison is missing and how to add it; return whether anything is shown."""
    if not t.covered:
        regional = [
            REGISTRY[code].header.lower()
            for code in ter.COMPARED
            if t.values.value(code, "region", "region") is not None
        ]
        known = (
            f" Seule la valeur de la région est connue pour : {', '.join(regional)}."
            if regional
            else ""
        )
        reporting.notice(
            f"Aucun fichier INSEE des territoires englobants ne couvre la région {t.region} "
            "(communes, EPCI, départements) : la comparaison des QPV avec leurs communes, leur "
            "EPCI et leur département n'est pas faite (taux de pauvreté, revenu médian, taux "
            f"d'emploi et de chômage).{known} Pour l'ajouter : déposez les fichiers INSEE de la "
            "région dans data/reference/insee/ sous les noms déclarés (voir "
            "docs/autre_region.md, section « Territoires englobants »)."
        )
        return False
    tidy = t.values.tidy
    missing = [
        f"{REGISTRY[code].header.lower()} ({_LEVEL_WORDS[level]})"
        for code in ter.COMPARED
        for level in ("commune", "epci", "departement", "region")
        if tidy[(tidy["indicateur"] == code) & (tidy["niveau"] == level)].empty
    ]
    if missing:
        reporting.notice(
            "Comparaisons absentes faute de fichier INSEE pour la région : "
            + ", ".join(missing)
            + ". Voir docs/autre_region.md, section « Territoires englobants »."
        )
    return True


def _headline(t: Territories, ctx_indicators: pd.DataFrame) -> None:
    """One sentence per rate: the QPV of the region against the whole region."""
    sentences = []
    for code, ctx_code, label in (
        (POVERTY, "ctx_taux_pauvrete_60_pct", "le taux de pauvreté"),
        (EMPLOYMENT, "ctx_taux_emploi_15_64_pct", "le taux d'emploi des 15–64 ans"),
    ):
        region = t.values.value(code, "region", "region")
        rows = ctx_indicators[
            (ctx_indicators["indicateur"] == ctx_code) & (ctx_indicators["niveau"] == "region")
        ]
        if region is None or rows.empty or pd.isna(rows["valeur"].iloc[0]):
            continue
        own = float(rows["valeur"].iloc[0])
        prov = t.values.provenance
        row = prov[(prov["indicateur"] == code) & (prov["niveau"] == "region")].iloc[0]
        vintage = t.values.tidy[
            (t.values.tidy["indicateur"] == code) & (t.values.tidy["niveau"] == "region")
        ]["annee"].iloc[0]
        derived = ", valeur dérivée des départements" if row["derive"] and code == POVERTY else ""
        gap = own - region
        way = "dépasse de" if gap >= 0 else "est inférieur de"
        sentences.append(
            f"En moyenne pondérée par la population, {label} des QPV "
            f"({formatting.percent(own)}) {way} {formatting.number(abs(gap), 1)} points celui "
            f"de l'ensemble de la région ({formatting.percent(region)} en {vintage}{derived})."
        )
    if sentences:
        reporting.paragraph(" ".join(sentences))


def _level_qpv_values(ctx_indicators: pd.DataFrame, ctx_code: str, level: str) -> dict:
    rows = ctx_indicators[
        (ctx_indicators["indicateur"] == ctx_code) & (ctx_indicators["niveau"] == level)
    ]
    return dict(zip(rows["code"].astype(str), rows["valeur"], strict=True))


def territories_table(t: Territories, ctx_indicators: pd.DataFrame) -> None:
    """The region and its departments: QPV mean, territory value and gap, for each rate."""
    tidy = t.values.tidy
    rows = [("region", "region", t.region)] + [
        ("departement", code, name)
        for code, name in tidy[tidy["niveau"] == "departement"]
        .drop_duplicates("code")[["code", "nom"]]
        .itertuples(index=False)
    ]
    shown: dict[str, list[str]] = {"Territoire": [r[2] for r in rows]}
    numeric = []
    for code, ctx_code in (
        (POVERTY, "ctx_taux_pauvrete_60_pct"),
        (EMPLOYMENT, "ctx_taux_emploi_15_64_pct"),
    ):
        header = REGISTRY[code].header
        qpv_values = {
            level: _level_qpv_values(ctx_indicators, ctx_code, level)
            for level in ("region", "departement")
        }
        col_qpv, col_ter, col_gap = f"{header} : QPV", f"{header} : territoire", "Écart (pts)"
        col_gap = f"{col_gap} " + ("pauvreté" if code == POVERTY else "emploi")
        shown[col_qpv], shown[col_ter], shown[col_gap] = [], [], []
        for level, territory, _ in rows:
            own = qpv_values[level].get(territory)
            value = t.values.value(code, level, territory)
            vintage = tidy[
                (tidy["indicateur"] == code)
                & (tidy["niveau"] == level)
                & (tidy["code"] == territory)
            ]["annee"]
            shown[col_qpv].append(formatting.percent(own))
            shown[col_ter].append(
                formatting.MISSING
                if value is None
                else f"{formatting.percent(value)} ({int(vintage.iloc[0])})"
            )
            shown[col_gap].append(
                formatting.points(own - value)
                if value is not None and own is not None and pd.notna(own)
                else formatting.MISSING
            )
        numeric += [col_qpv, col_ter, col_gap]
    for code in ("ter_revenu_median_uc_eur", "ter_taux_chomage_15_64_pct"):
        header = f"{REGISTRY[code].header} du territoire"
        shown[header] = []
        for level, territory, _ in rows:
            value = t.values.value(code, level, territory)
            vintage = tidy[
                (tidy["indicateur"] == code)
                & (tidy["niveau"] == level)
                & (tidy["code"] == territory)
            ]["annee"]
            unit = REGISTRY[code].unit
            shown[header].append(
                formatting.MISSING
                if value is None
                else f"{formatting.with_unit(value, unit)} ({int(vintage.iloc[0])})"
            )
        numeric.append(header)
    reporting.show_table(
        pd.DataFrame(shown),
        caption="QPV (moyenne pondérée par la population) et ensemble du territoire ; entre "
        "parenthèses, le millésime de la valeur du territoire ; écart = QPV − territoire, en "
        "points",
        numeric=numeric,
    )


def epci_table(t: Territories, ctx_indicators: pd.DataFrame) -> None:
    """Each EPCI of the QPV: QPV mean against the EPCI, for poverty and employment."""
    tidy = t.values.tidy
    sirens = sorted(set(t.quartiers["siren_epci"].dropna()))
    if not sirens:
        return
    names = dict(zip(t.quartiers["siren_epci"], t.quartiers["nom_epci"], strict=False))
    shown: dict[str, list[str]] = {"EPCI": [names.get(s) or s for s in sirens]}
    for code, ctx_code in (
        (POVERTY, "ctx_taux_pauvrete_60_pct"),
        (EMPLOYMENT, "ctx_taux_emploi_15_64_pct"),
    ):
        header = REGISTRY[code].header
        qpv_values = _level_qpv_values(ctx_indicators, ctx_code, "epci")
        shown[f"{header} : QPV"] = [formatting.percent(qpv_values.get(s)) for s in sirens]
        shown[f"{header} : EPCI (écart)"] = [
            _cell(
                t.values.value(code, "epci", s),
                None
                if t.values.value(code, "epci", s) is None or pd.isna(qpv_values.get(s))
                else qpv_values.get(s) - t.values.value(code, "epci", s),
                "%",
            )
            for s in sirens
        ]
    shown["Revenu médian de l'EPCI"] = [
        formatting.euros(t.values.value("ter_revenu_median_uc_eur", "epci", s)) for s in sirens
    ]
    frame = pd.DataFrame(shown).sort_values("EPCI", key=lambda s: s.str.casefold())
    vintages = {
        code: sorted(
            {
                int(v)
                for v in tidy[(tidy["indicateur"] == code) & (tidy["niveau"] == "epci")]["annee"]
            }
        )
        for code in (POVERTY, EMPLOYMENT, "ter_revenu_median_uc_eur")
    }
    reporting.show_table(
        frame,
        caption="QPV de chaque EPCI (moyenne pondérée) et ensemble de l'EPCI ; entre parenthèses "
        "l'écart QPV − EPCI en points. Millésimes de l'EPCI : pauvreté et revenu médian "
        f"{', '.join(map(str, vintages[POVERTY]))} (Filosofi), emploi "
        f"{', '.join(map(str, vintages[EMPLOYMENT]))} (recensement, somme des communes)",
        numeric=[c for c in frame.columns if c != "EPCI"],
    )


def qpv_table(t: Territories, code: str) -> None:
    """Every QPV against its commune(s), EPCI, department and region for one indicator."""
    comparison_table(t.comparison, code)


def comparison_table(comparison: pd.DataFrame, code: str) -> None:
    """QPV of a comparison table (:func:`ter.qpv_against_territories`) for one indicator."""
    ind = REGISTRY[code]
    comp = comparison[comparison["indicateur"] == code]
    if comp.empty:
        return
    if comp["valeur_qpv"].isna().all():
        reporting.paragraph(
            f"{ind.header} : les fichiers de contexte de la publication ne donnent pas cette "
            "valeur par QPV ; seuls les territoires ont la leur (tableaux ci-dessus)."
        )
        return
    # Records grouped by QPV then level, in file order (a pandas group per QPV and level cost
    # 0,3 s per indicator of a profile).
    records = comp.to_dict("records")
    groups: dict[str, dict[str, list[dict]]] = {}
    for record in records:
        if not (pd.isna(record["code_qpv"]) or pd.isna(record["niveau"])):
            levels = groups.setdefault(record["code_qpv"], {})
            levels.setdefault(record["niveau"], []).append(record)
    first_row = {}
    for record in records:
        if not pd.isna(record["code_qpv"]):
            first_row.setdefault(record["code_qpv"], record)
    rows = []
    for code_qpv in sorted(first_row):
        by_level = groups.get(code_qpv, {})
        first = first_row[code_qpv]
        communes = by_level.get("commune", [])
        if len(communes) > 1 and ter.AGGREGATE_LEVEL in by_level:
            agg = by_level[ter.AGGREGATE_LEVEL][0]
            commune_cell = _cell(agg["valeur_territoire"], agg["ecart"], ind.unit)
        elif communes:
            c = communes[0]
            commune_cell = _cell(c["valeur_territoire"], c["ecart"], ind.unit)
        else:
            commune_cell = formatting.MISSING
        names = ", ".join(c["nom_territoire"] for c in communes if not pd.isna(c["nom_territoire"]))
        row = {
            "Quartier — commune(s)": f"{first['nom_qpv']} ({code_qpv})"
            + (f" — {names}" if names else ""),
            "QPV": formatting.with_unit(first["valeur_qpv"], ind.unit),
            "Commune(s)": commune_cell,
        }
        for level in ("epci", "departement", "region"):
            g = by_level.get(level)
            row[LEVEL_TITLES[level]] = (
                formatting.MISSING
                if g is None
                else _cell(g[0]["valeur_territoire"], g[0]["ecart"], ind.unit)
            )
        rows.append(row)
    frame = pd.DataFrame(rows)
    reporting.show_table(
        frame,
        caption=f"{ind.header} de chaque QPV et de ses territoires englobants ; entre parenthèses "
        "l'écart QPV − territoire en points. Pour un QPV sur plusieurs communes, la colonne "
        "« Commune(s) » donne le taux de l'ensemble de ses communes (effectifs additionnés) ; "
        "chaque commune figure dans le fichier contexte_comparaison.csv",
        numeric=["QPV", "Commune(s)", "EPCI", "Département", "Région"],
    )


def several_communes_table(t: Territories) -> None:
    """QPV over several communes: each commune and their aggregate, poverty and employment."""
    comp = t.comparison[
        t.comparison["indicateur"].isin([POVERTY, EMPLOYMENT])
        & t.comparison["niveau"].isin(["commune", ter.AGGREGATE_LEVEL])
    ]
    multi = comp[comp["niveau"] == ter.AGGREGATE_LEVEL]["code_qpv"].unique()
    if not len(multi):
        return
    rows = []
    for code_qpv in sorted(multi):
        sub = comp[comp["code_qpv"] == code_qpv]
        name = sub["nom_qpv"].iloc[0]
        for level, territory in dict.fromkeys(
            zip(sub["niveau"], sub["code_territoire"], strict=True)
        ):
            cells = sub[(sub["niveau"] == level) & (sub["code_territoire"] == territory)]
            by_code = {r.indicateur: r for r in cells.itertuples(index=False)}
            label = (
                "ensemble des communes"
                if level == ter.AGGREGATE_LEVEL
                else f"{cells['nom_territoire'].iloc[0] or territory} ({territory})"
            )
            rows.append(
                {
                    "QPV": f"{name} ({code_qpv})",
                    "Commune": label,
                    "Taux de pauvreté": _cell(
                        by_code[POVERTY].valeur_territoire, by_code[POVERTY].ecart, "%"
                    )
                    if POVERTY in by_code
                    else formatting.MISSING,
                    "Taux d'emploi 15–64 ans": _cell(
                        by_code[EMPLOYMENT].valeur_territoire, by_code[EMPLOYMENT].ecart, "%"
                    )
                    if EMPLOYMENT in by_code
                    else formatting.MISSING,
                }
            )
    reporting.show_table(
        pd.DataFrame(rows),
        caption=f"Les {len(multi)} QPV sur plusieurs communes : chaque commune et l'ensemble de "
        "ses communes (numérateurs et dénominateurs additionnés : taux de l'ensemble, pondéré "
        "par la population) ; entre parenthèses l'écart QPV − commune en points ; « – » : "
        "valeur secrète ou absente",
        numeric=["Taux de pauvreté", "Taux d'emploi 15–64 ans"],
    )


def vintages_caveat(t: Territories, data: pd.DataFrame) -> None:
    """Name the vintage of every compared figure; warn that they differ."""
    tidy, prov = t.values.tidy, t.values.provenance
    parts = []
    for code in ter.COMPARED:
        pieces = []
        for level in ("commune", "epci", "departement", "region"):
            rows = prov[(prov["indicateur"] == code) & (prov["niveau"] == level)]
            if rows.empty:
                continue
            years = sorted(
                {
                    int(v)
                    for v in tidy[(tidy["indicateur"] == code) & (tidy["niveau"] == level)]["annee"]
                }
            )
            derived = " (dérivé)" if rows["derive"].any() and level != "commune" else ""
            pieces.append(f"{_LEVEL_WORDS[level]} {'/'.join(map(str, years))}{derived}")
        column = ter.QPV_COLUMNS[code]
        qpv_year = context_stats.latest_vintage(data, column) if column else None
        qpv = f"QPV {qpv_year}" if qpv_year else "QPV : pas de valeur"
        parts.append(f"{REGISTRY[code].header} — {qpv} ; " + ", ".join(pieces))
    reporting.paragraph(
        "Millésimes comparés : " + " · ".join(parts) + ". Les millésimes diffèrent : un écart "
        "rapproche des années différentes et donne un ordre de grandeur, pas une évolution. Le "
        "millésime des valeurs par QPV est celui que déclare le fichier de contexte (pour la "
        "compilation 2024, l'année de la géographie prioritaire, faute de millésime documenté)."
    )
    used = " ".join(prov["source"].dropna())
    sources = [s.label for s in territory_sources.SOURCES.values() if s.label in used]
    reporting.paragraph(
        "Sources des territoires : " + " ; ".join(sources) + ". Valeurs dérivées (calcul du "
        "projet) : les effectifs du recensement des EPCI, départements et région, sommes de "
        "leurs communes ; le taux de pauvreté régional, dérivé des départements "
        "(Σ taux × personnes / Σ personnes, exact car le seuil de pauvreté est national)."
    )
    if t.correspondences:
        reporting.paragraph(
            "Codes d'EPCI : la composition communale de l'INSEE utilisée pour additionner les "
            "effectifs du recensement est en géographie 2019 ; les changements suivants sont "
            "appliqués explicitement (table geography.EPCI_CORRESPONDANCES) : "
            + " ".join(t.correspondences)
            + " Les valeurs Filosofi 2019 d'un EPCI fusionné depuis ne sont jamais reportées "
            "sur l'EPCI issu de la fusion."
        )


def _poverty_values(t: Territories) -> dict[str, float | None]:
    q = t.quartiers
    return {
        c: (None if pd.isna(v) else float(v))
        for c, v in zip(q["code_qpv"], q["taux_pauvrete_60_pct"], strict=True)
    }


def _gap_values(t: Territories) -> dict[str, float | None]:
    """Gap of each QPV's poverty rate to its commune (the communes together when several)."""
    comp = t.comparison[t.comparison["indicateur"] == POVERTY]
    gaps: dict[str, float | None] = {}
    for code_qpv, group in comp.groupby("code_qpv"):
        agg = group[group["niveau"] == ter.AGGREGATE_LEVEL]
        row = agg if len(agg) else group[group["niveau"] == "commune"]
        gap = row["ecart"].iloc[0] if len(row) else None
        gaps[code_qpv] = None if gap is None or pd.isna(gap) else float(gap)
    return gaps


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} QPV {label}" for label, n in counts.items() if n)


def maps_section(t: Territories, source_qpv: str) -> None:
    """The two maps of the context report: QPV poverty rates, and their gap to the commune."""
    if not t.layers.qpv:
        reporting.notice(
            "Aucun QPV de la publication ne figure dans les contours nationaux des QPV 2024 "
            "(data/reference/) : pas de carte."
        )
        return
    if not t.layers.has_background:
        reporting.notice(
            f"Les contours des départements de la région {t.region} ne sont pas fournis : les "
            "cartes montrent les QPV sans fond. Pour l'ajouter, voir docs/autre_region.md "
            "(section « Territoires englobants »)."
        )
    background = maps.BACKGROUND_SOURCE if t.layers.has_background else "sans fond"
    values = _poverty_values(t)
    fig, counts = maps.qpv_map(
        t.layers,
        values,
        POVERTY_BOUNDS,
        "%",
        f"Taux de pauvreté des QPV — {t.region}",
        "Taux de pauvreté (seuil de 60 %)",
        f"Sources : {source_qpv} ; {maps.QPV_SOURCE} ; {background}.",
    )
    reporting.show_map(
        maps.figure_html(
            fig,
            alt=f"Carte des {len(t.layers.qpv)} QPV de la région {t.region} sur les limites des "
            f"départements, chaque QPV coloré selon son taux de pauvreté : {_counts_text(counts)}.",
            caption="Classes : moins de 30 %, 30 à 40 %, 40 à 50 %, 50 % et plus ; un QPV est "
            "agrandi en disque pour rester visible à l'échelle de la région.",
        )
    )
    if not t.covered:
        return
    fig, counts = maps.qpv_map(
        t.layers,
        _gap_values(t),
        GAP_BOUNDS,
        "points",
        "Écart de taux de pauvreté entre chaque QPV et sa commune",
        "Écart QPV − commune",
        f"Sources : {source_qpv} ; INSEE, Filosofi (communes) ; {maps.QPV_SOURCE} ; {background}.",
        colours=(style.MAP_NEGATIVE, *style.MAP_CLASSES[1:]),
    )
    reporting.show_map(
        maps.figure_html(
            fig,
            alt="Carte des QPV colorés selon l'écart, en points, entre leur taux de pauvreté et "
            f"celui de leur commune (ou de l'ensemble de leurs communes) : {_counts_text(counts)}.",
            caption="Classes en points : moins de 0 (QPV moins pauvre que sa commune), 0 à 10, 10 "
            "à 20, 20 et plus ; pour un QPV sur plusieurs communes, l'écart à l'ensemble de ses "
            "communes ; « non renseigné » : taux du QPV ou de la commune secret ou absent.",
        )
    )


def export(rep: reporting.Report, t: Territories) -> None:
    """Write the territory values and the QPV comparison beside the indicator tables."""
    if not t.covered:
        return
    rep.export_indicators(t.values.tidy, "contexte_territoires")
    rep.export_table(t.comparison, COMPARISON_EXPORT)


def section(t: Territories, ctx_indicators: pd.DataFrame, data: pd.DataFrame) -> None:
    """The whole comparison section of the context report (without the maps)."""
    if not missing_notice(t):
        return
    _headline(t, ctx_indicators)
    territories_table(t, ctx_indicators)
    epci_table(t, ctx_indicators)
    vintages_caveat(t, data)
