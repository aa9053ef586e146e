"""Loaders read French-locale partner files into typed tables, never touching the raw file."""

import hashlib

import pandas as pd
import pytest

from qpv_analytics.config import Paths
from qpv_analytics.contract import TABLES
from qpv_analytics.ingest import loaders, readers
from qpv_analytics.quality.model import DataError

pytestmark = pytest.mark.unit

TFPB = TABLES["tfpb_abattement"]


def _write(path, text, encoding="utf-8-sig"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_cp1252_semicolon_decimal_comma_and_thousands(tmp_path):
    path = _write(
        tmp_path / "tfpb.csv",
        "Année;Bailleur;Code QPV;Logements concernés;Montant abattement (€)\n"
        "2025;Habitat Évolution;QN05901M;1\u00a0200;172\u00a0345,50\n"
        "2025;Habitat Évolution;qn05902m;300;51 600\n",
    )
    frame, issues = loaders.read_partner_file(path, TFPB)
    assert not [i for i in issues if i.blocking]
    assert frame["logements_concernes"].tolist() == [1200, 300]
    assert frame["montant_abattement_eur"].tolist() == [172345.5, 51600.0]
    assert frame["code_qpv"].tolist() == ["QN05901M", "QN05902M"]
    assert frame["_ligne"].tolist() == [2, 3]


def test_cp1252_is_read_with_a_warning(tmp_path):
    path = _write(
        tmp_path / "t.csv",
        "annee;bailleur;code_qpv;logements_concernes;montant_abattement_eur\n"
        "2025;Société Régionale;QN05901M;10;1720,5\n",
        encoding="cp1252",
    )
    frame, issues = loaders.read_partner_file(path, TFPB)
    assert frame["bailleur"].iloc[0] == "Société Régionale"
    assert any("cp1252" in i.message for i in issues)


def test_text_in_numeric_column_is_blocking_with_file_column_line(tmp_path):
    path = _write(
        tmp_path / "t.csv",
        "annee;bailleur;code_qpv;logements_concernes;montant_abattement_eur\n"
        "2025;A;QN05901M;10;1720\n2025;A;QN05902M;dix;1720\n",
    )
    _, issues = loaders.read_partner_file(path, TFPB)
    bad = [i for i in issues if i.blocking]
    assert len(bad) == 1
    text = bad[0].text()
    assert "t.csv" in text and "logements_concernes" in text and "ligne 3" in text
    assert "'dix'" in text


def test_totals_row_and_duplicates_dropped_with_warning(tmp_path):
    path = _write(
        tmp_path / "t.csv",
        "annee;bailleur;code_qpv;logements_concernes;montant_abattement_eur\n"
        "2025;A;QN05901M;10;100\n2025;A;QN05901M;10;100\nTotal;;;20;200\n",
    )
    frame, issues = loaders.read_partner_file(path, TFPB)
    assert len(frame) == 1
    assert {"ligne 3", "ligne 4"} <= {i.where().split(", ")[-1] for i in issues}


def test_missing_required_column_is_refused(tmp_path):
    path = _write(tmp_path / "t.csv", "annee;bailleur;code_qpv\n2025;A;QN05901M\n")
    with pytest.raises(DataError, match="logements_concernes"):
        loaders.read_partner_file(path, TFPB)


def test_codes_get_their_leading_zeros_back(tmp_path):
    table = TABLES["gusp"]
    path = _write(
        tmp_path / "g.csv",
        "annee;code_qpv;siren_epci;convention_gusp_signee;diagnostics_en_marchant;"
        "comites_pilotage\n2025;QN00201M;20071892;oui;2;1\n",
    )
    frame, issues = loaders.read_partner_file(path, table)
    assert frame["siren_epci"].iloc[0] == "020071892"
    assert frame["convention_gusp_signee"].iloc[0] is True or bool(
        frame["convention_gusp_signee"].iloc[0]
    )
    assert any("zéros" in i.message for i in issues)


def test_excel_workbook_and_raw_file_untouched(tmp_path):
    raw = tmp_path / "data" / "raw" / "tfpb_abattement"
    raw.mkdir(parents=True)
    path = raw / "bailleur_a.xlsx"
    pd.DataFrame(
        {
            "annee": [2025],
            "bailleur": ["A"],
            "code_qpv": ["QN05901M"],
            "logements_concernes": [10],
            "montant_abattement_eur": [1720.5],
        }
    ).to_excel(path, sheet_name="tfpb_abattement", index=False)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = loaders.load_table("tfpb_abattement", Paths(tmp_path))
    assert result.data["montant_abattement_eur"].tolist() == [1720.5]
    assert result.data["_feuille"].tolist() == ["tfpb_abattement"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_landlord_variants_are_harmonised(tmp_path):
    raw = tmp_path / "data" / "raw"
    _write(
        raw / "bailleurs.csv",
        "bailleur;type_bailleur;variantes_nom\n"
        "Habitat des Beffrois (fictif);OPH;HABITAT DES BEFFROIS|Hab. Beffrois\n",
    )
    _write(
        raw / "tfpb_abattement.csv",
        "annee;bailleur;code_qpv;logements_concernes;montant_abattement_eur\n"
        "2025;hab. beffrois;QN05901M;10;100\n",
    )
    results = loaders.load_raw(Paths(tmp_path))
    assert results["tfpb_abattement"].data["bailleur"].tolist() == ["Habitat des Beffrois (fictif)"]


def test_no_file_gives_empty_typed_table(tmp_path):
    result = loaders.load_table("gusp", Paths(tmp_path))
    assert result.data.empty and result.files == []
    assert str(result.data["annee"].dtype) == "Int64"


def test_spelling_shared_by_two_landlords_is_refused(tmp_path):
    raw = tmp_path / "data" / "raw"
    _write(
        raw / "bailleurs.csv",
        "bailleur;type_bailleur;variantes_nom\nAlpha Habitat;OPH;AH\nBeta Logis;ESH;ah\n",
    )
    results = loaders.load_raw(Paths(tmp_path))
    blocking = [i for i in results["bailleurs"].issues if i.blocking]
    assert len(blocking) == 1 and "Alpha Habitat, Beta Logis" in blocking[0].message
    assert blocking[0].rows == [2, 3]


def test_harmonisation_warning_names_each_file_with_its_lines(tmp_path):
    raw = tmp_path / "data" / "raw"
    _write(
        raw / "bailleurs.csv",
        "bailleur;type_bailleur;variantes_nom\nAlpha Habitat;OPH;Alpha Hab.\n",
    )
    header = "annee;bailleur;code_qpv;logements_concernes;montant_abattement_eur\n"
    _write(
        raw / "tfpb_abattement" / "nb_2024.csv",
        header + "2024;Alpha Habitat;QN05901M;1;1\n2024;Alpha Hab.;QN05902M;1;1\n",
    )
    _write(raw / "tfpb_abattement" / "nb_2025.csv", header + "2025;Alpha Hab.;QN05901M;1;1\n")
    issues = loaders.load_raw(Paths(tmp_path))["tfpb_abattement"].issues
    where = sorted((i.file, i.rows) for i in issues if "harmonisés" in i.message)
    assert where == [("nb_2024.csv", [3]), ("nb_2025.csv", [2])]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,5", 1234.5),
        ("1\u202f234,5", 1234.5),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1234.5", 1234.5),
        ("12,3 %", 12.3),
        ("51 600 €", 51600.0),
        ("-5", -5.0),
        ("s", None),
        ("n.d.", None),
        ("  ", None),
    ],
)
def test_one_number_parser_for_french_and_english_writing(text, expected):
    assert readers.parse_number(text) == expected


@pytest.mark.parametrize("text", ["12 abc", "1e5", "inf", "1.234.567"])
def test_number_parser_refuses_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        readers.parse_number(text)


def test_secrecy_markers_are_numbers_only_where_the_caller_allows_them():
    values, invalid = readers.parse_numbers(pd.Series(["s", "12,5", None, "x"], dtype="string"))
    assert values.isna().tolist() == [True, False, True, True] and values[1] == 12.5
    assert invalid.tolist() == [False, False, False, True]
    _, strict = readers.parse_numbers(pd.Series(["s"], dtype="string"), blanks=frozenset())
    assert strict.tolist() == [True]  # partner tables: "s" is not a number


def test_decoding_and_separators():
    assert readers.decode("é;1".encode("utf-8-sig")) == ("é;1", "utf-8-sig")
    assert readers.decode("é;1".encode("cp1252")) == ("é;1", "cp1252")
    assert readers.decode(b"\x81\x8d") is None  # neither UTF-8 nor Windows-1252
    assert readers.separators("a,b,c\n1,2,3\n")[0] == ","
    assert readers.separators("a;b;c\n1;2;3\n") == (";", "\t", ",", "|")


def test_headers_fold_to_snake_case_ascii():
    assert readers.normalise_label("\ufeffMontant abattement (€)") == "montant_abattement_eur"
    assert readers.normalise_label("taux_pauvrete_60%") == "taux_pauvrete_60_pct"
