"""Sections proper to an EPCI's profile or to a landlord's (besides the axes and targets)."""

from __future__ import annotations

import pandas as pd

from qpv_analytics import formatting, indicators, lineage
from qpv_analytics.indicators.ressources import STATE_CODES
from qpv_analytics.ingest import readers
from qpv_analytics.labels import AXES
from qpv_analytics.report import maps, profiles, reporting, synthesis, territory_report
from qpv_analytics.report.profiles import Profile


def _row(profile: Profile, code: str, level: str | None = None, key: str | None = None):
    rows = profile.results
    level = level or profile.unit.kind
    key = key or profile.unit.code
    sel = rows[
        (rows["indicateur"] == code)
        & (rows["niveau"] == level)
        & (rows["code"] == key)
        & (rows["annee"] == rows[rows["indicateur"] == code]["annee"].max())
    ]
    return None if sel.empty else sel.iloc[0]


def epci_key_figures(profile: Profile) -> None:
    """Cards: QPV, population, QPV poverty against the EPCI's, State posts."""
    qpv = profile.rep.qpv[profile.rep.qpv["siren_epci"] == profile.unit.code]
    pop = _row(profile, "ctx_population_municipale")
    poverty = _row(profile, "ctx_taux_pauvrete_60_pct")
    own = _row(profile, "ter_taux_pauvrete_60_pct")
    posts = _row(profile, "etat_postes_adultes_relais")
    cards = [
        (formatting.number(qpv["code_qpv"].nunique()), "quartiers prioritaires"),
        (
            synthesis.cell(pop["valeur"], bool(pop["secret"]), "") if pop is not None else "–",
            "habitants dans ses QPV (population municipale)",
        ),
        (
            formatting.percent(poverty["valeur"]) if poverty is not None else "–",
            "taux de pauvreté moyen de ses QPV"
            + (
                f", contre {formatting.percent(own['valeur'])} dans tout l'EPCI ({own['annee']})"
                if own is not None and pd.notna(own["valeur"])
                else ""
            ),
        ),
        (
            formatting.number(posts["valeur"]) if posts is not None else "–",
            "postes d'adultes-relais financés par l'État"
            + (f" ({posts['annee']})" if posts is not None else ""),
        ),
    ]
    reporting.key_figures(cards)


def qpv_section(profile: Profile) -> None:
    """Where the EPCI's QPV are (map) and what they are (table)."""
    rep = profile.rep
    layers = maps.load_layers(
        rep.params.region,
        dict(zip(rep.qpv["code_qpv"], rep.qpv["siren_epci"], strict=True)),
        rep.paths,
    )
    codes = sorted(rep.qpv.loc[rep.qpv["siren_epci"] == profile.unit.code, "code_qpv"].unique())
    numbers: dict[str, int] = {}
    if any(s.code in set(codes) for s in layers.qpv):
        fig, numbers = maps.locator_map(
            layers,
            codes,
            f"Quartiers prioritaires — {profile.unit.name}",
            f"Sources : {maps.QPV_SOURCE} ; "
            + (maps.BACKGROUND_SOURCE if layers.has_background else "sans fond")
            + ".",
        )
        reporting.show_map(
            maps.figure_html(
                fig,
                alt=f"Carte des {len(numbers)} QPV de {profile.unit.name}, numérotés comme dans "
                "le tableau qui suit, parmi les QPV voisins (en clair) et les limites des "
                "départements.",
                caption="Numéros : voir le tableau des QPV ci-dessous.",
            )
        )
    table = profiles.qpv_table(profile, numbers)
    reporting.show_table(
        table,
        caption=f"Les QPV de {profile.unit.name} (population et taux de pauvreté : fichier de "
        "contexte de la publication)",
        numeric=["N°", "Population", "Taux de pauvreté"],
    )


def territory_section(profile: Profile) -> None:
    """The EPCI's QPV against their communes, the EPCI, the department and the region."""
    folder = profile.rep.paths.output_indicators_dir(profile.annee)
    path = folder / f"{territory_report.COMPARISON_EXPORT}.csv"
    lineage.record(lineage.INDICATORS, path.name)
    if not path.exists():
        reporting.notice(
            "La comparaison des QPV avec leurs territoires englobants n'est pas disponible pour "
            "cette publication (pas de fichier INSEE pour la région : voir le rapport « Contexte "
            "des quartiers prioritaires »)."
        )
        return
    comparison = pd.read_csv(
        path,
        sep=";",
        decimal=",",
        encoding="utf-8-sig",
        dtype={"code_qpv": str, "code_territoire": str},
    )
    for col in ("valeur_qpv", "valeur_territoire", "ecart"):
        comparison[col] = comparison[col].astype("Float64")
    mine = set(profile.rep.qpv.loc[profile.rep.qpv["siren_epci"] == profile.unit.code, "code_qpv"])
    comparison = comparison[comparison["code_qpv"].isin(mine)]
    for code in (territory_report.POVERTY, territory_report.EMPLOYMENT):
        territory_report.comparison_table(comparison, code)
    reporting.link_paragraph(
        "Méthode, sources et millésimes : rapport « Contexte des quartiers prioritaires ».",
        "../contexte.html",
    )


def resources_section(profile: Profile) -> None:
    """Adultes-relais and FONJEP posts the State funds in the contrat de ville."""
    rows = profile.rows()
    pairs = [(c, "epci") for c in STATE_CODES if c in set(rows["indicateur"])]
    if not pairs:
        reporting.notice(
            f"Aucun poste d'adulte-relais ni FONJEP n'est rattaché au contrat de ville de "
            f"{profile.unit.name} dans les fichiers publics de l'ANCT de la période."
        )
        return
    table = profiles.pairs_table(profile, pairs).drop(columns=["Cible", "Statut"])
    reporting.show_table(
        table,
        caption=f"Postes financés par l'État dans le contrat de ville de {profile.unit.name} "
        "(fichiers publics de l'ANCT ; un poste d'un contrat de 2015 dont l'EPCI a disparu "
        "depuis n'est compté que dans la région)",
        numeric=[c for c in table.columns if c != "Indicateur"],
    )


def _mentions(text: object, needles: list[str]) -> bool:
    if text is None or pd.isna(text):
        return False
    folded = readers.normalise_label(str(text))
    return any(n and n in folded for n in needles)


def practices_section(profile: Profile) -> None:
    """Good practices of the catalogue located in the EPCI, or carried by the landlord."""
    practices = profile.rep.table("bonnes_pratiques")
    if profile.unit.kind == "epci":
        qpv = profile.rep.qpv[profile.rep.qpv["siren_epci"] == profile.unit.code]
        names = [profile.unit.name, *qpv["nom_commune"].dropna().unique()]
        column = "territoire"
    else:
        names = [profile.unit.name]
        column = "porteurs"
    needles = [readers.normalise_label(n) for n in names]
    found = (
        practices[[_mentions(v, needles) for v in practices[column]]]
        if len(practices)
        else practices
    )
    if found.empty:
        reporting.paragraph(
            "Le catalogue des bonnes pratiques de la période ne compte aucune pratique "
            + (
                "située dans ce territoire."
                if profile.unit.kind == "epci"
                else "que ce bailleur porte."
            )
        )
        return
    found = found.sort_values(["annee", "axe"], ascending=[False, True])
    reporting.show_table(
        pd.DataFrame(
            {
                "Année": found["annee"].astype(str),
                "Axe": [f"{a}. {AXES.get(int(a), '')}" for a in found["axe"]],
                "Pratique": found["titre"],
                "Territoire": found["territoire"],
                "Porteurs": found["porteurs"],
            }
        ),
        caption=f"Bonnes pratiques du catalogue — {profile.unit.name}",
    )


def landlord_tfpb_section(profile: Profile) -> None:
    """The landlord's TFPB abatement and valued actions by the 8 axes and by QPV."""
    rep = profile.rep
    abattement = rep.table("tfpb_abattement")
    actions = rep.table("tfpb_actions")
    name = profile.unit.code
    abattement = abattement[abattement["bailleur"] == name]
    actions = actions[actions["bailleur"] == name]
    annee = profile.annee
    if abattement[abattement["annee"] == annee].empty and actions[actions["annee"] == annee].empty:
        reporting.notice(
            f"{profile.unit.name} n'a transmis ni abattement ni actions valorisées de TFPB pour "
            f"{annee} : pas de répartition par axe ni par QPV."
        )
        return
    axes = indicators.tfpb_by_axis(actions)
    year = axes[(axes["annee"] == annee) & (axes["montant_valorise_eur"] > 0)]
    if len(year):
        year = year.sort_values("montant_valorise_eur", ascending=False)
        reporting.show_table(
            pd.DataFrame(
                {
                    "Axe du cadre national": [
                        f"{a}. {lib}"
                        for a, lib in zip(year["axe_tfpb"], year["libelle_axe"], strict=True)
                    ],
                    "Montant valorisé": [formatting.euros(v) for v in year["montant_valorise_eur"]],
                    "Part": [formatting.percent(v) for v in year["part_pct"]],
                }
            ),
            caption=f"Actions valorisées de {profile.unit.name} par axe du cadre national de "
            f"l'abattement, {annee} (bilans reçus)",
            numeric=["Montant valorisé", "Part"],
        )
    base = indicators.tfpb_base(abattement, actions, rep.qpv)
    base = base[base["annee"] == annee]
    if base.empty:
        return
    names = rep.names()["qpv"]
    base = base.assign(
        taux=base["montant_valorise_eur"]
        / base["montant_abattement_eur"].where(base["montant_abattement_eur"] > 0)
        * 100
    ).sort_values("code_qpv")
    reporting.show_table(
        pd.DataFrame(
            {
                "QPV": [f"{names.get(c, c)} ({c})" for c in base["code_qpv"]],
                "Logements concernés": [formatting.number(v) for v in base["logements_concernes"]],
                "Abattement": [formatting.euros(v) for v in base["montant_abattement_eur"]],
                "Actions valorisées": [formatting.euros(v) for v in base["montant_valorise_eur"]],
                "Taux de valorisation": [formatting.percent(v) for v in base["taux"]],
            }
        ),
        caption=f"Abattement et actions valorisées de {profile.unit.name} par QPV, {annee} "
        "(bilans reçus ; taux = actions valorisées / abattement)",
        numeric=["Logements concernés", "Abattement", "Actions valorisées", "Taux de valorisation"],
    )


def landlord_network_section(profile: Profile) -> None:
    """What the event files say of the landlord: the network events it organised.

    Participation is counted per kind of organisation, never per landlord.
    """
    events = profile.rep.table("evenements")
    needle = [readers.normalise_label(profile.unit.name)]
    own = events[[_mentions(v, needle) for v in events["organisateur"]]] if len(events) else events
    if own.empty:
        reporting.paragraph(
            f"Les fichiers d'événements du réseau de la période ne citent pas {profile.unit.name} "
            "comme organisateur. Ils comptent les participants par type d'organisation, pas par "
            "bailleur : la participation de chaque bailleur aux réseaux et co-formations n'y est "
            "pas lisible."
        )
        return
    reporting.paragraph(
        f"{profile.unit.name} a organisé {len(own)} événement(s) du réseau sur la période "
        f"({', '.join(sorted({f'axe {int(a)}' for a in own['axe']}))}). Les participations sont "
        "comptées par type d'organisation, pas par bailleur."
    )
