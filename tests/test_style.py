"""Visual identity: colours declared once and readable, French spacing, report page export."""

from __future__ import annotations

import re

import nbformat
import pytest

from qpv_analytics import style
from qpv_analytics.config import TEMPLATES_DIR
from qpv_analytics.formatting import NBSP, NNBSP, french_spacing
from qpv_analytics.labels import AXES

CSS_FILES = sorted(TEMPLATES_DIR.glob("*.css"))


@pytest.mark.unit
def test_contrast_ratio_matches_the_wcag_definition():
    assert style.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert style.contrast_ratio("#777777", "#777777") == pytest.approx(1)
    # WCAG's own example: #777 on white is just below AA (4.48:1)
    assert style.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.unit
@pytest.mark.parametrize(("use", "text", "background"), style.TEXT_PAIRS)
def test_every_text_colour_passes_wcag_aa(use, text, background):
    ratio = style.contrast_ratio(text, background)
    assert ratio >= style.AA_TEXT, f"{use} : {text} sur {background} = {ratio:.2f}"


@pytest.mark.unit
def test_each_axis_has_its_own_colour():
    assert set(style.AXIS_COLOURS) == set(AXES)
    assert len(set(style.AXIS_COLOURS.values())) == len(AXES)
    assert style.MAIN not in style.AXIS_COLOURS.values()
    assert style.accent(2) == style.AXIS_COLOURS[2] and style.accent(None) == style.MAIN
    assert style.report_axis("axe2_gusp_tfpb") == 2
    assert style.report_axis("synthese") is None and style.report_axis("axe9_x") is None


@pytest.mark.unit
def test_stylesheets_take_every_colour_from_the_style_module():
    declared = set(re.findall(r"--qpv-([\w-]+):", style.css_variables()))
    assert CSS_FILES
    for css in CSS_FILES:
        text = css.read_text(encoding="utf-8")
        assert not re.findall(r"#[0-9a-fA-F]{3,6}\b|rgba?\(", text), css.name
        used = set(re.findall(r"var\(--qpv-([\w-]+)\)", text))
        assert used and used <= declared, f"{css.name} : {sorted(used - declared)}"


@pytest.mark.unit
def test_stylesheet_prints_on_a4_and_adapts_to_phones():
    css = style.page_css()
    assert "@page{size:A4" in css
    assert "@media print" in css and "break-inside:avoid" in css
    assert "thead{display:table-header-group}" in css
    assert "@media (max-width:" in css


@pytest.mark.unit
def test_french_spacing_makes_punctuation_spaces_unbreakable():
    assert french_spacing("Contexte : les QPV ; oui ! non ?") == (
        f"Contexte{NBSP}: les QPV{NNBSP}; oui{NNBSP}! non{NNBSP}?"
    )
    assert french_spacing("le rapport « Contexte »") == f"le rapport «{NBSP}Contexte{NBSP}»"
    assert french_spacing("http://exemple.fr à 10:30") == "http://exemple.fr à 10:30"
    assert french_spacing("déjà\u00a0: fait") == f"déjà{NBSP}: fait"


@pytest.mark.unit
def test_french_typography_leaves_markup_and_code_alone():
    from qpv_analytics.publish.html_export import french_typography

    page = (
        '<style>a :hover{x:1}</style><p title="a : b">Total : 3 ; fin</p>'
        "<code>x : int</code><script>a ? b : c</script>"
    )
    out = french_typography(page)
    assert '<style>a :hover{x:1}</style><p title="a : b">' in out
    assert f"Total{NBSP}: 3{NNBSP}; fin" in out
    assert "<code>x : int</code><script>a ? b : c</script>" in out


def _executed_notebook(path):
    """A small executed report notebook: title output, sections, a level-3 heading twice."""

    def html_output(markup: str):
        return nbformat.v4.new_output("display_data", data={"text/html": markup})

    cells = [
        nbformat.v4.new_code_cell(
            "open_report()",
            outputs=[html_output('<div class="qpv-page"><h1>Axe 2 — Essai</h1></div>')],
        ),
        nbformat.v4.new_code_cell(
            "heading()", outputs=[html_output('<h2 class="qpv-h">Chiffres clés de l\'année</h2>')]
        ),
        nbformat.v4.new_code_cell(
            "heading()",
            outputs=[
                html_output('<h3 class="qpv-h">Détail</h3><p>Contexte : un texte.</p>'),
                html_output('<h3 class="qpv-h">Détail</h3>'),
            ],
        ),
        nbformat.v4.new_code_cell("heading()", outputs=[html_output("<h2>Méthode</h2>")]),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


@pytest.mark.integration
def test_report_page_has_a_contents_list_and_no_script(tmp_path):
    from qpv_analytics.publish.html_export import export_html

    page = export_html(_executed_notebook(tmp_path / "axe2_essai.ipynb"), "Axe 2 — Essai — 2025")
    assert '<html lang="fr">' in page
    assert "<script" not in page.lower()
    assert "<title>Axe 2 — Essai — 2025</title>" in page
    nav = re.search(r'<nav[^>]*class="qpv-sommaire".*?</nav>', page, flags=re.S)
    assert nav, "sommaire absent"
    # the contents come right after the title, before the first section
    assert page.index("<h1>") < nav.start() < page.index('id="chiffres-cles-de-l-annee"')
    links = re.findall(r'href="#([^"]+)"', nav.group())
    assert links == ["chiffres-cles-de-l-annee", "detail", "detail-2", "methode"]
    for anchor in links:
        assert page.count(f'id="{anchor}"') == 1
    assert f"Contexte{NBSP}: un texte." in page
    assert f"--qpv-accent:{style.AXIS_COLOURS[2]}" in page


@pytest.mark.integration
def test_page_without_sections_has_no_contents_list(tmp_path):
    from qpv_analytics.publish.html_export import export_html

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                outputs=[
                    nbformat.v4.new_output("display_data", data={"text/html": "<h1>Seul</h1>"})
                ]
            )
        ]
    )
    nbformat.write(nb, tmp_path / "synthese.ipynb")
    page = export_html(tmp_path / "synthese.ipynb", "Seul")
    assert "qpv-sommaire" not in page.split("</style>")[-1]
    assert f"--qpv-accent:{style.MAIN}" in page


@pytest.mark.unit
def test_a_heading_about_an_axis_takes_its_colour(monkeypatch):
    from qpv_analytics.report import reporting

    shown: list[str] = []
    monkeypatch.setattr(reporting, "_display_html", shown.append)
    reporting.heading("Axe 3 — Prévention des discriminations", level=3, axis=3)
    reporting.heading("Méthode")
    assert shown == [
        f'<h3 class="qpv-h" style="--qpv-accent:{style.AXIS_COLOURS[3]}">'
        "Axe 3 — Prévention des discriminations</h3>",
        '<h2 class="qpv-h">Méthode</h2>',
    ]
