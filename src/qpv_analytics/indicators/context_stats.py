"""Statistics on the imported context: weighted means, distributions, comparisons, summaries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.ingest.context import ContextImport
from qpv_analytics.ingest.context_sources import (
    CONTEXT_TABLE,
    INDICATOR_COLUMNS,
    INDICATOR_LABELS,
)


@dataclass(frozen=True)
class WeightedMean:
    """A weighted mean with the share of QPV and population it is computed on.

    Attributes:
        value: the weighted mean, ``None`` when no QPV has both a value and a weight.
        n_qpv_used: QPV with both a value and a weight.
        n_qpv_total: QPV (rows) in the table.
        population_coverage_pct: weight of the QPV used / weight of the QPV with a known
            weight × 100; ``None`` when no weight is known.
    """

    value: float | None
    n_qpv_used: int
    n_qpv_total: int
    population_coverage_pct: float | None


@dataclass(frozen=True)
class RegionComparison:
    """Each QPV compared with the mean of the region's QPV.

    Attributes:
        regional: population-weighted mean of the QPV of the table.
        distribution: output of :func:`distribution` for the compared column.
        table: one row per QPV: value, ``moyenne_qpv_region``, ``ecart`` (value − mean, in the
            column's unit, points for a rate), ``rapport`` (value / mean) and ``position``
            (``"au-dessus"``, ``"en dessous"``, ``"égal"`` or ``<NA>``).
    """

    regional: WeightedMean
    distribution: pd.DataFrame
    table: pd.DataFrame


def _numeric(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        known = ", ".join(map(str, df.columns))
        raise KeyError(f"Colonne « {col} » absente du tableau (colonnes : {known}).")
    return pd.to_numeric(df[col], errors="raise").astype("Float64")


def weighted_mean(df: pd.DataFrame, value_col: str, weight_col: str) -> WeightedMean:
    """Return the weighted mean of a column, on the QPV that have both a value and a weight.

    A blank value or weight excludes the QPV (it is never read as zero); the coverage says
    how much of the known weight (population) the mean stands for.

    Args:
        df: one row per QPV.
        value_col: column averaged (a rate, an income…).
        weight_col: weight column (population, households).

    Returns:
        The mean, the number of QPV used and the population coverage.

    Raises:
        KeyError: when a column is missing.
        ValueError: when a weight is negative.
    """
    values = _numeric(df, value_col)
    weights = _numeric(df, weight_col)
    if (weights.dropna() < 0).any():
        raise ValueError(f"Poids négatif dans la colonne « {weight_col} ».")
    used = values.notna() & weights.notna()
    known_weight = float(weights.dropna().sum())
    used_weight = float(weights[used].sum())
    value = None
    if used.any() and used_weight > 0:
        value = float((values[used] * weights[used]).sum()) / used_weight
    coverage = used_weight / known_weight * 100 if known_weight > 0 else None
    return WeightedMean(
        value=value,
        n_qpv_used=int(used.sum()),
        n_qpv_total=len(df),
        population_coverage_pct=coverage,
    )


def _population_share(pct: float) -> str:
    """``93,4 %``; a coverage below 100 % is never rounded up to ``100,0 %``."""
    if pct < 100 and round(pct, 1) >= 100:
        pct = 99.9
    return formatting.percent(pct)


def coverage_sentence(wm: WeightedMean) -> str:
    """Return the French coverage note of a weighted mean.

    Example: ``"calculé sur 187 QPV représentant 93,4 % de la population"``. A coverage below
    100 % is never rounded up to ``100,0``.

    Args:
        wm: a :class:`WeightedMean`.
    """
    head = f"calculé sur {wm.n_qpv_used} QPV"
    pct = wm.population_coverage_pct
    if pct is None:
        return f"{head} (population non renseignée)"
    return f"{head} représentant {_population_share(pct)} de la population"


def coverage_base(n_qpv_used: int, population_coverage_pct: float | None) -> str:
    """Return the short coverage note of a table cell: ``"187 QPV — 93,4 % de la population"``.

    Args:
        n_qpv_used: QPV the mean is computed on.
        population_coverage_pct: share of the known population they represent, ``None`` when
            no population is known (``"187 QPV (population non renseignée)"``).
    """
    if population_coverage_pct is None:
        return f"{n_qpv_used} QPV (population non renseignée)"
    return f"{n_qpv_used} QPV — {_population_share(population_coverage_pct)} de la population"


def distribution(df: pd.DataFrame, col: str | Sequence[str]) -> pd.DataFrame:
    """Return min, quartiles, max and count of non-blank values of one or more columns.

    Args:
        df: one row per QPV.
        col: a column name or several.

    Returns:
        One row per column (index = column name), columns ``min``, ``Q1``, ``median``, ``Q3``,
        ``max`` (Float64, ``<NA>`` when no value) and ``n`` (Int64, values used).
    """
    cols = [col] if isinstance(col, str) else list(col)
    rows = {}
    for name in cols:
        s = _numeric(df, name).dropna().astype(float)
        if s.empty:
            rows[name] = [None] * 5 + [0]
        else:
            q = s.quantile([0.25, 0.5, 0.75])
            rows[name] = [s.min(), q[0.25], q[0.5], q[0.75], s.max(), len(s)]
    out = pd.DataFrame.from_dict(
        rows, orient="index", columns=["min", "Q1", "median", "Q3", "max", "n"]
    )
    out = out.astype({c: "Float64" for c in ["min", "Q1", "median", "Q3", "max"]} | {"n": "Int64"})
    out.index.name = "indicateur"
    return out


def compare_with_region(
    df: pd.DataFrame, col: str, weight_col: str, code_col: str = "code_qpv"
) -> RegionComparison:
    """Compare each QPV with the population-weighted mean of the QPV of the table.

    The reference is the mean of the region's QPV (the rows of ``df``), not the region as a
    whole. A QPV with a blank value gets ``<NA>`` deviations.

    Args:
        df: one row per QPV (typically :attr:`ContextImport.data` of one region).
        col: indicator compared.
        weight_col: weight of the mean (population).
        code_col: QPV code column kept in the table when present.

    Returns:
        The regional mean, the distribution and the per-QPV table.
    """
    regional = weighted_mean(df, col, weight_col)
    values = _numeric(df, col)
    table = pd.DataFrame(index=df.index)
    if code_col in df.columns:
        table[code_col] = df[code_col]
    table[col] = values
    mean = regional.value
    table["moyenne_qpv_region"] = pd.array([mean] * len(df), dtype="Float64")
    table["ecart"] = values - table["moyenne_qpv_region"]
    table["rapport"] = (values / mean) if mean else pd.array([None] * len(df), dtype="Float64")
    position = pd.Series(pd.NA, index=df.index, dtype="string")
    ecart = table["ecart"]
    position[(ecart > 0).fillna(False)] = "au-dessus"
    position[(ecart < 0).fillna(False)] = "en dessous"
    position[(ecart == 0).fillna(False)] = "égal"
    table["position"] = position
    return RegionComparison(regional, distribution(df, col), table.reset_index(drop=True))


QPV_FRAME_COLUMNS: tuple[str, ...] = (
    "code_qpv",
    "nom_qpv",
    "code_departement",
    "siren_epci",
    "nom_epci",
    "communes",
    "nb_communes",
    "dans_contexte",
)
"""Descriptive columns of :func:`context_by_qpv`, followed by the indicator columns."""

_LONG_COLUMNS = ["code_qpv", "indicateur", "valeur", "annee", "source"]


def _indicator_list(data: pd.DataFrame, columns: Sequence[str] | None) -> list[str]:
    cols = list(INDICATOR_COLUMNS if columns is None else columns)
    unknown = [c for c in cols if c not in INDICATOR_COLUMNS]
    if unknown:
        raise KeyError(
            f"Indicateur(s) inconnu(s) de la table contexte : {', '.join(unknown)} "
            f"(indicateurs possibles : {', '.join(INDICATOR_COLUMNS)})."
        )
    return cols


def _latest_long(data: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """One row per QPV × indicator: the non-blank value of the most recent vintage."""
    present = [c for c in columns if c in data.columns]
    if data.empty or not present:
        return pd.DataFrame(
            {
                "code_qpv": pd.Series(dtype="string"),
                "indicateur": pd.Series(dtype="string"),
                "valeur": pd.Series(dtype="Float64"),
                "annee": pd.Series(dtype="Int64"),
                "source": pd.Series(dtype="string"),
            }
        )
    parts = []
    for col in present:
        part = pd.DataFrame(
            {
                "code_qpv": data["code_qpv"].astype("string"),
                "indicateur": col,
                "valeur": pd.to_numeric(data[col], errors="raise").astype("Float64"),
                "annee": data["annee"].astype("Int64"),
                "source": data["source"].astype("string"),
            }
        )
        parts.append(part[part["valeur"].notna()])
    long = pd.concat(parts, ignore_index=True)
    long = long.sort_values(["code_qpv", "indicateur", "annee", "source"], kind="stable")
    long = long.drop_duplicates(["code_qpv", "indicateur"], keep="last")
    long["indicateur"] = long["indicateur"].astype("string")
    return long[_LONG_COLUMNS].reset_index(drop=True)


def latest_values(data: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Return one row per QPV with, for each indicator, its most recent non-blank value.

    Several context files (or vintages) may describe the same QPV: each indicator is taken
    from the most recent vintage (``annee``) where it is not blank; at equal vintage, from the
    last source in alphabetical order. A value blank in every file stays ``<NA>`` (never zero).
    Use :func:`value_provenance` to say where the values come from.

    Args:
        data: the table ``contexte`` (one row per QPV × vintage × source).
        columns: indicator columns to keep (default: every indicator of the contract).

    Returns:
        ``code_qpv`` (every QPV of ``data``, sorted) and the indicator columns with their
        contract dtypes.

    Raises:
        KeyError: a column is not an indicator of the table ``contexte``.
    """
    cols = _indicator_list(data, columns)
    codes = sorted(data["code_qpv"].dropna().astype(str).unique()) if len(data) else []
    long = _latest_long(data, cols)
    wide = long.pivot(index="code_qpv", columns="indicateur", values="valeur")
    out = pd.DataFrame({"code_qpv": pd.array(codes, dtype="string")})
    for col in cols:
        values = wide[col].reindex(codes) if col in wide.columns else [None] * len(codes)
        dtype = CONTEXT_TABLE.column(col).dtype
        out[col] = pd.array(
            [
                None if pd.isna(v) else (round(float(v)) if dtype == "Int64" else float(v))
                for v in values
            ],
            dtype=dtype,
        )
    return out


def value_provenance(data: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Return which source and vintage supply the values kept by :func:`latest_values`.

    Args:
        data: the table ``contexte``.
        columns: indicator columns (default: every indicator of the contract).

    Returns:
        One row per indicator × source × vintage actually used, columns ``indicateur``,
        ``source``, ``millesime`` (Int64) and ``nb_qpv`` (Int64, QPV whose value comes from it),
        in contract order of the indicators then by vintage. Indicators without any value
        are absent.
    """
    cols = _indicator_list(data, columns)
    long = _latest_long(data, cols)
    grouped = (
        long.groupby(["indicateur", "source", "annee"], observed=True)
        .size()
        .reset_index(name="nb_qpv")
        .rename(columns={"annee": "millesime"})
    )
    order = {c: i for i, c in enumerate(cols)}
    grouped["_ordre"] = grouped["indicateur"].map(order)
    grouped = grouped.sort_values(["_ordre", "millesime", "source"], ignore_index=True)
    out = grouped.drop(columns="_ordre")
    return out.astype(
        {
            "indicateur": "string",
            "source": "string",
            "millesime": "Int64",
            "nb_qpv": "Int64",
        }
    )


def latest_vintage(data: pd.DataFrame, column: str) -> int | None:
    """Return the most recent vintage among the values kept for one indicator (``None``: none)."""
    prov = value_provenance(data, [column])
    return int(prov["millesime"].max()) if len(prov) else None


def _join_names(values: pd.Series) -> str | None:
    names = sorted({str(v) for v in values.dropna()})
    return ", ".join(names) or None


def context_by_qpv(
    data: pd.DataFrame, qpv: pd.DataFrame, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return one row per QPV of the reference with its geography and latest context values.

    The QPV of the reference define the region: a QPV absent from the context files keeps
    blank values (``dans_contexte`` is false), a QPV of the context files absent from the
    reference is left out (see :func:`reference_match`).

    Args:
        data: the table ``contexte``.
        qpv: the contract table ``qpv`` (QPV × commune) of the publication.
        columns: indicator columns (default: every indicator of the contract).

    Returns:
        Columns :data:`QPV_FRAME_COLUMNS` (``communes``: names of the englobing communes
        joined by ``", "``, ``nb_communes``: number of communes, by code or else by name), then
        the indicator columns; sorted by ``code_qpv``.
    """
    cols = _indicator_list(data, columns)
    ref = qpv.copy()
    ref["_commune"] = (
        ref["code_commune"].astype("string").fillna(ref["nom_commune"].astype("string"))
    )
    groups = ref.groupby("code_qpv", sort=True)
    named = [c for c in ("nom_qpv", "code_departement", "siren_epci", "nom_epci") if c in ref]
    frame = groups[named].first()  # the first given value of each QPV's rows
    frame["communes"] = groups["nom_commune"].agg(_join_names)
    frame["nb_communes"] = groups["_commune"].nunique()
    frame = frame.reset_index().reindex(columns=list(QPV_FRAME_COLUMNS[:-1]))
    for col in QPV_FRAME_COLUMNS[:6]:
        frame[col] = frame[col].astype("string")
    frame["nb_communes"] = frame["nb_communes"].astype("Int64")
    values = latest_values(data, cols)
    frame["dans_contexte"] = frame["code_qpv"].isin(set(values["code_qpv"])).astype("boolean")
    frame = frame.merge(values, on="code_qpv", how="left")
    return frame.sort_values("code_qpv", ignore_index=True)


def reference_match(data: pd.DataFrame, qpv: pd.DataFrame) -> dict[str, list[str]]:
    """Compare the QPV of the context files with those of the reference.

    Returns:
        ``{"absents_du_contexte": [...], "hors_referentiel": [...]}``: sorted codes of the
        reference missing from the context files, and of the context files missing from the
        reference.
    """
    ref = set(qpv["code_qpv"].dropna().astype(str))
    ctx = set(data["code_qpv"].dropna().astype(str)) if len(data) else set()
    return {"absents_du_contexte": sorted(ref - ctx), "hors_referentiel": sorted(ctx - ref)}


def weighted_by_level(
    frame: pd.DataFrame,
    value_col: str,
    weight_col: str,
    level_col: str,
) -> pd.DataFrame:
    """Population-weighted mean of an indicator for each territory, with its coverage.

    Args:
        frame: one row per QPV (typically :func:`context_by_qpv`).
        value_col: indicator averaged.
        weight_col: weight (population).
        level_col: territory code column (``code_departement``, ``siren_epci``); QPV with a
            blank code are left out.

    Returns:
        One row per territory (sorted by code): ``level_col``, ``nb_qpv``, ``nb_qpv_utilises``
        (QPV with a value and a weight), ``poids`` (sum of the known weights, ``<NA>`` if
        none), ``valeur``, ``couverture_pct`` (share of the known weight used) and
        ``couverture`` (French sentence of :func:`coverage_sentence`).
    """
    rows = []
    known = frame.dropna(subset=[level_col])
    for code, group in known.groupby(level_col, sort=True):
        wm = weighted_mean(group, value_col, weight_col)
        weights = _numeric(group, weight_col)
        rows.append(
            {
                level_col: code,
                "nb_qpv": wm.n_qpv_total,
                "nb_qpv_utilises": wm.n_qpv_used,
                "poids": float(weights.sum()) if weights.notna().any() else None,
                "valeur": wm.value,
                "couverture_pct": wm.population_coverage_pct,
                "couverture": coverage_sentence(wm),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            level_col,
            "nb_qpv",
            "nb_qpv_utilises",
            "poids",
            "valeur",
            "couverture_pct",
            "couverture",
        ],
    )
    return out.astype(
        {
            level_col: "string",
            "nb_qpv": "Int64",
            "nb_qpv_utilises": "Int64",
            "poids": "Float64",
            "valeur": "Float64",
            "couverture_pct": "Float64",
            "couverture": "string",
        }
    )


def blank_summary(imp: ContextImport) -> pd.DataFrame:
    """Count, per indicator of an imported file, values, blank (secret) cells and discarded values.

    Only indicators the source maps are listed. ``vides`` counts QPV whose cell is blank in the
    file (statistical secrecy or missing value, never read as zero); ``ecartees`` counts values
    set aside on import (outside the contract range, unreadable).

    Args:
        imp: an import (:func:`import_context`).

    Returns:
        Columns ``indicateur``, ``libelle``, ``colonne_source``, ``nb_qpv``, ``valeurs``,
        ``vides``, ``ecartees`` (Int64, ``<NA>`` when the column is absent from the file) and
        ``statut`` (``"lue"`` or ``"absente du fichier"``), in contract order.
    """
    by_target = {target: col for col, target in imp.source.columns.items()}
    n_qpv = len(imp.data)
    rows = []
    for target in INDICATOR_COLUMNS:
        if target not in by_target:
            continue
        absent = target in imp.missing_columns
        values = int(imp.data[target].notna().sum())
        secret = imp.secret_cells.get(target)
        rows.append(
            {
                "indicateur": target,
                "libelle": INDICATOR_LABELS[target],
                "colonne_source": by_target[target],
                "nb_qpv": n_qpv,
                "valeurs": values,
                "vides": None if absent else secret,
                "ecartees": None if absent else n_qpv - values - (secret or 0),
                "statut": "absente du fichier" if absent else "lue",
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "indicateur",
            "libelle",
            "colonne_source",
            "nb_qpv",
            "valeurs",
            "vides",
            "ecartees",
            "statut",
        ],
    )
    return out.astype(
        {
            "indicateur": "string",
            "libelle": "string",
            "colonne_source": "string",
            "nb_qpv": "Int64",
            "valeurs": "Int64",
            "vides": "Int64",
            "ecartees": "Int64",
            "statut": "string",
        }
    )


def communes_of_qpv(qpv: pd.DataFrame) -> pd.DataFrame:
    """Return the englobing communes of the QPV with their number of QPV.

    Args:
        qpv: the contract table ``qpv`` (QPV × commune).

    Returns:
        One row per commune (code, or name when the code is unknown): ``code_commune``,
        ``nom_commune``, ``nb_qpv`` (Int64); sorted by decreasing ``nb_qpv`` then name. Rows
        without commune are left out.
    """
    ref = qpv.copy()
    ref["_cle"] = ref["code_commune"].astype("string").fillna(ref["nom_commune"].astype("string"))
    ref = ref.dropna(subset=["_cle"])
    grouped = ref.groupby("_cle", sort=True).agg(
        code_commune=("code_commune", "first"),
        nom_commune=("nom_commune", "first"),
        nb_qpv=("code_qpv", "nunique"),
    )
    out = grouped.reset_index(drop=True)
    out = out.sort_values(["nb_qpv", "nom_commune"], ascending=[False, True], ignore_index=True)
    return out.astype({"code_commune": "string", "nom_commune": "string", "nb_qpv": "Int64"})


def level_summary(
    frame: pd.DataFrame,
    level_col: str,
    value_cols: Sequence[str],
    weight_col: str = "population_municipale",
) -> pd.DataFrame:
    """Population and population-weighted means of several indicators, per territory.

    Args:
        frame: one row per QPV (typically :func:`context_by_qpv`).
        level_col: territory code column (``code_departement``, ``siren_epci``); QPV with a
            blank code are left out.
        value_cols: indicators averaged.
        weight_col: weight (population), also summed into ``population``.

    Returns:
        One row per territory (sorted by code): ``level_col``, ``nb_qpv``, ``population``
        (sum of the known populations, ``<NA>`` if none), ``qpv_sans_population`` and, for each
        indicator ``c``: ``c`` (weighted mean), ``c_nb_qpv`` (QPV used), ``c_couverture_pct``
        and ``c_couverture`` (coverage sentence).
    """
    base: pd.DataFrame | None = None
    for col in value_cols:
        part = weighted_by_level(frame, col, weight_col, level_col)
        if base is None:
            base = part[[level_col, "nb_qpv"]].copy()
            base["population"] = part["poids"]
        base[col] = part["valeur"].to_numpy()
        base[f"{col}_nb_qpv"] = part["nb_qpv_utilises"].to_numpy()
        base[f"{col}_couverture_pct"] = part["couverture_pct"].to_numpy()
        base[f"{col}_couverture"] = part["couverture"].to_numpy()
    if base is None:
        part = weighted_by_level(frame, weight_col, weight_col, level_col)
        base = part[[level_col, "nb_qpv"]].copy()
        base["population"] = part["poids"]
    known = frame.dropna(subset=[level_col])
    missing = _numeric(known, weight_col).isna().groupby(known[level_col]).sum()
    base.insert(
        3,
        "qpv_sans_population",
        pd.array([int(missing.get(c, 0)) for c in base[level_col]], dtype="Int64"),
    )
    return base.reset_index(drop=True)


def mean_phrase(label: str, wm: WeightedMean, unit: str = "%") -> str:
    """Return a French phrase stating a weighted mean and its coverage.

    Example: ``"le taux de pauvreté moyen des QPV est de 45,2 % (calculé sur 187 QPV
    représentant 93,4 % de la population)"``; without value: ``"le taux de pauvreté moyen des
    QPV n'est connu pour aucun QPV (valeur ou population non renseignée)"``.

    Args:
        label: subject of the phrase (``"le taux de pauvreté moyen des QPV"``).
        wm: a :class:`WeightedMean`.
        unit: unit of the value (``"%"``, ``"€"``…), formatted the French way.
    """
    if wm.value is None:
        return f"{label} n'est connu pour aucun QPV (valeur ou population non renseignée)"
    return f"{label} est de {formatting.with_unit(wm.value, unit)} ({coverage_sentence(wm)})"


def blank_sentence(imp: ContextImport) -> str:
    """Return the French sentence on the blank cells and discarded values of an imported file.

    Example: ``"12 cellules vides au total dans « f.csv » pour les QPV de la région, dont 7
    pour « Taux de pauvreté ». Elles sont laissées vides : …"``, followed by the values set
    aside on import and the expected columns absent from the file, if any.

    Args:
        imp: an import (:func:`~qpv_analytics.ingest.context.import_context`).
    """
    summary = blank_summary(imp)
    read = summary[summary["statut"] == "lue"]
    total = int(read["vides"].sum())
    most = read.sort_values("vides", ascending=False).iloc[0] if len(read) else None
    text = (
        f"{total} cellules vides au total dans « {imp.path.name} » pour les QPV de la région"
        + (
            f", dont {int(most['vides'])} pour « {most['libelle']} »."
            if most is not None and most["vides"]
            else "."
        )
        + " Elles sont laissées vides : les moyennes portent sur les QPV renseignés et le disent."
    )
    discarded = read[read["ecartees"] > 0]
    if len(discarded):
        text += (
            " Valeurs écartées à l'import (hors des bornes du contrat de données, ou illisibles) : "
            + ", ".join(
                f"{int(n)} pour « {label} »"
                for label, n in zip(discarded["libelle"], discarded["ecartees"], strict=True)
            )
            + " ; elles sont détaillées dans les précautions de lecture."
        )
    absent = summary[summary["statut"] != "lue"]
    if len(absent):
        text += (
            " Colonnes attendues mais absentes du fichier : "
            + ", ".join(absent["colonne_source"])
            + "."
        )
    return text
