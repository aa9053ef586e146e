"""The Excel templates are built from the contract; a filled one is read with no manual step."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from qpv_analytics import docs
from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES, Column
from qpv_analytics.contract.template import (
    DESCRIPTION_SHEET,
    LISTS_SHEET,
    REGISTRY_SHEET,
    example_row,
)
from qpv_analytics.ingest import loaders, readers

pytestmark = pytest.mark.unit

VALID = Path(__file__).parent / "corpus" / "valide"
TEMPLATES = get_paths().blank_templates
LANDLORD_TABLES = [
    n for n in PARTNER_TABLES if n != "bailleurs" and "bailleur" in TABLES[n].column_names
]


def _validations(ws) -> dict[str, object]:
    """Data validation of each column letter of a sheet."""
    found = {}
    for dv in ws.data_validations.dataValidation:
        for cells in dv.sqref.ranges:
            found[re.match(r"[A-Z]+", cells.coord).group()] = dv
    return found


def _list_values(book, formula: str) -> list[object]:
    """Values of the cells a list validation points to (``'listes'!$A$2:$A$7``)."""
    sheet, cells = formula.split("!")
    return [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row]


@pytest.mark.parametrize("name", PARTNER_TABLES)
def test_each_template_has_its_data_sheet_description_and_lists(name):
    table = TABLES[name]
    book = load_workbook(TEMPLATES / f"{name}.xlsx")
    assert book.sheetnames[:2] == [name, DESCRIPTION_SHEET]
    data = book[name]
    assert [c.value for c in data[1]] == table.column_names
    assert data.freeze_panes == "A2"
    example = example_row(table)
    second = [c.value for c in data[2]]
    for col, value in zip(table.columns, second, strict=True):
        expected = example[col.name]
        if col.kind == "booleen":
            expected = "oui" if expected else "non"
        if isinstance(value, dt.datetime):
            value = value.date()
        assert value == expected, col.name
    validations = _validations(data)
    for j, col in enumerate(table.columns):
        letter = data.cell(row=1, column=j + 1).column_letter
        assert data.column_dimensions[letter].width >= 10
        assert validations[letter].prompt.startswith(col.description), col.name
        fmt = data.column_dimensions[letter].number_format
        assert data.cell(row=2, column=j + 1).number_format == fmt, col.name
        if col.kind in ("code", "texte", "booleen"):
            assert fmt == "@", col.name  # text cells: leading zeros kept
        elif col.kind == "date":
            assert fmt == "DD/MM/YYYY", col.name
        elif col.name == "annee" or col.allowed:
            assert fmt == "0", col.name  # never « 2 025 »
        else:
            assert fmt.startswith("#,##0"), col.name  # thousands grouped by a French Excel
        if col.allowed or col.kind == "booleen":
            dv = validations[letter]
            assert dv.type == "list" and dv.errorStyle in (None, "stop"), col.name
            assert dv.formula1.startswith(f"'{LISTS_SHEET}'!")
            allowed = list(col.allowed or ("oui", "non"))
            assert _list_values(book, dv.formula1) == allowed, col.name
        elif col.kind in ("entier", "decimal") and col.min is not None:
            assert validations[letter].type in ("whole", "decimal"), col.name
    if any(c.allowed or c.kind == "booleen" for c in table.columns):
        assert book[LISTS_SHEET].sheet_state == "hidden"
    described = {
        row[0]: row
        for row in book[DESCRIPTION_SHEET].iter_rows(values_only=True)
        if row[0] in table.column_names
    }
    assert list(described) == table.column_names
    for col in table.columns:
        _, description, kind, unit, required, _ = described[col.name][:6]
        assert description == col.description
        assert (unit or None) == col.unit
        assert required == ("oui" if col.required else "non")
        for value in col.allowed or ():
            assert str(value) in kind
    if "axe" in table.column_names:
        assert "2 (GUSP et abattement TFPB)" in described["axe"][2]


@pytest.mark.parametrize("name", LANDLORD_TABLES)
def test_the_landlord_drop_down_lists_the_registry_sheet(name):
    book = load_workbook(TEMPLATES / f"{name}.xlsx")
    data = book[name]
    letter = data.cell(row=1, column=TABLES[name].column_names.index("bailleur") + 1).column_letter
    dv = _validations(data)[letter]
    assert dv.type == "list" and dv.errorStyle == "warning"
    assert dv.formula1.startswith(f"'{REGISTRY_SHEET}'!$A$2")
    registry = book[REGISTRY_SHEET]
    assert registry.sheet_state == "visible" and registry["A1"].value == "bailleur"
    assert registry["A2"].value is None and "data/raw/bailleurs" in registry["C1"].value


def test_the_example_rows_follow_the_contract():
    for name in PARTNER_TABLES:
        table = TABLES[name]
        row = example_row(table)
        for col in table.columns:
            value = row[col.name]
            if col.allowed:
                assert value in col.allowed, col.name
            if col.min is not None:
                assert value >= col.min, col.name
            if col.max is not None:
                assert value <= col.max, col.name
            if col.pattern:
                assert re.fullmatch(col.pattern, value), col.name
            if col.width:
                assert len(value) == col.width, col.name
            check = col.plausible
            if check:
                ratio = value / row[check.per] * check.factor if check.per else value
                assert (check.min or 0) <= ratio <= (check.max or float("inf")), check.name
        for rule in table.rules:
            assert row[rule.left] <= row[rule.right], rule.message


def _cell(col: Column, value: object) -> object:
    """The cell a partner types: a date cell, a number, ``oui``/``non``, a text."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if col.kind == "date":
        return pd.Timestamp(value).to_pydatetime()
    if col.kind == "entier":
        return int(value)
    if col.kind == "decimal":
        return float(value)
    if col.kind == "booleen":
        return "oui" if value else "non"
    return str(value)


def _fill(template: Path, target: Path, rows: pd.DataFrame, keep_example: bool) -> Path:
    """Fill a template as a partner does in Excel: real cells, from row 2 or below the example."""
    name = template.stem
    table = TABLES[name]
    book = load_workbook(template)
    ws = book[name]
    first = 3 if keep_example else 2
    for i, (_, row) in enumerate(rows.iterrows(), start=first):
        for j, col in enumerate(table.columns, start=1):
            ws.cell(row=i, column=j).value = _cell(col, row[col.name])  # None clears the cell
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target


def _contract_frame(result: loaders.LoadResult) -> pd.DataFrame:
    return result.data[TABLES[result.table].column_names].reset_index(drop=True)


@pytest.mark.parametrize("keep_example", [False, True], ids=["exemple_remplace", "exemple_garde"])
def test_filled_templates_load_like_the_csv_files(tmp_path, keep_example):
    csv_project, xlsx_project = Paths(tmp_path / "csv"), Paths(tmp_path / "xlsx")
    shutil.copytree(VALID, csv_project.raw)
    expected = loaders.load_raw(csv_project)
    for name in PARTNER_TABLES:
        rows = loaders.read_partner_file(VALID / f"{name}.csv", TABLES[name])[0]
        target = xlsx_project.raw / name / "modele_rempli.xlsx"
        _fill(TEMPLATES / f"{name}.xlsx", target, rows, keep_example)
    loaded = loaders.load_raw(xlsx_project)
    for name in PARTNER_TABLES:
        result = loaded[name]
        assert not [i for i in result.issues if i.blocking], [i.text() for i in result.issues]
        pd.testing.assert_frame_equal(_contract_frame(result), _contract_frame(expected[name]))
        assert set(result.data["_feuille"]) == {name}
        assert result.data["_ligne"].tolist() == list(
            range(3 if keep_example else 2, len(result.data) + (3 if keep_example else 2))
        )
        examples = [i for i in result.issues if "ligne d'exemple" in i.message]
        assert [i.rows for i in examples] == ([[2]] if keep_example else []), name


def test_an_untouched_template_loads_no_row_and_says_why():
    frame, issues = loaders.read_partner_file(TEMPLATES / "gusp.xlsx", TABLES["gusp"])
    assert frame.empty
    assert [(i.severity, i.rows, i.sheet) for i in issues] == [("avertissement", [2], "gusp")]
    assert "ligne d'exemple du modèle" in issues[0].message


def test_a_changed_example_row_is_data(tmp_path):
    book = load_workbook(TEMPLATES / "numerique.xlsx")
    book["numerique"]["C2"] = 4  # lieux_mediation: the partner typed over the example
    book.save(tmp_path / "numerique.xlsx")
    frame, issues = loaders.read_partner_file(tmp_path / "numerique.xlsx", TABLES["numerique"])
    assert frame["lieux_mediation"].tolist() == [4] and issues == []


def test_a_renamed_data_sheet_is_still_read(tmp_path):
    table = TABLES["tfpb_abattement"]
    rows = loaders.read_partner_file(VALID / "tfpb_abattement.csv", table)[0]
    path = _fill(TEMPLATES / "tfpb_abattement.xlsx", tmp_path / "t.xlsx", rows, False)
    book = load_workbook(path)
    book["tfpb_abattement"].title = "Abattement 2025"
    book[REGISTRY_SHEET]["A2"] = "Habitat Flandre Opale"
    book.save(path)
    assert list(readers.read_workbook(path)) == [
        "Abattement 2025",
        DESCRIPTION_SHEET,
        REGISTRY_SHEET,
    ]
    frame, issues = loaders.read_partner_file(path, table)
    assert len(frame) == len(rows) and not [i for i in issues if i.blocking]
    assert set(frame["_feuille"]) == {"Abattement 2025"}


def test_templates_with_the_registry_list_its_landlords(project):
    shutil.copy(VALID / "bailleurs.csv", project.raw / "bailleurs.csv")
    written = docs.write_docs(project)
    names = sorted(pd.read_csv(VALID / "bailleurs.csv", sep=";")["bailleur"], key=str.casefold)
    folder = project.registry_templates
    assert sorted(p.name for p in written if p.parent == folder) == sorted(
        f"{n}.xlsx" for n in PARTNER_TABLES
    )
    book = load_workbook(folder / "tfpb_abattement.xlsx")
    registry = book[REGISTRY_SHEET]
    assert registry.sheet_state == "hidden"
    dv = _validations(book["tfpb_abattement"])["B"]
    assert _list_values(book, dv.formula1) == names
    rows = loaders.read_partner_file(VALID / "tfpb_abattement.csv", TABLES["tfpb_abattement"])[0]
    path = _fill(folder / "tfpb_abattement.xlsx", project.raw / "tfpb_abattement.xlsx", rows, True)
    frame, issues = loaders.read_partner_file(path, TABLES["tfpb_abattement"])
    assert len(frame) == len(rows) and [i.rows for i in issues] == [[2]]


def test_without_a_registry_no_registry_templates_are_written(project):
    docs.write_docs(project)
    assert not project.registry_templates.exists()
    assert (project.blank_templates / "gusp.xlsx").read_bytes() == (
        TEMPLATES / "gusp.xlsx"
    ).read_bytes()
