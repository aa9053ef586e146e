"""National-size demo: every QPV of the national list, ten years, the declared row volumes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qpv_analytics.config import DEMO_MARKER, Paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES
from qpv_analytics.geography import NATIONAL_REGION
from qpv_analytics.ingest import demo, loaders
from qpv_analytics.ingest.demo.national import SIZES, expected_rows
from qpv_analytics.ingest.reference import qpv_reference, region_code
from qpv_analytics.params import RunParams

TAILLE = 0.02
"""Size factor of the tests (10,000 beneficiaries, 4,000 households): the QPV-grain tables
still cover every QPV and year; the full-size counts are checked from the declared sizes."""

REGIONAL_DIGEST = "9caa821d53cdc7bfa287fab4fa49b284ef8e8584aeb1c190e24a2ff92054ee04"
"""SHA-256 of the paths and SHA-256 of the 63 files of the default (regional) demo, taken
before the national option existed: the regional demo must stay byte-identical."""


def _digest(raw: Path) -> str:
    lines = "".join(
        f"{p.relative_to(raw)} {hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    )
    return hashlib.sha256(lines.encode()).hexdigest()


@pytest.mark.unit
def test_default_regional_demo_is_unchanged(tmp_path: Path) -> None:
    written = demo.generate(tmp_path / "raw")
    assert len(written) == 63
    assert _digest(tmp_path / "raw") == REGIONAL_DIGEST


@pytest.mark.unit
def test_national_region_is_the_whole_list() -> None:
    qpv = qpv_reference(NATIONAL_REGION)
    assert qpv["code_qpv"].nunique() == 1609
    assert {region_code(r) for r in ("FR", "fr", "France", "national", "France entière")} == {
        NATIONAL_REGION
    }
    # Saint-Martin (978) and French Polynesia (987): no EPCI in the list (« NA »), left blank.
    overseas = qpv[qpv["code_departement"].isin(["978", "987"])]
    assert overseas["code_qpv"].nunique() == 91
    assert overseas["siren_epci"].isna().all()
    assert qpv["siren_epci"].dropna().str.fullmatch(r"\d{9}").all()
    assert set(qpv["code_region"]) == {NATIONAL_REGION}
    # A region keeps its own list, and the same EPCI for every QPV.
    hdf = qpv_reference("32")
    assert hdf["code_qpv"].nunique() == 204
    assert hdf["siren_epci"].notna().all()


@pytest.mark.unit
def test_declared_full_size_volumes() -> None:
    full = expected_rows(1.0)
    assert abs(full["clauses_beneficiaires"] - 500_000) <= 50_000
    assert abs(full["ru_relogements"] - 200_000) <= 20_000
    assert expected_rows(TAILLE) == {
        "clauses_beneficiaires": round(SIZES.beneficiaires * TAILLE),
        "ru_relogements": round(SIZES.relogements * TAILLE),
    }


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, dict]:
    paths = Paths(tmp_path_factory.mktemp("national"))
    demo.generate(paths.raw, echelle="nationale", taille=TAILLE)
    return paths, loaders.load_raw(paths)


@pytest.mark.integration
def test_national_demo_covers_every_qpv_and_ten_years(national: tuple[Paths, dict]) -> None:
    paths, results = national
    expected = set(qpv_reference(NATIONAL_REGION)["code_qpv"])
    numerique = results["numerique"].data
    assert set(numerique["code_qpv"]) == expected
    assert len(numerique) == 1609 * 10
    seen = set()
    for name in PARTNER_TABLES:
        data = results[name].data
        if "code_qpv" in data.columns:
            seen |= set(data["code_qpv"].dropna())
        if "annee" in data.columns and name != "bonnes_pratiques":
            assert set(data["annee"]) == set(range(2016, 2026)), name
    assert seen == expected
    assert "TAILLE NATIONALE" in (paths.raw / DEMO_MARKER).read_text(encoding="utf-8")


@pytest.mark.integration
def test_national_personal_tables_have_the_declared_rows(national: tuple[Paths, dict]) -> None:
    _, results = national
    for name, rows in expected_rows(TAILLE).items():
        assert len(results[name].data) == rows, name
    relogements = results["ru_relogements"].data
    assert relogements["id_menage"].is_unique
    beneficiaires = results["clauses_beneficiaires"].data
    assert not beneficiaires.duplicated(["id_personne", "id_marche", "annee"]).any()
    # Some people work on several markets, with the same profile each time.
    profiles = beneficiaires.groupby("id_personne")[["sexe", "tranche_age"]].nunique()
    assert (beneficiaires["id_personne"].value_counts() > 1).any()
    assert (profiles <= 1).all().all()


@pytest.mark.integration
def test_national_demo_loads_without_blocking_issue(national: tuple[Paths, dict]) -> None:
    _, results = national
    blocking = [i.text() for r in results.values() for i in r.issues if i.blocking]
    assert blocking == []
    for name, result in results.items():
        table = TABLES[name]
        assert not result.data.duplicated(list(table.key)).any(), name
        for rule in table.rules:
            both = result.data[[rule.left, rule.right]].dropna()
            assert (both[rule.left] <= both[rule.right]).all(), (name, rule.left)
    landlords = set(results["bailleurs"].data["bailleur"])
    for name in ("tfpb_abattement", "ru_relogements", "attributions"):
        assert set(results[name].data["bailleur"]) <= landlords  # variants harmonised


@pytest.mark.integration
def test_national_demo_is_reproducible_and_publishable(
    national: tuple[Paths, dict], tmp_path: Path
) -> None:
    paths, _ = national
    demo.generate(tmp_path / "raw", echelle="nationale", taille=TAILLE)
    assert _digest(tmp_path / "raw") == _digest(paths.raw)
    params = RunParams(annee=2025, region="FR", nb_annees_tendance=10)
    assert params.years == list(range(2016, 2026))
    assert not params.demo_wanted  # written on purpose only (make demo, the benchmark)


@pytest.mark.unit
def test_unknown_scale_and_size_are_refused(tmp_path: Path) -> None:
    from qpv_analytics.quality.model import DataError

    with pytest.raises(DataError, match="Échelle inconnue"):
        demo.generate(tmp_path / "a", echelle="mondiale")
    with pytest.raises(ValueError, match="taille"):
        demo.generate(tmp_path / "b", echelle="nationale", taille=2.0)
