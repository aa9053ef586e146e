"""Secrecy that holds across passes and across tables: idempotent masking, bounds, recomputation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from qpv_analytics.disclosure.html_tables import to_html_table
from qpv_analytics.disclosure.indicator_tables import protect_people
from qpv_analytics.disclosure.scanner import (
    KIND_RECOMPUTABLE,
    format_findings,
    scan_publication,
)
from qpv_analytics.disclosure.suppression import (
    mask_counts,
    published_recomputable,
    recomputable_cells,
    suppression_pattern,
)
from qpv_analytics.indicators.model import RESULT_COLUMNS
from qpv_analytics.labels import SECRET
from tests.conftest import tidy_row

pytestmark = pytest.mark.unit

S = SECRET
T = "Total"


def frame(rows: dict[str, list], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


# ------------------------------------------------------------------------------------------
# Tidy indicator tables: a second pass changes nothing
# ------------------------------------------------------------------------------------------


def _row(code: str, level: str, territory: str, value, num, den, unit: str) -> dict:
    return tidy_row(code, level, territory, value, num=num, den=den, unit=unit)


def tidy() -> pd.DataFrame:
    count, share = "ru_menages_reloges", "ru_part_relogement_neuf_pct"
    rows = [
        _row(count, "region", "region", 33.0, 33.0, None, "ménages"),
        _row(count, "departement", "59", 30.0, 30.0, None, "ménages"),
        _row(count, "departement", "62", 3.0, 3.0, None, "ménages"),
        _row(share, "region", "region", 50.0, 16.0, 32.0, "%"),
        _row(share, "departement", "59", 50.0, 15.0, 30.0, "%"),
        _row(share, "departement", "62", 50.0, 1.0, 2.0, "%"),
        _row("ru_taux_livraison_pct", "region", "region", 40.0, 40.0, 100.0, "%"),
    ]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS).astype(
        {"valeur": "Float64", "numerateur": "Float64", "denominateur": "Float64"}
    )


def test_masking_twice_equals_masking_once_flags_included():
    once = protect_people(tidy())
    twice = protect_people(once)
    pd.testing.assert_frame_equal(twice, once)
    # The count of department 62 (3) and its sibling 59 are masked, and stay flagged.
    masked = once[once["secret"]]
    assert sorted(zip(masked["indicateur"], masked["code"], strict=True)) == [
        ("ru_menages_reloges", "59"),
        ("ru_menages_reloges", "62"),
        ("ru_part_relogement_neuf_pct", "59"),
        ("ru_part_relogement_neuf_pct", "62"),
    ]
    assert ((once["statut"] == "secret") == once["secret"]).all()
    assert not twice.loc[twice["indicateur"] == "ru_taux_livraison_pct", "secret"].any()


def test_a_row_flagged_by_its_status_only_stays_masked():
    flagged = protect_people(tidy()).assign(secret=False)
    again = protect_people(flagged)
    assert ((again["statut"] == "secret") == again["secret"]).all()
    assert int(again["secret"].sum()) == 4


# ------------------------------------------------------------------------------------------
# Tables of counts: « s » is at least 1 when zeros are shown
# ------------------------------------------------------------------------------------------


def trained() -> pd.DataFrame:
    """People trained by department and type: État and Autres of D1 are 1 each."""
    return frame(
        {
            "D1": [1, 8, 0, 1, 10],
            "D2": [6, 9, 0, 7, 22],
            "D3": [7, 12, 0, 6, 25],
            "Région (non localisé)": [5, 6, 0, 9, 20],
            T: [19, 35, 0, 23, 77],
        },
        ["État", "Collectivités", "Habitants", "Autres", T],
    )


def bounds(published: pd.DataFrame) -> dict[tuple[str, str], tuple[float, float]]:
    """Smallest and largest value of each « s » given the shown cells, totals and s ≥ 1."""
    cells = [(r, c) for r in published.index for c in published.columns if published.at[r, c] == S]
    index = {cell: k for k, cell in enumerate(cells)}
    equations, rhs = [], []
    rows = [[(r, c) for c in published.columns[:-1]] + [(r, T)] for r in published.index]
    cols = [[(r, c) for r in published.index[:-1]] + [(T, c)] for c in published.columns]
    for line in rows + cols:
        coefficients, known = np.zeros(len(cells)), 0.0
        for position, cell in enumerate(line):
            sign = -1.0 if position == len(line) - 1 else 1.0
            if cell in index:
                coefficients[index[cell]] = sign
            else:
                known += sign * float(published.at[cell])
        if coefficients.any():
            equations.append(coefficients)
            rhs.append(-known)
    out = {}
    for cell, k in index.items():
        objective = np.zeros(len(cells))
        objective[k] = 1.0
        low = linprog(objective, A_eq=equations, b_eq=rhs, bounds=[(1, None)] * len(cells))
        high = linprog(-objective, A_eq=equations, b_eq=rhs, bounds=[(1, None)] * len(cells))
        out[cell] = (low.fun, -high.fun)
    return out


def test_no_masked_cell_is_pinned_by_the_margins_and_the_zeros():
    published = mask_counts(trained(), total_row=T, total_col=T)
    # Two « s » alone in row D1 would both be 1 (10 - 8 - 0): a third cell is masked.
    assert published.loc["D1"].tolist() == [S, S, 0, S, 10]
    for cell, (low, high) in bounds(published).items():
        assert high - low >= 1, cell
    assert recomputable_cells(trained(), total_row=T, total_col=T) == []
    assert published_recomputable(published, T, T) == []


def test_the_check_sees_what_line_by_line_masking_leaves():
    # The pattern « two masks per line » that line-by-line masking alone gives.
    leaky = trained().astype(object)
    for cell in [("D1", "État"), ("D1", "Autres"), ("Région (non localisé)", "État")]:
        leaky.at[cell] = S
    leaky.at["Région (non localisé)", "Autres"] = S
    assert set(published_recomputable(leaky, T, T)) == {
        ("D1", "État"),
        ("D1", "Autres"),
        ("Région (non localisé)", "État"),
        ("Région (non localisé)", "Autres"),
    }
    assert bounds(leaky)[("D1", "État")] == pytest.approx((1.0, 1.0))


def test_forced_cells_are_masked_with_the_cells_that_protect_them():
    table = frame(
        {"Aisne": [8, 18, 26], "Nord": [33, 132, 165], "Somme": [5, 5, 10], T: [46, 155, 201]},
        ["Neuf", "Existant", T],
    )
    assert not (mask_counts(table, total_row=T, total_col=T) == S).any().any()
    forced = [("Aisne", "Neuf"), ("Somme", "Neuf")]
    published = mask_counts(table, total_row=T, total_col=T, forced=forced)
    assert published.loc["Aisne"].tolist() == [S, S, 26]
    assert published.loc["Somme"].tolist() == [S, S, 10]
    pattern = suppression_pattern(table, total_row=T, total_col=T, forced=forced)
    assert pattern.loc["Aisne", "Neuf"] == "primaire"
    assert recomputable_cells(table, total_row=T, total_col=T, forced=forced) == []
    with pytest.raises(ValueError, match="introuvable"):
        mask_counts(table, total_row=T, total_col=T, forced=[("Oise", "Neuf")])


def test_cells_published_elsewhere_are_never_used_to_protect_another():
    table = frame(
        {"A": [3, 20, 23], "B": [10, 30, 40], "C": [12, 25, 37], T: [25, 75, 100]},
        ["Neuf", "Existant", T],
    )
    # B/Neuf (10) is the smallest cell to protect A/Neuf (3) in its column...
    assert mask_counts(table, total_row=T, total_col=T).loc["B"].tolist() == [S, S, 40]
    # ...but the indicator file shows it (a visible rate's numerator): C/Neuf is taken.
    published = mask_counts(table, total_row=T, total_col=T, published=[("B", "Neuf")])
    assert published.loc["B"].tolist() == [10, 30, 40]
    assert published.loc["C"].tolist() == [S, S, 37]
    assert published_recomputable(published, T, T) == []


# ------------------------------------------------------------------------------------------
# The scanner recomputes what was published
# ------------------------------------------------------------------------------------------

CAPTION = "Ménages relogés en 2025, par département d'origine et logement d'arrivée"


def rehoused() -> pd.DataFrame:
    table = frame(
        {
            "Aisne": [8, 18, 26],
            "Nord": [33, 132, 165],
            "Oise": [11, 55, 66],
            "Somme": [5, 5, 10],
            T: [57, 210, 267],
        },
        ["Neuf ou moins de 5 ans", "Parc existant", T],
    )
    table.index.name = "Département d'origine"
    return table


def publication(folder: Path, forced: list[tuple[str, str]]) -> Path:
    folder.mkdir(parents=True)
    html = to_html_table(
        rehoused(), CAPTION, people_counts=True, total_row=T, total_col=T, forced=forced
    )
    (folder / "axe1_renouvellement_urbain.html").write_text(
        f"<html><body>\n{html}\n</body></html>", encoding="utf-8"
    )
    rows = [
        _row("ru_part_relogement_neuf_pct", "departement", dep, None, None, None, "%")
        for dep in ("Aisne", "Somme")
    ]
    rows.append(_row("ru_part_relogement_neuf_pct", "departement", "Nord", 20.0, 33.0, 165.0, "%"))
    result = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    result["statut"] = ["secret", "secret", "sans_cible"]
    result["secret"] = [True, True, False]
    result.to_csv(
        folder / "axe1_renouvellement_urbain.csv",
        sep=";",
        decimal=",",
        index=False,
        encoding="utf-8-sig",
    )
    return folder


def test_a_masked_rate_given_back_by_a_people_table_is_refused(tmp_path: Path):
    folder = publication(tmp_path / "2025", forced=[])
    findings = scan_publication(folder, set())
    assert [f.kind for f in findings] == [KIND_RECOMPUTABLE, KIND_RECOMPUTABLE]
    assert {f.file.name for f in findings} == {"axe1_renouvellement_urbain.html"}
    first = findings[0].detail
    assert "« ru_part_relogement_neuf_pct » de « Aisne » en 2025" in first
    assert "axe1_renouvellement_urbain.csv" in first and f"« {CAPTION} »" in first
    assert "« Somme »" in findings[1].detail
    message = format_findings(findings)
    assert message.startswith("Publication refusée : 2 problème(s)")
    assert "valeur masquée recalculable" in message and "forced=" in message


def test_the_same_publication_masked_together_passes(tmp_path: Path):
    forced = [("Aisne", "Neuf ou moins de 5 ans"), ("Somme", "Neuf ou moins de 5 ans")]
    folder = publication(tmp_path / "2025", forced=forced)
    assert scan_publication(folder, set()) == []


def test_a_people_table_whose_masks_are_pinned_is_refused(tmp_path: Path):
    leaky = trained().astype(object)
    for cell in [("D1", "État"), ("D1", "Autres"), ("Région (non localisé)", "État")]:
        leaky.at[cell] = S
    leaky.at["Région (non localisé)", "Autres"] = S
    # The table written as such, marked as a table of people (to_html_table would mask more).
    body = to_html_table(leaky, "Personnes formées en 2025", people_counts=False, total_row=T)
    body = body.replace('class="qpv-tableau"', 'class="qpv-tableau qpv-effectifs"')
    folder = tmp_path / "2025"
    folder.mkdir()
    (folder / "axe4_laicite.html").write_text(body, encoding="utf-8")
    findings = scan_publication(folder, set())
    assert findings and {f.kind for f in findings} == {KIND_RECOMPUTABLE}
    assert any("ligne « D1 », colonne « État »" in f.detail for f in findings)


def test_linked_cells_name_the_counts_of_the_masked_indicators():
    from qpv_analytics.report.sections import linked_cells

    public = protect_people(tidy())
    public["nom"] = public["code"].map({"59": "Nord", "62": "Pas-de-Calais", "region": "Région"})
    table = frame({"Nord": [15, 15, 30], T: [16, 17, 33]}, ["Neuf", "Existant", T])
    links = {"ru_part_relogement_neuf_pct": "Neuf", "ru_menages_reloges": T}
    # Pas-de-Calais is not a row of the table: nothing to mask there.
    cells = linked_cells(public, table, links, "departement", 2025)
    assert cells == [("Nord", T), ("Nord", "Neuf")]
    assert linked_cells(public, table, links, "departement", 2024) == []


# ------------------------------------------------------------------------------------------
# Across reports, across files and along the lines of a file
# ------------------------------------------------------------------------------------------


def test_a_rate_masked_in_one_report_given_back_by_another_report_is_refused(tmp_path: Path):
    folder = publication(tmp_path / "2025", forced=[])
    # The axis page masks the cells together; the synthesis prints the same counts in full,
    # declaring the indicator they compute.
    safe = [("Aisne", "Neuf ou moins de 5 ans"), ("Somme", "Neuf ou moins de 5 ans")]
    (folder / "axe1_renouvellement_urbain.html").write_text(
        to_html_table(rehoused(), CAPTION, True, total_row=T, total_col=T, forced=safe),
        encoding="utf-8",
    )
    leaky = to_html_table(
        rehoused(), CAPTION, False, indicators=["ru_part_relogement_neuf_pct"]
    ).replace('class="qpv-tableau"', 'class="qpv-tableau qpv-effectifs"')
    (folder / "synthese.html").write_text(leaky, encoding="utf-8")
    findings = scan_publication(folder, set())
    assert [f.kind for f in findings] == [KIND_RECOMPUTABLE, KIND_RECOMPUTABLE]
    assert {f.file.name for f in findings} == {"synthese.html"}
    detail = findings[0].detail
    assert "masqué dans axe1_renouvellement_urbain.csv" in detail
    assert "de synthese.html" in detail and "« Aisne »" in detail
    # A table that declares other indicators is not taken for this one's counts.
    other = leaky.replace("ru_part_relogement_neuf_pct", "laicite_personnes_formees")
    (folder / "synthese.html").write_text(other, encoding="utf-8")
    assert scan_publication(folder, set()) == []


def _counts_csv(folder: Path, name: str, rows: list[tuple[str, str, object]]) -> None:
    """An indicator CSV of ``ru_menages_reloges`` rows ``(level, territory, value or None)``."""
    result = pd.DataFrame(
        [_row("ru_menages_reloges", lvl, code, v, v, None, "ménages") for lvl, code, v in rows],
        columns=RESULT_COLUMNS,
    )
    result["secret"] = [v is None for _, _, v in rows]
    result["statut"] = np.where(result["secret"], "secret", "sans_cible")
    folder.mkdir(parents=True, exist_ok=True)
    result.to_csv(folder / name, sep=";", decimal=",", index=False, encoding="utf-8-sig")


def test_masked_counts_pinned_by_the_region_total_are_refused(tmp_path: Path):
    # 7 households in the region, 5 shown in the Aisne: the two « s » are 1 and 1.
    rows = [("region", "region", 7.0), ("departement", "02", 5.0)]
    _counts_csv(
        tmp_path / "a",
        "axe1.csv",
        [*rows, ("departement", "59", None), ("departement", "60", None)],
    )
    findings = scan_publication(tmp_path / "a", set())
    assert [f.kind for f in findings] == [KIND_RECOMPUTABLE] * 2
    assert [f.line for f in findings] == [4, 5]
    assert "« ru_menages_reloges » de « 59 » en 2025 se recalcule" in findings[0].detail
    # With 9 in the region the two « s » may be 1 and 3, 2 and 2 or 3 and 1: safe.
    rows[0] = ("region", "region", 9.0)
    _counts_csv(
        tmp_path / "b",
        "axe1.csv",
        [*rows, ("departement", "59", None), ("departement", "60", None)],
    )
    assert scan_publication(tmp_path / "b", set()) == []


def test_a_figure_masked_in_one_file_and_shown_in_another_is_refused(tmp_path: Path):
    rows = [("region", "region", 40.0), ("departement", "02", 30.0), ("departement", "59", 10.0)]
    _counts_csv(tmp_path, "synthese.csv", rows)
    _counts_csv(tmp_path, "axe1.csv", [*rows[:2], ("departement", "59", None)])
    findings = scan_publication(tmp_path, set())
    assert len(findings) == 1 and findings[0].file.name == "axe1.csv" and findings[0].line == 4
    assert "masqué ici (colonne secret), est affiché dans synthese.csv (ligne 4)" in (
        findings[0].detail
    )


def test_protection_masks_one_more_part_when_the_total_pins_two_ones():
    count = "ru_menages_reloges"
    rows = [
        _row(count, "region", "region", 7.0, 7.0, None, "ménages"),
        _row(count, "departement", "02", 5.0, 5.0, None, "ménages"),
        _row(count, "departement", "59", 1.0, 1.0, None, "ménages"),
        _row(count, "departement", "60", 1.0, 1.0, None, "ménages"),
    ]
    table = pd.DataFrame(rows, columns=RESULT_COLUMNS).astype(
        {"valeur": "Float64", "numerateur": "Float64", "denominateur": "Float64"}
    )
    public = protect_people(table)
    # The two ones are masked (primary) and, since 7 − 5 = 2 would give them back, so is 5.
    assert public["secret"].tolist() == [False, True, True, True]
    pd.testing.assert_frame_equal(protect_people(public), public)
    # With 9 in the region (5 + 2 + 2 would not be pinned) nothing more is masked.
    table.loc[0, ["valeur", "numerateur"]] = 9.0
    table.loc[[2, 3], ["valeur", "numerateur"]] = 2.0
    assert protect_people(table)["secret"].tolist() == [False, False, True, True]


def test_a_new_page_is_checked_against_tables_already_checked(tmp_path: Path):
    # A profile on demand: the axis page and its table passed the publication's scan.
    safe = [("Aisne", "Neuf ou moins de 5 ans"), ("Somme", "Neuf ou moins de 5 ans")]
    folder = publication(tmp_path / "2025", forced=safe)
    checked = set(folder.iterdir())
    leaky = to_html_table(
        rehoused(), CAPTION, False, indicators=["ru_part_relogement_neuf_pct"]
    ).replace('class="qpv-tableau"', 'class="qpv-tableau qpv-effectifs"')
    (folder / "profil.html").write_text(leaky, encoding="utf-8")
    findings = scan_publication(folder, set(), checked=checked)
    # The new page gives back the two rates masked in the checked CSV.
    assert [f.kind for f in findings] == [KIND_RECOMPUTABLE, KIND_RECOMPUTABLE]
    assert {f.file.name for f in findings} == {"profil.html"}
    assert "masqué dans axe1_renouvellement_urbain.csv" in findings[0].detail
    assert findings == [f for f in scan_publication(folder, set()) if f.file.name == "profil.html"]


def test_checked_tables_are_not_checked_again_but_a_changed_one_is(tmp_path: Path):
    # 7 households in the region, 5 shown in the Aisne: the two « s » are 1 and 1.
    rows = [("region", "region", 7.0), ("departement", "02", 5.0)]
    rows += [("departement", "59", None), ("departement", "60", None)]
    _counts_csv(tmp_path, "axe1.csv", rows)
    table = tmp_path / "axe1.csv"
    assert len(scan_publication(tmp_path, set())) == 2
    assert scan_publication(tmp_path, set(), checked={table}) == []
    # The same table beside a new one: the new one is checked, with the checks across files.
    _counts_csv(tmp_path, "synthese.csv", [rows[0], rows[1], ("departement", "59", 1.0)])
    findings = scan_publication(tmp_path, set(), checked={table})
    assert [(f.file.name, f.line) for f in findings] == [("axe1.csv", 4)]
    assert "est affiché dans synthese.csv" in findings[0].detail
