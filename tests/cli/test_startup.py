"""Start-up: a command imports only what it uses; the quick listing matches the commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

import shelfscan.cli as cli

# pandas: sqlite_utils imports it where installed (the ray extra), 0.28 s; shelfscan hides it
HEAVY = ("cv2", "onnxruntime", "requests", "pandas", "sqlite_utils")

PROBE = """
import json, sys
sys.argv = ["shelfscan", *{args!r}]
from shelfscan.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps([m for m in {heavy!r} if m in sys.modules]), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        ([], ()),  # bare `shelfscan`: the listing
        (["--help"], ()),
        (["visits", "--help"], ()),
        (["show", "--help"], ()),
        (["visits", "--db", "{db}"], ("sqlite_utils",)),  # lists visits from SQLite alone
    ],
)
def test_light_commands_load_no_heavy_module(
    tmp_path: object, args: list[str], allowed: tuple[str, ...]
) -> None:
    argv = [a.replace("{db}", f"{tmp_path}/s.db") for a in args]
    code = PROBE.format(args=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert set(loaded) <= set(allowed), f"shelfscan {' '.join(args)} imported {loaded}"


def test_listing_matches_every_command() -> None:
    full = typer.main.get_command(cli.build_app())
    quick = typer.main.get_command(cli._listing_app())
    assert isinstance(full, typer.core.TyperGroup) and isinstance(quick, typer.core.TyperGroup)
    assert list(quick.commands) == list(full.commands)  # a new command needs its line here
    for name, command in full.commands.items():
        assert quick.commands[name].get_short_help_str(300) == command.get_short_help_str(300)


def test_single_command_app_still_takes_the_command_name() -> None:
    result = CliRunner().invoke(cli.build_app("visits"), ["visits", "--help"])
    assert result.exit_code == 0 and "List stored visits" in result.stdout
