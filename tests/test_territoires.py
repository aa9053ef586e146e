"""QPV against their englobing territories, checked by hand against the shipped INSEE files.

Two QPV of the demo region: QN05918M spans four communes (Hautmont, Louvroil, Maubeuge and
Neuf-Mesnil, whose poverty rate is secret), QN05971M lies in Lille, in the Métropole
européenne de Lille whose SIREN changed in 2020 (245900410 in the 2019 composition,
200093201 in the QPV list). Every expected value below is computed in the test from the CSV
files with the standard library only, not with the project's readers.
"""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics.config import Paths
from qpv_analytics.indicators import context_stats
from qpv_analytics.indicators import territoires as ter
from qpv_analytics.ingest import territory_sources
from qpv_analytics.ingest.context import import_context
from qpv_analytics.ingest.reference import epci_names, qpv_reference
from qpv_analytics.report import maps

REPO = Path(__file__).resolve().parents[1]
INSEE = REPO / "data" / "reference" / "insee"
MULTI, LILLE = "QN05918M", "QN05971M"
MULTI_COMMUNES = ("59291", "59365", "59392", "59424")
MAUBEUGE_EPCI, MEL = "200043396", "200093201"


def _rows(name: str, sep: str) -> list[dict[str, str]]:
    with (INSEE / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=sep))


def _num(text: str) -> float:
    return float(text.replace(",", "."))


@pytest.fixture(scope="module")
def hand() -> dict:
    """The figures of the two QPV, computed by hand from the files."""
    comparateur = {r["CODGEO"]: r for r in _rows("comparateur-2022-communes-hdf.csv", ";")}
    communes21 = {r["codgeo"]: r for r in _rows("filosofi-2021-communes-hdf.csv", ",")}
    epci21 = {r["codgeo"]: r for r in _rows("filosofi-2021-epci-hdf.csv", ",")}
    composition = _rows("epci-composition-2020-hdf.csv", ";")
    pauvres = {r["CODGEO"]: r for r in _rows("filosofi-2020-disp-pauvres-dep-hdf.csv", ";")}
    disp20 = {r["CODGEO"]: r for r in _rows("filosofi-2020-disp-dep-hdf.csv", ";")}

    def employment(codes) -> float:
        act = sum(_num(comparateur[c]["P18_ACT1564"]) for c in codes)
        cho = sum(_num(comparateur[c]["P18_CHOM1564"]) for c in codes)
        pop = sum(_num(comparateur[c]["P18_POP1564"]) for c in codes)
        return (act - cho) / pop * 100

    # Poverty of the four communes together: only the three with a rate count.
    known = [c for c in MULTI_COMMUNES if communes21[c]["taux_pauvrete"]]
    poor = sum(
        _num(communes21[c]["taux_pauvrete"]) / 100 * _num(communes21[c]["nb_personnes"])
        for c in known
    )
    persons = sum(_num(communes21[c]["nb_personnes"]) for c in known)
    maubeuge_communes = [r["CODGEO"] for r in composition if r["EPCI"] == MAUBEUGE_EPCI]
    mel_communes = [r["CODGEO"] for r in composition if r["EPCI"] in ("245900410", "245901061")]
    region = sum(_num(pauvres[d]["TP6020"]) * _num(disp20[d]["NBPERS20"]) for d in pauvres) / sum(
        _num(disp20[d]["NBPERS20"]) for d in pauvres
    )
    return {
        "known": known,
        "multi_poverty_communes": poor / persons * 100,
        "multi_employment_communes": employment(MULTI_COMMUNES),
        "maubeuge_poverty": _num(communes21["59392"]["taux_pauvrete"]),
        "neuf_mesnil_poverty": communes21["59424"]["taux_pauvrete"],
        "epci_poverty": _num(epci21[MAUBEUGE_EPCI]["taux_pauvrete"]),
        "epci_employment": employment(maubeuge_communes),
        "nord_poverty": _num(pauvres["59"]["TP6020"]),
        "region_poverty": region,
        "region_employment": employment(list(comparateur)),
        "lille_poverty": _num(communes21["59350"]["taux_pauvrete"]),
        "lille_employment": employment(["59350"]),
        "mel_poverty": _num(epci21[MEL]["taux_pauvrete"]),
        "mel_employment": employment(mel_communes),
        "mel_communes": len(mel_communes),
        "region_median": _num(
            next(r for r in _rows("filosofi-2019-disp-reg.csv", ";") if r["CODGEO"] == "32")["Q219"]
        ),
    }


@pytest.fixture(scope="module")
def compared() -> tuple[ter.TerritoryValues, pd.DataFrame, pd.DataFrame]:
    paths = Paths(REPO)
    qpv = qpv_reference("32", paths)
    data, _, _ = territory_sources.load_territories("32", set(qpv["siren_epci"]), paths)
    composition = territory_sources.read_composition(paths)
    values = ter.territory_values(data, composition, None, epci_names(paths))
    imp = import_context(paths.default_context, "tiers_2024", region="32")
    quartiers = context_stats.context_by_qpv(imp.data, qpv)
    comparison = ter.qpv_against_territories(
        values, quartiers, qpv, {"taux_pauvrete_60_pct": 2024, "taux_emploi_15_64_pct": 2024}
    )
    return values, comparison, quartiers


def _row(comparison: pd.DataFrame, qpv: str, code: str, level: str, territory: str | None = None):
    sel = comparison[
        (comparison["code_qpv"] == qpv)
        & (comparison["indicateur"] == code)
        & (comparison["niveau"] == level)
    ]
    if territory is not None:
        sel = sel[sel["code_territoire"] == territory]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def _qpv_value(qpv: str, column: str) -> float:
    with (REPO / "data" / "reference" / "qpv2024-indicateurs.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["codeQPV"] == qpv)
    return float(row[column])


POV, EMP = "ter_taux_pauvrete_60_pct", "ter_taux_emploi_15_64_pct"


def test_qpv_over_four_communes_against_each_territory(hand, compared) -> None:
    _, comparison, _ = compared
    own = _qpv_value(MULTI, "taux_pauvrete_60%")
    assert hand["neuf_mesnil_poverty"] == ""  # secret in the file: stays missing
    neuf = _row(comparison, MULTI, POV, "commune", "59424")
    assert pd.isna(neuf["valeur_territoire"]) and pd.isna(neuf["ecart"])
    assert neuf["nom_territoire"] == "Neuf-Mesnil"
    maubeuge = _row(comparison, MULTI, POV, "commune", "59392")
    assert maubeuge["valeur_territoire"] == pytest.approx(hand["maubeuge_poverty"])
    assert maubeuge["ecart"] == pytest.approx(own - hand["maubeuge_poverty"])
    together = _row(comparison, MULTI, POV, ter.AGGREGATE_LEVEL)
    assert len(hand["known"]) == 3
    assert together["valeur_territoire"] == pytest.approx(hand["multi_poverty_communes"])
    assert together["nom_territoire"] == "3 commune(s) sur 4 renseignée(s)"
    assert together["ecart"] == pytest.approx(own - hand["multi_poverty_communes"])
    epci = _row(comparison, MULTI, POV, "epci")
    assert (epci["code_territoire"], epci["millesime_territoire"]) == (MAUBEUGE_EPCI, 2021)
    assert epci["valeur_territoire"] == pytest.approx(hand["epci_poverty"])
    nord = _row(comparison, MULTI, POV, "departement")
    assert nord["valeur_territoire"] == pytest.approx(hand["nord_poverty"])
    assert nord["millesime_territoire"] == 2020
    region = _row(comparison, MULTI, POV, "region")
    assert region["valeur_territoire"] == pytest.approx(hand["region_poverty"])
    assert round(hand["region_poverty"], 1) == 17.2
    assert region["derive"] and "dérivé des 5 départements" in region["source_territoire"]
    assert region["ecart"] == pytest.approx(own - hand["region_poverty"])
    # Employment: census counts add up, so every commune counts in the aggregate.
    own_emp = _qpv_value(MULTI, "taux_d_emploi")
    emp = _row(comparison, MULTI, EMP, ter.AGGREGATE_LEVEL)
    assert emp["valeur_territoire"] == pytest.approx(hand["multi_employment_communes"])
    assert emp["ecart"] == pytest.approx(own_emp - hand["multi_employment_communes"])
    epci_emp = _row(comparison, MULTI, EMP, "epci")
    assert epci_emp["valeur_territoire"] == pytest.approx(hand["epci_employment"])
    assert epci_emp["millesime_territoire"] == 2018 and epci_emp["derive"]
    reg_emp = _row(comparison, MULTI, EMP, "region")
    assert reg_emp["valeur_territoire"] == pytest.approx(hand["region_employment"])


def test_lille_qpv_uses_the_explicit_epci_correspondence(hand, compared) -> None:
    values, comparison, _ = compared
    own = _qpv_value(LILLE, "taux_pauvrete_60%")
    lille = _row(comparison, LILLE, POV, "commune", "59350")
    assert lille["valeur_territoire"] == pytest.approx(hand["lille_poverty"])
    assert lille["ecart"] == pytest.approx(own - hand["lille_poverty"])
    assert comparison[
        (comparison["code_qpv"] == LILLE) & (comparison["niveau"] == ter.AGGREGATE_LEVEL)
    ].empty  # one commune: no aggregate
    mel = _row(comparison, LILLE, POV, "epci")
    assert mel["code_territoire"] == MEL
    assert mel["valeur_territoire"] == pytest.approx(hand["mel_poverty"]) == pytest.approx(19.7)
    # Census counts of the 2019 MEL and CC de la Haute-Deûle communes, added up under 200093201.
    mel_emp = _row(comparison, LILLE, EMP, "epci")
    assert mel_emp["valeur_territoire"] == pytest.approx(hand["mel_employment"])
    assert hand["mel_communes"] == 95
    assert _row(comparison, LILLE, EMP, "commune")["valeur_territoire"] == pytest.approx(
        hand["lille_employment"]
    )
    assert round(hand["lille_employment"], 1) == 54.5
    # No value is ever filed under a 2019 code that no longer exists.
    assert not values.tidy["code"].isin(["245900410", "245901061"]).any()
    assert values.value("ter_revenu_median_uc_eur", "region", "region") == hand["region_median"]


def test_vintages_and_derivations_are_recorded(compared) -> None:
    values, _, _ = compared
    prov = values.provenance.merge(values.tidy, on=["indicateur", "niveau", "code"])
    sources = prov.groupby(["indicateur", "niveau"])["annee"].agg(lambda s: sorted(set(s)))
    assert sources[(POV, "commune")] == [2021]
    assert sources[(POV, "departement")] == [2020]
    assert sources[("ter_revenu_median_uc_eur", "region")] == [2019]  # never derived
    derived = prov.groupby(["indicateur", "niveau"])["derive"].all()
    assert derived[(EMP, "epci")] and derived[(EMP, "region")] and not derived[(EMP, "commune")]
    assert not derived[(POV, "epci")] and derived[(POV, "region")]


def test_secret_markers_and_blanks_stay_missing(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    paths.insee.mkdir(parents=True)
    source = territory_sources.SOURCES["filosofi_2020_pauvrete_departements"]
    (paths.insee / source.file).write_text("CODGEO;TP6020\n02;18,0\n59;s\n60;\n", encoding="utf-8")
    frame, blanks = territory_sources.read_source(source, paths)
    assert frame["taux_pauvrete_60_pct"].tolist()[0] == 18.0
    assert frame["taux_pauvrete_60_pct"].isna().tolist() == [False, True, True]
    assert blanks == {"TP6020": 2}


def test_a_region_without_insee_files_names_what_is_missing(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    (tmp_path / "data" / "reference").mkdir(parents=True)
    data, files, issues = territory_sources.load_territories("76", set(), paths)
    assert data.empty and files == []
    assert len(issues) == len(territory_sources.SOURCES)
    assert all("absente" in i.message and "data/reference/insee/" in i.message for i in issues)
    values = ter.territory_values(data, territory_sources.read_composition(paths))
    assert values.empty


def test_class_labels_are_french() -> None:
    assert maps.class_labels((30, 40, 50), "%") == [
        "moins de 30\u00a0%", "30\u00a0% à 40\u00a0%", "40\u00a0% à 50\u00a0%", "50\u00a0% et plus",
    ]  # fmt: skip
    assert maps.class_labels((0, 10), "points")[0] == "moins de 0 pts"
    assert [maps.classify(v, (30, 40)) for v in (None, 29.9, 30, 45)] == [None, 0, 1, 2]


def test_maps_are_small_embedded_images_with_alt_text(compared) -> None:
    _, _, quartiers = compared
    paths = Paths(REPO)
    qpv = qpv_reference("32", paths)
    layers = maps.load_layers(
        "32", dict(zip(qpv["code_qpv"], qpv["siren_epci"], strict=True)), paths
    )
    assert len(layers.departments) == 5 and len(layers.qpv) == 204
    assert set(qpv["siren_epci"]) <= set(layers.epci_points)  # a point for each of the 39 EPCI
    values = dict(zip(quartiers["code_qpv"], quartiers["taux_pauvrete_60_pct"], strict=True))
    fig, counts = maps.qpv_map(layers, values, (30, 40, 50), "%", "t", "l", "Sources : test")
    assert sum(counts.values()) == 204 and counts["non renseigné"] == 7
    markup = maps.figure_html(fig, alt="Carte des QPV")
    match = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="Carte des QPV"', markup)
    assert match
    png = base64.b64decode(match.group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < maps.MAX_BYTES
    sirens = sorted(set(qpv["siren_epci"]))
    fig, counts, unplaced = maps.epci_status_map(
        layers, {s: "atteint" for s in sirens}, "t", "l", "s"
    )
    assert counts == {"atteint": 39} and unplaced == []
    maps.figure_html(fig, alt="x")
    codes = qpv.loc[qpv["siren_epci"] == MAUBEUGE_EPCI, "code_qpv"].unique()
    fig, numbers = maps.locator_map(layers, list(codes), "t", "s")
    assert sorted(numbers.values()) == list(range(1, len(codes) + 1))
    maps.figure_html(fig, alt="x")


def test_maps_without_department_contours_still_draw_the_qpv(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "data" / "reference").mkdir(parents=True)
    for name in (maps.QPV_FILE, maps.CONTRATS_FILE):
        (root / "data" / "reference" / name).write_bytes(
            (REPO / "data" / "reference" / name).read_bytes()
        )
    paths = Paths(root)
    qpv = qpv_reference("76", Paths(REPO))
    layers = maps.load_layers(
        "76", dict(zip(qpv["code_qpv"], qpv["siren_epci"], strict=True)), paths
    )
    assert not layers.has_background and len(layers.qpv) == qpv["code_qpv"].nunique() > 0
    fig, counts = maps.qpv_map(layers, {}, (30, 40, 50), "%", "t", "l", "s")
    assert counts["non renseigné"] == len(layers.qpv)
    assert "base64," in maps.figure_html(fig, alt="x")
