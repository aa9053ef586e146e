"""Inside a reused kernel: the heavy imports once, then a clean state before every report.

A worker of :mod:`.kernel_pool` keeps one Jupyter kernel for all the reports it runs. Before
each report it executes, silently (nothing enters the executed notebook), ``prepare(env, cwd)``.
The first call imports the heavy libraries (:data:`WARM_MODULES`) and photographs the state a
fresh kernel has after them; every call then puts that state back:

- the user namespace, the history and the execution counter (``InteractiveShell.reset``:
  cells of every executed notebook are numbered from 1, as in a fresh kernel);
- every module of ``qpv_analytics``: dropped from ``sys.modules``, so each report imports the
  library afresh and no module attribute a report changed survives it;
- environment variables (the photograph plus the report's own, e.g. its build folder), working
  directory, ``sys.path``, warning filters;
- pandas options, matplotlib's ``rcParams`` and open figures;
- the random generators of ``random`` and ``numpy``.

What it does not put back, documented rather than hidden: a change a report makes to a
third-party module's attributes (monkey-patching pandas, say) or to ``builtins``. The report
notebooks hold no code of that kind — the library does their work — and
``tests/test_kernel_pool.py`` runs a notebook making each change listed above, then proves in
the same kernel that the next report sees none of them.
"""

from __future__ import annotations

import copy
import gc
import importlib
import os
import random
import sys
import warnings
from collections.abc import Sequence

WARM_MODULES = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "scipy.optimize",
    "scipy.stats",
    "jinja2",
    "pydantic",
    "yaml",
)
"""Imported once per kernel: what costs seconds and keeps no state of the reports."""

PROFILE_MODULES = tuple(m for m in WARM_MODULES if m.split(".")[0] not in ("seaborn", "scipy"))
"""What a profile imports of :data:`WARM_MODULES`: the kernel of one profile on demand does not
import seaborn and scipy (two seconds), which only the axis reports use."""

LIBRARY = "qpv_analytics"
_KEEP = {__name__}
_snapshot: dict | None = None


def _library_modules() -> list[str]:
    prefix = LIBRARY + "."
    return [m for m in sys.modules if (m == LIBRARY or m.startswith(prefix)) and m not in _KEEP]


def _take_snapshot(modules: Sequence[str]) -> dict:
    import matplotlib
    import numpy

    for name in modules:
        importlib.import_module(name)
    return {
        "environ": dict(os.environ),
        "path": list(sys.path),
        "warnings": list(warnings.filters),
        "rc": copy.deepcopy(dict(matplotlib.rcParams)),
        "random": random.getstate(),
        "numpy": numpy.random.get_state(),
    }


def prepare(env: dict[str, str], cwd: str, modules: Sequence[str] = WARM_MODULES) -> None:
    """Give the next report the state of a fresh kernel (see the module docstring).

    Args:
        env: variables of this report (build folder, file of its reads), set after the reset.
        cwd: working directory of the report (its notebook's folder).
        modules: heavy imports made by the first call, before the snapshot (later calls keep
            the snapshot of the first).
    """
    global _snapshot
    if _snapshot is None:
        _snapshot = _take_snapshot(modules)
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy
    import pandas
    from IPython import get_ipython

    shell = get_ipython()
    shell.reset(new_session=True)
    for name in _library_modules():
        del sys.modules[name]
    os.environ.clear()
    os.environ.update(_snapshot["environ"])
    os.environ.update(env)
    os.chdir(cwd)
    sys.path[:] = _snapshot["path"]
    warnings.filters[:] = _snapshot["warnings"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pandas.reset_option("all")
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dict.update(matplotlib.rcParams, copy.deepcopy(_snapshot["rc"]))
    random.setstate(_snapshot["random"])
    numpy.random.set_state(_snapshot["numpy"])
    importlib.invalidate_caches()
    gc.collect()
