"""Real public reference files shipped in ``data/reference/``: QPV, contrats de ville, posts."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import TABLES
from qpv_analytics.issues import DataError

QPV_2024_FILE = "qpv2024-contours-simplifies.geojson"
CONTRATS_FILE = "contrats-de-ville-2024.json"
CONTEXT_2024_FILE = "qpv2024-indicateurs.csv"
ADULTES_RELAIS = "adulte-relais-{annee}.json"
FONJEP = "postes-fonjep-{annee}.json"
CONSEILLERS_NUMERIQUES = "conseillers-numeriques-2022.json"
FRANCE_SERVICES = "france-services-2021.geojson"


def _read_json(path: Path):
    if not path.exists():
        raise DataError(
            f"Fichier de référence absent : data/reference/{path.name}. À faire : restaurez-le "
            "depuis le dépôt (git checkout -- data/reference)."
        )
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _national_qpv(root: Path) -> pd.DataFrame:
    features = _read_json(root / QPV_2024_FILE)["features"]
    return pd.DataFrame([f["properties"] for f in features])


def regions(paths: Paths | None = None) -> dict[str, str]:
    """Return the regions of the 2024 QPV list: INSEE code → name."""
    paths = paths or get_paths()
    nat = _national_qpv(paths.reference).dropna(subset=["insee_reg"])
    return dict(sorted(zip(nat["insee_reg"], nat["lib_reg"], strict=True)))


def epci_names(paths: Paths | None = None) -> dict[str, str]:
    """Return EPCI SIREN → name, from the contrats de ville, completed by the context file."""
    paths = paths or get_paths()
    names: dict[str, str] = {}
    ctx = paths.reference / CONTEXT_2024_FILE
    if ctx.exists():
        frame = pd.read_csv(ctx, dtype=str, usecols=["siren_epci", "lib_epci"]).dropna()
        names.update(dict(zip(frame["siren_epci"], frame["lib_epci"], strict=True)))
    for feat in _read_json(paths.reference / CONTRATS_FILE)["features"]:
        prop = feat["properties"]
        names[prop["codgeo"]] = prop["lib_cv"].split(" - ", 1)[-1]
    return names


def qpv_reference(region: str, paths: Paths | None = None) -> pd.DataFrame:
    """Return the contract table ``qpv`` (QPV × commune) of one region, 2024 geography.

    A QPV over several EPCI is attached to the first one listed (assumption logged in
    ``docs/hypotheses.md``); all of them are kept in ``siren_epci_tous``.

    Args:
        region: INSEE region code (``"32"``) or region name (``"Hauts-de-France"``).
        paths: project paths (default: current project).

    Raises:
        DataError: when the region is unknown.
    """
    paths = paths or get_paths()
    code = region_code(region, paths)
    nat = _national_qpv(paths.reference)
    sub = nat[nat["insee_reg"] == code]
    names = epci_names(paths)
    rows = []
    for _, r in sub.iterrows():
        communes = [c.strip() for c in str(r["insee_com"]).split(",")]
        libs = [c.strip() for c in str(r["lib_com"]).split(",")]
        if len(libs) != len(communes):
            libs = [str(r["lib_com"])] * len(communes)
        epcis = [e.strip() for e in str(r["siren_epci"]).split(",")]
        for com, lib in zip(communes, libs, strict=True):
            rows.append(
                {
                    "code_qpv": r["code_qp"],
                    "nom_qpv": r["lib_qp"],
                    "code_commune": com,
                    "nom_commune": lib,
                    "siren_epci": epcis[0],
                    "siren_epci_tous": "; ".join(epcis),
                    "nom_epci": names.get(epcis[0], f"EPCI {epcis[0]}"),
                    "code_departement": r["insee_dep"],
                    "code_region": code,
                    "geographie": "2024",
                }
            )
    table = TABLES["qpv"]
    frame = pd.DataFrame(rows, columns=table.column_names)
    return frame.astype({c.name: c.dtype for c in table.columns})


def region_code(region: str, paths: Paths | None = None) -> str:
    """Return the INSEE code of a region given by code or name (French error if unknown)."""
    known = regions(paths)
    region = str(region).strip()
    if region.zfill(2) in known:
        return region.zfill(2)
    by_name = {v.casefold(): k for k, v in known.items()}
    if region.casefold() in by_name:
        return by_name[region.casefold()]
    listed = ", ".join(f"{k} ({v})" for k, v in known.items())
    raise DataError(f"Région inconnue « {region} ». Régions disponibles : {listed}.")


def qpv_list(reference: pd.DataFrame) -> pd.DataFrame:
    """Collapse the QPV × commune reference to one row per QPV."""
    return reference.groupby("code_qpv", as_index=False).agg(
        nom_qpv=("nom_qpv", "first"),
        siren_epci=("siren_epci", "first"),
        nom_epci=("nom_epci", "first"),
        code_departement=("code_departement", "first"),
        communes=("nom_commune", lambda s: ", ".join(sorted(set(s)))),
    )


def epci_list(reference: pd.DataFrame) -> pd.DataFrame:
    """Return the EPCI of the region's QPV with their number of QPV."""
    qpv = qpv_list(reference)
    return (
        qpv.groupby(["siren_epci", "nom_epci"], as_index=False)
        .agg(nb_qpv=("code_qpv", "nunique"), code_departement=("code_departement", "first"))
        .sort_values(["code_departement", "nom_epci"], ignore_index=True)
    )


def contrats_de_ville(region_departements: list[str], paths: Paths | None = None) -> pd.DataFrame:
    """Return the 2024 contrats de ville of the region's departments."""
    paths = paths or get_paths()
    feats = _read_json(paths.reference / CONTRATS_FILE)["features"]
    frame = pd.DataFrame([f["properties"] for f in feats])
    frame = frame[frame["insee_dep"].isin(region_departements)]
    return frame.rename(columns={"codgeo": "siren_epci"}).reset_index(drop=True)


def state_posts(
    kind: str, annee: int, region: str, paths: Paths | None = None
) -> pd.DataFrame | None:
    """Return the State-funded posts (``adultes_relais`` or ``fonjep``) of a region and year.

    Returns ``None`` when no public file covers that year.
    """
    paths = paths or get_paths()
    pattern = {"adultes_relais": ADULTES_RELAIS, "fonjep": FONJEP}[kind]
    path = paths.reference / pattern.format(annee=annee)
    if not path.exists():
        return None
    frame = pd.DataFrame(_read_json(path))
    frame["insee_reg"] = frame["insee_reg"].astype(str).str.zfill(2)
    frame = frame[frame["insee_reg"] == region_code(region, paths)].copy()
    frame["montant"] = pd.to_numeric(frame["montant"], errors="coerce")
    return frame.reset_index(drop=True)


def digital_advisers(region: str, paths: Paths | None = None) -> pd.DataFrame:
    """Return the host structures of France Services digital advisers (2022) of a region."""
    paths = paths or get_paths()
    frame = pd.DataFrame(_read_json(paths.reference / CONSEILLERS_NUMERIQUES))
    frame = frame[frame["insee_reg"].astype(str) == region_code(region, paths)].copy()
    frame["en_qpv"] = frame["qpv"].astype(str).str.lower().eq("oui")
    return frame.reset_index(drop=True)


def france_services(departements: list[str], paths: Paths | None = None) -> pd.DataFrame:
    """Return the France services sites (2021) of the given departments."""
    paths = paths or get_paths()
    feats = _read_json(paths.reference / FRANCE_SERVICES)["features"]
    frame = pd.DataFrame([f["properties"] for f in feats])
    frame["code_departement"] = frame["DEPARTEMENT"].astype(str).str.zfill(2)
    return frame[frame["code_departement"].isin(departements)].reset_index(drop=True)


def import_context_files(params, paths: Paths | None = None) -> list:
    """Import every context file listed in the parameters (``qpv_analytics.context``).

    Raises:
        DataError: French message naming the file when it is missing or unreadable.
    """
    from qpv_analytics import context

    paths = paths or get_paths()
    imports = []
    for item in params.contexte:
        path = paths.root / item.fichier
        if not path.exists():
            raise DataError(
                f"Fichier de contexte introuvable : {item.fichier} (clé « contexte » de "
                f"params/{params.annee}.yaml). À faire : corrigez le chemin ou déposez le fichier."
            )
        region = None if params.referentiel_qpv == "contexte" else region_code(params.region, paths)
        try:
            imports.append(
                context.import_context(path, item.source, region=region, vintage=item.millesime)
            )
        except context.ContextImportError as exc:
            raise DataError(str(exc)) from None
    return imports


def qpv_for_params(params, paths: Paths | None = None) -> pd.DataFrame:
    """Return the QPV reference of a publication: ANCT 2024 list, or built from its context file."""
    paths = paths or get_paths()
    if params.referentiel_qpv == "anct_2024":
        return qpv_reference(params.region, paths)
    from qpv_analytics import context

    imports = import_context_files(params, paths)
    if not imports:
        raise DataError(
            "referentiel_qpv: contexte demande au moins un fichier dans la clé « contexte »."
        )
    frame = context.reference_from_context(imports[0], params.geographie_qpv)
    if "code_region" in frame.columns:
        frame["code_region"] = frame["code_region"].fillna(str(params.region))
    return frame
