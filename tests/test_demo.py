"""Demo data: reproducible to the byte, loadable, within the contract and calibrated."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics.config import DEMO_MARKER, Paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES
from qpv_analytics.ingest import demo, loaders, readers
from qpv_analytics.ingest.reference import qpv_reference
from qpv_analytics.quality.model import DataError

pytestmark = pytest.mark.unit

YEARS = range(2021, 2026)
DYNAMIC_EXITS = ("emploi_durable", "emploi_transition", "formation_qualifiante")


def _hashes(raw: Path) -> dict[str, str]:
    return {
        str(p.relative_to(raw)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def demo_paths(tmp_path_factory: pytest.TempPathFactory) -> Paths:
    paths = Paths(tmp_path_factory.mktemp("demo"))
    demo.generate(paths.raw)
    return paths


@pytest.fixture(scope="module")
def read_files(demo_paths: Paths) -> dict[str, list[tuple[Path, pd.DataFrame, list]]]:
    """Every generated file read once through ``loaders.read_partner_file``."""
    out = {}
    for name in PARTNER_TABLES:
        table = TABLES[name]
        files = loaders.table_files(table, demo_paths.raw)
        out[name] = [(p, *loaders.read_partner_file(p, table)) for p in files]
    return out


@pytest.fixture(scope="module")
def loaded(read_files: dict) -> dict[str, pd.DataFrame]:
    """Every table as ``loaders.load_table`` builds it: concatenated, landlord names harmonised."""
    frames = {name: pd.concat([f for _, f, _ in parts]) for name, parts in read_files.items()}
    aliases = loaders.landlord_aliases(frames["bailleurs"])
    return {
        name: loaders.harmonise_landlords(frame, TABLES[name], aliases, [])
        for name, frame in frames.items()
    }


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return qpv_reference("32")


def test_two_runs_write_the_same_bytes(demo_paths: Paths, tmp_path: Path) -> None:
    other = tmp_path / "data" / "raw"
    demo.generate(other)
    first, second = _hashes(demo_paths.raw), _hashes(other)
    assert len(first) > len(PARTNER_TABLES)
    assert first == second


def test_layout_and_french_export_format(demo_paths: Paths) -> None:
    raw = demo_paths.raw
    for name in PARTNER_TABLES:
        table = TABLES[name]
        files = loaders.table_files(table, raw)
        if name in demo.SINGLE_FILE_TABLES:
            assert [f.name for f in files] == [f"{name}.csv"]
        else:
            assert [f.name for f in files] == [f"{name}_{y}.csv" for y in YEARS]
        for path in files:
            data = path.read_bytes()
            assert data.startswith(b"\xef\xbb\xbf"), path.name
            assert b"\r" not in data, path.name
            header = data[3:].decode("utf-8").split("\n", 1)[0]
            assert header == ";".join(table.column_names), path.name
    marker = (raw / DEMO_MARKER).read_text(encoding="utf-8")
    assert "DÉMONSTRATION" in marker and "inventés" in marker


def test_french_cell_formats(demo_paths: Paths) -> None:
    text = (demo_paths.raw / "evenements" / "evenements_2023.csv").read_text(encoding="utf-8-sig")
    assert re.search(r";\d{2}/\d{2}/2023;", text)
    abatement = (demo_paths.raw / "tfpb_abattement" / "tfpb_abattement_2025.csv").read_text(
        encoding="utf-8-sig"
    )
    assert re.search(r";\d+,\d{1,2}\n", abatement)
    assert "." not in abatement.replace("Hab. ", "").replace("Coop. ", "")
    gusp = (demo_paths.raw / "gusp" / "gusp_2023.csv").read_text(encoding="utf-8-sig")
    assert ";oui;" in gusp and ";non;" in gusp


def test_every_file_loads_without_any_issue(read_files: dict) -> None:
    assert set(read_files) == set(PARTNER_TABLES)
    for parts in read_files.values():
        for path, frame, issues in parts:
            assert not [i.text() for i in issues if i.blocking], path.name
            assert not issues, [i.text() for i in issues]
            assert len(frame) > 0, path.name


def test_values_follow_the_contract(
    loaded: dict[str, pd.DataFrame], reference: pd.DataFrame
) -> None:
    known = {
        "qpv": set(reference["code_qpv"]),
        "epci": set(reference["siren_epci"]),
        "bailleur": set(loaded["bailleurs"]["bailleur"]),
    }
    for name in PARTNER_TABLES:
        frame = loaded[name]
        for col in TABLES[name].columns:
            values = frame[col.name]
            where = f"{name}.{col.name}"
            if col.required:
                assert values.notna().all(), where
            present = values.dropna()
            if col.allowed is not None:
                assert set(present) <= set(col.allowed), where
            if col.min is not None:
                assert (present >= col.min).all(), where
            if col.max is not None:
                assert (present <= col.max).all(), where
            if col.pattern:
                assert present.astype(str).str.match(col.pattern).all(), where
            if col.references in known:
                assert set(present) <= known[col.references], where


def test_keys_are_unique(loaded: dict[str, pd.DataFrame]) -> None:
    for name in PARTNER_TABLES:
        table = TABLES[name]
        duplicated = loaded[name].duplicated(subset=list(table.key))
        assert not duplicated.any(), (name, loaded[name][duplicated].head())


def test_cross_field_rules_hold(loaded: dict[str, pd.DataFrame]) -> None:
    checked = 0
    for name in PARTNER_TABLES:
        frame = loaded[name]
        for rule in TABLES[name].rules:
            both = frame[[rule.left, rule.right]].dropna()
            assert (both[rule.left] <= both[rule.right]).all(), (name, rule.message)
            checked += 1
    assert checked >= 8


def test_operations_progress_cumulatively(loaded: dict[str, pd.DataFrame]) -> None:
    ops = loaded["ru_operations"].sort_values(["id_operation", "annee"])
    steps = ops.groupby("id_operation")[["logements_engages", "logements_livres"]].diff()
    assert (steps.dropna() >= 0).all().all()
    last = ops[ops["annee"] == max(YEARS)]
    by_nature = last.groupby("nature")["logements_programmes"].sum()
    assert 0.85 <= by_nature["reconstitution"] / by_nature["demolition"] <= 1.15
    rebuilt = last[last["nature"] == "reconstitution"]
    outside = rebuilt["logements_reconstitues_hors_qpv"].sum()
    assert 0.6 <= outside / rebuilt["logements_programmes"].sum() <= 0.8
    assert 30 <= ops["code_qpv"].nunique() <= 40


def test_landlords_are_invented_and_variants_are_harmonised(
    read_files: dict, loaded: dict[str, pd.DataFrame]
) -> None:
    registry = loaded["bailleurs"]
    assert 15 <= len(registry) <= 25
    assert registry["bailleur"].str.endswith("(fictif)").all()
    aliases = loaders.landlord_aliases(registry)
    spellings = [v for row in registry["variantes_nom"] for v in row.split("|")]
    assert len({readers.normalise_label(v) for v in spellings}) == len(spellings)
    assert set(aliases.values()) == set(registry["bailleur"])
    for name in ("tfpb_abattement", "tfpb_actions", "attributions", "ru_relogements"):
        raw = pd.concat([frame for _, frame, _ in read_files[name]])["bailleur"]
        assert 0.01 <= (~raw.isin(registry["bailleur"])).mean() <= 0.06, name
        assert loaded[name]["bailleur"].isin(registry["bailleur"]).all(), name


def test_tfpb_is_calibrated_on_the_regional_review(loaded: dict[str, pd.DataFrame]) -> None:
    abatement = loaded["tfpb_abattement"].query("annee == 2025")
    actions = loaded["tfpb_actions"].query("annee == 2025")
    dwellings = abatement["logements_concernes"].sum()
    valued = actions["montant_valorise_eur"].sum()
    assert 200 <= valued / dwellings <= 270
    assert 0.65 <= abatement["montant_abattement_eur"].sum() / valued <= 0.85
    rate = (
        actions.groupby("bailleur")["montant_valorise_eur"].sum()
        / abatement.groupby("bailleur")["montant_abattement_eur"].sum()
    )
    assert 3 <= (rate < 1).sum() <= 6
    by_axis = actions.groupby("axe_tfpb")["montant_valorise_eur"].sum()
    assert set(by_axis.nlargest(2).index) == {1, 3}


def test_missing_data_on_purpose(loaded: dict[str, pd.DataFrame], reference: pd.DataFrame) -> None:
    n_qpv = reference["code_qpv"].nunique()
    gusp_rows = loaded["gusp"].groupby("annee").size()
    assert gusp_rows[2022] < n_qpv and gusp_rows[2021] == n_qpv
    senders = loaded["tfpb_actions"].groupby("annee")["bailleur"].nunique()
    assert senders[2023] == senders[2022] - 1
    fibre = loaded["numerique"]["couverture_fibre_pct"]
    assert 0.02 <= fibre.isna().mean() <= 0.10


def test_attributions_and_insertion_show_mixed_results(loaded: dict[str, pd.DataFrame]) -> None:
    alloc = (
        loaded["attributions"]
        .groupby(["annee", "siren_epci"])[["attributions_hors_qpv", "attributions_hors_qpv_q1"]]
        .sum()
    )
    share = alloc["attributions_hors_qpv_q1"] / alloc["attributions_hors_qpv"]
    meeting = (share >= 0.25).groupby(level="annee").mean()
    assert ((meeting > 0.1) & (meeting < 0.9)).all()
    markets = loaded["clauses_marches"]
    rate = markets["heures_insertion_realisees"] / markets["heures_totales"]
    anru, gusp = markets["type_marche"] == "travaux_anru", markets["type_marche"] == "gusp"
    assert 0.05 <= rate[anru].median() <= 0.09 and (rate[anru] < 0.05).any()
    assert 0.07 <= rate[gusp].median() <= 0.14 and 0.2 <= (rate[gusp] < 0.10).mean() <= 0.8


def test_person_level_tables_give_meaningful_aggregates(loaded: dict[str, pd.DataFrame]) -> None:
    households = loaded["ru_relogements"]
    assert households["id_menage"].str.fullmatch(r"M-[0-9a-f]{8}").all()
    assert households.groupby("annee").size().between(250, 550).all()
    assert 0.2 <= (households["type_destination"] == "neuf_moins_5_ans").mean() <= 0.35
    assert 0.4 <= households["hors_qpv"].mean() <= 0.55
    assert (households.groupby(["annee", "code_qpv"]).size() < 5).any()
    people = loaded["clauses_beneficiaires"]
    assert people["id_personne"].str.fullmatch(r"P-[0-9a-f]{8}").all()
    assert 0.6 <= people["resident_qpv"].mean() <= 0.75
    assert 0.15 <= (people["sexe"] == "F").mean() <= 0.25
    assert 0.5 <= people["situation_6_mois"].isin(DYNAMIC_EXITS).mean() <= 0.6
    residents = people[people["resident_qpv"]]
    assert residents["code_qpv"].notna().all()


@pytest.mark.parametrize("name", ["gusp/gusp_2024.csv", "tfpb_abattement.xlsx", "notes.docx"])
def test_refuses_a_raw_dir_holding_other_files(tmp_path: Path, name: str) -> None:
    raw = tmp_path / "data" / "raw"
    partner = raw / name
    partner.parent.mkdir(parents=True, exist_ok=True)
    partner.write_bytes(b"annee;code_qpv\n2024;QN05901M\n")
    with pytest.raises(DataError, match="contient déjà"):
        demo.generate(raw)
    assert partner.read_bytes() == b"annee;code_qpv\n2024;QN05901M\n"
    assert sorted(p.name for p in raw.rglob("*") if p.is_file()) == [Path(name).name]


def test_ensure_demo_leaves_partners_data_alone(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    (paths.raw / "gusp").mkdir(parents=True)
    (paths.raw / "gusp" / "gusp_2024.csv").write_text("annee;code_qpv\n", encoding="utf-8")
    assert demo.ensure_demo(paths) is False
    assert not (paths.raw / DEMO_MARKER).exists()


def test_ensure_demo_generates_once_and_keeps_readme(demo_paths: Paths, tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    paths.raw.mkdir(parents=True)
    (paths.raw / "README.md").write_text("Fichiers des partenaires.\n", encoding="utf-8")
    assert demo.ensure_demo(paths) is True
    assert (paths.raw / "README.md").read_text(encoding="utf-8") == "Fichiers des partenaires.\n"
    assert demo.ensure_demo(paths) is False
    generated = {k: v for k, v in _hashes(paths.raw).items() if k != "README.md"}
    assert generated == _hashes(demo_paths.raw)
