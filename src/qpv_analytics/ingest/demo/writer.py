"""Write the demo tables the way French partners' tools export them, and the demo notice."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qpv_analytics.config import DEMO_MARKER, Paths, get_paths
from qpv_analytics.contract import PARTNER_TABLES, TABLES, Column, Table
from qpv_analytics.geography import DEFAULT_REGION, NATIONAL_LABEL
from qpv_analytics.ingest.demo.landlords import BY_NAME
from qpv_analytics.ingest.demo.tables import BUILDERS
from qpv_analytics.ingest.demo.world import SEED, Rng, Row, build_world, pick
from qpv_analytics.ingest.readers import SUFFIXES
from qpv_analytics.ingest.reference import QPV_2024_FILE
from qpv_analytics.quality.model import DataError

FIRST_YEAR, LAST_YEAR = 2021, 2025
"""Default years of demo data."""

VARIANT_SHARE = 0.03
"""Share of rows naming their landlord with a variant spelling (harmonised by the loader)."""

SINGLE_FILE_TABLES = ("bailleurs", "bonnes_pratiques")
"""Tables written as one file ``<table>/<table>.csv`` rather than one file per year."""

ECHELLES = ("regionale", "nationale")
"""Scales of the demo: one region (default), or the whole national QPV list over ten years."""

KEPT_FILES = ("README.md",)
"""Files that may already sit in ``data/raw/`` when the demo is generated."""


def _cell(col: Column, value: object) -> str:
    """Format one value as a French spreadsheet would export it."""
    if value is None:
        return ""
    if col.kind == "booleen":
        return "oui" if value else "non"
    if col.kind == "date":
        return value.strftime("%d/%m/%Y")  # type: ignore[attr-defined]
    if col.kind == "decimal":
        text = f"{float(value):.2f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text.replace(".", ",")
    if col.kind == "entier":
        return str(int(value))  # type: ignore[call-overload]
    return str(value)


def _with_variants(rows: list[Row], rng: Rng) -> list[Row]:
    """Spell the landlord with one of its variants in about 3 % of the rows."""
    out = []
    for row in rows:
        landlord = BY_NAME.get(str(row.get("bailleur")))
        if landlord and rng.random() < VARIANT_SHARE:
            row = {**row, "bailleur": pick(rng, landlord.variantes)}
        out.append(row)
    return out


def _write_csv(table: Table, rows: list[Row], path: Path) -> Path:
    """Write rows as ``;``-separated UTF-8 CSV with BOM, decimal commas and LF line endings."""
    unknown = sorted({k for row in rows for k in row} - set(table.column_names))
    if unknown:
        raise ValueError(f"{table.name} : colonnes hors contrat {unknown}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow(
            [_cell(c, row[c.name] if c.required else row.get(c.name)) for c in table.columns]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return path


def _write_table(table: Table, rows: list[Row], raw_dir: Path) -> list[Path]:
    """Write one table: a single file, or one file per year."""
    folder = raw_dir / table.name
    if table.name in SINGLE_FILE_TABLES:
        return [_write_csv(table, rows, folder / f"{table.name}.csv")]
    written = []
    for annee in sorted({int(r["annee"]) for r in rows}):
        part = [r for r in rows if r["annee"] == annee]
        written.append(_write_csv(table, part, folder / f"{table.name}_{annee}.csv"))
    return written


def _marker_text(region: str, first_year: int, last_year: int) -> str:
    """French notice written beside the demo files."""
    return (
        "DONNÉES DE DÉMONSTRATION — INVENTÉES\n"
        "\n"
        "Les fichiers de ce dossier ont été fabriqués par le générateur de démonstration de "
        f"qpv_analytics (module qpv_analytics.ingest.demo, graine {SEED}), pour la région "
        f"{region} et les années {first_year} à {last_year}.\n"
        "Seuls les codes et noms des quartiers prioritaires (géographie 2024), des communes et "
        "des EPCI sont réels. Les bailleurs (marqués « fictif »), les montants, les opérations, "
        "les événements, les ménages relogés et les bénéficiaires sont inventés.\n"
        "Ne citez pas ces chiffres et ne les publiez pas comme des résultats.\n"
        "\n"
        "Pour travailler sur les vraies données : videz ce dossier (y compris ce fichier) et "
        "déposez-y les fichiers envoyés par les partenaires.\n"
    )


def _national_marker_text(first_year: int, last_year: int, taille: float) -> str:
    """French notice written beside the national-size demo files."""
    size = "" if taille == 1 else f" (volumes réduits : taille {taille:g})"
    return (
        "DONNÉES DE DÉMONSTRATION — INVENTÉES — TAILLE NATIONALE\n"
        "\n"
        "Les fichiers de ce dossier ont été fabriqués par le générateur de démonstration de "
        f"qpv_analytics (module qpv_analytics.ingest.demo.national, graine {SEED}), pour "
        f"{NATIONAL_LABEL} (tous les QPV de la liste nationale) et les années {first_year} à "
        f"{last_year}{size}. Ils servent à mesurer les temps de calcul (benchmarks/"
        "bench_national.py) ; on les publie avec « region: FR » dans params/<année>.yaml.\n"
        "Seuls les codes et noms des quartiers prioritaires (géographie 2024), des communes et "
        "des EPCI sont réels. Les bailleurs (marqués « fictif »), les montants, les opérations, "
        "les événements, les ménages relogés et les bénéficiaires sont inventés.\n"
        "Ne citez pas ces chiffres et ne les publiez pas comme des résultats.\n"
    )


def _existing_files(raw_dir: Path) -> list[Path]:
    """Files already in ``raw_dir`` apart from README.md, hidden files and the demo marker."""
    if not raw_dir.exists():
        return []
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and p.name not in KEPT_FILES
        and not p.name.startswith(".")
        and p != raw_dir / DEMO_MARKER
    )


def generate(
    raw_dir: Path | None = None,
    region: str = DEFAULT_REGION,
    first_year: int | None = None,
    last_year: int = LAST_YEAR,
    echelle: str = "regionale",
    taille: float = 1.0,
) -> list[Path]:
    """Write invented demo files for every partner table of the contract.

    The QPV, communes and EPCI are the real ones of the region (2024 geography, read from the
    project's ``data/reference``); everything else is invented, drawn from one generator with
    a fixed seed, so two runs give the same bytes. A French notice (``config.DEMO_MARKER``) is
    written beside the files.

    With ``echelle="nationale"`` the files cover every QPV of the national list (1,609, the
    overseas collectivities included; publish them with ``region: FR``) over ten years by
    default, with the row-level volumes of :data:`.national.SIZES` (about 500,000 insertion
    beneficiaries and 200,000 rehoused households) times ``taille``: the inputs of
    ``benchmarks/bench_national.py``.

    Args:
        raw_dir: folder to fill (default: the project's ``data/raw``).
        region: INSEE code or name of the region (regional scale only).
        first_year: first year of data (default: 2021, or nine years before ``last_year`` at
            the national scale).
        last_year: last year of data.
        echelle: ``"regionale"`` (default) or ``"nationale"``.
        taille: size factor of the national row-level volumes, in ]0, 1] (tests use a
            small one); ignored at the regional scale.

    Returns:
        The files written, the marker last.

    Raises:
        DataError: when ``raw_dir`` already holds files other than README.md (partners' files
            are never overwritten), or when the region or the years are invalid.
    """
    paths = get_paths()
    raw_dir = Path(raw_dir) if raw_dir is not None else paths.raw
    if echelle not in ECHELLES:
        raise DataError(f"Échelle inconnue « {echelle} » : {' ou '.join(ECHELLES)}.")
    if echelle == "nationale":
        from qpv_analytics.ingest.demo.national import NATIONAL_YEARS

        first = last_year - NATIONAL_YEARS + 1 if first_year is None else first_year
        return _generate(raw_dir, paths, region, first, last_year, taille=taille)
    first = FIRST_YEAR if first_year is None else first_year
    return _generate(raw_dir, paths, region, first, last_year)


def _generate(
    raw_dir: Path,
    paths: Paths,
    region: str,
    first_year: int,
    last_year: int,
    taille: float | None = None,
) -> list[Path]:
    """Check ``raw_dir`` is free, then draw the world and write every table and the marker.

    ``taille`` given: the national-size demo (:mod:`.national`) instead of the region's.
    """
    if last_year < first_year:
        raise DataError(
            f"Années de démonstration incohérentes : {first_year} à {last_year}. À faire : "
            "donnez une première année inférieure ou égale à la dernière."
        )
    existing = _existing_files(raw_dir)
    if existing:
        listed = ", ".join(str(p.relative_to(raw_dir)) for p in existing[:5])
        more = f" et {len(existing) - 5} autre(s)" if len(existing) > 5 else ""
        raise DataError(
            f"Le dossier {raw_dir} contient déjà des fichiers ({listed}{more}) : les données de "
            "démonstration ne sont écrites que dans un dossier vide, pour ne jamais écraser les "
            "fichiers des partenaires. À faire : choisissez un autre dossier, ou déplacez "
            "ailleurs ces fichiers si vous voulez vraiment la démonstration."
        )
    from qpv_analytics.ingest.demo.national import NATIONAL_BUILDERS

    builders = BUILDERS if taille is None else NATIONAL_BUILDERS
    missing = sorted(set(PARTNER_TABLES) - set(builders))
    if missing:
        raise DataError(f"Tables du contrat sans générateur de démonstration : {missing}.")
    if taille is not None:
        from qpv_analytics.ingest.demo.national import write_national

        written, _ = write_national(
            raw_dir, paths, first_year, last_year, taille, SINGLE_FILE_TABLES
        )
        marker = raw_dir / DEMO_MARKER
        marker.write_bytes(_national_marker_text(first_year, last_year, taille).encode("utf-8"))
        return [*written, marker]
    world = build_world(region, list(range(first_year, last_year + 1)), paths)
    written = []
    for name in PARTNER_TABLES:
        table = TABLES[name]
        rows = BUILDERS[name](world)
        if any(c.references == "bailleur" for c in table.columns):
            rows = _with_variants(rows, world.rng)
        written += _write_table(table, rows, raw_dir)
    marker = raw_dir / DEMO_MARKER
    marker.write_bytes(_marker_text(world.region, first_year, last_year).encode("utf-8"))
    return [*written, marker]


def data_files(raw_dir: Path) -> list[Path]:
    """Files the loaders could read in ``raw_dir`` (CSV, text, Excel)."""
    return [p for p in _existing_files(raw_dir) if p.suffix.lower() in SUFFIXES]


def ensure_demo(paths: Paths | None = None, region: str = DEFAULT_REGION) -> bool:
    """Generate the demo data when ``data/raw`` holds no data file.

    Args:
        paths: project paths (default: current project).
        region: INSEE code or name of the region.

    Returns:
        True if the demo files were written, False if partners' data were already there.

    Raises:
        DataError: when ``data/raw`` holds no data file but other files (never overwritten).
    """
    paths = paths or get_paths()
    if data_files(paths.raw):
        return False
    reference = paths if (paths.reference / QPV_2024_FILE).exists() else get_paths()
    _generate(paths.raw, reference, region, FIRST_YEAR, LAST_YEAR)
    return True
