"""Translation of loader problems and Great Expectations results into French findings.

Each finding (:class:`Issue`) also gives feedback rows: one per cell or line a data producer
must correct or check, with the producer found from the rows when it can be told.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from qpv_analytics.contract import TABLES, Table
from qpv_analytics.disclosure import personal_text
from qpv_analytics.labels import MASKED_ID as MASKED
from qpv_analytics.labels import PERSONAL_KIND_LABELS
from qpv_analytics.quality.model import FeedbackRow, Issue, one_line
from qpv_analytics.quality.suites import PLAUSIBILITY_RULE, WHOLE_FILE, ReferenceSets, value_text

if TYPE_CHECKING:  # pragma: no cover - typing only
    from qpv_analytics.ingest.loaders import LoadResult


def table_findings(
    result: LoadResult, table: Table, data: pd.DataFrame, frame: pd.DataFrame | None, gx: Any
) -> tuple[list[Issue], list[FeedbackRow]]:
    """Return the findings and feedback rows of one table: the loader's, then the validation's.

    Args:
        result: the loaded table, with the loader's own findings.
        table: its contract table.
        data: the loaded rows with a ``RangeIndex`` (positions match ``frame``).
        frame: the frame validated by Great Expectations (``None`` when not validated).
        gx: the table's Great Expectations validation result (``None`` when not validated).
    """
    issues = [_tidy_loader_issue(i, table) for i in result.issues]
    issues += _empty_file_issues(result, table)
    issues += personal_text_issues(table, data)
    covered = {
        (i.file, i.sheet, i.column, line)
        for i in issues
        if i.blocking and i.column
        for line in i.rows
    }
    lookup = _producer_lookup(table, data, {int(line) for i in issues for line in i.rows})
    rows = [r for i in issues for r in _rows_from_loader_issue(i, table, lookup)]
    if gx is not None and frame is not None:
        found, found_rows = _issues_from_validation(gx, table, data, frame, covered, lookup[1])
        issues += found
        rows += found_rows
    return issues, rows


def _tidy_loader_issue(issue: Issue, table: Table) -> Issue:
    """Drop identifier values from a loader finding; split a ``DataError`` text from its action."""
    if issue.column in table.identifiers and issue.values:
        issue.values = []
    marker = " À faire : "
    if issue.action == "voir le message." and marker in issue.message:
        message, action = issue.message.split(marker, 1)
        issue.message, issue.action = message.strip(), action.strip()
    return issue


def _empty_file_issues(result: LoadResult, table: Table) -> list[Issue]:
    """Warn about files that were read but gave no data row (empty, header only)."""
    read = set(map(str, result.data["_fichier"].dropna().unique())) if len(result.data) else set()
    failed = {i.file for i in result.issues if i.blocking}  # refused, not empty
    return [
        Issue(
            "avertissement",
            table.name,
            "fichier sans aucune ligne de données (vide ou en-tête seul) : ignoré.",
            "renvoyez le fichier rempli, ou retirez-le de data/raw/ s'il est en trop.",
            file=path.name,
        )
        for path in result.files
        if path.name not in read and path.name not in failed
    ]


PERSONAL_RULE = "donnee_personnelle"
"""Rule id of the personal details found in free text."""


def personal_text_issues(table: Table, data: pd.DataFrame) -> list[Issue]:
    """Warn about names, e-mail addresses and phone numbers typed in free-text columns.

    One warning per file, sheet, column and kinds of details found, naming the rows; the
    value itself is never copied into the finding (the reports mask it).

    Args:
        table: contract table (its ``Column.free_text`` columns are checked).
        data: the loaded rows, with their ``_fichier``, ``_feuille`` and ``_ligne``.
    """
    groups: dict[tuple, list[int]] = {}
    for name in personal_text.free_text_columns(table, data.columns):
        values = data[name]
        found = {t: personal_text.kinds(t) for t in values.dropna().unique() if isinstance(t, str)}
        hits = {t: tuple(k) for t, k in found.items() if k}
        for idx, value in values[values.isin(list(hits))].items():
            file = _str_or_none(data.at[idx, "_fichier"]) if "_fichier" in data else None
            sheet = _str_or_none(data.at[idx, "_feuille"]) if "_feuille" in data else None
            line = data.at[idx, "_ligne"] if "_ligne" in data else None
            rows = groups.setdefault((file, sheet, name, hits[value]), [])
            if line is not None and pd.notna(line):
                rows.append(int(line))
    return [
        Issue(
            "avertissement",
            table.name,
            "données personnelles dans un texte libre ("
            + ", ".join(PERSONAL_KIND_LABELS[k] for k in kinds)
            + ") : jamais publiées, les rapports les masquent.",
            "retirez de ces cellules les noms, e-mails et téléphones de personnes (gardez le "
            "nom de la structure), puis renvoyez le fichier.",
            file=file,
            sheet=sheet,
            column=column,
            rows=rows,
            rule=PERSONAL_RULE,
        )
        for (file, sheet, column, kinds), rows in groups.items()
    ]


def registry_findings(results: dict[str, LoadResult], refs: ReferenceSets) -> list[Issue]:
    """Warn when tables name landlords but no landlord registry was received."""
    if refs.landlords:
        return []
    users = [
        n
        for n, r in results.items()
        if n != "bailleurs" and "bailleur" in TABLES[n].column_names and not r.data.empty
    ]
    if not users:
        return []
    return [
        Issue(
            "avertissement",
            "bailleurs",
            "registre des bailleurs absent ou vide : les noms de bailleur ne sont ni "
            f"harmonisés ni contrôlés (tables : {', '.join(users)}).",
            "déposez le registre dans data/raw/bailleurs/ (voir data/README.md).",
        )
    ]


def _fmt(value: Any, unit: str | None = None) -> str:
    """Format one cell for a French message (``(vide)`` for a missing value)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(vide)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) or hasattr(value, "is_integer"):
        return value_text(float(value), "année" if unit == "année" else None)
    return str(value)


def _cell(table: Table, data: pd.DataFrame, frame: pd.DataFrame, idx: int, column: str) -> str:
    if column in table.identifiers:
        return MASKED
    source = data if column in data.columns else frame
    if column not in source.columns:
        return ""
    unit = table.column(column).unit if column in table.column_names else None
    return _fmt(source.at[idx, column], unit)


def _row_value(table: Table, data: pd.DataFrame, frame: pd.DataFrame, idx: int, meta: dict) -> str:
    columns = meta["colonnes"]
    if columns[0].startswith("_"):  # a derived value (plausibility, fractions), then its sources
        derived, *sources = columns
        shown = _cell(table, data, frame, idx, derived)
        if len(sources) > 1:
            parts = " ; ".join(f"{c} = {_cell(table, data, frame, idx, c)}" for c in sources)
            shown += f" ({parts})"
        return shown
    if len(columns) == 1:
        return _cell(table, data, frame, idx, columns[0])
    return " ; ".join(f"{c} = {_cell(table, data, frame, idx, c)}" for c in columns)


def _files(data: pd.DataFrame) -> str | None:
    names = sorted(set(data["_fichier"].dropna().astype(str))) if "_fichier" in data else []
    return ", ".join(names) or None


def _issues_from_validation(
    suite_result: Any,
    table: Table,
    data: pd.DataFrame,
    frame: pd.DataFrame,
    covered: set[tuple],
    by_file: dict[str, str],
) -> tuple[list[Issue], list[FeedbackRow]]:
    """Turn the failed expectations of one table into French findings and feedback rows.

    A row already reported as blocking for a column (by the loader or an earlier rule) is not
    reported again by a later rule on that column, so one bad cell gives one finding.
    """
    failed = [r for r in suite_result.results if not r.success]
    failed.sort(key=lambda r: (r.expectation_config.meta or {}).get("ordre", 0))
    missing: set[str] = set()
    for res in failed:
        if res.expectation_config.type == "expect_table_columns_to_match_set" and res.result:
            missing |= set(res.result.get("details", {}).get("mismatched", {}).get("missing", []))
    unusable = missing | {
        (r.expectation_config.meta or {}).get("colonnes", [""])[0]
        for r in failed
        if (r.expectation_config.meta or {}).get("regle") == "type"
    }
    issues: list[Issue] = []
    rows: list[FeedbackRow] = []
    for res in failed:
        meta = res.expectation_config.meta or {}
        if not meta:
            continue
        columns = meta["colonnes"]
        error = _exception_message(res.exception_info)
        raised = error is not None
        if raised and unusable & set(columns):
            continue  # already reported: missing column or wrong type
        if meta["regle"] == "presence_colonnes":
            column_label = ", ".join(sorted(missing))
        elif meta["regle"].startswith(PLAUSIBILITY_RULE) and len(columns) == 3:
            column_label = f"{columns[1]} / {columns[2]}"
        else:
            column_label = ", ".join(c for c in columns if not c.startswith("_")) or columns[0]
        base = dict(
            severity=meta["severite"],
            table=table.name,
            action=meta["action"],
            column=column_label,
            expected=meta["attendu"],
            rule=meta["regle"],
        )
        indexes = (res.result or {}).get("unexpected_index_list") if not raised else None
        if not indexes:
            message = meta["probleme"]
            if raised:
                message = (
                    f"contrôle « {meta['regle']} » impossible sur ces données "
                    f"({one_line(error, 160)})."
                )
            elif meta["regle"] == "type" and res.result.get("observed_value") is not None:
                message += f" Type trouvé : {res.result['observed_value']}."
            issue = Issue(message=message, file=_files(data), **base)
            issues.append(issue)
            files = (issue.file or "").split(", ")
            producers = {by_file.get(f) for f in files}
            producer = producers.pop() if len(producers) == 1 else None
            rows.append(_feedback_row(issue, None, producer, ""))
            continue
        sources = [c for c in columns if not c.startswith("_")]
        per_row = meta["regle"] != "cle_unique"
        whole_file = bool(meta.get(WHOLE_FILE))  # one finding per file, whoever sent each row
        groups: dict[tuple, list[tuple[int | None, str, tuple, str | None]]] = {}
        key_files: dict[tuple, set[str]] = {}
        for idx in indexes:
            idx = int(idx)
            file = _str_or_none(data.at[idx, "_fichier"])
            sheet = _str_or_none(data.at[idx, "_feuille"])
            line = int(data.at[idx, "_ligne"]) if pd.notna(data.at[idx, "_ligne"]) else None
            if per_row and any((file, sheet, c, line) in covered for c in sources):
                continue
            producer = None
            if table.producer and table.producer not in table.identifiers:
                producer = _producer_name(data.at[idx, table.producer])
            value = _row_value(table, data, frame, idx, meta)
            key = () if per_row else tuple(str(frame.at[idx, c]) for c in sources)
            key_files.setdefault(key, set()).add(file or "")
            group = (file, sheet, None if whole_file else producer)
            groups.setdefault(group, []).append((line, value, key, producer))
        for (file, sheet, _), found in groups.items():
            lines = [line for line, _, _, _ in found if line is not None]
            values = list(dict.fromkeys(v for _, v, _, _ in found if v and v != MASKED))
            senders = {p for _, _, _, p in found}
            producer = senders.pop() if len(senders) == 1 else None
            message = meta["probleme"]
            others = sorted(set().union(*(key_files[k] for _, _, k, _ in found)) - {file, ""})
            if not per_row and others:
                listed = ", ".join(f"« {f} »" for f in others)
                message += f" Doublons à chercher aussi dans : {listed}."
            if whole_file:
                message += f" Lignes concernées : {len(found)}."
            issue = Issue(
                message=message,
                file=file,
                sheet=sheet,
                rows=lines,
                values=values,
                producer=producer,
                **base,
            )
            issues.append(issue)
            if issue.blocking and per_row:
                covered |= {(file, sheet, c, line) for c in sources for line in lines}
            rows += [_feedback_row(issue, line, p, value) for line, value, _, p in found]
    return issues, rows


def _exception_message(info: Any) -> str | None:
    """Message of an exception raised while checking an expectation (``None`` if none).

    GX reports it either directly or keyed by the metric that failed.
    """
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "erreur inconnue")
    return None


def _str_or_none(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def _producer_name(value: Any) -> str | None:
    """Producer named in a row, personal details masked (it is shown in the quality pages)."""
    name = _str_or_none(value)
    return None if name is None else personal_text.mask(name)


def _feedback_row(issue: Issue, line: int | None, producer: str | None, value: str) -> FeedbackRow:
    return FeedbackRow(
        producer=producer,
        table=issue.table,
        file=issue.file,
        sheet=issue.sheet,
        row=line,
        column=issue.column,
        value=value,
        problem=issue.message,
        expected=issue.expected,
        action=issue.action,
        severity=issue.severity,
    )


def _producer_lookup(table: Table, data: pd.DataFrame, lines: set[int]) -> tuple[dict, dict]:
    """Map (file, line) and file to the producer named in the rows (when unambiguous).

    Only the ``lines`` of the loader's findings are looked up by line: the others are left
    out of the first map (a dictionary of every row took seconds over a million rows).
    """
    if not table.producer or table.producer in table.identifiers or data.empty:
        return {}, {}
    prod = data[["_fichier", "_ligne", table.producer]].dropna()
    # Producers repeat over the rows: each distinct one is masked once (a regex search of
    # personal details per row took half a minute over a million rows).
    names = {p: _producer_name(p) for p in prod[table.producer].unique()}
    wanted = prod[prod["_ligne"].isin(list(lines))]
    by_line = {
        (str(f), int(line)): names[p] for f, line, p in wanted.itertuples(index=False, name=None)
    }
    by_file = {
        str(f): _producer_name(group.iloc[0])
        for f, group in prod.groupby("_fichier")[table.producer]
        if group.nunique() == 1
    }
    return by_line, by_file


def _rows_from_loader_issue(
    issue: Issue, table: Table, lookup: tuple[dict, dict]
) -> Iterable[FeedbackRow]:
    """Feedback rows of a loader finding (one per line; producer found from the loaded rows)."""
    by_line, by_file = lookup
    files = [f.strip() for f in (issue.file or "").split(",") if f.strip()] or [None]
    if not issue.rows:
        for file in files:
            yield _feedback_row(issue, None, by_file.get(file or ""), "")
        return
    aligned = len(issue.values) == len(issue.rows)
    for pos, line in enumerate(issue.rows):
        value = issue.values[pos] if aligned else ""
        if issue.column in table.identifiers:
            value = MASKED
        producer = next(
            (by_line[(f, int(line))] for f in files if f and (f, int(line)) in by_line),
            next((by_file[f] for f in files if f and f in by_file), None),
        )
        yield _feedback_row(issue, int(line), producer, value)
