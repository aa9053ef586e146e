"""End to end: real demo data, Great Expectations, Papermill and nbconvert, then a refused run."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics.config import Paths
from qpv_analytics.ingest.loaders import read_processed
from qpv_analytics.publish import on_demand, publication
from qpv_analytics.quality.model import DataError

pytestmark = pytest.mark.integration


def _tree_hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import make_project

    paths = make_project(tmp_path_factory.mktemp("pub") / "projet")
    mp = pytest.MonkeyPatch()
    mp.setenv("QPV_ROOT", str(paths.root))
    lines: list[str] = []
    code = publication.publish(2025, paths, echo=lines.append)
    published_tree = _tree_hashes(paths.root)
    yield paths, code, lines
    mp.undo()
    # Tests that change files work on ``published_copy``: the shared project is left as built.
    assert _tree_hashes(paths.root) == published_tree


@pytest.fixture
def published_copy(published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """A copy of the published project for a test that changes files: ``published`` stays intact."""
    root = tmp_path / "copie"
    shutil.copytree(published[0].root, root, symlinks=True)
    monkeypatch.setenv("QPV_ROOT", str(root))
    return Paths(root)


def test_publication_succeeds_with_every_report(published):
    paths, code, lines = published
    assert code == 0, "\n".join(lines)
    out = paths.report_year(2025)
    names = sorted(p.name for p in out.glob("*.html"))
    assert "index.html" in names
    expected = {nb.stem + ".html" for nb in paths.notebooks.glob("*.ipynb")}
    assert expected <= set(names)
    index = (out / "index.html").read_text(encoding="utf-8")
    for html_name in expected:
        assert f'href="{html_name}"' in index
    assert "Données de démonstration" in index
    assert (Paths.quality_in(out) / "index.html").exists()
    # Each producer's rows to correct stay with the team; the shared page only counts them.
    assert not (Paths.quality_in(out) / "retours").exists()
    assert any((paths.quality_dir(2025) / "retours").glob("*.html"))
    quality_page = (Paths.quality_in(out) / "index.html").read_text(encoding="utf-8")
    assert 'href="retours/' not in quality_page
    assert "Données de démonstration" in quality_page


def test_reports_have_no_code_and_are_french(published):
    from qpv_analytics.disclosure import scanner

    paths, _, _ = published
    out = paths.report_year(2025)
    assert scanner.scan_publication(out, set(), 5) == []
    for page in out.glob("axe*.html"):
        text = page.read_text(encoding="utf-8")
        assert 'lang="fr"' in text
        # nbconvert marks every code cell "jp-CodeCell"; its input area must be gone
        for cell in re.findall(
            r'<div[^>]*class="[^"]*jp-CodeCell[^"]*".*?(?=<div[^>]*class="[^"]*jp-Cell )',
            text,
            flags=re.S,
        ):
            assert "jp-InputArea" not in cell
        body = re.sub(r"<style.*?</style>|<script.*?</script>", "", text, flags=re.S)
        assert "from qpv_analytics" not in body and "import pandas" not in body
        assert str(paths.root) not in text
        assert "Données de démonstration" in text
        assert "Traceback" not in text


def test_axis_reports_read_their_qpv_in_context(published):
    paths, _, _ = published
    text = (paths.report_year(2025) / "axe1_renouvellement_urbain.html").read_text("utf-8")
    # French spacing: a no-break space before the colon (U+00A0)
    assert "Contexte\u00a0: les QPV où des opérations de renouvellement urbain sont suivies" in text


def test_context_report_says_it_uses_real_public_data(published):
    paths, _, _ = published
    text = (paths.report_year(2025) / "contexte.html").read_text(encoding="utf-8")
    assert "n'utilise que des fichiers publics réels" in text
    assert "calculé sur 197 QPV représentant 98,3\u00a0% de la population" in text


def test_context_report_compares_qpv_with_their_territories_and_maps_them(published):
    paths, _, _ = published
    out = paths.report_year(2025)
    html = (out / "contexte.html").read_text(encoding="utf-8")
    assert "Les QPV et leurs territoires englobants" in html
    assert "QPV (moyenne pondérée par la population) et ensemble du territoire" in html
    # Nord: QPV mean 45,1 % against 18,4 % (Filosofi 2020): a gap of 26,7 points.
    assert re.search(
        r"<td>Nord</td><td[^>]*>45,1\u00a0%</td><td[^>]*>18,4\u00a0% \(2020\)</td>"
        r"<td[^>]*>\+26,7\u00a0pts</td>",
        html,
    )
    assert "valeur dérivée des départements" in html
    images = re.findall(r"<img\b[^>]*>", html)
    maps_alt = [
        re.search(r'alt="([^"]*)"', tag)[1]
        for tag in images
        if 'alt="Carte' in tag and 'src="data:image/png;base64,' in tag
    ]
    assert len(maps_alt) >= 2 and all(len(a) > 80 for a in maps_alt)
    comparison = pd.read_csv(out / "indicateurs" / "contexte_comparaison.csv", sep=";",
                             decimal=",", encoding="utf-8-sig", dtype=str)  # fmt: skip
    assert comparison["code_qpv"].nunique() == 204
    synthesis = (out / "synthese.html").read_text(encoding="utf-8")
    assert re.search(
        r'alt="Carte des 39 EPCI à contrat de ville de la région[^"]*règle des 25 %', synthesis
    )


def test_manifest_hashes_every_input(published):
    paths, _, _ = published
    manifest = json.loads((paths.report_year(2025) / "manifest.json").read_text("utf-8"))
    assert manifest["annee"] == 2025 and manifest["donnees_de_demonstration"] is True
    raw_files = sorted(
        p.relative_to(paths.root).as_posix() for p in paths.raw.rglob("*") if p.is_file()
    )
    listed = {e["fichier"]: e["sha256"] for e in manifest["entrees"]}
    for rel in raw_files:
        assert listed[rel] == hashlib.sha256((paths.root / rel).read_bytes()).hexdigest()
    assert manifest["validation"]["statut"].startswith("valide")


def test_indicator_exports_are_french_csv_and_parquet(published):
    paths, _, _ = published
    folder = paths.indicators_dir(2025)
    csv_path = folder / "axe2_gusp_tfpb.csv"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig")
    parquet = pd.read_parquet(folder / "axe2_gusp_tfpb.parquet")
    assert len(frame) == len(parquet) > 0
    assert {
        "indicateur",
        "niveau",
        "code",
        "annee",
        "valeur",
        "numerateur",
        "denominateur",
        "cible",
        "statut",
    } <= set(frame.columns)


def test_every_indicator_of_each_axis_is_in_its_axis_csv(published):
    """Completeness: what the model declares for an axis is exported by that axis' report."""
    from qpv_analytics import indicators
    from qpv_analytics.labels import AXES

    paths, _, _ = published
    folder = paths.indicators_dir(2025)
    for axis in AXES:
        (csv_path,) = folder.glob(f"axe{axis}_*.csv")
        frame = pd.read_csv(csv_path, sep=";", encoding="utf-8-sig", dtype=str)
        missing = sorted(set(indicators.codes(axis=axis)) - set(frame["indicateur"]))
        assert missing == [], f"{csv_path.name} omet {missing}"


def test_every_masked_row_of_the_exports_is_flagged_secret(published):
    paths, _, _ = published
    for path in sorted(paths.indicators_dir(2025).glob("*.parquet")):
        csv = pd.read_csv(path.with_suffix(".csv"), sep=";", decimal=",", encoding="utf-8-sig")
        for frame in (pd.read_parquet(path), csv):
            if "statut" in frame.columns:
                assert ((frame["statut"] == "secret") == frame["secret"]).all(), path.name


def test_synthesis_judges_the_25_pct_rule_on_each_epci(published):
    """The headline of the 25 % rule is the number of EPCI meeting it, read from the export."""
    paths, _, _ = published
    (csv_path,) = paths.indicators_dir(2025).glob("axe3_*.csv")
    frame = pd.read_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig")
    epci = frame[
        (frame["indicateur"] == "attrib_part_hors_qpv_q1_pct")
        & (frame["niveau"] == "epci")
        & (frame["annee"] == 2025)
    ]
    met, judged = int((epci["valeur"] >= 25).sum()), int(epci["valeur"].notna().sum())
    assert 0 < met < judged
    page = (paths.report_year(2025) / "synthese.html").read_text(encoding="utf-8")
    page = page.replace("\u00a0", " ").replace("\u202f", " ")
    card = (
        f'<div class="v">{met} sur {judged}</div><div class="l">EPCI respectent la cible de 25,0 %'
    )
    assert card in page


def test_axis2_export_agrees_with_independent_recomputation(published):
    """Recompute the regional valuation rate from the raw CSV files with plain pandas."""
    paths, _, _ = published

    def read_all(table: str) -> pd.DataFrame:
        files = sorted((paths.raw / table).glob("*.csv"))
        return pd.concat(
            [pd.read_csv(f, sep=";", decimal=",", encoding="utf-8-sig", dtype=str) for f in files],
            ignore_index=True,
        )

    bailleurs = read_all("bailleurs")
    alias = {}
    for _, row in bailleurs.iterrows():
        for v in [row["bailleur"], *str(row.get("variantes_nom") or "").split("|")]:
            if v and v != "nan":
                alias[v.strip().casefold()] = row["bailleur"]

    def num(s: pd.Series) -> pd.Series:
        return pd.to_numeric(
            s.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
        )

    abat = read_all("tfpb_abattement")
    act = read_all("tfpb_actions")
    for f in (abat, act):
        f["bailleur"] = f["bailleur"].str.strip().str.casefold().map(alias).fillna(f["bailleur"])
    abat = abat[abat["annee"] == "2025"]
    act = act[act["annee"] == "2025"]
    a = (
        abat.assign(m=num(abat["montant_abattement_eur"]))
        .groupby(["bailleur", "code_qpv"])["m"]
        .sum()
    )
    v = act.assign(m=num(act["montant_valorise_eur"])).groupby(["bailleur", "code_qpv"])["m"].sum()
    both = pd.concat([a.rename("abat"), v.rename("val")], axis=1).dropna()
    expected = both["val"].sum() / both["abat"].sum() * 100
    exported = pd.read_parquet(paths.indicators_dir(2025) / "axe2_gusp_tfpb.parquet")
    row = exported[
        (exported.indicateur == "tfpb_taux_valorisation_pct")
        & (exported.niveau == "region")
        & (exported.annee == 2025)
    ]
    assert float(row["valeur"].iloc[0]) == pytest.approx(expected, rel=1e-9)


def _raw_table(paths: Paths, table: str) -> pd.DataFrame:
    files = sorted((paths.raw / table).glob("*.csv"))
    frame = pd.concat(
        [pd.read_csv(f, sep=";", decimal=",", encoding="utf-8-sig", dtype=str) for f in files],
        ignore_index=True,
    )
    return frame


def _as_number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(
        series.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".")
    )


def _exported(paths: Paths, report: str, code: str, year: int = 2025) -> pd.Series:
    frame = pd.read_parquet(paths.indicators_dir(2025) / f"{report}.parquet")
    row = frame[(frame.indicateur == code) & (frame.niveau == "region") & (frame.annee == year)]
    assert len(row) == 1, code
    return row.iloc[0]


def test_axis5_and_axis3_exports_agree_with_raw_files(published):
    """Regional insertion rate (ANRU works) and first-quartile share, recomputed from raw CSV."""
    paths, _, _ = published
    markets = _raw_table(paths, "clauses_marches")
    anru = markets[(markets["annee"] == "2025") & (markets["type_marche"] == "travaux_anru")]
    expected = (
        _as_number(anru["heures_insertion_realisees"]).sum()
        / _as_number(anru["heures_totales"]).sum()
        * 100
    )
    row = _exported(paths, "axe5_emploi_insertion", "clauses_taux_insertion_travaux_anru_pct")
    assert float(row["valeur"]) == pytest.approx(expected, rel=1e-9)

    alloc = _raw_table(paths, "attributions")
    alloc = alloc[alloc["annee"] == "2025"]
    q1 = _as_number(alloc["attributions_hors_qpv_q1"]).sum()
    total = _as_number(alloc["attributions_hors_qpv"]).sum()
    row = _exported(paths, "axe3_discriminations", "attrib_part_hors_qpv_q1_pct")
    assert (float(row["numerateur"]), float(row["denominateur"])) == (q1, total)
    assert float(row["valeur"]) == pytest.approx(q1 / total * 100, rel=1e-9)


def test_scanner_refuses_a_planted_identifier_or_small_count(published, tmp_path):
    from qpv_analytics.disclosure import scanner
    from qpv_analytics.ingest.loaders import load_raw

    paths, _, _ = published
    shared = tmp_path / "partage"
    shutil.copytree(paths.report_year(2025), shared)
    identifiers = publication.personal_identifiers(load_raw(paths))
    assert scanner.scan_publication(shared, identifiers, 5) == []
    person = sorted(i for i in identifiers if i.startswith("P-"))[0]
    page = shared / "axe5_emploi_insertion.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace("</body>", f"<p>Bénéficiaire {person}</p></body>"),
        encoding="utf-8",
    )
    findings = scanner.scan_publication(shared, identifiers, 5)
    assert [f.file.name for f in findings] == ["axe5_emploi_insertion.html"]
    assert person in scanner.format_findings(findings)

    page.write_text(
        page.read_text(encoding="utf-8").replace(f"<p>Bénéficiaire {person}</p>", ""),
        encoding="utf-8",
    )
    page = shared / "axe1_renouvellement_urbain.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "</body>",
            '<table class="qpv-effectifs"><tr><td>Aisne</td><td>2</td></tr></table></body>',
        ),
        encoding="utf-8",
    )
    findings = scanner.scan_publication(shared, identifiers, 5)
    assert len(findings) == 1 and findings[0].file.name == "axe1_renouvellement_urbain.html"


def test_bad_file_stops_before_notebooks_and_keeps_previous_publication(published_copy):
    paths = published_copy
    before = _tree_hashes(paths.report_year(2025))
    target = sorted((paths.raw / "tfpb_abattement").glob("*2025*.csv"))[0]
    original = target.read_bytes()
    try:
        target.chmod(0o644)
        lines = original.decode("utf-8-sig").splitlines()
        cells = lines[1].split(";")
        cells[2] = "QN99999Z"  # unknown QPV code
        lines[1] = ";".join(cells)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
        messages: list[str] = []
        code = publication.publish(2025, paths, echo=messages.append)
        text = "\n".join(messages)
        assert code == 1
        assert target.name in text and "code_qpv" in text and "ligne 2" in text
        assert "Rapports" not in text  # no notebook ran
        assert _tree_hashes(paths.report_year(2025)) == before
        assert (paths.quality_dir(2025) / "index.html").exists()
    finally:
        target.write_bytes(original)


def test_failing_notebook_keeps_previous_publication_and_its_record(published_copy):
    import nbformat

    paths = published_copy
    before = _tree_hashes(paths.report_year(2025))
    broken = paths.notebooks / "zz_casse.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("annee = 2025", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("raise ValueError('calcul impossible')"),
    ]
    nb.metadata["kernelspec"] = {
        "name": "qpv-analytics",
        "display_name": "Python",
        "language": "python",
    }
    nbformat.write(nb, broken)
    params_path = paths.params / "2025.yaml"
    original = params_path.read_text(encoding="utf-8")
    params_path.write_text(original + "rapports: [zz_casse]\n", encoding="utf-8")
    try:
        messages: list[str] = []
        code = publication.publish(2025, paths, echo=messages.append)
        text = "\n".join(messages)
        assert code == 1
        assert "zz_casse.ipynb a échoué" in text and "calcul impossible" in text
        assert _tree_hashes(paths.report_year(2025)) == before
        assert (paths.failed_runs_dir(2025) / "zz_casse.ipynb").exists()
        assert not list(paths.reports.glob(".construction-*"))
    finally:
        broken.unlink()
        params_path.write_text(original, encoding="utf-8")


def test_unknown_parameter_key_stops_before_any_kernel(published_copy):
    paths = published_copy
    path = paths.params / "2025.yaml"
    original = path.read_text(encoding="utf-8")
    try:
        path.write_text(original + "seuil_inconnu: 3\n", encoding="utf-8")
        from qpv_analytics.quality.model import DataError

        with pytest.raises(DataError, match="seuil_inconnu : clé inconnue"):
            publication.publish(2025, Paths(paths.root), echo=lambda _m: None)
    finally:
        path.write_text(original, encoding="utf-8")


# --------------------------------------------------------------------------- readers (browser)


def test_every_published_page_renders_in_a_browser(published, tmp_path: Path):
    """Chromium opens every shared page offline, at desktop and phone widths, and prints it.

    Fails on a console error, a request the page makes (no page may need the Internet), a
    broken image, link or anchor, a blank page, text below the WCAG AA contrast, a page wider
    than a phone, or a page that does not print on A4. Great Expectations' Data Docs load
    their styles from the Internet: for them, only what the project controls is checked.
    Screenshots and PDFs are left in the test's temporary folder (``captures/``).
    """
    from qpv_analytics.quality.gx_run import DATA_DOCS_FOLDER
    from tests import browser

    paths, code, lines = published
    assert code == 0, "\n".join(lines)
    executable, why = browser.chromium_path()
    if executable is None:
        pytest.skip(f"Test dans le navigateur non lancé : {why}.")
    out = paths.report_year(2025)
    pages = sorted(out.rglob("*.html"))
    docs = {p for p in pages if Paths.quality_in(out) / DATA_DOCS_FOLDER in p.parents}
    profile_pages = [p for p in pages if p.parent == out / "profils"]
    ours = [p for p in pages if p not in docs and p not in profile_pages]
    expected = {"index.html", "qualite/index.html"} | {
        f"{nb.stem}.html" for nb in paths.notebooks.glob("*.ipynb")
    }
    assert {p.relative_to(out).as_posix() for p in ours} == expected
    assert docs, "Data Docs absents"
    assert len(profile_pages) == 59
    # Two profiles of each kind (every profile is built by the same notebook and sections).
    sample = [p for p in profile_pages if p.name.startswith("epci-")][:2] + [
        p for p in profile_pages if p.name.startswith("bailleur-")
    ][:2]
    pages = [p for p in pages if p not in profile_pages] + sample
    reports = browser.check_pages(
        out, pages, executable, shots=tmp_path / "captures", third_party=docs
    )
    problems = [p for r in reports for p in r.problems()]
    assert not problems, "\n".join(problems[:80])
    for nb in paths.notebooks.glob("*.ipynb"):
        text = (out / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert "<script" not in text, nb.name
        assert re.search(r'<nav[^>]*class="qpv-sommaire"', text), f"{nb.name} : pas de sommaire"
        assert 'class="qpv-titre"' in text and "Hauts-de-France</strong>" in text, nb.name


def _visible(text: str) -> str:
    import html as html_lib

    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def _caption_tables(page: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(caption, header cells, body rows) of each table of an exported page."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", page, flags=re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, flags=re.S)
        head = re.findall(r"<th\b[^>]*>(.*?)</th>", table, flags=re.S)
        body = re.search(r"<tbody>(.*?)</tbody>", table, flags=re.S)
        rows = [
            [_visible(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", tr, flags=re.S)]
            for tr in re.findall(r"<tr\b.*?</tr>", body[1] if body else "", flags=re.S)
        ]
        found.append((_visible(caption[1]) if caption else "", [_visible(h) for h in head], rows))
    return found


def _axis_exports(out: Path) -> pd.DataFrame:
    frames = [
        pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig", dtype={"code": str})
        for p in sorted((out / "indicateurs").glob("*.csv"))
        if p.stem.startswith("axe") or p.stem in ("ressources_etat", "contexte")
    ]
    return pd.concat(frames, ignore_index=True)


def test_index_links_a_profile_for_every_epci_and_landlord(published):
    paths, _, lines = published
    out = paths.report_year(2025)
    index = (out / "index.html").read_text(encoding="utf-8")
    epci = re.findall(r'href="(profils/epci-\d{9}\.html)"', index)
    landlords = re.findall(r'href="(profils/bailleur-[a-z0-9-]+\.html)"', index)
    registry = pd.read_parquet(paths.processed / "bailleurs.parquet")
    assert len(set(epci)) == 39 and len(set(landlords)) == len(registry) == 20
    for link in epci + landlords:
        assert (out / link).exists(), link
    for group in (
        "Aisne",
        "Nord",
        "Oise",
        "Pas-de-Calais",
        "Somme",
        "Offices publics de l'habitat",
    ):
        assert f"<summary>{group} (" in index.replace("&#39;", "'"), group
    assert 'id="filtre-profils"' in index
    assert any(
        line.startswith("4/5 Rapports (8 rapport(s), 39 profils d'EPCI et 20 de bailleurs ;")
        for line in lines
    )
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert len(manifest["profils"]) == 59


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("epci", "200093201"),
        ("epci", "200071892"),
        ("bailleur", "Logis de l'Opale (fictif)"),
        ("bailleur", "Habitat des Beffrois (fictif)"),
    ],
)
def test_every_axis_figure_of_a_profile_equals_its_axis_table(published, kind, code):
    from qpv_analytics.indicators import REGISTRY
    from qpv_analytics.report import profiles, synthesis

    paths, _, _ = published
    out = paths.report_year(2025)
    unit = profiles.Unit(kind, code, code, "")
    page = (out / "profils" / unit.file).read_text(encoding="utf-8")
    exports = _axis_exports(out)
    levels = profiles.LEVELS[kind]
    labels = {
        REGISTRY[c].header + profiles.LEVEL_SUFFIX.get(level, ""): (c, level)
        for c in REGISTRY
        for level in levels
    }
    checked = 0
    for caption, head, rows in _caption_tables(page):
        if not re.match(r"Axe \d —", caption):
            continue
        years = [h for h in head if h.isdigit()]
        assert years == ["2023", "2024", "2025"], caption
        for row in rows:
            cells = dict(zip(head, row, strict=True))
            ind_code, level = labels[cells["Indicateur"]]
            unit_text = REGISTRY[ind_code].unit
            for year in years:
                sel = exports[
                    (exports["indicateur"] == ind_code)
                    & (exports["niveau"] == level)
                    & (exports["code"] == code)
                    & (exports["annee"] == int(year))
                ]
                expected = (
                    "–"
                    if sel.empty
                    else synthesis.cell(
                        sel["valeur"].iloc[0], bool(sel["secret"].iloc[0]), unit_text
                    )  # fmt: skip
                )
                assert cells[year] == _visible(expected), (caption, cells["Indicateur"], year)
                checked += 1
            region = exports[
                (exports["indicateur"] == ind_code)
                & (exports["niveau"] == "region")
                & (exports["annee"] == 2025)
            ]
            if not region.empty:
                expected = synthesis.cell(
                    region["valeur"].iloc[0], bool(region["secret"].iloc[0]), unit_text
                )
                assert cells["Région 2025"] == _visible(expected), cells["Indicateur"]
    assert checked >= 30, checked


def test_a_unit_without_data_on_an_axis_gets_one_sentence(published):
    from qpv_analytics.report import profiles

    paths, _, _ = published
    out = paths.report_year(2025)
    exports = _axis_exports(out)
    laicite = exports[(exports["axe"] == 4) & (exports["niveau"] == "epci")]
    without = sorted(
        u
        for u in re.findall(r"epci-(\d{9})\.html", (out / "index.html").read_text("utf-8"))
        if u not in set(laicite["code"])
    )
    assert without, "toutes les EPCI ont des données de laïcité dans la démo"
    for kind, code in (("epci", without[0]), ("bailleur", "Logis de l'Opale (fictif)")):
        unit = profiles.Unit(kind, code, code, "")
        page = (out / "profils" / unit.file).read_text(encoding="utf-8")
        text = _visible(page)
        assert "pour l'axe 4 (Laïcité et radicalisation) sur la période 2021–2025" in text
        captions = [c for c, _, _ in _caption_tables(page)]
        assert not any(c.startswith("Axe 4 —") for c in captions)
        section = page.split("Axe 4 — Laïcité et radicalisation</h2>")[1].split("<h2")[0]
        assert "<img" not in section and "<table" not in section


def test_one_profile_on_demand_with_the_checks_of_a_full_run(published_copy):
    from qpv_analytics import cli

    paths = published_copy
    out = paths.report_year(2025)
    target = out / "profils" / "epci-200071892.html"
    before = target.read_bytes()
    others = _tree_hashes(out)
    target.unlink()
    messages: list[str] = []
    code = on_demand.publish_profile(2025, "epci", "200071892", paths, echo=messages.append)
    assert code == 0, "\n".join(messages)
    assert "Profil écrit : reports/2025/profils/epci-200071892.html" in messages
    rebuilt = target.read_bytes()
    # Same inputs, same parameters: the same page (only the production time may differ).
    assert len(rebuilt) == pytest.approx(len(before), rel=0.01)
    assert "Profil — CA du Saint-Quentinois" in rebuilt.decode("utf-8")
    others.pop("profils/epci-200071892.html")
    after = _tree_hashes(out)
    after.pop("profils/epci-200071892.html")
    assert after == others  # nothing else of the publication changed
    # An unknown landlord: a French message naming the registry's landlords.
    status = cli.main(["profil", "--annee", "2025", "--bailleur", "Inconnu"])
    assert status == 1
    # The scan checks the new page against the tables its manifest lists as scanned; a table
    # changed by hand since (here, a person's identifier typed into it) is scanned again.
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    scanned = dict(manifest["tableaux_controles"])
    table = out / "indicateurs" / "axe4_laicite.csv"
    assert scanned[table.name] == hashlib.sha256(table.read_bytes()).hexdigest()
    person = str(read_processed("clauses_beneficiaires", paths)["id_personne"].iloc[0])
    published_table = table.read_bytes()
    table.write_bytes(published_table + f"{person}\n".encode())
    messages = []
    assert on_demand.publish_profile(2025, "epci", "200071892", paths, echo=messages.append) == 1
    assert "Profil refusé par le contrôle de confidentialité" in messages[-1]
    said = "\n".join(messages)  # the team's terminal: the file and the identifier are named
    assert "axe4_laicite.csv" in said and f"« {person} »" in said
    assert target.read_bytes() == rebuilt
    table.write_bytes(published_table)
    # A raw file changed since the publication: refused, nothing written.
    raw = sorted((paths.raw / "attributions").glob("*.csv"))[0]
    raw.write_text(raw.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    messages = []
    with pytest.raises(DataError, match="Les données ont changé depuis la publication 2025"):
        on_demand.publish_profile(2025, "epci", "200071892", paths, echo=messages.append)
    assert target.read_bytes() == rebuilt


def test_synthesis_collective_views_agree_with_the_exports(published):
    """Obligations matrix and effort per EPCI, recomputed from the exported files with pandas."""
    from qpv_analytics.report import collective, synthesis

    paths, _, _ = published
    folder = paths.indicators_dir(2025)
    results = synthesis.load_indicator_tables(folder, exclude=["synthese"])
    axe3 = pd.read_parquet(folder / "axe3_discriminations.parquet")
    rule = axe3[
        (axe3["indicateur"] == "attrib_part_hors_qpv_q1_pct")
        & (axe3["niveau"] == "epci")
        & (axe3["annee"] == 2025)
    ]
    matrix = collective.obligation_matrix(results, 2025, "epci")
    shown = rule[~rule["secret"] & rule["valeur"].notna()]
    q1 = matrix["attrib_part_hors_qpv_q1_pct"]
    assert (q1 == "atteint").sum() == (shown["valeur"] >= 25).sum()
    assert (q1 != "sans_donnee").sum() == len(shown)
    assert "tfpb_taux_valorisation_pct" not in matrix.columns  # binds each landlord
    landlords = collective.obligation_matrix(results, 2025, "bailleur")
    assert "tfpb_taux_valorisation_pct" in landlords.columns
    assert (landlords.drop(columns=["code", "nom"]) != "sans_donnee").any().all()

    def epci_2025(frame, code, year):
        sub = frame[(frame["indicateur"] == code) & (frame["niveau"] == "epci")]
        sub = sub[(sub["annee"] == year) & ~sub["secret"]]
        return dict(zip(sub["code"].astype(str), sub["valeur"].astype(float), strict=True))

    tfpb = epci_2025(pd.read_parquet(folder / "axe2_gusp_tfpb.parquet"),
                     "tfpb_montant_valorise_eur", 2025)  # fmt: skip
    context = pd.read_parquet(folder / "contexte.parquet")
    population_year = int(
        context.loc[context["indicateur"] == "ctx_population_municipale", "annee"].max()
    )
    population = epci_2025(context, "ctx_population_municipale", population_year)
    effort = collective.epci_effort(results, 2025).set_index("code")
    checked = 0
    for code, amount in tfpb.items():
        if population.get(code):
            assert effort.loc[code, "tfpb_hab"] == pytest.approx(amount / population[code])
            checked += 1
    assert checked > 10
    totals = effort["total_hab"].dropna()
    assert totals.is_monotonic_decreasing and (totals > 0).all()
    page = (paths.report_year(2025) / "synthese.html").read_text(encoding="utf-8")
    for title in ("Qui répond de chaque cible", "Obligations de chaque partenaire",
                  "Moyens engagés par EPCI", "Lectures croisées des axes"):  # fmt: skip
        assert title in page
    assert "Indicateurs publiés par axe" not in page  # the bare counts were replaced


def test_the_index_filter_box_finds_a_profile_offline(published):
    """Typing in the filter box of the index keeps the matching profiles only (no network)."""
    from tests import browser

    paths, _, _ = published
    executable, why = browser.chromium_path()
    if executable is None:
        pytest.skip(f"Test dans le navigateur non lancé : {why}.")
    from playwright.sync_api import sync_playwright

    index = paths.report_year(2025) / "index.html"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=browser.CHROMIUM_ARGS)
        page = chromium.new_page()
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(index.as_uri())
        page.fill("#filtre-profils", "metropole europeenne")  # accents and case ignored
        shown = page.eval_on_selector_all(
            ".qpv-profils li:not([hidden])", "items => items.map(i => i.textContent.trim())"
        )
        groups = page.eval_on_selector_all(
            ".qpv-groupe:not([hidden]) summary", "items => items.map(i => i.textContent.trim())"
        )
        page.fill("#filtre-profils", "")
        every = page.eval_on_selector_all(".qpv-profils li:not([hidden])", "items => items.length")
        chromium.close()
    assert shown == ["Métropole Européenne de Lille"] and groups == ["Nord (13)"]
    assert every == 59
    assert all(u.startswith("file:") for u in requests), requests


# --------------------------------------------------------------------------- incremental builds


def _rebuilt(paths: Paths) -> set[str]:
    manifest = json.loads((paths.report_year(2025) / "manifest.json").read_text("utf-8"))
    return {e["html"] for e in manifest["rapports"] + manifest["profils"] if e["reconstruit"]}


def test_a_run_with_nothing_changed_rebuilds_nothing_and_says_so(published_copy):
    import os
    import subprocess
    import sys

    paths = published_copy
    out = paths.report_year(2025)
    before = _tree_hashes(out)
    # A file saved again without change: contents decide, not dates.
    raw = sorted((paths.raw / "gusp").glob("*.csv"))[0]
    os.utime(raw, (1_000_000_000, 1_000_000_000))
    messages: list[str] = []
    assert publication.publish(2025, paths, echo=messages.append) == 0
    text = "\n".join(messages)
    assert "Rien n'a changé depuis la publication du" in text
    assert "aucun rapport reconstruit, les 67 pages de reports/2025/" in text
    assert "2/5 Données" not in text  # nothing loaded, nothing validated
    assert _tree_hashes(out) == before
    # The command line decides it from hashes alone, without importing pandas or Papermill.
    script = (
        "import sys\nfrom qpv_analytics import cli\n"
        "code = cli.main(['publier', '--annee', '2025'])\n"
        "print('modules', sorted(m for m in ('pandas', 'papermill', 'nbconvert') "
        "if m in sys.modules))\nsys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "QPV_ROOT": str(paths.root)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Rien n'a changé depuis la publication du" in proc.stdout
    assert "modules []" in proc.stdout
    assert _tree_hashes(out) == before


def test_one_changed_raw_table_rebuilds_exactly_the_reports_that_read_it(published_copy):
    paths = published_copy
    out = paths.report_year(2025)
    before = _tree_hashes(out)
    target = sorted((paths.raw / "projets_innovation").glob("*2025*.csv"))[0]
    target.chmod(0o644)
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(";")
    cells = lines[1].split(";")
    cells[header.index("intitule")] = "Atelier numérique renommé par son porteur"
    lines[1] = ";".join(cells)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    messages: list[str] = []
    assert publication.publish(2025, paths, echo=messages.append) == 0, "\n".join(messages)
    # projets_innovation is read by the axis-6 report and by the synthesis (which checks that
    # every partner table has data). A project's title enters no indicator, so the axis
    # tables are unchanged and no profile, which reads only those tables, is rebuilt.
    assert _rebuilt(paths) == {"axe6_numerique.html", "synthese.html"}
    text = "\n".join(messages)
    assert "2 rapport(s) reconstruit(s), 65 repris sans changement" in text
    assert re.search(r"axe6_numerique\.html +\d+,\d s +reconstruit +ok", text)
    assert re.search(r"profils/epci-200093201\.html +– +repris \(inchangé\) +ok", text)
    after = _tree_hashes(out)
    for name, digest in before.items():
        if name.startswith(("profils/", "indicateurs/")) or name.startswith("axe1"):
            assert after[name] == digest, name


def test_two_runs_on_the_same_inputs_are_identical_but_for_the_documented_fields(
    published_copy,
):
    paths = published_copy
    params_path = paths.params / "2025.yaml"
    params_path.write_text(
        params_path.read_text(encoding="utf-8")
        + "rapports: [axe4_laicite, contexte, synthese]\n"
        + "profils:\n  epci: ['200071892']\n  bailleurs: ['Logis de l''Opale (fictif)']\n",
        encoding="utf-8",
    )
    trees, manifests, indexes = [], [], []
    for _ in range(2):
        messages: list[str] = []
        code = publication.publish(2025, paths, echo=messages.append, rebuild_all=True)
        assert code == 0, "\n".join(messages)
        assert "5 rapport(s) reconstruit(s), 0 repris" in "\n".join(messages)
        out = paths.report_year(2025)
        trees.append(_tree_hashes(out))
        manifests.append(json.loads((out / "manifest.json").read_text("utf-8")))
        indexes.append((out / "index.html").read_text("utf-8"))
    varying = tuple(publication.VARYING_FIELDS)
    stamp = re.compile(r"\d{8}T\d{6}\.\d{6}Z")  # the time Great Expectations puts in its paths
    names = [{stamp.sub("T", n) for n in tree} for tree in trees]
    assert names[0] == names[1]
    differing = {n for n in trees[0] if trees[0][n] != trees[1].get(n)}
    assert all(n.startswith(varying) for n in differing), differing
    stable_files = [n for n in trees[0] if not n.startswith(varying)]
    assert len(stable_files) > 15  # pages, indicator tables, quality summary page
    assert "profils/epci-200071892.html" in stable_files and "synthese.html" in stable_files
    date = re.compile(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}")
    assert date.sub("DATE", indexes[0]) == date.sub("DATE", indexes[1])

    def stable(manifest: dict) -> dict:
        out = {k: v for k, v in manifest.items() if k not in {"date", "duree_s"}}
        for key in ("rapports", "profils"):
            out[key] = [
                {k: v for k, v in e.items() if k not in {"duree_s", "reconstruit"}}
                for e in manifest[key]
            ]
        return out

    assert stable(manifests[0]) == stable(manifests[1])
    # What a past publication needs to be rebuilt is recorded.
    manifest = manifests[0]
    assert manifest["environnement"]["pandas"] == pd.__version__
    assert manifest["environnement"]["papermill"]
    assert set(manifest["empreinte"]) >= {"entrees", "parametres", "code", "notebooks", "global"}
    assert manifest["parametres"]["rapports"] == ["axe4_laicite", "contexte", "synthese"]
    assert manifest["champs_variables"] == publication.VARYING_FIELDS


def test_every_table_gives_the_tables_the_axis_reports_export(published):
    """The national benchmark's indicator_tables computes what each axis notebook exports."""
    from qpv_analytics.indicators.every_table import indicator_tables
    from qpv_analytics.ingest import reference
    from qpv_analytics.params import load_params
    from qpv_analytics.report.reporting import Report

    paths = published[0]
    params = load_params(2025, paths)
    qpv = reference.qpv_for_params(params, paths)
    tables = indicator_tables(Report(params, paths, qpv, True).table, qpv, params, paths)
    key = ["indicateur", "niveau", "code", "annee"]
    axes = [name for name in tables if name.startswith("axe")]
    assert len(axes) == 6
    for name in axes:
        exported = pd.read_parquet(paths.report_year(2025) / "indicateurs" / f"{name}.parquet")
        # Territory names are attached by the reports, for display only.
        columns = [c for c in tables[name].columns if c in exported.columns and c != "nom"]
        assert {"valeur", "secret", "statut"} <= set(columns)
        pd.testing.assert_frame_equal(
            exported[columns].sort_values(key).reset_index(drop=True),
            tables[name][columns].sort_values(key).reset_index(drop=True),
            check_dtype=False,
        )
