"""Englobing territories: INSEE values of the communes, EPCI, departments and region of the QPV.

These indicators describe the territory around the QPV (axis 0, tag ``territoire``); in the
tidy table ``annee`` is the vintage of the values, as for the context indicators. For each
territory the most recent vintage that gives the value is used; the vintage of every figure is
kept and shown. Values the project computes itself are *derived* and said so: census rates of
an EPCI, a department or the region are sums over their communes (census counts add up), and a
regional poverty rate absent from the files is derived from the departments (exact, the
poverty line being national). A median is never derived.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from qpv_analytics.geography import DEPARTEMENTS, EPCI_CORRESPONDANCES, REGIONS
from qpv_analytics.indicators.compute import combine, compute
from qpv_analytics.indicators.model import REGISTRY, Indicator, codes, register
from qpv_analytics.params import RunParams

TERRITORY_LEVELS = ("region", "departement", "epci", "commune")
"""Levels of the englobing territories, widest first."""

_TAGS = frozenset({"territoire"})
_SOURCES = ("territoires",)

register(
    Indicator(
        code="ter_taux_pauvrete_60_pct",
        label="Taux de pauvreté du territoire (seuil de 60 %)",
        short_label="Taux de pauvreté",
        axis=0,
        definition="Part des personnes des ménages fiscaux vivant sous le seuil de pauvreté (60 % "
        "du niveau de vie médian national), publiée par l'INSEE (Filosofi) pour la commune, "
        "l'EPCI et le département. La valeur régionale, absente des fichiers, est dérivée des "
        "départements (exacte, le seuil étant national) et signalée comme dérivée. Une valeur "
        "secrète reste vide.",
        formula="personnes pauvres / personnes des ménages fiscaux × 100 (personnes pauvres = "
        "taux publié × personnes)",
        unit="%",
        sources=_SOURCES,
        direction="baisse",
        numerator="personnes_pauvres",
        denominator="personnes_menages_fiscaux",
        scale=100,
        levels=TERRITORY_LEVELS,
        tags=_TAGS,
    ),
    Indicator(
        code="ter_revenu_median_uc_eur",
        label="Revenu disponible médian par unité de consommation du territoire",
        short_label="Revenu médian",
        axis=0,
        definition="Médiane du revenu disponible par unité de consommation publiée par l'INSEE "
        "(Filosofi) pour chaque territoire. Une médiane ne s'additionne pas : aucune n'est "
        "dérivée, ni pour la région ni pour un ensemble de communes.",
        formula="médiane publiée",
        unit="€",
        sources=_SOURCES,
        numerator="revenu_median_disponible_uc_eur",
        levels=TERRITORY_LEVELS,
        tags=_TAGS,
    ),
    Indicator(
        code="ter_taux_emploi_15_64_pct",
        label="Taux d'emploi des 15–64 ans du territoire (recensement)",
        short_label="Taux d'emploi 15–64 ans",
        axis=0,
        definition="Personnes de 15 à 64 ans en emploi (actifs moins chômeurs) rapportées à la "
        "population de 15 à 64 ans, au recensement. Pour l'EPCI, le département et la région : "
        "sommes des effectifs des communes (dérivé ; les effectifs du recensement "
        "s'additionnent).",
        formula="(actifs 15–64 − chômeurs 15–64) / population 15–64 × 100",
        unit="%",
        sources=_SOURCES,
        numerator="en_emploi_15_64",
        denominator="population_15_64",
        scale=100,
        levels=TERRITORY_LEVELS,
        tags=_TAGS,
    ),
    Indicator(
        code="ter_taux_chomage_15_64_pct",
        label="Taux de chômage des 15–64 ans du territoire (recensement)",
        short_label="Taux de chômage 15–64 ans",
        axis=0,
        definition="Chômeurs de 15 à 64 ans au sens du recensement (déclaratif) rapportés aux "
        "actifs de 15 à 64 ans ; ce n'est pas le taux de chômage trimestriel au sens du BIT. "
        "Pour l'EPCI, le département et la région : sommes des communes (dérivé).",
        formula="chômeurs 15–64 / actifs 15–64 × 100",
        unit="%",
        sources=_SOURCES,
        direction="baisse",
        numerator="chomeurs_15_64",
        denominator="actifs_15_64",
        scale=100,
        levels=TERRITORY_LEVELS,
        tags=_TAGS,
    ),
    Indicator(
        code="ter_population_municipale",
        label="Population municipale du territoire",
        short_label="Population",
        axis=0,
        definition="Population municipale au recensement ; pour l'EPCI, le département et la "
        "région, somme des communes (dérivé).",
        formula="Σ population municipale des communes",
        unit="habitants",
        sources=_SOURCES,
        numerator="population_municipale",
        levels=TERRITORY_LEVELS,
        tags=_TAGS,
    ),
)

TERRITORY_CODES = tuple(codes(axis=0, tags="territoire"))
"""Codes of the englobing-territory indicators, in report order."""

CENSUS = ("ter_taux_emploi_15_64_pct", "ter_taux_chomage_15_64_pct", "ter_population_municipale")
"""Indicators from census counts: published per commune, summed over communes above."""

PUBLISHED = {
    "ter_taux_pauvrete_60_pct": "taux_pauvrete_60_pct",
    "ter_revenu_median_uc_eur": "revenu_median_disponible_uc_eur",
}
"""Indicators published per territory by Filosofi: code → column of ``territoires``."""

QPV_COLUMNS = {
    "ter_taux_pauvrete_60_pct": "taux_pauvrete_60_pct",
    "ter_revenu_median_uc_eur": "revenu_median_disponible_uc_eur",
    "ter_taux_emploi_15_64_pct": "taux_emploi_15_64_pct",
    "ter_taux_chomage_15_64_pct": None,
}
"""Column of the table ``contexte`` compared with each territory indicator (``None``: none)."""

COMPARED = tuple(QPV_COLUMNS)
"""Indicators of the QPV-against-territories comparison, in report order."""

_LEVEL_KEY = {"commune": "code_commune", "epci": "siren_epci", "departement": "code_departement"}

_DERIVED_CENSUS = "somme des communes, calcul du projet"


@dataclass(frozen=True)
class TerritoryValues:
    """Values of the englobing territories with the provenance of each figure.

    Attributes:
        tidy: tidy indicator table (``RESULT_COLUMNS``), ``annee`` = vintage.
        provenance: ``indicateur``, ``niveau``, ``code``, ``source`` (French, with vintage),
            ``derive`` (bool): one row per row of ``tidy``.
    """

    tidy: pd.DataFrame
    provenance: pd.DataFrame

    def value(self, code: str, level: str, territory: str) -> float | None:
        """Return one value (``None`` when absent or secret)."""
        t = self.tidy
        rows = t[(t["indicateur"] == code) & (t["niveau"] == level) & (t["code"] == territory)]
        if rows.empty or pd.isna(rows["valeur"].iloc[0]):
            return None
        return float(rows["valeur"].iloc[0])

    @property
    def empty(self) -> bool:
        """Whether no territory value is known (no INSEE file covers the region)."""
        return self.tidy.empty


def _merged_vintages(data: pd.DataFrame, level: str) -> pd.DataFrame:
    """One row per territory and vintage of a level, the sources of that vintage merged."""
    rows = data[data["niveau"] == level]
    if rows.empty:
        return rows
    measures = [c for c in rows.columns if c not in ("niveau", "code_territoire", "annee")]
    merged = rows.groupby(["code_territoire", "annee"], as_index=False, sort=True)[measures].first()
    sources = rows[["code_territoire", "annee", "source"]].dropna().drop_duplicates()
    joined = sources.groupby(["code_territoire", "annee"], sort=True)["source"].agg(list)
    merged["source"] = [
        " ; ".join(s) for s in joined.reindex(merged.set_index(["code_territoire", "annee"]).index)
    ]
    return merged


def _latest(frame: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    """Per territory, the most recent vintage that fills every needed column."""
    have = frame.dropna(subset=needed)
    have = have.sort_values("annee", ascending=False)
    return have.drop_duplicates("code_territoire").sort_values("code_territoire")


def _provenance(result: pd.DataFrame, source: pd.Series | str, derived: bool) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicateur": result["indicateur"].to_numpy(),
            "niveau": result["niveau"].to_numpy(),
            "code": result["code"].to_numpy(),
            "source": source if isinstance(source, str) else source.to_numpy(),
            "derive": derived,
        }
    )


def _published(
    data: pd.DataFrame, code: str, level: str, params: RunParams | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One indicator at one level, from the values published for that level."""
    column = PUBLISHED[code]
    ind = REGISTRY[code]
    needed = [column, "personnes_menages_fiscaux"] if ind.denominator else [column]
    frame = _merged_vintages(data[data[needed].notna().any(axis=1)], level)
    if frame.empty:
        return pd.DataFrame(), pd.DataFrame()
    latest = _latest(frame, needed)
    if latest.empty:
        return pd.DataFrame(), pd.DataFrame()
    key = _LEVEL_KEY.get(level)
    base = latest.assign(annee=latest["annee"].astype("Int64"))
    if key:
        base[key] = base["code_territoire"]
    if ind.denominator:
        base["personnes_pauvres"] = base[column] / 100 * base["personnes_menages_fiscaux"]
    result = compute(base, [replace(ind, levels=(level,))], params)
    order = base.set_index("code_territoire")["source"]
    sources = result["code"].map(order) if key else pd.Series([order.iloc[0]] * len(result))
    return result, _provenance(result, sources.fillna("").astype(str), False)


def _region_poverty(data: pd.DataFrame, params: RunParams | None) -> tuple:
    """Regional poverty rate derived from the departments of the latest complete vintage."""
    ind = REGISTRY["ter_taux_pauvrete_60_pct"]
    frame = _merged_vintages(data, "departement")
    needed = ["taux_pauvrete_60_pct", "personnes_menages_fiscaux"]
    if frame.empty:
        return pd.DataFrame(), pd.DataFrame()
    have = frame.dropna(subset=needed)
    if have.empty:
        return pd.DataFrame(), pd.DataFrame()
    vintage = int(have["annee"].max())
    base = have[have["annee"] == vintage].copy()
    base["personnes_pauvres"] = (
        base["taux_pauvrete_60_pct"] / 100 * base["personnes_menages_fiscaux"]
    )
    result = compute(base, [replace(ind, levels=("region",))], params)
    label = (
        f"dérivé des {len(base)} départements ({base['source'].iloc[0]}) : "
        "Σ (taux × personnes) / Σ personnes"
    )
    return result, _provenance(result, label, True)


def _census(
    data: pd.DataFrame, composition: pd.DataFrame, params: RunParams | None
) -> tuple[list, list]:
    """Census indicators: per commune, and summed over communes for the wider levels."""
    frame = _merged_vintages(data, "commune")
    results, provenances = [], []
    if frame.empty:
        return results, provenances
    needed = ["population_15_64", "actifs_15_64", "chomeurs_15_64"]
    latest = _latest(frame, needed)
    if latest.empty:
        return results, provenances
    geo = composition.drop_duplicates("code_commune").set_index("code_commune")
    base = latest.assign(
        annee=latest["annee"].astype("Int64"),
        code_commune=latest["code_territoire"],
        siren_epci=latest["code_territoire"].map(geo["siren_epci"]).astype("string"),
        code_departement=latest["code_territoire"].map(geo["code_departement"]).astype("string"),
        en_emploi_15_64=latest["actifs_15_64"] - latest["chomeurs_15_64"],
    )
    base["population_municipale"] = base["population_municipale"].astype("Float64")
    source = base["source"].iloc[0]
    for code in CENSUS:
        result = compute(base, [REGISTRY[code]], params)
        communes = result["niveau"] == "commune"
        derived = result[~communes]
        results += [result[communes], derived]
        provenances += [
            _provenance(result[communes], source, False),
            _provenance(derived, f"{source} ({_DERIVED_CENSUS})", True),
        ]
    return results, provenances


def _names(tidy: pd.DataFrame, data: pd.DataFrame, epci_names: dict[str, str]) -> pd.Series:
    published = (
        data.dropna(subset=["nom_territoire"])
        .drop_duplicates(["niveau", "code_territoire"])
        .set_index(["niveau", "code_territoire"])["nom_territoire"]
    )
    names = []
    for level, code in zip(tidy["niveau"], tidy["code"], strict=True):
        if level == "departement":
            names.append(DEPARTEMENTS.get(code))
        elif level == "epci":
            names.append(epci_names.get(code) or published.get((level, code)))
        elif level == "region":
            names.append(None)
        else:
            names.append(published.get((level, code)))
    return pd.Series(names, index=tidy.index, dtype="string")


def territory_values(
    data: pd.DataFrame,
    composition: pd.DataFrame,
    params: RunParams | None = None,
    epci_names: dict[str, str] | None = None,
    communes: set[str] | None = None,
) -> TerritoryValues:
    """Compute the englobing-territory indicators of a region.

    Args:
        data: the table ``territoires`` of the region (every source and vintage).
        composition: commune → EPCI (2024 codes) and department table
            (:func:`~qpv_analytics.ingest.territory_sources.read_composition`).
        params: run parameters (region name in the region rows).
        epci_names: SIREN → name of the EPCI (the publication's names take precedence).
        communes: communes kept in the result (default: all; the sums above use them all).

    Returns:
        The values (``annee`` = vintage) and the source of each.
    """
    gone = (
        (data["niveau"] == "epci")
        & (data["geographie"] == "2019")
        & data["code_territoire"].isin(set(EPCI_CORRESPONDANCES))
    ).fillna(False)
    data = data[~gone]  # an EPCI merged since: its old values describe another territory
    results, provenances = [], []
    for code in PUBLISHED:
        for level in ("commune", "epci", "departement", "region"):
            result, prov = _published(data, code, level, params)
            if level == "region" and result.empty and code == "ter_taux_pauvrete_60_pct":
                result, prov = _region_poverty(data, params)
            results.append(result)
            provenances.append(prov)
    census, census_prov = _census(data, composition, params)
    results += census
    provenances += census_prov
    tidy = combine([r for r in results if len(r)])
    if communes is not None:
        tidy = tidy[(tidy["niveau"] != "commune") | tidy["code"].isin(communes)]
    prov = [p for p in provenances if len(p)]
    provenance = (
        pd.concat(prov, ignore_index=True)
        if prov
        else pd.DataFrame(columns=["indicateur", "niveau", "code", "source", "derive"])
    )
    tidy["nom"] = _names(tidy, data, epci_names or {})
    if params is not None:
        tidy.loc[tidy["niveau"] == "region", "nom"] = REGIONS.get(params.region, params.region)
    order = {c: i for i, c in enumerate(TERRITORY_CODES)}
    keys = tidy.assign(_o=tidy["indicateur"].map(order)).sort_values(["_o", "niveau", "code"])
    tidy = tidy.loc[keys.index].reset_index(drop=True)
    provenance = provenance.drop_duplicates(["indicateur", "niveau", "code"])
    provenance = tidy[["indicateur", "niveau", "code"]].merge(
        provenance, on=["indicateur", "niveau", "code"], how="left"
    )
    return TerritoryValues(tidy=tidy, provenance=provenance)


def correspondences_used(composition: pd.DataFrame, qpv: pd.DataFrame) -> list[str]:
    """French sentences naming each EPCI code change applied to the QPV's EPCI."""
    used = composition[composition["siren_epci"] != composition["siren_epci_2019"]]
    used = used[used["siren_epci"].isin(set(qpv["siren_epci"].dropna()))]
    sentences = []
    for old in sorted(set(used["siren_epci_2019"])):
        new, reason = EPCI_CORRESPONDANCES[old]
        sentences.append(f"EPCI {old} (géographie 2019) compté dans l'EPCI {new} : {reason}.")
    return sentences


COMPARISON_COLUMNS = (
    "code_qpv",
    "nom_qpv",
    "indicateur",
    "libelle",
    "unite",
    "valeur_qpv",
    "millesime_qpv",
    "niveau",
    "code_territoire",
    "nom_territoire",
    "valeur_territoire",
    "millesime_territoire",
    "ecart",
    "source_territoire",
    "derive",
)
"""Columns of :func:`qpv_against_territories` (one row per QPV, indicator and territory)."""

AGGREGATE_LEVEL = "communes"
"""Level of the population-weighted aggregate of the communes of a QPV over several."""


def _aggregate_communes(values: TerritoryValues, code: str, communes: list[str]) -> tuple:
    """Sum numerators and denominators over communes: exact for census and poverty rates."""
    ind = REGISTRY[code]
    if not ind.denominator:
        return None, None, 0
    t = values.tidy
    rows = t[(t["indicateur"] == code) & (t["niveau"] == "commune") & t["code"].isin(communes)]
    rows = rows.dropna(subset=["numerateur", "denominateur"])
    if rows.empty or float(rows["denominateur"].sum()) == 0:
        return None, None, len(rows)
    value = float(rows["numerateur"].sum()) / float(rows["denominateur"].sum()) * ind.scale
    return value, int(rows["annee"].max()), len(rows)


def _compared_row(
    base: dict,
    level: str,
    territory: str,
    name: str | None,
    value: float | None,
    vintage: int | None,
    source: str | None,
    derived: bool,
) -> dict:
    """One row of the comparison: the QPV's fields, the territory's, and the gap."""
    own = base["valeur_qpv"]
    return {
        **base,
        "niveau": level,
        "code_territoire": territory,
        "nom_territoire": name,
        "valeur_territoire": value,
        "millesime_territoire": vintage,
        "ecart": None if own is None or value is None else own - value,
        "source_territoire": source,
        "derive": derived,
    }


def qpv_against_territories(
    values: TerritoryValues,
    quartiers: pd.DataFrame,
    qpv: pd.DataFrame,
    vintages: dict[str, int | None],
) -> pd.DataFrame:
    """Compare each QPV with its commune(s), its EPCI, its department and the region.

    A QPV over several communes is compared with each commune and, for rates, with their
    aggregate (numerators and denominators summed over the communes that have both: the
    population-weighted rate of the communes together). The gap is QPV minus territory, in
    points for a rate and in euros for a median; blank when either side is missing.

    Args:
        values: englobing-territory values (:func:`territory_values`).
        quartiers: one row per QPV with its context values
            (:func:`~qpv_analytics.indicators.context_stats.context_by_qpv`).
        qpv: the contract table ``qpv`` (QPV × commune).
        vintages: column of ``contexte`` → vintage of the QPV values (``None``: unknown).

    Returns:
        Columns :data:`COMPARISON_COLUMNS`, sorted by QPV, indicator order and level.
    """
    keys = zip(values.tidy["indicateur"], values.tidy["niveau"], values.tidy["code"], strict=True)
    found = {
        key: (row.valeur, row.nom, row.annee)
        for key, row in zip(keys, values.tidy.itertuples(index=False), strict=True)
    }
    prov = {
        (r.indicateur, r.niveau, r.code): (r.source, bool(r.derive))
        for r in values.provenance.itertuples(index=False)
    }
    commune_names = dict(zip(qpv["code_commune"], qpv["nom_commune"], strict=False))
    communes = qpv.groupby("code_qpv")["code_commune"].agg(
        lambda s: list(dict.fromkeys(s.dropna()))
    )
    rows = []
    for _, q in quartiers.iterrows():
        code_qpv = q["code_qpv"]
        places = [("commune", c) for c in communes.get(code_qpv, [])] + [
            ("epci", q["siren_epci"]),
            ("departement", q["code_departement"]),
            ("region", "region"),
        ]
        for code in COMPARED:
            ind = REGISTRY[code]
            column = QPV_COLUMNS[code]
            own = q.get(column) if column else None
            own = None if own is None or pd.isna(own) else float(own)

            base = {
                "code_qpv": code_qpv,
                "nom_qpv": q["nom_qpv"],
                "indicateur": code,
                "libelle": ind.label,
                "unite": ind.unit,
                "valeur_qpv": own,
                "millesime_qpv": vintages.get(column) if column else None,
            }

            for level, territory in places:
                if territory is None or pd.isna(territory):
                    continue
                key = (code, level, territory)
                if key in found:
                    value, name, vintage = found[key]
                    source, derived = prov.get(key, (None, False))
                    rows.append(
                        _compared_row(
                            base,
                            level,
                            territory,
                            None if pd.isna(name) else name,
                            None if pd.isna(value) else float(value),
                            int(vintage),
                            source,
                            derived,
                        )
                    )
                else:
                    name = commune_names.get(territory) if level == "commune" else None
                    rows.append(
                        _compared_row(base, level, territory, name, None, None, None, False)
                    )
            several = communes.get(code_qpv, [])
            if len(several) > 1 and ind.denominator:
                value, vintage, n = _aggregate_communes(values, code, several)
                rows.append(
                    _compared_row(
                        base,
                        AGGREGATE_LEVEL,
                        ", ".join(several),
                        f"{n} commune(s) sur {len(several)} renseignée(s)",
                        value,
                        vintage,
                        "agrégat des communes, calcul du projet (Σ numérateurs / Σ dénominateurs)",
                        True,
                    )
                )
    frame = pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
    for col in ("valeur_qpv", "valeur_territoire", "ecart"):
        frame[col] = pd.to_numeric(frame[col]).astype("Float64")
    for col in ("millesime_qpv", "millesime_territoire"):
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    frame["derive"] = frame["derive"].astype("boolean")
    return frame
