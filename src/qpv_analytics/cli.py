"""Command-line interface (French): ``python -m qpv_analytics <commande>``."""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
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


class _FrenchFormatter(argparse.HelpFormatter):
    """Help layout with a French usage line; descriptions and examples keep their line breaks."""

    def start_section(self, heading: str | None) -> None:
        """Section titles in French typography (« options : »)."""
        super().start_section(f"{heading} " if heading else heading)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        """Wrap each line of ``text`` on its own, continuation lines under its first word."""
        lines = []
        for line in text.splitlines():
            own = indent + line[: len(line) - len(line.lstrip())]
            lines.append(
                textwrap.fill(
                    line.strip(),
                    width,
                    initial_indent=own,
                    subsequent_indent=own,
                    break_on_hyphens=False,
                )
                if line.strip()
                else ""
            )
        return "\n".join(lines)

    def add_usage(self, usage, actions, groups, prefix=None):
        """Start the usage line with « utilisation : »."""
        super().add_usage(
            usage, actions, groups, prefix="utilisation : " if prefix is None else prefix
        )


class _FrenchParser(argparse.ArgumentParser):
    """Argument parser whose help and errors are in French."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("formatter_class", _FrenchFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "commandes"
        self._optionals.title = "options"
        self.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")

    def error(self, message: str) -> None:
        """Print a French usage error and exit with code 2."""
        for english, french in _ARGPARSE_FR.items():
            message = message.replace(english, french)
        message = re.sub(r"(?<! ): ", " : ", message)  # French typography
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\nVoir « {self.prog} --help ».\n")


PROG = "python -m qpv_analytics"

COMMANDS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "publier": (
        "publie les rapports d'une année (reports/<année>/)",
        "Contrôle la qualité des données, exécute les notebooks (Papermill, noyau du projet, "
        "plusieurs à la fois), exporte les rapports en HTML sans code et remplace "
        "reports/<année>/ d'un seul coup.\n"
        "Ne refait que ce qui a changé : sans aucun changement, s'arrête aussitôt ; un fichier "
        "modifié fait reconstruire les seuls rapports qui le lisent.\n"
        "Un problème bloquant arrête tout : la publication précédente reste intacte.",
        [
            ("--annee 2025", "publie 2025 selon params/2025.yaml (comme « make reports »)"),
            ("--annee 2025 --attendre 30", "attend au plus 30 minutes une autre exécution"),
            ("--annee 2025 --tout", "reconstruit tout (comme « make reports TOUT=1 »)"),
            ("--annee 2025 --processus 1", "un rapport à la fois (« make reports PROCESSUS=1 »)"),
        ],
    ),
    "profil": (
        "construit un seul profil (un EPCI ou un bailleur) pour une réunion",
        "Refait les contrôles d'une publication (paramètres, fichiers, qualité des données), "
        "vérifie que les données sont celles de la publication de l'année, puis exécute le seul "
        "notebook du profil demandé à partir des tableaux d'indicateurs publiés.\nLe profil est "
        "écrit dans reports/<année>/profils/ après le contrôle de confidentialité ; le reste de "
        "la publication n'est pas modifié.",
        [
            ("--annee 2025 --epci 200093201", "profil de la Métropole européenne de Lille"),
            (
                '--annee 2025 --bailleur "Logis de l\'Opale (fictif)"',
                "profil d'un bailleur, nommé comme dans le registre (comme « make profil »)",
            ),
        ],
    ),
    "valider": (
        "contrôle la qualité des données d'une année, sans publier",
        "Prépare les données comme la publication (données de démonstration si besoin, "
        "data/raw/ et fichiers de contexte chargés dans data/processed/), puis contrôle la "
        "qualité (Great Expectations).\nDétail : reports/qualite/<année>/index.html, avec une "
        "page par producteur de données. Rien n'est publié.",
        [("--annee 2025", "contrôle les données de 2025 (comme « make valider »)")],
    ),
    "lab": (
        "prépare les données de l'année et ouvre JupyterLab sur le noyau du projet",
        "Prépare ce que lisent les notebooks (comme « valider ») puis ouvre JupyterLab à la "
        "racine du projet, sur le dossier notebooks/, avec le noyau « Python (qpv-analytics) ».\n"
        "Un notebook exécuté à la main écrit dans reports/brouillon/<année>/, jamais dans la "
        "publication. Guide : docs/guide_analyste.md.",
        [
            ("--annee 2025", "prépare 2025 et ouvre JupyterLab (comme « make lab »)"),
            (
                "--annee 2025 --port 8890 --sans-navigateur",
                "sur un serveur : ouvrez l'adresse affichée",
            ),
        ],
    ),
    "charger": (
        "charge data/raw/ vers data/processed/ (Parquet)",
        "Lit chaque fichier reçu (CSV ou Excel), le type selon le contrat de données et écrit "
        "une table Parquet par table dans data/processed/.\nLes fichiers bruts ne sont jamais "
        "modifiés. Pour préparer aussi les fichiers de contexte d'une année : « valider ».",
        [("", "charge tout data/raw/ (comme « make donnees »)")],
    ),
    "demo": (
        "écrit les données de démonstration dans data/raw/ s'il est vide",
        "Écrit des données inventées (bailleurs fictifs, montants simulés) pour les QPV réels de "
        "la région de démonstration.\nAvec --nationale : tous les QPV de la liste nationale "
        "(1 609) sur dix ans, environ 500 000 bénéficiaires des clauses d'insertion et "
        "200 000 ménages relogés, pour mesurer les temps de calcul (publiez-les avec "
        "« region: FR » et « nb_annees_tendance: 10 » dans params/<année>.yaml).\nRien n'est "
        "écrit si data/raw/ "
        "contient déjà des fichiers.",
        [
            ("", "écrit les données de démonstration (comme « make demo »)"),
            ("--nationale", "écrit les données de démonstration de taille nationale (≈ 100 Mo)"),
        ],
    ),
    "contrat": (
        "régénère data/README.md et les modèles data/modeles/",
        "Écrit, depuis le contrat de données, la description des colonnes attendues "
        "(data/README.md) et un modèle vide par table (data/modeles/).",
        [("", "régénère la documentation et les modèles (comme « make doc »)")],
    ),
    "noyau": (
        "enregistre le noyau Jupyter « qpv-analytics » dans le venv",
        "Enregistre le noyau « Python (qpv-analytics) » de cet environnement ; Papermill et "
        "JupyterLab l'utilisent pour chaque notebook (fait par « make env »).",
        [("", "enregistre le noyau")],
    ),
    "nettoyer-notebooks": (
        "retire des notebooks les sorties et métadonnées volatiles (nbstripout)",
        "Réécrit chaque notebook de notebooks/ tel que git le conserve : sans sorties, sans "
        "numéros d'exécution, sans métadonnées propres à un poste.\nAvec --verifier : ne "
        "modifie rien, liste les notebooks à nettoyer et s'arrête en erreur s'il y en a.",
        [
            ("", "nettoie les notebooks (comme « make nettoie-notebooks »)"),
            ("--verifier", "vérifie seulement, sans rien modifier"),
        ],
    ),
    "filtre-git": (
        "installe le filtre git qui retire les sorties des notebooks à chaque « git add »",
        "Déclare dans la configuration git du dépôt le filtre « nbstripout » nommé par "
        ".gitattributes (fait par « make env ») ;\n« git diff » montre alors aussi les "
        "notebooks sans leurs sorties. Sans dépôt git, ne fait rien.",
        [("", "installe le filtre dans ce dépôt")],
    ),
}
"""Each command: one-line help, description, examples (arguments, what they do)."""


def _examples(command: str, examples: list[tuple[str, str]]) -> str:
    lines = [
        f"  {' '.join(filter(None, (PROG, command, args)))}\n      {what}"
        for args, what in examples
    ]
    return "Exemples :\n" + "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = _FrenchParser(
        prog=PROG,
        description="qpv_analytics : observation et évaluation de la politique de la ville.\n"
        "Aide d'une commande : python -m qpv_analytics <commande> --help.",
        epilog=_examples(
            "", [("publier --annee 2025", "publie 2025"), ("lab --annee 2025", "ouvre JupyterLab")]
        )
        + "\n\nDans l'environnement du projet, la commande est .venv/bin/python -m qpv_analytics."
        "\nLes commandes habituelles passent par make : make help.",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="commande", parser_class=_FrenchParser
    )
    commands = {
        name: sub.add_parser(
            name, help=summary, description=description, epilog=_examples(name, examples)
        )
        for name, (summary, description, examples) in COMMANDS.items()
    }
    for name, what in (
        ("publier", "publiée"),
        ("profil", "publiée"),
        ("valider", "contrôlée"),
        ("lab", "préparée"),
    ):
        commands[name].add_argument(
            "--annee", type=int, required=True, help=f"année {what} (params/<année>.yaml)"
        )
        commands[name].add_argument(
            "--attendre",
            type=float,
            default=0,
            metavar="MINUTES",
            help="si une autre exécution est en cours dans le projet, l'attendre au plus MINUTES "
            "minutes (par défaut : s'arrêter aussitôt)",
        )
    commands["publier"].add_argument(
        "--tout",
        action="store_true",
        help="reconstruit tous les rapports et recharge les données, sans rien reprendre de la "
        "publication précédente",
    )
    commands["publier"].add_argument(
        "--processus",
        type=int,
        metavar="N",
        help="rapports exécutés en même temps (par défaut : un par cœur disponible)",
    )
    unit = commands["profil"].add_mutually_exclusive_group(required=True)
    unit.add_argument("--epci", metavar="SIREN", help="SIREN de l'EPCI (contrat de ville)")
    unit.add_argument("--bailleur", metavar="NOM", help="nom du bailleur, tel que dans le registre")
    commands["lab"].add_argument(
        "--port", type=int, help="port de JupyterLab (par défaut : 8888 ou le suivant libre)"
    )
    commands["lab"].add_argument(
        "--sans-navigateur",
        action="store_true",
        help="n'ouvre pas de navigateur (sur un serveur) : ouvrez l'adresse affichée",
    )
    commands["demo"].add_argument(
        "--nationale",
        action="store_true",
        help="taille nationale : tous les QPV de la liste nationale, dix ans, environ 500 000 "
        "bénéficiaires et 200 000 ménages relogés",
    )
    commands["nettoyer-notebooks"].add_argument(
        "--verifier",
        action="store_true",
        help="ne modifie rien ; code 1 si un notebook est à nettoyer",
    )
    return parser


def _unchanged(year: int, paths, wait_minutes: float) -> bool:
    """Say so and return True when the publication is up to date (hashes only, no pandas)."""
    from qpv_analytics.params import load_params
    from qpv_analytics.publish import build_plan
    from qpv_analytics.publish.run_lock import exclusive_run

    params = load_params(year, paths)
    with exclusive_run(paths, f"publier --annee {year}", wait_minutes, print):
        manifest = build_plan.unchanged_publication(params, paths)
    if manifest:
        print(f"== Publication {year} ==")
        print(build_plan.unchanged_message(manifest, paths))
    return manifest is not None


def _run(args: argparse.Namespace) -> int:
    from qpv_analytics.config import get_paths

    paths = get_paths()
    if args.command == "publier":
        if not args.tout and _unchanged(args.annee, paths, args.attendre):
            return 0
        from qpv_analytics.publish.publication import publish

        return publish(
            args.annee,
            paths,
            wait_minutes=args.attendre,
            rebuild_all=args.tout,
            workers=args.processus,
        )
    if args.command == "profil":
        from qpv_analytics.publish.on_demand import publish_profile

        kind, code = ("epci", args.epci) if args.epci else ("bailleur", args.bailleur)
        return publish_profile(args.annee, kind, code, paths, wait_minutes=args.attendre)
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
            if not args.nationale:
                done = demo.ensure_demo(paths)
            elif done := not demo.data_files(paths.raw):
                demo.generate(paths.raw, echelle="nationale")
        print(
            f"Données de démonstration{' de taille nationale' if args.nationale else ''} écrites "
            "dans data/raw/."
            if done
            else "data/raw/ contient déjà des fichiers : rien n'a été écrit."
        )
        return 0
    if args.command == "noyau":
        from qpv_analytics.publish.kernel import register_kernel

        print(f"Noyau Jupyter enregistré : {register_kernel()}")
        return 0
    if args.command == "lab":
        from qpv_analytics.publish.lab import open_lab

        open_lab(
            args.annee,
            paths,
            wait_minutes=args.attendre,
            port=args.port,
            browser=not args.sans_navigateur,
        )
        return 0
    if args.command == "nettoyer-notebooks":
        from qpv_analytics.publish import clean_notebooks

        if args.verifier:
            found = clean_notebooks.unclean(paths)
            for nb in found:
                print(f"à nettoyer : {nb.relative_to(paths.root)}")
            if found:
                print("À faire : make nettoie-notebooks, puis enregistrez (git add) les notebooks.")
            return 1 if found else 0
        found = clean_notebooks.clean(paths)
        for nb in found:
            print(f"nettoyé : {nb.relative_to(paths.root)}")
        print(f"{len(clean_notebooks.notebooks(paths))} notebooks propres.")
        return 0
    if args.command == "filtre-git":
        from qpv_analytics.publish.clean_notebooks import install_git_filter

        if install_git_filter(paths.root):
            print(
                "Filtre git « nbstripout » installé : les sorties des notebooks ne sont plus "
                "enregistrées par git."
            )
        else:
            print("Pas de dépôt git ici : filtre non installé (rien à faire).")
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
