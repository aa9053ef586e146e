"""Command-line interface (French): ``python -m qpv_analytics <commande>``."""

from __future__ import annotations

import argparse
import os
import sys

from qpv_analytics.labels import SEVERITY_LABELS
from qpv_analytics.quality.model import DataError

_ARGPARSE_FR = {
    "the following arguments are required": "arguments obligatoires manquants",
    "invalid choice": "choix invalide",
    "invalid int value": "nombre entier invalide",
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

        return publish(args.annee, paths)
    if args.command == "valider":
        from qpv_analytics.publish.publication import validate_only

        return validate_only(args.annee, paths)
    if args.command == "charger":
        from qpv_analytics.ingest import loaders

        results = loaders.load_raw(paths)
        loaders.write_processed(results, paths)
        for issue in (i for r in results.values() for i in r.issues):
            print(issue.text())
        print(f"{sum(len(r.data) for r in results.values())} lignes chargées dans data/processed/.")
        return 0
    if args.command == "demo":
        from qpv_analytics.ingest import demo

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


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; data problems end with a French message and exit code 1, never a traceback."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except DataError as exc:
        print(f"\n{SEVERITY_LABELS['bloquant']} — {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrompu : la publication précédente est intacte.", file=sys.stderr)
        return 130
