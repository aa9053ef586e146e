"""State posts (adultes-relais, FONJEP) from the real ANCT files, checked by hand."""

import json

import pandas as pd
import pytest

from qpv_analytics.indicators import ressources
from qpv_analytics.ingest import reference

pytestmark = pytest.mark.unit


def _write(folder, name, rows):
    (folder / name).write_text(json.dumps(rows), encoding="utf-8")


def test_posts_and_amounts_by_department(project):
    ref = project.reference
    rows = [
        {
            "id_poste": "A1",
            "raison_sociale": "ASSO MEDIATION",
            "montant": 20000.5,
            "annee": 2024,
            "code_cv": "CN05901M",
            "insee_dep": "59",
            "insee_reg": "32",
        },
        {
            "id_poste": "A2",
            "raison_sociale": "PARTENORD HABITAT",
            "montant": 19999.5,
            "annee": 2024,
            "code_cv": "CN05901M",
            "insee_dep": "59",
            "insee_reg": "32",
        },
        {
            "id_poste": "A3",
            "raison_sociale": "CENTRE SOCIAL",
            "montant": 10000,
            "annee": 2024,
            "code_cv": "CN00201M",
            "insee_dep": "2",
            "insee_reg": "32",
        },
        {
            "id_poste": "A4",
            "raison_sociale": "AUTRE REGION",
            "montant": 5,
            "annee": 2024,
            "code_cv": "CN01101M",
            "insee_dep": "11",
            "insee_reg": "76",
        },
    ]
    _write(ref, "adulte-relais-2024.json", rows)
    for name in (
        "adulte-relais-2023.json",
        "adulte-relais-2025.json",
        "postes-fonjep-2023.json",
        "postes-fonjep-2024.json",
        "postes-fonjep-2025.json",
    ):
        (ref / name).unlink()
    posts = reference.state_posts("32", [2023, 2024, 2025], project)
    assert len(posts) == 3  # the post of region 76 is left out
    assert posts["employeur_bailleur"].tolist() == [False, True, False]
    summary = ressources.posts_summary(posts)
    assert summary.to_dict("records") == [
        {
            "dispositif": "adultes_relais",
            "annee": 2024,
            "postes": 3,
            "montant_eur": 50000.0,
            "employeurs": 3,
            "bailleurs": 1,
        }
    ]
    res = ressources.posts_indicators(posts)
    by = res.set_index(["indicateur", "niveau", "code"])["valeur"]
    assert by[("etat_postes_adultes_relais", "region", "region")] == 3
    assert by[("etat_postes_adultes_relais", "departement", "59")] == 2
    assert by[("etat_montant_adultes_relais_eur", "departement", "59")] == 40000.0
    assert by[("etat_montant_adultes_relais_eur", "departement", "02")] == 10000.0


def test_no_file_gives_empty_tables(project):
    posts = reference.state_posts("32", [2019], project)
    assert posts.empty
    assert ressources.posts_summary(posts).empty
    assert ressources.posts_indicators(posts).empty


def test_real_files_hauts_de_france(project):
    posts = reference.state_posts("32", [2023, 2024, 2025], project)
    summary = ressources.posts_summary(posts).set_index(["dispositif", "annee"])
    assert summary.loc[("adultes_relais", 2024), "postes"] == 648
    assert summary.loc[("fonjep", 2025), "postes"] == 366
    assert pd.api.types.is_float_dtype(posts["montant_eur"])


def test_posts_are_counted_per_epci_of_their_contrat_de_ville() -> None:
    """2024 contracts give their EPCI; a commune's contract its commune's EPCI; none is guessed."""
    from pathlib import Path

    from qpv_analytics.config import Paths

    repo = Paths(Path(__file__).resolve().parents[1])
    mapping = reference.contract_epci(repo)
    contracts = json.loads((repo.reference / reference.CONTRATS_FILE).read_text("utf-8"))
    caudry = next(f for f in contracts["features"] if f["properties"]["codgeo"] == "59139")
    # Caudry (59139) signs its own contract: its EPCI is the CA du Caudrésis et du Catésis.
    assert mapping[caudry["properties"]["code_cv"]] == "200030633"
    mel = next(f for f in contracts["features"] if f["properties"]["codgeo"] == "200093201")
    assert mapping[mel["properties"]["code_cv"]] == "200093201"
    posts = reference.state_posts("32", [2025], repo)
    qpv_epci = set(reference.qpv_reference("32", repo)["siren_epci"])
    assert set(posts["siren_epci"].dropna()) <= qpv_epci
    mel_posts = posts[(posts["siren_epci"] == "200093201") & (posts["dispositif"] == "fonjep")]
    result = ressources.posts_indicators(posts)
    row = result[
        (result["indicateur"] == "etat_postes_fonjep")
        & (result["niveau"] == "epci")
        & (result["code"] == "200093201")
    ]
    assert row["valeur"].iloc[0] == len(mel_posts) > 0
