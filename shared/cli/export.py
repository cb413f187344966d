"""``cohesion export 360giving``: the council's awarded grants as 360Giving open data (JSON and CSV).

The export runs in-process with the grants service's settings and reads the grants database only;
the mapping to the standard lives with the grants service (``services.grants.open_data``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from shared.settings import settings_for


def three_sixty_giving(council: str, out: Path, prefix: str | None) -> None:
    from services.grants.open_data import export_360giving

    try:
        json_path, csv_path, count = asyncio.run(export_360giving(settings_for("grants"), council, out, prefix))
    except LookupError as exc:
        typer.echo(f"nothing written: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"{count} grant(s) written to {json_path} and {csv_path}")
