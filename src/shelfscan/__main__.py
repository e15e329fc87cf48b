"""``python -m shelfscan``."""

from __future__ import annotations

from shelfscan.cli import main

main()
