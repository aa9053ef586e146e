"""Any region: a region known only through a params file and a context file publishes as is.

The invented region "99" has 6 QPV in two real departments (48 Lozère, 15 Cantal), written in
a hand-made SIG Ville-style CSV (French export: ";", decimal commas, blank = secret). There is
no partner data at all in ``data/raw`` (only its README.md).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from yaml import safe_load

from qpv_analytics.config import Paths
from qpv_analytics.contract import PARTNER_TABLES
from qpv_analytics.indicators import RESULT_COLUMNS
from qpv_analytics.ingest import reference
from qpv_analytics.params import RunParams, load_params
from qpv_analytics.publish import publication
from qpv_analytics.quality.model import DataError
from qpv_analytics.report import reporting
from qpv_analytics.report.reporting import Report

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]

CONTEXT_FILE = "data/reference/indicateurs-region-test.csv"
# QP048002 spans two communes; QP048003 has a secret poverty rate; QP015002 a secret
# population; QP015003 a secret employment rate. Incomes are left blank for two QPV.
CONTEXT_CSV = (
    "code_qp;nom_qp;nom_commune;pop_mun;tp60;tx_tot_empl;abcde;decuc_q2;disp_q2\n"
    "QP048001;Les Tilleuls;Mende;2 000;40,0;50,0;300;11 000;13 000\n"
    "QP048002;Le Plateau;Mende, Badaroux;1 000;30,0;45,0;150;;\n"
    "QP048003;Centre Ancien;Marvejols;1 000;;48,0;120;12 000;14 000\n"
    "QP015001;Les Hauts;Aurillac;3 000;50,0;40,0;500;10 000;12 500\n"
    "QP015002;La Gare;Aurillac;;35,0;55,0;;;\n"
    "QP015003;Le Val;Saint-Flour;1 000;20,0;;80;14 000;15 500\n"
)
# Poverty rate: (40 × 2000 + 30 × 1000 + 50 × 3000 + 20 × 1000) / 7000 = 40 %, on 4 QPV out
# of 6 (QP048003: rate secret, QP015002: population secret), 7000 of the 8000 known
# inhabitants = 87,5 %.
POVERTY_SENTENCE = "calculé sur 4 QPV représentant 87,5 % de la population"
EMPLOYMENT_SENTENCE = "calculé sur 4 QPV représentant 87,5 % de la population"


def make_region_project(
    root: Path,
    rapports: list[str] | None = None,
    donnees_demo: bool | None = False,
    millesime: int | None = 2019,
) -> Paths:
    """A project for the invented region 99: params, context file, no partner data.

    ``donnees_demo=None`` leaves the key out, as a user following the guide may;
    ``millesime=None`` leaves out the vintage of the SIG Ville file.
    """
    from tests.conftest import make_project

    paths = make_project(root)
    (paths.root / CONTEXT_FILE).parent.mkdir(parents=True, exist_ok=True)
    (paths.root / CONTEXT_FILE).write_text(CONTEXT_CSV, encoding="utf-8")
    shutil.copy(REPO / "data" / "raw" / "README.md", paths.raw / "README.md")
    lines = [
        "# Région de test inventée : liste des QPV lue dans le fichier de contexte.",
        "annee: 2025",
        'region: "99"',
        "referentiel_qpv: contexte",
        'geographie_qpv: "2015"',
        'titre: "Région test"',
        "contexte:",
        f"  - fichier: {CONTEXT_FILE}",
        "    source: sig_ville",
        *([f"    millesime: {millesime}"] if millesime is not None else []),
        "cibles_locales:",
        "  part_attributions_qpv_q234_pct: 40",
    ]
    if donnees_demo is not None:
        lines.append(f"donnees_demo: {str(donnees_demo).lower()}")
    if rapports is not None:
        lines.append("rapports: [" + ", ".join(rapports) + "]")
    (paths.params / "2025.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


@pytest.fixture
def region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    paths = make_region_project(tmp_path / "region99")
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    return paths


def test_qpv_list_is_built_from_the_context_file(region: Paths) -> None:
    params = load_params(2025, region)
    qpv = reference.qpv_for_params(params, region)
    assert sorted(qpv["code_qpv"].unique()) == [
        "QP015001", "QP015002", "QP015003", "QP048001", "QP048002", "QP048003",
    ]  # fmt: skip
    assert set(qpv["code_region"]) == {"99"}
    assert qpv.groupby("code_qpv")["code_departement"].first().to_dict() == {
        "QP015001": "15", "QP015002": "15", "QP015003": "15",
        "QP048001": "48", "QP048002": "48", "QP048003": "48",
    }  # fmt: skip
    assert qpv["siren_epci"].isna().all()  # SIG Ville files carry no EPCI
    assert sorted(qpv.loc[qpv["code_qpv"] == "QP048002", "nom_commune"]) == ["Badaroux", "Mende"]


def test_region_code_accepts_any_code_with_its_own_qpv_list(region: Paths) -> None:
    assert reference.region_code("99", region, referentiel="contexte") == "99"
    assert reference.region_code("Hauts-de-France", region, referentiel="contexte") == "32"
    assert reference.region_code("32", region, referentiel="anct_2024") == "32"
    assert reference.region_code("99", region) == "99"  # callers without the referential
    with pytest.raises(DataError, match="referentiel_qpv: contexte"):
        reference.region_code("99", region, referentiel="anct_2024")
    with pytest.raises(DataError, match="Région inconnue « Atlantide »"):
        reference.region_code("Atlantide", region)


def test_names_do_not_fail_for_an_invented_region(region: Paths) -> None:
    params = load_params(2025, region)
    qpv = reference.qpv_for_params(params, region)
    names = Report(params, region, qpv, demo=False).names()
    assert names["region"] == {"region": "Région test"}
    assert names["departement"] == {"15": "Cantal", "48": "Lozère"}
    assert names["qpv"]["QP048002"] == "Le Plateau"
    assert names["epci"] == {}
    untitled = params.model_copy(update={"titre": RunParams.model_fields["titre"].default})
    odd = qpv.assign(code_departement="999")  # not in DEPARTEMENTS: shown as its code
    names = Report(untitled, region, odd, demo=False).names()
    assert names["region"] == {"region": "Région 99"}
    assert names["departement"] == {"999": "999"}
    overseas = qpv.assign(code_departement="987")  # overseas collectivities have their name
    assert Report(untitled, region, overseas, demo=False).names()["departement"] == {
        "987": "Polynésie française"
    }


def _published(paths: Paths) -> tuple[int, str]:
    lines: list[str] = []
    code = publication.publish(2025, paths, echo=lines.append)
    return code, "\n".join(lines)


def _visible_text(html: str) -> str:
    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).replace("\u00a0", " ")


def test_invented_region_publishes_its_context_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = make_region_project(tmp_path / "region99", rapports=["contexte"])
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    code, log = _published(paths)
    assert code == 0, log
    assert not any(p.is_file() and p.name != "README.md" for p in paths.raw.rglob("*")), log
    out = paths.report_year(2025)
    page = _visible_text((out / "contexte.html").read_text(encoding="utf-8"))
    assert "Contexte des quartiers prioritaires" in page
    assert "Données de démonstration" not in page
    assert "Traceback" not in page and str(paths.root) not in page
    assert POVERTY_SENTENCE in page
    assert "40,0 %" in page  # poverty rate of the region's QPV
    assert "Région test : 6 quartiers prioritaires répartis sur 2 départements" in page
    assert "Lozère" in page and "Cantal" in page
    assert "EPCI non renseignés" in page
    assert "Aucun fichier INSEE des territoires englobants ne couvre la région Région test" in page
    assert "docs/autre_region.md" in page
    assert "millésime 2019 (déclaré dans les paramètres)" in page

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Données de démonstration" not in index
    assert index.count('<span class="ko">aucun</span>') == len(PARTNER_TABLES)
    assert 'href="contexte.html"' in index

    export = pd.read_csv(out / "indicateurs" / "contexte.csv", sep=";", decimal=",",
                         encoding="utf-8-sig", dtype={"code": str})  # fmt: skip
    assert set(RESULT_COLUMNS) <= set(export.columns)
    row = export[(export.indicateur == "ctx_taux_pauvrete_60_pct") & (export.niveau == "region")]
    assert row["valeur"].iloc[0] == pytest.approx(40.0)
    assert row["annee"].iloc[0] == 2019 and row["nom"].iloc[0] == "Région test"
    pop = export[(export.indicateur == "ctx_population_municipale") & (export.niveau == "region")]
    assert pop["valeur"].iloc[0] == 8000


def test_real_region_without_insee_files_says_so_and_still_maps_its_qpv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Occitanie: QPV of the national list, no INSEE englobing file, no department contours."""
    from tests.conftest import make_project

    paths = make_project(tmp_path / "occitanie")
    shutil.copy(REPO / "data" / "raw" / "README.md", paths.raw / "README.md")
    (paths.params / "2025.yaml").write_text(
        'annee: 2025\nregion: "76"\ntitre: "Occitanie"\ndonnees_demo: false\n'
        "rapports: [contexte]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    code, log = _published(paths)
    assert code == 0, log
    n_qpv = reference.qpv_reference("76", paths)["code_qpv"].nunique()
    html = (paths.report_year(2025) / "contexte.html").read_text(encoding="utf-8")
    page = _visible_text(html)
    assert "Aucun fichier INSEE des territoires englobants ne couvre la région Occitanie" in page
    assert "section « Territoires englobants »" in page
    assert "Les contours des départements de la région Occitanie ne sont pas fournis" in page
    maps_alt = [
        re.search(r'alt="([^"]*)"', tag)[1]
        for tag in re.findall(r"<img\b[^>]*>", html)
        if 'alt="Carte' in tag and 'src="data:image/png;base64,' in tag
    ]
    assert len(maps_alt) == 1  # the poverty map; the gap map needs the communes' values
    assert maps_alt[0].startswith(f"Carte des {n_qpv} QPV de la région Occitanie")
    assert not (paths.report_year(2025) / "indicateurs" / "contexte_comparaison.csv").exists()


def _tables(html: str) -> list[tuple[str, int]]:
    """Each table of a page: (its caption, or the start of its text; rows outside its header)."""
    found = []
    for table in re.findall(r"<table\b.*?</table>", html, flags=re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, flags=re.S)
        body = re.sub(r"<thead>.*?</thead>", "", table, flags=re.S)
        label = caption[1] if caption else _visible_text(table)[:80]
        found.append((label, len(re.findall(r"<tr\b", body))))
    return found


def test_every_report_runs_without_partner_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every notebook of notebooks/ completes for a region with no partner data at all.

    The parameters say nothing of demo data (``donnees_demo`` absent, as a user following
    docs/autre_region.md may write them): none is written into this region's data/raw/. Every
    page is fit to share: an axis without data gives one sentence and its definitions, no chart
    and no header-only table; departments are named; the sources name the QPV list actually
    used (2015 codes of the SIG Ville file); unknown EPCI are said to be unknown; the context
    file is listed among the data received.
    """
    paths = make_region_project(tmp_path / "region99", donnees_demo=None)
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    code, log = _published(paths)
    assert code == 0, log
    assert not any(p.is_file() and p.name != "README.md" for p in paths.raw.rglob("*")), log
    assert "Pas de données de démonstration pour cette région" in log
    assert "démonstration écrites" not in log
    out = paths.report_year(2025)
    qpv_list = "liste des QPV de la géographie 2015 (codes QP…)"
    for nb in sorted(paths.notebooks.glob("*.ipynb")):
        html = out / f"{nb.stem}.html"
        assert html.exists(), nb.name
        text = html.read_text(encoding="utf-8")
        page = _visible_text(text)
        assert "Traceback" not in text, nb.name
        assert "Données de démonstration" not in page, nb.name
        assert "référentiel des QPV 2024" not in page, nb.name
        for label, rows in _tables(text):
            assert rows > 0, f"{nb.name} : tableau sans ligne « {label} »"
        assert not re.search(r"<t[dh][^>]*>\s*(15|48)\s*</t[dh]>", text), nb.name
        if nb.stem.startswith("axe"):
            assert "Aucune donnée reçue pour 2025" in text, nb.name
            assert page.count("Aucune donnée reçue pour 2025, ni pour les années 2021 à 2024") == 1
            assert "<img" not in text, f"{nb.name} : graphique sans donnée"
            assert "Pas de donnée" not in page, f"{nb.name} : avertissements répétés"
            assert "Définitions des indicateurs" in page, nb.name
            assert "Sources : " in page and qpv_list in page, nb.name
            assert "0 EPCI" not in page and "0 bailleurs" not in page, nb.name
    synthese = _visible_text((out / "synthese.html").read_text(encoding="utf-8"))
    assert "Aucune donnée des partenaires n'a été reçue pour 2021–2025" in synthese
    assert "EPCI ont un contrat de ville" not in synthese
    assert "tables attendues des partenaires n'a été reçue pour 2021–2025" in synthese
    context = _visible_text((out / "contexte.html").read_text(encoding="utf-8"))
    assert "Lozère" in context and "Cantal" in context
    index = _visible_text((out / "index.html").read_text(encoding="utf-8"))
    assert "Données de démonstration" not in index
    assert f"Liste des QPV {qpv_list}" in index
    assert (
        "Indicateurs de contexte par QPV : indicateurs-region-test.csv (Indicateurs INSEE / SIG "
        "Ville par QPV, millésime 2019) 1"
    ) in index


def test_a_forgotten_vintage_is_asked_for_in_the_yaml_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = make_region_project(tmp_path / "region99", millesime=None)
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    with pytest.raises(DataError) as caught:
        reference.qpv_for_params(load_params(2025, paths), paths)
    message = str(caught.value)
    assert "indicateurs-region-test.csv" in message and "« millesime: 2019 »" in message
    assert "params/2025.yaml" in message and "docs/autre_region.md" in message
    assert "import_context" not in message and "vintage" not in message
    assert "<année>" not in message


def test_demo_data_are_written_only_for_the_demo_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``donnees_demo``, another region's data/raw stays empty; the demo region's gets
    the demo files, and every later run still says that data/raw holds demo data."""
    from qpv_analytics.config import DEMO_MARKER
    from tests.conftest import make_project

    other = make_region_project(tmp_path / "region99", donnees_demo=None)
    monkeypatch.setenv("QPV_ROOT", str(other.root))
    lines: list[str] = []
    publication.prepare_data(load_params(2025, other), other, lines.append)
    assert [p.name for p in other.raw.rglob("*") if p.is_file()] == ["README.md"]
    assert "Pas de données de démonstration pour cette région" in "\n".join(lines)

    hdf = make_project(tmp_path / "hdf", with_notebooks=False)
    monkeypatch.setenv("QPV_ROOT", str(hdf.root))
    params = load_params(2025, hdf)
    assert params.donnees_demo is None and params.demo_wanted
    first: list[str] = []
    publication.prepare_data(params, hdf, first.append)
    assert (hdf.raw / DEMO_MARKER).exists()
    assert "données de démonstration écrites" in "\n".join(first)
    again: list[str] = []
    publication.prepare_data(params, hdf, again.append)
    assert f"data/raw/ contient les données de démonstration (fichier {DEMO_MARKER})" in "\n".join(
        again
    )


@pytest.mark.parametrize(
    ("yaml", "wanted"),
    [
        ("", True),  # demo region (Hauts-de-France, national list): the default
        ('region: "Hauts-de-France"\n', True),
        ('region: "76"\n', False),  # another region: never by default
        ('region: "32"\nreferentiel_qpv: contexte\n', False),  # own QPV list: demo codes unknown
        ('region: "76"\ndonnees_demo: true\n', True),  # asked for explicitly
        ("donnees_demo: false\n", False),
    ],
)
def test_demo_wanted_only_for_the_demo_region_or_on_request(yaml: str, wanted: bool) -> None:
    params = RunParams.model_validate({"annee": 2025, **(safe_load(yaml) or {})})
    assert params.demo_wanted is wanted


GUIDE = REPO / "docs" / "autre_region.md"


def guide_block(marker: str) -> str:
    """The fenced block that follows a marker of docs/autre_region.md, unindented."""
    text = GUIDE.read_text(encoding="utf-8")
    assert marker in text, f"{GUIDE.name} a perdu le bloc {marker}"
    block = re.search(r"```\w*\n(.*?)\n\s*```", text.split(marker, 1)[1], flags=re.S)
    assert block, marker
    lines = block[1].split("\n")
    indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    return "\n".join(x[indent:] for x in lines) + "\n"


def test_the_guide_example_of_a_sig_ville_only_region(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The complete example of docs/autre_region.md, copied as is, gives the QPV of the file."""
    from tests.conftest import make_project

    paths = make_project(tmp_path / "occitanie", with_notebooks=False)
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    yaml_text = guide_block("<!-- test_region: paramètres -->")
    (paths.params / "2025.yaml").write_text(yaml_text, encoding="utf-8")
    params = load_params(2025, paths)
    (paths.root / params.contexte[0].fichier).write_text(
        guide_block("<!-- test_region: fichier -->"), encoding="utf-8"
    )
    assert not params.demo_wanted  # another region: no demo data by default
    qpv = reference.qpv_for_params(params, paths)
    assert sorted(qpv["code_qpv"].unique()) == ["QP034001", "QP034002"]
    names = Report(params, paths, qpv, demo=False).names()
    assert names["departement"] == {"34": "Hérault"} and names["region"] == {"region": "Occitanie"}
    assert "codes QP…" in reporting.qpv_list_source(params)
    assert "sig-ville-occitanie-2019.csv" in reporting.qpv_list_source(params)


def test_demo_data_asked_for_with_an_own_qpv_list_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = make_region_project(tmp_path / "region99", donnees_demo=True)
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    with pytest.raises(DataError, match="donnees_demo: true .* referentiel_qpv: contexte"):
        publication.prepare_data(load_params(2025, paths), paths, print)
    assert [p.name for p in paths.raw.rglob("*") if p.is_file()] == ["README.md"]


def test_unknown_epci_are_said_unknown(region: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIG Ville list has no EPCI: the synthesis says so, never « 0 EPCI ont un contrat »."""
    from qpv_analytics.report import synthesis_sections

    shown: list[str] = []
    monkeypatch.setattr(reporting, "_display_html", shown.append)
    params = load_params(2025, region)
    rep = Report(params, region, reference.qpv_for_params(params, region), demo=False)
    assert not rep.epci_known
    synthesis_sections.epci_section(rep, pd.DataFrame(columns=RESULT_COLUMNS), {})
    text = _visible_text("".join(shown))
    assert "Les EPCI des quartiers prioritaires ne sont pas connus" in text
    assert "codes QP…" in text and "0 EPCI" not in text


def test_an_axis_has_data_when_one_of_its_tables_or_events_has_a_row_in_the_window(
    region: Paths,
) -> None:
    from qpv_analytics.ingest import loaders

    loaders.write_processed(loaders.load_raw(region), region)  # every table, none with a row
    params = load_params(2025, region)
    rep = Report(params, region, reference.qpv_for_params(params, region), demo=False)
    assert not rep.has_partner_data()
    assert not any(rep.has_data(axis) for axis in range(1, 7))
    pd.DataFrame({"annee": [2020], "code_qpv": ["QP048001"]}).to_parquet(
        region.processed / "attributions.parquet"
    )
    assert not rep.has_data(3)  # 2020 is before the trend window 2021–2025
    pd.DataFrame({"annee": [2023], "code_qpv": ["QP048001"]}).to_parquet(
        region.processed / "attributions.parquet"
    )
    assert rep.has_data(3) and rep.has_partner_data() and not rep.has_data(2)
    pd.DataFrame({"annee": [2025], "axe": [4]}).to_parquet(region.processed / "evenements.parquet")
    assert rep.has_data(4) and not rep.has_data(5)  # axis 4 is measured by its events
