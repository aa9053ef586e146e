"""The invented "world" the demo tables share: QPV, stock, operations, TFPB, markets."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from qpv_analytics.config import Paths
from qpv_analytics.ingest.demo.landlords import LANDLORDS, NB_RANGS, Landlord
from qpv_analytics.ingest.reference import qpv_reference, region_code, regions

SEED = 20190621
"""Seed of the single random generator: the same files, byte for byte, on every run."""

Row = dict[str, object]
Rng = np.random.Generator


@dataclass(frozen=True)
class _Qpv:
    """One real QPV with its invented social housing stock."""

    code: str
    nom: str
    commune: str
    siren_epci: str
    nom_epci: str
    departement: str
    rang: int
    population: int
    logements: int


@dataclass(frozen=True)
class Stock:
    """Dwellings of one landlord in one QPV."""

    bailleur: Landlord
    qpv: _Qpv
    logements: int


@dataclass(frozen=True)
class _Operation:
    """One NPNRU operation and its timetable."""

    id: str
    qpv: _Qpv
    maitre_ouvrage: str
    nature: str
    programmes: int
    hors_qpv: int | None
    cout: float
    subvention: float
    premiere_annee: int
    debut: int
    duree: int
    delai: int

    def engages(self, annee: int) -> int:
        """Dwellings committed at the end of ``annee`` (cumulative)."""
        return math.floor(self.programmes * _ramp(annee, self.debut, self.duree))

    def livres(self, annee: int) -> int:
        """Dwellings delivered at the end of ``annee`` (cumulative, never above committed)."""
        done = math.floor(self.programmes * _ramp(annee, self.debut + self.delai, self.duree))
        return min(self.engages(annee), done)


@dataclass(frozen=True)
class _Tfpb:
    """Abatement and valued actions of one landlord in one QPV for one year."""

    annee: int
    stock: Stock
    logements: int
    abattement: float
    valorise: float


@dataclass(frozen=True)
class Market:
    """One market with insertion clauses, for one year."""

    id: str
    annee: int
    maitre_ouvrage: str
    type_marche: str
    qpv: _Qpv | None
    siren_epci: str
    heures_totales: float
    prevues: float
    realisees: float


@dataclass
class World:
    """Everything the table functions share: the generator, territories and plans."""

    rng: Rng
    years: list[int]
    region: str
    nom_region: str
    qpv: list[_Qpv]
    stock: list[Stock]
    operations: list[_Operation]
    tfpb: list[_Tfpb]
    markets: list[Market]
    actions_absentes: tuple[str, int] | None
    """Landlord and year for which no TFPB actions were sent."""
    gusp_absent: tuple[str, int] | None
    """EPCI and year for which no GUSP rows were sent."""

    def epcis(self) -> list[tuple[str, str]]:
        """EPCI (SIREN, name) of the region, sorted by SIREN."""
        return sorted({(q.siren_epci, q.nom_epci) for q in self.qpv})


def fictitious(actor: str) -> str:
    """Label a real municipality or EPCI acting in invented data, so that it reads as invented."""
    return f"{actor} (données fictives)"


def _ramp(annee: int, debut: int, duree: int) -> float:
    """Share of an operation done at the end of ``annee`` (linear from ``debut``)."""
    return min(1.0, max(0.0, (annee - debut + 1) / duree))


def pick(rng: Rng, items: list | tuple, weights: list[float] | None = None):
    """Return one item of ``items`` (optionally weighted)."""
    if weights is not None:
        weights = np.asarray(weights, dtype=float) / float(np.sum(weights))
    return items[int(rng.choice(len(items), p=weights))]


def pick_key(rng: Rng, weights: dict) -> object:
    """Return one key of ``weights``, drawn with the given weights."""
    return pick(rng, list(weights), list(weights.values()))


def _populations(paths: Paths) -> dict[str, int]:
    """Municipal population per QPV from the shipped context file (empty if unavailable)."""
    path = paths.default_context
    try:
        frame = pd.read_csv(path, dtype=str, usecols=["codeQPV", "popMuniQPV"])
    except (OSError, ValueError):
        return {}
    frame = frame.drop_duplicates("codeQPV")
    values = pd.to_numeric(frame["popMuniQPV"], errors="coerce")
    return {c: int(v) for c, v in zip(frame["codeQPV"], values, strict=True) if pd.notna(v)}


def _build_qpv(rng: Rng, region: str, paths: Paths) -> list[_Qpv]:
    """Real QPV of the region (2024 geography) with invented social housing stock."""
    ref = qpv_reference(region, paths)
    first = ref.groupby("code_qpv", sort=True).first()
    counts = first["code_departement"].value_counts()
    ranks = {d: i for i, d in enumerate(sorted(counts.index, key=lambda d: (-counts[d], d)))}
    population = _populations(paths)
    out = []
    for code, row in first.iterrows():
        pop = population.get(str(code)) or int(rng.integers(1000, 6000))
        logements = int(np.clip(round(pop * rng.uniform(0.30, 0.42)), 300, 3000))
        out.append(
            _Qpv(
                str(code),
                str(row["nom_qpv"]),
                str(row["nom_commune"]),
                str(row["siren_epci"]),
                str(row["nom_epci"]),
                str(row["code_departement"]),
                ranks[row["code_departement"]] % NB_RANGS,
                pop,
                logements,
            )
        )
    return out


def _build_stock(rng: Rng, qpv: list[_Qpv]) -> list[Stock]:
    """Split each QPV's social dwellings between 1 to 4 landlords of its department."""
    stock = []
    for q in qpv:
        candidates = [b for b in LANDLORDS if q.rang in b.rangs]
        weights = [3.0 if b.rangs[0] == q.rang else 1.0 for b in candidates]
        most = 2 if q.logements < 700 else (3 if q.logements < 1500 else 4)
        k = min(int(rng.integers(1, most + 1)), len(candidates))
        p = np.asarray(weights) / sum(weights)
        chosen = sorted(rng.choice(len(candidates), size=k, replace=False, p=p))
        shares = rng.dirichlet(np.full(k, 3.0))
        for i, share in zip(chosen, shares, strict=True):
            stock.append(Stock(candidates[i], q, max(40, round(q.logements * share))))
    return stock


def _build_operations(
    rng: Rng, qpv: list[_Qpv], stock: list[Stock], years: list[int]
) -> list[_Operation]:
    """About 40 NPNRU projects in about 35 of the largest QPV."""
    big = [q for q in qpv if q.logements >= 500] or qpv
    n_sites = min(35, len(big))
    weights = np.array([q.logements for q in big], dtype=float)
    sites = sorted(rng.choice(len(big), size=n_sites, replace=False, p=weights / weights.sum()))
    doubles = set(rng.choice(n_sites, size=n_sites // 7, replace=False).tolist())
    ratios = {}
    for siren in sorted({big[i].siren_epci for i in sites}):
        low = rng.random() < 0.2
        ratios[siren] = rng.uniform(0.55, 0.85) if low else rng.uniform(1.0, 1.15)
    operations = []
    for n, i in enumerate(sites):
        q = big[i]
        owners = [s.bailleur.nom for s in stock if s.qpv.code == q.code]
        for numero in range(1, 3 if n in doubles else 2):
            operations += _project(rng, q, numero, owners, ratios[q.siren_epci], years)
    return operations


_UNIT_COSTS = {  # € per dwelling (equipment: € per operation), share subsidised by ANRU
    "demolition": ((22_000, 38_000), (0.60, 0.85)),
    "reconstitution": ((145_000, 185_000), (0.08, 0.18)),
    "rehabilitation": ((25_000, 60_000), (0.12, 0.30)),
    "residentialisation": ((4_000, 12_000), (0.30, 0.50)),
    "equipement": ((800_000, 6_000_000), (0.20, 0.40)),
}
_DELIVERY_DELAY = {
    "demolition": (1, 1),
    "reconstitution": (2, 3),
    "rehabilitation": (1, 2),
    "residentialisation": (1, 1),
    "equipement": (2, 2),
}


def _project(
    rng: Rng, q: _Qpv, numero: int, owners: list[str], ratio: float, years: list[int]
) -> list[_Operation]:
    """Operations of one NPNRU project: demolitions, reconstitution (mostly outside QPV), etc."""
    most = max(31, min(220, q.logements // 5))
    demolitions = [int(rng.integers(30, most + 1)) for _ in range(int(rng.integers(1, 4)))]
    rebuilt = max(1, round(sum(demolitions) * ratio))
    parts = int(rng.integers(1, 4))
    rebuilt_parts = np.maximum(1, np.round(rng.dirichlet(np.full(parts, 4.0)) * rebuilt))
    plan: list[tuple[str, int]] = [("demolition", d) for d in demolitions]
    plan += [("reconstitution", int(r)) for r in rebuilt_parts]
    plan += [("rehabilitation", int(rng.integers(60, 401))) for _ in range(int(rng.integers(1, 3)))]
    plan += [
        ("residentialisation", int(rng.integers(40, 251))) for _ in range(int(rng.integers(0, 3)))
    ]
    plan += [("equipement", 0) for _ in range(int(rng.integers(0, 3)))]
    first, last = years[0], years[-1]
    operations = []
    for n, (nature, dwellings) in enumerate(plan, start=1):
        (cost_lo, cost_hi), (sub_lo, sub_hi) = _UNIT_COSTS[nature]
        unit = rng.uniform(cost_lo, cost_hi)
        cost = float(round(unit if nature == "equipement" else unit * dwellings))
        subsidy = float(math.floor(cost * rng.uniform(sub_lo, sub_hi)))
        if nature == "equipement" or (nature == "residentialisation" and rng.random() < 0.3):
            owner = fictitious(f"Ville de {q.commune}")
        else:
            owner = pick(rng, owners)
        listed = first if rng.random() < 0.85 else int(rng.integers(first + 1, last + 1))
        start = max(int(rng.integers(first - 3, last)), listed - 1)
        if nature == "reconstitution":
            share = 1.0 if rng.random() < 0.1 else rng.uniform(0.55, 0.9)
            hors_qpv: int | None = round(dwellings * share)
        else:
            hors_qpv = None
        delay = int(rng.integers(_DELIVERY_DELAY[nature][0], _DELIVERY_DELAY[nature][1] + 1))
        operations.append(
            _Operation(
                f"PRU-{q.code}-{numero}-{n:02d}",
                q,
                owner,
                nature,
                dwellings,
                hors_qpv,
                cost,
                subsidy,
                listed,
                start,
                int(rng.integers(2, 5)),
                delay,
            )
        )
    return operations


def _build_tfpb(rng: Rng, stock: list[Stock], years: list[int]) -> list[_Tfpb]:
    """Abatement ≈ 172 €/dwelling, valued actions ≈ 1.35 × abatement, slowly rising."""
    middle = (years[0] + years[-1]) / 2
    lines = []
    for s in stock:
        per_dwelling = rng.uniform(135, 210)
        effort = s.bailleur.taux_valorisation * rng.uniform(0.90, 1.14)
        for annee in years:
            logements = round(s.logements * rng.uniform(0.98, 1.02))
            trend = 1 + 0.02 * (annee - middle)
            abattement = round(logements * per_dwelling * trend * rng.uniform(0.97, 1.03), 2)
            valorise = round(abattement * effort * rng.uniform(0.95, 1.05), 2)
            lines.append(_Tfpb(annee, s, logements, abattement, valorise))
    return lines


_MARKET_TYPES = {  # new markets per year, yearly hours, insertion rate of the hours
    "travaux_anru": ((8, 13), (4_000, 40_000)),
    "gusp": ((6, 11), (2_000, 12_000)),
    "autre": ((4, 9), (1_500, 15_000)),
}


def _insertion_rate(rng: Rng, type_marche: str) -> float:
    """Insertion share of the hours: ANRU mostly 5–9 %, GUSP 7–14 %, others 3–8 %."""
    if type_marche == "travaux_anru":
        return rng.uniform(0.05, 0.09) if rng.random() < 0.88 else rng.uniform(0.03, 0.05)
    if type_marche == "gusp":
        return rng.uniform(0.07, 0.14)
    return rng.uniform(0.03, 0.08)


def _build_markets(
    rng: Rng, stock: list[Stock], operations: list[_Operation], years: list[int]
) -> list[Market]:
    """Markets with insertion clauses, each running 1 to 3 years."""
    nru = sorted({op.qpv.code: op.qpv for op in operations}.values(), key=lambda q: q.code)
    markets = []
    for start in range(years[0] - 1, years[-1] + 1):
        number = 0
        for type_marche, ((lo, hi), (h_lo, h_hi)) in _MARKET_TYPES.items():
            for _ in range(int(rng.integers(lo, hi))):
                number += 1
                site = pick(rng, nru) if type_marche == "travaux_anru" else None
                local = [x for x in stock if site is None or x.qpv.code == site.code]
                s = pick(rng, local, [x.logements for x in local])
                q: _Qpv | None = s.qpv
                if type_marche == "autre" and rng.random() < 0.6:
                    q = None
                owner = s.bailleur.nom
                if type_marche == "travaux_anru" and rng.random() < 0.3:
                    owner = fictitious(f"Ville de {q.commune}")
                elif type_marche == "autre":
                    owner = fictitious(s.qpv.nom_epci)
                rate = _insertion_rate(rng, type_marche)
                size = rng.uniform(h_lo, h_hi)
                for annee in range(start, start + int(rng.integers(1, 4))):
                    total = round(size * rng.uniform(0.7, 1.3))
                    done = round(total * rate * rng.uniform(0.92, 1.08) * 2) / 2
                    planned = round(done / rng.uniform(0.85, 1.12) * 2) / 2
                    if annee in years:
                        markets.append(
                            Market(
                                f"CL-{start}-{number:03d}",
                                annee,
                                owner,
                                type_marche,
                                q,
                                s.qpv.siren_epci,
                                float(total),
                                planned,
                                done,
                            )
                        )
    return markets


def build_world(region: str, years: list[int], paths: Paths) -> World:
    """Draw the territories, stock and plans every table is derived from."""
    rng = np.random.default_rng(SEED)
    qpv = _build_qpv(rng, region, paths)
    stock = _build_stock(rng, qpv)
    operations = _build_operations(rng, qpv, stock, years)
    tfpb = _build_tfpb(rng, stock, years)
    markets = _build_markets(rng, stock, operations, years)
    landlords = [b for b in LANDLORDS if b.taux_valorisation > 1]
    absent_year = years[min(2, len(years) - 1)]
    actions_absentes = (pick(rng, landlords).nom, absent_year) if len(years) > 1 else None
    epcis = sorted(
        {q.siren_epci for q in qpv if 2 <= sum(x.siren_epci == q.siren_epci for x in qpv) <= 6}
    )
    gusp_absent = (pick(rng, epcis), years[1]) if len(years) > 1 and epcis else None
    code = region_code(region, paths)
    return World(
        rng,
        years,
        code,
        regions(paths)[code],
        qpv,
        stock,
        operations,
        tfpb,
        markets,
        actions_absentes,
        gusp_absent,
    )
