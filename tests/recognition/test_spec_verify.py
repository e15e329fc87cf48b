"""Recognition settings -> verification values: the calibrated ones unless overridden."""

from __future__ import annotations

import pytest

from shelfscan.recognition.settings import RecognitionSettings
from shelfscan.recognition.spec import verify_config
from shelfscan.recognition.verify import BUDGET, LOW, SURE


@pytest.mark.parametrize(
    ("settings", "sure", "low", "budget", "enabled"),
    [
        (RecognitionSettings(), SURE, LOW, BUDGET, True),  # calibrated
        (RecognitionSettings(geometry_low=0.95), SURE, 0.95, BUDGET, True),  # all below sure
        (RecognitionSettings(geometry_budget=0), SURE, LOW, 0, True),  # no per-photo budget
        (RecognitionSettings(geometry_budget=7), SURE, LOW, 7, True),
        (RecognitionSettings(geometric=False), 0.0, LOW, BUDGET, True),  # no geometry alone
        (RecognitionSettings(verify=False), SURE, LOW, BUDGET, False),  # no verification
    ],
)
def test_verify_config(
    settings: RecognitionSettings, sure: float, low: float, budget: int, enabled: bool
) -> None:
    cfg = verify_config(settings)
    assert (cfg.sure, cfg.low, cfg.budget, cfg.enabled) == (sure, low, budget, enabled)
