"""``cohesion export <name>``: the exports the services register (``ServiceDefinition.exports``).

Each becomes a command with ``--council`` and ``--out`` and the options it declares; it runs in
this process with its service's settings (e.g. grants' 360Giving export reads the grants database).
The commands are added only when ``cohesion export`` is asked for: listing them imports every service.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from shared import registry
from shared.service import Export
from shared.settings import settings_for


def add_export_commands(group: typer.Typer) -> None:
    for name, definition in registry.definitions().items():
        for export in definition.exports:
            group.command(export.name, help=export.summary)(export_command(name, export))


def export_command(service: str, export: Export) -> Callable[..., None]:
    def run(council: str, out: Path, **options: str | None) -> None:
        try:
            said = asyncio.run(export.write(settings_for(service), council, out, **options))
        except LookupError as exc:
            typer.echo(f"nothing written: {exc}", err=True)
            raise typer.Exit(1) from exc
        typer.echo(said)

    parameters = [
        _option("council", str, help="GSS code of the council, e.g. E08000018"),
        _option("out", Path, help="Folder to write to"),
        *(_option(option, str | None, help=text, default=None) for option, text in export.options.items()),
    ]
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run


def _option(name: str, kind: Any, *, help: str, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[kind, typer.Option(help=help)],
        default=default,
    )
