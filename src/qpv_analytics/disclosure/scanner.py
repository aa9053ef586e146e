"""Confidentiality scan of a publication folder before it is shared with partners."""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from qpv_analytics.config import AUDIT_FOLDER
from qpv_analytics.disclosure import personal_text, recomputation
from qpv_analytics.disclosure.html_tables import PEOPLE_TABLE_CLASS
from qpv_analytics.labels import PERSONAL_KIND_LABELS
from qpv_analytics.thresholds import MIN_COUNT

SCANNED_SUFFIXES = (".html", ".htm", ".csv", ".json", ".md", ".txt")
"""Shared files whose content is checked."""
CODE_SUFFIXES = (".ipynb", ".py")
"""Files that are code: never shared."""
TABLE_SUFFIXES = (".parquet", ".xlsx")
"""Shared tables read with pandas and checked like CSV files."""
DATA_SUFFIXES = (
    ".feather",
    ".pkl",
    ".pickle",
    ".xlsm",
    ".xls",
    ".ods",
    ".sqlite",
    ".db",
    ".dta",
    ".sav",
    ".sas7bdat",
)
"""Data files the scanner does not read: never shared (export aggregates as CSV instead)."""

KIND_IDENTIFIER = "identifiant"
KIND_SMALL_COUNT = "effectif non masqué"
KIND_CODE = "trace de code"
KIND_PATH = "chemin local"
KIND_FILE = "fichier à ne pas diffuser"
KIND_UNREADABLE = "fichier illisible"
KIND_RECOMPUTABLE = "valeur masquée recalculable"
KIND_PERSONAL = "donnée personnelle en clair"

_ADVICE = {
    KIND_IDENTIFIER: "ne publiez que des agrégats : retirez du rapport le tableau ou le texte "
    "qui reprend des lignes individuelles (les identifiants pseudonymes ne sortent jamais du "
    "pipeline).",
    KIND_SMALL_COUNT: "masquez le tableau avec qpv_analytics.disclosure.suppression.mask_counts, "
    "ou affichez-le avec to_html_table(..., people_counts=True), au lieu de l'écrire tel quel.",
    KIND_CODE: "exportez le notebook sans le code (cellules d'entrée, invites, tracebacks) ; les "
    "notebooks exécutés se rangent dans reports/audit/, jamais dans le dossier partagé.",
    KIND_PATH: "n'affichez aucun chemin de fichier (avertissements, tracebacks, print) : "
    "supprimez la sortie ou utilisez un nom de fichier relatif.",
    KIND_FILE: "retirez ce fichier du dossier partagé (notebooks et données brutes restent dans "
    "reports/audit/ ou data/) ; publiez les agrégats en CSV.",
    KIND_UNREADABLE: "écrivez le fichier en CSV « ; » encodé en UTF-8 : un fichier qui ne peut "
    "pas être vérifié n'est pas publié.",
    KIND_PERSONAL: "ne publiez pas les coordonnées saisies par les partenaires : affichez les "
    "textes libres des tables lus avec Report.table (qui masque noms, e-mails et téléphones) "
    "ou passez-les par qpv_analytics.disclosure.personal_text.mask ; demandez au partenaire "
    "de retirer ces coordonnées de son fichier.",
    KIND_RECOMPUTABLE: "décidez le secret une seule fois pour tout ce qui est publié d'un même "
    "tableau : masquez dans le tableau d'effectifs les cases dont l'indicateur masqué est "
    "calculé (show_people_table(..., forced=sections.linked_cells(...))), et affichez le "
    "tableau avec to_html_table(..., people_counts=True), qui ajoute les cases nécessaires pour "
    "qu'aucun « s » ne se recalcule à partir des totaux.",
}

_MAX_LISTED = 50
_TOKEN = re.compile(r"[\w-]+")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_LOCAL_PATH = re.compile(
    r"(?:(?<![\w.-])/(?:home|root|work|tmp|Users)/|(?<!\w)(?i:[a-z]:[\\/]+users)[\\/])"
    r"[^\s\"'<>]*"
)
_PYTHON = re.compile(
    r"^\s*(?:>>>\s*)?(?:import\s+[A-Za-z_][\w.]*|from\s+[\w.]+\s+import\s|def\s+\w+\s*\("
    r"|class\s+\w+\s*[(:]|Traceback \(most recent call last\))",
    re.MULTILINE,
)
_SMALL_NUMBER = re.compile(r"\+?(\d+)(?:[.,]0+)?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_STYLE = re.compile(r"<style\b.*?</style\s*>", re.IGNORECASE | re.DOTALL)

_CODE_CLASSES = {
    "jp-InputArea-editor",
    "jp-CodeMirrorEditor",
    "jp-Editor",
    "CodeMirror",
    "input_area",
    "highlight-ipynb",
}
"""Classes of a code editor or highlighted notebook input: always code."""
_INPUT_CLASSES = {"jp-InputArea", "jp-InputPrompt", "input_prompt", "input"}
"""Classes of a notebook input area or prompt: code, except inside a Markdown cell."""
_MARKDOWN_CLASSES = {"jp-MarkdownCell", "text_cell"}
_VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}


@dataclass(frozen=True)
class Finding:
    """One confidentiality problem found in a shared file."""

    file: Path
    kind: str
    detail: str
    line: int | None = None


def _small_count(text: str, threshold: int) -> bool:
    """True when ``text`` is an integer count of people from 1 to ``threshold - 1``."""
    match = _SMALL_NUMBER.fullmatch(_SPACES.sub("", text))
    return bool(match) and 1 <= int(match.group(1)) < threshold


class _Lines:
    """Line numbers of character offsets in a text."""

    def __init__(self, text: str) -> None:
        self._starts = [m.end() for m in re.finditer("\n", text)]

    def at(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset) + 1


_SEQUENCE_NUMBER = re.compile(r"\d{1,6}")
"""An identifier made of up to 6 digits: a row number (1…N), not told apart from a figure."""


class _IdentifierMatcher:
    """Find pseudonymous identifiers appearing as whole tokens (case-insensitive).

    Identifiers that are plain sequence numbers (up to 6 digits, such as households numbered
    1…N) are not searched: every page prints such numbers as figures, years or codes, and
    such a number alone says nothing about a person. Longer or lettered identifiers are.
    """

    def __init__(self, identifiers: Iterable[str]) -> None:
        cleaned = {str(i).strip() for i in identifiers} - {""}
        cleaned = {i for i in cleaned if not _SEQUENCE_NUMBER.fullmatch(i)}
        self.plain = {i.casefold(): i for i in cleaned if _TOKEN.fullmatch(i)}
        # A run of more hyphen-separated parts than any identifier has cannot be one.
        self.parts = max((i.count("-") + 1 for i in self.plain), default=1)
        self.other = [
            (i, re.compile(rf"(?<![\w-]){re.escape(i)}(?![\w-])", re.IGNORECASE))
            for i in sorted(cleaned)
            if not _TOKEN.fullmatch(i)
        ]

    def find(self, text: str) -> dict[str, list[int]]:
        """Return the offsets of each identifier found in ``text``."""
        hits: dict[str, list[int]] = {}
        # Each distinct token is tried once; only the tokens holding an identifier are then
        # looked for in the text, for their offsets (a page repeats its tokens many times).
        present = {
            token
            for token in set(_TOKEN.findall(text))
            if self.plain
            if any(w.casefold() in self.plain for _, w in self._pieces(token, 0, self.parts))
        }
        if present:
            for token in _TOKEN.finditer(text):
                if token.group() not in present:
                    continue
                for offset, word in self._pieces(token.group(), token.start(), self.parts):
                    original = self.plain.get(word.casefold())
                    if original is not None:
                        hits.setdefault(original, []).append(offset)
        for original, pattern in self.other:
            for match in pattern.finditer(text):
                hits.setdefault(original, []).append(match.start())
        return hits

    @staticmethod
    def _pieces(token: str, start: int, longest: int) -> Iterable[tuple[int, str]]:
        """The token and its hyphen-separated runs (``QP1-M00012`` also yields ``M00012``).

        Runs of more than ``longest`` parts are skipped (no identifier is that long).
        """
        yield start, token
        if "-" not in token:
            return
        parts = token.split("-")
        offsets = [start]
        for part in parts[:-1]:
            offsets.append(offsets[-1] + len(part) + 1)
        for i in range(len(parts)):
            for j in range(i + 1, min(len(parts), i + longest) + 1):
                if (i, j) != (0, len(parts)):
                    yield offsets[i], "-".join(parts[i:j])


class _HtmlInspector(HTMLParser):
    """Collect small counts in people tables and notebook code traces of an HTML page."""

    def __init__(self, threshold: int) -> None:
        super().__init__(convert_charrefs=True)
        self.threshold = threshold
        self.stack: list[tuple[str, frozenset[str], bool]] = []
        self.tables: list[bool] = []
        self.cell: list[str] | None = None
        self.cell_line = 0
        self.pre: list[str] | None = None
        self.pre_depth = 0
        self.pre_line = 0
        self.small_counts: list[tuple[int, str]] = []
        self.code: list[tuple[int, str]] = []

    def _inside(self, classes: set[str]) -> bool:
        return any(entry[1] & classes for entry in self.stack)

    def _code_trace(self, classes: frozenset[str]) -> str | None:
        if any(entry[2] for entry in self.stack):
            return None  # already reported through an enclosing element
        found = classes & _CODE_CLASSES or {c for c in classes if c.startswith("hl-ipython")}
        if not found and not self._inside(_MARKDOWN_CLASSES):
            found = classes & _INPUT_CLASSES
        return ", ".join(sorted(found)) if found else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = frozenset((dict(attrs).get("class") or "").split())
        line = self.getpos()[0]
        trace = self._code_trace(classes)
        if trace:
            self.code.append((line, f"élément de notebook (classe {trace})"))
        if tag == "table":
            self._end_cell()
            self.tables.append(PEOPLE_TABLE_CLASS in classes)
        elif tag in ("td", "th", "tr"):
            self._end_cell()
            if tag == "td" and any(self.tables):
                self.cell, self.cell_line = [], line
        elif tag in ("pre", "code"):
            if self.pre_depth == 0 and not any(entry[2] for entry in self.stack):
                self.pre, self.pre_line = [], line
            self.pre_depth += 1
        if tag not in _VOID_TAGS:
            self.stack.append((tag, classes, trace is not None))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr", "table"):
            self._end_cell()
        if tag == "table" and self.tables:
            self.tables.pop()
        if tag in ("pre", "code") and self.pre_depth:
            self.pre_depth -= 1
            if self.pre_depth == 0 and self.pre is not None:
                if _PYTHON.search("".join(self.pre)):
                    detail = "bloc de code Python (import, def, traceback)"
                    self.code.append((self.pre_line, detail))
                self.pre = None
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        if self.pre is not None:
            self.pre.append(data)

    def _end_cell(self) -> None:
        if self.cell is not None:
            text = "".join(self.cell).strip()
            if _small_count(text, self.threshold):
                self.small_counts.append((self.cell_line, text))
            self.cell = None


def _read_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8-sig", errors="replace")


def _scan_text(path: Path, text: str, matcher: _IdentifierMatcher) -> list[Finding]:
    """Identifiers and local paths, anywhere in the file (embedded images excepted)."""
    text = _DATA_URI.sub(lambda m: "data:" + "\n" * m.group().count("\n"), text)
    lines = _Lines(text)
    findings = []
    for identifier, offsets in sorted(matcher.find(text).items()):
        times = f" ({len(offsets)} fois)" if len(offsets) > 1 else ""
        findings.append(
            Finding(
                path,
                KIND_IDENTIFIER,
                f"l'identifiant pseudonyme « {identifier} » apparaît dans le fichier{times}.",
                lines.at(offsets[0]),
            )
        )
    for match in _LOCAL_PATH.finditer(text):
        findings.append(
            Finding(
                path, KIND_PATH, f"chemin local « {match.group()[:120]} ».", lines.at(match.start())
            )
        )
    return findings + _personal_details(path, text)


def _personal_details(path: Path, text: str) -> list[Finding]:
    """E-mail addresses, phone numbers, civility + name; the value itself is not repeated.

    Style sheets of HTML pages are skipped (blanked, line numbers kept).
    """
    if path.suffix.lower() in (".html", ".htm"):
        text = _STYLE.sub(lambda m: "\n" * m.group().count("\n"), text)
    lines = _Lines(text)
    return [
        Finding(
            path,
            KIND_PERSONAL,
            f"{PERSONAL_KIND_LABELS[m.kind]} dans le texte publié (valeur non recopiée ici).",
            lines.at(m.start),
        )
        for m in personal_text.find(text)
    ]


def _scan_html(path: Path, text: str, threshold: int) -> list[Finding]:
    inspector = _HtmlInspector(threshold)
    inspector.feed(text)
    inspector.close()
    findings = [
        Finding(
            path,
            KIND_SMALL_COUNT,
            f"effectif « {value} » (moins de {threshold}) dans un tableau {PEOPLE_TABLE_CLASS}.",
            line,
        )
        for line, value in inspector.small_counts
    ]
    findings += [Finding(path, KIND_CODE, f"{detail}.", line) for line, detail in inspector.code]
    return findings


def _small_counts(path: Path, table: pd.DataFrame, threshold: int) -> list[Finding]:
    """Small counts in a table of counts (the first column holds the labels if there are several).

    Line numbers are those of a CSV file with one header line.
    """
    columns = list(table.columns[1:]) if table.shape[1] > 1 else list(table.columns)
    findings = []
    for column in columns:
        for row, value in enumerate(table[column].astype(str), start=2):
            if _small_count(value, threshold):
                findings.append(
                    Finding(
                        path,
                        KIND_SMALL_COUNT,
                        f"colonne « {column} » : effectif « {value} » (moins de {threshold}).",
                        row,
                    )
                )
    return findings


def _scan_counts_csv(path: Path, threshold: int) -> list[Finding]:
    try:
        table = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except ValueError as exc:  # undecodable, malformed or empty file
        detail = f"CSV d'effectifs illisible ({type(exc).__name__}) : rien n'a pu être vérifié."
        return [Finding(path, KIND_UNREADABLE, detail)]
    return _small_counts(path, table, threshold)


def _scan_table_file(path: Path, matcher: _IdentifierMatcher, threshold: int) -> list[Finding]:
    """Parquet and Excel files: every sheet is checked as if it were a CSV file."""
    try:
        if path.suffix.lower() == ".parquet":
            sheets = {"": pd.read_parquet(path)}
        else:
            sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    except Exception as exc:  # any reading error means "cannot be verified"
        detail = f"fichier illisible ({type(exc).__name__}) : rien n'a pu être vérifié."
        return [Finding(path, KIND_UNREADABLE, detail)]
    findings = []
    for sheet, table in sheets.items():
        if not isinstance(table.index, pd.RangeIndex):
            table = table.reset_index()  # labels stored as the index come first, as in a CSV
        found = _scan_text(path, table.to_csv(sep=";", index=False), matcher)
        if "effectifs" in path.name.lower():
            found += _small_counts(path, table, threshold)
        if sheet:
            found = [replace(f, detail=f"feuille « {sheet} », {f.detail}") for f in found]
        findings += found
    return findings


def _shared_files(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != AUDIT_FOLDER)
        for name in sorted(files):
            yield Path(root) / name


def scan_publication(
    folder: Path,
    identifiers: set[str],
    threshold: int = MIN_COUNT,
    qpv: pd.DataFrame | None = None,
    checked: Collection[Path] = (),
) -> list[Finding]:
    r"""Check every shared file of a publication folder before it goes to partners.

    Sub-folders named ``audit`` are skipped (they are never shared). Checks:

    - every HTML, CSV, JSON, Markdown and text file: no identifier of ``identifiers`` as a
      whole token (case-insensitive; hyphens and underscores belong to tokens, but each
      hyphen-separated part is tried too), and no absolute local path (``/home/``,
      ``/root/``, ``/work/``, ``/tmp/``, ``/Users/``, ``C:\Users``); embedded images are
      skipped; no e-mail address, phone number or civility followed by a name
      (:mod:`~qpv_analytics.disclosure.personal_text`; HTML style sheets skipped);
    - HTML tables with the class ``qpv-effectifs`` (data cells ``<td>``, not headers) and CSV
      files whose name contains ``effectifs`` (``;``-separated, UTF-8; every column but the
      first, which holds the labels): no integer from 1 to ``threshold - 1``;
    - HTML: no notebook code: input areas and prompts (``jp-InputArea``, ``jp-InputPrompt``,
      ``input``, ``input_prompt``; the empty ones that wrap Markdown cells are allowed), code
      editors, highlighted inputs, and ``<pre>``/``<code>`` blocks with Python code
      (``import``, ``from … import``, ``def``, ``class``) or a traceback;
    - by recomputation, across the whole folder: no « s » of a ``qpv-effectifs`` table left
      a single possible value by the table's shown cells and totals (an « s » is at least 1,
      zeros being shown); no figure masked in an indicator CSV (``secret`` true) given back
      by a people table of any page that declares the indicator (``data-indicateurs``), or
      of the page of the same name (a masked rate whose row, in a table of that year, shows
      every cell; a masked count whose row total is shown); no figure masked in one CSV and
      shown in another; and no masked count of people that the region total (and, with
      ``qpv``, each department's and EPCI's) and the shown rows of its CSV pin down;
    - Parquet and Excel (``.xlsx``) files: read with pandas and checked like CSV files;
    - no notebook or script (``.ipynb``, ``.py``) and no data file the scan does not read
      (pickle, Feather, ``.xls``, SQLite…) anywhere in the folder.

    Args:
        folder: the folder to be shared (e.g. ``reports/<annee>/`` or its build folder).
        identifiers: pseudonymous identifiers of persons and households (values of the
            ``identifier`` columns of the contract), and any other string never to publish.
        threshold: smallest count of people that may be shown (at least ``MIN_COUNT``).
        qpv: QPV reference of the region (contract table ``qpv``), to check the counts of
            EPCI within departments and of QPV within EPCI too.
        checked: files of ``folder`` that passed this scan before and did not change since
            (the published indicator tables a profile on demand is built beside). Their own
            checks are not repeated; they are still read for the checks across files, so a
            new page is checked against them.

    Returns:
        The problems found, in file order (empty: the folder may be shared).

    Raises:
        FileNotFoundError: ``folder`` does not exist.
        ValueError: ``threshold`` is below ``MIN_COUNT``.
    """
    if threshold < MIN_COUNT:
        raise ValueError(
            f"Seuil de secret {threshold} refusé : les effectifs de personnes publiés doivent "
            f"être masqués en dessous d'au moins {MIN_COUNT}."
        )
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Dossier de publication introuvable : {folder}")
    matcher = _IdentifierMatcher(identifiers)
    findings: list[Finding] = []
    pages: dict[Path, list[recomputation.PeopleTable]] = {}
    frames: dict[Path, pd.DataFrame] = {}
    checked = {Path(p) for p in checked}
    checked_pages: list[Path] = []
    for path in _shared_files(folder):
        suffix = path.suffix.lower()
        if path in checked:  # context only: read for the checks across files
            if suffix == ".csv" and (frame := recomputation.read_indicator_csv(path)) is not None:
                frames[path] = frame
            elif suffix in (".html", ".htm"):
                checked_pages.append(path)
            continue
        if suffix in CODE_SUFFIXES:
            findings.append(
                Finding(path, KIND_CODE, "notebook ou script Python dans le dossier partagé.")
            )
        elif suffix in DATA_SUFFIXES:
            findings.append(
                Finding(path, KIND_FILE, "fichier de données que le contrôle ne peut pas vérifier.")
            )
        elif suffix in TABLE_SUFFIXES:
            findings += _scan_table_file(path, matcher, threshold)
        elif suffix in SCANNED_SUFFIXES:
            text = _read_text(path)
            findings += _scan_text(path, text, matcher)
            if suffix in (".html", ".htm"):
                findings += _scan_html(path, text, threshold)
                tables = recomputation.people_tables(text)
                pages[path] = tables
                for table in tables:
                    findings += [
                        Finding(path, KIND_RECOMPUTABLE, detail, line)
                        for line, detail in recomputation.within_table(table)
                    ]
            elif suffix == ".csv":
                if "effectifs" in path.name.lower():
                    findings += _scan_counts_csv(path, threshold)
                frame = recomputation.read_indicator_csv(path)
                if frame is not None:
                    frames[path] = frame
    new_frames = [path for path in frames if path not in checked]
    every_page = dict(pages)
    if new_frames:  # a new table is checked against every page, the checked ones too
        every_page |= {p: recomputation.people_tables(_read_text(p)) for p in checked_pages}
    for path, frame in frames.items():
        masked = frame[frame["masque"]]
        if masked.empty:
            continue
        # A checked table was checked against the checked pages: only the new ones remain.
        found = recomputation.against_indicators(
            path, masked, pages if path in checked else every_page
        )
        findings += [Finding(page, KIND_RECOMPUTABLE, text, line) for page, line, text in found]
        if path not in checked:
            lines = recomputation.within_lines(frame, qpv)
            findings += [Finding(path, KIND_RECOMPUTABLE, text, line) for line, text in lines]
    if new_frames:
        found = recomputation.across_files(frames)
        findings += [Finding(path, KIND_RECOMPUTABLE, text, line) for path, line, text in found]
    return findings


def format_findings(findings: list[Finding]) -> str:
    """Return a French report of the findings, grouped by file, with what to do.

    Args:
        findings: the result of :func:`scan_publication`.

    Returns:
        A message starting with ``Publication refusée : N problème(s) de confidentialité``,
        or a one-line confirmation when there is no finding.
    """
    if not findings:
        return "Contrôle de confidentialité : aucun problème détecté."
    files = list(dict.fromkeys(f.file for f in findings))
    lines = [
        f"Publication refusée : {len(findings)} problème(s) de confidentialité dans "
        f"{len(files)} fichier(s). Rien ne doit être diffusé avant correction."
    ]
    listed = 0
    for file in files:
        if listed == _MAX_LISTED:
            break
        lines.append(f"\n{file}")
        for finding in [f for f in findings if f.file == file][: _MAX_LISTED - listed]:
            where = f"ligne {finding.line} — " if finding.line else ""
            lines.append(f"  - {where}{finding.kind} : {finding.detail}")
            listed += 1
    if listed < len(findings):
        lines.append(f"\n… et {len(findings) - listed} autre(s) problème(s).")
    kinds = list(dict.fromkeys(f.kind for f in findings))
    lines.append("\nÀ faire :")
    lines += [f"  - {kind} : {_ADVICE[kind]}" for kind in kinds]
    lines.append("Corrigez le notebook ou le fichier concerné, puis relancez make reports.")
    return "\n".join(lines)
