"""Profiles of one contrat de ville (EPCI) or one landlord across the whole roadmap.

A profile reads the indicator tables the axis reports of the same run exported (like the
synthesis: nothing is recomputed, so every figure is the row of an axis table, masked values
included) and shows them for one unit: its value for the last years, the region's, the target
and the unit's status when the target binds it. A short reading per axis is generated from
the figures with the rule stated (:data:`READING_RULE`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qpv_analytics import formatting
from qpv_analytics.config import get_paths
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.indicators import REGISTRY, obligations
from qpv_analytics.ingest import reference
from qpv_analytics.ingest.loaders import read_processed
from qpv_analytics.labels import AXES, REPORT_TITLES, STATUS_LABELS, axis_title
from qpv_analytics.params import load_params
from qpv_analytics.quality.model import DataError
from qpv_analytics.report import reporting, synthesis

PROFILE_FOLDER = "profils"
"""Sub-folder of a publication holding the profiles."""

KINDS = {"epci": "contrat de ville (EPCI)", "bailleur": "bailleur social"}
"""Kinds of profile: the indicator level of the unit → French name."""

LEVELS = {"epci": ("epci",), "bailleur": ("bailleur", "maitre_ouvrage")}
"""Indicator levels read for each kind: a landlord is also a project owner (renewal
operations, markets with insertion clauses)."""

LEVEL_SUFFIX = {"maitre_ouvrage": " — en maîtrise d'ouvrage"}
"""Added to an indicator's name when the row is the unit's as project owner."""

READING_GAP = 0.10
"""Relative gap to the region that makes a rate a strength or a weakness (10 %)."""

READING_RULE = (
    "Règle de lecture : un indicateur est un point fort quand sa cible, qui engage "
    "l'unité, est atteinte, ou, sans cible qui l'engage, quand son taux s'écarte d'au moins 10 % "
    "de la valeur régionale dans le sens souhaité ; un point faible dans le cas contraire. Les "
    "montants et les effectifs ne se comparent pas à ceux de la région (ils dépendent de la "
    "taille du territoire)."
)
"""The rule of the generated reading, printed under it."""

_YEARS_SHOWN = 3

AXES_SHOWN = tuple(AXES)
"""Axes of the roadmap, each a section of every profile."""


def slug(text: str) -> str:
    """ASCII file-name form of a name (``Logis de l'Opale`` → ``logis-de-l-opale``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "sans-nom"


@dataclass(frozen=True)
class Unit:
    """One profiled unit: its kind, code (SIREN or landlord name), name and group."""

    kind: str
    code: str
    name: str
    group: str

    @property
    def file(self) -> str:
        """File name of the profile in :data:`PROFILE_FOLDER`."""
        key = self.code if self.kind == "epci" else slug(self.code)
        return f"{self.kind}-{key}.html"

    @property
    def title(self) -> str:
        """Title of the profile page."""
        return f"Profil — {self.name}"


def epci_units(qpv: pd.DataFrame, departments: dict[str, str]) -> list[Unit]:
    """The EPCI of the publication's QPV, grouped by the department of their first QPV."""
    ref = qpv.dropna(subset=["siren_epci"]).drop_duplicates("siren_epci")
    units = [
        Unit("epci", str(s), str(n) if pd.notna(n) else str(s), departments.get(str(d), str(d)))
        for s, n, d in zip(ref["siren_epci"], ref["nom_epci"], ref["code_departement"], strict=True)
    ]
    return sorted(units, key=lambda u: (u.group, u.name.casefold()))


LANDLORD_TYPES = {
    "OPH": "Offices publics de l'habitat",
    "ESH": "Entreprises sociales pour l'habitat",
    "SEM": "Sociétés d'économie mixte",
    "COOP": "Coopératives HLM",
}
"""Family of a landlord (``type_bailleur`` of the registry) → French group title."""


def landlord_units(registry: pd.DataFrame) -> list[Unit]:
    """The landlords of the registry, grouped by family."""
    units = [
        Unit("bailleur", str(b), str(b), LANDLORD_TYPES.get(str(t), str(t)))
        for b, t in zip(registry["bailleur"], registry["type_bailleur"], strict=True)
    ]
    return sorted(units, key=lambda u: (u.group, u.name.casefold()))


def select_units(units: list[Unit], wanted, kind_label: str, key: str) -> list[Unit]:
    """Keep the units named in the parameters (``"tous"``: all); unknown names are refused.

    Raises:
        DataError: naming the unknown values and the known ones.
    """
    if wanted == "tous":
        return units
    by_code = {u.code.casefold(): u for u in units}
    unknown = [w for w in wanted if str(w).casefold() not in by_code]
    if unknown:
        known = ", ".join(f"{u.code}" for u in units[:50])
        raise DataError(
            f"Profil(s) inconnu(s) sous « profils: {key} » : {', '.join(map(str, unknown))}. "
            f"{kind_label} connus : {known}. À faire : corrigez la liste (ou écrivez « tous »)."
        )
    return [by_code[str(w).casefold()] for w in wanted]


@dataclass
class Profile:
    """What one profile shows, read once at the top of the notebook."""

    rep: reporting.Report
    unit: Unit
    results: pd.DataFrame
    _judged: dict = field(default_factory=dict, repr=False)
    _indexed: dict = field(default_factory=dict, repr=False)

    @property
    def annee(self) -> int:
        """Publication year."""
        return self.rep.annee

    @property
    def years(self) -> list[int]:
        """Years shown for the unit (the last ones of the trend window)."""
        return self.rep.params.years[-_YEARS_SHOWN:]

    def rows(self, level: str | None = None) -> pd.DataFrame:
        """Indicator rows of the unit (every year), or of the region with ``level="region"``."""
        r = self.results
        if level == "region":
            return r[r["niveau"] == "region"]
        return r[r["niveau"].isin(LEVELS[self.unit.kind]) & (r["code"] == self.unit.code)]

    def indexed(self, level: str | None = None) -> dict[tuple[str, str, int], dict]:
        """:meth:`rows` by (indicator, level, year), built once per profile (read-only)."""
        if level not in self._indexed:
            self._indexed[level] = _index(self.rows(level))
        return self._indexed[level]

    def binds(self, code: str, level: str) -> bool:
        """Whether the indicator's rows at this level carry a status of their own.

        The same notion as the synthesis (:func:`~qpv_analytics.indicators.obligations.
        judged_at`): the unit the target binds, a partner it also binds (the 25 % rule binds
        each landlord as well as each EPCI), or the finest published level when the data do
        not reach the unit (GUSP conventions, bound per QPV, judged per EPCI).
        """
        key = (code, level)
        if key not in self._judged:
            self._judged[key] = REGISTRY[code].targeted and obligations.judged_at(
                self.results, code, level
            )
        return self._judged[key]


def units_of(kind: str, qpv: pd.DataFrame, registry: pd.DataFrame) -> list[Unit]:
    """Every unit of a kind: the EPCI of the QPV list, or the landlords of the registry."""
    if kind == "epci":
        return epci_units(qpv, DEPARTEMENTS)
    if kind == "bailleur":
        return landlord_units(registry)
    raise DataError(f"Type de profil inconnu « {kind} » : {', '.join(KINDS)}.")


def find_unit(units: list[Unit], kind: str, code: str, annee: int) -> Unit:
    """The unit of that code (case ignored).

    Raises:
        DataError: naming the known codes.
    """
    found = {u.code.casefold(): u for u in units}.get(str(code).strip().casefold())
    if found is None:
        known = ", ".join(sorted(u.code for u in units)[:40])
        raise DataError(
            f"« {code} » n'est pas un {KINDS.get(kind, kind)} de la publication {annee}. "
            f"À faire : choisissez parmi : {known}."
        )
    return found


def open_profile_report(annee: int, kind: str, code: str) -> Profile:
    """Display the header of one profile and read the indicator tables of the run.

    Args:
        annee: publication year (the notebook's parameter).
        kind: ``epci`` or ``bailleur``.
        code: SIREN of the EPCI, or the landlord's name in the registry.

    Raises:
        DataError: when the unit is not an EPCI of the publication or a registered landlord.
    """
    paths = get_paths()
    params = load_params(annee, paths)
    qpv = reference.qpv_for_params(params, paths)
    registry = read_processed("bailleurs", paths) if kind == "bailleur" else pd.DataFrame()
    unit = find_unit(units_of(kind, qpv, registry), kind, code, annee)
    rep = reporting.open_report(annee, title=unit.title, paths=paths, qpv=qpv)
    results = synthesis.load_indicator_tables(paths.output_indicators_dir(annee))
    return Profile(rep=rep, unit=unit, results=results)


def report_link(axis: int) -> str | None:
    """Relative link from a profile to the report of an axis."""
    stem = next((s for s in REPORT_TITLES if s.startswith(f"axe{axis}_")), None)
    return f"../{stem}.html" if stem else None


def _value(row: dict | None) -> str:
    if row is None:
        return formatting.MISSING
    return synthesis.cell(row["valeur"], bool(row["secret"]), row["unite"])


def _index(rows: pd.DataFrame) -> dict[tuple[str, str, int], dict]:
    """Rows by (indicator, level, year), the last one kept (``iterrows`` was 60 % of a profile)."""
    keys = zip(rows["indicateur"], rows["niveau"], (int(a) for a in rows["annee"]), strict=True)
    return dict(zip(keys, rows.to_dict("records"), strict=True))


def _pairs(profile: Profile, rows: pd.DataFrame) -> list[tuple[str, str]]:
    """(indicator, level) of the unit's rows, in declaration order then level order."""
    present = set(zip(rows["indicateur"], rows["niveau"], strict=True))
    return [
        (code, level)
        for code in REGISTRY
        for level in LEVELS[profile.unit.kind]
        if (code, level) in present
    ]


def _comparable(unit: str) -> bool:
    """A rate or a value per unit compares with the region; a total does not."""
    return unit == "%" or "/" in unit or unit.startswith("€/")


def reading(profile: Profile, pairs: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Strengths and weaknesses of the unit among ``pairs`` for the year (:data:`READING_RULE`)."""
    annee = profile.annee
    own = profile.indexed()
    region = profile.indexed("region")
    strong, weak = [], []
    for code, level in pairs:
        row = own.get((code, level, annee))
        if row is None or bool(row["secret"]) or pd.isna(row["valeur"]):
            continue
        ind = REGISTRY[code]
        name = ind.header + LEVEL_SUFFIX.get(level, "")
        value = float(row["valeur"])
        text = synthesis.cell(value, False, ind.unit)
        if profile.binds(code, level) and row["statut"] in ("atteint", "non_atteint", "partiel"):
            target = formatting.with_unit(float(row["cible"]), ind.unit)
            item = f"{name} ({text}, cible {target})"
            (strong if row["statut"] == "atteint" else weak).append(item)
            continue
        reg = region.get((code, "region", annee))
        if (
            not _comparable(ind.unit)
            or reg is None
            or bool(reg["secret"])
            or pd.isna(reg["valeur"])
        ):
            continue
        ref = float(reg["valeur"])
        if ref == 0:
            continue
        gap = (value - ref) / abs(ref)
        better = gap >= READING_GAP if ind.direction == "hausse" else gap <= -READING_GAP
        worse = gap <= -READING_GAP if ind.direction == "hausse" else gap >= READING_GAP
        item = f"{name} ({text} contre {synthesis.cell(ref, False, ind.unit)} pour la région)"
        if better:
            strong.append(item)
        elif worse:
            weak.append(item)
    return strong, weak


def pairs_table(profile: Profile, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """The unit's last years, the region, the target that binds it and its status.

    A masked value shows « s », a missing one « – ».
    """
    own = profile.indexed()
    region = profile.indexed("region")
    annee = profile.annee
    table = []
    for code, level in pairs:
        ind = REGISTRY[code]
        line = {"Indicateur": ind.header + LEVEL_SUFFIX.get(level, "")}
        for year in profile.years:
            line[str(year)] = _value(own.get((code, level, year)))
        line[f"Région {annee}"] = _value(region.get((code, "region", annee)))
        row = own.get((code, level, annee))
        binds = profile.binds(code, level)
        line["Cible"] = (
            formatting.with_unit(ind.target_value(profile.rep.params), ind.unit)
            if binds
            else formatting.MISSING
        )
        if row is None or not binds:
            line["Statut"] = formatting.MISSING
        elif bool(row["secret"]):
            line["Statut"] = "s"
        else:
            line["Statut"] = STATUS_LABELS.get(row["statut"], formatting.MISSING)
        table.append(line)
    return pd.DataFrame(table)


def axis_pairs(profile: Profile, axis: int) -> list[tuple[str, str]]:
    """(indicator, level) pairs of one axis that have a row for the unit."""
    rows = profile.rows()
    return _pairs(profile, rows[rows["axe"] == axis])


def axis_table(profile: Profile, axis: int) -> pd.DataFrame:
    """The unit's indicators of one axis (:func:`pairs_table`); empty without any row."""
    pairs = axis_pairs(profile, axis)
    return pairs_table(profile, pairs) if pairs else pd.DataFrame()


def missing_sentence(profile: Profile, axis: int) -> str:
    """The one sentence said when the unit has no figure on an axis."""
    title = axis_title(axis)
    if profile.unit.kind == "bailleur":
        return (
            f"{profile.unit.name} n'a transmis aucune donnée pour l'axe {axis} "
            f"({AXES[axis]}) sur la période {profile.rep.params.years[0]}–{profile.annee}, ou "
            "ses données ne se rapportent pas à un bailleur sur cet axe : pas d'indicateur à "
            f"présenter (voir le rapport « {title} »)."
        )
    return (
        f"Aucune donnée ne concerne {profile.unit.name} pour l'axe {axis} ({AXES[axis]}) sur la "
        f"période {profile.rep.params.years[0]}–{profile.annee} : aucun partenaire n'a transmis "
        f"de donnée pour ce territoire (voir le rapport « {title} »)."
    )


def axis_section(profile: Profile, axis: int) -> None:
    """One axis of the profile: the table and its reading, or the one missing-data sentence."""
    link = report_link(axis)
    table = axis_table(profile, axis)
    if table.empty:
        reporting.notice(missing_sentence(profile, axis))
        return
    reporting.show_table(
        table,
        caption=f"{axis_title(axis)} — {profile.unit.name} : valeurs {profile.years[0]}–"
        f"{profile.annee}, valeur régionale, cible qui l'engage et statut (« s » : masqué par le "
        "secret statistique, « – » : sans donnée ou non concerné)",
        numeric=[c for c in table.columns if c not in ("Indicateur", "Statut")],
    )
    strong, weak = reading(profile, axis_pairs(profile, axis))
    parts = []
    if strong:
        parts.append("Points forts : " + " ; ".join(strong) + ".")
    if weak:
        parts.append("Points faibles : " + " ; ".join(weak) + ".")
    if not parts:
        parts.append("Ni point fort ni point faible selon la règle de lecture.")
    reporting.paragraph(" ".join(parts))
    if link:
        reporting.link_paragraph(
            f"Définitions et détail de l'axe : rapport « {axis_title(axis)} ».", link
        )


def obligations_table(profile: Profile) -> pd.DataFrame:
    """Every target that binds this kind of unit: the unit's value and whether it meets it."""
    own = profile.indexed()
    annee = profile.annee
    lines = []
    for code, ind in REGISTRY.items():
        for level in LEVELS[profile.unit.kind]:
            if not profile.binds(code, level):
                continue
            row = own.get((code, level, annee))
            if row is not None and bool(row["secret"]):
                status = "masqué (secret)"
            elif row is None or pd.isna(row["valeur"]):
                status = "sans donnée"
            else:
                status = STATUS_LABELS.get(row["statut"], row["statut"])
            lines.append(
                {
                    "Axe": str(ind.axis),
                    "Obligation ou cible": ind.header + LEVEL_SUFFIX.get(level, ""),
                    "Cible": formatting.with_unit(ind.target_value(profile.rep.params), ind.unit),
                    "Source": ind.target_source or formatting.MISSING,
                    f"Valeur {annee}": _value(row),
                    "Statut": status,
                }
            )
    return pd.DataFrame(lines)


def obligations_section(profile: Profile) -> None:
    """The obligations and targets that bind the unit, met or not."""
    table = obligations_table(profile)
    if table.empty:
        reporting.paragraph(
            f"Aucune cible de la feuille de route n'est jugée pour chaque "
            f"{KINDS[profile.unit.kind]} dans cette publication."
        )
        return
    met = int((table["Statut"] == STATUS_LABELS["atteint"]).sum())
    judged = int(
        table["Statut"]
        .isin([STATUS_LABELS[s] for s in ("atteint", "partiel", "non_atteint")])
        .sum()
    )
    reporting.paragraph(
        f"{len(table)} cible(s) sont jugées pour chaque {KINDS[profile.unit.kind]} ; en "
        f"{profile.annee}, "
        f"{profile.unit.name} en atteint {met} sur {judged} renseignée(s)."
    )
    reporting.show_table(
        table,
        caption=f"Cibles qui engagent {profile.unit.name}, {profile.annee}",
        numeric=["Cible", f"Valeur {profile.annee}"],
    )


def qpv_table(profile: Profile, numbers: dict[str, int]) -> pd.DataFrame:
    """The QPV of an EPCI with their number on the map, communes, population and poverty."""
    qpv = profile.rep.qpv[profile.rep.qpv["siren_epci"] == profile.unit.code]
    ctx = profile.results[
        (profile.results["niveau"] == "qpv")
        & profile.results["indicateur"].isin(
            ["ctx_population_municipale", "ctx_taux_pauvrete_60_pct"]
        )
    ]
    values = {(r["indicateur"], r["code"]): r for _, r in ctx.iterrows()}
    lines = []
    for code, group in qpv.groupby("code_qpv", sort=True):
        pop = values.get(("ctx_population_municipale", code))
        poverty = values.get(("ctx_taux_pauvrete_60_pct", code))
        lines.append(
            {
                "N°": str(numbers.get(code, formatting.MISSING)),
                "QPV": f"{group['nom_qpv'].iloc[0]} ({code})",
                "Commune(s)": ", ".join(dict.fromkeys(group["nom_commune"].dropna())),
                "Population": _value(pop),
                "Taux de pauvreté": _value(poverty),
            }
        )
    frame = pd.DataFrame(lines)
    return (
        frame.sort_values("N°", key=lambda s: pd.to_numeric(s, errors="coerce"))
        if len(frame)
        else frame
    )


def link_list(units: list[Unit], prefix: str = "") -> str:
    """HTML lists of profiles grouped by their group (department, family of landlord)."""
    groups: dict[str, list[Unit]] = {}
    for unit in units:
        groups.setdefault(unit.group, []).append(unit)
    parts = []
    for group, members in groups.items():
        items = "".join(
            f'<li><a href="{html.escape(prefix + PROFILE_FOLDER + "/" + u.file)}">'
            f"{html.escape(u.name)}</a></li>"
            for u in members
        )
        parts.append(f'<h3>{html.escape(group)}</h3><ul class="qpv-profils">{items}</ul>')
    return "".join(parts)


def profile_path(folder: Path, unit: Unit) -> Path:
    """Where a unit's profile is written in a publication folder."""
    return Path(folder) / PROFILE_FOLDER / unit.file


def method_paragraph(profile: Profile) -> None:
    """Where the figures come from, and the link back to the synthesis and the index."""
    reporting.paragraph(
        f"Sources : les tableaux d'indicateurs des rapports de la publication {profile.annee} "
        "(dossier « indicateurs »), lus sans recalcul ; les valeurs masquées le restent. Le "
        "statut n'est donné que pour une cible qui engage chaque "
        f"{KINDS[profile.unit.kind]} ; la valeur régionale situe les autres."
    )
    reporting.link_paragraph("Synthèse transversale de la publication", "../synthese.html")
    reporting.link_paragraph(
        "Accueil de la publication (tous les rapports et profils)", "../index.html"
    )
