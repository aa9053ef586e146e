"""Yearly publication: load, validate, execute notebooks, export HTML, swap in atomically."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from qpv_analytics import __version__, style
from qpv_analytics.config import (
    BUILD_ENV,
    DEMO_MARKER,
    KERNEL_NAME,
    LINEAGE_ENV,
    TEMPLATES_DIR,
    Paths,
    get_paths,
)
from qpv_analytics.contract import PARTNER_TABLES, TABLES
from qpv_analytics.formatting import NBSP
from qpv_analytics.geography import DEPARTEMENTS
from qpv_analytics.ingest import loaders, reference
from qpv_analytics.labels import REPORT_TITLES
from qpv_analytics.params import RunParams, load_params
from qpv_analytics.publish import build_plan, fingerprint, preflight
from qpv_analytics.publish.build_plan import Planned
from qpv_analytics.publish.fingerprint import input_inventory
from qpv_analytics.publish.html_export import french_typography
from qpv_analytics.publish.kernel_pool import Job, KernelPool, default_workers
from qpv_analytics.publish.notebook_parameters import declared_parameters
from qpv_analytics.publish.progress import Progress
from qpv_analytics.publish.run_lock import exclusive_run
from qpv_analytics.quality.model import DataError
from qpv_analytics.report import profiles
from qpv_analytics.report.reporting import qpv_list_source
from qpv_analytics.report.synthesis import SYNTHESIS_NAME

Echo = Callable[[str], None]
NOTEBOOK_PARAMETERS = {"annee"}
"""The only parameter the runner injects; every report notebook must declare it."""

PREPARED_TABLES = (*PARTNER_TABLES, "contexte", "territoires")
"""Tables :func:`prepare_data` writes to ``data/processed/`` (the QPV list stays a reference)."""

VARYING_FIELDS = {
    "index.html": "date et heure de la publication (« Publiée le … »)",
    build_plan.MANIFEST: "date, duree_s (de la publication et de chaque rapport) et reconstruit",
    "qualite/data_docs/": "pages Great Expectations : heure du contrôle (dans le nom de leur "
    "dossier et leur texte) et identifiants tirés au hasard par Great Expectations",
}
"""What differs between two publications of the same inputs, parameters, code and packages.

Keys are files or folders of the publication. Everything else — report and profile pages,
indicator tables, the quality summary page — is identical byte for byte (tested in
``tests/test_publication.py``). Recorded in the manifest (``champs_variables``).
"""


@dataclass
class RunRecord:
    """What a publication run did, for the index page and the manifest."""

    params: RunParams
    started: datetime
    reports: list[dict] = field(default_factory=list)
    inputs: list[dict] = field(default_factory=list)
    quality: dict = field(default_factory=dict)
    demo: bool = False
    profiles: list[dict] = field(default_factory=list)
    fingerprint: dict = field(default_factory=dict)
    seconds: float = 0.0


def discover_reports(params: RunParams, paths: Paths) -> list[Path]:
    """Return the report notebooks to run, validating their ``parameters`` cell.

    Raises:
        DataError: a requested report does not exist, or a notebook has no ``parameters``
            cell declaring ``annee`` (Papermill would only warn).
    """
    order = list(REPORT_TITLES)
    found = sorted(
        paths.notebooks.glob("*.ipynb"),
        key=lambda p: (order.index(p.stem) if p.stem in order else len(order), p.stem),
    )
    available = {p.stem: p for p in found}
    names = list(params.rapports) if params.rapports else list(available)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise DataError(
            f"Rapport(s) inconnu(s) dans params/{params.annee}.yaml (clé « rapports ») : "
            f"{', '.join(unknown)}. Rapports disponibles : {', '.join(available)}."
        )
    chosen = [available[n] for n in names]
    for nb in chosen:
        require_parameters(
            nb,
            NOTEBOOK_PARAMETERS,
            unreadable="ouvrez-le dans JupyterLab avec le noyau « Python (qpv-analytics) » et "
            "enregistrez-le.",
            missing="ajoutez l'étiquette « parameters » à la première cellule de code et "
            "déclarez-y « annee = … ».",
        )
    return chosen


def check_years(params: RunParams, results: dict[str, loaders.LoadResult]) -> None:
    """Refuse a publication year for which no partner table has any row.

    A project with no partner data at all (a region with only reference and context files)
    is accepted: its reports say that no data was received.
    """
    years: set[int] = set()
    for name, result in results.items():
        if name in PARTNER_TABLES and "annee" in result.data.columns:
            years |= {int(y) for y in result.data["annee"].dropna().unique()}
    if years and params.annee not in years:
        listed = ", ".join(str(y) for y in sorted(years))
        raise DataError(
            f"Aucune donnée des partenaires pour {params.annee} dans data/raw/ (années présentes : "
            f"{listed}). À faire : déposez les fichiers {params.annee} ou publiez une autre année "
            "(make reports ANNEE=…)."
        )


def profile_notebook(paths: Paths, kind: str) -> Path:
    """The parameterised notebook of one kind of profile, its parameters checked.

    Raises:
        DataError: when the notebook is missing or lacks its parameters.
    """
    notebook = paths.profile_notebooks / f"profil_{kind}.ipynb"
    if not notebook.exists():
        raise DataError(
            f"Notebook des profils absent : {notebook.relative_to(paths.root)}. À faire : "
            "restaurez-le depuis le dépôt (git checkout -- notebooks/profils)."
        )
    require_parameters(
        notebook,
        {"annee", kind},
        unreadable="restaurez-le depuis le dépôt (git checkout -- notebooks/profils).",
        missing="restaurez-le depuis le dépôt.",
    )
    return notebook


def require_parameters(notebook: Path, names: set[str], unreadable: str, missing: str) -> None:
    """Check that the ``parameters`` cell of a notebook declares ``names``.

    Args:
        notebook: the notebook file.
        names: the parameters it must declare.
        unreadable: what to do (French) when the notebook cannot be read.
        missing: what to do (French) when a parameter is not declared.

    Raises:
        DataError: the notebook cannot be read, or a parameter is missing (French message).
    """
    try:
        declared = declared_parameters(notebook)
    except ValueError as exc:
        raise DataError(
            f"Le notebook {notebook.name} ne peut pas être inspecté ({exc}). À faire : {unreadable}"
        ) from None
    lacking = names - declared
    if lacking:
        raise DataError(
            f"Le notebook {notebook.name} n'a pas de cellule « parameters » déclarant "
            f"{', '.join(sorted(lacking))}. À faire : {missing}"
        )


def plan_profiles(
    params: RunParams,
    paths: Paths,
    qpv,
    registry,
    notebooks: list[Path],
) -> list[profiles.Unit]:
    """The profiles of the run: published with the synthesis, as selected by ``profils``.

    Raises:
        DataError: a SIREN or landlord of ``profils`` unknown to the publication.
    """
    if "synthese" not in {nb.stem for nb in notebooks}:
        return []
    units = profiles.select_units(
        profiles.epci_units(qpv, DEPARTEMENTS), params.profils.epci, "EPCI", "epci"
    )
    units += profiles.select_units(
        profiles.landlord_units(registry), params.profils.bailleurs, "Bailleurs", "bailleurs"
    )
    for kind in sorted({u.kind for u in units}):
        profile_notebook(paths, kind)
    return units


def profile_job(
    unit: profiles.Unit,
    params: RunParams,
    paths: Paths,
    build: Path,
    audit: Path,
    env: dict[str, str],
) -> Job:
    """The execution of one profile notebook into ``build/profils/<file>``."""
    return Job(
        f"{profiles.PROFILE_FOLDER}/{unit.file}",
        profile_notebook(paths, unit.kind),
        {"annee": params.annee, unit.kind: unit.code},
        audit / profiles.PROFILE_FOLDER / f"{Path(unit.file).stem}.ipynb",
        profiles.profile_path(build, unit),
        f"{unit.title} — {params.annee}",
        env,
    )


def render_publication_index(record: RunRecord, build: Path) -> None:
    """Write ``index.html`` and ``manifest.json`` of the publication."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape())
    template = env.get_template("index.html.j2")
    region = region_name(record.params)
    received = {}
    for item in record.inputs:
        if item["type"] != "raw":
            continue
        parts = Path(item["fichier"]).parts
        table = parts[2] if len(parts) > 3 else Path(parts[-1]).stem
        received.setdefault(table, []).append(item)
    inputs = [
        {"table": name, "title": TABLES[name].title, "files": len(received.get(name, []))}
        for name in PARTNER_TABLES
    ]
    inputs += context_inputs(record.params)
    targets = record.params.cibles_locales
    target_rows = [
        (
            type(targets).model_fields[k].description,
            f"{v:g}".replace(".", ",") + (f"{NBSP}%" if k.endswith("_pct") else ""),
        )
        for k, v in targets.model_dump().items()
    ]
    indicator_files = sorted(p.stem for p in Paths.indicators_in(build).glob("*.csv"))
    accents = {r["rapport"]: style.accent(style.report_axis(r["rapport"])) for r in record.reports}
    groups: dict[str, dict[str, list[dict]]] = {"epci": {}, "bailleur": {}}
    for item in record.profiles:
        groups[item["type"]].setdefault(item["groupe"], []).append(item)
    page = template.render(
        profile_groups=groups,
        stylesheet=Markup(style.stylesheet()),
        accents=accents,
        targets=target_rows,
        indicator_files=indicator_files,
        record=record,
        params=record.params,
        region=region,
        qpv_list=qpv_list_source(record.params),
        version=__version__,
        date=record.started.strftime("%d/%m/%Y à %H:%M"),
        inputs=inputs,
    )
    (build / "index.html").write_text(french_typography(page), encoding="utf-8")
    manifest = {
        "annee": record.params.annee,
        "date": record.started.isoformat(timespec="seconds"),
        "duree_s": round(record.seconds, 1),
        "version_qpv_analytics": __version__,
        "git": fingerprint.git_commit(fingerprint.PACKAGE_DIR),
        "parametres": record.params.model_dump(mode="json"),
        "donnees_de_demonstration": record.demo,
        "validation": record.quality,
        "empreinte": record.fingerprint,
        "rapports": record.reports,
        "profils": record.profiles,
        "entrees": record.inputs,
        build_plan.SCANNED: build_plan.scanned_tables(build),
        "environnement": fingerprint.environment(),
        "champs_variables": VARYING_FIELDS,
    }
    (build / build_plan.MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def context_inputs(params: RunParams) -> list[dict]:
    """Rows of « Données reçues » for the context files of the parameters (key ``contexte``)."""
    from qpv_analytics.ingest.context_sources import SOURCES

    rows = []
    for item in params.contexte:
        vintage = f", millésime {item.millesime}" if item.millesime else ""
        rows.append(
            {
                "table": "contexte",
                "title": f"{TABLES['contexte'].title} : {Path(item.fichier).name} "
                f"({SOURCES[item.source].label}{vintage})",
                "files": 1,
            }
        )
    return rows


def region_name(params: RunParams) -> str:
    """Name of the region of a publication (:func:`reference.region_label`)."""
    return reference.region_label(params)


def replace_tree(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temporary folder, then swap it in."""
    tmp = target.with_name(f".{target.name}.nouveau")
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(source, tmp)
    swap_in(tmp, target)


def swap_in(build: Path, target: Path) -> None:
    """Replace ``target`` by ``build`` with renames only, so a failure leaves one of them whole."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.ancien")
    if old.exists() and not target.exists():  # a run killed between the two renames
        old.rename(target)
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    build.rename(target)
    if old.exists():
        shutil.rmtree(old)


def prepare_data(params: RunParams, paths: Paths, echo: Echo) -> dict[str, loaders.LoadResult]:
    """Generate demo data when ``data/raw`` is empty, then load every table to Parquet."""
    from qpv_analytics.ingest import demo

    if (
        params.demo_wanted
        and params.referentiel_qpv == "contexte"
        and not demo.data_files(paths.raw)
    ):
        raise DataError(
            f"donnees_demo: true (params/{params.annee}.yaml) avec referentiel_qpv: contexte : les "
            "données de démonstration portent les codes QPV 2024 (QN…) de la liste nationale, que "
            "la liste des QPV lue dans votre fichier de contexte refuserait. À faire : retirez "
            "« donnees_demo: true », ou publiez sur la liste nationale "
            "(referentiel_qpv: anct_2024)."
        )
    if params.demo_wanted and demo.ensure_demo(paths, region=params.region):
        echo(
            "   data/raw/ était vide : données de démonstration écrites (inventées, signalées "
            "comme telles dans chaque rapport)."
        )
    elif (paths.raw / DEMO_MARKER).exists():
        echo(
            f"   data/raw/ contient les données de démonstration (fichier {DEMO_MARKER}) : "
            "inventées, signalées comme telles dans chaque rapport. Pour publier vos données, "
            "videz data/raw/ (y compris ce fichier) et déposez-y les fichiers des partenaires."
        )
    elif not demo.data_files(paths.raw):
        if params.donnees_demo is False:
            why = " (« donnees_demo: false »)."
        elif params.referentiel_qpv == "contexte":
            why = (
                " pour cette région : elles portent les codes QPV 2024 de la liste nationale, "
                "pas ceux de votre fichier de contexte."
            )
        else:
            why = (
                " pour cette région ; pour en écrire, ajoutez « donnees_demo: true » dans "
                f"params/{params.annee}.yaml."
            )
        echo(
            "   data/raw/ ne contient aucun fichier des partenaires : les rapports le disent axe "
            f"par axe. Pas de données de démonstration{why}"
        )
    results = loaders.load_raw(paths)
    results["contexte"] = load_context(params, paths)
    results["territoires"] = load_territories(params, paths)
    loaders.write_processed(results, paths)
    rows = sum(len(r.data) for r in results.values())
    files = sum(len(r.files) for r in results.values())
    echo(f"   {files} fichiers lus, {rows} lignes chargées dans data/processed/.")
    return results


def load_context(params: RunParams, paths: Paths) -> loaders.LoadResult:
    """Import the context files of the parameters as one ``contexte`` table with its warnings."""
    import pandas as pd

    from qpv_analytics.quality.model import Issue

    imports = reference.import_context_files(params, paths)
    table = TABLES["contexte"]
    frames, issues, files = [], [], []
    for imp in imports:
        name = Path(imp.path).name
        files.append(Path(imp.path))
        frames.append(imp.data.assign(_fichier=name, _feuille=pd.NA, _ligne=pd.NA))
        for anomaly in imp.anomalies:
            issues.append(
                Issue(
                    "avertissement",
                    "contexte",
                    anomaly,
                    "rien : la valeur est écartée du rapport, pas publiée.",
                    file=name,
                )
            )
        secret = {k: v for k, v in imp.secret_cells.items() if v}
        if secret:
            detail = ", ".join(f"{k} : {v}" for k, v in secret.items())
            issues.append(
                Issue(
                    "avertissement",
                    "contexte",
                    f"cellules vides (secret statistique ou donnée absente), "
                    f"laissées vides et jamais comptées comme zéro — {detail}.",
                    "rien ; les moyennes indiquent leur couverture.",
                    file=name,
                )
            )
    data = pd.concat(frames, ignore_index=True) if frames else loaders.empty_table(table)
    data["_fichier"] = data["_fichier"].astype("string")
    data["_feuille"] = data["_feuille"].astype("string")
    data["_ligne"] = data["_ligne"].astype("Int64")
    return loaders.LoadResult("contexte", data, files, issues)


def load_territories(params: RunParams, paths: Paths) -> loaders.LoadResult:
    """Read the declared INSEE files of the englobing territories for the region."""
    import pandas as pd

    from qpv_analytics.ingest import territory_sources

    qpv = reference.qpv_for_params(params, paths)
    data, files, issues = territory_sources.load_territories(
        params.region, set(qpv["siren_epci"].dropna()), paths
    )
    data = data.assign(_feuille=pd.NA, _ligne=pd.NA)
    data["_feuille"] = data["_feuille"].astype("string")
    data["_ligne"] = data["_ligne"].astype("Int64")
    return loaders.LoadResult("territoires", data, files, issues)


def publish(
    year: int,
    paths: Paths | None = None,
    echo: Echo = print,
    wait_minutes: float = 0,
    rebuild_all: bool = False,
    workers: int | None = None,
) -> int:
    """Run the whole yearly publication; return the process exit code.

    Steps: parameters (validated before any kernel starts), the project's run lock (one run at
    a time, see :mod:`.run_lock`), pre-flight checks of the file system (:mod:`.preflight`),
    data preparation, quality gate (Great Expectations), notebooks (Papermill, in warm kernels
    run in parallel: :mod:`.kernel_pool`) and HTML exports (nbconvert) in a build folder,
    confidentiality scan, index and manifest, then an atomic switch of ``reports/<annee>/``.
    A refused or failed run leaves the previous publication untouched. The quality pages of
    every run, with one feedback page per data producer, are the team's and go to their own
    folder ``reports/qualite/<annee>/``; the shared publication keeps only their summary.

    The build is incremental (:mod:`.build_plan`): a run where nothing changed stops at once;
    otherwise the data are reloaded and revalidated only if an input, the parameters or the
    code changed, and each report is rebuilt only if something it depends on changed. The
    others are copied from the previous publication, then everything is scanned again.

    Args:
        year: publication year (``params/<annee>.yaml``).
        paths: project folders (default: the current project).
        echo: where the French progress lines go.
        wait_minutes: how long to wait for another run of the project (0: stop at once).
        rebuild_all: rebuild everything, reusing nothing of the previous publication.
        workers: worker processes (default: the cores available).
    """
    paths = paths or get_paths()
    echo(f"== Publication {year} ==")
    echo("1/5 Paramètres")
    params = load_params(year, paths)
    with exclusive_run(paths, f"publier --annee {year}", wait_minutes, echo):
        if not rebuild_all:
            manifest = build_plan.unchanged_publication(params, paths)
            if manifest:
                echo(build_plan.unchanged_message(manifest, paths))
                return 0
        preflight.check_publication(params, paths)
        return _publish(
            params,
            discover_reports(params, paths),
            paths,
            echo,
            rebuild_all,
            workers or default_workers(),
        )


def data_reusable(params: RunParams, paths: Paths, key: str, previous: dict) -> bool:
    """Whether ``data/processed/`` and the last quality gate were made from the same inputs."""
    try:
        stamp = json.loads(paths.data_stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    year = params.annee
    return (
        stamp == {"annee": year, "empreinte": key}
        and previous.get("empreinte", {}).get("donnees") == key
        and paths.quality_summary(year).is_file()
        and Paths.quality_in(paths.report_year(year)).is_dir()
        and all((paths.processed / f"{name}.parquet").is_file() for name in PREPARED_TABLES)
    )


def stamp_data(paths: Paths, year: int, key: str) -> None:
    """Record that ``data/processed/`` and the year's quality gate come from the data ``key``."""
    paths.data_stamp.write_text(json.dumps({"annee": year, "empreinte": key}), encoding="utf-8")


def read_prepared(
    paths: Paths, names: Iterable[str] = PREPARED_TABLES
) -> dict[str, loaders.LoadResult]:
    """The processed tables of an earlier run, as load results (no file read from data/raw/).

    Args:
        paths: project folders.
        names: the tables to read (default: every table :func:`prepare_data` writes).
    """
    return {name: loaders.LoadResult(name, loaders.read_processed(name, paths)) for name in names}


def report_job(notebook: Path, params: RunParams, build: Path, audit: Path) -> Job:
    """The execution of one report notebook into ``build/<name>.html``."""
    return Job(
        notebook.stem,
        notebook,
        {"annee": params.annee},
        audit / notebook.name,
        build / f"{notebook.stem}.html",
        f"{REPORT_TITLES.get(notebook.stem, notebook.stem)} — {params.annee}",
    )


def _plan(
    params: RunParams,
    paths: Paths,
    notebooks: list[Path],
    units: list[profiles.Unit],
    build: Path,
    audit_build: Path,
    previous: dict,
) -> list[Planned]:
    """Every report and profile of the run, with its fixed digest and its previous build."""
    context = build_plan.fixed_context(params, paths, input_inventory(paths, params))
    reads = audit_build / ".lectures"
    reads.mkdir()
    before = {e["html"]: e for e in previous.get("rapports", []) + previous.get("profils", [])}
    planned = [
        # The synthesis reads the other reports' tables: it runs after them, with the profiles.
        (
            report_job(nb, params, build, audit_build),
            {"rapport": nb.stem, "titre": REPORT_TITLES.get(nb.stem, nb.stem)},
            2 if nb.stem == SYNTHESIS_NAME else 1,
        )
        for nb in notebooks
    ]
    planned += [
        (
            profile_job(unit, params, paths, build, audit_build, {}),
            {"type": unit.kind, "code": unit.code, "nom": unit.name, "groupe": unit.group},
            2,
        )
        for unit in units
    ]
    items = []
    for number, (job, entry, stage) in enumerate(planned):
        lineage_file = reads / f"{number}.txt"
        job = replace(job, env={BUILD_ENV: str(build), LINEAGE_ENV: str(lineage_file)})
        html = job.html.relative_to(build).as_posix()
        items.append(
            Planned(
                job,
                stage,
                build_plan.fixed_digest(context, job.notebook, job.parameters),
                html,
                job.executed.relative_to(audit_build).as_posix(),
                lineage_file,
                entry,
                before.get(html),
            )
        )
    return items


def _run_reports(
    items: list[Planned],
    paths: Paths,
    build: Path,
    audit_build: Path,
    quality: dict,
    workers: int,
    echo: Echo,
    year: int,
) -> bool:
    """Reuse or rebuild every item, stage by stage; False (and a French message) on a failure."""
    published, audit = paths.report_year(year), paths.audit_year(year)
    clock = time.perf_counter()
    pool: KernelPool | None = None
    with Progress(len(items), echo) as progress:
        try:
            for stage in (1, 2):
                todo = []
                for item in (i for i in items if i.stage == stage):
                    if build_plan.is_current(item, paths, build, quality) and build_plan.carry_over(
                        item, published, audit, build, audit_build
                    ):
                        progress.report(item.html, item.seconds, rebuilt=False)
                    else:
                        todo.append(item)
                if not todo:
                    continue
                # Longest first (durations of the last build), so the cores finish together.
                todo.sort(key=lambda i: -float((i.previous or {}).get("duree_s", 0.0)))
                pool = pool or KernelPool(min(workers, len(items)))
                by_name = {i.job.name: i for i in todo}
                for result in pool.run(i.job for i in todo):
                    item = by_name[result.name]
                    if result.error:
                        progress.report(item.html, result.seconds, rebuilt=True, ok=False)
                        progress.close()
                        _report_failure(item, result, paths, year, echo)
                        return False
                    build_plan.record_build(item, result.seconds, paths, build, quality)
                    progress.report(item.html, result.seconds, rebuilt=True)
        finally:
            if pool is not None:
                pool.close()
        progress.close()
        for line in progress.summary(time.perf_counter() - clock):
            echo(line)
    return True


def _report_failure(item: Planned, result, paths: Paths, year: int, echo: Echo) -> None:
    """Keep the failed executed notebook and say, in French, where it failed."""
    kept = paths.failed_runs_dir(year)
    kept.mkdir(parents=True, exist_ok=True)
    target = kept / Path(item.executed).name
    if item.job.executed.exists():
        shutil.copy2(item.job.executed, target)
    where = f"à la cellule {result.failed_cell}" if result.failed_cell else "pendant son exécution"
    what = (
        f"Le rapport {item.job.notebook.name}"
        if "rapport" in item.entry
        else f"Le profil {Path(item.html).name}"
    )
    echo(
        f"{what} a échoué {where} ({result.error}). Publication {year} "
        "refusée ; la publication précédente est intacte. Notebook exécuté, avec l'erreur en "
        f"tête : {target.relative_to(paths.root)}"
    )


def _publish(
    params: RunParams,
    notebooks: list[Path],
    paths: Paths,
    echo: Echo,
    rebuild_all: bool = False,
    workers: int = 1,
) -> int:
    """The steps of :func:`publish` after the parameters, under the run lock."""
    from qpv_analytics.disclosure import scanner
    from qpv_analytics.quality.gate import run_quality_gate
    from qpv_analytics.quality.pages import share_quality_pages

    year = params.annee
    started = datetime.now()
    clock = time.perf_counter()
    qpv = reference.qpv_for_params(params, paths)
    echo(
        f"   région {params.region}, {qpv['code_qpv'].nunique()} QPV, "
        f"{len(notebooks)} rapport(s), période {params.years[0]}–{params.years[-1]}."
    )
    previous = {} if rebuild_all else build_plan.previous_manifest(paths, year)
    echo("2/5 Données")
    data_key = fingerprint.data_fingerprint(params, input_inventory(paths, params))
    reuse_data = not rebuild_all and data_reusable(params, paths, data_key, previous)
    if reuse_data:
        results = read_prepared(paths)
        echo(
            "   entrées, paramètres et code inchangés : tables de data/processed/ et contrôle "
            "qualité de la publication précédente repris, sans rien recharger."
        )
    else:
        results = prepare_data(params, paths, echo)
        # The demo data may have just been written: the key is that of what was loaded.
        data_key = fingerprint.data_fingerprint(params, input_inventory(paths, params))
    check_years(params, results)
    planned = plan_profiles(params, paths, qpv, results["bailleurs"].data, notebooks)
    echo("3/5 Contrôle qualité (Great Expectations)")
    for stale in paths.stale_build_dirs():  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    build = paths.new_build_dir(year)
    audit_build = build.with_name(build.name + "-audit")
    audit_build.mkdir()
    try:
        if reuse_data:
            summary = json.loads(paths.quality_summary(year).read_text(encoding="utf-8"))
            shutil.copytree(Paths.quality_in(paths.report_year(year)), Paths.quality_in(build))
            echo(f"   contrôle repris : {summary.get('statut', '')}.")
        else:
            quality = run_quality_gate(results, qpv, params, Paths.quality_in(build), paths)
            summary = quality.summary_dict()
            paths.quality_summary(year).write_text(
                json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8"
            )
            # The team's copy, with one feedback page per producer, is kept whatever the outcome.
            internal = paths.quality_dir(year)
            replace_tree(Paths.quality_in(build), internal)
            quality.out_dir = internal.relative_to(paths.root)
            echo(quality.summary_text())
            if quality.blocking:
                echo(
                    f"Publication {year} refusée : aucun rapport n'a été produit ; la publication "
                    f"précédente est intacte. Détail : {quality.out_dir}/index.html"
                )
                if (paths.raw / DEMO_MARKER).exists():
                    echo(
                        f"Attention : data/raw/ contient les données de démonstration "
                        f"({DEMO_MARKER}), écrites pour la région de démonstration. Si ces "
                        "erreurs portent sur des fichiers que vous n'avez pas envoyés, videz "
                        f"data/raw/ (y compris ce fichier) et écrivez « donnees_demo: false » "
                        f"dans params/{year}.yaml."
                    )
                return 1
            # The shared copy gives counts per producer but not each producer's rows.
            share_quality_pages(quality, results, Paths.quality_in(build))
        record = RunRecord(
            params, started, quality=summary, demo=(paths.raw / DEMO_MARKER).exists()
        )
        items = _plan(params, paths, notebooks, planned, build, audit_build, previous)
        profiles_line = (
            f", {sum(u.kind == 'epci' for u in planned)} profils d'EPCI et "
            f"{sum(u.kind == 'bailleur' for u in planned)} de bailleurs"
            if planned
            else ""
        )
        echo(
            f"4/5 Rapports ({len(notebooks)} rapport(s){profiles_line} ; Papermill, noyau "
            f"{KERNEL_NAME}, {min(workers, max(len(items), 1))} en parallèle)"
        )
        if not _run_reports(items, paths, build, audit_build, summary, workers, echo, year):
            return 1
        shutil.rmtree(audit_build / ".lectures", ignore_errors=True)
        record.reports = [build_plan.manifest_entry(i) for i in items if "rapport" in i.entry]
        record.profiles = [build_plan.manifest_entry(i) for i in items if "type" in i.entry]
        echo("5/5 Index, puis contrôle de confidentialité de tout ce qui sera partagé")
        record.inputs = input_inventory(paths, params)
        record.fingerprint = {
            **fingerprint.publication_fingerprint(params, paths, record.inputs),
            "donnees": data_key,
        }
        record.seconds = time.perf_counter() - clock
        render_publication_index(record, build)
        identifiers = personal_identifiers(results)
        findings = scanner.scan_publication(
            build, identifiers, params.confidentialite.seuil_effectif, qpv
        )
        if findings:
            echo(scanner.format_findings(findings))
            echo(f"Publication {year} refusée ; la publication précédente est intacte.")
            return 1
        (audit_build / "LISEZMOI.txt").write_text(
            "Notebooks exécutés conservés pour l'audit (paramètres, durées, sorties).\n"
            "Ils contiennent du code et des chemins locaux : NE PAS DIFFUSER.\n"
            "Seul le dossier reports/<année>/ est destiné aux partenaires.\n",
            encoding="utf-8",
        )
        swap_in(build, paths.report_year(year))
        swap_in(audit_build, paths.audit_year(year))
        stamp_data(paths, year, data_key)
    finally:
        for leftover in (build, audit_build):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    echo(
        f"Publication {year} terminée en {time.perf_counter() - clock:.0f} s : "
        f"{paths.report_year(year).relative_to(paths.root)}/index.html"
    )
    return 0


def changed_inputs(recorded: list[dict], current: list[dict]) -> list[str]:
    """Files of ``current`` that are new or differ from ``recorded``, and those gone from it."""
    before = {e["fichier"]: e["sha256"] for e in recorded}
    now = {e["fichier"]: e["sha256"] for e in current}
    return sorted(f for f in set(before) | set(now) if before.get(f) != now.get(f))


def personal_identifiers(results: dict[str, loaders.LoadResult]) -> set[str]:
    """Collect every pseudonymous identifier of the personal tables (for the scanner)."""
    ids: set[str] = set()
    for name, result in results.items():
        for col in TABLES[name].identifiers:
            ids |= {str(v) for v in result.data[col].dropna().unique()}
    return ids


def validate_only(
    year: int, paths: Paths | None = None, echo: Echo = print, wait_minutes: float = 0
) -> int:
    """Load and check the data of a year, write ``reports/qualite/<annee>/``, publish nothing.

    The processed tables and the quality summary it leaves are what the notebooks read when an
    analyst runs them by hand (``make lab``).

    Like :func:`publish`, it holds the project's run lock and checks the file system first.
    """
    from qpv_analytics.quality.gate import run_quality_gate

    paths = paths or get_paths()
    params = load_params(year, paths)
    with exclusive_run(paths, f"valider --annee {year}", wait_minutes, echo):
        preflight.check_validation(params, paths)
        qpv = reference.qpv_for_params(params, paths)
        results = prepare_data(params, paths, echo)
        check_years(params, results)
        target = paths.quality_dir(year)
        if target.exists():
            shutil.rmtree(target)
        quality = run_quality_gate(results, qpv, params, target, paths)
        # The notebooks run by hand (make lab) read the quality notices of the latest check.
        paths.quality_summary(year).write_text(
            json.dumps(quality.summary_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        quality.out_dir = target.relative_to(paths.root)
        echo(quality.summary_text())
        return 1 if quality.blocking else 0
