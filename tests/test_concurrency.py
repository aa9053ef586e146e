"""One run at a time: the project lock between real processes, and two real publications."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qpv_analytics.config import Paths
from qpv_analytics.publish.run_lock import exclusive_run, read_owner
from qpv_analytics.quality.model import DataError

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from qpv_analytics.config import Paths
    from qpv_analytics.publish.run_lock import exclusive_run

    paths = Paths(Path(sys.argv[1]))
    with exclusive_run(paths, "publier --annee 2025"):
        print("tenu", flush=True)
        time.sleep(float(sys.argv[2]))
        print("libere", time.time(), flush=True)
    """
)


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "GX_ANALYTICS_ENABLED": "False", **extra}
    env.pop("QPV_BUILD_DIR", None)
    return env


def _holder(root: Path, seconds: float) -> subprocess.Popen:
    """Start a real process holding the project lock; return once it holds it."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout.readline().strip() == "tenu", proc.stderr.read()
    return proc


@pytest.mark.unit
def test_second_run_stops_at_once_naming_the_running_one(tmp_path: Path):
    paths = Paths(tmp_path)
    holder = _holder(tmp_path, 30)
    try:
        owner = read_owner(paths.run_owner)
        assert owner is not None and owner.pid == holder.pid
        started = time.monotonic()
        with pytest.raises(DataError) as refused:
            with exclusive_run(paths, "publier --annee 2025", echo=lambda _m: None):
                pytest.fail("le verrou a été pris deux fois")
        assert time.monotonic() - started < 5  # stops at once, does not wait
        text = str(refused.value)
        assert f"pid {holder.pid}" in text
        assert f"lancée le {owner.started:%d/%m/%Y à %H:%M:%S}" in text
        assert "python -m qpv_analytics publier --annee 2025" in text
        assert "Une seule exécution à la fois" in text and "À faire" in text
        assert "--attendre" in text
        assert read_owner(paths.run_owner) == owner  # the running one's record is untouched
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.unit
def test_second_run_asked_to_wait_starts_when_the_first_ends(tmp_path: Path):
    paths = Paths(tmp_path)
    holder = _holder(tmp_path, 2)
    lines: list[str] = []
    try:
        with exclusive_run(paths, "valider --annee 2025", wait_minutes=1, echo=lines.append):
            entered = time.time()
            assert read_owner(paths.run_owner).pid == os.getpid()
        out, err = holder.communicate(timeout=30)
    finally:
        holder.kill()
    released = float(out.split()[-1])
    assert entered >= released, "la seconde exécution a démarré avant la fin de la première"
    assert holder.returncode == 0, err
    assert f"pid {holder.pid}" in lines[0] and "attente de sa fin, au plus 1 min" in lines[0]
    assert "terminée" in lines[1]
    assert not any("s'est arrêtée sans se terminer" in line for line in lines)
    assert not paths.run_owner.exists()


@pytest.mark.unit
def test_bounded_wait_ends_with_a_french_refusal(tmp_path: Path):
    paths = Paths(tmp_path)
    holder = _holder(tmp_path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(DataError, match=f"pid {holder.pid}.*depuis 0.02 min d'attente"):
            with exclusive_run(paths, "publier --annee 2025", 0.02, echo=lambda _m: None):
                pass
        assert 1 <= time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.unit
def test_lock_of_a_killed_run_is_recognised_and_taken_over(tmp_path: Path):
    paths = Paths(tmp_path)
    holder = _holder(tmp_path, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    left = read_owner(paths.run_owner)
    assert left is not None and left.pid == holder.pid  # the record stayed behind
    assert left.alive() is False
    lines: list[str] = []
    with exclusive_run(paths, "publier --annee 2025", echo=lines.append) as owner:
        assert owner.pid == os.getpid()
        assert read_owner(paths.run_owner) == owner
    notice = "\n".join(lines)
    assert f"pid {holder.pid}" in notice and "s'est arrêtée sans se terminer" in notice
    assert "verrou est repris" in notice
    assert not paths.run_owner.exists()


@pytest.mark.unit
def test_lock_is_released_when_the_run_fails(tmp_path: Path):
    paths = Paths(tmp_path)
    with pytest.raises(RuntimeError):
        with exclusive_run(paths, "publier --annee 2025", echo=lambda _m: None):
            raise RuntimeError("échec simulé")
    assert not paths.run_owner.exists()
    lines: list[str] = []
    with exclusive_run(paths, "publier --annee 2025", echo=lines.append):
        pass
    assert lines == []  # a run that ended (even by an error) is not reported as killed


@pytest.mark.unit
def test_cli_refuses_a_second_command_without_traceback(tmp_path: Path):
    from tests.conftest import make_project

    paths = make_project(tmp_path / "projet", with_notebooks=False)
    holder = _holder(paths.root, 30)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "qpv_analytics", "charger"],
            capture_output=True,
            text=True,
            env=_env(QPV_ROOT=str(paths.root)),
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert f"pid {holder.pid}" in done.stderr and "Une seule exécution à la fois" in done.stderr
    assert not any(paths.processed.iterdir())  # nothing loaded


def _tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.integration
def test_two_real_publications_at_once_one_publishes_the_other_refuses(tmp_path: Path):
    """Two ``python -m qpv_analytics publier`` at once in one project (demo data)."""
    from tests.conftest import make_project

    paths = make_project(tmp_path / "projet")
    params = paths.params / "2025.yaml"
    params.write_text(
        params.read_text(encoding="utf-8") + "rapports: [contexte, axe2_gusp_tfpb]\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "qpv_analytics", "publier", "--annee", "2025"]
    env = _env(QPV_ROOT=str(paths.root))
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    deadline = time.monotonic() + 120
    while read_owner(paths.run_owner) is None and first.poll() is None:
        assert time.monotonic() < deadline, "la première publication n'a pas pris le verrou"
        time.sleep(0.05)
    # The second starts while the first runs (its build folder exists soon after).
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert first.poll() is None, "la première publication s'est terminée trop tôt pour le test"
    out, err = first.communicate(timeout=1200)

    assert first.returncode == 0, out + err
    assert "Publication 2025 terminée" in out
    assert second.returncode == 1
    for text in (out, err, second.stdout, second.stderr):
        assert "Traceback" not in text and "FileNotFoundError" not in text
        assert str(paths.root) not in text
    assert f"pid {first.pid}" in second.stderr
    assert "python -m qpv_analytics publier --annee 2025" in second.stderr
    assert "Une seule exécution à la fois" in second.stderr

    # The publication is whole: every file the manifest and the index name is there.
    out_dir = paths.report_year(2025)
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [r["rapport"] for r in manifest["rapports"]] == ["contexte", "axe2_gusp_tfpb"]
    index = (out_dir / "index.html").read_text(encoding="utf-8")
    for report in manifest["rapports"]:
        assert (out_dir / report["html"]).stat().st_size > 0
        assert f'href="{report["html"]}"' in index
    assert (Paths.quality_in(out_dir) / "index.html").exists()
    assert any(Paths.indicators_in(out_dir).glob("*.csv"))
    assert not paths.stale_build_dirs()
    assert not paths.run_owner.exists()

    # A later run finds no lock left and no killed run to report.
    before = _tree(out_dir)
    third = subprocess.run(
        [sys.executable, "-m", "qpv_analytics", "charger"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert third.returncode == 0, third.stderr
    assert "s'est arrêtée sans se terminer" not in third.stdout + third.stderr
    assert _tree(out_dir) == before
