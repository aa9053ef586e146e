"""Confidentiality scan of a publication folder, on small files written in the test."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from qpv_analytics.disclosure.html_tables import to_html_table
from qpv_analytics.disclosure.scanner import (
    KIND_CODE,
    KIND_FILE,
    KIND_IDENTIFIER,
    KIND_PATH,
    KIND_PERSONAL,
    KIND_SMALL_COUNT,
    KIND_UNREADABLE,
    Finding,
    format_findings,
    scan_publication,
)
from qpv_analytics.disclosure.suppression import mask_counts

pytestmark = pytest.mark.unit

IDS = {"M000123", "P-2024-0042"}

# The body of the page starts on line 11.
PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Axe 1</title>
<style>.jp-InputArea {{ display: flex; }}</style></head>
<body>
<div class="jp-Cell jp-MarkdownCell jp-Notebook-cell">
<div class="jp-Cell-inputWrapper"><div class="jp-InputArea jp-Cell-inputArea">
<div class="jp-InputPrompt jp-InputArea-prompt"></div>
<div class="jp-RenderedMarkdown"><h1>Relogés</h1><a href="https://example.org/tmp/g">guide</a></div>
</div></div></div>
<div class="jp-Cell jp-CodeCell jp-Notebook-cell jp-mod-noInput">
<div class="jp-OutputArea">{body}</div></div>
</body></html>
"""


def people_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"Neuf": [12, 3, 9], "Existant": [15, 10, 11], "Hors QPV": [20, 8, 25]},
        index=pd.Index(["QPV A", "QPV B", "QPV C"], name="QPV d'origine"),
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    """A publication that may be shared: masked tables, aggregates, an audit folder apart."""
    folder = tmp_path / "2025"
    table = to_html_table(people_table(), "Ménages relogés", people_counts=True)
    write(folder / "axe1.html", PAGE.format(body=table))
    masked = mask_counts(people_table())
    masked.to_csv(folder / "axe1_effectifs.csv", sep=";", encoding="utf-8-sig")
    write(folder / "manifest.json", '{"annee": 2025, "entrees": ["data/raw/ru_relogements/a.csv"]}')
    write(folder / "notes.md", "Les effectifs de 1 à 4 personnes sont remplacés par « s ».\n")
    # Executed notebooks stay in an audit folder, which is never shared nor scanned.
    write(folder / "audit" / "axe1.ipynb", '{"source": "import pandas  # /home/anne/M000123"}')
    return folder


def kinds(findings: list[Finding]) -> list[str]:
    return [f.kind for f in findings]


def test_clean_publication_passes(clean: Path):
    assert scan_publication(clean, IDS) == []
    assert "aucun problème" in format_findings([])


def test_planted_identifier_fails_and_message_names_the_file(clean: Path):
    write(clean / "annexe.csv", "menage;qpv\nM000123;QP059001\n")
    findings = scan_publication(clean, IDS)
    assert kinds(findings) == [KIND_IDENTIFIER]
    assert findings[0].file == clean / "annexe.csv" and findings[0].line == 2
    message = format_findings(findings)
    assert message.startswith("Publication refusée : 1 problème(s) de confidentialité")
    assert str(clean / "annexe.csv") in message and "M000123" in message


def test_identifier_is_matched_as_a_whole_token(clean: Path):
    write(clean / "a.txt", "codes M0001234 et XM000123 : pas des identifiants\n")
    assert scan_publication(clean, IDS) == []
    write(clean / "b.html", "<p>QP059001-P-2024-0042</p>\n<p>m000123</p>")
    findings = scan_publication(clean, IDS)
    assert [(f.file.name, f.line) for f in findings] == [("b.html", 2), ("b.html", 1)]
    assert "« M000123 »" in findings[0].detail and "« P-2024-0042 »" in findings[1].detail


def test_sequence_numbers_used_as_identifiers_are_no_leak(clean: Path):
    """Households numbered 1…N: the figures and years of a page are not taken for them."""
    numbered = IDS | {str(i) for i in range(1, 10406)}
    write(clean / "c.html", "<p>En 2025, 12 ménages sur 345 ; 1 234 567 €.</p>")
    assert scan_publication(clean, numbered) == []
    write(clean / "d.csv", "menage\n1234567\nM000123\n")
    findings = scan_publication(clean, numbered | {"1234567"})
    assert [(f.file.name, f.line) for f in findings] == [("d.csv", 2), ("d.csv", 3)]


def test_unmasked_count_in_people_table_fails(clean: Path):
    table = (
        '<table class="qpv-tableau qpv-effectifs"><tr><th>2 personnes</th><th>2</th></tr>\n'
        "<tr><th>QPV A</th><td>12</td><td>0</td><td>s</td></tr>\n"
        "<tr><th>QPV B</th><td>1\u202f234</td><td><span>2</span></td></tr></table>"
    )
    write(clean / "axe5.html", PAGE.format(body=table))
    findings = scan_publication(clean, IDS)
    assert kinds(findings) == [KIND_SMALL_COUNT]
    assert "« 2 »" in findings[0].detail and findings[0].line == 13
    # The same count in a table that is not a table of people is not checked.
    write(clean / "axe5.html", PAGE.format(body=table.replace(" qpv-effectifs", "")))
    assert scan_publication(clean, IDS) == []


def test_unmasked_count_in_counts_csv_fails(clean: Path):
    write(clean / "axe5_effectifs.csv", "tranche;femmes;hommes\nmoins_26;12;3\n50_plus;0;s\n")
    findings = scan_publication(clean, IDS)
    assert [(f.kind, f.line) for f in findings] == [(KIND_SMALL_COUNT, 2)]
    assert "hommes" in findings[0].detail
    # Only CSV files named as counts are checked for small numbers.
    (clean / "axe5_effectifs.csv").rename(clean / "axe5_montants.csv")
    assert scan_publication(clean, IDS) == []


def test_code_cell_fails(clean: Path):
    cell = '<div class="jp-InputArea"><div class="jp-InputPrompt">In [3]:</div>x = 1</div>'
    write(clean / "axe2.html", PAGE.format(body=cell))
    findings = scan_publication(clean, IDS)
    assert [(f.kind, f.line) for f in findings] == [(KIND_CODE, 11)]
    assert "jp-InputArea" in findings[0].detail


@pytest.mark.parametrize(
    "body",
    [
        '<div class="input"><div class="prompt input_prompt">In [1]:</div></div>',
        '<div class="highlight hl-ipython3"><pre>df = load()</pre></div>',
        "<pre>import pandas as pd\ndf = pd.read_parquet(x)</pre>",
        "<pre>Traceback (most recent call last)\n  KeyError</pre>",
    ],
)
def test_other_code_traces_fail(clean: Path, body: str):
    write(clean / "axe3.html", PAGE.format(body=body))
    assert kinds(scan_publication(clean, IDS)) == [KIND_CODE]


def test_local_path_fails(clean: Path):
    write(clean / "axe6.html", PAGE.format(body="<pre>UserWarning: /home/anne/qpv/data.csv</pre>"))
    write(clean / "log.txt", "ok\nfichier C:\\Users\\anne\\Documents\\a.xlsx\n")
    write(clean / "x.json", '{"f": "C:\\\\Users\\\\anne\\\\a.csv", "u": "file:///work/main/x"}')
    findings = scan_publication(clean, IDS)
    assert [(f.file.name, f.kind, f.line) for f in findings] == [
        ("axe6.html", KIND_PATH, 11),
        ("log.txt", KIND_PATH, 2),
        ("x.json", KIND_PATH, 1),
        ("x.json", KIND_PATH, 1),
    ]
    assert "/home/anne/qpv/data.csv" in findings[0].detail


def test_embedded_images_are_not_read_as_text(clean: Path):
    image = '<img src="data:image/png;base64,iVBORw0K/home/M000123+/tmp/=="/>'
    write(clean / "axe4.html", PAGE.format(body=image))
    assert scan_publication(clean, IDS) == []


def test_notebooks_and_unread_data_files_are_refused(clean: Path):
    write(clean / "axe1.ipynb", "{}")
    pd.DataFrame({"a": [1]}).to_csv(clean / "ok.csv", sep=";")
    (clean / "sub").mkdir()
    pd.DataFrame({"a": [1]}).to_pickle(clean / "sub" / "ru_relogements.pkl")
    findings = scan_publication(clean, IDS)
    assert [(f.file.name, f.kind) for f in findings] == [
        ("axe1.ipynb", KIND_CODE),
        ("ru_relogements.pkl", KIND_FILE),
    ]
    message = format_findings(findings)
    assert message.startswith("Publication refusée : 2 problème(s) de confidentialité")
    assert "À faire" in message and "reports/audit/" in message


def test_parquet_and_excel_tables_are_read(clean: Path):
    aggregates = pd.DataFrame({"qpv": ["QP059001"], "menages": [42]})
    aggregates.to_parquet(clean / "indicateurs.parquet")
    aggregates.to_excel(clean / "indicateurs.xlsx", sheet_name="Axe 1", index=False)
    mask_counts(people_table()).astype(str).to_parquet(clean / "axe1_effectifs.parquet")
    assert scan_publication(clean, IDS) == []

    pd.DataFrame({"menage": ["M000123"]}).to_parquet(clean / "lignes.parquet")
    people_table().to_excel(clean / "axe1_effectifs.xlsx", sheet_name="Relogés")
    (clean / "cassé.parquet").write_bytes(b"PAR1")
    findings = scan_publication(clean, IDS)
    assert [(f.file.name, f.kind, f.line) for f in findings] == [
        ("axe1_effectifs.xlsx", KIND_SMALL_COUNT, 3),
        ("cassé.parquet", KIND_UNREADABLE, None),
        ("lignes.parquet", KIND_IDENTIFIER, 2),
    ]
    assert findings[0].detail.startswith("feuille « Relogés », colonne « Neuf » : effectif « 3 »")


def test_threshold_is_a_parameter(tmp_path: Path):
    write(tmp_path / "t_effectifs.csv", "qpv;n\nA;7\n")
    assert scan_publication(tmp_path, IDS) == []
    assert kinds(scan_publication(tmp_path, IDS, threshold=10)) == [KIND_SMALL_COUNT]


def test_missing_folder_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="introuvable"):
        scan_publication(tmp_path / "absent", IDS)


def test_threshold_cannot_be_lowered(tmp_path: Path):
    with pytest.raises(ValueError, match="Seuil"):
        scan_publication(tmp_path, IDS, threshold=3)


def test_personal_details_in_shared_files_fail_without_being_repeated(clean: Path):
    body = "<p>Porteurs : Ville de Lens, M. Jean Dupont,\njean.dupont@lens.fr, 06 12 34 56 78.</p>"
    write(clean / "axe1.html", PAGE.format(body=body))
    write(clean / "indicateurs" / "axe6.csv", "porteur;budget\nMme Claire Martin;1200\n")
    pd.DataFrame({"contact": ["+33 3 21 00 00 00"]}).to_parquet(clean / "contacts.parquet")
    findings = scan_publication(clean, IDS)
    assert [(f.file.name, f.kind, f.line) for f in findings] == [
        ("axe1.html", KIND_PERSONAL, 11),
        ("axe1.html", KIND_PERSONAL, 12),
        ("axe1.html", KIND_PERSONAL, 12),
        ("contacts.parquet", KIND_PERSONAL, 2),
        ("axe6.csv", KIND_PERSONAL, 2),
    ]
    assert [f.detail.split(" dans ")[0] for f in findings[:3]] == [
        "nom précédé d'une civilité",
        "adresse e-mail",
        "numéro de téléphone",
    ]
    message = format_findings(findings)
    assert message.startswith("Publication refusée : 5 problème(s)")
    assert "personal_text.mask" in message and "retirer ces coordonnées" in message
    for value in ("Dupont", "jean.dupont", "06 12", "Claire Martin", "21 00 00"):
        assert value not in message


def test_personal_patterns_skip_styles_images_and_ordinary_figures(clean: Path):
    """Style sheets, embedded images, dates, amounts and codes are no personal detail."""
    page = PAGE.replace(
        "</style>",
        "\n/* (c) M. Jean Dupont <jean.dupont@example.org>, 06 12 34 56 78 */\n"
        "@media screen {{ .logo {{ background: url(logo@2x.png); }} }}\n</style>",
    ).format(
        body='<img src="data:image/png;base64,am9obkBleGFtcGxlLmZy+0612345678/=="/>'
        "<p>Le 03/01/2025, M. le maire a signé pour 172\u202f345,50 € (SIREN 200041960, "
        "QPV QN05901M, 59000 Lille, départements 02, 59, 60, 62 et 80).</p>"
    )
    write(clean / "axe2.html", page)
    write(clean / "indicateurs" / "axe2.csv", "code;annee;valeur\nQN06235M;2021;107,00491558019\n")
    assert scan_publication(clean, IDS) == []
