"""``verbali review`` (the web application) and ``verbali export-labels``."""

from __future__ import annotations

import ipaddress
import os
import secrets
import sys
from pathlib import Path

import click

from pipeline.config import Settings

TOKEN_VARIABLE = "VERBALI_REVIEW_TOKEN"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--out", "outputs_dir", type=click.Path(file_okay=False, path_type=Path), help="Output folder [outputs]")
@click.option("--recordings", "recordings_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where uploads go [recordings]")  # fmt: skip
@click.option("--models", "models_dir", type=click.Path(file_okay=False, path_type=Path), help="Models [models]")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; not loopback: token.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
def review(
    outputs_dir: Path | None, recordings_dir: Path | None, models_dir: Path | None, host: str, port: int
) -> None:
    """Review and correct the drafts in the browser; upload Zoom folders.

    Listens on 127.0.0.1 only, unless --host says otherwise; then every browser needs the access
    token (VERBALI_REVIEW_TOKEN, or one printed here once).
    """
    import uvicorn

    from pipeline.review.app import create_app

    settings = Settings.from_environment(outputs_dir=outputs_dir, recordings_dir=recordings_dir, models_dir=models_dir)
    token = None
    if not is_loopback(host):
        token = os.environ.get(TOKEN_VARIABLE) or secrets.token_urlsafe(18)
        if TOKEN_VARIABLE not in os.environ:
            click.echo(f"access token (shown once): {token}", err=True)
        click.echo(f"open http://{host}:{port}/?token=<token> in a browser on the office network", err=True)
    else:
        click.echo(f"open http://{host}:{port}/ in a browser", err=True)
    uvicorn.run(create_app(settings, token), host=host, port=port, log_level="warning")


@click.command(name="export-labels")
@click.option("--out", "outputs_dir", type=click.Path(file_okay=False, path_type=Path), help="Output folder [outputs]")
@click.option(
    "--dir", "target", type=click.Path(file_okay=False, path_type=Path), default=Path("labels"), show_default=True,
    help="Where to write <session>.transcript.json and <session>.labels.json.",
)  # fmt: skip
def export_labels_command(outputs_dir: Path | None, target: Path) -> None:
    """Write the corrected tables and headings of approved sessions as labelled data."""
    from pipeline.review.labels import export_labels

    settings = Settings.from_environment(outputs_dir=outputs_dir)
    written = export_labels(settings.outputs_dir, target)
    if not written:
        click.echo(f"no approved session in {settings.outputs_dir}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(str(path))
