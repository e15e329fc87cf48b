"""Every extension point is a lookup by name that lists the valid names on a miss."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from shelfscan.detection.decoders import DECODERS, get_decoder
from shelfscan.errors import ShelfscanError
from shelfscan.planogram.match import MATCHERS, get_matcher
from shelfscan.planogram.readers import READERS, get_reader
from shelfscan.sync.adapters import FACTORIES, get_adapter_factory


@pytest.mark.parametrize(
    ("lookup", "registry"),
    [
        (get_adapter_factory, FACTORIES),  # CRM adapters
        (get_reader, READERS),  # planogram file formats
        (get_decoder, DECODERS),  # detector output layouts
        (get_matcher, MATCHERS),  # planogram matchers
    ],
)
def test_lookup_by_name(lookup: Callable[[str], Any], registry: Mapping[str, Any]) -> None:
    for name in registry:
        assert lookup(name) is not None
    with pytest.raises(ShelfscanError) as info:
        lookup("no-such-name")
    assert all(name in str(info.value) for name in registry)
