"""Documentation and empty templates generated from the data contract, for data producers."""

from __future__ import annotations

from pathlib import Path

from qpv_analytics.config import Paths, get_paths
from qpv_analytics.contract import KIND_LABELS, TABLES, Column, Table
from qpv_analytics.labels import AXES
from qpv_analytics.quality.suites import bounds_text

HEADER = """# Données : contrat d'échange avec les partenaires

*Page générée depuis le contrat de données (`src/qpv_analytics/contract/`) par `make doc` :
ne pas la modifier à la main.*

Chaque partenaire envoie chaque année un fichier par table, en CSV (séparateur `;`, virgule
décimale, UTF-8 ou Windows-1252 ; l'export « Texte Unicode » d'Excel est lu aussi) ou en
classeur `.xlsx`, `.xls` (Excel 97-2003) ou `.ods` (LibreOffice), avec une feuille nommée
comme la table ; les cellules date et nombre d'un classeur sont lues telles quelles. Les
fichiers se déposent dans `data/raw/<table>/` (ou `data/raw/<table>.csv`) et ne sont
**jamais modifiés** par l'outil. Des modèles vides se trouvent dans `data/modeles/` : un nom
de colonne qui ne diffère du modèle que par les accents, les majuscules, les espaces, un
pluriel ou un « de » (`Comités de pilotage` pour `comites_pilotage`) est lu sous le nom du
modèle, et signalé.

Règles communes :
- les codes gardent leurs zéros en tête (`02`, `059…`) : mettez la colonne au format texte
  dans Excel (l'outil complète les codes raccourcis et le signale) ;
- une cellule vide signifie « donnée absente ou secrète », jamais zéro ;
- pas de ligne de total, pas de cellules fusionnées, une seule ligne d'en-tête ;
- dates au format `jj/mm/aaaa`, booléens `oui` / `non` ;
- aucune coordonnée de personne dans les textes libres (titres, porteurs, résumés…) : un nom
  précédé de M. ou Mme, une adresse e-mail ou un numéro de téléphone est signalé par un
  avertissement et masqué dans les rapports ; nommez la structure (« Ville de Lens »).

Tables personnelles (ménages relogés, bénéficiaires des clauses) : les identifiants sont
pseudonymes ; seules des données agrégées et protégées par le secret statistique sont
publiées (voir `docs/confidentialite.md`).
"""


def _constraint(col: Column) -> str:
    parts = []
    if col.allowed:
        parts.append("valeurs : " + ", ".join(f"`{v}`" for v in col.allowed))
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"≥ {col.min:g}"
        hi = "" if col.max is None else f"≤ {col.max:g}"
        parts.append(" et ".join(p for p in (lo, hi) if p))
    if col.width:
        parts.append(f"{col.width} caractères")
    if col.references:
        parts.append(f"doit exister dans le référentiel « {col.references} »")
    if col.identifier:
        parts.append("identifiant pseudonyme, jamais publié")
    if col.is_rate:
        parts.append(
            "en pourcentage (45,2 pour 45,2 %) : un fichier dont tous les taux sont entre 0 et 1 "
            "est refusé (fractions)"
        )
    if col.plausible:
        check = col.plausible
        ratio = f", soit `{col.name}` / `{check.per}`" if check.per else ""
        summed = (
            f", somme par {' × '.join(f'`{c}`' for c in check.total_by)}" if check.total_by else ""
        )
        bounds = bounds_text(check.min, check.max, check.unit)
        parts.append(
            f"vraisemblance ({check.label}{ratio}{summed}) : {bounds}, sinon avertissement"
        )
    return " ; ".join(parts)


def table_markdown(table: Table) -> str:
    """Return the Markdown documentation of one table."""
    axis = f" — axe {table.axis} ({AXES[table.axis]})" if table.axis else ""
    lines = [
        f"## `{table.name}` — {table.title}{axis}",
        "",
        table.description,
        "",
        f"- Grain : une ligne par {table.grain}.",
        f"- Clé (unique) : {', '.join(f'`{k}`' for k in table.key)}.",
    ]
    if table.reference:
        lines.append("- Table de référence construite par l'outil depuis des fichiers publics.")
    if table.personal:
        lines.append("- **Données personnelles** : seules des données agrégées sont publiées.")
    for rule in table.rules:
        lines.append(f"- Contrôle : `{rule.left}` ≤ `{rule.right}` (sinon : {rule.message}).")
    lines += [
        "",
        "| colonne | type | unité | obligatoire | description | contraintes |",
        "|---|---|---|---|---|---|",
    ]
    for col in table.columns:
        lines.append(
            f"| `{col.name}` | {KIND_LABELS[col.kind]} | {col.unit or ''} | "
            f"{'oui' if col.required else 'non'} | {col.description} | {_constraint(col)} |"
        )
    return "\n".join(lines) + "\n"


def contract_markdown() -> str:
    """Return the full Markdown documentation of the contract."""
    return HEADER + "\n" + "\n".join(table_markdown(t) for t in TABLES.values())


def write_docs(paths: Paths | None = None) -> list[Path]:
    """Write ``data/README.md`` and one empty CSV template per partner table."""
    paths = paths or get_paths()
    written = []
    readme = paths.contract_doc
    readme.write_text(contract_markdown(), encoding="utf-8")
    written.append(readme)
    folder = paths.blank_templates
    folder.mkdir(parents=True, exist_ok=True)
    for table in TABLES.values():
        if table.reference:
            continue
        path = folder / f"{table.name}.csv"
        path.write_text(";".join(table.column_names) + "\n", encoding="utf-8-sig")
        written.append(path)
    return written
