"""Building blocks of report notebooks: data access, page layout, tables and exports."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qpv_analytics import formatting, lineage, style
from qpv_analytics.config import DEMO_MARKER, Paths, get_paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES, tables_for_axis
from qpv_analytics.disclosure import personal_text
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.indicators import REGISTRY, Indicator, obligations
from qpv_analytics.indicators.compute import partial_threshold
from qpv_analytics.ingest import reference
from qpv_analytics.ingest.context_sources import SOURCES
from qpv_analytics.ingest.loaders import SOURCE_COLUMNS, read_processed
from qpv_analytics.labels import (
    LEVEL_LABELS,
    MISSING,
    STATUS_LABELS,
    TARGET_KIND_LABELS,
    UNIT_BY,
    axis_title,
)
from qpv_analytics.params import RunParams, load_params
from qpv_analytics.report import synthesis


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


@dataclass
class Report:
    """Everything a report notebook needs for one publication year."""

    params: RunParams
    paths: Paths
    qpv: pd.DataFrame
    demo: bool
    quality: dict = field(default_factory=dict)
    _read: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    """Processed tables already read, by name: their file's version, the masked table once it
    is kept (see :meth:`table`)."""

    @property
    def annee(self) -> int:
        """Publication year."""
        return self.params.annee

    @property
    def departements(self) -> list[str]:
        """Departments of the region, from the QPV reference."""
        return sorted(self.qpv["code_departement"].dropna().unique())

    def table(self, name: str, all_years: bool = False) -> pd.DataFrame:
        """Return a processed table restricted to the trend window (source columns removed).

        Personal details typed in its free-text columns (names after a civility, e-mail
        addresses, phone numbers) are masked here, so that no page or export shows them.

        A table read again (the events, by every axis) is read and masked once more, then kept
        by the report while its file is unchanged (same size, modification time and inode);
        each call returns a new frame of it (copy-on-write: changing it never changes the kept
        table).
        """
        frame = self._masked(name)
        if "annee" in frame.columns and not all_years:
            frame = frame[frame["annee"].isin(self.params.years)]
        return frame.reset_index(drop=True)

    def _masked(self, name: str) -> pd.DataFrame:
        """Processed table ``name`` without its source columns, personal details masked.

        Kept from its second read on (the events are read by every axis): a table read once
        is not held in memory (hundreds of MB at national size).
        """
        try:
            stat = (self.paths.processed / f"{name}.parquet").stat()
            version = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except OSError:
            version = None  # no file: read_processed says so (never kept)
        seen, kept = self._read.get(name, (None, None))
        if version is not None and seen == version and kept is not None:
            lineage.record(lineage.TABLE, name)  # as read_processed does on each read
            return kept
        frame = read_processed(name, self.paths)
        frame = frame.drop(columns=[c for c in SOURCE_COLUMNS if c in frame.columns])
        frame = personal_text.mask_frame(frame, TABLES[name])
        if version is not None:
            self._read[name] = (version, frame if seen == version else None)
        return frame

    def missing_tables(self, axis: int) -> list[str]:
        """Partner tables of an axis with no row for the publication year.

        An axis without tables of its own (laïcité: trainings) is measured by its events.
        """
        missing = []
        for table in tables_for_axis(axis):
            frame = read_processed(table.name, self.paths)
            if "annee" not in frame.columns or not (frame["annee"] == self.annee).any():
                missing.append(table.name)
        if not tables_for_axis(axis):
            events = read_processed("evenements", self.paths)
            if not ((events["annee"] == self.annee) & (events["axe"] == axis)).any():
                missing.append("evenements")
        return missing

    def has_data(self, axis: int) -> bool:
        """Whether any partner table of an axis, or its events, has a row in the trend window.

        A page for an axis without data shows one sentence and its definitions only.
        """
        if any(self._rows_in_window(t.name).any() for t in tables_for_axis(axis)):
            return True
        events = read_processed("evenements", self.paths)
        return bool((self._rows_in_window("evenements") & (events["axe"] == axis)).any())

    def has_partner_data(self) -> bool:
        """Whether any partner table has a row in the trend window (a context-only region: no)."""
        return any(self._rows_in_window(name).any() for name in PARTNER_TABLES)

    def _rows_in_window(self, name: str) -> pd.Series:
        """Which rows of a processed table fall in the trend window (none without ``annee``)."""
        frame = read_processed(name, self.paths)
        if "annee" not in frame.columns:
            return pd.Series(False, index=frame.index)
        return frame["annee"].isin(self.params.years)

    @property
    def epci_known(self) -> bool:
        """Whether the QPV list names the EPCI of its QPV (a SIG Ville export does not)."""
        return bool(self.qpv["siren_epci"].notna().any())

    @property
    def qpv_source(self) -> str:
        """The QPV list actually used, in French, for the « Sources » lines of the reports."""
        return qpv_list_source(self.params)

    def names(self) -> dict[str, dict[str, str]]:
        """Names of territories by level (for labelling indicator tables).

        Works for any region: a department absent from :data:`DEPARTEMENTS` is named by its
        code, a QPV or EPCI without name by its code, and a region absent from the national
        QPV list (``referentiel_qpv: contexte``) by the publication title, or else
        « Région <code> ».
        """
        ref = self.qpv.drop_duplicates("code_qpv")
        qpv = {
            str(c): str(n) if pd.notna(n) else str(c)
            for c, n in zip(ref["code_qpv"], ref["nom_qpv"], strict=True)
            if pd.notna(c)
        }
        epci: dict[str, str] = {}
        for c, n in zip(ref["siren_epci"], ref["nom_epci"], strict=True):
            if pd.notna(c):
                epci.setdefault(str(c), str(n) if pd.notna(n) else str(c))
        deps = self.qpv["code_departement"].dropna().astype(str).unique()
        region = reference.region_label(self.params, self.paths)
        return {
            "qpv": qpv,
            "epci": epci,
            "departement": {c: DEPARTEMENTS.get(c, c) for c in sorted(deps)},
            "region": {"region": region},
        }

    def output_dir(self) -> Path:
        """Folder receiving this run's exports: the build folder, or a draft folder by hand."""
        return self.paths.output_dir(self.annee)

    def export_indicators(self, result: pd.DataFrame, name: str) -> Path:
        """Write the tidy indicator table as CSV (UTF-8 BOM, ``;``, decimal comma) and Parquet.

        Person-based rows go through disclosure control here, whatever the notebook did; a
        table already protected comes out unchanged (its masked rows stay ``secret``).
        """
        from qpv_analytics.disclosure.indicator_tables import protect_people

        result = protect_people(result, self.params, self.qpv)
        result = result.sort_values(["indicateur", "niveau", "code", "annee"], ignore_index=True)
        path = self.export_table(result, name)
        result.to_parquet(path.with_suffix(".parquet"), index=False)
        lineage.record(lineage.OUTPUT, path.with_suffix(".parquet").name)
        return path

    def export_table(self, table: pd.DataFrame, name: str) -> Path:
        """Write a table beside the indicator tables, as French CSV only (UTF-8 BOM, ``;``, ``,``).

        For derived tables (e.g. the synthesis' counts per EPCI): without a Parquet copy, they
        are never read back as indicator tables.
        """
        folder = self.paths.output_indicators_dir(self.annee)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.csv"
        table.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
        lineage.record(lineage.OUTPUT, path.name)
        return path

    def quality_notice(self, tables: list[str]) -> None:
        """Display one short notice summing up the quality warnings of the given tables.

        Readers get the kind and number of warnings; the rows concerned are on the quality page
        and in each producer's feedback, not in the report.
        """
        for table in tables:
            lineage.record(lineage.QUALITY, table)
        found = [w for w in self.quality.get("avertissements", []) if w.get("table") in tables]
        if not found:
            return
        kinds: dict[str, int] = {}
        for w in found:
            problem = str(w.get("probleme") or w["texte"]).split(" : ")[0].rstrip(".")
            kinds[problem] = kinds.get(problem, 0) + 1
        listed = " ; ".join(f"{k} ({n} fichier{'s' if n > 1 else ''})" for k, n in kinds.items())
        info(
            f"Contrôle qualité des données de ce rapport : {len(found)} avertissement(s), sans "
            f"effet bloquant — {listed}. Détail : page « Qualité des données » de la publication."
        )


def qpv_list_source(params: RunParams) -> str:
    """Name the QPV list of a publication: the shipped 2024 list, or its first context file.

    A region publishing from its own SIG Ville export uses the 2015 codes (``QP…``) of that
    file, not the national 2024 list (``QN…``): the sources say which.
    """
    if params.referentiel_qpv == "anct_2024" or not params.contexte:
        return "référentiel des QPV 2024 (ANCT)"
    first = params.contexte[0]
    codes = "QP…" if params.geographie_qpv == "2015" else "QN…"
    vintage = f", millésime {first.millesime}" if first.millesime else ""
    return (
        f"liste des QPV de la géographie {params.geographie_qpv} (codes {codes}) lue dans le "
        f"fichier de contexte « {Path(first.fichier).name} » ({SOURCES[first.source].label}"
        f"{vintage})"
    )


def open_report(
    annee: int,
    axis: int | None = None,
    title: str | None = None,
    paths: Paths | None = None,
    public_data_only: bool = False,
    qpv: pd.DataFrame | None = None,
) -> Report:
    """Load the parameters and reference data, and display the page header.

    Args:
        annee: publication year (the notebook's parameter).
        axis: roadmap axis of the report, or ``None`` for cross-axis reports.
        title: report title (defaults to the axis name).
        paths: project paths (default: current project).
        public_data_only: the report reads only real public files (context), so a demo
            publication says that this page, unlike the others, is not invented.
        qpv: the QPV reference of the publication, when the caller has already read it.
    """
    paths = paths or get_paths()
    params = load_params(annee, paths)
    if qpv is None:
        qpv = reference.qpv_for_params(params, paths)
    demo = (paths.raw / DEMO_MARKER).exists()
    quality_path = paths.quality_summary(annee)
    quality = json.loads(quality_path.read_text(encoding="utf-8")) if quality_path.exists() else {}
    rep = Report(params, paths, qpv, demo, quality)
    heading = title or (axis_title(axis) if axis else params.titre)
    parts = [
        f"<style>{style.css_variables(axis)}{style.report_css()}</style>",
        '<div class="qpv-page">',
    ]
    if demo and public_data_only:
        parts.append(
            '<div class="qpv-demo">Publication de démonstration : les rapports par axe de cette '
            "publication reposent sur des données inventées. Ce rapport-ci n'utilise que des "
            "fichiers publics réels, cités dans sa partie « Méthode ».</div>"
        )
    elif demo:
        parts.append(
            '<div class="qpv-demo">Données de démonstration : les chiffres de ce rapport sont '
            "inventés (bailleurs fictifs, montants simulés) pour montrer l'outil. Seuls le "
            "référentiel des QPV, les contrats de ville et les fichiers publics cités sont "
            "réels.</div>"
        )
    region = html.escape(rep.names()["region"]["region"])
    kicker = heading != params.titre
    parts.append(
        '<header class="qpv-titre">'
        + (f'<p class="qpv-surtitre">{html.escape(params.titre)}</p>' if kicker else "")
        + f"<h1>{html.escape(heading)}</h1>"
        + f'<p class="qpv-territoire"><strong>{region}</strong> — publication {annee} — '
        f"période observée {params.years[0]}–{params.years[-1]}</p></header></div>"
    )
    if axis and not rep.has_data(axis):
        tables = ", ".join(f"« {t.title} » ({t.name})" for t in tables_for_axis(axis))
        source = tables or "« Événements du réseau » (evenements) de l'axe"
        before = (
            f", ni pour les années {params.years[0]} à {annee - 1}"
            if annee > params.years[0]
            else ""
        )
        parts.append(
            f'<div class="qpv-warn">Aucune donnée reçue pour {annee}{before}, sur cet axe : '
            f"{source}. Ce rapport ne présente "
            "donc que la définition de ses indicateurs (partie « Méthode »), qui seront "
            "calculés dès réception de ces données.</div>"
        )
    elif axis:
        missing = rep.missing_tables(axis)
        if missing:
            tables = ", ".join(f"« {TABLES[t].title} » ({t})" for t in missing)
            parts.append(
                f'<div class="qpv-warn">Aucune donnée reçue pour {annee} : {tables}. Les '
                "indicateurs qui en dépendent sont sans valeur dans ce rapport ; une donnée "
                "absente n'est jamais comptée comme un zéro.</div>"
            )
    _display_html("".join(parts))
    return rep


def heading(text: str, level: int = 2, axis: int | None = None) -> None:
    """Display a section heading (levels 2 and 3 make the page's table of contents).

    The exported page lists these headings in its « Sommaire », after the title block of
    :func:`open_report` (see :mod:`qpv_analytics.publish.html_export`).

    Args:
        text: the heading.
        level: 2 for a part, 3 for a subpart.
        axis: the roadmap axis the part is about, in a cross-axis report: the heading takes
            that axis' colour.
    """
    colour = f' style="--qpv-accent:{style.accent(axis)}"' if axis is not None else ""
    _display_html(f'<h{level} class="qpv-h"{colour}>{html.escape(text)}</h{level}>')


def paragraph(text: str) -> None:
    """Display a paragraph of generated text (the caller builds it from computed figures)."""
    _display_html(f'<p class="qpv-page">{html.escape(text)}</p>')


def link_paragraph(text: str, href: str) -> None:
    """Display a paragraph that is one link (to another page of the same publication)."""
    _display_html(f'<p class="qpv-page"><a href="{html.escape(href)}">{html.escape(text)}</a></p>')


def notice(text: str) -> None:
    """Display a highlighted warning (missing data, quality warnings)."""
    _display_html(f'<div class="qpv-warn">{html.escape(text)}</div>')


def info(text: str) -> None:
    """Display a neutral information box (e.g. non-blocking quality warnings)."""
    _display_html(f'<div class="qpv-info">{html.escape(text)}</div>')


def key_figures(cards: list[tuple[str, str]]) -> None:
    """Display key-figure cards: a list of (formatted value, French label)."""
    inner = "".join(
        f'<div class="qpv-card"><div class="v">{html.escape(v)}</div>'
        f'<div class="l">{html.escape(label)}</div></div>'
        for v, label in cards
    )
    _display_html(f'<div class="qpv-cards">{inner}</div>')


def table_html(
    frame: pd.DataFrame,
    caption: str | None = None,
    numeric: list[str] | None = None,
    status_col: str | list[str] | None = None,
) -> str:
    """Render an already formatted table (strings) as accessible HTML.

    ``status_col`` names the column (or columns) whose cells are status labels
    (:data:`~qpv_analytics.labels.STATUS_LABELS`): they get the status colour besides the text.
    """
    numeric = numeric or []
    statuses = [status_col] if isinstance(status_col, str) else list(status_col or [])
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for col in frame.columns:
            value = "" if pd.isna(row[col]) else str(row[col])
            cls = ' class="n"' if col in numeric else ""
            if col in statuses:
                key = next((k for k, v in STATUS_LABELS.items() if v == value), "")
                cls = f' class="st-{key}"'
            cells.append(f"<td{cls}>{html.escape(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="qpv-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def show_table(
    frame: pd.DataFrame,
    caption: str | None = None,
    numeric: list[str] | None = None,
    status_col: str | list[str] | None = None,
) -> None:
    """Display a formatted table; a table without rows gives one sentence, never a bare header."""
    if frame.empty:
        about = f" pour le tableau « {caption} »" if caption else ""
        notice(f"Pas de donnée{about}.")
        return
    _display_html(table_html(frame, caption, numeric, status_col))


def show_map(markup: str) -> None:
    """Display a map already rendered by :func:`qpv_analytics.report.maps.figure_html`."""
    _display_html(markup)


def show_figure(fig, alt: str, caption: str | None = None) -> None:
    """Display a matplotlib figure as an embedded image with alt text."""
    from qpv_analytics.report.charts import figure_html

    _display_html(figure_html(fig, alt, caption))


def value_of(
    result: pd.DataFrame, code: str, annee: int, level: str = "region", territory: str = "region"
) -> float | None:
    """Return one indicator value (``None`` when absent or blank)."""
    row = result[
        (result["indicateur"] == code)
        & (result["niveau"] == level)
        & (result["code"] == territory)
        & (result["annee"] == annee)
    ]
    if row.empty or pd.isna(row["valeur"].iloc[0]):
        return None
    return float(row["valeur"].iloc[0])


def scorecard(result: pd.DataFrame, annee: int, params: RunParams) -> pd.DataFrame:
    """Each indicator of the table against its target, judged where it binds, in French.

    The status of a target binding smaller units than the region is the verdict on those
    units (``Jugée sur``: « 2 sur 3 EPCI »); the regional value is then context, without a
    distance of its own. A target binding the region keeps the regional status, with its
    distance to the target.
    """
    rows = []
    for code in dict.fromkeys(result["indicateur"]):
        ind: Indicator = REGISTRY[code]
        cur = value_of(result, code, annee)
        prev = value_of(result, code, annee - 1)
        target = ind.target_value(params)
        verdict = obligations.judge(result, code, annee) if ind.targeted else None
        regional = verdict is not None and verdict.level == "region"
        gap = synthesis.change_text(cur, target, ind.unit) if regional else MISSING
        rows.append(
            {
                "Indicateur": ind.label,
                f"{annee}": formatting.with_unit(cur, ind.unit),
                f"{annee - 1}": formatting.with_unit(prev, ind.unit),
                "Cible": formatting.with_unit(target, ind.unit) if target is not None else MISSING,
                "Écart à la cible": gap,
                "Jugée sur": verdict.text() if verdict else MISSING,
                "Statut": STATUS_LABELS[verdict.status] if verdict else MISSING,
                "_cible": target is not None,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    if not table.pop("_cible").any():  # no target at all: these columns would only hold dashes
        table = table.drop(columns=["Cible", "Écart à la cible", "Jugée sur", "Statut"])
    return table


def level_table(result: pd.DataFrame, code: str, level: str, annee: int) -> pd.DataFrame:
    """Values of one indicator for every territory or partner of a level, formatted."""
    ind = REGISTRY[code]
    sub = result[
        (result["indicateur"] == code) & (result["niveau"] == level) & (result["annee"] == annee)
    ].sort_values("valeur", ascending=False)
    table = pd.DataFrame(
        {
            LEVEL_LABELS[level]: sub["nom"].fillna(sub["code"]).to_numpy(),
            ind.label: [formatting.with_unit(v, ind.unit) for v in sub["valeur"]],
        }
    )
    if sub["cible"].notna().any():
        table["Statut"] = [STATUS_LABELS[s] for s in sub["statut"]]
    return table


def target_rule(ind: Indicator, params: RunParams) -> str:
    """How a target is judged, in French: its kind, where it binds, the partial-status rule.

    For a target binding smaller units than the region, it says that the rows of the levels
    aggregating them are context (:func:`~qpv_analytics.indicators.obligations.context_levels`).
    """
    kind = TARGET_KIND_LABELS[ind.target_kind] if ind.target_kind else MISSING
    where = UNIT_BY[ind.binds] if ind.binds else MISSING
    threshold = partial_threshold(ind, params)
    if threshold is None:
        rule = "atteinte ou non atteinte, l'écart à la cible est indiqué"
    else:
        rule = (
            f"« partiellement atteint » à partir de {formatting.number(threshold)} % de l'objectif"
        )
    context = [lvl for lvl in ind.levels if lvl in obligations.context_levels(ind, ind.levels)]
    if context:
        names = ", ".join(LEVEL_LABELS[lvl] for lvl in context)
        rule += f" ; lignes {names} : contexte, sans statut propre"
    return f"{kind}, jugée {where} ; {rule}"


def method_table(codes: list[str], params: RunParams) -> pd.DataFrame:
    """Definitions of the indicators of a report (label, definition, formula, unit, target)."""
    rows = []
    for code in codes:
        ind = REGISTRY[code]
        target = ind.target_value(params)
        rows.append(
            {
                "Indicateur": ind.label,
                "Définition": ind.definition,
                "Formule": ind.formula,
                "Unité": ind.unit,
                "Cible": (
                    f"{formatting.with_unit(target, ind.unit)} ({ind.target_source})"
                    if target is not None
                    else MISSING
                ),
                "Appréciation de la cible": (
                    target_rule(ind, params) if target is not None else MISSING
                ),
                "Sources": ", ".join(ind.sources),
            }
        )
    return pd.DataFrame(rows)
