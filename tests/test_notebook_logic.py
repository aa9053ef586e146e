"""Report notebooks stay thin: their logic lives in the library, their narrative in the notebook.

Rule (what counts as a line of logic): in the code cells after the ``parameters`` cell, a
physical line counts once if a Python token starting on it (strings and comments excluded;
expressions inside f-strings included) is

- a control-flow keyword: ``if``, ``elif``, ``else``, ``for``, ``while``, ``with``, ``try``,
  ``except``, ``def``, ``lambda`` (so every comprehension and conditional expression counts);
- a DataFrame operation: an attribute named in :data:`FRAME_METHODS` (``.merge``,
  ``.groupby``, ``.loc``, ``.sort_values``, ``.to_csv``…), or ``pd.DataFrame`` /
  ``pd.concat``;
- a comparison or boolean operator (``==``, ``!=``, ``<``, ``>``, ``<=``, ``>=``, ``&``,
  ``|``, ``~``) inside a subscript (``frame[frame["annee"] == annee]``).

Each notebook is kept at or under :data:`CAP` such lines: headings, sentences and the choice and
order of sections stay in the notebook; tables, filters, conditions and charts go to
``qpv_analytics.report``.
"""

from __future__ import annotations

import ast
import io
import json
import tokenize
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

CAP = 12
"""Most lines of logic allowed in one report notebook."""

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").rglob("*.ipynb"))

KEYWORDS = frozenset(
    {"if", "elif", "else", "for", "while", "with", "try", "except", "def", "lambda"}
)
FRAME_METHODS = frozenset(
    {
        "merge",
        "join",
        "groupby",
        "pivot",
        "pivot_table",
        "melt",
        "unstack",
        "sort_values",
        "nsmallest",
        "nlargest",
        "drop_duplicates",
        "loc",
        "iloc",
        "assign",
        "query",
        "apply",
        "dropna",
        "isin",
        "to_csv",
        "to_parquet",
    }
)
CONSTRUCTORS = frozenset({"DataFrame", "concat"})
FILTER_OPERATORS = frozenset({"==", "!=", "<", ">", "<=", ">=", "&", "|", "~"})


def logic_lines(source: str) -> set[int]:
    """Numbers (1-based) of the lines of ``source`` that hold logic, by the module's rule."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines: set[int] = set()
    brackets: list[bool] = []  # one entry per open bracket: is it a subscript?
    previous = None
    for i, tok in enumerate(tokens):
        line = tok.start[0]
        if tok.type == tokenize.NAME:
            if tok.string in KEYWORDS:
                lines.add(line)
            after_dot = previous is not None and previous.string == "."
            if after_dot and tok.string in FRAME_METHODS:
                lines.add(line)
            before = tokens[i - 2] if i >= 2 else None
            if after_dot and tok.string in CONSTRUCTORS and before and before.string == "pd":
                lines.add(line)
        elif tok.type == tokenize.STRING and _fstring_has_logic(tok.string):
            lines.add(line)
        elif tok.type == tokenize.OP:
            if tok.string in "([{":
                subscript = (
                    tok.string == "["
                    and previous is not None
                    and (
                        previous.type in (tokenize.NAME, tokenize.STRING)
                        or previous.string in (")", "]")
                    )
                )
                brackets.append(subscript)
            elif tok.string in ")]}":
                if brackets:
                    brackets.pop()
            elif tok.string in FILTER_OPERATORS and brackets and brackets[-1]:
                lines.add(line)
        if tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT):
            previous = tok
    return lines


def _fstring_has_logic(literal: str) -> bool:
    """Whether the expressions inside an f-string hold logic (one string token up to 3.11)."""
    prefix = literal[: len(literal) - len(literal.lstrip("rRbBuUfF"))]
    if "f" not in prefix.lower():
        return False
    fields = [
        node.value
        for node in ast.walk(ast.parse(literal, mode="eval"))
        if isinstance(node, ast.FormattedValue)
    ]
    return any(logic_lines(ast.unparse(field)) for field in fields)


def notebook_logic_lines(notebook: dict) -> int:
    """Lines of logic in the code cells of a notebook after its ``parameters`` cell."""
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    tagged = [
        i for i, c in enumerate(code) if "parameters" in c.get("metadata", {}).get("tags", [])
    ]
    start = tagged[0] + 1 if tagged else 0
    total = 0
    for cell in code[start:]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        total += len(logic_lines(source))
    return total


def _cell(source: str, tags: tuple[str, ...] = ()) -> dict:
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source}


def test_counter_counts_each_kind_of_logic_once_per_line():
    notebook = {
        "cells": [
            _cell("annee = 2025\nif annee:\n    pass\n", tags=("parameters",)),
            {"cell_type": "markdown", "metadata": {}, "source": "if for while: texte"},
            _cell(
                "reporting.heading('Chiffres clés')\n"  # 0: a call
                "sub = public[public['annee'] == annee]\n"  # 1: boolean filter
                "table = pd.DataFrame({'a': [x for x in sub['v']]})\n"  # 1 (twice on one line)
                "liste = [1, 2 == 2]\n"  # 0: a list literal, not a subscript
                "texte = f\"{'s' if n > 1 else ''}\"\n"  # 1: inside an f-string
                "# if this were code it would count\n"  # 0: a comment
                "reporting.paragraph('for if else while')\n"  # 0: words in a string
                "ordre = sub.sort_values('v')\n"  # 1: DataFrame method
                "resultats = pd.concat(\n    [a, b],\n)\n"  # 1
                "def v(code):\n    return code\n"  # 1
            ),
        ]
    }
    assert notebook_logic_lines(notebook) == 6


def test_counter_sees_the_logic_of_a_thick_cell():
    source = (
        "manquantes = [nom for nom, t in tables.items() if t[t['annee'] == annee].empty]\n"
        "if manquantes:\n"
        "    reporting.notice('absentes')\n"
        "ligne = public.loc[public['x'].isin(codes)]\n"
    )
    assert logic_lines(source) == {1, 2, 4}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_holds_at_most_cap_lines_of_logic(notebook):
    count = notebook_logic_lines(json.loads(notebook.read_text(encoding="utf-8")))
    assert count <= CAP, f"{notebook.name} : {count} lignes de logique (maximum {CAP})"
