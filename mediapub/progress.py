"""Progress reporting for long work, passed to the pipeline rather than kept globally."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)


class Advance(Protocol):
    """Says how much is done; ``total`` too when it became known only once the work started (a download)."""

    def __call__(self, done: float, total: float | None = None, /) -> None: ...


def _ignore(done: float, total: float | None = None, /) -> None:
    return None


class Reporter:
    """Shows a progress bar per task and warnings on ``console`` (stderr); silent when it is None.

    ``progress=False`` is for ``--json``: a script's log should not fill with
    progress lines, but it still needs the warnings.
    """

    def __init__(self, console: Console | None = None, *, progress: bool = True) -> None:
        self.console = console
        self.progress = progress

    @contextmanager
    def task(self, description: str, total: float | None = None, *, in_bytes: bool = False) -> Iterator[Advance]:
        """Yield a function that sets how much of ``total`` is done (``in_bytes``: show sizes and the rate)."""
        if self.console is None or not self.progress:
            yield _ignore
            return
        if not self.console.is_terminal:
            # A log file gets one line per finished task, not redrawn bars.
            yield _ignore
            self.console.print(f"done: {description}", highlight=False)
            return
        columns: tuple[ProgressColumn, ...] = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
        if in_bytes:
            columns = (*columns[:2], DownloadColumn(), TransferSpeedColumn(), columns[2])
        with Progress(*columns, console=self.console, transient=True) as progress:
            task_id = progress.add_task(description, total=total)

            def advance(done: float, total: float | None = None, /) -> None:
                if total:
                    progress.update(task_id, total=total)
                progress.update(task_id, completed=done)

            yield advance
            progress.console.print(f"[green]✓[/green] {description}", highlight=False)

    def warn(self, message: str) -> None:
        if self.console is not None:
            self.console.print(f"[yellow]warning:[/yellow] {message}", highlight=False)
