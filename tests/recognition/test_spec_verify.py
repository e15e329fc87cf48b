"""Recognition settings -> verification values: the calibrated ones unless overridden."""

from __future__ import annotations

import pytest

from shelfscan.recognition.settings import RecognitionSettings
from shelfscan.recognition.spec import verify_config
from shelfscan.recognition.verify import LOW, SURE


@pytest.mark.parametrize(
    ("settings", "sure", "low", "enabled"),
    [
        (RecognitionSettings(), SURE, LOW, True),  # calibrated
        (RecognitionSettings(geometry_low=0.95), SURE, 0.95, True),  # every facing below sure
        (RecognitionSettings(geometric=False), 0.0, LOW, True),  # no geometry alone
        (RecognitionSettings(verify=False), SURE, LOW, False),  # no verification at all
    ],
)
def test_verify_config(
    settings: RecognitionSettings, sure: float, low: float, enabled: bool
) -> None:
    cfg = verify_config(settings)
    assert (cfg.sure, cfg.low, cfg.enabled) == (sure, low, enabled)
