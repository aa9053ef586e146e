"""State resources in the contrats de ville: adultes-relais and FONJEP posts (real ANCT files).

These are real public files shipped in ``data/reference/`` (one record per funded post: employer,
amount, contrat de ville, department). Like the context indicators they carry ``axis=0``.
"""

from __future__ import annotations

import pandas as pd

from qpv_analytics.indicators.compute import compute
from qpv_analytics.indicators.model import Indicator, register, select
from qpv_analytics.ingest import reference
from qpv_analytics.params import RunParams

for _key, _label in reference.SCHEMES.items():
    register(
        Indicator(
            code=f"etat_postes_{_key}",
            label=f"Postes {_label} financés par l'État",
            axis=0,
            definition=f"Postes {_label} financés par l'État dans les contrats de ville de la "
            "région (fichier public de l'ANCT, une ligne par poste).",
            formula="Nombre de postes",
            unit="postes",
            sources=(f"fichier public ANCT « postes {_label} » (data/reference)",),
            numerator="poste",
            where={"dispositif": _key},
            levels=("region", "departement", "epci"),
            tags=frozenset({"ressources_etat"}),
        ),
        Indicator(
            code=f"etat_montant_{_key}_eur",
            label=f"Montant des postes {_label}",
            axis=0,
            definition=f"Somme des montants des postes {_label} inscrits au fichier de l'ANCT.",
            formula="Σ montant (€)",
            unit="€",
            sources=(f"fichier public ANCT « postes {_label} » (data/reference)",),
            numerator="montant_eur",
            where={"dispositif": _key},
            levels=("region", "departement", "epci"),
            tags=frozenset({"ressources_etat"}),
        ),
    )


STATE_CODES: tuple[str, ...] = tuple(
    code for key in reference.SCHEMES for code in (f"etat_postes_{key}", f"etat_montant_{key}_eur")
)
"""Codes of the State resources indicators, in report order."""


def posts_indicators(posts: pd.DataFrame, params: RunParams | None = None) -> pd.DataFrame:
    """Posts and amounts per scheme, year, region and department (tidy table)."""
    return compute(posts.assign(poste=1.0), select(axis=0, tags="ressources_etat"), params)


def posts_summary(posts: pd.DataFrame) -> pd.DataFrame:
    """One row per scheme and year: posts, amount, distinct employers, posts held by landlords."""
    if posts.empty:
        return pd.DataFrame(
            columns=["dispositif", "annee", "postes", "montant_eur", "employeurs", "bailleurs"]
        )
    out = (
        posts.groupby(["dispositif", "annee"], as_index=False)
        .agg(
            postes=("employeur", "size"),
            montant_eur=("montant_eur", lambda s: s.sum(min_count=1)),
            employeurs=("employeur", "nunique"),
            bailleurs=("employeur_bailleur", "sum"),
        )
        .sort_values(["dispositif", "annee"], ignore_index=True)
    )
    out["bailleurs"] = out["bailleurs"].astype(int)
    return out
