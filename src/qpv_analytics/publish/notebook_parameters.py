"""The parameters a notebook declares in its cell tagged ``parameters``, read without Papermill."""

from __future__ import annotations

import ast
import json
from pathlib import Path

PARAMETERS_TAG = "parameters"
"""Papermill's tag of the cell whose values it replaces."""


def declared_parameters(notebook: Path) -> set[str]:
    """Names assigned at the top level of the notebook's ``parameters`` cell.

    What ``papermill.inspect_notebook`` returns as keys for a Python notebook
    (``tests/test_notebooks.py`` checks they agree on every notebook of the project), without
    importing Papermill: 1,5 s of a profile on demand, which checks its notebook before
    running it in a worker that imports Papermill anyway.

    Raises:
        ValueError: the file is not a notebook, or its parameters cell is not valid Python.
    """
    try:
        cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"notebook illisible ({exc})") from None
    for cell in cells:
        if PARAMETERS_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else source)
        except SyntaxError as exc:
            raise ValueError(f"cellule « parameters » invalide ({exc.msg})") from None
        names = set()
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        return names
    return set()
