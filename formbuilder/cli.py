"""The ``formbuilder`` command: the product's front door for staff and operators."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from schemas import check as check_form


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formbuilder")
def main() -> None:
    """formbuilder: city forms online, from one file per form."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print only problems, not the summary.")
def check(files: tuple[Path, ...], quiet: bool) -> None:
    """Check form files and explain every problem with its file and line.

    Exits with status 1 when any file has a problem (warnings alone do not fail).
    """
    failed = 0
    for path in _expand(files):
        problems = check_form(path)
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            click.echo(str(problem), err=False)
        if errors:
            failed += 1
        elif not quiet:
            warned = f" ({len(problems)} warnings)" if problems else ""
            click.echo(f"{path}: ok{warned}")
    if not quiet:
        count = len(_expand(files))
        summary = f"{count} form file{'s' if count != 1 else ''} checked"
        click.echo(f"{summary}, {failed} with problems." if failed else f"{summary}, all good.")
    sys.exit(1 if failed else 0)


def _expand(files: tuple[Path, ...]) -> list[Path]:
    """Folders stand for the form files inside them."""
    expanded: list[Path] = []
    for path in files:
        if path.is_dir():
            expanded += sorted(p for p in path.iterdir()
                               if p.suffix.lower() in (".yaml", ".yml", ".json"))
        else:
            expanded.append(path)
    return expanded
