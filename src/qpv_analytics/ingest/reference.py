"""Real public reference files shipped in ``data/reference/``: QPV, contrats de ville, posts."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import TABLES, SourceChecks
from qpv_analytics.geography import (
    NATIONAL_LABEL,
    NATIONAL_NAMES,
    NATIONAL_REGION,
    REGION_DEPARTEMENTS,
    REGIONS,
)
from qpv_analytics.ingest import context
from qpv_analytics.ingest.context_sources import ContextImportError
from qpv_analytics.quality.model import DataError

QPV_2024_FILE = "qpv2024-contours-simplifies.geojson"
CONTRATS_FILE = "contrats-de-ville-2024.json"
CONTRATS_2015_FILE = "contrats-de-ville-2015.json"
ADULTES_RELAIS = "adulte-relais-{annee}.json"
FONJEP = "postes-fonjep-{annee}.json"
CONSEILLERS_NUMERIQUES = "conseillers-numeriques-2022.json"

SCHEMES = {"adultes_relais": "Adultes-relais", "fonjep": "FONJEP"}
"""State-funded post schemes: key of :func:`read_state_posts` → French label."""

POST_FILES = {"adultes_relais": ADULTES_RELAIS, "fonjep": FONJEP}
"""File name pattern of each scheme's yearly public file in ``data/reference/``."""

POST_CHECKS = {
    key: SourceChecks(
        source=key,
        title=f"Postes {label} financés par l'État (fichier public de l'ANCT)",
        record_label="postes",
        amount="montant_eur",
        amount_in_file="montant",
        year_change=True,
    )
    for key, label in SCHEMES.items()
}
"""Plausibility rules of the posts files (records of :func:`state_posts`)."""

LANDLORD_WORDS = r"\b(?:HABITAT|HLM|LOGEMENT|LOGIS|OPH|OFFICE PUBLIC)\b"
"""Words that mark an employer as a social landlord in the ``raison_sociale`` of a post."""


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


@lru_cache(maxsize=4)
def _regions(root: Path) -> tuple[tuple[str, str], ...]:
    nat = _national_qpv(root).dropna(subset=["insee_reg"])
    return tuple(dict(sorted(zip(nat["insee_reg"], nat["lib_reg"], strict=True))).items())


def regions(paths: Paths | None = None) -> dict[str, str]:
    """Return the regions of the 2024 QPV list: INSEE code → name."""
    paths = paths or get_paths()
    return dict(_regions(paths.reference))


def epci_names(paths: Paths | None = None) -> dict[str, str]:
    """Return EPCI SIREN → name, from the contrats de ville, completed by the context file."""
    paths = paths or get_paths()
    names: dict[str, str] = {}
    ctx = paths.default_context
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
    ``docs/hypotheses.md``); all of them are kept in ``siren_epci_tous``. A QPV the list
    attaches to no EPCI (``NA``: Saint-Martin, French Polynesia) has a blank EPCI.

    Args:
        region: INSEE region code (``"32"``) or region name (``"Hauts-de-France"``), or
            :data:`~qpv_analytics.geography.NATIONAL_REGION` (``"FR"``) for the whole
            national list (its 1,609 QPV, overseas collectivities included).
        paths: project paths (default: current project).

    Raises:
        DataError: when the region is unknown.
    """
    paths = paths or get_paths()
    code = region_code(region, paths)
    nat = _national_qpv(paths.reference)
    sub = nat if code == NATIONAL_REGION else nat[nat["insee_reg"] == code]
    names = epci_names(paths)
    rows = []
    for _, r in sub.iterrows():
        communes = [c.strip() for c in str(r["insee_com"]).split(",")]
        libs = [c.strip() for c in str(r["lib_com"]).split(",")]
        if len(libs) != len(communes):
            libs = [str(r["lib_com"])] * len(communes)
        epcis = [e.strip() for e in str(r["siren_epci"]).split(",") if e.strip() != "NA"]
        first = epcis[0] if epcis else None
        for com, lib in zip(communes, libs, strict=True):
            rows.append(
                {
                    "code_qpv": r["code_qp"],
                    "nom_qpv": r["lib_qp"],
                    "code_commune": com,
                    "nom_commune": lib,
                    "siren_epci": first,
                    "siren_epci_tous": "; ".join(epcis) if epcis else None,
                    "nom_epci": names.get(first, f"EPCI {first}") if first else None,
                    "code_departement": r["insee_dep"],
                    "code_region": code,
                    "geographie": "2024",
                }
            )
    table = TABLES["qpv"]
    frame = pd.DataFrame(rows, columns=table.column_names)
    return frame.astype({c.name: c.dtype for c in table.columns})


def region_code(region: str, paths: Paths | None = None, referentiel: str | None = None) -> str:
    """Return the INSEE code of a region given by code or name.

    A region of the national QPV list is always recognised, by code (``"32"``, ``"2"`` →
    ``"02"``) or by name, and so is the whole list (``"FR"``, ``"France"``, ``"national"`` →
    :data:`~qpv_analytics.geography.NATIONAL_REGION`). Any other region depends on
    ``referentiel``:

    - ``"anct_2024"``: the region must be in the national list (French error otherwise);
    - ``"contexte"``: any non-blank code or name is accepted (a region known only through its
      parameters and its context file, such as an invented ``"99"``); digits are zero-padded;
    - ``None`` (caller that does not know the referential, e.g. the lists of State-funded
      posts): a code of 1 to 3 letters or digits is accepted (the publication has already
      checked it against its referential in :func:`qpv_for_params`), an unknown name is not.

    Args:
        region: INSEE code or name of the region.
        paths: project paths (default: current project).
        referentiel: ``params.referentiel_qpv`` (``"anct_2024"`` or ``"contexte"``), if known.

    Raises:
        DataError: French message listing the known regions.
    """
    known = regions(paths)
    region = str(region).strip()
    code = region.zfill(2) if region.isdigit() else region.upper()
    if code in known:
        return code
    if code == NATIONAL_REGION or region.casefold() in NATIONAL_NAMES:
        return NATIONAL_REGION
    by_name = {v.casefold(): k for k, v in known.items()}
    if region.casefold() in by_name:
        return by_name[region.casefold()]
    if region and referentiel == "contexte":
        return code if region.isalnum() and len(region) <= 3 else region
    if referentiel is None and region.isalnum() and len(region) <= 3:
        return code
    listed = ", ".join(f"{k} ({v})" for k, v in known.items())
    advice = (
        ""
        if referentiel == "contexte"
        else " Pour une région absente de cette liste, écrivez « referentiel_qpv: contexte » "
        "dans params/<année>.yaml : la liste des QPV est alors lue dans le fichier de contexte."
    )
    raise DataError(
        f"Région inconnue « {region} ». Régions disponibles : {listed} ; ou {NATIONAL_REGION} "
        f"({NATIONAL_LABEL}, toute la liste nationale).{advice}"
    )


def region_label(params, paths: Paths | None = None) -> str:
    """Name of the region of a publication, for its pages and its index.

    The name of the national QPV list, else of the official list of regions; a region known
    only through its parameters (``region: "99"``) is named by the publication title, or
    « Région <code> » when the title is the default one.
    """
    code = region_code(params.region, paths, referentiel=params.referentiel_qpv)
    name = regions(paths).get(code) or REGIONS.get(code)
    if code == NATIONAL_REGION:
        name = NATIONAL_LABEL
    if name:
        return name
    default_title = type(params).model_fields["titre"].default
    titre = params.titre.strip()
    return titre if titre and titre != default_title else f"Région {code}"


def qpv_list(reference: pd.DataFrame) -> pd.DataFrame:
    """Collapse the QPV × commune reference to one row per QPV."""
    return reference.groupby("code_qpv", as_index=False).agg(
        nom_qpv=("nom_qpv", "first"),
        siren_epci=("siren_epci", "first"),
        nom_epci=("nom_epci", "first"),
        code_departement=("code_departement", "first"),
        communes=("nom_commune", lambda s: ", ".join(sorted(set(s)))),
    )


def read_state_posts(
    kind: str, annee: int, region: str, paths: Paths | None = None
) -> pd.DataFrame | None:
    """Return the State-funded posts (``adultes_relais`` or ``fonjep``) of a region and year.

    Returns ``None`` when no public file covers that year.
    """
    paths = paths or get_paths()
    path = paths.reference / POST_FILES[kind].format(annee=annee)
    if not path.exists():
        return None
    frame = pd.DataFrame(_read_json(path))
    frame["insee_reg"] = frame["insee_reg"].astype(str).str.zfill(2)
    code = region_code(region, paths)
    if code != NATIONAL_REGION:
        frame = frame[frame["insee_reg"] == code].copy()
    frame["montant"] = pd.to_numeric(frame["montant"], errors="coerce")
    return frame.reset_index(drop=True)


def contract_epci(paths: Paths | None = None) -> dict[str, str]:
    """Return contrat de ville code → SIREN of its EPCI (2024 geography), 2015 and 2024 codes.

    A contract signed by a commune (``codgeo`` of 5 characters) is attached to the commune's
    EPCI through INSEE's composition; 2019 EPCI codes go through
    :data:`~qpv_analytics.geography.EPCI_CORRESPONDANCES`. A 2015 contract whose EPCI no
    longer exists (the 2017 mergers) is left out, never guessed: its posts still count for the
    department and the region.
    """
    from qpv_analytics.geography import EPCI_CORRESPONDANCES
    from qpv_analytics.ingest.territory_sources import read_composition

    paths = paths or get_paths()
    composition = read_composition(paths)
    commune_epci = dict(zip(composition["code_commune"], composition["siren_epci"], strict=True))
    mapping: dict[str, str] = {}
    current = set(composition["siren_epci"])
    if (paths.reference / CONTRATS_FILE).exists():
        current |= {
            str(f["properties"]["codgeo"])
            for f in _read_json(paths.reference / CONTRATS_FILE)["features"]
        }
    for name in (CONTRATS_2015_FILE, CONTRATS_FILE):  # the 2024 codes win
        path = paths.reference / name
        if not path.exists():
            continue
        for feat in _read_json(path)["features"]:
            prop = feat["properties"]
            code = str(prop.get("codgeo") or "")
            siren = commune_epci.get(code) if len(code) == 5 else code
            siren = EPCI_CORRESPONDANCES.get(siren, (siren, ""))[0] if siren else None
            if siren in current:
                mapping[str(prop["code_cv"])] = siren
    return mapping


def state_posts(region: str, years: list[int], paths: Paths | None = None) -> pd.DataFrame:
    """Return every adultes-relais and FONJEP post of the region for the years with a file.

    Returns:
        Columns ``dispositif, annee, code_departement, code_cv, siren_epci, employeur,
        montant_eur, _fichier, employeur_bailleur`` (``siren_epci``: EPCI of the contrat de
        ville, :func:`contract_epci`; ``_fichier``: the public file of the post; the last one
        flags social landlords from the employer's name).
    """
    frames = []
    for key in SCHEMES:
        for year in years:
            posts = read_state_posts(key, year, region, paths)
            if posts is None or posts.empty:
                continue
            frames.append(
                pd.DataFrame(
                    {
                        "dispositif": key,
                        "annee": year,
                        "code_departement": posts["insee_dep"].astype(str).str.zfill(2),
                        "code_cv": posts["code_cv"].astype(str),
                        "employeur": posts["raison_sociale"].astype(str),
                        "montant_eur": pd.to_numeric(posts["montant"], errors="coerce"),
                        "_fichier": POST_FILES[key].format(annee=year),
                    }
                )
            )
    columns = [
        "dispositif",
        "annee",
        "code_departement",
        "code_cv",
        "siren_epci",
        "employeur",
        "montant_eur",
        "_fichier",
    ]
    if not frames:
        return pd.DataFrame(columns=[*columns, "employeur_bailleur"])
    out = pd.concat(frames, ignore_index=True)
    out.insert(4, "siren_epci", out["code_cv"].map(contract_epci(paths)).astype("string"))
    out["employeur_bailleur"] = out["employeur"].str.upper().str.contains(LANDLORD_WORDS)
    return out


def digital_advisers(region: str, paths: Paths | None = None) -> pd.DataFrame:
    """Return the host structures of France Services digital advisers (2022) of a region."""
    paths = paths or get_paths()
    frame = pd.DataFrame(_read_json(paths.reference / CONSEILLERS_NUMERIQUES))
    code = region_code(region, paths)
    if code != NATIONAL_REGION:
        frame = frame[frame["insee_reg"].astype(str) == code].copy()
    frame["en_qpv"] = frame["qpv"].astype(str).str.lower().eq("oui")
    return frame.reset_index(drop=True)


def _in_params(exc: Exception, params) -> str:
    """A context import message naming the publication's own parameter file."""
    return str(exc).replace("params/<année>.yaml", f"params/{params.annee}.yaml")


def import_context_files(params, paths: Paths | None = None) -> list:
    """Import every context file listed in the parameters (:func:`context.import_context`).

    With ``referentiel_qpv: anct_2024`` the files are filtered on the region (not for the
    whole national list, ``region: FR``, where every row counts). With
    ``referentiel_qpv: contexte`` the files are filtered on the region only when it is a known
    INSEE region (national QPV list or built-in list of departments); otherwise (a region
    known only through its parameters) every row of the files belongs to the region.

    Raises:
        DataError: French message naming the file when it is missing or unreadable, or when
            it has no row for the region.
    """
    paths = paths or get_paths()
    code = region_code(params.region, paths, referentiel=params.referentiel_qpv)
    if code == NATIONAL_REGION or (
        params.referentiel_qpv == "contexte"
        and not (code in REGION_DEPARTEMENTS or code in regions(paths))
    ):
        region = None
    else:
        region = code
    imports = []
    for item in params.contexte:
        path = paths.root / item.fichier
        if not path.exists():
            raise DataError(
                f"Fichier de contexte introuvable : {item.fichier} (clé « contexte » de "
                f"params/{params.annee}.yaml). À faire : corrigez le chemin ou déposez le fichier."
            )
        try:
            imports.append(
                context.import_context(path, item.source, region=region, vintage=item.millesime)
            )
        except ContextImportError as exc:
            raise DataError(
                f"{_in_params(exc, params)} (fichier déclaré dans la clé « contexte » de "
                f"params/{params.annee}.yaml)"
            ) from None
    return imports


def qpv_for_params(params, paths: Paths | None = None) -> pd.DataFrame:
    """Return the QPV reference of a publication: ANCT 2024 list, or built from its context file.

    With ``referentiel_qpv: contexte`` the list comes from the first context file: department
    from the QPV code, communes and EPCI when the file has them (EPCI left blank otherwise),
    region = the region of the parameters (any code, even one absent from the national list).

    Raises:
        DataError: unknown region (``anct_2024``), no context file, or a file that cannot
            be read (``contexte``).
    """
    paths = paths or get_paths()
    code = region_code(params.region, paths, referentiel=params.referentiel_qpv)
    if params.referentiel_qpv == "anct_2024":
        return qpv_reference(code, paths)
    if not params.contexte:
        raise DataError(
            f"referentiel_qpv: contexte (params/{params.annee}.yaml) demande au moins un fichier "
            "dans la clé « contexte » : la liste des QPV est lue dans le premier."
        )
    imports = import_context_files(params, paths)
    try:
        frame = context.reference_from_context(imports[0], params.geographie_qpv)
    except ContextImportError as exc:
        raise DataError(
            f"{_in_params(exc, params)} (clé « geographie_qpv » de params/{params.annee}.yaml)"
        ) from None
    frame["code_region"] = pd.array([code] * len(frame), dtype="string")
    return frame
