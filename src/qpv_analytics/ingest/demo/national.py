"""National-size demo data (all QPV of the national list, ten years), drawn with numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from qpv_analytics.config import Paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES, TYPES_ORGANISATION, Table
from qpv_analytics.geography import DEPARTEMENTS, NATIONAL_LABEL, NATIONAL_REGION
from qpv_analytics.ingest.demo.texts import (
    ASSOCIATIONS,
    EVENT_AUDIENCE,
    EVENT_PREFIX,
    EVENT_SIZE,
    EVENT_SUBJECTS,
    EVENT_TYPE_WEIGHTS,
    LAICITE_TYPE_WEIGHTS,
    PRACTICES,
    PROJECTS,
    TFPB_LABELS,
    TFPB_WEIGHTS,
)
from qpv_analytics.ingest.demo.world import SEED, _populations, fictitious
from qpv_analytics.ingest.reference import qpv_reference

NATIONAL_YEARS = 10
"""Years of national demo data, ending with the last demo year."""


@dataclass(frozen=True)
class NationalSizes:
    """Row-level volumes of the national demo at ``taille=1`` (the benchmark's inputs).

    The QPV-grain tables (GUSP, digital inclusion, TFPB per landlord × QPV) always cover every
    QPV of the national list and every year; ``taille`` scales the volumes below only.
    """

    beneficiaires: int = 500_000
    """Rows of ``clauses_beneficiaires`` (one per person × market × year)."""
    relogements: int = 200_000
    """Rows of ``ru_relogements`` (one per rehoused household)."""
    beneficiaires_par_marche: float = 4.0
    """Mean beneficiaries per market × year row of ``clauses_marches``."""
    evenements_par_an: int = 900
    """Network events per year (the demo region has about 55)."""
    actions_par_ligne: tuple[int, int] = (3, 12)
    """Valued TFPB actions per landlord × QPV × year (drawn between these bounds)."""
    sites_npnru: int = 450
    """QPV with an NPNRU project (the programme counts about 450 neighbourhoods)."""

    def scaled(self, taille: float) -> dict[str, int]:
        """Expected rows of the two personal tables for a size factor."""
        return {
            "clauses_beneficiaires": round(self.beneficiaires * taille),
            "ru_relogements": round(self.relogements * taille),
        }


SIZES = NationalSizes()
"""Declared sizes of the national demo."""

VARIANT_SHARE = 0.03
"""Share of rows naming their landlord with a variant spelling (as in the regional demo)."""

_LANDLORD_KINDS = (
    ("Habitat", "OPH"),
    ("Logis", "ESH"),
    ("Toits", "ESH"),
    ("Résidences", "SEM"),
    ("Foyers", "COOP"),
)
"""Name prefixes and types of the invented landlords of a department (first one first)."""


@dataclass
class NationalWorld:
    """Frames every national table is derived from (one numpy generator, fixed seed)."""

    rng: np.random.Generator
    years: np.ndarray
    qpv: pd.DataFrame
    """One row per QPV: code, nom, commune, siren_epci, nom_epci, departement, population,
    logements (invented), npnru (whether it has an NPNRU project)."""
    landlords: pd.DataFrame
    """Registry: bailleur, type_bailleur, variantes (tuple), departement, taux_valorisation."""
    stock: pd.DataFrame
    """Dwellings of one landlord in one QPV: qpv (row of ``qpv``), landlord (row of
    ``landlords``), logements; sorted by QPV."""
    operations: pd.DataFrame
    """NPNRU operations (one row each)."""
    drawn: dict = field(default_factory=dict)
    """Draws shared by two tables (TFPB lines, markets and beneficiaries), made once."""

    def shared(self, key: str, draw):
        """The draw ``key``, made by ``draw()`` the first time it is asked for."""
        if key not in self.drawn:
            self.drawn[key] = draw()
        return self.drawn[key]


def _choice(rng: np.random.Generator, items, weights, size: int) -> np.ndarray:
    """``size`` items drawn with the given weights (an array of ``items``)."""
    p = np.asarray(weights, dtype=float)
    return np.asarray(items, dtype=object)[rng.choice(len(p), size=size, p=p / p.sum())]


def _pseudonyms(rng: np.random.Generator, prefix: str, n: int) -> np.ndarray:
    """``n`` distinct identifiers: ``prefix`` + 8 hexadecimal characters."""
    values = rng.integers(0, 2**32, size=n, dtype=np.int64)
    while True:
        order = np.argsort(values, kind="stable")
        repeated = order[1:][values[order][1:] == values[order][:-1]]
        if not len(repeated):
            break
        values[repeated] = rng.integers(0, 2**32, size=len(repeated), dtype=np.int64)
    return np.char.add(prefix, np.char.zfill(np.char.mod("%x", values), 8)).astype(object)


def _pick_within(
    rng: np.random.Generator, groups: np.ndarray, members: pd.DataFrame, group: str, weight: str
) -> np.ndarray:
    """For each entry of ``groups``, the position of a ``members`` row of that group, by weight.

    ``members`` must be sorted by ``group`` (integer codes 0…n-1), every group present.
    """
    g = members[group].to_numpy()
    w = members[weight].to_numpy(dtype=float)
    share = pd.Series(w).groupby(g).cumsum().to_numpy() / np.bincount(g, weights=w)[g]
    last = np.append(g[1:] != g[:-1], True)
    keys = g + np.where(last, 1.0, share)
    draws = groups + rng.random(len(groups)) * (1 - 1e-9)
    return np.searchsorted(keys, draws, side="right")


def _build_qpv(rng: np.random.Generator, paths: Paths) -> pd.DataFrame:
    """Every QPV of the national list with invented social housing stock."""
    ref = qpv_reference(NATIONAL_REGION, paths)
    first = ref.groupby("code_qpv", sort=True).first().reset_index()
    population = _populations(paths)
    pop = first["code_qpv"].map(population).astype("float")
    random_pop = rng.integers(1000, 6000, size=len(first))
    pop = np.where(pop.isna(), random_pop, pop).astype(int)
    logements = np.clip(np.round(pop * rng.uniform(0.30, 0.42, size=len(first))), 300, 3000)
    return pd.DataFrame(
        {
            "code": first["code_qpv"].astype(str).to_numpy(),
            "nom": first["nom_qpv"].astype(str).to_numpy(),
            "commune": first["nom_commune"].astype(str).to_numpy(),
            "siren_epci": first["siren_epci"].astype(object).where(first["siren_epci"].notna()),
            "nom_epci": first["nom_epci"].astype(object).where(first["nom_epci"].notna()),
            "departement": first["code_departement"].astype(str).to_numpy(),
            "population": pop,
            "logements": logements.astype(int),
        }
    )


def _build_landlords(rng: np.random.Generator, qpv: pd.DataFrame) -> pd.DataFrame:
    """One to five invented landlords per department, more where there are more QPV."""
    counts = qpv["departement"].value_counts().sort_index()
    rows = []
    for dep, n_qpv in counts.items():
        name = DEPARTEMENTS.get(str(dep), f"département {dep}")
        n = 1 + int(n_qpv >= 6) + int(n_qpv >= 15) + int(n_qpv >= 30) + int(n_qpv >= 60)
        for prefix, kind in _LANDLORD_KINDS[:n]:
            low = rng.random() < 0.15
            rows.append(
                {
                    "bailleur": f"{prefix} {name} (fictif)",
                    "type_bailleur": kind,
                    "variantes": (f"{prefix.upper()} {name.upper()}", f"{prefix} {dep} (fictif)"),
                    "departement": str(dep),
                    "taux_valorisation": rng.uniform(0.85, 0.95) if low else rng.uniform(1.3, 1.55),
                }
            )
    return pd.DataFrame(rows)


def _build_stock(rng: np.random.Generator, qpv: pd.DataFrame, landlords: pd.DataFrame):
    """Split each QPV's dwellings between 1 to 4 landlords of its department."""
    by_dep = landlords.groupby("departement").indices
    q_idx, l_idx, dwellings = [], [], []
    for i, (dep, logements) in enumerate(zip(qpv["departement"], qpv["logements"], strict=True)):
        candidates = by_dep[dep]
        most = 2 if logements < 700 else (3 if logements < 1500 else 4)
        k = min(int(rng.integers(1, most + 1)), len(candidates))
        weights = np.where(np.arange(len(candidates)) == 0, 3.0, 1.0)
        chosen = np.sort(rng.choice(candidates, size=k, replace=False, p=weights / weights.sum()))
        shares = rng.dirichlet(np.full(k, 3.0))
        q_idx += [i] * k
        l_idx += chosen.tolist()
        dwellings += np.maximum(40, np.round(logements * shares)).astype(int).tolist()
    return pd.DataFrame({"qpv": q_idx, "landlord": l_idx, "logements": dwellings})


def _build_operations(rng: np.random.Generator, world: NationalWorld) -> pd.DataFrame:
    """NPNRU operations of the sites (the regional demo's plan of a project, per site)."""
    from qpv_analytics.ingest.demo.world import _project, _Qpv

    qpv, years = world.qpv, [int(y) for y in world.years]
    big = np.flatnonzero((qpv["logements"] >= 500).to_numpy())
    n_sites = min(SIZES.sites_npnru, len(big))
    w = qpv["logements"].to_numpy(dtype=float)[big]
    sites = np.sort(rng.choice(big, size=n_sites, replace=False, p=w / w.sum()))
    doubles = set(rng.choice(n_sites, size=n_sites // 7, replace=False).tolist())
    epcis = sorted({str(qpv.at[i, "siren_epci"]) for i in sites})
    ratios = {
        e: rng.uniform(0.55, 0.85) if rng.random() < 0.2 else rng.uniform(1.0, 1.15) for e in epcis
    }
    owners = world.stock.groupby("qpv")["landlord"].apply(list).to_dict()
    names = world.landlords["bailleur"].to_numpy()
    rows = []
    for n, i in enumerate(sites):
        r = qpv.iloc[i]
        q = _Qpv(r["code"], r["nom"], r["commune"], "", "", r["departement"], 0, 0, r["logements"])
        site_owners = [str(names[j]) for j in owners[i]]
        ratio = ratios[str(r["siren_epci"])]
        for numero in range(1, 3 if n in doubles else 2):
            for op in _project(rng, q, numero, site_owners, ratio, years):
                rows.append(
                    {
                        "id_operation": op.id,
                        "qpv": i,
                        "maitre_ouvrage": op.maitre_ouvrage,
                        "nature": op.nature,
                        "programmes": op.programmes,
                        "hors_qpv": op.hors_qpv,
                        "cout": op.cout,
                        "subvention": op.subvention,
                        "premiere_annee": op.premiere_annee,
                        "debut": op.debut,
                        "duree": op.duree,
                        "delai": op.delai,
                    }
                )
    return pd.DataFrame(rows)


def build_national_world(paths: Paths, years: list[int]) -> NationalWorld:
    """Draw the national territories, landlords, stock and NPNRU operations."""
    rng = np.random.default_rng(SEED)
    qpv = _build_qpv(rng, paths)
    landlords = _build_landlords(rng, qpv)
    stock = _build_stock(rng, qpv, landlords)
    world = NationalWorld(rng, np.asarray(years), qpv, landlords, stock, pd.DataFrame())
    world.operations = _build_operations(rng, world)
    return world


# ---------------------------------------------------------------------------------- tables


def _bailleurs(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Registry of the invented landlords, with their variant spellings."""
    lands = world.landlords
    return pd.DataFrame(
        {
            "bailleur": lands["bailleur"],
            "type_bailleur": lands["type_bailleur"],
            "variantes_nom": lands["variantes"].map("|".join),
        }
    )


def _event_days(rng: np.random.Generator, annee: np.ndarray) -> pd.Series:
    """A working day of each year outside August and the Christmas holidays."""
    days = np.empty(len(annee), dtype="datetime64[D]")
    todo = np.arange(len(annee))
    while len(todo):
        start = (annee[todo] - 1970).astype("datetime64[Y]").astype("datetime64[D]")
        day = start + rng.integers(0, 365, size=len(todo))
        stamp = pd.DatetimeIndex(day)
        ok = (
            (stamp.year == annee[todo])
            & (stamp.weekday < 5)
            & (stamp.month != 8)
            & ~((stamp.month == 12) & (stamp.day >= 20))
        )
        days[todo[ok]] = day[ok]
        todo = todo[~ok]
    return pd.Series(days.astype("datetime64[ns]"))


def _evenements(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Network meetings, trainings, webinars, visits and publications over the country."""
    rng = world.rng
    per_year = max(6, round(SIZES.evenements_par_an * taille))
    counts = rng.integers(round(per_year * 0.8), round(per_year * 1.2) + 1, size=len(world.years))
    annee = np.repeat(world.years, counts)
    n = len(annee)
    axe = _choice(rng, [1, 2, 3, 4, 5, 6], [0.18, 0.22, 0.15, 0.18, 0.14, 0.13], n).astype(int)
    kind = np.where(
        axe == 4,
        _choice(rng, list(LAICITE_TYPE_WEIGHTS), list(LAICITE_TYPE_WEIGHTS.values()), n),
        _choice(rng, list(EVENT_TYPE_WEIGHTS), list(EVENT_TYPE_WEIGHTS.values()), n),
    )
    qpv = world.qpv[world.qpv["siren_epci"].notna()]
    draw = rng.random(n)
    dep = _choice(rng, world.qpv["departement"], np.ones(len(world.qpv)), n)
    epci_rows = _choice(rng, np.arange(len(qpv)), qpv["logements"], n).astype(int)
    territoire = np.where(
        draw < 0.35,
        "region",
        np.where(draw < 0.60, dep, qpv["siren_epci"].to_numpy()[epci_rows]),
    ).astype(object)
    lieu = np.where(
        draw < 0.35,
        NATIONAL_LABEL,
        np.where(
            draw < 0.60,
            pd.Series(dep).map(lambda d: DEPARTEMENTS.get(d, f"département {d}")).to_numpy(),
            qpv["nom_epci"].to_numpy()[epci_rows],
        ),
    ).astype(object)
    subject = np.empty(n, dtype=object)
    for a, subjects in EVENT_SUBJECTS.items():
        mask = axe == a
        subject[mask] = np.asarray(subjects, dtype=object)[
            rng.integers(0, len(subjects), mask.sum())
        ]
    subject[(axe == 4) & (kind == "formation")] = "plan « Valeurs de la République et laïcité »"
    prefix = pd.Series(kind).map(EVENT_PREFIX).to_numpy()
    intitule = prefix + " " + subject + " – " + lieu
    names = world.landlords["bailleur"].to_numpy()
    network = np.where(rng.random(n) < np.where(np.isin(axe, (2, 3)), 0.6, 0.3), "URH", "IREV")
    organisateur = np.where(
        (draw >= 0.60) & (rng.random(n) < 0.35),
        pd.Series(lieu).map(fictitious).to_numpy(),
        np.where(rng.random(n) < 0.12, names[rng.integers(0, len(names), n)], network),
    )
    frame = pd.DataFrame(
        {
            "annee": annee,
            "date_evenement": _event_days(rng, annee),
            "axe": axe,
            "type_evenement": kind,
            "intitule": intitule,
            "organisateur": organisateur,
            "territoire": territoire,
            "duree_heures": np.nan,
        }
    )
    for t in TYPES_ORGANISATION:
        frame[f"participants_{t}"] = 0
    total = np.zeros(n, dtype=int)
    for k, ((lo, hi), durations) in EVENT_SIZE.items():
        mask = kind == k
        m = int(mask.sum())
        if not m:
            continue
        total[mask] = rng.integers(lo, hi + 1, size=m)
        if durations:
            frame.loc[mask, "duree_heures"] = np.asarray(durations)[
                rng.integers(0, len(durations), m)
            ]
        audience = EVENT_AUDIENCE[k]
        if audience:
            split = rng.multinomial(total[mask], list(audience.values()))
            for j, t in enumerate(audience):
                frame.loc[mask, f"participants_{t}"] = split[:, j]
    distinct = np.minimum(total, np.maximum(1, np.round(total * rng.uniform(0.3, 0.6, n))))
    frame["organisations_distinctes"] = np.where(
        total > 0, distinct, rng.integers(1, 7, size=n)
    ).astype(int)
    frame = frame.sort_values(["annee", "date_evenement"], kind="stable", ignore_index=True)
    rank = frame.groupby("annee").cumcount() + 1
    ids = "EV-" + frame["annee"].astype(str) + "-" + rank.map("{:04d}".format)
    frame.insert(0, "id_evenement", ids)
    return frame


def _bonnes_pratiques(world: NationalWorld, taille: float) -> pd.DataFrame:
    """The good practices of the regional demo, each located in a QPV of the country."""
    rng = world.rng
    order = rng.permutation(len(PRACTICES))
    stock = world.stock
    rows = []
    for rank, i in enumerate(order):
        axe, titre, resume, facteurs, ecueils = PRACTICES[int(i)]
        s = stock.iloc[int(_choice(rng, np.arange(len(stock)), stock["logements"], 1)[0])]
        q, bailleur = world.qpv.iloc[s["qpv"]], world.landlords.at[s["landlord"], "bailleur"]
        epci = q["nom_epci"] if isinstance(q["nom_epci"], str) else q["commune"]
        rows.append(
            {
                "annee": int(world.years[rank * len(world.years) // len(PRACTICES)]),
                "axe": axe,
                "titre": titre,
                "territoire": f"{q['commune']}, quartier {q['nom']} ({epci})",
                "porteurs": f"{bailleur}, {fictitious(f'Ville de {q.commune}')}",
                "resume": resume,
                "facteurs_cles_succes": facteurs,
                "ecueils": ecueils,
            }
        )
    frame = pd.DataFrame(rows).sort_values(["annee", "axe", "titre"], ignore_index=True)
    rank = frame.groupby("annee").cumcount() + 1
    frame.insert(
        0, "id_pratique", "BP-" + frame["annee"].astype(str) + "-" + rank.map("{:02d}".format)
    )
    return frame


def _ramp(annee: np.ndarray, debut: np.ndarray, duree: np.ndarray) -> np.ndarray:
    return np.clip((annee - debut + 1) / duree, 0.0, 1.0)


def _ru_operations(world: NationalWorld, taille: float) -> pd.DataFrame:
    """NPNRU operations, one row per year, committed and delivered dwellings cumulative."""
    ops = world.operations
    years = pd.DataFrame({"annee": world.years})
    rows = years.merge(ops, how="cross")
    rows = rows[rows["annee"] >= rows["premiere_annee"]].reset_index(drop=True)
    a, prog = rows["annee"].to_numpy(), rows["programmes"].to_numpy()
    engages = np.floor(prog * _ramp(a, rows["debut"].to_numpy(), rows["duree"].to_numpy()))
    done = np.floor(
        prog * _ramp(a, (rows["debut"] + rows["delai"]).to_numpy(), rows["duree"].to_numpy())
    )
    return pd.DataFrame(
        {
            "id_operation": rows["id_operation"],
            "annee": rows["annee"],
            "code_qpv": world.qpv["code"].to_numpy()[rows["qpv"]],
            "maitre_ouvrage": rows["maitre_ouvrage"],
            "nature": rows["nature"],
            "logements_programmes": prog,
            "logements_engages": engages.astype(int),
            "logements_livres": np.minimum(engages, done).astype(int),
            "logements_reconstitues_hors_qpv": rows["hors_qpv"],
            "cout_total_eur": rows["cout"],
            "subvention_anru_eur": rows["subvention"],
        }
    )


def _ru_relogements(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Rehoused households, spread over the years and the QPV by their demolitions."""
    rng = world.rng
    ops = world.operations
    demolitions = ops[ops["nature"] == "demolition"]
    sites = np.sort(ops["qpv"].unique())
    p_new = dict(zip(sites, rng.uniform(0.15, 0.40, len(sites)), strict=True))
    p_out = dict(zip(sites, rng.uniform(0.35, 0.60, len(sites)), strict=True))
    total = SIZES.scaled(taille)["ru_relogements"]
    weights = []
    for annee in world.years:
        listed = demolitions[demolitions["premiere_annee"] <= annee]
        active = (listed["debut"] - 1 <= annee) & (annee <= listed["debut"] + listed["duree"])
        w = (listed["programmes"] * np.where(active, 1.0, 0.15)).groupby(listed["qpv"]).sum()
        weights.append(w)
    year_share = np.array([w.sum() > 0 for w in weights], dtype=float)
    year_share *= rng.uniform(0.75, 1.25, len(year_share))
    per_year = rng.multinomial(total, year_share / year_share.sum())
    q_idx, annee = [], []
    for a, n, w in zip(world.years, per_year, weights, strict=True):
        if n == 0 or w.sum() == 0:
            continue
        counts = rng.multinomial(n, (w / w.sum()).to_numpy())
        q_idx.append(np.repeat(w.index.to_numpy(), counts))
        annee.append(np.full(int(n), a))
    q = np.concatenate(q_idx)
    a = np.concatenate(annee)
    n = len(q)
    neuf = rng.random(n) < pd.Series(q).map(p_new).to_numpy()
    charge = rng.normal(np.where(neuf, 45, 15), 20)
    stock = world.stock
    owner = _pick_within(rng, q, stock, "qpv", "logements")
    missing_charge = rng.random(n) < 0.07
    missing_quartile = rng.random(n) < 0.04
    quartile = _choice(rng, [1, 2, 3, 4], [0.58, 0.24, 0.12, 0.06], n).astype(float)
    return pd.DataFrame(
        {
            "id_menage": _pseudonyms(rng, "M-", n),
            "annee": a,
            "code_qpv": world.qpv["code"].to_numpy()[q],
            "bailleur": world.landlords["bailleur"].to_numpy()[stock["landlord"].to_numpy()[owner]],
            "type_destination": np.where(neuf, "neuf_moins_5_ans", "parc_existant"),
            "hors_qpv": rng.random(n) < pd.Series(q).map(p_out).to_numpy(),
            "evolution_reste_a_charge_eur_mois": np.where(
                missing_charge, np.nan, np.round(np.clip(charge, -30, 80), 2)
            ),
            "taille_menage": _choice(
                rng, range(1, 8), [0.30, 0.22, 0.17, 0.14, 0.09, 0.05, 0.03], n
            ).astype(int),
            "quartile_revenus": np.where(missing_quartile, np.nan, quartile),
        }
    )


def _tfpb_lines(world: NationalWorld) -> pd.DataFrame:
    """Abatement ≈ 172 €/dwelling, valued actions ≈ 1.35 × abatement, per stock × year."""
    rng = world.rng
    stock = world.stock
    n_s, n_y = len(stock), len(world.years)
    per_dwelling = np.repeat(rng.uniform(135, 210, n_s), n_y)
    rate = world.landlords["taux_valorisation"].to_numpy()[stock["landlord"].to_numpy()]
    effort = np.repeat(rate * rng.uniform(0.90, 1.14, n_s), n_y)
    annee = np.tile(world.years, n_s)
    middle = (world.years[0] + world.years[-1]) / 2
    logements = np.round(
        np.repeat(stock["logements"].to_numpy(), n_y) * rng.uniform(0.98, 1.02, n_s * n_y)
    )
    trend = 1 + 0.02 * (annee - middle)
    abattement = np.round(logements * per_dwelling * trend * rng.uniform(0.97, 1.03, n_s * n_y), 2)
    valorise = np.round(abattement * effort * rng.uniform(0.95, 1.05, n_s * n_y), 2)
    return pd.DataFrame(
        {
            "stock": np.repeat(np.arange(n_s), n_y),
            "annee": annee,
            "bailleur": world.landlords["bailleur"].to_numpy()[
                np.repeat(stock["landlord"].to_numpy(), n_y)
            ],
            "code_qpv": world.qpv["code"].to_numpy()[np.repeat(stock["qpv"].to_numpy(), n_y)],
            "logements_concernes": logements.astype(int),
            "montant_abattement_eur": abattement,
            "valorise": valorise,
        }
    )


def _tfpb_abattement(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Dwellings and abatement per landlord × QPV × year."""
    lines = world.shared("tfpb", lambda: _tfpb_lines(world))
    return lines[["annee", "bailleur", "code_qpv", "logements_concernes", "montant_abattement_eur"]]


def _tfpb_actions(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Valued actions per landlord × QPV × year, over the 8 national axes."""
    rng = world.rng
    lines = world.shared("tfpb", lambda: _tfpb_lines(world))
    good = world.landlords.index[world.landlords["taux_valorisation"] > 1].to_numpy()
    absent = (
        world.landlords.at[int(rng.choice(good)), "bailleur"],
        int(world.years[min(2, len(world.years) - 1)]),
    )
    lines = lines[~((lines["bailleur"] == absent[0]) & (lines["annee"] == absent[1]))]
    lo, hi = SIZES.actions_par_ligne
    per_line = np.maximum(1, np.round(rng.integers(lo, hi + 1, len(lines)) * taille)).astype(int)
    line = np.repeat(np.arange(len(lines)), per_line)
    weights = rng.gamma(2.0, size=len(line))
    share = weights / np.bincount(line, weights=weights)[line]
    valorise = lines["valorise"].to_numpy()[line]
    amount = np.round(valorise * share, 2)
    axe = _choice(rng, list(TFPB_WEIGHTS), list(TFPB_WEIGHTS.values()), len(line)).astype(int)
    intitule = np.empty(len(line), dtype=object)
    for a, labels in TFPB_LABELS.items():
        mask = axe == a
        intitule[mask] = np.asarray(labels, dtype=object)[rng.integers(0, len(labels), mask.sum())]
    draw = rng.random(len(line))
    cofunding = np.where(
        draw < 0.65,
        np.nan,
        np.where(draw < 0.75, 0.0, np.round(amount * rng.uniform(0.1, 0.6, len(line)), 2)),
    )
    start = np.concatenate([[0], np.cumsum(per_line)[:-1]])
    k = np.arange(len(line)) - start[line] + 1
    annee = lines["annee"].to_numpy()[line]
    stock = lines["stock"].to_numpy()[line]
    ids = (
        pd.Series(annee).astype(str).radd("ACT-")
        + pd.Series(stock).map("-{:05d}".format)
        + pd.Series(k).map("-{:02d}".format)
    )
    return pd.DataFrame(
        {
            "id_action": ids,
            "annee": annee,
            "bailleur": lines["bailleur"].to_numpy()[line],
            "code_qpv": lines["code_qpv"].to_numpy()[line],
            "axe_tfpb": axe,
            "intitule": intitule,
            "montant_valorise_eur": amount,
            "cofinancement_eur": cofunding,
        }
    )


def _gusp(world: NationalWorld, taille: float) -> pd.DataFrame:
    """One row per QPV with an EPCI × year; signed conventions rising from about 73 % to 85 %."""
    rng = world.rng
    qpv = world.qpv[world.qpv["siren_epci"].notna()]
    draws = rng.random(len(qpv))
    epcis = np.sort(qpv["siren_epci"].unique())
    absent = (str(rng.choice(epcis)), int(world.years[1])) if len(world.years) > 1 else None
    n_y = len(world.years)
    t = np.repeat(np.arange(n_y), len(qpv))
    annee = world.years[t]
    siren = np.tile(qpv["siren_epci"].to_numpy(), n_y)
    signed = np.tile(draws, n_y) < 0.73 + 0.03 * t
    n = len(t)
    frame = pd.DataFrame(
        {
            "annee": annee,
            "code_qpv": np.tile(qpv["code"].to_numpy(), n_y),
            "siren_epci": siren,
            "convention_gusp_signee": signed,
            "diagnostics_en_marchant": np.where(
                signed, rng.integers(1, 7, n), rng.integers(0, 2, n)
            ),
            "comites_pilotage": np.where(signed, rng.integers(1, 4, n), 0),
        }
    )
    if absent:
        frame = frame[~((frame["siren_epci"] == absent[0]) & (frame["annee"] == absent[1]))]
    return frame.reset_index(drop=True)


def _attributions(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Allocations per EPCI × landlord × year: several EPCI miss the 25 % first-quartile rule."""
    rng = world.rng
    stock = world.stock.assign(
        siren_epci=world.qpv["siren_epci"].to_numpy()[world.stock["qpv"]],
        bailleur=world.landlords["bailleur"].to_numpy()[world.stock["landlord"]],
    ).dropna(subset=["siren_epci"])
    pairs = stock.groupby(["siren_epci", "bailleur"], as_index=False)["logements"].sum()
    epcis = np.sort(pairs["siren_epci"].unique())
    q1 = pd.Series(rng.uniform(0.14, 0.29, len(epcis)), index=epcis)
    q234 = pd.Series(rng.uniform(0.40, 0.65, len(epcis)), index=epcis)
    n_y, n_p = len(world.years), len(pairs)
    t = np.repeat(np.arange(n_y), n_p)
    siren = np.tile(pairs["siren_epci"].to_numpy(), n_y)
    dwellings = np.tile(pairs["logements"].to_numpy(), n_y)
    n = len(t)
    in_qpv = np.maximum(1, np.round(dwellings * rng.uniform(0.05, 0.09, n))).astype(int)
    outside = np.maximum(1, np.round(in_qpv * rng.uniform(1.2, 2.8, n))).astype(int)
    p_q1 = np.clip(q1[siren].to_numpy() + 0.008 * t + rng.normal(0, 0.02, n), 0.02, 0.6)
    p_q234 = np.clip(q234[siren].to_numpy() + rng.normal(0, 0.03, n), 0.2, 0.9)
    return pd.DataFrame(
        {
            "annee": world.years[t],
            "siren_epci": siren,
            "bailleur": np.tile(pairs["bailleur"].to_numpy(), n_y),
            "attributions_hors_qpv": outside,
            "attributions_hors_qpv_q1": rng.binomial(outside, p_q1),
            "attributions_qpv": in_qpv,
            "attributions_qpv_q234": rng.binomial(in_qpv, p_q234),
        }
    )


_MARKET_MIX = {"travaux_anru": 0.41, "gusp": 0.34, "autre": 0.25}
"""Share of each type among the markets (as in the regional demo's yearly numbers)."""

_WOMEN_SHARE = {"travaux_anru": 0.12, "gusp": 0.35, "autre": 0.28}


def _markets(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Markets × years with the number of beneficiaries each employs (internal columns)."""
    rng = world.rng
    target = SIZES.scaled(taille)["clauses_beneficiaires"]
    n_rows = max(1, round(target / SIZES.beneficiaires_par_marche))
    qpv = world.qpv
    with_epci = qpv["siren_epci"].notna().to_numpy()
    first, last = int(world.years[0]), int(world.years[-1])
    # Each market runs 1 to 3 years from a start in [first - 1, last]: about 1.85 rows each.
    n_markets = round(n_rows / 1.85)
    start = rng.integers(first - 1, last + 1, n_markets)
    length = rng.integers(1, 4, n_markets)
    kind = _choice(rng, list(_MARKET_MIX), list(_MARKET_MIX.values()), n_markets)
    stock = world.stock[with_epci[world.stock["qpv"]]].reset_index(drop=True)
    sites = np.sort(world.operations["qpv"].unique())
    sites = sites[with_epci[sites]]
    site_stock = stock[stock["qpv"].isin(sites)].reset_index(drop=True)
    any_row = _choice(rng, np.arange(len(stock)), stock["logements"], n_markets).astype(int)
    site_row = _choice(rng, np.arange(len(site_stock)), site_stock["logements"], n_markets)
    anru = kind == "travaux_anru"
    q_idx = np.where(
        anru, site_stock["qpv"].to_numpy()[site_row.astype(int)], stock["qpv"].to_numpy()[any_row]
    )
    landlord = np.where(
        anru,
        site_stock["landlord"].to_numpy()[site_row.astype(int)],
        stock["landlord"].to_numpy()[any_row],
    )
    names = world.landlords["bailleur"].to_numpy()
    owner = names[landlord.astype(int)].astype(object)
    city = anru & (rng.random(n_markets) < 0.3)
    owner[city] = "Ville de " + qpv["commune"].to_numpy()[q_idx[city]] + " (données fictives)"
    other = kind == "autre"
    owner[other] = qpv["nom_epci"].to_numpy()[q_idx[other]] + " (données fictives)"
    code = qpv["code"].to_numpy()[q_idx].astype(object)
    code[other & (rng.random(n_markets) < 0.6)] = None
    rate = np.where(
        anru,
        np.where(
            rng.random(n_markets) < 0.88,
            rng.uniform(0.05, 0.09, n_markets),
            rng.uniform(0.03, 0.05, n_markets),
        ),
        np.where(
            kind == "gusp", rng.uniform(0.07, 0.14, n_markets), rng.uniform(0.03, 0.08, n_markets)
        ),
    )
    markets = pd.DataFrame(
        {
            "start": start,
            "kind": kind,
            "owner": owner,
            "code_qpv": code,
            "qpv": q_idx,
            "siren_epci": qpv["siren_epci"].to_numpy()[q_idx],
            "rate": rate,
        }
    )
    markets["number"] = markets.groupby("start").cumcount() + 1
    rows = markets.loc[markets.index.repeat(length)].copy()
    rows["annee"] = rows["start"] + rows.groupby(level=0).cumcount()
    rows = rows[rows["annee"].between(first, last)].reset_index()
    rows["id_marche"] = (
        "CL-" + rows["start"].astype(str) + "-" + rows["number"].map("{:05d}".format)
    )
    n = len(rows)
    size = rng.lognormal(0.0, 0.5, n)
    rows["beneficiaires"] = 1 + rng.multinomial(max(0, target - n), size / size.sum())
    return rows


def _clauses(world: NationalWorld, taille: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Markets with insertion clauses and their beneficiaries (some in several markets)."""
    rng = world.rng
    rows = _markets(world, taille)
    n = len(rows)
    realised = np.round(rows["beneficiaires"].to_numpy() * rng.uniform(200, 450, n) * 2) / 2
    total = np.round(realised / rows["rate"].to_numpy() * rng.uniform(0.92, 1.08, n))
    planned = np.round(realised / rng.uniform(0.85, 1.12, n) * 2) / 2
    markets = pd.DataFrame(
        {
            "id_marche": rows["id_marche"],
            "annee": rows["annee"],
            "maitre_ouvrage": rows["owner"],
            "type_marche": rows["kind"],
            "code_qpv": rows["code_qpv"],
            "siren_epci": rows["siren_epci"],
            "heures_totales": total,
            "heures_insertion_prevues": np.minimum(planned, total),
            "heures_insertion_realisees": realised,
        }
    )
    # Beneficiaries: one row per person × market × year, sharing the market's hours.
    market = np.repeat(np.arange(n), rows["beneficiaires"].to_numpy())
    m = len(market)
    weights = rng.gamma(3.0, size=m)
    share = weights / np.bincount(market, weights=weights)[market]
    hours = np.clip(np.round(realised[market] * share * 2) / 2, 7.0, 1000.0)
    person = np.arange(m)
    again = rng.random(m) < 0.12
    again[0] = False
    person[again] = rng.integers(0, np.maximum(1, np.flatnonzero(again)), again.sum())
    while True:  # a returning person keeps the identifier of their first contract
        root = person[person]
        if np.array_equal(root, person):
            break
        person = root
    clash = pd.DataFrame({"p": person, "m": market}).duplicated().to_numpy()
    person[clash] = np.flatnonzero(clash)  # never twice in the same market: a new person
    new = np.unique(person)
    profile_of = np.searchsorted(new, person)
    k = len(new)
    first_market = market[new]
    kind = rows["kind"].to_numpy()[first_market]
    resident = rng.random(k) < 0.68
    qpv = world.qpv[world.qpv["siren_epci"].notna()].reset_index(drop=True)
    qpv = qpv.assign(epci=pd.factorize(qpv["siren_epci"], sort=True)[0]).sort_values(
        "epci", kind="stable", ignore_index=True
    )
    epci_codes = pd.Index(np.sort(qpv["siren_epci"].unique()))
    epci_of = epci_codes.get_indexer(rows["siren_epci"].to_numpy()[first_market])
    home = _pick_within(rng, epci_of, qpv.assign(un=1.0), "epci", "un")
    age = _choice(rng, ["moins_26", "26_49", "50_plus"], [0.30, 0.52, 0.18], k)
    qualification = _choice(
        rng, ["infra_cap", "cap_bep", "bac", "superieur"], [0.45, 0.33, 0.17, 0.05], k
    )
    young = (age == "moins_26") & np.isin(qualification, ("infra_cap", "cap_bep"))
    status = np.where(
        young,
        _choice(
            rng,
            [
                "de_longue_duree",
                "rsa",
                "travailleur_handicape",
                "autre",
                "jeune_sans_qualification",
            ],
            [0.38, 0.27, 0.08, 0.15, 0.60],
            k,
        ),
        _choice(
            rng,
            ["de_longue_duree", "rsa", "travailleur_handicape", "autre"],
            [0.38, 0.27, 0.08, 0.15],
            k,
        ),
    )
    women = rng.random(k) < pd.Series(kind).map(_WOMEN_SHARE).to_numpy()
    ids = _pseudonyms(rng, "P-", k)
    beneficiaries = pd.DataFrame(
        {
            "id_personne": ids[profile_of],
            "id_marche": rows["id_marche"].to_numpy()[market],
            "annee": rows["annee"].to_numpy()[market],
            "resident_qpv": resident[profile_of],
            "code_qpv": np.where(resident, qpv["code"].to_numpy()[home], None)[profile_of],
            "sexe": np.where(women, "F", "H")[profile_of],
            "tranche_age": age[profile_of],
            "niveau_qualification": qualification[profile_of],
            "statut_entree": status[profile_of],
            "heures_realisees": hours,
            "situation_6_mois": _choice(
                rng,
                [
                    "emploi_durable",
                    "emploi_transition",
                    "formation_qualifiante",
                    "sans_emploi",
                    "inconnue",
                ],
                [0.20, 0.23, 0.12, 0.33, 0.12],
                m,
            ),
        }
    )
    return markets, beneficiaries


def _clauses_marches(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Hours worked and insertion hours per market × year."""
    return world.shared("clauses", lambda: _clauses(world, taille))[0]


def _clauses_beneficiaires(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Beneficiaries of each market × year."""
    return world.shared("clauses", lambda: _clauses(world, taille))[1]


def _numerique(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Mediation places, digital advisers and fibre coverage (rising to about 95 %) per QPV."""
    rng = world.rng
    qpv = world.qpv
    n_q, n_y = len(qpv), len(world.years)
    places = np.tile(np.minimum(4.0, qpv["population"].to_numpy() / 2500), n_y)
    fibre_start = np.tile(rng.uniform(40, 80, n_q), n_y)
    t = np.repeat(np.arange(n_y), n_q)
    annee = world.years[t]
    advisers_by_year = 0.8 + 0.4 * np.exp(-(((annee - annee.min()) - n_y * 0.3) ** 2) / 8)
    fibre = np.round(100 - (100 - fibre_start) * 0.595 ** (t * 5 / n_y), 1)
    n = len(t)
    return pd.DataFrame(
        {
            "annee": annee,
            "code_qpv": np.tile(qpv["code"].to_numpy(), n_y),
            "lieux_mediation": np.minimum(6, rng.poisson(places * (0.9 + 0.05 * t * 5 / n_y))),
            "conseillers_numeriques": np.minimum(4, rng.poisson(places * 0.6 * advisers_by_year)),
            "couverture_fibre_pct": np.where(rng.random(n) < 0.05, np.nan, fibre),
        }
    )


def _numerique_bailleurs(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Online requests rising from about 20 % to 55 %; most landlords have a tenant extranet."""
    rng = world.rng
    lands = world.landlords
    n_l, n_y = len(lands), len(world.years)
    first, last = int(world.years[0]), int(world.years[-1])
    start, end = rng.uniform(15, 26, n_l), rng.uniform(45, 65, n_l)
    late = rng.random(n_l) < 0.25
    opening = np.where(late, rng.integers(first + 1, last + 1, n_l), first - 1).astype(float)
    opening[rng.integers(0, n_l)] = np.inf  # one landlord never opens one
    annee = np.tile(world.years, n_l)
    li = np.repeat(np.arange(n_l), n_y)
    share = start[li] + (end[li] - start[li]) * (annee - first) / max(1, last - first)
    frame = pd.DataFrame(
        {
            "annee": annee,
            "bailleur": lands["bailleur"].to_numpy()[li],
            "part_demandes_en_ligne_pct": np.round(
                np.clip(share + rng.normal(0, 2, len(li)), 0, 100), 1
            ),
            "extranet_locataire": annee >= opening[li],
        }
    )
    return frame.sort_values(["annee", "bailleur"], ignore_index=True)


def _projets_innovation(world: NationalWorld, taille: float) -> pd.DataFrame:
    """Innovation projects (ten per project idea) moving from idea to running, then ended."""
    rng = world.rng
    epcis = world.qpv["nom_epci"].dropna().unique()
    carriers = [*world.landlords["bailleur"], *map(fictitious, epcis), *ASSOCIATIONS]
    rows = []
    first, last = int(world.years[0]), int(world.years[-1])
    for n in range(1, 10 * len(PROJECTS) + 1):
        axe, intitule = PROJECTS[(n - 1) % len(PROJECTS)]
        start = int(rng.integers(first - 3, last + 1))
        idea = int(rng.random() < 0.4)
        running = int(rng.integers(2, 5))
        outcome = "abandonne" if rng.random() < 0.2 else "termine"
        budget = float(round(rng.uniform(8_000, 350_000), -2))
        porteur = carriers[int(rng.integers(0, len(carriers)))]
        for annee in range(max(start, first), min(start + idea + running, last) + 1):
            statut = (
                "idee"
                if annee < start + idea
                else ("en_cours" if annee < start + idea + running else outcome)
            )
            rows.append(
                {
                    "id_projet": f"INNO-{n:04d}",
                    "annee": annee,
                    "axe": axe,
                    "porteur": porteur,
                    "intitule": intitule,
                    "statut": statut,
                    "budget_eur": None if statut == "idee" else budget,
                }
            )
    return pd.DataFrame(rows).sort_values(["annee", "id_projet"], ignore_index=True)


NATIONAL_BUILDERS = {
    name: globals()[f"_{name}"] for name in PARTNER_TABLES if f"_{name}" in globals()
}
"""One function per partner table of the contract, named ``_<table>``: ``(world, taille) → frame``
with contract columns."""


# ---------------------------------------------------------------------------------- writing


def _with_variants(frame: pd.DataFrame, world: NationalWorld) -> pd.DataFrame:
    """Spell the landlord with one of its variants in about 3 % of the rows."""
    variants = dict(zip(world.landlords["bailleur"], world.landlords["variantes"], strict=True))
    known = frame["bailleur"].isin(variants).to_numpy()
    chosen = known & (world.rng.random(len(frame)) < VARIANT_SHARE)
    if chosen.any():
        names = frame["bailleur"].to_numpy()[chosen]
        k = world.rng.integers(0, 2, chosen.sum())
        frame = frame.copy()
        frame.loc[chosen, "bailleur"] = [variants[v][i] for v, i in zip(names, k, strict=True)]
    return frame


def _cells(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Format every column as a French spreadsheet exports it (vectorised ``writer._cell``)."""
    out = {}
    for col in table.columns:
        values = (
            frame[col.name] if col.name in frame.columns else pd.Series(None, index=frame.index)
        )
        blank = values.isna().to_numpy()
        if col.kind == "booleen":
            text = np.where(values.fillna(False).astype(bool), "oui", "non").astype(object)
        elif col.kind == "date":
            text = pd.to_datetime(values).dt.strftime("%d/%m/%Y").to_numpy(dtype=object)
        elif col.kind == "decimal":
            num = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(dtype=float)
            text = pd.Series(np.char.mod("%.2f", num)).str.rstrip("0").str.rstrip(".")
            text = text.where(text != "-0", "0").str.replace(".", ",", regex=False).to_numpy()
        elif col.kind == "entier":
            num = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy()
            text = num.astype(np.int64).astype(str).astype(object)
        else:
            text = values.astype(object).to_numpy()
        out[col.name] = np.where(blank, "", text)
    return pd.DataFrame(out, columns=table.column_names)


def _write_frame(table: Table, frame: pd.DataFrame, path: Path) -> Path:
    """Write ``;``-separated UTF-8 CSV with BOM, decimal commas and LF line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _cells(table, frame).to_csv(
        path, sep=";", index=False, lineterminator="\n", encoding="utf-8-sig"
    )
    return path


def write_national(
    raw_dir: Path, paths: Paths, first_year: int, last_year: int, taille: float, single: tuple
) -> tuple[list[Path], NationalWorld]:
    """Draw the national world and write every partner table (one file a year, as partners do).

    Args:
        raw_dir: empty folder to fill.
        paths: project paths whose ``data/reference`` holds the national QPV list.
        first_year: first year of data.
        last_year: last year of data.
        taille: size factor of the row-level volumes (:class:`NationalSizes`; 1 = national).
        single: tables written as one file.

    Returns:
        The files written and the world they were drawn from.
    """
    if not 0 < taille <= 1:
        raise ValueError(f"taille doit être comprise entre 0 (exclu) et 1, pas {taille}")
    world = build_national_world(paths, list(range(first_year, last_year + 1)))
    written = []
    for name in PARTNER_TABLES:
        table = TABLES[name]
        frame = NATIONAL_BUILDERS[name](world, taille)
        unknown = sorted(set(frame.columns) - set(table.column_names))
        if unknown:
            raise ValueError(f"{name} : colonnes hors contrat {unknown}")
        if any(c.references == "bailleur" for c in table.columns):
            frame = _with_variants(frame, world)
        folder = raw_dir / name
        if name in single:
            written.append(_write_frame(table, frame, folder / f"{name}.csv"))
            continue
        for annee, part in frame.groupby("annee", sort=True):
            written.append(_write_frame(table, part, folder / f"{name}_{int(annee)}.csv"))
    return written, world


def expected_rows(taille: float = 1.0) -> dict[str, int]:
    """Rows of the personal tables the national demo writes for a size factor (exact counts)."""
    return SIZES.scaled(taille)


__all__ = [
    "NATIONAL_YEARS",
    "SIZES",
    "NationalSizes",
    "build_national_world",
    "expected_rows",
    "write_national",
]
