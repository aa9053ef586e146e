"""Cross-axis synthesis: read the axis reports' indicator tables and follow them across axes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from qpv_analytics import formatting, lineage
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.indicators import obligations
from qpv_analytics.indicators.model import REGISTRY, RESULT_COLUMNS
from qpv_analytics.labels import (
    AXES,
    EXPORT_TITLES,
    LEVEL_LABELS,
    MISSING,
    SECRET,
    STATUS_LABELS,
    axis_title,
)
from qpv_analytics.params import RunParams
from qpv_analytics.report.receipts import years_text

SYNTHESIS_NAME = "synthese"
"""Name of the synthesis notebook (its own exports are never read back)."""
SOURCE_COLUMN = "rapport"
"""Column added by :func:`load_indicator_tables`: the report (file stem) a row comes from."""
STATUS_ORDER = ("atteint", "partiel", "non_atteint", "sans_donnee", "secret")
"""Statuses counted in the scorecard, in display order."""
MARKS = {"atteint": "✓", "partiel": "≈", "non_atteint": "✗"}
"""Marks appended to a value in the wide tables, by status."""
MARKS_LEGEND = (
    "✓ cible atteinte, ≈ partiellement atteinte, ✗ non atteinte, « s » secret statistique"
)
_AXES = tuple(AXES)


def _empty_results() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in RESULT_COLUMNS})
    return frame.assign(secret=pd.Series(dtype=bool), **{SOURCE_COLUMN: pd.Series(dtype="object")})


def load_indicator_tables(folder: Path, exclude: Iterable[str] = (SYNTHESIS_NAME,)) -> pd.DataFrame:
    """Read every tidy indicator table (``*.parquet``) written by the reports of a run.

    Args:
        folder: the ``indicateurs`` folder of the run (``Paths.output_indicators_dir``).
        exclude: file stems not to read (the synthesis' own outputs).

    Returns:
        One table with ``RESULT_COLUMNS``, ``secret`` (false when absent) and ``rapport`` (the
        file stem). A row repeated in several files (same indicator, level, code, year) is kept
        once, from the first file in name order. Empty when no file is found.
    """
    skipped = set(exclude)
    files = sorted(p for p in Path(folder).glob("*.parquet") if p.stem not in skipped)
    frames = []
    lineage.record(lineage.INDICATORS, "*.parquet")  # the listing too: a new file counts
    for path in files:
        frame = pd.read_parquet(path)
        if "secret" not in frame.columns:
            frame["secret"] = False
        frames.append(frame.assign(**{SOURCE_COLUMN: path.stem}))
    if not frames:
        return _empty_results()
    out = pd.concat(frames, ignore_index=True)
    out = out[[*RESULT_COLUMNS, "secret", SOURCE_COLUMN]]
    out["secret"] = out["secret"].fillna(False).astype(bool)
    out["code"] = out["code"].astype(str)
    out["annee"] = out["annee"].astype("Int64")
    out["axe"] = out["axe"].astype(int)
    for col in ("valeur", "numerateur", "denominateur", "cible"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Float64")
    out = out.drop_duplicates(["indicateur", "niveau", "code", "annee"], keep="first")
    return out.reset_index(drop=True)


def expected_targets(params: RunParams | None = None) -> dict[str, float]:
    """Indicators of the six axes that have a target, with its value (registry order)."""
    out = {}
    for code, ind in REGISTRY.items():
        target = ind.target_value(params)
        if ind.axis in _AXES and target is not None:
            out[code] = target
    return out


def _order(code: str) -> int:
    codes = list(REGISTRY)
    return codes.index(code) if code in codes else len(codes)


def _info(results: pd.DataFrame, code: str) -> dict:
    """Label, axis, unit and report of an indicator (from the results, else the registry)."""
    rows = results[results["indicateur"] == code]
    if not rows.empty:
        first = rows.iloc[0]
        return {
            "axe": int(first["axe"]),
            "libelle": str(first["libelle"]),
            "unite": str(first["unite"]),
            SOURCE_COLUMN: first.get(SOURCE_COLUMN, pd.NA),
        }
    ind = REGISTRY[code]
    return {"axe": ind.axis, "libelle": ind.label, "unite": ind.unit, SOURCE_COLUMN: pd.NA}


def _region_row(results: pd.DataFrame, code: str, annee: int) -> pd.Series | None:
    rows = results[
        (results["indicateur"] == code)
        & (results["niveau"] == "region")
        & (results["annee"] == annee)
    ]
    return None if rows.empty else rows.iloc[0]


def _value(row: pd.Series | None) -> tuple[float | None, bool]:
    if row is None:
        return None, False
    secret = bool(row.get("secret", False))
    value = row["valeur"]
    return (None if secret or pd.isna(value) else float(value)), secret


def _region_table(results: pd.DataFrame, annee: int, codes: Iterable[str]) -> pd.DataFrame:
    rows = []
    for code in codes:
        cur = _region_row(results, code, annee)
        valeur, secret = _value(cur)
        valeur_prec, secret_prec = _value(_region_row(results, code, annee - 1))
        if cur is None:
            statut = "sans_donnee"
        elif secret:
            statut = "secret"
        else:
            statut = str(cur["statut"])
        rows.append(
            {
                "indicateur": code,
                **_info(results, code),
                "valeur": valeur,
                "secret": secret,
                "valeur_prec": valeur_prec,
                "secret_prec": secret_prec,
                "statut": statut,
            }
        )
    columns = ["indicateur", "axe", "libelle", "unite", SOURCE_COLUMN, "valeur", "secret"]
    columns += ["valeur_prec", "secret_prec", "statut"]
    table = pd.DataFrame(rows, columns=columns)
    table["_ordre"] = table["indicateur"].map(_order)
    table = table.sort_values(["axe", "_ordre", "indicateur"]).drop(columns="_ordre")
    return table.reset_index(drop=True)


def _axis_results(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["axe"].isin(_AXES)]


def target_scorecard(
    results: pd.DataFrame, annee: int, expected: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Every indicator with a target, judged for one year where its target binds.

    A target binding the region keeps the status recorded by the axis report (never
    recomputed); a masked row has the status ``secret`` and no value. A target binding smaller
    units (each EPCI, landlord, project…) gets the verdict on those units, from their recorded
    statuses (:func:`qpv_analytics.indicators.obligations.judge`); its regional value is then
    context only. An expected indicator without rows for the year (the axis had no data, or its
    report did not run) has the status ``sans_donnee``.

    Args:
        results: output of :func:`load_indicator_tables`.
        annee: publication year.
        expected: indicators that should be there, with their target (:func:`expected_targets`).

    Returns:
        One row per indicator: ``indicateur``, ``axe``, ``libelle``, ``unite``, ``rapport``,
        ``valeur``, ``secret``, ``valeur_prec``, ``secret_prec`` (previous regional values),
        ``cible``, ``statut``, ``jugement`` (the :class:`~qpv_analytics.indicators.obligations.
        Verdict`); sorted by axis, then registry order.
    """
    expected = dict(expected or {})
    axis = _axis_results(results)
    targets = axis.dropna(subset=["cible"]).drop_duplicates("indicateur")
    found = dict(zip(targets["indicateur"], targets["cible"].astype(float), strict=True))
    codes = list(dict.fromkeys([*found, *expected]))
    table = _region_table(results, annee, codes)
    table["cible"] = [found.get(c, expected.get(c)) for c in table["indicateur"]]
    judged = [obligations.judge(results, code, annee) for code in table["indicateur"]]
    table["jugement"] = judged
    table["statut"] = [
        v.status if v.binds != "region" else st
        for v, st in zip(judged, table["statut"], strict=True)
    ]
    return table


def obligation_counts(card: pd.DataFrame) -> list[obligations.Verdict]:
    """Verdicts of a scorecard's targets judged on units smaller than the region, in order."""
    return [v for v in card["jugement"] if v.by_unit] if "jugement" in card else []


def untargeted(results: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Regional value this year and last year of the indicators of the six axes with no target.

    Returns:
        The columns of :func:`target_scorecard` without ``cible``; ``statut`` is
        ``sans_donnee`` when there is no regional row for the year.
    """
    axis = _axis_results(results)
    with_target = set(axis.loc[axis["cible"].notna(), "indicateur"])
    regional = axis[axis["niveau"] == "region"]
    codes = [c for c in dict.fromkeys(regional["indicateur"]) if c not in with_target]
    return _region_table(results, annee, codes)


def status_counts(card: pd.DataFrame, axes: Iterable[int] | None = None) -> pd.DataFrame:
    """Number of indicators of a scorecard per axis and status.

    Args:
        card: output of :func:`target_scorecard`.
        axes: axes to list (default: the six axes), even with no indicator.

    Returns:
        Index ``axe``; one integer column per status of :data:`STATUS_ORDER`, then ``total``.
    """
    axes = list(axes) if axes is not None else list(_AXES)
    counts = pd.crosstab(card["axe"], card["statut"]) if not card.empty else pd.DataFrame()
    counts = counts.reindex(index=axes, columns=list(STATUS_ORDER), fill_value=0).fillna(0)
    counts = counts.astype(int)
    counts["total"] = counts.sum(axis=1)
    counts.index.name = "axe"
    counts.columns.name = None
    return counts


def cell(value, secret: bool, unit: str, status: str | None = None) -> str:
    """Format one published value: « s » if masked, « – » if missing, with a status mark."""
    if secret:
        return SECRET
    if value is None or pd.isna(value):
        return MISSING
    text = formatting.with_unit(float(value), unit)
    mark = MARKS.get(status or "")
    return f"{text} {mark}" if mark else text


def change_text(current, previous, unit: str, secret: bool = False) -> str:
    """Change between two values: points for a rate (``+1,2 pt``), else relative (``-3,4 %``).

    Masked values give « s » (a masked value is never recomputed), missing ones « – ».
    """
    if secret:
        return SECRET
    if current is None or previous is None or pd.isna(current) or pd.isna(previous):
        return MISSING
    current, previous = float(current), float(previous)
    if unit == "%":
        return formatting.points(current - previous)
    if previous == 0:
        return MISSING
    return formatting.relative_change((current - previous) / abs(previous) * 100)


def column_label(code: str) -> str:
    """Short header of an indicator in a wide table, with its axis: ``Label (axe 2)``."""
    ind = REGISTRY.get(code)
    if ind is None:
        return code
    return f"{ind.header} (axe {ind.axis})"


def _report_title(name, titles: Mapping[str, str] | None) -> str:
    if name is None or pd.isna(name):
        return MISSING
    return (EXPORT_TITLES if titles is None else titles).get(str(name), str(name))


def format_target_scorecard(
    card: pd.DataFrame, annee: int, titles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """French table of :func:`target_scorecard` (one row per indicator with a target)."""
    return pd.DataFrame(
        {
            "Axe": [str(a) for a in card["axe"]],
            "Indicateur": card["libelle"].to_numpy(),
            str(annee): [
                cell(v, s, u)
                for v, s, u in zip(card["valeur"], card["secret"], card["unite"], strict=True)
            ],
            str(annee - 1): [
                cell(v, s, u)
                for v, s, u in zip(
                    card["valeur_prec"], card["secret_prec"], card["unite"], strict=True
                )
            ],
            "Cible": [cell(v, False, u) for v, u in zip(card["cible"], card["unite"], strict=True)],
            "Jugée sur": [v.text() for v in card["jugement"]],
            "Statut": [STATUS_LABELS[s] for s in card["statut"]],
            "Rapport": [_report_title(r, titles) for r in card[SOURCE_COLUMN]],
        }
    )


def format_untargeted(
    table: pd.DataFrame, annee: int, titles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """French table of :func:`untargeted`: values, change on the previous year, source report."""
    return pd.DataFrame(
        {
            "Indicateur": table["libelle"].to_numpy(),
            str(annee): [
                STATUS_LABELS["sans_donnee"] if st == "sans_donnee" else cell(v, s, u)
                for v, s, u, st in zip(
                    table["valeur"], table["secret"], table["unite"], table["statut"], strict=True
                )
            ],
            str(annee - 1): [
                cell(v, s, u)
                for v, s, u in zip(
                    table["valeur_prec"], table["secret_prec"], table["unite"], strict=True
                )
            ],
            "Évolution": [
                change_text(v, p, u, s or sp)
                for v, p, u, s, sp in zip(
                    table["valeur"],
                    table["valeur_prec"],
                    table["unite"],
                    table["secret"],
                    table["secret_prec"],
                    strict=True,
                )
            ],
            "Rapport": [_report_title(r, titles) for r in table[SOURCE_COLUMN]],
        }
    )


def format_status_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """French table of :func:`status_counts`, with a total row.

    The « Secret statistique » column is dropped when nothing is masked.
    """
    table = counts.copy()
    table.loc["Total"] = table.sum(axis=0)
    if not table["secret"].any():
        table = table.drop(columns="secret")
    out = pd.DataFrame({"Axe": [axis_title(a) if a != "Total" else "Total" for a in table.index]})
    for col in table.columns:
        title = "Indicateurs avec cible" if col == "total" else STATUS_LABELS[col]
        out[title] = [str(int(n)) for n in table[col]]
    return out


def trend_table(results: pd.DataFrame, codes: Iterable[str], years: Iterable[int]) -> pd.DataFrame:
    """Regional values of some indicators over the years (one row per indicator), formatted.

    Args:
        results: output of :func:`load_indicator_tables`.
        codes: indicator codes (rows, in this order); one absent from ``results`` reads
            « Sans donnée » in every year.
        years: years (columns).

    Returns:
        ``Indicateur``, one column per year, ``Cible``.
    """
    years = list(years)
    rows = []
    for code in codes:
        info = _info(results, code)
        sub = results[(results["indicateur"] == code) & (results["niveau"] == "region")]
        row = {"Indicateur": info["libelle"]}
        for year in years:
            found = sub[sub["annee"] == year]
            if sub.empty:
                row[str(year)] = STATUS_LABELS["sans_donnee"]
            elif found.empty:
                row[str(year)] = MISSING
            else:
                first = found.iloc[0]
                row[str(year)] = cell(first["valeur"], bool(first["secret"]), info["unite"])
        target = sub["cible"].dropna()
        if target.empty and code in REGISTRY:
            target = pd.Series([REGISTRY[code].target], dtype="Float64").dropna()
        row["Cible"] = cell(target.iloc[0], False, info["unite"]) if not target.empty else MISSING
        rows.append(row)
    return pd.DataFrame(rows, columns=["Indicateur", *[str(y) for y in years], "Cible"])


def verdict_trend_table(
    results: pd.DataFrame, codes: Iterable[str], years: Iterable[int]
) -> pd.DataFrame:
    """Units meeting each target binding smaller units than the region, year by year.

    Args:
        results: output of :func:`load_indicator_tables`.
        codes: indicators with a target; those judged on the regional value only (binding
            the region, or without results at a finer level) are left out.
        years: years (columns).

    Returns:
        ``Indicateur``, one column per year (« 20 sur 39 EPCI », « – » without result).
    """
    years = list(years)
    rows = []
    for code in codes:
        judged = [obligations.judge(results, code, year) for year in years]
        if not any(v.by_unit for v in judged):
            continue
        row = {"Indicateur": _info(results, code)["libelle"]}
        row.update({str(year): v.text() for year, v in zip(years, judged, strict=True)})
        rows.append(row)
    return pd.DataFrame(rows, columns=["Indicateur", *[str(y) for y in years]])


def epci_reference(qpv: pd.DataFrame) -> pd.DataFrame:
    """EPCI of the QPV reference (contrats de ville): ``code``, ``nom``, ``departement``.

    An EPCI spanning several departments is filed under the first one met.
    """
    ref = qpv.dropna(subset=["siren_epci"]).drop_duplicates("siren_epci")
    return pd.DataFrame(
        {
            "code": ref["siren_epci"].astype(str).to_numpy(),
            "nom": ref["nom_epci"].fillna(ref["siren_epci"]).astype(str).to_numpy()
            if "nom_epci" in ref.columns
            else ref["siren_epci"].astype(str).to_numpy(),
            "departement": ref["code_departement"].astype(str).to_numpy(),
        }
    )


def _level_rows(results: pd.DataFrame, level: str, annee: int, codes: list[str]) -> pd.DataFrame:
    return results[
        (results["niveau"] == level)
        & (results["annee"] == annee)
        & results["indicateur"].isin(codes)
    ]


def _members(sub: pd.DataFrame, members: pd.DataFrame | None) -> pd.DataFrame:
    """Territories or partners of the rows: those given, else those found in ``sub``."""
    if members is not None:
        return members.reset_index(drop=True)
    found = sub.drop_duplicates("code")
    return pd.DataFrame(
        {
            "code": found["code"].astype(str).to_numpy(),
            "nom": found["nom"].fillna(found["code"]).astype(str).to_numpy(),
        }
    ).sort_values("nom", ignore_index=True)


def _wide(sub: pd.DataFrame, members: pd.DataFrame, codes: list[str], label: str) -> pd.DataFrame:
    """Members × indicators, formatted, with status marks (``cell``)."""
    out = pd.DataFrame({label: members["nom"].to_numpy()})
    for code in codes:
        rows = sub[sub["indicateur"] == code].set_index("code")
        unit = _info(sub, code)["unite"] if not rows.empty else REGISTRY[code].unit
        values = []
        for member in members["code"]:
            if member not in rows.index:
                values.append(MISSING)
                continue
            row = rows.loc[member]
            values.append(cell(row["valeur"], bool(row["secret"]), unit, str(row["statut"])))
        out[_info(sub, code)["libelle"] if not rows.empty else REGISTRY[code].label] = values
    return out


def epci_status_counts(
    results: pd.DataFrame, annee: int, codes: Iterable[str], epcis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per EPCI, the number of indicators with a target by status (met, partly met…).

    Args:
        results: output of :func:`load_indicator_tables`.
        annee: year.
        codes: indicators with a target followed per EPCI.
        epcis: EPCI to list (:func:`epci_reference`); default: those found in ``results``.

    Returns:
        ``code``, ``nom`` (and ``departement`` when given), then one integer column per status
        of :data:`STATUS_ORDER`; an indicator without row for an EPCI counts as ``sans_donnee``.
    """
    codes = list(codes)
    sub = _level_rows(results, "epci", annee, codes)
    members = _members(sub, epcis)
    out = members.copy()
    for st in STATUS_ORDER:
        out[st] = 0
    for i, member in enumerate(members["code"]):
        rows = sub[sub["code"] == member]
        statuses = ["secret" if bool(r["secret"]) else str(r["statut"]) for _, r in rows.iterrows()]
        statuses += ["sans_donnee"] * (len(codes) - len(rows))
        for st in statuses:
            if st in STATUS_ORDER:
                out.loc[i, st] += 1
    return out


def epci_profile(
    results: pd.DataFrame, annee: int, codes: Iterable[str], epcis: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per EPCI (contrat de ville) across the axes: its indicators with a target.

    Args:
        results: output of :func:`load_indicator_tables`.
        annee: year.
        codes: indicators (columns, in this order).
        epcis: EPCI to list (:func:`epci_reference`), each with its ``departement``; default:
            those found in ``results``.

    Returns:
        Formatted: « Dép. » (department, when known), « EPCI », one column per indicator headed by
        :func:`column_label` (value with its status mark, « s » if masked, « – » if absent),
        then « Atteintes »: targets met out of those with a value (``3 / 5``; partly met is not
        met; « – » when none has a value); sorted by department, then name.
    """
    codes = list(codes)
    sub = _level_rows(results, "epci", annee, codes)
    members = _members(sub, epcis)
    if "departement" in members.columns:
        members = members.sort_values(["departement", "nom"], ignore_index=True)
    counts = epci_status_counts(results, annee, codes, members)
    table = _wide(sub, members, codes, LEVEL_LABELS["epci"])
    table.columns = [table.columns[0], *[column_label(c) for c in codes]]
    if "departement" in members.columns:
        names = [DEPARTEMENTS.get(str(c), str(c)) for c in members["departement"]]
        table.insert(0, "Dép.", names)
    assessed = counts["atteint"] + counts["partiel"] + counts["non_atteint"]
    table["Atteintes"] = [
        f"{met} / {n}" if n else MISSING for met, n in zip(counts["atteint"], assessed, strict=True)
    ]
    return table


def partner_profile(
    results: pd.DataFrame, annee: int, level: str, codes: Iterable[str] | None = None
) -> pd.DataFrame:
    """Partners of one level (``bailleur``, ``maitre_ouvrage``) × their indicators, formatted.

    Args:
        results: output of :func:`load_indicator_tables`.
        annee: year.
        level: partner level.
        codes: indicators (columns); default: every indicator of the six axes computed at that
            level for the year, by axis and registry order.

    Returns:
        The partner's name, then one column per indicator (value with status mark, « s »,
        « – »); partners sorted by name.
    """
    rows = _axis_results(results)
    rows = rows[(rows["niveau"] == level) & (rows["annee"] == annee)]
    if codes is None:
        found = rows.drop_duplicates("indicateur")
        found = found.assign(_o=found["indicateur"].map(_order)).sort_values(["axe", "_o"])
        codes = list(found["indicateur"])
    codes = list(codes)
    sub = rows[rows["indicateur"].isin(codes)]
    return _wide(sub, _members(sub, None), codes, LEVEL_LABELS[level])


def partner_axes(results: pd.DataFrame, annee: int, level: str) -> pd.DataFrame:
    """Partners of one level × axes: number of indicators with a published value.

    Returns:
        The partner's name, one column per axis where the level appears (``Axe n``: count, or
        « – » when the partner has no value on that axis), « Axes couverts », and « Cibles
        atteintes » as ``met / with a target`` (« – » when none has a target).
    """
    rows = _axis_results(results)
    rows = rows[(rows["niveau"] == level) & (rows["annee"] == annee)]
    members = _members(rows, None)
    axes = sorted(rows["axe"].unique())
    shown = rows[rows["valeur"].notna() & ~rows["secret"]]
    out = pd.DataFrame({LEVEL_LABELS[level]: members["nom"].to_numpy()})
    covered = pd.Series(0, index=members.index)
    for axe in axes:
        counts = shown[shown["axe"] == axe].groupby("code").size()
        values = members["code"].map(counts).fillna(0).astype(int)
        covered += (values > 0).astype(int)
        out[f"Axe {axe}"] = [str(v) if v else MISSING for v in values]
    out["Axes couverts"] = covered.astype(str).to_numpy()
    judged = {c for c in rows["indicateur"].unique() if obligations.judged_at(results, c, level)}
    targeted = rows[rows["cible"].notna() & rows["indicateur"].isin(judged)]
    met = []
    for member in members["code"]:
        mine = targeted[targeted["code"] == member]
        met.append(f"{(mine['statut'] == 'atteint').sum()} / {len(mine)}" if len(mine) else MISSING)
    out["Cibles atteintes"] = met
    return out


def sources_table(
    results: pd.DataFrame, annee: int, titles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Where the figures come from: per report read, its axes, indicators, years and masks.

    Returns:
        « Rapport », « Axes », « Indicateurs », « Années », « Valeurs masquées <annee> » (rows
        of the year published as « s »), one row per report, in the order read.
    """
    rows = []
    for name, sub in results.groupby(SOURCE_COLUMN, sort=False):
        axes = sorted(a for a in sub["axe"].unique() if a in _AXES)
        year = sub[sub["annee"] == annee]
        rows.append(
            {
                "Rapport": _report_title(name, titles),
                "Axes": ", ".join(str(a) for a in axes) if axes else "contexte",
                "Indicateurs": str(sub["indicateur"].nunique()),
                "Années": years_text(sub["annee"].dropna()),
                f"Valeurs masquées {annee}": str(int(year["secret"].sum())),
            }
        )
    return pd.DataFrame(rows)
