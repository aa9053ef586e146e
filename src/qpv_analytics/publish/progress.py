"""What ``make reports`` shows while the reports run: a bar, one line per report, the slowest.

The bar is tqdm's (already installed with Papermill), drawn on the terminal only: in a log or
a test, where the standard error is not a terminal, only the lines are written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

Echo = Callable[[str], None]

SLOWEST = 5
"""How many of the slowest reports the end of a run names."""


def seconds(value: float) -> str:
    """``12,3 s`` (French decimal comma)."""
    return f"{value:.1f}".replace(".", ",") + " s"


class Progress:
    """Progress of the reports of one run (``with Progress(total, echo) as progress``)."""

    def __init__(self, total: int, echo: Echo) -> None:
        self.total = total
        self.echo = echo
        self.done: list[tuple[str, float, bool]] = []
        self._bar = None
        if total and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                desc="   rapports",
                unit=" rapport",
                leave=False,
                file=sys.stderr,
                bar_format="{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}<{remaining}]",
            )

    def line(self, text: str) -> None:
        """A line above the bar (or alone without a terminal)."""
        if self._bar is not None:
            self._bar.write(text, file=sys.stdout)
        else:
            self.echo(text)

    def report(self, name: str, duration: float, rebuilt: bool, ok: bool = True) -> None:
        """One report finished: its line (name, duration, rebuilt or reused, status)."""
        how = "reconstruit" if rebuilt else "repris (inchangé)"
        status = "ok" if ok else "ÉCHEC"
        shown = seconds(duration) if rebuilt else "–"
        self.line(f"   {name:<58} {shown:>8}  {how:<18} {status}")
        self.done.append((name, duration, rebuilt))
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        """Remove the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def summary(self, total_seconds: float) -> list[str]:
        """The closing lines: counts, total time, the slowest rebuilt reports."""
        rebuilt = [d for d in self.done if d[2]]
        lines = [
            f"   {len(rebuilt)} rapport(s) reconstruit(s), {len(self.done) - len(rebuilt)} "
            f"repris sans changement, en {seconds(total_seconds)}."
        ]
        slowest = sorted(rebuilt, key=lambda d: -d[1])[:SLOWEST]
        if slowest:
            listed = ", ".join(f"{name} ({seconds(s)})" for name, s, _ in slowest)
            lines.append(f"   Les plus longs : {listed}.")
        return lines

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
