"""Warm kernels: a reused kernel gives each report the state of a fresh one (real Papermill)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from qpv_analytics.publish.kernel_pool import Job, KernelPool

pytestmark = pytest.mark.integration

POLLUTE = """
import os, sys, random, warnings
import numpy as np
import pandas as pd
import matplotlib
import matplotlib.pyplot as plt
import qpv_analytics.thresholds as seuils
fuite = "variable laissée par le rapport précédent"
os.environ["QPV_FUITE"] = "1"
os.chdir("/")
sys.path.append("/chemin/fuite")
warnings.simplefilter("error")
pd.set_option("display.max_rows", 3)
matplotlib.rcParams["figure.dpi"] = 13
plt.figure()
seuils.FUITE = 99
random.seed(1)
np.random.seed(1)
print("pollué")
"""

PROBE = """
import json, os, sys, random, warnings
import numpy as np
import pandas as pd
import matplotlib
import matplotlib.pyplot as plt
import qpv_analytics.thresholds as seuils
ip = get_ipython()
state = {
    "globals": sorted(
        n for n in ip.user_ns
        if not n.startswith("_") and n not in {"In", "Out", "get_ipython", "exit", "quit", "open"}
    ),
    "env": os.environ.get("QPV_FUITE"),
    "job": os.environ.get("QPV_TRAVAIL"),
    "cwd": os.getcwd(),
    "path": "/chemin/fuite" in sys.path,
    "warnings": [str(f[0]) for f in warnings.filters[:3]],
    "pandas": pd.get_option("display.max_rows"),
    "dpi": matplotlib.rcParams["figure.dpi"],
    "figures": len(plt.get_fignums()),
    "module": hasattr(seuils, "FUITE"),
    "random": random.random(),
    "numpy": float(np.random.rand()),
    "pid": os.getpid(),
}
print("ETAT" + json.dumps(state))
"""


def _notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    params = nbformat.v4.new_code_cell("annee = 2025")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def _job(tmp: Path, notebook: Path, name: str) -> Job:
    return Job(
        name,
        notebook,
        {"annee": 2025},
        tmp / "executes" / f"{name}.ipynb",
        tmp / "pages" / f"{name}.html",
        name,
        {"QPV_TRAVAIL": name},
    )


def _state(executed: Path) -> tuple[dict, int]:
    nb = nbformat.read(executed, as_version=4)
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next(x for x in text.splitlines() if x.startswith("ETAT"))
    return json.loads(line[len("ETAT") :]), nb.cells[0].execution_count


def test_a_reused_kernel_leaks_no_state_from_one_report_to_the_next(tmp_path: Path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    probe = _notebook(folder / "sonde.ipynb", PROBE)
    polluter = _notebook(folder / "pollueur.ipynb", POLLUTE)
    jobs = [
        _job(tmp_path, probe, "sonde-1"),
        _job(tmp_path, polluter, "pollueur"),
        _job(tmp_path, probe, "sonde-2"),
    ]
    with KernelPool(1) as pool:
        results = {r.name: r for r in pool.run(jobs)}
    assert all(r.error is None for r in results.values()), results
    # One kernel ran the three notebooks: the second and the third reused it.
    assert len({r.kernel_pid for r in results.values()}) == 1
    assert [results[j.name].reused_kernel for j in jobs] == [False, True, True]
    before, count_before = _state(jobs[0].executed)
    after, count_after = _state(jobs[2].executed)
    assert before.pop("job") == "sonde-1" and after.pop("job") == "sonde-2"
    assert before["pid"] == after["pid"]
    # What the polluter changed is gone: the probe sees exactly what it saw in a fresh kernel.
    assert after == before
    assert "fuite" not in after["globals"]
    assert after["cwd"] == str(folder)
    assert (after["env"], after["module"], after["path"], after["figures"]) == (
        None,
        False,
        False,
        0,
    )
    # Cells are numbered from 1 in the reused kernel too, as in a fresh one.
    assert count_before == count_after == 1
    assert jobs[1].html.is_file() and jobs[2].html.is_file()


def test_the_pool_runs_reports_side_by_side_and_reports_a_failure(tmp_path: Path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    slow = _notebook(folder / "lent.ipynb", "import time\ntime.sleep(3)\n" + PROBE)
    broken = _notebook(folder / "casse.ipynb", "raise ValueError('valeur refusée')")
    jobs = [_job(tmp_path, slow, "lent-1"), _job(tmp_path, slow, "lent-2")]
    with KernelPool(2) as pool:
        results = list(pool.run(jobs))
        failure = next(pool.run([_job(tmp_path, broken, "casse")]))
    assert all(r.error is None for r in results)
    assert len({r.kernel_pid for r in results}) == 2  # two kernels at once
    assert failure.failed_cell == 3  # parameters, Papermill's injected parameters, the error
    assert failure.error == "ValueError : valeur refusée"
    assert failure.kernel_pid in {r.kernel_pid for r in results}  # the kernel survives an error
