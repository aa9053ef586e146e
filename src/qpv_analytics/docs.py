"""Documentation and empty templates generated from the data contract, for data producers.

The Excel templates are written with openpyxl (a dependency already: the readers' tests and
the disclosure scanner use it), the one maintained library that writes data validation
(drop-down lists), frozen panes, column styles and hidden sheets of an ``.xlsx``. The files
are rewritten with fixed dates (workbook properties and ZIP entries) so that regenerating
them gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from qpv_analytics import formatting
from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import AXES_TFPB, KIND_LABELS, TABLES, Column, Table
from qpv_analytics.contract.template import (
    DESCRIPTION_SHEET,
    LISTS_SHEET,
    REGISTRY_SHEET,
    ExampleValue,
    example_row,
)
from qpv_analytics.ingest.loaders import load_table
from qpv_analytics.labels import AXES
from qpv_analytics.quality.suites import bounds_text

HEADER = """# Données : contrat d'échange avec les partenaires

*Page générée depuis le contrat de données (`src/qpv_analytics/contract/`) par `make doc` :
ne pas la modifier à la main.*

Chaque partenaire envoie chaque année un fichier par table, en CSV (séparateur `;`, virgule
décimale, UTF-8 ou Windows-1252 ; l'export « Texte Unicode » d'Excel est lu aussi) ou en
classeur `.xlsx`, `.xls` (Excel 97-2003) ou `.ods` (LibreOffice), avec une feuille nommée
comme la table ; les cellules date et nombre d'un classeur sont lues telles quelles. Les
fichiers se déposent dans `data/raw/<table>/` (ou `data/raw/<table>.csv`) et ne sont
**jamais modifiés** par l'outil. Un nom de colonne qui ne diffère du modèle que par les
accents, les majuscules, les espaces, un pluriel ou un « de » (`Comités de pilotage` pour
`comites_pilotage`) est lu sous le nom du modèle, et signalé.

Règles communes :
- les codes gardent leurs zéros en tête (`02`, `059…`) : mettez la colonne au format texte
  dans Excel (l'outil complète les codes raccourcis et le signale) ;
- une cellule vide signifie « donnée absente ou secrète », jamais zéro ;
- pas de ligne de total, pas de cellules fusionnées, une seule ligne d'en-tête ;
- dates au format `jj/mm/aaaa`, booléens `oui` / `non` ;
- aucune coordonnée de personne dans les textes libres (titres, porteurs, résumés…) : un nom
  précédé de M. ou Mme, une adresse e-mail ou un numéro de téléphone est signalé par un
  avertissement et masqué dans les rapports ; nommez la structure (« Ville de Lens »).

Tables personnelles (ménages relogés, bénéficiaires des clauses) : les identifiants sont
pseudonymes ; seules des données agrégées et protégées par le secret statistique sont
publiées (voir `docs/confidentialite.md`).

## Modèles à envoyer aux partenaires

`data/modeles/` contient, pour chaque table ci-dessous, un modèle CSV vide (`<table>.csv`) et
un classeur Excel (`<table>.xlsx`), régénérés depuis le contrat par `make doc`. Le classeur a :
- une feuille nommée comme la table, à remplir : la ligne d'en-tête (ne pas la modifier),
  figée, puis une **ligne d'exemple aux valeurs fictives**, en gris, à remplacer ou supprimer ;
  laissée telle quelle, elle est ignorée à la lecture (avertissement « ligne d'exemple du
  modèle ») ; une ligne d'exemple dont une cellule a changé est lue comme une donnée ;
- des listes déroulantes pour les colonnes codées (axes, types, statuts, `oui` / `non`…),
  dont les valeurs sont dans une feuille masquée `listes`, des contrôles de saisie (nombres
  positifs, taux de 0 à 100, dates, SIREN à 9 caractères, forme des codes QPV) et, sur chaque
  cellule, un message qui décrit la colonne ; les codes sont des cellules texte (les zéros en
  tête restent), les nombres et les dates s'affichent à la française (`1 234,50`,
  `14/03/2025`) ;
- une feuille `description` : chaque colonne avec sa description, son type et son format, les
  valeurs permises (et le sens des numéros d'axe), son unité, si elle est obligatoire, et un
  exemple ;
- pour les tables qui nomment un bailleur, une feuille `registre_bailleurs` derrière la liste
  déroulante des bailleurs. Dans `data/modeles/`, elle est vide : l'équipe y colle les noms de
  référence du registre avant l'envoi. Quand le registre est dans `data/raw/bailleurs/`,
  `make doc` écrit aussi dans `data/modeles/avec_bailleurs/` (non versionné) des classeurs
  dont la liste est déjà remplie, à envoyer tels quels. Excel accepte un nom hors de la liste
  après confirmation (nouveau bailleur) ; à la lecture, une variante connue est harmonisée et
  un nom inconnu du registre fait l'objet d'un avertissement.

Le classeur rempli se dépose tel quel dans `data/raw/<table>/`, sans copier-coller : seule la
feuille nommée comme la table est lue (si elle a été renommée, la seule feuille remplie autre
que `description`, `registre_bailleurs` et `listes`) ; les feuilles masquées ne sont jamais
lues.
"""


VALUE_LABELS: dict[str, dict[int, str]] = {"axe": AXES, "axe_tfpb": AXES_TFPB}
"""Meaning of the numbered values of a column (roadmap axes, TFPB axes)."""


def _code(value: object) -> str:
    return f"`{value}`"


def _constraint(col: Column, quote: Callable[[object], str] = _code) -> str:
    parts = []
    if col.allowed:
        labels = VALUE_LABELS.get(col.name, {})
        parts.append(
            "valeurs : "
            + ", ".join(quote(v) + (f" ({labels[v]})" if v in labels else "") for v in col.allowed)
        )
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"≥ {col.min:g}"
        hi = "" if col.max is None else f"≤ {col.max:g}"
        parts.append(" et ".join(p for p in (lo, hi) if p))
    if col.width:
        parts.append(f"{col.width} caractères")
    if col.references:
        parts.append(f"doit exister dans le référentiel « {col.references} »")
    if col.identifier:
        parts.append("identifiant pseudonyme, jamais publié")
    if col.is_rate:
        parts.append(
            "en pourcentage (45,2 pour 45,2 %) : un fichier dont tous les taux sont entre 0 et 1 "
            "est refusé (fractions)"
        )
    if col.plausible:
        check = col.plausible
        ratio = f", soit {quote(col.name)} / {quote(check.per)}" if check.per else ""
        summed = (
            f", somme par {' × '.join(quote(c) for c in check.total_by)}" if check.total_by else ""
        )
        bounds = bounds_text(check.min, check.max, check.unit)
        parts.append(
            f"vraisemblance ({check.label}{ratio}{summed}) : {bounds}, sinon avertissement"
        )
    return " ; ".join(parts)


def table_markdown(table: Table) -> str:
    """Return the Markdown documentation of one table."""
    axis = f" — axe {table.axis} ({AXES[table.axis]})" if table.axis else ""
    lines = [
        f"## `{table.name}` — {table.title}{axis}",
        "",
        table.description,
        "",
        f"- Grain : une ligne par {table.grain}.",
        f"- Clé (unique) : {', '.join(f'`{k}`' for k in table.key)}.",
    ]
    if table.reference:
        lines.append("- Table de référence construite par l'outil depuis des fichiers publics.")
    if table.personal:
        lines.append("- **Données personnelles** : seules des données agrégées sont publiées.")
    for rule in table.rules:
        lines.append(f"- Contrôle : `{rule.left}` ≤ `{rule.right}` (sinon : {rule.message}).")
    lines += [
        "",
        "| colonne | type | unité | obligatoire | description | contraintes |",
        "|---|---|---|---|---|---|",
    ]
    for col in table.columns:
        lines.append(
            f"| `{col.name}` | {KIND_LABELS[col.kind]} | {col.unit or ''} | "
            f"{'oui' if col.required else 'non'} | {col.description} | {_constraint(col)} |"
        )
    return "\n".join(lines) + "\n"


def contract_markdown() -> str:
    """Return the full Markdown documentation of the contract."""
    return HEADER + "\n" + "\n".join(table_markdown(t) for t in TABLES.values())


WORKBOOK_DATE = dt.datetime(2025, 1, 1)
"""Creation and modification date written in every template (fixed: identical regeneration)."""

LAST_ROW = 1_048_576
"""Last row of an Excel sheet: validations and formats cover the whole column."""

YES_NO = ("oui", "non")

DATE_RANGE = (dt.datetime(2000, 1, 1), dt.datetime(2100, 12, 31))
"""Dates a template accepts: the years of the contract's ``annee`` columns."""

_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_EXAMPLE_FONT = Font(italic=True, color="7F7F7F")
_TITLE_FONT = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")


def _plain(value: object) -> str:
    return f"« {value} »" if isinstance(value, str) else str(value)


def _format_text(col: Column) -> str:
    """French description of what a cell of the column holds (type, format, list, bounds)."""
    parts = [KIND_LABELS[col.kind]]
    if col.pattern and col.references == "qpv":
        parts.append("code QPV : QN suivi de 6 chiffres ou lettres (QN05901M), ou QP (2015)")
    constraint = _constraint(col, _plain)
    return " ; ".join(p for p in (*parts, constraint) if p)


def _decimals(col: Column) -> int:
    return 2 if col.unit and col.unit.startswith("€") else 1


def number_format(col: Column) -> str:
    """Excel number format of a column: shown the French way by a French Excel.

    Codes and texts are text cells (``@``), so that Excel keeps leading zeros and never turns
    ``01/2`` into a date; years and numbered values have no thousands separator.
    """
    if col.kind == "date":
        return "DD/MM/YYYY"
    if col.kind == "entier":
        return "0" if col.unit == "année" or col.allowed else "#,##0"
    if col.kind == "decimal":
        return "#,##0." + "0" * _decimals(col)
    return "@"


def _example_text(col: Column, value: ExampleValue) -> str:
    """The example cell as the template shows it (``2 450 000,50``, ``14/03/2025``, ``oui``)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if col.kind == "decimal":
        return formatting.number(value, _decimals(col))
    if col.kind == "entier" and number_format(col) != "0":
        return formatting.number(value)
    return str(value)


def _cell_value(col: Column, value: ExampleValue) -> object:
    if col.kind == "booleen":
        return "oui" if value else "non"
    return value


def _lists(table: Table) -> dict[str, tuple[object, ...]]:
    """Values behind each drop-down list of a table, by column name."""
    lists: dict[str, tuple[object, ...]] = {}
    for col in table.columns:
        if col.allowed:
            lists[col.name] = tuple(col.allowed)
        elif col.kind == "booleen":
            lists[col.name] = YES_NO
    return lists


def _landlord_column(table: Table) -> Column | None:
    if table.name == "bailleurs":
        return None
    return next((c for c in table.columns if c.references == "bailleur"), None)


PROMPT_LENGTH = 255
"""Longest input message Excel shows for a cell."""


def _prompt(col: Column) -> str:
    """The message Excel shows on a cell of the column: description, unit, required, values."""
    text = col.description + (f" Unité : {col.unit}." if col.unit else "")
    text += " Obligatoire." if col.required else " Facultatif."
    labels = VALUE_LABELS.get(col.name)
    if labels:
        values = " " + " ; ".join(f"{k} : {v}" for k, v in labels.items()) + "."
        text += values if len(text + values) <= PROMPT_LENGTH else " Voir la feuille description."
    return text[:PROMPT_LENGTH]


def _validation(col: Column, letter: str, ref: str | None) -> DataValidation:
    """The data validation of a column: its list, bounds, length or form, and its message."""
    common = {"allow_blank": True, "showInputMessage": True, "showErrorMessage": True}
    title = col.name[:32]
    if ref:
        dv = DataValidation(type="list", formula1=ref, **common)
        dv.error = "Choisissez une valeur de la liste déroulante."
    elif col.kind in ("entier", "decimal"):
        bounds = [v for v in (col.min, col.max) if v is not None]
        if not bounds:
            return _validation(replace(col, kind="texte"), letter, None)
        kind = "whole" if col.kind == "entier" else "decimal"
        if len(bounds) == 2:
            dv = DataValidation(
                type=kind, operator="between", formula1=f"{col.min:g}", formula2=f"{col.max:g}"
            )
        elif col.min is not None:
            dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=f"{col.min:g}")
        else:
            dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=f"{col.max:g}")
        for key, value in common.items():
            setattr(dv, key, value)
        expected = bounds_text(col.min, col.max, col.unit)
        dv.error = f"Saisissez un {KIND_LABELS[col.kind]} : {expected}."
    elif col.kind == "date":
        low, high = (f"{to_excel(day):g}" for day in DATE_RANGE)
        dv = DataValidation(type="date", operator="between", formula1=low, formula2=high, **common)
        dv.error = (
            f"Saisissez une date jj/mm/aaaa (entre {DATE_RANGE[0]:%d/%m/%Y} et "
            f"{DATE_RANGE[1]:%d/%m/%Y})."
        )
    elif col.width:
        dv = DataValidation(type="textLength", operator="equal", formula1=str(col.width), **common)
        dv.errorStyle = "warning"
        dv.error = f"Le code a {col.width} caractères : saisissez-le au format texte."
    elif col.references == "qpv":
        first = f"{letter}2"
        dv = DataValidation(
            type="custom",
            formula1=f'AND(LEN({first})=8,OR(LEFT({first},2)="QN",LEFT({first},2)="QP"))',
            **common,
        )
        dv.errorStyle = "warning"
        dv.error = "Un code QPV a 8 caractères : QN suivi de 6 chiffres ou lettres (QN05901M)."
    else:  # no check, only the message shown on the cell
        dv = DataValidation(showInputMessage=True)
    dv.errorTitle = "Valeur non prévue"
    dv.promptTitle = title
    dv.prompt = _prompt(col)
    return dv


def _landlord_validation(col: Column, ref: str) -> DataValidation:
    dv = DataValidation(
        type="list", formula1=ref, allow_blank=True, showInputMessage=True, showErrorMessage=True
    )
    dv.errorStyle = "warning"
    dv.errorTitle = "Bailleur absent du registre"
    dv.error = (
        "Ce nom n'est pas dans la liste des bailleurs : vérifiez l'orthographe, ou confirmez "
        "s'il s'agit d'un bailleur nouveau."
    )
    dv.promptTitle = col.name[:32]
    dv.prompt = (_prompt(col) + " Choisissez le nom dans la liste.")[:PROMPT_LENGTH]
    return dv


def _data_sheet(ws: Worksheet, table: Table, lists: dict[str, str], landlord: str | None) -> None:
    example = example_row(table)
    for j, col in enumerate(table.columns, start=1):
        letter = get_column_letter(j)
        head = ws.cell(row=1, column=j, value=col.name)
        head.font, head.fill = _HEADER_FONT, _HEADER_FILL
        value = ws.cell(row=2, column=j, value=_cell_value(col, example[col.name]))
        value.font = _EXAMPLE_FONT
        value.number_format = number_format(col)
        dim = ws.column_dimensions[letter]
        dim.number_format = number_format(col)
        shown = max(len(col.name), len(_example_text(col, example[col.name])))
        dim.width = min(max(shown + 3, 10), 50)
        if landlord and col is _landlord_column(table):
            dv = _landlord_validation(col, landlord)
        else:
            dv = _validation(col, letter, lists.get(col.name))
        dv.add(f"{letter}2:{letter}{LAST_ROW}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}1"


def _description_sheet(ws: Worksheet, table: Table) -> None:
    axis = f" — axe {table.axis} ({AXES[table.axis]})" if table.axis else ""
    intro = [
        (f"Table « {table.name} » — {table.title}{axis}", _TITLE_FONT),
        (table.description, None),
        (
            f"Une ligne par {table.grain} ; clé unique : {', '.join(table.key)}. Remplissez la "
            f"feuille « {table.name} » à partir de la ligne 2, sans renommer la feuille ni les "
            "colonnes, sans ligne de total ni cellule fusionnée.",
            None,
        ),
        (
            "La ligne 2 est un exemple aux valeurs fictives (en gris) : remplacez-la par vos "
            "données ou supprimez-la. Laissée telle quelle, elle est ignorée à la lecture.",
            None,
        ),
        (
            "Une cellule vide signifie « donnée absente ou secrète », jamais zéro. Les listes "
            "déroulantes donnent les valeurs permises ; les codes sont des cellules texte "
            "(zéros en tête conservés) ; les dates se saisissent jj/mm/aaaa.",
            None,
        ),
    ]
    for rule in table.rules:
        intro.append((f"Contrôle : {rule.left} ≤ {rule.right} (sinon : {rule.message}).", None))
    if table.personal:
        intro.append(
            (
                "Données personnelles : identifiants pseudonymes, aucun nom ni coordonnée ; seules "
                "des données agrégées et protégées par le secret statistique sont publiées.",
                None,
            )
        )
    for i, (text, font) in enumerate(intro, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        if font:
            cell.font = font
    header_row = len(intro) + 2
    headers = ("colonne", "description", "type et format", "unité", "obligatoire", "exemple")
    widths = (32, 60, 70, 14, 12, 30)
    for j, (name, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=header_row, column=j, value=name)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        ws.column_dimensions[get_column_letter(j)].width = width
    example = example_row(table)
    for i, col in enumerate(table.columns, start=header_row + 1):
        values = (
            col.name,
            col.description,
            _format_text(col),
            col.unit or "",
            "oui" if col.required else "non",
            _example_text(col, example[col.name]),
        )
        for j, value in enumerate(values, start=1):
            ws.cell(row=i, column=j, value=value).alignment = _WRAP
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate


def _range(sheet: str, column: int, count: int) -> str:
    letter = get_column_letter(column)
    return f"{quote_sheetname(sheet)}!${letter}$2:${letter}${count + 1}"


def template_workbook(table: Table, landlords: Sequence[str] = ()) -> Workbook:
    """Build the Excel template of a partner table.

    Sheets: the data sheet named after the table (header, example row, drop-down lists,
    frozen header, French formats), ``description`` (each column: description, type and
    format, allowed values, unit, required, example), for tables naming a landlord
    ``registre_bailleurs`` (the registry's names behind the landlord drop-down: visible and
    empty for the team to fill when ``landlords`` is empty, hidden otherwise) and the hidden
    ``listes`` sheet holding the values of the other drop-down lists.

    Args:
        table: the partner table.
        landlords: reference names of the landlord registry.
    """
    book = Workbook()
    data = book.active
    data.title = table.name
    description = book.create_sheet(DESCRIPTION_SHEET)
    lists = _lists(table)
    refs: dict[str, str] = {}
    landlord_ref = None
    if _landlord_column(table) is not None:
        registry = book.create_sheet(REGISTRY_SHEET)
        registry["A1"] = "bailleur"
        registry["A1"].font, registry["A1"].fill = _HEADER_FONT, _HEADER_FILL
        registry.column_dimensions["A"].width = 40
        registry.column_dimensions["C"].width = 90
        for i, name in enumerate(landlords, start=2):
            registry.cell(row=i, column=1, value=name)
        if landlords:
            registry.sheet_state = "hidden"
            landlord_ref = _range(REGISTRY_SHEET, 1, len(landlords))
        else:
            registry["C1"] = (
                "À remplir par l'équipe avant l'envoi : collez en colonne A, à partir de la "
                "ligne 2, les noms de référence du registre des bailleurs (data/raw/bailleurs/, "
                "colonne bailleur). Ils forment la liste déroulante de la colonne bailleur."
            )
            registry["C1"].alignment = _WRAP
            landlord_ref = f"{quote_sheetname(REGISTRY_SHEET)}!$A$2:$A$1000"
    if lists:
        sheet = book.create_sheet(LISTS_SHEET)
        sheet.sheet_state = "hidden"
        for j, (name, values) in enumerate(lists.items(), start=1):
            sheet.cell(row=1, column=j, value=name)
            for i, value in enumerate(values, start=2):
                sheet.cell(row=i, column=j, value=value)
            refs[name] = _range(LISTS_SHEET, j, len(values))
    _data_sheet(data, table, refs, landlord_ref)
    _description_sheet(description, table)
    book.active = 0
    props = book.properties
    props.creator = props.lastModifiedBy = "qpv_analytics"
    props.title = f"Modèle de la table « {table.name} » ({table.title})"
    props.language = "fr-FR"
    props.created = props.modified = WORKBOOK_DATE
    return book


def workbook_bytes(book: Workbook) -> bytes:
    """Write a workbook to bytes with fixed dates, so that the same workbook gives same bytes."""
    book.properties.created = book.properties.modified = WORKBOOK_DATE
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # not save_workbook: it stamps the current time
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(first.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=WORKBOOK_DATE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def write_templates(folder: Path, landlords: Sequence[str] = (), csv: bool = True) -> list[Path]:
    """Write the template of each partner table in ``folder``: empty CSV and Excel workbook.

    Args:
        folder: where to write them.
        landlords: reference names of the landlord registry, for the landlord drop-down.
        csv: write the CSV templates too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in TABLES.values():
        if table.reference:
            continue
        if csv:
            path = folder / f"{table.name}.csv"
            path.write_text(";".join(table.column_names) + "\n", encoding="utf-8-sig")
            written.append(path)
        path = folder / f"{table.name}.xlsx"
        path.write_bytes(workbook_bytes(template_workbook(table, landlords)))
        written.append(path)
    return written


def write_docs(paths: Paths | None = None) -> list[Path]:
    """Write ``data/README.md`` and the CSV and Excel templates of each partner table.

    The templates of ``data/modeles/`` depend on the contract only (they are versioned); when
    ``data/raw/bailleurs`` holds a registry, a copy of the Excel templates whose landlord list
    is that registry is written in ``data/modeles/avec_bailleurs/``, ready to send.
    """
    paths = paths or get_paths()
    written = []
    readme = paths.contract_doc
    readme.write_text(contract_markdown(), encoding="utf-8")
    written.append(readme)
    written += write_templates(paths.blank_templates)
    landlords = registry_landlords(paths)
    if landlords:
        written += write_templates(paths.registry_templates, landlords, csv=False)
    return written


def registry_landlords(paths: Paths) -> list[str]:
    """Reference names of the landlord registry in ``data/raw/bailleurs`` (none: empty)."""
    names = load_table("bailleurs", paths).data["bailleur"].dropna()
    return sorted(set(names.astype(str)), key=str.casefold)
