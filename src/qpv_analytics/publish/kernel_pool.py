"""Warm kernels in parallel: one worker process per core, each reusing one Jupyter kernel.

Papermill starts a kernel per notebook, and the start plus the imports of pandas, matplotlib,
seaborn and scipy cost about five seconds — more than most reports' own work (issue 13;
nteract/papermill#326 and #583 ask for the same). Here each worker of a process pool starts one
kernel of the project (:data:`~qpv_analytics.config.KERNEL_NAME`) and runs report after report
in it through Papermill, with a custom engine (:class:`WarmEngine`) that hands Papermill the
running kernel instead of starting one, and first resets the kernel
(:func:`.warm_kernel.prepare`: no state passes from one report to the next). The HTML export
(nbconvert) runs in the worker, in-process. Worker processes are started with ``spawn`` (no
fork of a parent holding threads or open files), so a script calling the publication must
guard its entry point with ``if __name__ == "__main__":``, as ``python -m qpv_analytics`` does.
A kernel that dies is replaced for the next report.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from qpv_analytics.config import KERNEL_NAME
from qpv_analytics.publish.warm_kernel import WARM_MODULES
from qpv_analytics.quality.model import DataError

ENGINE_NAME = "qpv-noyau-chaud"
"""Papermill engine of the pool (registered in each worker)."""

_worker: dict = {"km": None, "kc": None, "reports": 0}


@dataclass(frozen=True)
class Job:
    """One notebook to execute and export.

    Attributes:
        name: the report as the publication names it (``axe4_laicite``, ``profils/epci-…``).
        notebook: the parameterised notebook.
        parameters: values injected by Papermill.
        executed: where the executed notebook is written (audit).
        html: where the HTML page is written.
        title: title of the page.
        env: variables of this report in the kernel (build folder, file of its reads).
    """

    name: str
    notebook: Path
    parameters: dict
    executed: Path
    html: Path
    title: str
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class JobResult:
    """What a worker reports back: duration, failure, the kernel used."""

    name: str
    seconds: float
    kernel_pid: int | None = None
    reused_kernel: bool = False
    failed_cell: int | None = None
    error: str | None = None


def _prelude(job: Job) -> str:
    return (
        "from qpv_analytics.publish import warm_kernel as _qpv_warm\n"
        f"_qpv_warm.prepare({json.dumps(job.env)}, {json.dumps(str(job.notebook.parent))})\n"
    )


def _client_class():
    from papermill.clientwrap import PapermillNotebookClient

    class WarmClient(PapermillNotebookClient):
        """Papermill's client, running the reset of the kernel silently before the cells."""

        prelude = ""

        def papermill_execute_cells(self):  # noqa: D102 - papermill's interface
            msg_id = self.kc.execute(self.prelude, silent=True, store_history=False)
            reply = self.wait_for_reply(msg_id)
            content = (reply or {}).get("content", {})
            if content.get("status") != "ok":
                raise RuntimeError(
                    f"remise à zéro du noyau impossible ({content.get('ename')} : "
                    f"{content.get('evalue')})"
                )
            super().papermill_execute_cells()

    return WarmClient


def _engine_class():
    from papermill.engines import NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class WarmEngine(NBClientEngine):
        """Papermill engine executing in the worker's running kernel (started on first use)."""

        @classmethod
        def execute_managed_notebook(  # noqa: D102 - papermill's interface
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            prelude="",
            **kwargs,
        ):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(
                kwargs,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = _client_class()(nb_man, km=_kernel(kernel_name, start_timeout), **final)
            client.kc = _worker["kc"]
            client.prelude = prelude
            return client.execute()

    return WarmEngine


def _kernel(kernel_name: str, start_timeout: int):
    """The worker's kernel manager, its kernel started and its client ready."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = _worker["km"]
    if km is not None and run_sync(km.is_alive)():
        return km
    _discard_kernel()
    km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)()
    kc = km.client()
    kc.start_channels()
    run_sync(kc.wait_for_ready)(timeout=start_timeout)
    kc.allow_stdin = False
    _worker.update(km=km, kc=kc, reports=0)
    return km


def _discard_kernel() -> None:
    """Stop the worker's kernel, if any (end of the worker, or a kernel that died)."""
    from jupyter_core.utils import run_sync

    km, kc = _worker["km"], _worker["kc"]
    _worker.update(km=None, kc=None, reports=0)
    if kc is not None:
        try:
            kc.stop_channels()
        except Exception:  # noqa: BLE001 - best effort on a dying kernel
            pass
    if km is not None:
        try:
            run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001
            pass


def _init_worker() -> None:
    """Stop the kernel when the worker process ends."""
    from multiprocessing import util

    util.Finalize(None, _discard_kernel, exitpriority=100)


def _register_engine() -> None:
    """Register the warm engine with Papermill (once per worker; imports Papermill, 1,5 s)."""
    if _worker.get("engine"):
        return
    from papermill.engines import papermill_engines

    papermill_engines.register(ENGINE_NAME, _engine_class())
    _worker["engine"] = True


def run_job(job: Job) -> JobResult:
    """Execute one notebook in the worker's kernel and export its HTML page (in a worker)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from qpv_analytics.publish.html_export import export_html

    start = time.perf_counter()
    _register_engine()
    reused = _worker["km"] is not None
    job.executed.parent.mkdir(parents=True, exist_ok=True)
    result = JobResult(job.name, 0.0, reused_kernel=reused)
    try:
        pm.execute_notebook(
            str(job.notebook),
            str(job.executed),
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            engine_name=ENGINE_NAME,
            prelude=_prelude(job),
            progress_bar=False,
            start_timeout=180,
            log_output=False,
        )
        job.html.parent.mkdir(parents=True, exist_ok=True)
        job.html.write_text(export_html(job.executed, job.title), encoding="utf-8")
    except PapermillExecutionError as exc:
        result.failed_cell = exc.exec_count
        result.error = f"{exc.ename} : {exc.evalue}"
    except Exception as exc:  # noqa: BLE001 - a dead kernel, a timeout: said in French
        from nbclient.exceptions import DeadKernelError

        if isinstance(exc, DeadKernelError | TimeoutError | RuntimeError):
            _discard_kernel()  # the next report gets a new kernel
            result.error = f"le noyau Jupyter s'est arrêté ou ne répond plus ({exc})"
        else:
            result.error = f"exécution impossible ({type(exc).__name__} : {exc})"
    km = _worker["km"]
    if km is not None:
        result.kernel_pid = getattr(km.provisioner, "pid", None)
        _worker["reports"] += 1
    result.seconds = time.perf_counter() - start
    return result


def warm_up(cwd: str, modules: Sequence[str] = WARM_MODULES) -> int | None:
    """Start the worker's kernel and make its heavy imports now (in a worker); its pid.

    The kernel is started first; while it imports ``modules``, this process imports
    Papermill and what the HTML export needs (three seconds that were spent before the
    kernel even started).
    """
    from jupyter_core.utils import run_sync

    km = _kernel(KERNEL_NAME, 180)
    kc = _worker["kc"]
    code = (
        "from qpv_analytics.publish import warm_kernel\n"
        f"warm_kernel.prepare({{}}, {cwd!r}, {tuple(modules)!r})\n"
    )
    msg_id = kc.execute(code, silent=True, store_history=False)
    _register_engine()
    from nbconvert import HTMLExporter  # noqa: F401

    from qpv_analytics.publish import html_export  # noqa: F401

    while True:
        reply = run_sync(kc.get_shell_msg)(timeout=180)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    return getattr(km.provisioner, "pid", None)


def default_workers() -> int:
    """Cores this process may use (the pool's default size)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class KernelPool:
    """A pool of worker processes, each with its warm kernel, for the reports of one run.

    Use as a context manager; :meth:`run` yields the results in the order they finish.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
        )

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Execute the jobs, as many at a time as there are workers."""
        futures = [self._executor.submit(run_job, job) for job in jobs]
        try:
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise DataError(
                        "Un processus d'exécution des rapports s'est arrêté brutalement (mémoire "
                        "insuffisante, ou script lançant la publication sans « if __name__ == "
                        "'__main__': »). Publication refusée ; la publication précédente est "
                        "intacte. À faire : relancez avec moins de processus (make reports "
                        "PROCESSUS=1)."
                    ) from None
        finally:
            for future in futures:
                future.cancel()

    def warm(self, cwd: Path, modules: Sequence[str] = WARM_MODULES) -> None:
        """Start the kernels and their imports in the background (:func:`warm_up`).

        For a single report (``make profil``): the kernel starts while the caller checks the
        data, instead of after.

        Args:
            cwd: working directory of the first report.
            modules: what the kernels import before their snapshot (the heavy imports).
        """
        self._warming = [
            self._executor.submit(warm_up, str(cwd), tuple(modules)) for _ in range(self.workers)
        ]

    def close(self) -> None:
        """Stop the workers and their kernels."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
