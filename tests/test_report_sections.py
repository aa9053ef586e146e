"""Report sections taken out of the notebooks, on small tidy tables written in the test."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pandas as pd
import pytest

from qpv_analytics.config import BUILD_ENV, Paths
from qpv_analytics.indicators.model import RESULT_COLUMNS
from qpv_analytics.report import reporting, sections
from tests.conftest import tidy_row

pytestmark = pytest.mark.unit

RATE = "ru_taux_reconstitution_pct"  # axis 1, %, target 100
COUNT = "laicite_personnes_formees"  # axis 4, a count


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """HTML fragments the sections display, in order."""
    markup: list[str] = []
    monkeypatch.setattr(reporting, "_display_html", markup.append)
    return markup


def _rows(*rows: tuple) -> pd.DataFrame:
    """Tidy rows from (indicator, level, code, year, value, status)."""
    frame = pd.DataFrame(
        [
            tidy_row(
                code,
                level,
                territory,
                value,
                year=year,
                num=value,
                den=100.0,
                unit="%",
                target=100.0,
                status=status,
            )
            for code, level, territory, year, value, status in rows
        ],
        columns=RESULT_COLUMNS,
    )
    return frame.astype({"valeur": "Float64", "annee": "Int64"})


def test_missing_data_notice_names_only_the_tables_without_the_year(shown):
    tables = {
        "opérations": pd.DataFrame({"annee": [2024, 2025]}),
        "relogements": pd.DataFrame({"annee": [2024]}),
    }
    sections.missing_data_notice(2025, tables)
    assert len(shown) == 1
    assert "Aucune donnée 2025 reçue pour : relogements." in shown[0]
    sections.missing_data_notice(2024, tables)
    assert len(shown) == 1


def test_trend_sentence_formats_by_unit_and_needs_two_years(shown):
    result = _rows(
        (RATE, "region", "region", 2023, 80.0, "non_atteint"),
        (RATE, "region", "region", 2024, None, "sans_donnee"),
        (RATE, "region", "region", 2025, 95.5, "partiel"),
        (COUNT, "region", "region", 2025, 1200.0, "sans_cible"),
    )
    sections.trend_sentence(result, RATE, "Le taux")
    sentence = "Le taux passe de 80,0\xa0% en 2023 à 95,5\xa0% en 2025."
    assert shown == [f'<p class="qpv-page">{sentence}</p>']
    sections.trend_sentence(result, COUNT, "Le nombre")
    assert len(shown) == 1


def test_targets_met_sentence_counts_rows_with_a_value(shown):
    # The rate binds each project: its EPCI rows are context, counted on their values.
    result = _rows(
        (RATE, "epci", "A", 2025, 120.0, "contexte"),
        (RATE, "epci", "B", 2025, 60.0, "contexte"),
        (RATE, "epci", "C", 2025, None, "sans_donnee"),
        (RATE, "epci", "D", 2024, 100.0, "atteint"),
    )
    text = "{atteints} EPCI sur {total}."
    sections.targets_met_sentence(result, RATE, "epci", 2025, text)
    sections.targets_met_sentence(result, RATE, "epci", 2025, text, blank_rows=True)
    sections.targets_met_sentence(result, RATE, "epci", 2023, text)
    sections.targets_met_sentence(result, RATE, "epci", 2023, text, blank_rows=True)
    assert [s.removeprefix('<p class="qpv-page">') for s in shown] == [
        "1 EPCI sur 2.</p>",
        "1 EPCI sur 3.</p>",
        "0 EPCI sur 0.</p>",
    ]


def test_region_values_and_total(shown):
    result = _rows(
        (RATE, "region", "region", 2025, 40.0, "non_atteint"),
        (COUNT, "region", "region", 2025, None, "sans_donnee"),
    )
    value = sections.region_values(result, 2025)
    assert value(RATE) == 40.0 and value(COUNT) is None
    assert sections.total_of(result, [RATE, COUNT], 2025) == 40.0
    assert sections.region_row(result, COUNT, 2025) is None
    assert float(sections.region_row(result, RATE, 2025)["numerateur"]) == 40.0


def test_export_table_writes_french_csv_without_parquet(tmp_path, monkeypatch):
    monkeypatch.setenv(BUILD_ENV, str(tmp_path))
    paths = Paths(tmp_path / "projet")
    rep = reporting.Report(params=SimpleNamespace(annee=2025), paths=paths, qpv=None, demo=False)
    path = rep.export_table(pd.DataFrame({"annee": [2025], "taux": [1.5]}), "derivee")
    assert path == tmp_path / "indicateurs" / "derivee.csv"
    assert path.read_bytes() == "\ufeffannee;taux\n2025;1,5\n".encode()
    assert not list(tmp_path.glob("indicateurs/*.parquet"))


def test_report_tables_mask_personal_details_of_free_text(tmp_path, shown):
    """A good practice whose « porteurs » holds a contact is shown with the contact masked."""
    paths = Paths(tmp_path / "projet")
    paths.processed.mkdir(parents=True)
    contact = "Ville de Lens, M. Jean Dupont, jean.dupont@lens.fr, 06 12 34 56 78"
    practices = pd.DataFrame(
        {
            "id_pratique": ["BP-1"],
            "annee": pd.array([2025], dtype="Int64"),
            "axe": pd.array([1], dtype="Int64"),
            "titre": ["Charte du relogement"],
            "territoire": ["Lens"],
            "porteurs": [contact],
            "resume": ["Écrire à Mme Claire Martin (+33 3 21 00 00 00)."],
            "facteurs_cles_succes": ["Un interlocuteur unique"],
            "ecueils": [None],
            "_fichier": ["bp.csv"],
            "_feuille": [None],
            "_ligne": [2],
        }
    )
    practices.to_parquet(paths.processed / "bonnes_pratiques.parquet", index=False)
    rep = reporting.Report(params=SimpleNamespace(annee=2025), paths=paths, qpv=None, demo=False)
    table = rep.table("bonnes_pratiques", all_years=True)
    assert table["porteurs"].tolist() == [
        "Ville de Lens, [nom masqué], [coordonnées masquées], [coordonnées masquées]"
    ]
    assert table["resume"].tolist() == ["Écrire à [nom masqué] ([coordonnées masquées])."]
    sections.practices_section(rep, axis=1)
    page = "".join(shown)
    assert "Charte du relogement" in page and "Ville de Lens, [nom masqué]" in page
    for value in ("Dupont", "jean.dupont", "06 12", "Claire Martin", "21 00 00"):
        assert value not in page


def test_report_table_read_again_is_kept_until_its_file_changes(tmp_path, monkeypatch):
    """A table read again is kept, changing what a call returned changes nothing kept."""
    paths = Paths(tmp_path / "projet")
    paths.processed.mkdir(parents=True)
    target = paths.processed / "bonnes_pratiques.parquet"
    practices = pd.DataFrame(
        {
            "id_pratique": ["BP-1", "BP-2"],
            "annee": pd.array([2025, 2019], dtype="Int64"),
            "porteurs": ["M. Jean Dupont", "Ville de Lens"],
        }
    )
    practices.to_parquet(target, index=False)
    reads = []
    real = reporting.read_processed
    monkeypatch.setattr(reporting, "read_processed", lambda *a: reads.append(a) or real(*a))
    params = SimpleNamespace(annee=2025, years=[2025])
    rep = reporting.Report(params=params, paths=paths, qpv=None, demo=False)
    rep.table("bonnes_pratiques")
    second = rep.table("bonnes_pratiques")
    second.loc[0, "porteurs"] = "changé"
    again = rep.table("bonnes_pratiques")
    every = rep.table("bonnes_pratiques", all_years=True)
    assert len(reads) == 2
    assert again["porteurs"].tolist() == ["[nom masqué]"]
    assert every["id_pratique"].tolist() == ["BP-1", "BP-2"]
    practices.assign(id_pratique=["BP-3", "BP-4"]).to_parquet(target, index=False)
    os.utime(target, ns=(1, 1))  # another file: another modification time
    assert rep.table("bonnes_pratiques", all_years=True)["id_pratique"].tolist() == [
        "BP-3",
        "BP-4",
    ]
    assert len(reads) == 3
