"""One profile on demand (``make profil``), its kernel started before anything heavy is imported."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable

from qpv_analytics.config import BUILD_ENV, Paths, get_paths
from qpv_analytics.params import load_params
from qpv_analytics.publish.kernel_pool import KernelPool
from qpv_analytics.publish.run_lock import exclusive_run
from qpv_analytics.publish.warm_kernel import PROFILE_MODULES
from qpv_analytics.quality.model import DataError

Echo = Callable[[str], None]


def publish_profile(
    year: int,
    kind: str,
    code: str,
    paths: Paths | None = None,
    echo: Echo = print,
    wait_minutes: float = 0,
) -> int:
    """Build one profile on demand (``make profil``) beside the year's publication.

    The checks are those of :func:`~qpv_analytics.publish.publication.publish` (parameters,
    run lock, file system, quality gate, confidentiality scan). The profile reads the
    indicator tables of the publication, so the inputs and parameters must be the ones it was
    built from: otherwise the profile would disagree with the published reports, and the run
    stops with a French message.

    The worker's kernel is started as soon as the parameters are valid: its start and its
    imports (seconds) run on the second core while this process imports the library, checks
    the data and copies the tables. The confidentiality scan checks the new page against the
    published tables, which the publication's scan already passed (their digests are in the
    manifest); a table that changed since is checked again in full.

    Args:
        year: publication year.
        kind: ``epci`` or ``bailleur``.
        code: SIREN of the EPCI, or name of the landlord in the registry.
        paths: project folders (default: the current project).
        echo: where the French progress lines go.
        wait_minutes: how long to wait for another run of the project.

    Returns:
        0 when the profile was written, 1 when it was refused (the reason is echoed).
    """
    paths = paths or get_paths()
    echo(f"== Profil à la demande ({year}) ==")
    params = load_params(year, paths)
    with (
        exclusive_run(paths, f"profil --annee {year}", wait_minutes, echo),
        KernelPool(1) as pool,
    ):
        # The kernel starts while the data are checked, with a profile's imports only.
        pool.warm(paths.profile_notebooks, PROFILE_MODULES)
        return _build(params, kind, code, paths, echo, pool)


def _build(params, kind: str, code: str, paths: Paths, echo: Echo, pool: KernelPool) -> int:
    """The steps of :func:`publish_profile` under the run lock, the kernel starting."""
    from qpv_analytics.disclosure import scanner
    from qpv_analytics.ingest import reference
    from qpv_analytics.publish import build_plan, fingerprint, preflight, publication
    from qpv_analytics.quality.gate import run_quality_gate
    from qpv_analytics.report import profiles

    year = params.annee
    preflight.check_publication(params, paths)
    published = paths.report_year(year)
    manifest_path = published / build_plan.MANIFEST
    if not manifest_path.exists():
        raise DataError(
            f"Aucune publication {year} dans reports/{year}/ : un profil lit les tableaux "
            "d'indicateurs des rapports par axe. À faire : lancez d'abord « make reports »."
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    qpv = reference.qpv_for_params(params, paths)
    inventory = fingerprint.input_inventory(paths, params)
    data_key = fingerprint.data_fingerprint(params, inventory)
    checked = publication.data_reusable(params, paths, data_key, manifest)
    if checked:  # the tables and the quality gate of the publication itself
        # What the profile needs here: the landlords' registry, the identifiers to scan for.
        needed = [n for n in publication.PREPARED_TABLES if n == "bailleurs" or _personal(n)]
        results = publication.read_prepared(paths, needed)
    else:
        results = publication.prepare_data(params, paths, echo)
        inventory = fingerprint.input_inventory(paths, params)
    changed = publication.changed_inputs(manifest.get("entrees", []), inventory)
    if changed or manifest.get("parametres") != params.model_dump(mode="json"):
        what = (
            f"fichiers modifiés, ajoutés ou retirés : {', '.join(changed[:8])}"
            + (" …" if len(changed) > 8 else "")
            if changed
            else f"paramètres de params/{year}.yaml modifiés"
        )
        raise DataError(
            f"Les données ont changé depuis la publication {year} ({what}) : un profil "
            "construit maintenant ne concorderait pas avec les rapports publiés. À faire : "
            "relancez « make reports », qui refait aussi tous les profils."
        )
    registry = results["bailleurs"].data
    unit = profiles.find_unit(profiles.units_of(kind, qpv, registry), kind, code, year)
    for stale in paths.stale_build_dirs():
        shutil.rmtree(stale, ignore_errors=True)
    build = paths.new_build_dir(year)
    audit_build = build.with_name(build.name + "-audit")
    audit_build.mkdir()
    try:
        if not checked:
            quality = run_quality_gate(results, qpv, params, Paths.quality_in(build), paths)
            if quality.blocking:
                echo(quality.summary_text())
                echo("Profil refusé : les données ont des erreurs bloquantes.")
                return 1
            shutil.rmtree(Paths.quality_in(build), ignore_errors=True)
            # Same inputs as the publication (checked above): the next profile reuses them.
            publication.stamp_data(paths, year, fingerprint.data_fingerprint(params, inventory))
        shutil.copytree(paths.indicators_dir(year), Paths.indicators_in(build))
        job = publication.profile_job(
            unit, params, paths, build, audit_build, {BUILD_ENV: str(build)}
        )
        echo(f"   {unit.name} : exécution de {job.notebook.name}")
        result = next(pool.run([job]))
        if result.error:
            where = f"à la cellule {result.failed_cell} " if result.failed_cell else ""
            echo(f"Le profil {unit.file} a échoué {where}({result.error}) ; rien n'est modifié.")
            return 1
        findings = scanner.scan_publication(  # the profile against the published tables
            build,
            publication.personal_identifiers(results),
            params.confidentialite.seuil_effectif,
            qpv,
            checked=build_plan.still_scanned(manifest, build),
        )
        if findings:
            echo(scanner.format_findings(findings))
            echo("Profil refusé par le contrôle de confidentialité ; rien n'est modifié.")
            return 1
        target = profiles.profile_path(published, unit)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(job.html, target)
    finally:
        for leftover in (build, audit_build):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)
    echo(f"Profil écrit : {target.relative_to(paths.root)}")
    return 0


def _personal(name: str) -> bool:
    """Whether a table holds identifiers of persons or households."""
    from qpv_analytics.contract import TABLES

    return bool(TABLES[name].identifiers)
