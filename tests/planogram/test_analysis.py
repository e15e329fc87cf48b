"""PlanogramAnalysis: picks the planogram that fits (the pipeline turns it into KPIs)."""

from __future__ import annotations

import pytest

from bay_builders import PLAN, edited, remove, shoot
from shelfscan.errors import ConfigError, PlanogramError
from shelfscan.kpi.planogram import planogram_kpis
from shelfscan.planogram import Planogram
from shelfscan.planogram.analysis import PlanogramAnalysis

OTHER = Planogram.from_blocks("OTHER", [[("Z1", 5, 80.0), ("Z2", 5, 80.0)], [("Z3", 8, 60.0)]])


@pytest.mark.parametrize("order", [[PLAN, OTHER], [OTHER, PLAN]])
def test_best_fitting_planogram_is_used(order: list[Planogram]) -> None:
    dets, layout, _ = shoot(edited(PLAN, remove(0, "B")))
    match, planogram = PlanogramAnalysis(order)(dets, layout)
    assert match.planogram_id == planogram.id == "T"
    report = planogram_kpis(match, planogram, dets)
    assert report["positions_missing"] == 1.0
    assert report["planogram_compliance"] == pytest.approx(9 / 10)


def test_planogram_id_forces_a_planogram() -> None:
    dets, layout, _ = shoot(edited(PLAN))
    analysis = PlanogramAnalysis([PLAN, OTHER])
    match, _ = analysis(dets, layout, "OTHER")
    assert match.planogram_id == "OTHER"
    with pytest.raises(PlanogramError, match="not among"):
        analysis(dets, layout, "NOPE")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"planograms": []}, PlanogramError), ({"planograms": [PLAN], "matcher": "x"}, ConfigError)],
)
def test_bad_configuration(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        PlanogramAnalysis(**kwargs)  # type: ignore[arg-type]
