"""One function per demo table: each returns the rows (dicts keyed by contract column names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np

from qpv_analytics.contract import PARTNER_TABLES, TYPES_ORGANISATION
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.ingest.demo.landlords import LANDLORDS
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
from qpv_analytics.ingest.demo.world import (
    Market,
    Rng,
    Row,
    Stock,
    World,
    fictitious,
    pick,
    pick_key,
)


def _bailleurs(world: World) -> list[Row]:
    """Registry of the invented landlords, with their variant spellings."""
    return [
        {
            "bailleur": b.nom,
            "type_bailleur": b.type_bailleur,
            "variantes_nom": "|".join(b.variantes),
        }
        for b in LANDLORDS
    ]


def _event_day(rng: Rng, annee: int) -> date:
    """A working day of ``annee`` outside August and the Christmas holidays."""
    while True:
        day = date(annee, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
        if day.year == annee and day.weekday() < 5 and day.month != 8 and day < date(annee, 12, 20):
            return day


def _event_territory(world: World) -> tuple[str, str]:
    """Territory code of an event (EPCI SIREN, department or « region ») and its label."""
    rng = world.rng
    draw = rng.random()
    if draw < 0.35:
        return "region", world.nom_region
    if draw < 0.60:
        dep = pick(rng, [q.departement for q in world.qpv])
        return dep, DEPARTEMENTS.get(dep, f"département {dep}")
    q = pick(rng, world.qpv, [q.logements for q in world.qpv])
    return q.siren_epci, q.nom_epci


def _evenements(world: World) -> list[Row]:
    """Network meetings, co-trainings, trainings, webinars, visits and publications."""
    rng = world.rng
    rows = []
    for annee in world.years:
        events = []
        for _ in range(int(rng.integers(40, 71))):
            axe = int(pick_key(rng, {1: 0.18, 2: 0.22, 3: 0.15, 4: 0.18, 5: 0.14, 6: 0.13}))
            kind = str(pick_key(rng, LAICITE_TYPE_WEIGHTS if axe == 4 else EVENT_TYPE_WEIGHTS))
            territoire, lieu = _event_territory(world)
            subject = pick(rng, EVENT_SUBJECTS[axe])
            if axe == 4 and kind == "formation":
                subject = "plan « Valeurs de la République et laïcité »"
            if len(territoire) == 9 and rng.random() < 0.35:
                organisateur = fictitious(lieu)
            elif rng.random() < 0.12:
                organisateur = pick(rng, LANDLORDS).nom
            else:
                organisateur = "URH" if rng.random() < (0.6 if axe in (2, 3) else 0.3) else "IREV"
            (lo, hi), durations = EVENT_SIZE[kind]
            total = int(rng.integers(lo, hi + 1))
            audience = EVENT_AUDIENCE[kind]
            counts = rng.multinomial(total, list(audience.values())) if audience else []
            by_type = dict(zip(audience, (int(c) for c in counts), strict=True))
            row: Row = {
                "annee": annee,
                "date_evenement": _event_day(rng, annee),
                "axe": axe,
                "type_evenement": kind,
                "intitule": f"{EVENT_PREFIX[kind]} {subject} – {lieu}",
                "organisateur": organisateur,
                "territoire": territoire,
                "duree_heures": float(pick(rng, durations)) if durations else None,
            }
            for t in TYPES_ORGANISATION:
                row[f"participants_{t}"] = by_type.get(t, 0)
            if total:
                row["organisations_distinctes"] = min(
                    total, max(1, round(total * rng.uniform(0.3, 0.6)))
                )
            else:
                row["organisations_distinctes"] = int(rng.integers(1, 7))
            events.append(row)
        events.sort(key=lambda r: r["date_evenement"])
        for n, row in enumerate(events, start=1):
            rows.append({"id_evenement": f"EV-{annee}-{n:03d}", **row})
    return rows


def _bonnes_pratiques(world: World) -> list[Row]:
    """About 25 good practices spread over the years, in the roadmap's six axes."""
    rng = world.rng
    order = rng.permutation(len(PRACTICES))
    rows = []
    for rank, i in enumerate(order):
        axe, titre, resume, facteurs, ecueils = PRACTICES[int(i)]
        annee = world.years[rank * len(world.years) // len(PRACTICES)]
        s = pick(rng, world.stock, [x.logements for x in world.stock])
        q = s.qpv
        porteurs = {
            4: f"IREV, {s.bailleur.nom}, {fictitious(q.nom_epci)}",
            5: f"{fictitious(q.nom_epci)}, {s.bailleur.nom}",
            6: f"{s.bailleur.nom}, {pick(rng, ASSOCIATIONS)}",
        }.get(axe, f"{s.bailleur.nom}, {fictitious(f'Ville de {q.commune}')}")
        rows.append(
            {
                "annee": annee,
                "axe": axe,
                "titre": titre,
                "territoire": f"{q.commune}, quartier {q.nom} ({q.nom_epci})",
                "porteurs": porteurs,
                "resume": resume,
                "facteurs_cles_succes": facteurs,
                "ecueils": ecueils,
            }
        )
    rows.sort(key=lambda r: (r["annee"], r["axe"], r["titre"]))
    counters: dict[int, int] = {}
    for row in rows:
        counters[row["annee"]] = counters.get(row["annee"], 0) + 1
        row["id_pratique"] = f"BP-{row['annee']}-{counters[row['annee']]:02d}"
    return rows


def _ru_operations(world: World) -> list[Row]:
    """NPNRU operations, one row per year, committed and delivered dwellings cumulative."""
    rows = []
    for annee in world.years:
        for op in world.operations:
            if annee < op.premiere_annee:
                continue
            rows.append(
                {
                    "id_operation": op.id,
                    "annee": annee,
                    "code_qpv": op.qpv.code,
                    "maitre_ouvrage": op.maitre_ouvrage,
                    "nature": op.nature,
                    "logements_programmes": op.programmes,
                    "logements_engages": op.engages(annee),
                    "logements_livres": op.livres(annee),
                    "logements_reconstitues_hors_qpv": op.hors_qpv,
                    "cout_total_eur": op.cout,
                    "subvention_anru_eur": op.subvention,
                }
            )
    return rows


def _pseudonym(rng: Rng, prefix: str, used: set[str]) -> str:
    """A new pseudonymous identifier: ``prefix`` + 8 hexadecimal characters."""
    while True:
        ident = f"{prefix}{int(rng.integers(0, 2**32)):08x}"
        if ident not in used:
            used.add(ident)
            return ident


def _rehousing_weights(world: World, annee: int) -> dict[str, float]:
    """Households to rehouse per QPV in ``annee``: demolitions about to start weigh most."""
    weights: dict[str, float] = {}
    for op in world.operations:
        if op.nature != "demolition" or annee < op.premiere_annee:
            continue
        active = op.debut - 1 <= annee <= op.debut + op.duree
        weights[op.qpv.code] = weights.get(op.qpv.code, 0) + op.programmes * (
            1.0 if active else 0.15
        )
    return dict(sorted(weights.items()))


def _ru_relogements(world: World) -> list[Row]:
    """300–500 rehoused households a year (fewer in small regions); a few QPV with 1–4."""
    rng = world.rng
    scale = min(1.0, len({op.qpv.code for op in world.operations}) / 35)
    owners: dict[str, list[Stock]] = {}
    for s in world.stock:
        owners.setdefault(s.qpv.code, []).append(s)
    profile = {
        code: (rng.uniform(0.15, 0.40), rng.uniform(0.35, 0.60))
        for code in sorted({op.qpv.code for op in world.operations})
    }
    small = sorted(
        str(c) for c in rng.choice(sorted(profile), size=min(3, len(profile)), replace=False)
    )
    used: set[str] = set()
    rows = []
    for annee in world.years:
        weights = _rehousing_weights(world, annee)
        if not weights:
            continue
        p = np.array(list(weights.values()))
        total = round(int(rng.integers(300, 500)) * scale)
        counts = dict(zip(weights, rng.multinomial(total, p / p.sum()), strict=True))
        for code in small:
            if code in counts:
                counts[code] = int(rng.integers(1, 5))
        for code, n in counts.items():
            p_new, p_out = profile[code]
            stock = owners[code]
            for _ in range(int(n)):
                neuf = rng.random() < p_new
                charge = rng.normal(45 if neuf else 15, 20)
                rows.append(
                    {
                        "id_menage": _pseudonym(rng, "M-", used),
                        "annee": annee,
                        "code_qpv": code,
                        "bailleur": pick(rng, stock, [s.logements for s in stock]).bailleur.nom,
                        "type_destination": "neuf_moins_5_ans" if neuf else "parc_existant",
                        "hors_qpv": bool(rng.random() < p_out),
                        "evolution_reste_a_charge_eur_mois": None
                        if rng.random() < 0.07
                        else round(float(np.clip(charge, -30, 80)), 2),
                        "taille_menage": int(
                            pick(rng, range(1, 8), [0.30, 0.22, 0.17, 0.14, 0.09, 0.05, 0.03])
                        ),
                        "quartile_revenus": None
                        if rng.random() < 0.04
                        else int(pick(rng, (1, 2, 3, 4), [0.58, 0.24, 0.12, 0.06])),
                    }
                )
    return rows


def _tfpb_abattement(world: World) -> list[Row]:
    """Dwellings and abatement per landlord × QPV × year."""
    return [
        {
            "annee": t.annee,
            "bailleur": t.stock.bailleur.nom,
            "code_qpv": t.stock.qpv.code,
            "logements_concernes": t.logements,
            "montant_abattement_eur": t.abattement,
        }
        for t in world.tfpb
    ]


def _tfpb_actions(world: World) -> list[Row]:
    """3 to 12 valued actions per landlord × QPV × year, over the 8 national axes."""
    rng = world.rng
    index = {s: i for i, s in enumerate(world.stock)}
    axes = list(TFPB_WEIGHTS)
    rows = []
    for t in world.tfpb:
        if (t.stock.bailleur.nom, t.annee) == world.actions_absentes:
            continue
        n = int(rng.integers(3, 13))
        shares = rng.dirichlet(np.full(n, 2.0))
        for k, share in enumerate(shares, start=1):
            axe = int(pick(rng, axes, list(TFPB_WEIGHTS.values())))
            amount = round(t.valorise * float(share), 2)
            draw = rng.random()
            cofunding = (
                None
                if draw < 0.65
                else (0.0 if draw < 0.75 else round(amount * rng.uniform(0.1, 0.6), 2))
            )
            rows.append(
                {
                    "id_action": f"ACT-{t.annee}-{index[t.stock]:03d}-{k:02d}",
                    "annee": t.annee,
                    "bailleur": t.stock.bailleur.nom,
                    "code_qpv": t.stock.qpv.code,
                    "axe_tfpb": axe,
                    "intitule": pick(rng, TFPB_LABELS[axe]),
                    "montant_valorise_eur": amount,
                    "cofinancement_eur": cofunding,
                }
            )
    return rows


def _gusp(world: World) -> list[Row]:
    """One row per QPV × year; signed conventions rising from about 73 % to 85 %."""
    rng = world.rng
    draws = {q.code: rng.random() for q in world.qpv}
    rows = []
    for t, annee in enumerate(world.years):
        for q in world.qpv:
            if (q.siren_epci, annee) == world.gusp_absent:
                continue
            signed = draws[q.code] < 0.73 + 0.03 * t
            rows.append(
                {
                    "annee": annee,
                    "code_qpv": q.code,
                    "siren_epci": q.siren_epci,
                    "convention_gusp_signee": signed,
                    "diagnostics_en_marchant": int(
                        rng.integers(1, 7) if signed else rng.integers(0, 2)
                    ),
                    "comites_pilotage": int(rng.integers(1, 4)) if signed else 0,
                }
            )
    return rows


def _attributions(world: World) -> list[Row]:
    """Allocations per EPCI × landlord × year: several EPCI miss the 25 % first-quartile rule."""
    rng = world.rng
    pairs: dict[tuple[str, str], int] = {}
    for s in world.stock:
        key = (s.qpv.siren_epci, s.bailleur.nom)
        pairs[key] = pairs.get(key, 0) + s.logements
    pairs = dict(sorted(pairs.items()))
    targets = {
        siren: (rng.uniform(0.14, 0.29), rng.uniform(0.40, 0.65)) for siren, _ in world.epcis()
    }
    rows = []
    for t, annee in enumerate(world.years):
        for (siren, bailleur), dwellings in pairs.items():
            q1, q234 = targets[siren]
            in_qpv = max(1, round(dwellings * rng.uniform(0.05, 0.09)))
            outside = max(1, round(in_qpv * rng.uniform(1.2, 2.8)))
            p_q1 = float(np.clip(q1 + 0.008 * t + rng.normal(0, 0.02), 0.02, 0.6))
            p_q234 = float(np.clip(q234 + rng.normal(0, 0.03), 0.2, 0.9))
            rows.append(
                {
                    "annee": annee,
                    "siren_epci": siren,
                    "bailleur": bailleur,
                    "attributions_hors_qpv": outside,
                    "attributions_hors_qpv_q1": int(rng.binomial(outside, p_q1)),
                    "attributions_qpv": in_qpv,
                    "attributions_qpv_q234": int(rng.binomial(in_qpv, p_q234)),
                }
            )
    return rows


def _clauses_marches(world: World) -> list[Row]:
    """Hours worked and insertion hours per market × year."""
    return [
        {
            "id_marche": m.id,
            "annee": m.annee,
            "maitre_ouvrage": m.maitre_ouvrage,
            "type_marche": m.type_marche,
            "code_qpv": m.qpv.code if m.qpv else None,
            "siren_epci": m.siren_epci,
            "heures_totales": m.heures_totales,
            "heures_insertion_prevues": m.prevues,
            "heures_insertion_realisees": m.realisees,
        }
        for m in world.markets
    ]


_WOMEN_SHARE = {"travaux_anru": 0.12, "gusp": 0.35, "autre": 0.28}


def _beneficiary_profile(rng: Rng, world: World, market: Market) -> Row:
    """Profile of a new insertion beneficiary (stable across the person's contracts)."""
    resident = bool(rng.random() < 0.68)
    local = [q for q in world.qpv if q.siren_epci == market.siren_epci] or world.qpv
    age = str(pick_key(rng, {"moins_26": 0.30, "26_49": 0.52, "50_plus": 0.18}))
    qualification = str(
        pick_key(rng, {"infra_cap": 0.45, "cap_bep": 0.33, "bac": 0.17, "superieur": 0.05})
    )
    status = {"de_longue_duree": 0.38, "rsa": 0.27, "travailleur_handicape": 0.08, "autre": 0.15}
    if age == "moins_26" and qualification in ("infra_cap", "cap_bep"):
        status["jeune_sans_qualification"] = 0.60
    return {
        "resident_qpv": resident,
        "code_qpv": pick(rng, local).code if resident else None,
        "sexe": "F" if rng.random() < _WOMEN_SHARE[market.type_marche] else "H",
        "tranche_age": age,
        "niveau_qualification": qualification,
        "statut_entree": str(pick_key(rng, status)),
    }


def _clauses_beneficiaires(world: World) -> list[Row]:
    """Beneficiaries of each market × year, sharing its insertion hours; some in several."""
    rng = world.rng
    people: list[tuple[str, Row]] = []
    used: set[str] = set()
    outcomes = {
        "emploi_durable": 0.20,
        "emploi_transition": 0.23,
        "formation_qualifiante": 0.12,
        "sans_emploi": 0.33,
        "inconnue": 0.12,
    }
    rows = []
    for market in world.markets:
        if market.realisees <= 0:
            continue
        n = max(1, round(market.realisees / rng.uniform(200, 450)))
        hours = np.maximum(7.0, np.round(rng.dirichlet(np.full(n, 3.0)) * market.realisees * 2) / 2)
        here: set[str] = set()
        for h in hours:
            if people and rng.random() < 0.12:
                ident, profile = people[int(rng.integers(0, len(people)))]
                if ident in here:
                    continue
            else:
                ident, profile = (
                    _pseudonym(rng, "P-", used),
                    _beneficiary_profile(rng, world, market),
                )
                people.append((ident, profile))
            here.add(ident)
            rows.append(
                {
                    "id_personne": ident,
                    "id_marche": market.id,
                    "annee": market.annee,
                    **profile,
                    "heures_realisees": float(h),
                    "situation_6_mois": str(pick_key(rng, outcomes)),
                }
            )
    return rows


_ADVISERS_BY_YEAR = {2021: 0.8, 2022: 1.2, 2023: 1.1, 2024: 0.9, 2025: 0.75}
"""Rise then decline of the State-funded digital advisers programme."""


def _numerique(world: World) -> list[Row]:
    """Mediation places, digital advisers and fibre coverage (rising to about 95 %) per QPV."""
    rng = world.rng
    base = {q.code: (min(4.0, q.population / 2500), rng.uniform(40, 80)) for q in world.qpv}
    rows = []
    for t, annee in enumerate(world.years):
        for q in world.qpv:
            places, fibre_start = base[q.code]
            fibre = 100 - (100 - fibre_start) * 0.595**t
            advisers = rng.poisson(places * 0.6 * _ADVISERS_BY_YEAR.get(annee, 1.0))
            rows.append(
                {
                    "annee": annee,
                    "code_qpv": q.code,
                    "lieux_mediation": int(min(6, rng.poisson(places * (0.9 + 0.05 * t)))),
                    "conseillers_numeriques": int(min(4, advisers)),
                    "couverture_fibre_pct": None if rng.random() < 0.05 else round(fibre, 1),
                }
            )
    return rows


def _numerique_bailleurs(world: World) -> list[Row]:
    """Online requests rising from about 20 % to 55 %; most landlords have a tenant extranet."""
    rng = world.rng
    first, last = world.years[0], world.years[-1]
    never = pick(rng, LANDLORDS)
    rows = []
    for b in LANDLORDS:
        start, end = rng.uniform(15, 26), rng.uniform(45, 65)
        late = rng.random() < 0.25 and last > first
        opening = int(rng.integers(first + 1, last + 1)) if late else first - 1
        if b is never:
            opening = None
        for annee in world.years:
            share = start + (end - start) * (annee - first) / max(1, last - first)
            rows.append(
                {
                    "annee": annee,
                    "bailleur": b.nom,
                    "part_demandes_en_ligne_pct": round(
                        float(np.clip(share + rng.normal(0, 2), 0, 100)), 1
                    ),
                    "extranet_locataire": opening is not None and annee >= opening,
                }
            )
    rows.sort(key=lambda r: (r["annee"], r["bailleur"]))
    return rows


def _projets_innovation(world: World) -> list[Row]:
    """Innovation projects moving from idea to running, then finished or dropped."""
    rng = world.rng
    carriers = (
        [b.nom for b in LANDLORDS]
        + [fictitious(name) for _, name in world.epcis()]
        + list(ASSOCIATIONS)
    )
    rows = []
    for n, (axe, intitule) in enumerate(PROJECTS, start=1):
        start = int(rng.integers(world.years[0] - 3, world.years[-1] + 1))
        idea = int(rng.random() < 0.4)
        running = int(rng.integers(2, 5))
        outcome = "abandonne" if rng.random() < 0.2 else "termine"
        budget = float(round(rng.uniform(8_000, 350_000), -2))
        porteur = pick(rng, carriers)
        for annee in range(start, start + idea + running + 1):
            statut = (
                "idee"
                if annee < start + idea
                else ("en_cours" if annee < start + idea + running else outcome)
            )
            if annee in world.years:
                rows.append(
                    {
                        "id_projet": f"INNO-{n:03d}",
                        "annee": annee,
                        "axe": axe,
                        "porteur": porteur,
                        "intitule": intitule,
                        "statut": statut,
                        "budget_eur": None if statut == "idee" else budget,
                    }
                )
    rows.sort(key=lambda r: (r["annee"], r["id_projet"]))
    return rows


BUILDERS: dict[str, Callable[[World], list[Row]]] = {
    name: globals()[f"_{name}"] for name in PARTNER_TABLES if f"_{name}" in globals()
}
"""One function per partner table of the contract, named ``_<table>``: ``world → rows``."""
