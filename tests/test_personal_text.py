"""Personal details in free text: the patterns, masking, and the columns they apply to."""

from __future__ import annotations

import pandas as pd
import pytest

from qpv_analytics.contract import TABLES
from qpv_analytics.disclosure import personal_text
from qpv_analytics.disclosure.personal_text import (
    KIND_EMAIL,
    KIND_NAME,
    KIND_PHONE,
    find,
    mask,
    mask_frame,
)
from qpv_analytics.labels import MASKED_CONTACT, MASKED_NAME, PERSONAL_KIND_LABELS

pytestmark = pytest.mark.unit

FOUND = [
    # e-mail addresses
    ("jean.dupont@lens.fr", KIND_EMAIL, "jean.dupont@lens.fr"),
    ("écrire à c.martin+bp@ville-arras.gouv.fr.", KIND_EMAIL, "c.martin+bp@ville-arras.gouv.fr"),
    ("contact : j.dupont (at) lens (dot) fr", KIND_EMAIL, "j.dupont (at) lens (dot) fr"),
    ("jean.dupont[at]lens.fr", KIND_EMAIL, "jean.dupont[at]lens.fr"),
    # French phone numbers, national and international
    ("tél. 06 12 34 56 78", KIND_PHONE, "06 12 34 56 78"),
    ("06\u00a012\u00a034\u00a056\u00a078", KIND_PHONE, "06\u00a012\u00a034\u00a056\u00a078"),
    ("06.12.34.56.78", KIND_PHONE, "06.12.34.56.78"),
    ("06-12-34-56-78", KIND_PHONE, "06-12-34-56-78"),
    ("(0612345678)", KIND_PHONE, "0612345678"),
    ("standard : 03 21 00 00 00", KIND_PHONE, "03 21 00 00 00"),
    ("+33 6 12 34 56 78", KIND_PHONE, "+33 6 12 34 56 78"),
    ("+33 (0)6 12 34 56 78", KIND_PHONE, "+33 (0)6 12 34 56 78"),
    ("+33612345678", KIND_PHONE, "+33612345678"),
    ("0033 6 12 34 56 78", KIND_PHONE, "0033 6 12 34 56 78"),
    ("+32 470 12 34 56", KIND_PHONE, "+32 470 12 34 56"),
    # civility and name
    ("avec M. Jean Dupont, chargé de mission", KIND_NAME, "M. Jean Dupont"),
    ("Mme Dupont", KIND_NAME, "Mme Dupont"),
    ("Madame Claire Martin", KIND_NAME, "Madame Claire Martin"),
    ("Monsieur X", KIND_NAME, "Monsieur X"),
    ("MME DUPONT", KIND_NAME, "MME DUPONT"),
    ("M.Dupont", KIND_NAME, "M.Dupont"),
    ("Mlle Le Goff", KIND_NAME, "Mlle Le Goff"),
    ("M. J. Dupont", KIND_NAME, "M. J. Dupont"),
    ("Mme Jean-Pierre de La Fontaine", KIND_NAME, "Mme Jean-Pierre de La Fontaine"),
    ("suivi par Dr Martin", KIND_NAME, "Dr Martin"),
    ("M. le maire Jean Dupont", KIND_NAME, "M. le maire Jean Dupont"),
    ("MM. Durand et Petit", KIND_NAME, "MM. Durand et Petit"),
    ("à l'initiative de Mme Martin", KIND_NAME, "Mme Martin"),
]

NOT_FOUND = [
    "03/01/2025",
    "03.01.2025",
    "le 03.01.2025 10 h",
    "03-01-2025",
    "172 345,50 €",
    "172\u202f345,50 €",
    "1 234 567 890 €",
    "+12,3 %",
    "+1 234 567 €",
    "SIREN 200041960",
    "SIRET 20004196000012",
    "QN05901M",
    "QP059001",
    "2021 2022 2023 2024 2025",
    "59000 Lille",
    "départements 02, 59, 60, 62 et 80",
    "taux 107,0049155801937",
    "98,0041293874742",
    "0,0612345678",
    "sha256 a0612345678b",
    "0123456789abcdef",
    "logo@2x.png",
    "@media screen",
    "M. le maire",
    "M. le Maire de Lille",
    "Mme la Préfète",
    "Monsieur le Président",
    "Madame, Monsieur,",
    "rue du Docteur Roux",
    "lycée du Professeur Calmette",
    "12 M€",
    "Ville de Lens, Habitat Flandre Opale (fictif)",
    "[nom masqué], [coordonnées masquées]",
]


@pytest.mark.parametrize(("text", "kind", "value"), FOUND)
def test_personal_details_are_found(text: str, kind: str, value: str):
    assert [(m.kind, m.text) for m in find(text)] == [(kind, value)]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_dates_amounts_codes_and_offices_are_not_personal(text: str):
    assert find(text) == []


def test_mask_replaces_each_detail_with_its_placeholder():
    text = "Ville de Lens, M. Jean Dupont, jean.dupont@lens.fr, 06 12 34 56 78."
    assert mask(text) == f"Ville de Lens, {MASKED_NAME}, {MASKED_CONTACT}, {MASKED_CONTACT}."
    assert mask("Ville de Lens") == "Ville de Lens"
    assert mask(None) is None and mask("") == ""
    assert find(mask(text)) == []
    matches = find(text)
    assert [text[m.start : m.end] for m in matches] == [m.text for m in matches]


def test_overlapping_details_are_reported_once():
    """An e-mail address whose local part looks like a civility is one e-mail address."""
    assert [m.kind for m in find("m.dupont@lens.fr et M. Dupont")] == [KIND_EMAIL, KIND_NAME]
    assert personal_text.kinds("M. Dupont 06 12 34 56 78 m@x.fr") == [
        KIND_EMAIL,
        KIND_PHONE,
        KIND_NAME,
    ]
    assert set(PERSONAL_KIND_LABELS) == set(personal_text.KINDS)


def test_free_text_columns_come_from_the_contract():
    practices = TABLES["bonnes_pratiques"]
    assert personal_text.free_text_columns(practices) == [
        "titre",
        "territoire",
        "porteurs",
        "resume",
        "facteurs_cles_succes",
        "ecueils",
    ]
    # codes, lists, reference sets and identifiers are not free text
    assert not practices.column("id_pratique").free_text
    assert not TABLES["tfpb_actions"].column("bailleur").free_text
    assert not TABLES["ru_relogements"].column("id_menage").free_text
    assert personal_text.free_text_columns(TABLES["ru_relogements"]) == []
    # public reference tables (QPV names…) are published as they are
    assert TABLES["qpv"].column("nom_qpv").free_text
    assert personal_text.free_text_columns(TABLES["qpv"]) == []


def test_mask_frame_masks_free_text_only_and_keeps_dtypes():
    frame = pd.DataFrame(
        {
            "id_pratique": pd.array(["M. Dupont", "BP-2"], dtype="string"),
            "porteurs": pd.array(["Ville de Lens, Mme Claire Martin", pd.NA], dtype="string"),
            "resume": pd.array(["Contact : 06 12 34 56 78", "Rien."], dtype="string"),
            "annee": pd.array([2025, 2024], dtype="Int64"),
        }
    )
    masked = mask_frame(frame, TABLES["bonnes_pratiques"])
    assert masked["porteurs"].tolist()[0] == f"Ville de Lens, {MASKED_NAME}"
    assert masked["porteurs"].isna().tolist() == [False, True]
    assert masked["resume"].tolist() == [f"Contact : {MASKED_CONTACT}", "Rien."]
    assert masked["id_pratique"].tolist() == ["M. Dupont", "BP-2"]  # a code, not free text
    assert masked.dtypes.to_dict() == frame.dtypes.to_dict()
    assert frame["porteurs"].tolist()[0] == "Ville de Lens, Mme Claire Martin"  # a copy
