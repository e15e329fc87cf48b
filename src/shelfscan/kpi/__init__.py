"""KPI formulas: pure functions over layouts, detections and planogram matches."""

from __future__ import annotations

from shelfscan.kpi.share import share_kpis
from shelfscan.kpi.shelf import shelf_kpis

__all__ = ["share_kpis", "shelf_kpis"]
