"""Registration of the project's Jupyter kernel inside the virtual environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qpv_analytics.config import KERNEL_NAME

DISPLAY_NAME = "Python (qpv-analytics)"
QUIET = "--IPKernelApp.log_level=CRITICAL"
"""Keeps the kernel's start-up warnings (TCP transport notice) out of ``make reports``."""


def register_kernel(prefix: str | None = None) -> Path:
    """Install the ``qpv-analytics`` kernel spec under ``prefix`` (the venv) and return its folder.

    Papermill is always given this kernel name, so reports never depend on the kernelspec
    saved in a notebook (see nteract/papermill#251).
    """
    from ipykernel.kernelspec import install

    folder = Path(
        install(kernel_name=KERNEL_NAME, display_name=DISPLAY_NAME, prefix=prefix or sys.prefix)
    )
    spec_path = folder / "kernel.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if QUIET not in spec["argv"]:
        spec["argv"].insert(spec["argv"].index("-f"), QUIET)
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder
