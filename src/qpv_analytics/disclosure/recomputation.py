"""Recomputation checks of a publication: masked figures that other published figures give back."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from qpv_analytics.disclosure.html_tables import INDICATORS_ATTRIBUTE, PEOPLE_TABLE_CLASS
from qpv_analytics.disclosure.indicator_tables import is_share
from qpv_analytics.disclosure.suppression import published_recomputable
from qpv_analytics.labels import SECRET

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_INDICATOR_COLUMNS = {"indicateur", "niveau", "nom", "annee", "unite", "secret"}


@dataclass
class PeopleTable:
    """One published HTML table of counts of people, as read back from the page."""

    caption: str
    line: int
    indicators: tuple[str, ...] = ()
    """Indicators computed from the table's counts (``data-indicateurs``), if declared."""
    header: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str], bool]] = field(default_factory=list)

    def frame(self) -> pd.DataFrame | None:
        """The table as numbers, ``"s"`` and ``NaN`` (``None`` if a cell is not a number)."""
        width = len(self.header) - 1
        if width < 1 or not self.rows or any(len(cells) != width for _, cells, _ in self.rows):
            return None
        values = []
        for _, cells, _ in self.rows:
            parsed = [_number(text) for text in cells]
            if any(value is None for value in parsed):
                return None
            values.append(parsed)
        labels = [label for label, _, _ in self.rows]
        if len(set(labels)) != len(labels) or len(set(self.header[1:])) != width:
            return None
        return pd.DataFrame(values, index=labels, columns=self.header[1:], dtype=object)

    @property
    def total_row(self) -> str | None:
        """Label of the row of totals (``tr.qpv-total``), if any."""
        return next((label for label, _, total in self.rows if total), None)

    @property
    def total_col(self) -> str | None:
        """Label of the column of totals (headed like the row of totals), if any."""
        total = self.total_row
        return total if total is not None and total in self.header[1:] else None


def _number(text: str) -> object:
    """``"s"``, ``nan`` for a missing cell, a float, or ``None`` when the text is no number."""
    text = _SPACES.sub("", text)
    if text == SECRET:
        return SECRET
    if text in ("", "–", "-"):
        return math.nan
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


class _PeopleTableParser(HTMLParser):
    """Read back the ``qpv-effectifs`` tables of an HTML page (caption, headers, rows)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[PeopleTable] = []
        self.current: PeopleTable | None = None
        self.depth = 0
        self.text: list[str] | None = None
        self.row: list[str] | None = None
        self.row_label = ""
        self.row_total = False
        self.section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if tag == "table":
            self.depth += 1
            if self.current is None and PEOPLE_TABLE_CLASS in classes:
                linked = tuple((attributes.get(INDICATORS_ATTRIBUTE) or "").split())
                self.current, self.depth = PeopleTable("", self.getpos()[0], linked), 1
            return
        if self.current is None or self.depth != 1:
            return
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr" and self.section == "tbody":
            self.row, self.row_label, self.row_total = [], "", "qpv-total" in classes
        elif tag in ("caption", "th", "td"):
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if self.current is None:
            return
        if tag == "table":
            self.depth -= 1
            if self.depth == 0:
                self.tables.append(self.current)
                self.current = None
            return
        if self.depth != 1:
            return
        text = "".join(self.text or []).strip()
        if tag == "caption":
            self.current.caption = text
        elif tag == "th" and self.section == "thead":
            self.current.header.append(text)
        elif tag == "th" and self.row is not None:
            self.row_label = text
        elif tag == "td" and self.row is not None:
            self.row.append(text)
        elif tag == "tr" and self.row is not None:
            self.current.rows.append((self.row_label, self.row, self.row_total))
            self.row = None
        if tag in ("caption", "th", "td"):
            self.text = None

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)


def people_tables(text: str) -> list[PeopleTable]:
    """The ``qpv-effectifs`` tables of an HTML page, read back as published."""
    parser = _PeopleTableParser()
    parser.feed(text)
    parser.close()
    return parser.tables


def within_table(table: PeopleTable) -> list[tuple[int, str]]:
    """``(line, French detail)`` of the « s » cells a people table's own figures give back."""
    frame = table.frame()
    if frame is None:
        return []
    found = published_recomputable(frame, table.total_row, table.total_col)
    return [
        (
            table.line,
            f"tableau « {table.caption} », ligne « {row} », colonne « {col} » : la case masquée "
            "se recalcule à partir des cases et des totaux affichés (un « s » vaut au moins 1, "
            "les zéros étant affichés).",
        )
        for row, col in found
    ]


def read_indicator_csv(path: Path) -> pd.DataFrame | None:
    """A published indicator CSV with a boolean ``masque`` column, or ``None`` if it is none."""
    try:
        frame = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except ValueError:
        return None
    if not _INDICATOR_COLUMNS <= set(frame.columns):
        return None
    masked = frame["secret"].str.strip().str.lower().isin(["true", "vrai", "1"])
    return frame.assign(masque=masked.to_numpy())


def _kind(code: str, unit: str) -> str:
    """``taux`` for a share, ``effectif`` for a count of people, ``autre`` otherwise (a mean…)."""
    from qpv_analytics.indicators.model import REGISTRY

    indicator = REGISTRY.get(code)
    if indicator is None:
        return "taux" if is_share(unit) else "autre"
    if indicator.denominator is None:
        return "effectif" if indicator.people else "autre"
    return "taux" if is_share(indicator.unit) else "autre"


def against_indicators(
    csv_path: Path,
    masked: pd.DataFrame,
    pages: dict[Path, list[PeopleTable]],
) -> list[tuple[Path, int, str]]:
    """``(page, line, detail)`` of the figures masked in an indicator CSV that a people table shows.

    The tables checked for a masked row are those of any page that declare its indicator
    (``data-indicateurs``), and the tables declaring none on the page named like the CSV. A
    masked rate (unit ``%``…) of a territory and year is given back by such a table of the
    same year (in its caption) whose row for that territory shows every cell: the counts it
    is computed from are there. A masked count is given back by that row's shown total.
    """
    found = []
    for page, tables in pages.items():
        for table in tables:
            frame = table.frame()
            if frame is None:
                continue
            for row in masked.itertuples(index=False):
                code = str(row.indicateur)
                undeclared = not table.indicators and page.stem == csv_path.stem
                if code not in table.indicators and not undeclared:
                    continue
                name, year = str(row.nom).strip(), str(row.annee).strip()
                if not name or name not in frame.index or year not in table.caption:
                    continue
                cells = frame.loc[name]
                where = (
                    f"« {code} » de « {name} » en {year}, masqué dans {csv_path.name} "
                    f"(colonne secret), est redonné par la ligne « {name} » du tableau "
                    f"« {table.caption} » de {page.name}"
                )
                kind = _kind(code, str(row.unite))
                if kind == "taux":
                    shown = [v for v in cells if v != SECRET and not pd.isna(v)]
                    if SECRET not in cells.tolist() and sum(v > 0 for v in shown) >= 2:
                        detail = f"le taux {where} : ses effectifs y sont affichés."
                        found.append((page, table.line, detail))
                elif kind == "effectif" and table.total_col and cells[table.total_col] != SECRET:
                    if not pd.isna(cells[table.total_col]):
                        detail = f"l'effectif {where} : son total y est affiché."
                        found.append((page, table.line, detail))
    return found


def _value(text: str) -> float:
    """A published CSV value as a number (``nan`` when blank or not a number)."""
    try:
        return float(_SPACES.sub("", text).replace(",", "."))
    except ValueError:
        return math.nan


_KEY = ["indicateur", "niveau", "code", "annee"]


def across_files(frames: dict[Path, pd.DataFrame]) -> list[tuple[Path, int, str]]:
    """``(file, line, detail)`` of the figures masked in one indicator CSV and shown in another.

    The same indicator, level, territory and year published twice must be masked in both.
    """
    shown_parts = []
    for path, frame in frames.items():
        values = frame["valeur"].map(_value)
        rows = frame.loc[~frame["masque"] & values.notna(), _KEY]
        shown_parts.append(rows.assign(autre=path.name, autre_ligne=rows.index + 2))
    if not shown_parts:
        return []
    shown = pd.concat(shown_parts).drop_duplicates(_KEY)
    found = []
    for path, frame in frames.items():
        masked = frame.loc[frame["masque"], [*_KEY, "nom"]]
        masked = masked.assign(ligne=masked.index + 2).merge(shown, on=_KEY)
        for row in masked.itertuples(index=False):
            found.append(
                (
                    path,
                    int(row.ligne),
                    f"« {row.indicateur} » de « {row.nom} » en {row.annee}, masqué ici "
                    f"(colonne secret), est affiché dans {row.autre} (ligne {row.autre_ligne}).",
                )
            )
    return found


def within_lines(frame: pd.DataFrame, qpv: pd.DataFrame | None) -> list[tuple[int, str]]:
    """``(line, detail)`` of the masked counts of people that the file's own lines give back.

    For each count of people and year, the region bounds the sum of each level's rows, and
    with ``qpv`` each department bounds its EPCI and each EPCI its QPV (parts may miss people
    not located, never count them twice). A masked count is given back when these bounds, the
    shown rows and « s » ≥ 1 (zeros are shown) leave it a single value.
    """
    from qpv_analytics.disclosure.indicator_tables import additive_lines
    from qpv_analytics.disclosure.suppression import pinned_in_lines

    frame = frame.reset_index(drop=True)
    counts = [
        code
        for code in frame.loc[frame["masque"], "indicateur"].unique()
        if _kind(str(code), "") == "effectif"
    ]
    values = frame["valeur"].map(_value).to_numpy(dtype=float)
    secret = frame["masque"].to_numpy(dtype=bool)
    found = []
    chosen = frame[frame["indicateur"].isin(counts)]
    for (code, year), rows in chosen.groupby(["indicateur", "annee"], sort=False):
        lines = additive_lines(rows, qpv)
        relations = [(parent, children, False) for parent, children in lines]
        for position in pinned_in_lines(values, secret, relations):
            row = frame.loc[position]
            found.append(
                (
                    int(position) + 2,
                    f"l'effectif « {code} » de « {row['nom']} » en {year} se recalcule à partir "
                    "du total et des autres lignes publiées (un « s » vaut au moins 1, les zéros "
                    "étant affichés).",
                )
            )
    return found
