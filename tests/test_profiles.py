"""Profiles of an EPCI or a landlord: units, selection, tables and reading, on hand-made rows."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from qpv_analytics.config import Paths
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.indicators import RESULT_COLUMNS
from qpv_analytics.ingest.reference import qpv_reference
from qpv_analytics.params import load_params
from qpv_analytics.publish import publication
from qpv_analytics.quality.model import DataError
from qpv_analytics.report import profiles

REPO = Path(__file__).resolve().parents[1]


def _row(code, level, key, year, value, secret=False, statut="sans_cible", cible=None, unite="%"):
    from qpv_analytics.indicators import REGISTRY

    ind = REGISTRY[code]
    return {
        "indicateur": code,
        "libelle": ind.label,
        "axe": ind.axis,
        "niveau": level,
        "code": key,
        "nom": key,
        "annee": year,
        "valeur": value,
        "numerateur": None,
        "denominateur": None,
        "unite": unite,
        "cible": cible,
        "statut": statut,
        "secret": secret,
        "rapport": "test",
    }


@pytest.fixture
def profile() -> profiles.Profile:
    params = load_params(2025, Paths(REPO))
    rows = [
        # The 25 % rule binds each EPCI: 19,6 % is below it (weakness).
        _row(
            "attrib_part_hors_qpv_q1_pct",
            "epci",
            "E1",
            2025,
            19.6,
            statut="non_atteint",
            cible=25.0,
        ),
        _row(
            "attrib_part_hors_qpv_q1_pct",
            "epci",
            "E1",
            2024,
            21.0,
            statut="non_atteint",
            cible=25.0,
        ),
        _row(
            "attrib_part_hors_qpv_q1_pct",
            "region",
            "region",
            2025,
            26.8,
            statut="atteint",
            cible=25.0,
        ),
        # No target binds an EPCI here: 115 % against 100 % for the region is 15 % above.
        _row("tfpb_taux_valorisation_pct", "epci", "E1", 2025, 115.0, statut="contexte"),
        _row("tfpb_taux_valorisation_pct", "region", "region", 2025, 100.0, statut="contexte"),
        # The valuation target binds each landlord: judged on their rows.
        _row(
            "tfpb_taux_valorisation_pct",
            "bailleur",
            "B1",
            2025,
            120.0,
            statut="atteint",
            cible=100.0,
        ),
        # An amount never compares with the region's total.
        _row("tfpb_montant_valorise_eur", "epci", "E1", 2025, 700_000.0, unite="€"),
        _row("tfpb_montant_valorise_eur", "region", "region", 2025, 51_600_000.0, unite="€"),
        # A masked count of people.
        _row("ru_menages_reloges", "epci", "E1", 2025, None, secret=True, unite="ménages"),
        # Another EPCI: never shown in E1's profile.
        _row("tfpb_taux_valorisation_pct", "epci", "E2", 2025, 50.0, statut="contexte"),
    ]
    results = pd.DataFrame(rows, columns=[*RESULT_COLUMNS, "secret", "rapport"])
    rep = SimpleNamespace(annee=2025, params=params)
    unit = profiles.Unit("epci", "E1", "CA Test", "Nord")
    return profiles.Profile(rep=rep, unit=unit, results=results)


def test_units_are_grouped_and_named_files() -> None:
    qpv = qpv_reference("32", Paths(REPO))
    units = profiles.epci_units(qpv, DEPARTEMENTS)
    assert len(units) == 39
    assert {u.group for u in units} == {"Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"}
    mel = next(u for u in units if u.code == "200093201")
    assert (mel.file, mel.group) == ("epci-200093201.html", "Nord")
    registry = pd.DataFrame(
        {"bailleur": ["Logis de l'Opale (fictif)", "Habitat Sud"], "type_bailleur": ["ESH", "OPH"]}
    )
    landlords = profiles.landlord_units(registry)
    assert [u.group for u in landlords] == [
        "Entreprises sociales pour l'habitat",
        "Offices publics de l'habitat",
    ]
    assert landlords[0].file == "bailleur-logis-de-l-opale-fictif.html"
    assert profiles.slug("Société d'HLM « Cœur »") == "societe-d-hlm-cur"


def test_selection_refuses_an_unknown_unit_in_french() -> None:
    units = [profiles.Unit("epci", "200093201", "MEL", "Nord")]
    assert profiles.select_units(units, "tous", "EPCI", "epci") == units
    assert profiles.select_units(units, ("200093201",), "EPCI", "epci") == units
    with pytest.raises(
        DataError, match="Profil\\(s\\) inconnu\\(s\\) sous « profils: epci » : 123"
    ):
        profiles.select_units(units, ("123",), "EPCI", "epci")


def test_plan_profiles_follows_the_synthesis_and_the_parameters(tmp_path: Path) -> None:
    from tests.conftest import make_project

    paths = make_project(tmp_path / "p")
    params = load_params(2025, paths)
    qpv = qpv_reference("32", paths)
    registry = pd.DataFrame({"bailleur": ["B1", "B2"], "type_bailleur": ["OPH", "ESH"]})
    notebooks = publication.discover_reports(params, paths)
    planned = publication.plan_profiles(params, paths, qpv, registry, notebooks)
    assert sum(u.kind == "epci" for u in planned) == 39
    assert [u.code for u in planned if u.kind == "bailleur"] == ["B2", "B1"]  # by family
    without_synthesis = [nb for nb in notebooks if nb.stem != "synthese"]
    assert publication.plan_profiles(params, paths, qpv, registry, without_synthesis) == []
    chosen = params.model_copy(
        update={
            "profils": params.profils.model_copy(update={"epci": ("200071892",), "bailleurs": ()})
        }
    )
    planned = publication.plan_profiles(chosen, paths, qpv, registry, notebooks)
    assert [u.code for u in planned] == ["200071892"]


def test_axis_table_shows_the_units_years_region_target_and_status(profile) -> None:
    table = profiles.axis_table(profile, 3)
    assert list(table.columns) == [
        "Indicateur", "2023", "2024", "2025", "Région 2025", "Cible", "Statut",
    ]  # fmt: skip
    row = table.iloc[0]
    assert row["Indicateur"] == "Attributions hors QPV au 1er quartile"
    assert (row["2023"], row["2024"], row["2025"]) == ("–", "21,0\u00a0%", "19,6\u00a0%")
    assert (row["Région 2025"], row["Cible"], row["Statut"]) == (
        "26,8\u00a0%",
        "25,0\u00a0%",
        "Non atteint",
    )
    axis2 = profiles.axis_table(profile, 2)
    valuation = axis2[axis2["Indicateur"] == "Valorisation de l'abattement TFPB"].iloc[0]
    assert valuation["2025"] == "115,0\u00a0%"  # E1's, not E2's 50 %
    assert valuation["Statut"] == "–"  # the target binds landlords, not the EPCI
    masked = profiles.axis_table(profile, 1).iloc[0]
    assert masked["2025"] == "s"


def test_reading_applies_the_stated_rule(profile) -> None:
    strong, weak = profiles.reading(profile, profiles.axis_pairs(profile, 2))
    assert strong == ["Valorisation de l'abattement TFPB (115,0\u00a0% contre 100,0\u00a0% pour la "
                      "région)"]  # fmt: skip
    assert weak == []  # the amount is not compared
    strong, weak = profiles.reading(profile, profiles.axis_pairs(profile, 3))
    assert strong == [] and weak == [
        "Attributions hors QPV au 1er quartile (19,6\u00a0%, cible 25,0\u00a0%)"
    ]


def test_obligations_list_the_targets_judged_for_the_kind(profile) -> None:
    table = profiles.obligations_table(profile)
    # Only the 25 % rule has rows of its own at the EPCI level in this table; the TFPB
    # valuation binds landlords: its EPCI rows are context.
    assert table["Obligation ou cible"].tolist() == ["Attributions hors QPV au 1er quartile"]
    rule = table.iloc[0]
    assert (rule["Valeur 2025"], rule["Statut"]) == ("19,6\u00a0%", "Non atteint")


def test_missing_axis_gives_one_sentence(profile) -> None:
    assert profiles.axis_table(profile, 4).empty
    sentence = profiles.missing_sentence(profile, 4)
    assert sentence.startswith("Aucune donnée ne concerne CA Test pour l'axe 4")
