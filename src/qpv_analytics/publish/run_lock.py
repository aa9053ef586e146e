"""One run at a time per project: an operating-system lock, and a record naming who holds it.

Every command that writes the project's outputs (``publier``, ``valider``, ``charger``,
``demo``) holds the lock :attr:`Paths.run_lock <qpv_analytics.config.Paths.run_lock>` for its
whole run. A second command started meanwhile stops at once with a French message naming the
running one (pid, host, start time, command), or, when asked to (``--attendre MINUTES``,
``make reports ATTENTE=MINUTES``), waits for it at most that long. Stopping is the default: two
runs launched together are nearly always a mistake, and the second would only publish the
same files again minutes later.

Why the ``filelock`` library rather than ``os.O_EXCL`` or a hand-written ``fcntl.flock``: it
takes the operating system's own lock (``flock`` on Unix, ``msvcrt`` on Windows), which the
kernel releases when its holder dies, even by SIGKILL, so a killed run can never leave the
project locked and no pid has to be guessed alive; it falls back to a marker file on network
shares without ``flock``, opens the lock without following a planted link, and provides the
bounded wait. An ``O_EXCL`` marker would stay behind after a SIGKILL and need pid checks that
fail across hosts; ``fcntl`` alone covers Unix local disks only.

The OS lock holds no text, so the holder writes its record beside it
(:attr:`Paths.run_owner <qpv_analytics.config.Paths.run_owner>`) and removes it when done. A
record still there when a run takes the lock was left by a run that was killed: it is named in
a French notice, then replaced.
"""

from __future__ import annotations

import json
import os
import socket
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from qpv_analytics.config import Paths
from qpv_analytics.labels import os_error_reason
from qpv_analytics.publish.preflight import folder_problem, shown
from qpv_analytics.quality.model import DataError

Echo = Callable[[str], None]
PROGRAM = "python -m qpv_analytics"
"""How the commands are typed (``make reports`` runs ``python -m qpv_analytics publier``)."""


@dataclass(frozen=True)
class RunOwner:
    """The run holding the lock: process, host, start time and command."""

    pid: int
    host: str
    started: datetime
    command: str

    @classmethod
    def current(cls, command: str) -> RunOwner:
        """The record of this process running ``command``."""
        return cls(
            os.getpid(), socket.gethostname(), datetime.now().replace(microsecond=0), command
        )

    def alive(self) -> bool | None:
        """Whether the process still exists (None: it runs on another host, unknown here)."""
        if self.host != socket.gethostname() or os.name == "nt":  # Windows' kill(pid, 0) kills
            return None
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # another account's process
            return True
        return True

    def describe(self) -> str:
        """French description: ``pid 1234 sur « poste », lancée le 01/12/2025 à 09:48:12 …``."""
        return (
            f"pid {self.pid} sur « {self.host} », lancée le "
            f"{self.started:%d/%m/%Y à %H:%M:%S} : {PROGRAM} {self.command}"
        )

    def to_json(self) -> str:
        """JSON text of the record (French keys)."""
        return json.dumps(
            {
                "pid": self.pid,
                "machine": self.host,
                "debut": self.started.isoformat(),
                "commande": f"{PROGRAM} {self.command}",
            },
            ensure_ascii=False,
            indent=2,
        )


def read_owner(path: Path) -> RunOwner | None:
    """Read a run record (None when absent or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        command = str(data["commande"]).removeprefix(f"{PROGRAM} ")
        return RunOwner(
            int(data["pid"]), str(data["machine"]), datetime.fromisoformat(data["debut"]), command
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_owner(path: Path, owner: RunOwner) -> None:
    tmp = path.with_name(f"{path.name}.{owner.pid}.tmp")
    tmp.write_text(owner.to_json() + "\n", encoding="utf-8")
    tmp.replace(path)  # never read half-written


def _busy_message(holder: RunOwner | None, waited: float) -> str:
    if holder is None:
        who = "une autre exécution est en cours dans ce projet (elle n'a pas encore dit laquelle)"
    elif holder.alive() is False:
        who = (
            f"le verrou d'une exécution ({holder.describe()}) est encore tenu alors que son "
            "processus n'existe plus : un programme qu'elle a lancé (noyau de notebook) tourne "
            "sans doute encore"
        )
    else:
        who = f"une autre exécution est en cours dans ce projet ({holder.describe()})"
    after = f" depuis {waited:g} min d'attente" if waited else ""
    return (
        f"Une seule exécution à la fois : {who}{after}. Cette commande s'arrête sans rien "
        "modifier ; la publication précédente est intacte. À faire : attendez la fin de "
        "l'autre exécution puis relancez, ou relancez avec « --attendre MINUTES » "
        "(make reports ATTENTE=MINUTES) pour qu'elle attende son tour."
    )


def _acquire(lock: FileLock, timeout: float) -> bool:
    """Try to take the lock within ``timeout`` seconds (0: one attempt)."""
    with warnings.catch_warnings():  # filelock warns in English when it falls back
        warnings.simplefilter("ignore")
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            return False
    return True


@contextmanager
def exclusive_run(
    paths: Paths, command: str, wait_minutes: float = 0, echo: Echo = print
) -> Iterator[RunOwner]:
    """Hold the project's run lock for the duration of the ``with`` block.

    Args:
        paths: project folders (the lock lives in ``reports/``).
        command: the command being run, as typed after ``python -m qpv_analytics``.
        wait_minutes: how long to wait for a running command (0: stop at once).
        echo: where French notices go (waiting, a killed run's lock taken over).

    Yields:
        The record of this run.

    Raises:
        DataError: another run holds the lock (after ``wait_minutes``), or the lock cannot be
            created (folder not writable); the message names the running command and what to do.
    """
    problem = folder_problem(paths.run_lock.parent, paths.root)
    if problem:
        raise DataError(f"Impossible de lancer la commande : {problem}")
    lock = FileLock(paths.run_lock)
    try:
        paths.run_lock.parent.mkdir(parents=True, exist_ok=True)
        if not _acquire(lock, 0):
            holder = read_owner(paths.run_owner)
            if wait_minutes <= 0:
                raise DataError(_busy_message(holder, 0))
            who = holder.describe() if holder else "elle n'a pas encore dit laquelle"
            echo(
                f"Une autre exécution est en cours ({who}) : attente de sa fin, "
                f"au plus {wait_minutes:g} min…"
            )
            if not _acquire(lock, wait_minutes * 60):
                raise DataError(_busy_message(read_owner(paths.run_owner), wait_minutes))
            echo("   L'autre exécution est terminée : cette commande démarre.")
        previous = read_owner(paths.run_owner)
        if previous is not None:
            echo(
                f"Avis : une exécution précédente ({previous.describe()}) s'est arrêtée sans "
                "se terminer (processus interrompu) ; son verrou est repris."
            )
        owner = RunOwner.current(command)
        _write_owner(paths.run_owner, owner)
    except OSError as exc:
        lock.release()
        where = shown(Path(exc.filename or paths.run_lock), paths.root)
        raise DataError(
            f"Impossible de prendre le verrou d'exécution « {where} » ({os_error_reason(exc)}). "
            "À faire : vérifiez que le dossier reports/ est accessible en écriture, puis relancez."
        ) from None
    try:
        yield owner
    finally:
        try:
            paths.run_owner.unlink(missing_ok=True)
        finally:
            lock.release()
