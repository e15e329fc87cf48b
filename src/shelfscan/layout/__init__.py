"""Shelf layout: rows of facings and the gaps between them."""

from __future__ import annotations

from shelfscan.layout.build import build_layout
from shelfscan.layout.gaps import find_row_gaps
from shelfscan.layout.rows import cluster_rows

__all__ = ["build_layout", "cluster_rows", "find_row_gaps"]
