"""The browser checks of tests/browser.py catch each fault they are meant to catch."""

from __future__ import annotations

import pytest

from qpv_analytics import style
from tests import browser

pytestmark = pytest.mark.integration

GOOD = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Essai</title>{style.stylesheet()}</head><body class="qpv-feuille">
<h1 id="haut">Page d'essai</h1><p>{"Un texte lisible, assez long pour ne pas être vide. " * 8}</p>
<p><a href="#haut">Haut de page</a> · <a href="autre.html">Autre page</a></p>
</body></html>"""


FAULTS = [
    ("<script>undefinedFunction()</script>", "console"),
    ('<script>console.error("en panne")</script>', "console : en panne"),
    ('<img src="absente.png" alt="graphique">', "image cassée : graphique"),
    ('<img src="https://exemple.invalid/logo.png" alt="logo">', "chargement échoué"),
    ('<a href="manquante.html">x</a>', "lien cassé : manquante.html (fichier absent)"),
    ('<a href="#nulle-part">x</a>', "lien cassé : #nulle-part (ancre absente)"),
    ('<a href="autre.html#rien">x</a>', "lien cassé : autre.html#rien (ancre absente)"),
    ('<a href="../../etc/passwd">x</a>', "hors de la publication"),
    ('<p style="color:#999999">texte trop pâle</p>', "contraste insuffisant"),
    ('<table style="width:900px"><tr><td>large</td></tr></table>', "téléphone"),
    ('<div style="width:900px">large</div>', "plus large que la page A4"),
    ("<style>@page{size:A5}</style>", "impression : format"),
]
"""One fault planted in a clean page, and what the report must say about it."""


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Every planted page checked in one browser session: page name → problems."""
    executable, why = browser.chromium_path()
    if executable is None:
        pytest.skip(f"Test dans le navigateur non lancé : {why}.")
    root = tmp_path_factory.mktemp("navigateur")
    (root / "autre.html").write_text(GOOD, encoding="utf-8")
    pages = {"propre.html": GOOD, "blanche.html": GOOD.split("<h1")[0] + "</body></html>"}
    for n, (fault, _) in enumerate(FAULTS):
        pages[f"faute{n}.html"] = GOOD.replace("</body>", fault + "</body>")
    pages["docs.html"] = GOOD.replace(
        "</body>",
        '<script src="https://exemple.invalid/lib.js"></script><script>$()</script>'
        '<img src="https://exemple.invalid/logo.png" alt="logo">'
        '<a href="absente.html">x</a></body>',
    )
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
    paths = [root / name for name in pages]
    reports = browser.check_pages(root, paths, executable, third_party={root / "docs.html"})
    return {r.page: r.problems() for r in reports}


def test_a_clean_page_passes(checked):
    assert checked["propre.html"] == []


@pytest.mark.parametrize(("n", "found"), [(n, f) for n, (_, f) in enumerate(FAULTS)])
def test_each_fault_is_reported(checked, n, found):
    problems = checked[f"faute{n}.html"]
    assert any(found in p for p in problems), problems


def test_a_blank_page_is_reported(checked):
    assert "blanche.html — page blanche" in checked["blanche.html"]


def test_a_third_party_page_may_need_the_internet_but_not_miss_local_files(checked):
    assert checked["docs.html"] == ["docs.html — lien cassé : absente.html (fichier absent)"]


def test_without_chromium_nor_rights_the_test_says_why_in_french(monkeypatch):
    browser.chromium_path.cache_clear()
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    monkeypatch.setattr(browser.os, "geteuid", lambda: 1000, raising=False)
    monkeypatch.delenv("CI", raising=False)
    try:
        executable, why = browser.chromium_path()
    finally:
        browser.chromium_path.cache_clear()
    assert executable is None
    assert "navigateur chromium absent" in why and "apt-get install chromium" in why
