"""Corpus of bad partner files: accepted with a warning, or refused naming file, column, rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from qpv_analytics.config import Paths
from qpv_analytics.contract import TABLES
from qpv_analytics.ingest.loaders import LoadResult, load_raw
from qpv_analytics.ingest.reference import qpv_reference
from qpv_analytics.params import RunParams
from qpv_analytics.quality.gate import run_quality_gate
from qpv_analytics.quality.model import DataError, QualityReport
from qpv_analytics.quality.pages import scan_shared_quality, share_quality_pages

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
PARAMS = RunParams(annee=2025)
HFO = "Habitat Flandre Opale"
TA = "tfpb_abattement"
TA_COLUMNS = ["annee", "bailleur", "code_qpv", "logements_concernes", "montant_abattement_eur"]
TA_ROW = [2025, HFO, "QN00201M", 850, 172345.5]


@lru_cache(maxsize=1)
def region_qpv() -> pd.DataFrame:
    return qpv_reference("32", Paths(REPO))


# --------------------------------------------------------------------------- XLSX builders


def _workbook(path: Path, sheets: dict[str, list[list]], merge: str | None = None) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if merge:
            ws.merge_cells(merge)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def xlsx_merged_header(path: Path) -> None:
    """A title in merged cells above the header (a common Excel layout)."""
    title = ["Abattement TFPB 2025 — Habitat Flandre Opale", None, None, None, None]
    _workbook(path, {"Feuil1": [title, TA_COLUMNS, TA_ROW]}, merge="A1:E1")


def xlsx_two_sheets(path: Path) -> None:
    """Two filled sheets, none named after the table."""
    _workbook(path, {"Feuil1": [TA_COLUMNS, TA_ROW], "Feuil2": [TA_COLUMNS, TA_ROW]})


def xlsx_named_sheet(path: Path) -> None:
    """A notice sheet plus a sheet named after the table: the right one is read."""
    _workbook(path, {"Notice": [["Lisez-moi"]], "tfpb_abattement": [TA_COLUMNS, TA_ROW]})


def xlsx_no_data_sheet(path: Path) -> None:
    """The expected sheet is missing: the only sheet is empty."""
    _workbook(path, {"Feuil1": []})


def xlsx_numbers(path: Path) -> None:
    """Numbers stored as Excel numbers (EPCI SIREN as an integer)."""
    header = [
        "annee",
        "code_qpv",
        "siren_epci",
        "convention_gusp_signee",
        "diagnostics_en_marchant",
        "comites_pilotage",
    ]
    _workbook(path, {"gusp": [header, [2025, "QN00201M", 200071892, "oui", 3, 2]]})


def link_outside_raw(path: Path) -> None:
    """A symbolic link in data/raw/ to a file elsewhere on the computer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(CORPUS / "valide" / "tfpb_abattement.csv")


def xlsx_corrupt(path: Path) -> None:
    """A text file saved with an .xlsx extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"ceci n'est pas un classeur Excel\n")


# --------------------------------------------------------------------------- workbooks as sent

EV = "evenements"
EV_COLUMNS = list(TABLES[EV].column_names)
GUSP_COLUMNS = list(TABLES["gusp"].column_names)


def _event_rows() -> list[list]:
    """Two events typed as cells are in a workbook: date cells, numbers, a SIREN as a number."""
    first = ["EV-1", 2025, dt.datetime(2025, 3, 14), 2, "reseau", "Réunion du réseau", "IREV"]
    second = ["EV-2", 2025, dt.datetime(2025, 6, 5, 14, 30), 3, "co-formation", "Atelier", "URH"]
    return [
        first + ["region", 3.5, 12, 8, 2, 3, 0, 1, 14],
        second + [200071892, 7, 10, 9, 1, 0, 0, 0, 11],
    ]


def xlsx_date_cells(path: Path) -> None:
    """Real Excel date cells (one with a time of day) and number cells."""
    _workbook(path, {"Feuil1": [EV_COLUMNS, *_event_rows()]})


def _ods_cell(value) -> str:
    if isinstance(value, dt.datetime):
        iso = value.isoformat()
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{iso}">'
            f"<text:p>{value:%d/%m/%Y}</text:p></table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    text = escape(str(value))
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def _ods(path: Path, sheets: dict[str, list[list]]) -> None:
    """A minimal OpenDocument spreadsheet, as LibreOffice Calc writes its cells."""
    ns = " ".join(
        f'xmlns:{k}="urn:oasis:names:tc:opendocument:xmlns:{v}:1.0"'
        for k, v in (("office", "office"), ("table", "table"), ("text", "text"))
    )
    tables = "".join(
        f'<table:table table:name="{name}">'
        + "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        f'office:version="1.2"><office:body><office:spreadsheet>{tables}'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        ods.writestr("content.xml", content, zipfile.ZIP_DEFLATED)


def ods_date_cells(path: Path) -> None:
    """A LibreOffice Calc workbook with date and number cells."""
    _ods(path, {"evenements": [EV_COLUMNS, *_event_rows()]})


def xlsx_renamed_csv(path: Path) -> None:
    """An Excel workbook saved under a .csv name: read by its content."""
    _workbook(path, {"gusp": [GUSP_COLUMNS, [2025, "QN00201M", 200071892, "oui", 3, 2]]})


def xlsx_hidden_list_sheet(path: Path) -> None:
    """A data sheet, a hidden sheet of drop-down lists, and Excel TRUE / FALSE cells."""
    from openpyxl import Workbook

    wb = Workbook()
    data = wb.active
    data.title = "Feuil1"
    for row in (GUSP_COLUMNS, [2025, "QN00201M", 200071892, True, 3, 2]):
        data.append(row)
    data.append([2025, "QN05920M", 200042190, False, 0, 1])
    lists = wb.create_sheet("listes")
    for row in (["oui"], ["non"]):
        lists.append(row)
    lists.sheet_state = "hidden"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


# --------------------------------------------------------------------------- Excel templates


def _filled_template(path: Path, rows: list[list], first_row: int, title: str | None = None):
    """The template of data/modeles/ filled in Excel from ``first_row`` (3: example kept)."""
    from openpyxl import load_workbook

    book = load_workbook(REPO / "data" / "modeles" / f"{path.parent.name}.xlsx")
    sheet = book[path.parent.name]
    for i, row in enumerate(rows, start=first_row):
        for j, value in enumerate(row, start=1):
            sheet.cell(row=i, column=j).value = value
    if title:
        sheet.title = title
    book.save(path)


def template_example_kept(path: Path) -> None:
    """The partner typed below the example row, left as it was."""
    _filled_template(path, [TA_ROW], 3)


def template_untouched(path: Path) -> None:
    """The template sent back as received: the example row only."""
    _filled_template(path, [], 2)


def template_renamed_sheet(path: Path) -> None:
    """The data sheet renamed by the partner; the description and registry sheets remain."""
    _filled_template(path, [TA_ROW], 2, title="Abattement TFPB 2025")


# --------------------------------------------------------------------------- data checks


def _values(column: str, expected: list) -> Callable[[dict[str, LoadResult], str], None]:
    def check(results: dict[str, LoadResult], table: str) -> None:
        got = results[table].data[column].tolist()
        assert got == expected, f"{table}.{column}: {got} != {expected}"

    return check


def _rows(n: int) -> Callable[[dict[str, LoadResult], str], None]:
    def check(results: dict[str, LoadResult], table: str) -> None:
        assert len(results[table].data) == n

    return check


# --------------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Case:
    """One bad input and its expected outcome."""

    file: str
    table: str
    outcome: str
    """``refuse`` (a blocking finding) or ``accepte`` (no blocking finding)."""
    column: str | None = None
    lines: tuple[int, ...] = ()
    text: str | None = None
    """Fragment of the expected finding (blocking if refused, a warning if accepted)."""
    check: Callable | None = None
    build: Callable[[Path], None] | None = None
    clean: bool = False
    """Accepted without any finding at all."""


def refused(file, table, column, lines=(), text=None, **kw) -> Case:
    return Case(file, table, "refuse", column, tuple(lines), text, **kw)


def accepted(file, table, text=None, lines=(), **kw) -> Case:
    return Case(file, table, "accepte", None, tuple(lines), text, **kw)


CASES: list[Case] = [
    # numbers out of range, wrong codes, keys
    refused("taux_140.csv", "numerique_bailleurs", "part_demandes_en_ligne_pct", [3], "100"),
    refused("taux_negatif.csv", "numerique", "couverture_fibre_pct", [2], "bornes"),
    refused("montant_negatif.csv", "tfpb_abattement", "montant_abattement_eur", [3], "négati"),
    refused("duree_trop_longue.csv", "evenements", "duree_heures", [2], "200"),
    refused("qpv_inconnu.csv", "tfpb_abattement", "code_qpv", [3], "QN05999M"),
    refused("qpv_mal_forme.csv", "tfpb_abattement", "code_qpv", [2], "format"),
    refused("qpv_code_2015.csv", "tfpb_abattement", "code_qpv", [2], "QP059001"),
    refused("epci_inconnu.csv", "gusp", "siren_epci", [3], "217500016"),
    refused("epci_sans_zero.csv", "gusp", "siren_epci", [2], "EPCI inconnus"),
    refused("cle_en_double.csv", "tfpb_abattement", "code_qpv", [2, 3], "clé en double"),
    refused("id_action_en_double.csv", "tfpb_actions", "id_action", [2, 3], "clé en double"),
    refused("identifiant_en_double.csv", "ru_relogements", "id_menage", [2, 3], "clé en double"),
    refused("axe_9.csv", "evenements", "axe", [2], "liste admise"),
    refused("axe_tfpb_0.csv", "tfpb_actions", "axe_tfpb", [2], "liste admise"),
    refused("type_evenement_inconnu.csv", "evenements", "type_evenement", [2], "séminaire"),
    refused("registre_type_inconnu.csv", "bailleurs", "type_bailleur", [3], "HLM"),
    # cross-field rules
    refused(
        "heures_realisees_sup_total.csv",
        "clauses_marches",
        "heures_insertion_realisees",
        [3],
        "heures totales",
    ),
    refused("livres_sup_programmes.csv", "ru_operations", "logements_livres", [2], "livrés"),
    refused("subvention_sup_cout.csv", "ru_operations", "subvention_anru_eur", [2], "coût total"),
    refused(
        "q1_sup_attributions.csv", "attributions", "attributions_hors_qpv_q1", [2], "1er quartile"
    ),
    # years
    refused("annee_future.csv", "tfpb_abattement", "annee", [3], "postérieures"),
    accepted("annee_ancienne.csv", "tfpb_abattement", "antérieures à la période", [2]),
    # cells the loaders cannot read
    refused("texte_dans_nombre.csv", "tfpb_abattement", "logements_concernes", [3], "'NC'"),
    refused("decimale_dans_entier.csv", "tfpb_abattement", "logements_concernes", [2], "entier"),
    refused("date_invalide.csv", "evenements", "date_evenement", [3], "31/02/2025"),
    refused("booleen_illisible.csv", "gusp", "convention_gusp_signee", [2], "peut-être"),
    refused("cellule_obligatoire_vide.csv", "tfpb_abattement", "bailleur", [3], "vides"),
    refused("ligne_vide_intercalee.csv", "numerique_bailleurs", "part_demandes_en_ligne_pct", [4]),
    # layout problems (file-level: no column or row to name)
    refused("colonne_obligatoire_absente.csv", "tfpb_abattement", "montant_abattement_eur"),
    refused("titre_au_dessus.csv", "tfpb_abattement", None, text="première ligne"),
    refused("colonnes_decalees.csv", "tfpb_abattement", None),
    refused(
        "fichier_vide.csv",
        "tfpb_abattement",
        None,
    ),
    refused("entete_fusionne.xlsx", TA, None, text="première ligne", build=xlsx_merged_header),
    refused("plusieurs_feuilles.xlsx", TA, None, text="Feuil2", build=xlsx_two_sheets),
    refused("feuille_absente.xlsx", TA, None, text="feuille", build=xlsx_no_data_sheet),
    refused("classeur_corrompu.xlsx", TA, None, text="ne s'ouvre pas", build=xlsx_corrupt),
    # French-locale exports that must be read correctly
    accepted(
        "cp1252_point_virgule.csv",
        "tfpb_abattement",
        "Windows-1252",
        check=_values("bailleur", ["Cités Picardes", "Logis de l'Avesnois"]),
    ),
    accepted("utf8_bom.csv", "tfpb_abattement", clean=True, check=_values("annee", [2025])),
    accepted(
        "virgule_separateur.csv",
        "tfpb_abattement",
        clean=True,
        check=_values("montant_abattement_eur", [172345.5, 80100.0]),
    ),
    accepted(
        "virgule_decimale.csv",
        "tfpb_abattement",
        clean=True,
        check=_values("montant_abattement_eur", [172345.5]),
    ),
    accepted(
        "milliers_espaces.csv",
        "tfpb_abattement",
        clean=True,
        check=_values("logements_concernes", [1200]),
    ),
    accepted(
        "milliers_insecables.csv",
        "tfpb_abattement",
        clean=True,
        check=_values("montant_abattement_eur", [172345.5, 51600.0]),
    ),
    accepted(
        "pourcentage_signe.csv",
        "numerique",
        clean=True,
        check=_values("couverture_fibre_pct", [92.5, 88.0]),
    ),
    accepted(
        "dates_jj_mm_aaaa.csv",
        "evenements",
        clean=True,
        check=_values("date_evenement", [pd.Timestamp("2025-03-14"), pd.Timestamp("2025-06-05")]),
    ),
    accepted(
        "date_iso.csv",
        "evenements",
        clean=True,
        check=_values("date_evenement", [pd.Timestamp("2025-03-14")]),
    ),
    accepted(
        "booleens_oui_non_x.csv",
        "gusp",
        clean=True,
        check=_values("convention_gusp_signee", [True, False, True, True]),
    ),
    accepted("epci_flottant.csv", "gusp", clean=True, check=_values("siren_epci", ["200071892"])),
    # not checked by the contract: a department code without its zero in a free territory column
    accepted(
        "departement_sans_zero.csv", "evenements", clean=True, check=_values("territoire", ["2"])
    ),
    accepted(
        "nombres_excel.xlsx",
        "gusp",
        clean=True,
        build=xlsx_numbers,
        check=_values("siren_epci", ["200071892"]),
    ),
    accepted("feuille_nommee.xlsx", "tfpb_abattement", clean=True, build=xlsx_named_sheet),
    # noise removed with a warning
    accepted("ligne_total.csv", "tfpb_abattement", "total", [4], check=_rows(2)),
    accepted("ligne_en_double.csv", "tfpb_abattement", "en double", [3], check=_rows(1)),
    accepted("colonne_inconnue.csv", "tfpb_abattement", "commentaire"),
    accepted("entete_seul.csv", "tfpb_abattement", "sans aucune ligne de données"),
    # landlord names and plausibility
    accepted("bailleur_inconnu.csv", "tfpb_abattement", "absents du registre", [2]),
    accepted(
        "bailleur_variante.csv",
        "tfpb_abattement",
        "harmonisés",
        check=_values("bailleur", [HFO, HFO]),
    ),
    accepted("abattement_par_logement.csv", "tfpb_abattement", "abattement par logement", [3]),
    # personal details typed in free text: a warning naming file, column, row and kind
    accepted(
        "porteurs_coordonnees.csv",
        "bonnes_pratiques",
        "données personnelles dans un texte libre (adresse e-mail, numéro de téléphone, nom",
        [2],
    ),
    accepted("intitule_contact.csv", "evenements", "(numéro de téléphone, nom précédé", [3]),
    accepted("pratiques_sans_coordonnees.csv", "bonnes_pratiques", clean=True),
    # links: a file of data/raw/ that leads outside the folder is not followed
    refused("lien_hors_de_raw.csv", TA, None, text="lien symbolique", build=link_outside_raw),
    # files as partners really send them (issue 15: readers, French messages, column names)
    accepted(
        "dates_excel.xlsx",
        EV,
        clean=True,
        build=xlsx_date_cells,
        check=_values("date_evenement", [pd.Timestamp("2025-03-14"), pd.Timestamp("2025-06-05")]),
    ),
    accepted(
        "classeur_calc.ods",
        EV,
        clean=True,
        build=ods_date_cells,
        check=_values("duree_heures", [3.5, 7.0]),
    ),
    accepted(
        "classeur_ancien.xls",
        EV,
        clean=True,
        check=_values("date_evenement", [pd.Timestamp("2025-03-14"), pd.Timestamp("2025-06-05")]),
    ),
    accepted(
        "texte_unicode.txt",
        EV,
        clean=True,
        check=_values("intitule", ["Réunion du réseau", 'Atelier "clauses" et égalité']),
    ),
    accepted(
        "utf16_sans_bom.txt", TA, clean=True, check=_values("montant_abattement_eur", [172345.5])
    ),
    accepted(
        "date_heure_iso.csv",
        EV,
        clean=True,
        check=_values("date_evenement", [pd.Timestamp("2025-03-14")]),
    ),
    accepted(
        "classeur_renomme.csv",
        "gusp",
        clean=True,
        build=xlsx_renamed_csv,
        check=_values("siren_epci", ["200071892"]),
    ),
    accepted(
        "feuille_masquee.xlsx",
        "gusp",
        clean=True,
        build=xlsx_hidden_list_sheet,
        check=_values("convention_gusp_signee", [True, False]),
    ),
    accepted(
        "colonne_presque_nommee.csv",
        "gusp",
        "« Comités de pilotage » → comites_pilotage",
        check=_values("comites_pilotage", [2]),
    ),
    accepted("notice.pdf", TA, "fichier ignoré"),
    refused("ligne_trop_longue.csv", TA, None, [4], "plus de valeurs"),
    refused("guillemet_non_ferme.csv", TA, None, [3], "guillemet"),
    refused(
        "colonne_mal_orthographiee.csv",
        TA,
        "montant_abattement_eur",
        text="renommez « Montant abatement (€) » en montant_abattement_eur",
    ),
    refused("mauvais_dossier.csv", TA, None, text="déplacez-le dans le dossier data/raw/gusp/"),
    refused("colonne_en_double.csv", TA, "montant_abattement_eur", text="en double"),
    refused("fichier_binaire.csv", TA, None, text="pas un fichier texte"),
    refused("page_web.xls", TA, None, text="page web"),
    # issue 15 — scale and outlier rules from the contract, shared quality pages
    refused(
        "taux_en_fraction.csv",
        "numerique_bailleurs",
        "part_demandes_en_ligne_pct",
        [2, 3, 4],
        "valeurs en fraction ?",
    ),
    accepted(
        "taux_sous_un_pour_cent.csv",
        "numerique",
        clean=True,
        check=_values("couverture_fibre_pct", [0.5, 0.0, 0.8]),
    ),
    accepted("heures_par_personne.csv", "clauses_beneficiaires", "temps plein", [2, 3]),
    accepted("cout_par_logement.csv", "ru_operations", "par logement programmé", [3]),
    accepted(
        "taille_menage_invraisemblable.csv", "ru_relogements", "taille du ménage", [61, 67, 73]
    ),
    # Excel templates of data/modeles/ (issue 14): the example row and the renamed data sheet
    accepted(
        "modele_exemple_garde.xlsx",
        TA,
        "ligne d'exemple du modèle",
        [2],
        build=template_example_kept,
        check=_values("logements_concernes", [850]),
    ),
    accepted(
        "modele_non_rempli.xlsx",
        TA,
        "ligne d'exemple du modèle",
        [2],
        build=template_untouched,
        check=_rows(0),
    ),
    accepted(
        "modele_feuille_renommee.xlsx",
        TA,
        clean=True,
        build=template_renamed_sheet,
        check=_values("montant_abattement_eur", [172345.5]),
    ),
]


LIBRARY_MESSAGES = (
    "Traceback",
    "Error tokenizing",
    "C error",
    "EOF inside",
    "Expected",
    "Cannot detect",
    "python-calamine",
    "openpyxl",
    "Zip error",
    "Unnamed",
)
"""Fragments of English library messages that must never reach a finding."""


def _param(case: Case):
    return pytest.param(case, id=case.file)


# --------------------------------------------------------------------------- helpers


def hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def place(case: Case, raw: Path) -> Path:
    target = raw / case.table / case.file
    target.parent.mkdir(parents=True, exist_ok=True)
    if case.build:
        case.build(target)
    else:
        shutil.copyfile(CORPUS / "cas" / case.file, target)
    return target


def project(root: Path, cases: list[Case]) -> Paths:
    raw = root / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    if not any(c.table == "bailleurs" for c in cases):
        (raw / "bailleurs").mkdir()
        shutil.copyfile(CORPUS / "valide" / "bailleurs.csv", raw / "bailleurs" / "bailleurs.csv")
    for case in cases:
        place(case, raw)
    return Paths(root)


def gate(paths: Paths, out: Path) -> tuple[dict[str, LoadResult], QualityReport]:
    """Load and validate; anything but a DataError escaping is a test failure (traceback)."""
    results = load_raw(paths)
    return results, run_quality_gate(results, region_qpv(), PARAMS, out)


ROW_LEVEL = re.compile(
    r"\b(?i:lignes?)\s+\d|Valeurs trouvées|Unexpected Value|unexpected_index|partial_unexpected"
)
"""What only the team's quality pages may show: row numbers, values, GX's lists of rows."""


def visible_text(path: Path) -> str:
    """The text a reader of a shared file sees (HTML without its styles and scripts)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".html":
        text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S | re.I)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return text


def shared_version(
    results: dict[str, LoadResult], report: QualityReport, out: Path, target: Path
) -> dict[Path, str]:
    """Turn a copy of the team's quality folder into the shared one; return its texts."""
    shutil.copytree(out, target)
    share_quality_pages(report, results, target)
    return {
        p: visible_text(p)
        for p in sorted(target.rglob("*"))
        if p.suffix in (".html", ".json", ".csv") and "static" not in p.parts
    }


def personal_identifiers(results: dict[str, LoadResult]) -> set[str]:
    return {
        str(v)
        for name, result in results.items()
        for col in TABLES[name].identifiers
        for v in result.data[col].dropna()
    }


def assert_shared_quality_is_aggregate(
    results: dict[str, LoadResult], report: QualityReport, out: Path, target: Path
) -> dict[Path, str]:
    """The shared quality folder gives counts only and passes the confidentiality scan."""
    texts = shared_version(results, report, out, target)
    assert (target / "index.html").exists() and (target / "resultats.json").exists()
    assert not (target / "retours").exists() and not (target / "partage").exists()
    for path, text in texts.items():
        found = ROW_LEVEL.search(text)
        assert found is None, f"{path.relative_to(target)} : « {found.group()} »"
    shared = json.loads((target / "resultats.json").read_text(encoding="utf-8"))
    assert "issues" not in shared
    for entry in shared["constats"]:
        assert not {"fichier", "feuille", "lignes", "valeurs"} & set(entry), entry
    assert scan_shared_quality(target, personal_identifiers(results)) == []
    return texts


def matching(report: QualityReport, case: Case, blocking: bool) -> list:
    found = []
    for issue in report.issues:
        if issue.blocking != blocking or case.file not in (issue.file or issue.message):
            continue
        text = issue.text()
        if case.column and case.column not in text:
            continue
        if case.lines and not set(case.lines) <= set(issue.rows):
            continue
        if case.text and case.text not in text:
            continue
        found.append(issue)
    return found


# --------------------------------------------------------------------------- tests


def test_corpus_is_large_enough():
    assert len(CASES) >= 40
    assert len({c.file for c in CASES}) == len(CASES)
    on_disk = {p.name for p in (CORPUS / "cas").iterdir()}
    assert {c.file for c in CASES if not c.build} <= on_disk


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Case, tmp_path: Path):
    paths = project(tmp_path / "projet", [case])
    before = hashes(paths.raw)
    try:
        results, report = gate(paths, tmp_path / "qualite")
    except DataError as exc:  # a French message is acceptable, a traceback is not
        pytest.fail(f"DataError non convertie en constat : {exc}")
    assert hashes(paths.raw) == before, "un fichier brut a été modifié"
    texts = "\n".join(i.text() for i in report.issues)
    leaked = [m for m in LIBRARY_MESSAGES if m.lower() in texts.lower()]
    assert not leaked, f"message de bibliothèque non traduit {leaked} :\n{texts}"
    if case.outcome == "refuse":
        assert report.blocking and report.status == "refusé", texts
        found = matching(report, case, blocking=True)
        assert found, f"aucun constat bloquant attendu pour {case.file} :\n{texts}"
        text = found[0].text()
        assert case.file in text
        if case.column:
            assert f"« {case.column}" in text or case.column in text
        for line in case.lines:
            assert str(line) in text and "ligne" in text
    else:
        assert not report.blocking, texts
        if case.clean:
            assert report.issues == [], texts
            assert report.status == "valide"
        if case.text:
            assert matching(report, case, blocking=False), texts
            assert report.status == "valide avec avertissements"
    if case.check:
        case.check(results, case.table)
    summary = report.summary_text()
    assert "Traceback" not in summary and len(summary.splitlines()) <= 15
    assert (tmp_path / "qualite" / "index.html").exists()
    assert (tmp_path / "qualite" / "resultats.json").exists()
    assert_shared_quality_is_aggregate(results, report, tmp_path / "qualite", tmp_path / "partage")


def test_one_finding_per_bad_cell(tmp_path: Path):
    """A cell the loader could not read, or a malformed code, is reported once, not twice."""
    cases = [c for c in CASES if c.file in ("texte_dans_nombre.csv", "qpv_mal_forme.csv")]
    _, report = gate(project(tmp_path / "projet", cases), tmp_path / "qualite")
    for case in cases:
        same_cell = [
            i
            for i in report.issues
            if i.blocking and i.file == case.file and i.column == case.column
        ]
        assert len(same_cell) == 1, [i.text() for i in same_cell]


def test_whole_corpus_at_once_touches_no_raw_file(tmp_path: Path):
    """Every file of the corpus together: no traceback, raw files unchanged, all findings kept."""
    cases = [c for c in CASES if c.table != "bailleurs"]
    paths = project(tmp_path / "projet", cases)
    before = hashes(paths.raw)
    stamps = {p: p.stat().st_mtime_ns for p in paths.raw.rglob("*") if p.is_file()}
    _, report = gate(paths, tmp_path / "qualite")
    assert hashes(paths.raw) == before
    assert {p: p.stat().st_mtime_ns for p in paths.raw.rglob("*") if p.is_file()} == stamps
    assert report.status == "refusé"
    for case in cases:
        if case.outcome == "refuse" and case.column:
            assert matching(report, case, blocking=True), case.file


def test_identifiers_never_reach_the_quality_pages(tmp_path: Path):
    case = next(c for c in CASES if c.file == "identifiant_en_double.csv")
    _, report = gate(project(tmp_path / "projet", [case]), tmp_path / "qualite")
    assert report.blocking
    written = [p for p in (tmp_path / "qualite").rglob("*") if p.is_file()]
    assert any(p.suffix == ".csv" for p in written)
    for path in written:
        if path.suffix in (".html", ".json", ".csv"):
            assert "MEN-SECRET-42" not in path.read_text(encoding="utf-8-sig"), path


def test_feedback_lists_file_line_and_action(tmp_path: Path):
    case = next(c for c in CASES if c.file == "taux_140.csv")
    _, report = gate(project(tmp_path / "projet", [case]), tmp_path / "qualite")
    entry = next(e for e in report.feedback if e["producteur"] == "Cités Picardes")
    raw = (tmp_path / "qualite" / entry["csv"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(
        tmp_path / "qualite" / entry["csv"], sep=";", encoding="utf-8-sig", dtype=str
    )
    row = frame.iloc[0]
    assert (row["fichier"], int(row["ligne"]), row["colonne"]) == (
        "taux_140.csv",
        3,
        "part_demandes_en_ligne_pct",
    )
    assert row["valeur"] == "140" and "45 %" in row["a_faire"]
    page = (tmp_path / "qualite" / entry["page"]).read_text(encoding="utf-8")
    assert "taux_140.csv" in page and "part_demandes_en_ligne_pct" in page
    assert TABLES["numerique_bailleurs"].producer == "bailleur"


# --------------------------------------------------------------------------- personal details

CONTACT = ("Jean Dupont", "jean.dupont@lens.fr", "06 12 34 56 78", "Claire Martin", "21 00 00")


def test_personal_details_are_flagged_but_never_copied(tmp_path: Path):
    """Each kind is a warning naming file, column and row; no quality file repeats the value."""
    cases = [c for c in CASES if c.file in ("porteurs_coordonnees.csv", "intitule_contact.csv")]
    _, report = gate(project(tmp_path / "projet", cases), tmp_path / "qualite")
    found = [
        (i.file, i.column, i.rows, i.message.split(" : ")[0])
        for i in report.issues
        if i.rule == "donnee_personnelle"
    ]
    assert sorted(found) == [
        (
            "intitule_contact.csv",
            "intitule",
            [3],
            "données personnelles dans un texte libre (numéro de téléphone, nom précédé d'une "
            "civilité)",
        ),
        (
            "porteurs_coordonnees.csv",
            "porteurs",
            [2],
            "données personnelles dans un texte libre (adresse e-mail, numéro de téléphone, nom "
            "précédé d'une civilité)",
        ),
    ]
    assert all(not i.blocking and not i.values for i in report.issues)
    quality = tmp_path / "qualite"
    written = [p for p in quality.rglob("*") if p.suffix in (".html", ".json", ".csv")]
    assert any(p.parent.name == "retours" for p in written)
    for path in written:
        text = path.read_text(encoding="utf-8-sig")
        for value in CONTACT:
            assert value not in text, (path, value)
    # the producer of a good practice is its « porteurs » text: named with its details masked
    assert any(e["producteur"].startswith("Ville de Lens, [nom masqué]") for e in report.feedback)


REFUSED = [c for c in CASES if c.outcome == "refuse"]


@pytest.mark.parametrize("case", [_param(c) for c in REFUSED])
def test_refused_case_from_the_command_line_keeps_the_previous_publication(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    """``publier`` on each refused case: exit 1, a French message naming the file, no
    traceback, raw files and the previous publication byte-identical."""
    from qpv_analytics import cli
    from tests.conftest import make_project

    paths = project(make_project(tmp_path / "projet").root, [case])
    previous = paths.report_year(2025)
    (previous / "indicateurs").mkdir(parents=True)
    (previous / "index.html").write_text("<p>Publication précédente</p>", encoding="utf-8")
    (previous / "indicateurs" / "axe2_gusp_tfpb.csv").write_text("indicateur\n", encoding="utf-8")
    before_raw, before_published = hashes(paths.raw), hashes(previous)
    monkeypatch.setenv("QPV_ROOT", str(paths.root))
    status = cli.main(["publier", "--annee", "2025"])
    said = capsys.readouterr()
    output = said.out + said.err
    assert status == 1, output
    assert "Traceback" not in output and "Error" not in output, output
    assert case.file in output and "la publication précédente est intacte" in output, output
    assert hashes(paths.raw) == before_raw
    assert hashes(previous) == before_published


def test_the_corpus_counts_its_cases(capsys: pytest.CaptureFixture):
    """The corpus size, printed in the test log of ``make test``."""
    with capsys.disabled():
        print(
            f"\nCorpus de fichiers défectueux : {len(CASES)} cas "
            f"({len(REFUSED)} refusés, {len(CASES) - len(REFUSED)} acceptés)."
        )
    assert len(CASES) >= 80


def test_console_summary_never_cuts_the_advice(tmp_path: Path):
    """On the terminal a long finding is shortened before « À faire », never in the advice."""
    cases = [c for c in CASES if c.file in ("mauvais_dossier.csv", "ligne_trop_longue.csv")]
    _, report = gate(project(tmp_path / "projet", cases), tmp_path / "qualite")
    lines = report.summary_text().splitlines()
    for issue in (i for i in report.issues if i.blocking):
        assert len(issue.text()) > 300  # long enough to be shortened on the console
        line = next(x for x in lines if issue.file in x)
        assert line.endswith("À faire : " + issue.action), line
    page = (tmp_path / "qualite" / "index.html").read_text(encoding="utf-8")
    assert "déplacez-le dans le dossier data/raw/gusp/" in page


def test_shared_quality_pages_hold_no_row_of_a_personal_table(tmp_path: Path):
    """Implausible household sizes: rows and values stay with the team, counts are shared."""
    case = next(c for c in CASES if c.file == "taille_menage_invraisemblable.csv")
    assert TABLES[case.table].personal
    results, report = gate(project(tmp_path / "projet", [case]), tmp_path / "qualite")
    (issue,) = [i for i in report.issues if i.table == case.table]
    assert set(issue.rows) == {61, 67, 73} and set(issue.values) == {"0", "64", "87"}
    private = {str(line) for line in issue.rows} | {"64", "87"}
    ids = personal_identifiers(results)
    team = visible_text(tmp_path / "qualite" / "index.html")
    assert private <= set(re.findall(r"\w+", team))  # the team sees them: the test can fail
    team_docs = " ".join(
        visible_text(p) for p in (tmp_path / "qualite" / "data_docs").rglob("*.html")
    )
    assert "87.0" in team_docs and "Unexpected Value" in team_docs

    target = tmp_path / "partage"
    texts = assert_shared_quality_is_aggregate(results, report, tmp_path / "qualite", target)
    assert any("validations" in p.parts for p in texts)  # the shared Data Docs are scanned
    for path, text in texts.items():
        tokens = set(re.findall(r"\w+", text))
        assert not private & tokens, (path.relative_to(target), private & tokens)
        assert not ids & tokens, path.relative_to(target)
    shared = json.loads((target / "resultats.json").read_text(encoding="utf-8"))
    internal = json.loads((tmp_path / "qualite" / "resultats.json").read_text(encoding="utf-8"))
    assert shared != internal
    (count,) = [c for c in shared["constats"] if c["table"] == case.table]
    assert (count["colonne"], count["producteur"]) == ("taille_menage", "Cités Picardes")
    assert (count["constats"], count["lignes_concernees"]) == (1, 3)
    assert count["regle"] == "vraisemblance:taille_menage"
    page = texts[target / "index.html"]
    assert "taille du ménage" in page and "Cités Picardes" in page
    # the warning shown on the publication's index and in its manifest: counts only too
    (warning,) = report.summary_dict()["avertissements"]
    assert "3 ligne(s)" in warning["texte"]
    assert not private & set(re.findall(r"\w+", warning["texte"]))
