"""``cohesion`` — the command line for officers and ops: tokens, local start-up, demo, docs, dead letters, exports."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from shared.settings import settings_for

app = typer.Typer(help="Cohesion: the services of a council's stronger-communities programme.")
dlq_app = typer.Typer(help="Inspect and replay dead-lettered messages.")
app.add_typer(dlq_app, name="dlq")
export_app = typer.Typer(help="Exports the services offer, e.g. 360giving (open data).")
app.add_typer(export_app, name="export")


@app.command()
def token(
    role: Annotated[list[str], typer.Option("--role", "-r", help="Role(s): admin, officer, finance, approver, ...")],
    council: Annotated[str, typer.Option(help="GSS code of the council")] = "E08000018",
    subject: Annotated[str, typer.Option(help="Who the token is for")] = "dev-user",
    organisation: Annotated[str | None, typer.Option("--org", help="Organisation (partners: their id)")] = None,
    ward: Annotated[list[str] | None, typer.Option("--ward", help="Ward GSS code(s) (ward members)")] = None,
    hours: Annotated[int, typer.Option(help="Lifetime in hours")] = 8,
) -> None:
    """Issue a development bearer token (HS256, signed with COHESION_JWT_SECRET)."""
    from shared.auth import issue_token

    settings = settings_for("cli")
    if settings.environment == "production":
        raise typer.BadParameter("development tokens are not issued in production")
    typer.echo(
        issue_token(
            settings,
            subject=subject,
            council=council,
            roles=role,
            organisation=organisation,
            wards=ward or [],
            ttl_seconds=hours * 3600,
        )
    )


@app.command()
def migrate(service: Annotated[list[str] | None, typer.Argument(help="Services (default: all)")] = None) -> None:
    """Create each service's database if needed and migrate it to the latest revision."""
    from shared import registry
    from shared.migrations import prepare_database

    async def run() -> None:
        for name in service or registry.names():
            await prepare_database(name)
            typer.echo(f"{name}: migrated ({settings_for(name).database_name})")

    asyncio.run(run())


@app.command()
def up() -> None:
    """Start everything locally: databases, topology, the four services and the demo data. Ctrl-C stops it."""
    from shared.cli.local import run_local

    raise typer.Exit(run_local())


@app.command()
def demo() -> None:
    """Drive a short scenario through the running system and print what happened."""
    from shared.demo import run_demo

    raise typer.Exit(asyncio.run(run_demo()))


@app.command()
def docs(out: Annotated[Path, typer.Option(help="Folder to write to")] = Path("docs")) -> None:
    """Write the AsyncAPI 3 document, each event's JSON Schema and each service's OpenAPI."""
    from shared.docs import update_readme, write_docs

    for path in write_docs(out):
        typer.echo(str(path))
    readme = Path(__file__).resolve().parents[2] / "README.md"
    if update_readme(readme):
        typer.echo(f"{readme}: event catalogue updated")


@dlq_app.command("list")
def dlq_list(
    peek: Annotated[int, typer.Option(help="Show up to this many messages of each non-empty DLQ")] = 5,
) -> None:
    """Every dead-letter queue with its depth, and a peek at the messages waiting there."""
    from shared.cli.ops import list_dead_letters

    report = asyncio.run(list_dead_letters(settings_for("cli"), peek=peek))
    typer.echo(json.dumps(report, indent=2, default=str))


@dlq_app.command("replay")
def dlq_replay(
    consumer: Annotated[str, typer.Argument(help="Consumer name, e.g. grants.ward-directory")],
    limit: Annotated[int | None, typer.Option(help="At most this many messages")] = None,
) -> None:
    """Move a consumer's dead letters back onto its queue, with a fresh attempt count."""
    from shared.cli.ops import replay_dead_letters

    moved = asyncio.run(replay_dead_letters(settings_for("cli"), consumer, limit=limit))
    typer.echo(f"replayed {moved} message(s) from {consumer}.dlq to {consumer}")


def main() -> None:
    import sys

    if "export" in sys.argv[1:2]:  # the services' exports, only when asked for: listing them imports every service
        from shared.cli.export import add_export_commands

        add_export_commands(export_app)
    app()
