"""Plausibility of real sources on hand-built tables: each rule fires once, and only then."""

from __future__ import annotations

import pandas as pd
import pytest

from qpv_analytics.contract import CONTEXT_CHECKS
from qpv_analytics.quality import plausibility
from qpv_analytics.thresholds import UNIFORM_AMOUNT_MIN_RECORDS

pytestmark = pytest.mark.unit


def _posts(scheme: str, year: int, amounts: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dispositif": scheme,
            "annee": year,
            "montant_eur": amounts,
            "_fichier": f"{scheme}-{year}.json",
        }
    )


def _rules(issues) -> list[str]:
    return [i.rule.removeprefix(plausibility.RULE_PREFIX) for i in issues]


def test_one_identical_amount_on_every_post_is_flagged_with_the_other_scheme():
    n = UNIFORM_AMOUNT_MIN_RECORDS
    posts = pd.concat(
        [
            _posts("adultes_relais", 2024, [20000.0 + i for i in range(n)]),
            _posts("adultes_relais", 2025, [7164.0] * n),
            _posts("fonjep", 2024, [7164.0, 3582.0] * n),
            _posts("fonjep", 2025, [7164.0, 3582.0] * n),
        ],
        ignore_index=True,
    )
    issues = [
        i for i in plausibility.state_posts_issues(posts) if i.rule.endswith("montant_unique")
    ]
    assert len(issues) == 1
    (issue,) = issues
    assert issue.table == "adultes_relais" and issue.severity == "avertissement"
    assert issue.file == "adultes_relais-2025.json" and issue.column == "montant"
    assert f"les {n} postes de 2025 portent tous le même montant, 7\u202f164,00" in issue.message
    assert f"aussi celui de {n} postes FONJEP" in issue.message
    assert "vérifiez" in issue.action


def test_varied_amounts_or_too_few_posts_are_not_flagged():
    n = UNIFORM_AMOUNT_MIN_RECORDS
    varied = _posts("fonjep", 2025, [7164.0] * (n - 1) + [3582.0])
    few = _posts("adultes_relais", 2025, [7164.0] * (n - 1))
    assert plausibility.state_posts_issues(pd.concat([varied, few], ignore_index=True)) == []


def test_a_state_resource_halved_in_a_year_is_flagged():
    posts = pd.concat(
        [
            _posts("adultes_relais", 2024, [20000.0 + i for i in range(20)]),
            _posts("adultes_relais", 2025, [9000.0 + i for i in range(20)]),
        ],
        ignore_index=True,
    )
    issues = plausibility.state_posts_issues(posts)
    assert _rules(issues) == ["variation_annuelle"]
    assert "le montant total passe de" in issues[0].message
    assert "(−55\xa0%)" in issues[0].message
    assert issues[0].file == "adultes_relais-2024.json, adultes_relais-2025.json"


def test_a_change_of_half_or_less_is_not_flagged():
    posts = pd.concat(
        [
            _posts("fonjep", 2023, [1000.0 + i % 2 for i in range(20)]),
            _posts("fonjep", 2024, [1000.0 + i % 2 for i in range(29)]),
            _posts("fonjep", 2025, [1000.0 + i % 2 for i in range(16)]),
        ],
        ignore_index=True,
    )
    assert plausibility.state_posts_issues(posts) == []


def _context(jobseekers: list[float | None], population: list[float | None]) -> pd.DataFrame:
    n = len(jobseekers)
    return pd.DataFrame(
        {
            "code_qpv": [f"QN0590{i:02d}M" for i in range(n)],
            "population_municipale": pd.array(population, dtype="Float64"),
            "demandeurs_emploi_abcde": pd.array(jobseekers, dtype="Float64"),
            "_fichier": "contexte.csv",
            "_ligne": pd.array(range(2, n + 2), dtype="Int64"),
        }
    )


def test_zero_jobseekers_in_a_populated_qpv_is_flagged():
    data = _context([0, 120, 0, None], [2500, 3000, 1800, 900])
    issues = plausibility.source_issues(data, CONTEXT_CHECKS)
    assert _rules(issues) == ["zero_qpv_peuple"]
    (issue,) = issues
    assert issue.table == "contexte" and issue.column == "demandeurs_emploi_abcde"
    assert issue.file == "contexte.csv" and issue.rows == [2, 4]
    assert issue.values == ["QN059000M", "QN059002M"]
    assert "2 QPV peuplé(s) ont 0" in issue.message


def test_zero_without_inhabitants_or_blank_is_not_flagged():
    data = _context([0, None, 35], [0, 2000, 1500])
    assert plausibility.source_issues(data, CONTEXT_CHECKS) == []


def test_the_gate_shows_plausibility_warnings_on_the_quality_page(tmp_path):
    from qpv_analytics.ingest.loaders import LoadResult
    from qpv_analytics.quality.model import QualityReport
    from qpv_analytics.quality.pages import render_quality_index

    posts = pd.concat(
        [
            _posts("adultes_relais", 2024, [20000.0 + i for i in range(20)]),
            _posts("adultes_relais", 2025, [7164.0] * 20),
        ],
        ignore_index=True,
    )
    issues = plausibility.state_posts_issues(posts)
    report = QualityReport(issues=issues, out_dir=tmp_path, year=2025)
    page = render_quality_index(report, dict[str, LoadResult](), tmp_path).read_text("utf-8")
    assert "Postes Adultes-relais financés par l" in page
    assert "portent tous le même montant" in page
    assert "adultes_relais-2025.json" in page


def test_zero_counts_of_a_report_table_without_source_columns():
    data = _context([0, 50], [2500, 3000]).drop(columns=["_fichier", "_ligne"])
    (issue,) = plausibility.source_issues(data, CONTEXT_CHECKS)
    assert issue.file is None and issue.rows == [] and issue.values == ["QN059000M"]
