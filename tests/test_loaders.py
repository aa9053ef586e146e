"""Loaders read French-locale partner files into typed tables, never touching the raw file."""

import datetime as dt
import hashlib

import numpy as np
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


@pytest.mark.parametrize("blanks", [readers.SECRET_MARKERS, frozenset(), frozenset({"0", "1,5"})])
def test_column_parser_gives_each_cell_the_value_of_the_cell_parser(blanks):
    # Plain numbers take a vectorised way: every cell must still read what parse_number reads,
    # bit for bit (the sign of zero too), and be refused where parse_number refuses it.
    cells = [
        "1 234,5",
        "1.234,5",
        "1,234.5",
        "-0",
        "+0",
        "-0,0",
        "0",
        "00012",
        "1e3",
        "1E3",
        "0.1",
        "0,1",
        "0.30000000000000004",
        "2.675",
        "-12,50",
        "+7",
        "1,5",
        "1,2,3",
        "1.2.3",
        ".5",
        "5.",
        ",5",
        "+-1",
        "--1",
        "1" * 308,
        "9" * 309,
        "1" * 400 + ",5",
        "1" * 30 + ".5",
        "",
        " ",
        "s",
        "S",
        "N.D.",
        "nc",
        "-",
        "x",
        "12 abc",
        "inf",
        "nan",
        "12 %",
        "51 600 €",
        "12\u00a0000",
        "  7 ",
        "\u0663",
        "\uff11",
        "1_000",
        None,
    ]
    series = pd.Series(cells, dtype="string")
    values, invalid = readers.parse_numbers(series, blanks=blanks)
    for i, cell in enumerate(cells):
        try:
            expected = None if cell is None else readers.parse_number(cell, blanks)
        except ValueError:
            assert invalid[i] and pd.isna(values[i]), cell
            continue
        assert not invalid[i], cell
        if expected is None:
            assert pd.isna(values[i]), cell
        else:
            assert float(values[i]).hex() == expected.hex(), cell


def test_every_space_the_number_and_text_cleaning_replaces_is_looked_for():
    # The loaders skip the space replacement where no cell holds one of these characters.
    replaced = {c for c in map(chr, range(0x110000)) if readers.SPACES.fullmatch(c)}
    assert replaced == set(loaders._SPACE_CHARS)


def test_text_and_code_cells_are_cleaned_and_total_rows_found_anywhere(tmp_path):
    table = TABLES["gusp"]
    path = _write(
        tmp_path / "g.csv",
        "annee;code_qpv;siren_epci;convention_gusp_signee;diagnostics_en_marchant;"
        "comites_pilotage\n2025;QN00201M;20071892.0;oui;2;1\n"
        ";Sous-total;;;2;1\n;;;TOTAL général;2;1\n2025;qn00202m;200071892;non;2;1\n"
        "2025;qn00202m; 200071892;non;2;1\n2025;QN00203M;200071893;oui;2;1\n",
    )
    frame, issues = loaders.read_partner_file(path, table)
    assert frame["siren_epci"].tolist() == ["020071892", "200071892", "200071892", "200071893"]
    assert frame["code_qpv"].tolist() == ["QN00201M", "QN00202M", "QN00202M", "QN00203M"]
    total = [i for i in issues if "total" in i.message]
    assert len(total) == 1 and total[0].rows == [3, 4]
    assert not [i for i in issues if "double" in i.message]  # a space apart: not the same row


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r", "\u2028"])
def test_the_separator_is_sniffed_on_the_first_lines_only(end):
    for width in (1, 200, 4095):
        text = end.join(["a;b"] + ["x" * width + ";1"] * 30)
        assert readers._first_lines(text, 20) == text.splitlines()[:20]
        assert readers._first_lines(text[:50], 20) == text[:50].splitlines()[:20]


def test_decoding_and_separators():
    assert readers.decode("é;1".encode("utf-8-sig")) == ("é;1", "utf-8-sig")
    assert readers.decode("é;1".encode("cp1252")) == ("é;1", "cp1252")
    assert readers.decode(b"\x81\x8d") is None  # neither UTF-8 nor Windows-1252
    assert readers.separators("a,b,c\n1,2,3\n")[0] == ","
    assert readers.separators("a;b;c\n1;2;3\n") == (";", "\t", ",", "|")


def test_headers_fold_to_snake_case_ascii():
    assert readers.normalise_label("\ufeffMontant abattement (€)") == "montant_abattement_eur"
    assert readers.normalise_label("taux_pauvrete_60%") == "taux_pauvrete_60_pct"


# ------------------------------------------------------------- files as sent (issue 15)

EVENTS = TABLES["evenements"]
GUSP = TABLES["gusp"]
TFPB_HEADER = "annee;bailleur;code_qpv;logements_concernes;montant_abattement_eur\n"


def test_utf16_with_or_without_byte_order_mark_is_text():
    text = "annee\tbailleur\r\n2025\tCités Picardes\r\n"
    assert readers.decode(b"\xff\xfe" + text.encode("utf-16-le")) == (text, "utf-16")
    assert readers.decode(b"\xfe\xff" + text.encode("utf-16-be")) == (text, "utf-16")
    assert readers.decode(text.encode("utf-16-le")) == (text, "utf-16-le")
    assert readers.decode(text.encode("utf-16-be")) == (text, "utf-16-be")
    assert readers.decode(b"%PDF-1.4\n\x00\x01\x02binary") is None  # zero bytes: not text


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (dt.datetime(2025, 1, 3), "03/01/2025"),
        (dt.datetime(2025, 1, 3, 14, 30), "03/01/2025 14:30:00"),
        (dt.date(2025, 1, 3), "03/01/2025"),
        (dt.time(3, 30), "03:30:00"),
        (200071892.0, "200071892"),
        (200071892, "200071892"),
        (1720.5, "1720.5"),
        (0.00001, "0.00001"),
        (1e20, "100000000000000000000"),
        (True, "oui"),
        (False, "non"),
        (None, ""),
        ("", ""),
        (" texte ", " texte "),
        (float("nan"), ""),
    ],
)
def test_workbook_cells_are_written_as_a_partner_would_type_them(cell, text):
    assert readers.cell_text(cell) == text


def test_every_written_number_is_read_back_by_the_number_parser():
    for value in (0.00001, 1720.5, 1e20, 123456789.123, -0.5):
        assert readers.parse_number(readers.cell_text(value)) == value


def test_dates_with_a_time_of_day_keep_the_day(tmp_path):
    header = ";".join(EVENTS.column_names) + "\n"
    rest = ";2;reseau;Réunion;IREV;region;3;12;8;2;3;0;1;14\n"
    path = _write(
        tmp_path / "e.csv",
        header
        + "EV-1;2025;2025-01-03 00:00:00"
        + rest
        + "EV-2;2025;14/03/2025 14:30"
        + rest
        + "EV-3;2025;2025-06-05T09:00:00"
        + rest,
    )
    frame, issues = loaders.read_partner_file(path, EVENTS)
    assert not [i for i in issues if i.blocking], [i.text() for i in issues]
    assert frame["date_evenement"].tolist() == [
        pd.Timestamp("2025-01-03"),
        pd.Timestamp("2025-03-14"),
        pd.Timestamp("2025-06-05"),
    ]


def _xlsx(path, rows, hidden=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Feuil1"
    for row in rows:
        ws.append(row)
    if hidden:
        extra = wb.create_sheet(hidden)
        extra.append(["liste"])
        extra.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def test_excel_date_and_number_cells_are_accepted(tmp_path):
    rows = [
        EVENTS.column_names,
        ["EV-1", 2025, dt.datetime(2025, 1, 3), 2, "reseau", "Réunion", "IREV", 200071892, 3.5]
        + [12, 8, 2, 3, 0, 1, 14],
    ]
    frame, issues = loaders.read_partner_file(_xlsx(tmp_path / "e.xlsx", rows), EVENTS)
    assert issues == [], [i.text() for i in issues]
    assert frame["date_evenement"].tolist() == [pd.Timestamp("2025-01-03")]
    assert frame["territoire"].tolist() == ["200071892"]
    assert frame["duree_heures"].tolist() == [3.5]
    assert frame["_ligne"].tolist() == [2]


def test_hidden_sheets_are_not_counted_as_filled_sheets(tmp_path):
    rows = [GUSP.column_names, [2025, "QN00201M", 200071892, True, 3, 2]]
    path = _xlsx(tmp_path / "g.xlsx", rows, hidden="listes")
    assert list(readers.read_workbook(path)) == ["Feuil1"]
    frame, _ = loaders.read_partner_file(path, GUSP)
    assert frame["convention_gusp_signee"].tolist() == [True]


def test_a_workbook_is_recognised_by_its_content_not_its_name(tmp_path):
    rows = [GUSP.column_names, [2025, "QN00201M", 200071892, "oui", 3, 2]]
    path = _xlsx(tmp_path / "g.xlsx", rows).rename(tmp_path / "g.csv")
    frame, issues = loaders.read_partner_file(path, GUSP)
    assert frame["siren_epci"].tolist() == ["200071892"] and issues == []


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html><body><table><tr><td>annee</td></tr></table></body></html>", "page web"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "XML 2003",
        ),
        (b"annee;bailleur\n2025;A\n", "CSV renommé"),
        (b"", "vide"),
        (b"PK\x03\x04 truncated zip", "endommagé"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "endommagé"),
    ],
)
def test_unreadable_workbooks_say_why_in_french(tmp_path, content, reason):
    path = tmp_path / "t.xls"
    path.write_bytes(content)
    with pytest.raises(readers.UnreadableWorkbook, match=reason) as caught:
        readers.read_workbook(path)
    assert "Cannot" not in str(caught.value) and "error" not in str(caught.value).lower()
    with pytest.raises(DataError, match="ne s'ouvre pas"):
        loaders.read_partner_file(path, TFPB)


def test_password_protected_workbook_is_named_as_such():
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le")
    assert "mot de passe" in readers._damaged(encrypted, ValueError("Cannot detect file format"))


def test_csv_split_errors_are_french_and_name_the_line(tmp_path):
    path = _write(
        tmp_path / "t.csv",
        TFPB_HEADER + "2025;A;QN05901M;10;100\n2025;A;QN05902M;10;100\n\n2025;A;QN05903M;1;1;x\n",
    )
    with pytest.raises(DataError) as caught:
        loaders.read_partner_file(path, TFPB)
    (issue,) = caught.value.issues
    assert issue.rows == [5] and "plus de valeurs" in issue.message
    assert "Error" not in str(caught.value) and "tokenizing" not in issue.text()


def test_an_unclosed_quote_is_named_with_its_line(tmp_path):
    path = _write(
        tmp_path / "t.csv", TFPB_HEADER + '2025;A;QN05901M;10;100\n2025;"A;QN05902M;1;1\n'
    )
    with pytest.raises(DataError) as caught:
        loaders.read_partner_file(path, TFPB)
    (issue,) = caught.value.issues
    assert issue.rows == [3] and "guillemet" in issue.message and "EOF" not in issue.text()


def test_the_separator_is_the_one_whose_header_names_the_contract_columns(tmp_path):
    # a comma file whose decimals use commas too: the sniffer says ";", the header says ","
    text = TFPB_HEADER.replace(";", ",") + "2025,A,QN05901M,10,172345,5\n"
    assert readers.separators(text)[0] == ";"
    assert loaders._choose_separator(text, TFPB) == ","
    with pytest.raises(DataError, match="plus de valeurs que de noms de colonnes dès la ligne 2"):
        loaders.read_partner_file(_write(tmp_path / "t.csv", text), TFPB)


def test_excel_unicode_text_export_is_read(tmp_path):
    text = (
        "annee\tbailleur\tcode_qpv\tlogements_concernes\tmontant_abattement_eur\r\n"
        '2025\t"Cités ""Picardes"""\tQN05901M\t1 200\t172 345,50\r\n'
    )
    path = tmp_path / "t.txt"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    frame, issues = loaders.read_partner_file(path, TFPB)
    assert issues == []
    assert frame["bailleur"].tolist() == ['Cités "Picardes"']
    assert frame["montant_abattement_eur"].tolist() == [172345.5]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Comités de pilotage", "comites_pilotage"),
        ("COMITE PILOTAGE", "comites_pilotage"),
        ("Diagnostic en marchant", "diagnostics_en_marchant"),
        ("N° SIREN EPCI", "siren_epci"),
    ],
)
def test_header_variants_are_read_as_their_column_with_a_warning(tmp_path, header, column):
    names = [header if n == column else n for n in GUSP.column_names]
    path = _write(tmp_path / "g.csv", ";".join(names) + "\n2025;QN00201M;200071892;oui;3;2\n")
    frame, issues = loaders.read_partner_file(path, GUSP)
    assert [i.severity for i in issues] == ["avertissement"]
    assert f"« {header} » → {column}" in issues[0].message
    assert frame[column].notna().all()


def test_column_keys_tell_every_contract_column_apart():
    from qpv_analytics.contract import PARTNER_TABLES

    for name in PARTNER_TABLES:
        keys = [readers.column_key(c) for c in TABLES[name].column_names]
        assert len(set(keys)) == len(keys), name


def test_two_headers_for_one_column_are_not_guessed(tmp_path):
    names = ["annee", "code_qpv", "siren_epci", "convention_gusp_signee"]
    header = ";".join(names + ["diagnostics_en_marchant", "Comité pilotage", "Comités de pilotage"])
    path = _write(tmp_path / "g.csv", header + "\n2025;QN00201M;200071892;oui;3;2;2\n")
    with pytest.raises(DataError, match="comites_pilotage") as caught:
        loaders.read_partner_file(path, GUSP)
    assert all("→" not in i.message for i in caught.value.issues)


def test_a_near_miss_header_is_suggested_for_a_missing_column(tmp_path):
    path = _write(
        tmp_path / "t.csv",
        "annee;bailleur;code_qpv;logements_concernes;montant abatement\n2025;A;QN05901M;10;100\n",
    )
    with pytest.raises(DataError) as caught:
        loaders.read_partner_file(path, TFPB)
    blocking = [i for i in caught.value.issues if i.blocking]
    assert "renommez « montant abatement » en montant_abattement_eur" in blocking[0].action


def test_a_near_miss_of_an_optional_column_is_suggested_in_the_warning(tmp_path):
    table = TABLES["tfpb_actions"]
    names = [n for n in table.column_names if n != "cofinancement_eur"] + ["cofinancemnt"]
    path = _write(
        tmp_path / "a.csv",
        ";".join(names) + "\nA-1;2025;A;QN05901M;1;Action;1000;200\n",
    )
    _, issues = loaders.read_partner_file(path, table)
    warning = next(i for i in issues if "inconnues" in i.message)
    assert "« cofinancemnt » ressemble à cofinancement_eur" in warning.message


def test_a_file_of_another_table_names_its_folder(tmp_path):
    raw = tmp_path / "data" / "raw"
    _write(
        raw / "tfpb_abattement" / "gusp_2025.csv",
        ";".join(GUSP.column_names) + "\n2025;QN00201M;200071892;oui;3;2\n",
    )
    result = loaders.load_table("tfpb_abattement", Paths(tmp_path))
    blocking = [i for i in result.issues if i.blocking]
    assert len(blocking) == 1 and "« gusp »" in blocking[0].message
    assert "data/raw/gusp/" in blocking[0].action and blocking[0].file == "gusp_2025.csv"


def test_files_in_an_unread_format_are_reported_not_dropped_silently(tmp_path):
    raw = tmp_path / "data" / "raw" / "gusp"
    raw.mkdir(parents=True)
    (raw / "tableau.numbers").write_bytes(b"PK\x03\x04")
    (raw / ".~lock.x.ods#").write_text("lock")
    result = loaders.load_table("gusp", Paths(tmp_path))
    assert [(i.file, i.severity) for i in result.issues] == [("tableau.numbers", "avertissement")]
    assert "ignoré" in result.issues[0].message


def test_console_lines_keep_the_whole_advice():
    from qpv_analytics.quality.model import Issue, one_line

    issue = Issue(
        "bloquant",
        "tfpb_abattement",
        "valeurs non numériques. " + "x" * 400,
        "corrigez ces cellules (un nombre, sans texte ; une cellule vide si la donnée manque).",
        file="t.csv",
        values=["un texte très long " * 5] * 8,
    )
    line = one_line(issue.text())
    assert line.endswith("À faire : " + issue.action)
    assert line.startswith("[ERREUR] fichier « t.csv »") and "…" in line
    assert len(line) <= 300
    assert one_line("court. À faire : rien.") == "court. À faire : rien."


def test_row_key_tells_repeated_rows_even_past_64_bits():
    # Repeated rows are found on one integer per row; large codes force the renumbering.
    rng = np.random.default_rng(0)
    sizes = [3, 2**40, 5, 2**40, 4]
    codes = [rng.integers(-1, min(s, 4), 400) for s in sizes]
    key = loaders._row_key(codes, sizes)
    expected = pd.DataFrame({j: c for j, c in enumerate(codes)}).duplicated()
    assert pd.Series(key).duplicated().tolist() == expected.tolist()
    assert expected.any() and not expected.all()
