"""Every command has help text and is documented in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from shelfscan.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def command_paths() -> list[tuple[str, ...]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(cmd: Any, prefix: tuple[str, ...]) -> None:
        if getattr(cmd, "commands", None):
            for name, sub in cmd.commands.items():
                walk(sub, (*prefix, name))
        else:
            found.append(prefix)

    walk(root, ())
    return sorted(found)


def test_there_are_commands() -> None:
    assert ("scan",) in command_paths()


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_command_has_help_and_readme_entry(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    assert f"shelfscan {' '.join(path)}" in README, (
        f"README does not mention `shelfscan {' '.join(path)}`"
    )
