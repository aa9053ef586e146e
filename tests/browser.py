"""Browser checks of published pages: the Debian ``chromium`` driven by Playwright.

Playwright earns its place over ``chromium --headless --dump-dom``: it reports console
messages, script errors and failed loads as events (the command line only logs some of them,
mixed with Chromium's own logging), and it measures the rendered page (image sizes, page
width on a phone, colours after the cascade, print layout). Only its Python package is used:
the browser is the system ``chromium`` (``executable_path``), never one downloaded by
``playwright install``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE_WIDTH = 390
DESKTOP_WIDTH = 1280
A4_POINTS = (595, 842)
"""Width and height of an A4 page in PDF points (210 × 297 mm)."""
A4_TEXT_WIDTH = 688
"""Width in CSS pixels of the text of an A4 page within the stylesheet's margins (182 mm)."""
MIN_TEXT = 200
"""Fewer visible characters than this and a page counts as blank."""


@cache
def chromium_path() -> tuple[str | None, str]:
    """Return the system Chromium, installing the Debian package when missing.

    The package is installed with ``apt-get`` when the tests run as root or in CI
    (``CI=true``, through ``sudo -n`` when not root).

    Returns:
        The executable (``None`` if it cannot be had) and, when ``None``, why, in French.
    """
    found = shutil.which("chromium")
    if found:
        return found, ""
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    ci = os.environ.get("CI", "").lower() == "true"
    if not (root or ci) or shutil.which("apt-get") is None or not (root or shutil.which("sudo")):
        return None, (
            "navigateur chromium absent et pas installable ici (ni administrateur, ni CI, ou "
            "système sans apt-get ni sudo) : installez le paquet Debian « chromium » "
            "(sudo apt-get install chromium) pour lancer ce test"
        )
    sudo = [] if root else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    log = []
    for command in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(
            sudo + command, capture_output=True, text=True, env=env, timeout=900, check=False
        )
        log.append(done.stderr.strip().splitlines()[-1:] if done.stderr.strip() else [])
    found = shutil.which("chromium")
    if found:
        return found, ""
    last = " ".join(line for lines in log for line in lines)
    return None, (
        f"navigateur chromium absent et son installation (apt-get install chromium) a échoué "
        f"({last or 'sans message'}) : installez-le à la main pour lancer ce test"
    )


_PAGE_FACTS = "\n".join(
    line
    for line in (Path(__file__).parent / "browser_facts.js")
    .read_text(encoding="utf-8")
    .splitlines()
    if not line.startswith("//")
)
"""JavaScript function measuring a rendered page (text, size, images, links, contrast)."""


_PRINTED_WIDTH = """() => Math.max(document.documentElement.scrollWidth,
  ...Array.from(document.querySelectorAll('table, img, figure, pre'))
    .map(e => Math.ceil(e.getBoundingClientRect().right)))"""
"""Right edge of the widest block, overflowing or clipped by its container."""


@dataclass
class PageReport:
    """What the browser found wrong on one page (empty lists: nothing wrong)."""

    page: str
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    broken_links: list[str] = field(default_factory=list)
    blank: bool = False
    low_contrast: list[str] = field(default_factory=list)
    phone_overflow: int = 0
    print_overflow: int = 0
    pdf_pages: int = 0
    pdf_size: tuple[int, int] | None = None

    def problems(self) -> list[str]:
        """Each problem in French, for the assertion message."""
        out = [f"console : {m}" for m in self.console]
        out += [f"chargement échoué : {m}" for m in self.failed]
        out += [f"image cassée : {m}" for m in self.broken_images]
        out += [f"lien cassé : {m}" for m in self.broken_links]
        out += ["page blanche"] if self.blank else []
        out += [f"contraste insuffisant : {m}" for m in self.low_contrast]
        if self.phone_overflow:
            out.append(f"page plus large que l'écran d'un téléphone ({self.phone_overflow} px)")
        if self.print_overflow:
            out.append(f"impression : contenu plus large que la page A4 ({self.print_overflow} px)")
        if self.pdf_size and self.pdf_size != A4_POINTS:
            out.append(
                f"impression : format {self.pdf_size} au lieu de A4 {A4_POINTS} (pas de "
                "règle @page A4 dans la feuille de style)"
            )
        if not self.pdf_pages:
            out.append("impression : aucune page")
        return [f"{self.page} — {p}" for p in out]


def _link_problem(href: str, page: Path, root: Path, ids: set[str]) -> str | None:
    """Why a link of a published page is broken, or ``None``: targets must exist and stay inside."""
    parts = urlsplit(href)
    if parts.scheme in {"http", "https", "mailto", "tel", "data"}:
        return None
    if parts.scheme and parts.scheme != "file":
        return f"{href} (schéma inconnu)"
    if not parts.path:
        return None if not parts.fragment or parts.fragment in ids else f"{href} (ancre absente)"
    target = (page.parent / unquote(parts.path)).resolve()
    if root.resolve() not in target.parents and target != root.resolve():
        return f"{href} (hors de la publication)"
    if not target.exists():
        return f"{href} (fichier absent)"
    if parts.fragment and target.suffix == ".html":
        text = target.read_text(encoding="utf-8", errors="replace")
        if not re.search(rf"""\bid=["']{re.escape(parts.fragment)}["']""", text):
            return f"{href} (ancre absente)"
    return None


def _pdf_facts(data: bytes) -> tuple[int, tuple[int, int] | None]:
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)
    size = (round(float(box.group(1))), round(float(box.group(2)))) if box else None
    return pages, size


def check_pages(
    root: Path,
    pages: list[Path],
    executable: str,
    shots: Path | None = None,
    third_party: set[Path] | frozenset[Path] = frozenset(),
) -> list[PageReport]:
    """Open each page at desktop and phone widths, and print it to PDF; report what is wrong.

    Every request to the network is refused, as on a partner's computer offline: a page that
    needs one fails. Pages written by another tool (``third_party``: Great Expectations' Data
    Docs, which load their styles and scripts from the Internet) are checked for what the
    project controls only: not blank, local links and images, printable.

    Args:
        root: the publication folder (links must stay inside it).
        pages: the HTML pages to check.
        executable: the Chromium to drive.
        shots: a folder receiving screenshots (desktop, phone) and the PDF of each page.
        third_party: pages among ``pages`` written by another tool.
    """
    from playwright.sync_api import sync_playwright

    reports = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for page_path in pages:
                name = page_path.relative_to(root).as_posix()
                shot = name.removesuffix(".html").replace("/", "_")
                report = PageReport(name)
                ours = page_path not in third_party
                for width in (DESKTOP_WIDTH, PHONE_WIDTH) if ours else (DESKTOP_WIDTH,):
                    context = browser.new_context(viewport={"width": width, "height": 900})
                    context.route(re.compile(r"^(https?|wss?)://"), lambda route: route.abort())
                    tab = context.new_page()
                    tab.on(
                        "console",
                        lambda m, r=report: r.console.append(m.text) if m.type == "error" else None,
                    )
                    tab.on("pageerror", lambda e, r=report: r.console.append(str(e)))
                    tab.on(
                        "requestfailed",
                        lambda q, r=report: r.failed.append(f"{q.url[:120]} ({q.failure})"),
                    )
                    tab.goto(page_path.as_uri(), wait_until="load")
                    facts = tab.evaluate(_PAGE_FACTS)
                    if width == DESKTOP_WIDTH:
                        report.blank = facts["text"] < MIN_TEXT or facts["height"] < 300
                        report.broken_images = [
                            i["alt"] or i["src"]
                            for i in facts["brokenImages"]
                            if ours or not re.match(r"https?://", i["src"])
                        ]
                        report.low_contrast = facts["lowContrast"] if ours else []
                        ids = set(facts["ids"])
                        report.broken_links = sorted(
                            {
                                p
                                for href in facts["links"]
                                if (p := _link_problem(href, page_path, root, ids))
                            }
                        )
                        # Letter, unless the page's stylesheet asks for A4 (@page)
                        data = tab.pdf(
                            format="Letter", prefer_css_page_size=True, print_background=True
                        )
                        report.pdf_pages, size = _pdf_facts(data)
                        report.pdf_size = size if ours else None
                        if shots and ours:
                            shots.mkdir(parents=True, exist_ok=True)
                            (shots / f"{shot}.pdf").write_bytes(data)
                    else:
                        report.phone_overflow = max(0, facts["width"] - PHONE_WIDTH)
                        # print layout at the width of an A4 page's text
                        tab.emulate_media(media="print")
                        tab.set_viewport_size({"width": A4_TEXT_WIDTH, "height": 900})
                        width_printed = tab.evaluate(_PRINTED_WIDTH)
                        report.print_overflow = max(0, width_printed - A4_TEXT_WIDTH)
                        tab.emulate_media(media="screen")
                        tab.set_viewport_size({"width": width, "height": 900})
                    if shots and ours:
                        tab.screenshot(path=str(shots / f"{shot}-{width}.png"))
                    context.close()
                report.console = list(dict.fromkeys(report.console)) if ours else []
                report.failed = list(dict.fromkeys(report.failed))
                if not ours:
                    report.failed = [f for f in report.failed if not re.match(r"https?://", f)]
                reports.append(report)
        finally:
            browser.close()
    return reports
