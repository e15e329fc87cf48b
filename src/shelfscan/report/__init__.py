"""Pictures a person looks at: annotated photos and the offline HTML visit report."""

from __future__ import annotations

from shelfscan.report.annotate import COLOURS, annotate
from shelfscan.report.build import annotated_jpeg, write_report
from shelfscan.report.html import render_html
from shelfscan.report.visit import Action, VisitReport, actions_for, load_visit_report

__all__ = [
    "COLOURS",
    "Action",
    "VisitReport",
    "actions_for",
    "annotate",
    "annotated_jpeg",
    "load_visit_report",
    "render_html",
    "write_report",
]
