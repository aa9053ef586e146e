"""Command-line interface (French): ``python -m qpv_analytics <commande>``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qpv_analytics.labels import SEVERITY_LABELS
from qpv_analytics.quality.model import DataError

_ARGPARSE_FR = {
    "the following arguments are required": "arguments obligatoires manquants",
    "invalid choice": "choix invalide",
    "invalid int value": "nombre entier invalide",
    "invalid float value": "nombre invalide",
    "unrecognized arguments": "arguments inconnus",
    "expected one argument": "une valeur est attendue",
    "choose from": "choisir parmi",
}


class _FrenchParser(argparse.ArgumentParser):
    """Argument parser whose help and errors are in French."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "commandes"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")

    def error(self, message: str) -> None:
        """Print a French usage error and exit with code 2."""
        for english, french in _ARGPARSE_FR.items():
            message = message.replace(english, french)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\nVoir « {self.prog} --help ».\n")


def _parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(
        prog="python -m qpv_analytics",
        description="qpv_analytics : observation et évaluation de la politique de la ville.",
        epilog="Les commandes habituelles passent par make : make help.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="commande", parser_class=_FrenchParser
    )
    pub = sub.add_parser("publier", help="publie les rapports d'une année (reports/<année>/)")
    pub.add_argument("--annee", type=int, required=True, help="année publiée (params/<année>.yaml)")
    val = sub.add_parser("valider", help="contrôle la qualité des données d'une année")
    val.add_argument("--annee", type=int, required=True, help="année contrôlée")
    for command in (pub, val):
        command.add_argument(
            "--attendre",
            type=float,
            default=0,
            metavar="MINUTES",
            help="si une autre exécution est en cours dans le projet, l'attendre au plus MINUTES "
            "minutes (par défaut : s'arrêter aussitôt)",
        )
    sub.add_parser("charger", help="charge data/raw/ vers data/processed/ (Parquet)")
    sub.add_parser("demo", help="écrit les données de démonstration dans data/raw/ s'il est vide")
    sub.add_parser("contrat", help="régénère data/README.md et les modèles data/modeles/")
    sub.add_parser("noyau", help="enregistre le noyau Jupyter « qpv-analytics » dans le venv")
    return parser


def _run(args: argparse.Namespace) -> int:
    from qpv_analytics.config import get_paths

    paths = get_paths()
    if args.command == "publier":
        from qpv_analytics.publish.publication import publish

        return publish(args.annee, paths, wait_minutes=args.attendre)
    if args.command == "valider":
        from qpv_analytics.publish.publication import validate_only

        return validate_only(args.annee, paths, wait_minutes=args.attendre)
    if args.command == "charger":
        from qpv_analytics.ingest import loaders
        from qpv_analytics.publish.run_lock import exclusive_run

        with exclusive_run(paths, "charger"):
            results = loaders.load_raw(paths)
            loaders.write_processed(results, paths)
        for issue in (i for r in results.values() for i in r.issues):
            print(issue.text())
        print(f"{sum(len(r.data) for r in results.values())} lignes chargées dans data/processed/.")
        return 0
    if args.command == "demo":
        from qpv_analytics.ingest import demo
        from qpv_analytics.publish.run_lock import exclusive_run

        with exclusive_run(paths, "demo"):
            done = demo.ensure_demo(paths)
        print(
            "Données de démonstration écrites dans data/raw/."
            if done
            else "data/raw/ contient déjà des fichiers : rien n'a été écrit."
        )
        return 0
    if args.command == "noyau":
        from qpv_analytics.publish.kernel import register_kernel

        print(f"Noyau Jupyter enregistré : {register_kernel()}")
        return 0
    if args.command == "contrat":
        from qpv_analytics import docs

        for path in docs.write_docs(paths):
            print(f"écrit : {path.relative_to(paths.root)}")
        return 0
    return 2


def _os_error_text(exc: OSError) -> str:
    """French message for a system error on a file, its path relative to the project."""
    from qpv_analytics.config import get_paths
    from qpv_analytics.labels import os_error_reason
    from qpv_analytics.publish.preflight import shown

    root = get_paths().root
    names = [shown(Path(f), root) for f in (exc.filename, exc.filename2) if f]
    where = f" sur « {' » → « '.join(names)} »" if names else ""
    return (
        f"Erreur du système de fichiers{where} : {os_error_reason(exc)}. La commande s'est "
        "arrêtée ; la publication précédente n'est remplacée qu'à la toute fin d'une "
        "publication réussie, elle est donc intacte. À faire : corrigez la cause (droits, place "
        "sur le disque) puis relancez."
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; data problems end with a French message and exit code 1, never a traceback."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except DataError as exc:
        print(f"\n{SEVERITY_LABELS['bloquant']} — {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file system fault the pre-flight could not foresee (disk full…)
        print(f"\n{SEVERITY_LABELS['bloquant']} — {_os_error_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrompu : la publication précédente est intacte.", file=sys.stderr)
        return 130
