"""HTML export of an executed report: no code, no script, a table of contents, French spacing.

The page is built by nbconvert with the ``rapport`` template (``templates/rapport/``), which
extends JupyterLab's and removes every script it would fetch from the Internet (RequireJS,
MathJax, Mermaid): the reports hold no formula, widget or diagram, and a page read offline
or printed must not depend on a network. The table of contents is computed here, without
JavaScript, from the section headings the notebooks display with
:func:`qpv_analytics.report.reporting.heading`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

from qpv_analytics import style
from qpv_analytics.config import TEMPLATES_DIR
from qpv_analytics.formatting import french_spacing

TEMPLATE_NAME = "rapport"
"""nbconvert template of the report pages, in :data:`~qpv_analytics.config.TEMPLATES_DIR`."""

_HEADING = re.compile(r"<h([23])\b([^>]*)>(.*?)</h\1\s*>", re.IGNORECASE | re.DOTALL)
_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""")
_TITLE = re.compile(r"<h1\b", re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_RAW_TEXT = {"style", "script", "pre", "code", "textarea"}


def slug(text: str) -> str:
    """ASCII anchor of a heading: ``Chiffres clés de l'année`` → ``chiffres-cles-de-l-annee``."""
    plain = unicodedata.normalize("NFKD", html.unescape(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "section"


class ContentsPreprocessor:
    """Give each section heading of the HTML outputs an anchor and list them for the template.

    Sets ``resources["qpv_sommaire"]``: one entry per level-2 heading (``id``, ``text``,
    ``children`` for its level-3 headings), and marks the cell showing the page title (the
    ``<h1>`` of :func:`~qpv_analytics.report.reporting.open_report`) with the metadata
    ``qpv_sommaire``, after which the template places the table of contents.

    A callable preprocessor, as nbconvert accepts them, rather than a subclass of its
    ``Preprocessor``: importing this module (for :func:`french_typography`) then does not
    import nbconvert, a second and a half that the command line does not need.
    """

    enabled = True

    def __call__(self, nb, resources):  # noqa: D102 - nbconvert's interface
        return self.preprocess(nb, resources)

    def preprocess(self, nb, resources):  # noqa: D102 - nbconvert's interface
        entries: list[dict] = []
        used: set[str] = set()
        title_cell = None

        def anchor(match: re.Match) -> str:
            level, attrs, inner = match.groups()
            found = _ID.search(attrs)
            if found:
                ident = found.group(1)
            else:
                base = slug(_TAG.sub("", inner))
                ident, n = base, 2
                while ident in used:
                    ident, n = f"{base}-{n}", n + 1
                attrs = f'{attrs} id="{ident}"'
            used.add(ident)
            entry = {"id": ident, "text": _TAG.sub("", inner).strip(), "children": []}
            if level == "2" or not entries:
                entries.append(entry)
            else:
                entries[-1]["children"].append(entry)
            return f"<h{level}{attrs}>{inner}</h{level}>"

        for cell in nb.cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "text/html" not in data:
                    continue
                markup = data["text/html"]
                markup = "".join(markup) if isinstance(markup, list) else markup
                if title_cell is None and _TITLE.search(markup):
                    title_cell = cell
                data["text/html"] = _HEADING.sub(anchor, markup)
        if title_cell is not None:
            title_cell.metadata["qpv_sommaire"] = True
        resources["qpv_sommaire"] = entries
        return nb, resources


def french_typography(markup: str) -> str:
    """Apply :func:`~qpv_analytics.formatting.french_spacing` to the text of an HTML page.

    Tags, comments, attributes and the content of ``style``, ``script``, ``pre`` and ``code``
    elements are left as they are.
    """
    parts: list[str] = []
    raw: str | None = None
    position = 0
    for match in _TAG.finditer(markup):
        text = markup[position : match.start()]
        parts.append(text if raw else french_spacing(text))
        tag = match.group()
        name = re.match(r"</?\s*([a-zA-Z0-9]+)", tag)
        if name:
            lowered = name.group(1).lower()
            if raw is None and lowered in _RAW_TEXT and not tag.startswith("</"):
                raw = None if tag.endswith("/>") else lowered
            elif raw == lowered and tag.startswith("</"):
                raw = None
        parts.append(tag)
        position = match.end()
    tail = markup[position:]
    parts.append(tail if raw else french_spacing(tail))
    return "".join(parts)


def export_html(executed: Path, title: str) -> str:
    """Export an executed notebook to a self-contained HTML page with no code, prompt or stderr.

    Args:
        executed: the notebook executed by Papermill.
        title: title of the page (browser tab, printed header).
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "parametres-injectes"  # Papermill draws a random id: pages would differ
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    nb.metadata = {"title": title, "language_info": {"name": "python"}}
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES_DIR)]
    )
    exporter.language_code = "fr"
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.register_preprocessor(ContentsPreprocessor(), enabled=True)
    resources = {
        "metadata": {"name": title},
        "qpv_stylesheet": style.stylesheet(style.report_axis(Path(executed).stem)),
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    body = body.replace('<html lang="en">', '<html lang="fr">').replace(
        "<html>", '<html lang="fr">'
    )
    return french_typography(body)
