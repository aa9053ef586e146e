"""Partnership activity of the roadmap, per axis and year (networks, co-training, participants).

Also holds what the axis modules and reports share: geography helpers (department of an EPCI,
``territoire`` of an event), the disclosure control of tidy indicator tables
(:func:`protect_people`) and the small table builders of the axis reports.
"""

from __future__ import annotations

import pandas as pd

from qpv_analytics.contract import AXES, TYPES_ORGANISATION
from qpv_analytics.indicators.core import (
    LEVEL_COLUMNS,
    LEVEL_LABELS,
    REGISTRY,
    RESULT_COLUMNS,
    Indicator,
    aggregate,
    finish,
    register,
)
from qpv_analytics.params import RunParams

PARTICIPANT_COLUMNS = tuple(f"participants_{t}" for t in TYPES_ORGANISATION)
"""Participant columns of the ``evenements`` table, one per type of organisation."""

ORGANISATION_LABELS = {
    "bailleurs": "Bailleurs sociaux",
    "collectivites": "Communes et EPCI",
    "etat": "Services de l'État",
    "associations": "Associations",
    "habitants": "Habitants",
    "autres": "Autres",
}
"""French labels of the types of organisation."""

EVENT_LEVELS = ("region", "departement", "epci")
"""Levels at which events can be located (their ``territoire``)."""

PARTNER_LEVELS = {"maitre_ouvrage": "Maître d'ouvrage"}
"""Partner levels used by axes 1 and 5 beside the core levels (column name → French label)."""


def declare_partner_levels() -> None:
    """Make the project owner (``maitre_ouvrage``) a level of ``aggregate`` and ``level_table``.

    The core framework knows landlords (``bailleur``) as partners; renewal operations and
    insertion clauses are carried by project owners, who may also be municipalities. Adding
    the level is idempotent and leaves the existing levels untouched.
    """
    for column, label in PARTNER_LEVELS.items():
        LEVEL_COLUMNS.setdefault(column, column)
        LEVEL_LABELS.setdefault(column, label)


declare_partner_levels()


def epci_departements(qpv: pd.DataFrame) -> dict[str, str]:
    """Map each EPCI SIREN of the QPV reference to its department (the first one met)."""
    ref = qpv.dropna(subset=["siren_epci", "code_departement"]).drop_duplicates("siren_epci")
    return dict(
        zip(ref["siren_epci"].astype(str), ref["code_departement"].astype(str), strict=True)
    )


def attach_epci_departement(frame: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Add ``code_departement`` from ``siren_epci`` (blank for an EPCI outside the reference)."""
    mapping = epci_departements(qpv)
    out = frame.copy()
    out["code_departement"] = out["siren_epci"].map(mapping).astype("string")
    return out


def region_epci(qpv: pd.DataFrame) -> pd.DataFrame:
    """EPCI of the region that carry at least one QPV (hence a contrat de ville)."""
    ref = qpv.dropna(subset=["siren_epci"]).drop_duplicates("siren_epci")
    return ref[["siren_epci", "code_departement"]].astype("string").reset_index(drop=True)


def event_geography(events: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """Add ``siren_epci`` and ``code_departement`` read from the ``territoire`` of each event.

    A territory of 9 digits is an EPCI (its department comes from the QPV reference); a code of
    1 to 3 characters is a department; ``region`` (or a blank) locates the event at the
    regional level only.
    """
    out = events.copy()
    terr = out["territoire"].astype("string").str.strip()
    is_epci = terr.str.fullmatch(r"\d{9}").fillna(False).astype(bool)
    is_dep = terr.str.fullmatch(r"\d{1,3}|2[AB]").fillna(False).astype(bool) & ~is_epci
    siren = terr.where(is_epci)
    dep_of_epci = siren.map(epci_departements(qpv))
    dep = terr.where(is_dep).str.zfill(2)
    out["siren_epci"] = siren.astype("string")
    out["code_departement"] = dep.fillna(dep_of_epci).astype("string")
    return out


def fill_missing_years(
    result: pd.DataFrame,
    years: list[int],
    indicator: Indicator,
    params: RunParams | None,
    departements: list[str] | None = None,
) -> pd.DataFrame:
    """Add zeros for years with data in the source but no unit counted.

    Used for counts of events: a year of the ``evenements`` table without any event of the
    axis is a true zero for the region and, when ``departements`` is given, for each of these
    departments without a located event; a year absent from the table stays absent
    (« sans donnée »).
    """
    targets = [("region", "region")] + [("departement", d) for d in departements or []]
    have = set(
        zip(result["niveau"], result["code"].astype(str), result["annee"].astype(int), strict=True)
    )
    rows = [
        {"annee": y, "niveau": lvl, "code": code}
        for y in years
        for lvl, code in targets
        if (lvl, code, y) not in have
    ]
    if not rows:
        return result
    zeros = pd.DataFrame(rows).assign(valeur=0.0, numerateur=0.0, denominateur=pd.NA)
    frames = [f for f in (result, finish(zeros, indicator, params)) if not f.empty]
    return pd.concat(frames, ignore_index=True)


def _activity_indicators(axis: int) -> tuple[Indicator, ...]:
    suffix = f"(axe {axis})"
    return (
        Indicator(
            code=f"activite_evenements_axe{axis}",
            label=f"Événements du réseau {suffix}",
            axis=axis,
            definition="Réunions de réseau, co-formations, formations, webinaires, visites et "
            "publications de l'axe déclarés dans l'année.",
            formula="Nombre d'événements de l'axe",
            unit="événements",
            sources=("evenements",),
        ),
        Indicator(
            code=f"activite_coformations_axe{axis}",
            label=f"Sessions de co-formation {suffix}",
            axis=axis,
            definition="Sessions où bailleurs et collectivités sont formés ensemble.",
            formula="Nombre d'événements de type « co-formation » de l'axe",
            unit="sessions",
            sources=("evenements",),
        ),
        Indicator(
            code=f"activite_participations_axe{axis}",
            label=f"Participations aux événements {suffix}",
            axis=axis,
            definition="Participants déclarés, tous types d'organisation ; une personne venue à "
            "deux événements compte deux fois.",
            formula="Σ participants (bailleurs, collectivités, État, associations, habitants, "
            "autres)",
            unit="participations",
            sources=("evenements",),
            people=True,
        ),
        Indicator(
            code=f"activite_organisations_axe{axis}",
            label=f"Organisations représentées, cumul par événement {suffix}",
            axis=axis,
            definition="Somme des organisations distinctes déclarées à chaque événement : une "
            "organisation présente à deux événements compte deux fois (les listes nominatives "
            "ne sont pas collectées).",
            formula="Σ organisations distinctes par événement",
            unit="organisations",
            sources=("evenements",),
        ),
        Indicator(
            code=f"activite_part_epci_axe{axis}",
            label=f"Part des EPCI en contrat de ville associés {suffix}",
            axis=axis,
            definition="EPCI de la région porteurs d'au moins un QPV (contrat de ville) sur le "
            "territoire desquels au moins un événement de l'axe a eu lieu dans l'année. Les "
            "événements départementaux ou régionaux ne sont attribués à aucun EPCI.",
            formula="EPCI avec au moins un événement de l'axe / EPCI porteurs d'un QPV × 100",
            unit="%",
            sources=("evenements", "qpv"),
            scale=100.0,
        ),
    )


for _axis in AXES:
    register(*_activity_indicators(_axis))


def event_base(events: pd.DataFrame, qpv: pd.DataFrame) -> pd.DataFrame:
    """One row per event with its geography and the counts summed by the activity indicators."""
    base = event_geography(events, qpv)
    present = [c for c in PARTICIPANT_COLUMNS if c in base.columns]
    base["un"] = 1.0
    base["coformation"] = (base["type_evenement"] == "co-formation").astype(float)
    parts = base[present].astype("Float64")
    # A row with every participant column blank stays blank (never a zero).
    base["participations"] = parts.sum(axis=1, min_count=1)
    base["organisations"] = base["organisations_distinctes"].astype("Float64")
    return base


def epci_coverage_base(
    events: pd.DataFrame, qpv: pd.DataFrame, years: list[int] | None = None
) -> pd.DataFrame:
    """One row per year and EPCI of the region: ``present`` is 1 if an event took place there.

    Args:
        events: events already located with :func:`event_geography`.
        qpv: QPV reference (defines the region's EPCI).
        years: years to cover (default: the years of ``events``).
    """
    epci = region_epci(qpv)
    years = sorted(set(years if years is not None else events["annee"].dropna().astype(int)))
    rows = []
    for year in years:
        seen = set(events.loc[events["annee"] == year, "siren_epci"].dropna().astype(str))
        frame = epci.copy()
        frame["annee"] = year
        frame["present"] = frame["siren_epci"].isin(seen).astype(float)
        frame["un"] = 1.0
        rows.append(frame)
    if not rows:
        return pd.DataFrame(columns=["siren_epci", "code_departement", "annee", "present", "un"])
    return pd.concat(rows, ignore_index=True)


def activity_indicators(
    events: pd.DataFrame,
    qpv: pd.DataFrame,
    params: RunParams | None = None,
    axes: list[int] | None = None,
) -> pd.DataFrame:
    """Compute the partnership-activity indicators of the given axes (default: all six).

    Years present in the ``evenements`` table but without any event of an axis count as zero
    events for that axis (region and each department); years absent from the table stay
    without data.
    """
    base = event_base(events, qpv)
    years = sorted(set(base["annee"].dropna().astype(int)))
    departements = sorted(qpv["code_departement"].dropna().astype(str).unique())
    parts = []
    for axis in axes or list(AXES):
        sub = base[base["axe"] == axis]
        for name, column in (
            ("evenements", "un"),
            ("coformations", "coformation"),
            ("participations", "participations"),
            ("organisations", "organisations"),
        ):
            ind = REGISTRY[f"activite_{name}_axe{axis}"]
            res = aggregate(
                sub, ind, levels=EVENT_LEVELS, numerator=column, denominator=None, params=params
            )
            parts.append(fill_missing_years(res, years, ind, params, departements))
        coverage = epci_coverage_base(sub, qpv, years)
        parts.append(
            aggregate(
                coverage,
                REGISTRY[f"activite_part_epci_axe{axis}"],
                levels=("region", "departement"),
                numerator="present",
                denominator="un",
                params=params,
            )
        )
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(parts, ignore_index=True)


def participations_by_type(events: pd.DataFrame, axis: int | None = None) -> pd.DataFrame:
    """Participations per year and type of organisation (blank columns stay blank).

    Returns:
        Columns ``annee, type_organisation, libelle, participations``; one row per year and
        type (types never declared in a year are blank, not zero).
    """
    ev = events if axis is None else events[events["axe"] == axis]
    present = [c for c in PARTICIPANT_COLUMNS if c in ev.columns]
    if ev.empty or not present:
        return pd.DataFrame(columns=["annee", "type_organisation", "libelle", "participations"])
    long = ev.melt(id_vars=["annee"], value_vars=present, var_name="col", value_name="n")
    long["type_organisation"] = long["col"].str.removeprefix("participants_")
    out = long.groupby(["annee", "type_organisation"], as_index=False, sort=False).agg(
        participations=("n", lambda s: s.astype("Float64").sum(min_count=1))
    )
    order = {t: i for i, t in enumerate(TYPES_ORGANISATION)}
    out["ordre"] = out["type_organisation"].map(order)
    out = out.sort_values(["annee", "ordre"]).drop(columns="ordre").reset_index(drop=True)
    out["libelle"] = out["type_organisation"].map(ORGANISATION_LABELS)
    return out[["annee", "type_organisation", "libelle", "participations"]]


# ----------------------------------------------------------------------------------------------
# Disclosure control of tidy indicator tables and person-based tables (used by axes 1, 4, 5)
# ----------------------------------------------------------------------------------------------

SECRET_STATUS_LABEL = "Secret statistique"
"""Status shown for a masked row (the core framework has no status for it yet)."""

_PEOPLE_TABLE_STYLE = (
    "<style>table.qpv-tableau{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}"
    "table.qpv-tableau th{background:#1f4e79;color:#fff;padding:.3em .6em;text-align:left}"
    "table.qpv-tableau tbody th{background:#f5f8fc;color:#1e1e1e;font-weight:normal}"
    "table.qpv-tableau td{border-bottom:1px solid #ccc;padding:.25em .6em;text-align:right;"
    "white-space:nowrap}table.qpv-tableau caption{caption-side:top;text-align:left;"
    "font-weight:bold;padding:.3em 0}table.qpv-tableau tr.qpv-total th,"
    "table.qpv-tableau tr.qpv-total td{font-weight:bold;border-top:2px solid #1f4e79}"
    "table.qpv-tableau td.qpv-note{text-align:left;font-size:.85em;color:#555;"
    "white-space:normal}</style>"
)


def _thresholds(params: RunParams | None) -> tuple[int, int]:
    from qpv_analytics import disclosure

    if params is None:
        return disclosure.SEUIL_EFFECTIF, disclosure.SEUIL_BASE_TAUX
    conf = params.confidentialite
    return conf.seuil_effectif, conf.seuil_base_taux


def _lines(rows: pd.DataFrame, qpv: pd.DataFrame | None) -> list[tuple[int, list[int]]]:
    """Additive relations (parent row, child rows) between the rows of one indicator × year."""
    triples = zip(rows.index, rows["niveau"], rows["code"], strict=True)
    index = {(lvl, str(code)): i for i, lvl, code in triples}
    by_level: dict[str, list[tuple[str, int]]] = {}
    for (lvl, code), i in index.items():
        by_level.setdefault(lvl, []).append((code, i))
    lines: list[tuple[int, list[int]]] = []
    region = index.get(("region", "region"))
    if region is not None:
        for lvl, members in by_level.items():
            if lvl != "region":
                lines.append((region, [i for _, i in members]))
    if qpv is not None:
        parents = {
            "epci": ("departement", epci_departements(qpv)),
            "qpv": (
                "epci",
                dict(
                    zip(
                        qpv["code_qpv"].astype(str),
                        qpv["siren_epci"].astype(str),
                        strict=True,
                    )
                ),
            ),
        }
        for lvl, (parent_level, mapping) in parents.items():
            groups: dict[int, list[int]] = {}
            for code, i in by_level.get(lvl, []):
                parent = index.get((parent_level, mapping.get(code, "")))
                if parent is not None:
                    groups.setdefault(parent, []).append(i)
            lines += list(groups.items())
    return lines


def protect_people(
    result: pd.DataFrame, params: RunParams | None = None, qpv: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return a tidy indicator table safe to show and export (person-based rows protected).

    Primary masking is :func:`qpv_analytics.disclosure.protect_indicator_frame` (counts of
    people below the threshold, rates on small bases or revealing a small group). Secondary
    masking then treats every indicator × year as additive lines: the region and each level
    below it, each department and its EPCI, each EPCI and its QPV (``qpv`` gives the nesting).
    A line with exactly one masked row gets a second one (the smallest base), so that no
    masked value can be recomputed by subtraction; this repeats until stable.

    Rows of indicators without ``people`` are untouched. Masked rows keep their indicator,
    level, code and year, get blank values and the status ``sans_donnee``, and ``secret``
    is true.

    Args:
        result: tidy indicator table (``RESULT_COLUMNS``).
        params: run parameters (thresholds of ``confidentialite``; defaults otherwise).
        qpv: QPV reference, to protect QPV within EPCI and EPCI within departments.
    """
    from qpv_analytics import disclosure

    count_threshold, base_threshold = _thresholds(params)
    out = result.reset_index(drop=True).copy()
    people = out["indicateur"].map(lambda c: REGISTRY[c].people).astype(bool)
    flagged = out.assign(personnes=people)
    primary = disclosure.protect_indicator_frame(flagged, count_threshold, base_threshold)
    secret = primary["secret"].to_numpy(dtype=bool).copy()

    size = out["denominateur"].astype("Float64")
    size = size.fillna(out["numerateur"].astype("Float64")).fillna(out["valeur"].astype("Float64"))
    size = size.fillna(0).to_numpy(dtype=float)
    groups = out[people].groupby(["indicateur", "annee"], sort=False).groups
    all_lines = [line for idx in groups.values() for line in _lines(out.loc[list(idx)], qpv)]
    changed = True
    while changed:
        changed = False
        for parent, children in all_lines:
            cells = [parent, *children]
            if sum(secret[c] for c in cells) != 1:
                continue
            candidates = sorted(
                (c for c in children if not secret[c] and size[c] > 0), key=lambda c: size[c]
            )
            if not candidates and not secret[parent] and size[parent] > 0:
                candidates = [parent]
            if candidates:
                secret[candidates[0]] = True
                changed = True
    mask = pd.Series(secret, index=out.index)
    for column in ("valeur", "numerateur", "denominateur"):
        out[column] = out[column].astype("Float64").mask(mask)
    out["statut"] = out["statut"].mask(mask, "sans_donnee")
    out["secret"] = mask
    return out


def _number(value) -> float | None:
    """A plain float, or ``None`` for any missing value (``pd.NA`` included)."""
    return None if pd.isna(value) else float(value)


def people_level_table(public: pd.DataFrame, code: str, level: str, annee: int) -> pd.DataFrame:
    """Values of one indicator for every territory or partner of a level, « s » where masked.

    Args:
        public: output of :func:`protect_people` (labelled with ``label_codes``).
        code: indicator code.
        level: level (``epci``, ``bailleur``…).
        annee: year.
    """
    from qpv_analytics import formatting
    from qpv_analytics.indicators.core import LEVEL_LABELS, STATUS_LABELS

    ind = REGISTRY[code]
    sub = public[
        (public["indicateur"] == code) & (public["niveau"] == level) & (public["annee"] == annee)
    ].sort_values("valeur", ascending=False, na_position="last")
    secret = sub["secret"] if "secret" in sub.columns else pd.Series(False, index=sub.index)
    return pd.DataFrame(
        {
            LEVEL_LABELS[level]: sub["nom"].fillna(sub["code"]).to_numpy(),
            ind.label: [
                "s" if s else formatting.with_unit(_number(v), ind.unit)
                for v, s in zip(sub["valeur"], secret, strict=True)
            ],
            "Statut": [
                SECRET_STATUS_LABEL if s else STATUS_LABELS[st]
                for st, s in zip(sub["statut"], secret, strict=True)
            ],
        }
    )


def show_people_table(
    table: pd.DataFrame,
    caption: str,
    params: RunParams | None = None,
    total_row=None,
    total_col=None,
) -> None:
    """Display a table of counts of people, masked by ``disclosure.to_html_table``.

    Args:
        table: raw counts (index = row labels, with its name as header).
        caption: French title.
        params: run parameters (threshold of ``confidentialite``).
        total_row: index label of the row of totals, if any.
        total_col: column label of the column of totals, if any.
    """
    from IPython.display import HTML, display

    from qpv_analytics import disclosure

    threshold, _ = _thresholds(params)
    markup = disclosure.to_html_table(
        table,
        caption,
        people_counts=True,
        threshold=threshold,
        total_row=total_row,
        total_col=total_col,
    )
    display(HTML(_PEOPLE_TABLE_STYLE + markup))


TOTAL_LABEL = "Total"
"""Label of the margins of the count tables."""


def count_table(
    frame: pd.DataFrame,
    rows: str,
    columns: str,
    values: str | None = None,
    row_labels: dict | None = None,
    column_labels: dict | None = None,
    row_title: str = "",
) -> pd.DataFrame:
    """Cross-table of counts (of people) with a row and a column of totals.

    Args:
        frame: one row per unit, or rows with a count column ``values``.
        rows: column giving the table rows (blank values are grouped as « Non renseigné »).
        columns: column giving the table columns (blank: « Non renseigné »).
        values: column of counts to sum (default: one per row).
        row_labels: labels of the row codes (codes without label are kept as they are).
        column_labels: labels of the column codes, in the order wanted (others follow).
        row_title: header of the row labels.

    Returns:
        Raw counts with margins labelled :data:`TOTAL_LABEL` (mask before showing: e.g.
        :func:`show_people_table` with ``total_row=TOTAL_LABEL, total_col=TOTAL_LABEL``).
    """
    data = frame.copy()
    missing = "Non renseigné"
    data["_r"] = data[rows].astype("string").fillna(missing)
    data["_c"] = data[columns].astype("string").fillna(missing)
    data["_n"] = 1.0 if values is None else data[values].astype("Float64")
    table = data.pivot_table(index="_r", columns="_c", values="_n", aggfunc="sum", fill_value=0)
    order = [c for c in (column_labels or {}) if c in table.columns]
    order += [c for c in table.columns if c not in order]
    table = table[order].astype(float)
    table.index = [(row_labels or {}).get(r, r) for r in table.index]
    table = table.sort_index()
    table.columns = [(column_labels or {}).get(c, c) for c in table.columns]
    table[TOTAL_LABEL] = table.sum(axis=1)
    table.loc[TOTAL_LABEL] = table.sum(axis=0)
    table.index.name = row_title
    return table


def region_series(result: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Regional rows of some indicators, with their label in ``serie`` (for trend charts)."""
    sub = result[result["indicateur"].isin(codes) & (result["niveau"] == "region")].copy()
    sub["serie"] = sub["indicateur"].map(lambda c: REGISTRY[c].label)
    return sub.sort_values(["indicateur", "annee"]).reset_index(drop=True)


def wide_level_table(
    public: pd.DataFrame, codes: list[str], level: str, annee: int
) -> pd.DataFrame:
    """Several indicators side by side for every territory or partner of a level, formatted.

    Rows are sorted by the first indicator (largest first); masked values (``secret``) read
    « s », missing ones « – ».

    Args:
        public: tidy table, labelled, preferably the output of :func:`protect_people`.
        codes: indicator codes (columns, in this order).
        level: level of the rows.
        annee: year.
    """
    from qpv_analytics import formatting
    from qpv_analytics.indicators.core import LEVEL_LABELS

    sub = public[(public["niveau"] == level) & (public["annee"] == annee)]
    sub = sub[sub["indicateur"].isin(codes)]
    if sub.empty:
        return pd.DataFrame(columns=[LEVEL_LABELS[level], *[REGISTRY[c].label for c in codes]])
    secret = sub["secret"] if "secret" in sub.columns else pd.Series(False, index=sub.index)
    sub = sub.assign(
        texte=[
            "s" if s else formatting.with_unit(_number(v), REGISTRY[c].unit)
            for c, v, s in zip(sub["indicateur"], sub["valeur"], secret, strict=True)
        ],
        nom=sub["nom"].fillna(sub["code"]),
    )
    first = sub[sub["indicateur"] == codes[0]].set_index("code")["valeur"]
    table = sub.pivot_table(
        index=["code", "nom"], columns="indicateur", values="texte", aggfunc="first"
    )
    table = table.reindex(columns=[c for c in codes if c in table.columns]).fillna("–")
    keys = first.astype("Float64").reindex(table.index.get_level_values("code")).to_numpy()
    table = table.assign(_cle=keys).sort_values("_cle", ascending=False, na_position="last")
    table = table.drop(columns="_cle")
    table.columns = [REGISTRY[c].label for c in table.columns]
    table = table.reset_index(level="code", drop=True).reset_index()
    return table.rename(columns={"nom": LEVEL_LABELS[level]})


def partnership_section_masked(rep, axis: int) -> None:
    """Network activity of one axis, like ``reporting.partnership_section``, people masked.

    Same content as ``reporting.partnership_section``, except that participations are counts
    of people: the table by type of organisation goes through ``disclosure.to_html_table``
    (counts below the threshold and the cells that would reveal them read « s »), and so
    does the total quoted in the text. For axis 4, participants are the people trained.

    Args:
        rep: the open report (``reporting.Report``).
        axis: roadmap axis.
    """
    from qpv_analytics import disclosure, formatting, reporting

    reporting.heading("Activité partenariale de l'axe")
    events = rep.table("evenements")
    ev = events[events["axe"] == axis]
    if ev.empty:
        reporting.notice(
            "Aucun événement de réseau, de formation ou de co-formation n'a été déclaré "
            "pour cet axe."
        )
        return
    year = ev[ev["annee"] == rep.annee]
    total = event_base(year, rep.qpv)["participations"].sum(min_count=1)
    threshold, _ = _thresholds(rep.params)
    if disclosure.mask_count_series(pd.Series([total]), threshold).iloc[0] == "s":
        total_text = "un nombre non publiable (secret statistique) de"
    else:
        total_text = formatting.number(_number(total))
    reporting.paragraph(
        f"En {rep.annee}, {len(year)} événements (réseaux, co-formations, formations, visites…) "
        f"ont réuni {total_text} participations sur cet axe."
    )
    by_type = ev.groupby(["annee", "type_evenement"]).size().unstack(fill_value=0)
    tab = by_type.reset_index().astype(str)
    tab.columns = ["Année"] + [c.replace("_", " ") for c in by_type.columns]
    reporting.show_table(
        tab, caption="Événements de l'axe par type et par année", numeric=list(tab.columns[1:])
    )
    if not year.empty:
        part = participations_by_type(year).set_index("libelle")[["participations"]]
        part = part.rename(columns={"participations": "Participations"}).astype(float)
        part.loc[TOTAL_LABEL] = part["Participations"].sum(min_count=1)
        part.index.name = "Type d'organisation"
        show_people_table(
            part,
            f"Participations par type d'organisation, {rep.annee}",
            rep.params,
            total_row=TOTAL_LABEL,
        )


# ----------------------------------------------------------------------------------------------
# Charts of the axis reports that degrade into a notice when there is nothing to draw
# ----------------------------------------------------------------------------------------------


def _masked_caption(sub: pd.DataFrame, caption: str | None) -> str | None:
    masked = int(sub["secret"].sum()) if "secret" in sub.columns else 0
    if not masked:
        return caption
    note = f"{masked} valeur(s) non représentée(s) : secret statistique."
    return f"{caption} {note}" if caption else note


def show_trend(
    result: pd.DataFrame,
    codes: list[str],
    title: str,
    alt: str,
    target: float | None = None,
    references: dict[str, float] | None = None,
) -> None:
    """Display the regional trend of one or several indicators (same unit), or a notice."""
    from qpv_analytics import charts, reporting

    serie = region_series(result, codes)
    if serie["valeur"].notna().sum() == 0:
        reporting.notice(f"Pas de donnée sur la période pour le graphique « {title} ».")
        return
    fig = charts.trend(
        serie,
        "annee",
        "valeur",
        REGISTRY[codes[0]].unit,
        title,
        series="serie" if len(codes) > 1 else None,
        target=target,
        references=references,
    )
    reporting.show_figure(fig, alt=alt, caption=_masked_caption(serie, None))


def show_bars(
    result: pd.DataFrame,
    code: str,
    level: str,
    annee: int,
    title: str,
    alt: str,
    target: float | None = None,
    target_label: str = "Cible",
    caption: str | None = None,
) -> None:
    """Display sorted bars of one indicator for a level and year, or a notice if empty.

    Masked rows (``secret``) are not drawn; the caption says how many.
    """
    from qpv_analytics import charts, reporting

    sub = result[
        (result["indicateur"] == code) & (result["niveau"] == level) & (result["annee"] == annee)
    ]
    shown = sub.dropna(subset=["valeur"])
    if shown.empty:
        reporting.notice(f"Pas de donnée {annee} pour le graphique « {title} ».")
        return
    fig = charts.bars_with_target(
        shown,
        "nom",
        "valeur",
        REGISTRY[code].unit,
        title,
        target=target,
        target_label=target_label,
    )
    reporting.show_figure(fig, alt=alt, caption=_masked_caption(sub, caption))


def show_multiples(
    result: pd.DataFrame,
    code: str,
    level: str,
    title: str,
    alt: str,
    target: float | None = None,
    caption: str | None = None,
) -> None:
    """Display one small trend chart per territory of a level, or a notice if empty."""
    from qpv_analytics import charts, reporting

    sub = result[(result["indicateur"] == code) & (result["niveau"] == level)]
    if sub["valeur"].notna().sum() == 0:
        reporting.notice(f"Pas de donnée sur la période pour le graphique « {title} ».")
        return
    fig = charts.small_multiples(
        sub, "nom", "annee", "valeur", REGISTRY[code].unit, title, target=target
    )
    reporting.show_figure(fig, alt=alt, caption=_masked_caption(sub, caption))


def show_table_or_notice(table: pd.DataFrame, caption: str, empty: str, **kwargs) -> None:
    """Display a formatted table with ``reporting.show_table``, or the notice ``empty``."""
    from qpv_analytics import reporting

    if table.empty:
        reporting.notice(empty)
    else:
        reporting.show_table(table, caption=caption, **kwargs)
