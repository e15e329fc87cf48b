"""shelfscan's own planogram JSON.

One bay::

    {"id": "B1", "name": "Cola bay", "shelves": [
        [{"sku": "4711", "facings": 3, "width_mm": 66}, {"sku": "4712", "facings": 2}],
        ...]}

or ``{"planograms": [bay, ...]}`` or a list of bays. Shelves go top to bottom; a shelf is
a list of positions (or ``{"positions": [...]}``). ``id`` defaults to the file name.
"""

from __future__ import annotations

from typing import Any

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, PlanogramShelf, Position
from shelfscan.planogram.readers._build import (
    MAX_FACINGS,
    MAX_SHELVES,
    MAX_TEXT,
    parse_float,
    short,
)


def _bay(data: Any, source: str, default_id: str, where: str) -> Planogram:
    if not isinstance(data, dict) or "shelves" not in data:
        raise PlanogramError(f"{source}: {where}: expected an object with a 'shelves' list")
    shelves_in = data["shelves"]
    bay_id = str(data.get("id") or data.get("bay") or default_id)[:MAX_TEXT]
    if not isinstance(shelves_in, list) or not shelves_in:
        raise PlanogramError(f"{source}: {where}: bay {bay_id!r} has no shelves")
    if len(shelves_in) > MAX_SHELVES:
        raise PlanogramError(
            f"{source}: {where}: bay {bay_id!r} has {len(shelves_in)} shelves (at most {MAX_SHELVES})"
        )
    shelves = []
    for s, shelf in enumerate(shelves_in):
        items = shelf.get("positions") if isinstance(shelf, dict) else shelf
        at = f"{source}: {where}.shelves[{s}]"
        if not isinstance(items, list):
            raise PlanogramError(f"{at}: expected a list of positions")
        positions = []
        order_keys: list[float] = []
        seen: dict[str, int] = {}
        for p, item in enumerate(items):
            pat = f"{at}[{p}]"
            if not isinstance(item, dict) or "sku" not in item:
                raise PlanogramError(f"{pat}: expected an object with 'sku' and 'facings'")
            if "position" in item:
                number = parse_float(item["position"], "position", pat)
                key = f"{number:g}"
                if key in seen:
                    raise PlanogramError(f"{pat}: duplicate position {key} (also at [{seen[key]}])")
                seen[key] = p
                order_keys.append(float(number or 0.0))
            else:
                order_keys.append(float(p))
            facings = item.get("facings", 1)
            if not isinstance(facings, int) or isinstance(facings, bool):
                raise PlanogramError(f"{pat}: facings must be a whole number, got {short(facings)}")
            if not 1 <= facings <= MAX_FACINGS:
                raise PlanogramError(
                    f"{pat}: facings must be 1 to {MAX_FACINGS}, got {short(facings)}"
                )
            width = parse_float(item.get("width_mm"), "width_mm", pat, optional=True)
            positions.append(
                Position(str(item["sku"]), facings, width, str(item.get("brand", "")), pat)
            )
        if "position" in (items[0] if items and isinstance(items[0], dict) else {}):
            order = sorted(range(len(items)), key=lambda i: order_keys[i])
            positions = [positions[i] for i in order]
        shelves.append(PlanogramShelf(tuple(positions)))
    return Planogram(bay_id, tuple(shelves), str(data.get("name") or bay_id), source)


def read_json_data(data: Any, source: str, default_id: str) -> list[Planogram]:
    if isinstance(data, dict) and "planograms" in data:
        data = data["planograms"]
    if isinstance(data, list):
        if not data:
            raise PlanogramError(f"{source}: no planograms in the file")
        bays = [_bay(b, source, f"{default_id}-{i + 1}", f"[{i}]") for i, b in enumerate(data)]
    else:
        bays = [_bay(data, source, default_id, "$")]
    ids = [b.id for b in bays]
    dup = next((i for i in ids if ids.count(i) > 1), None)
    if dup is not None:
        raise PlanogramError(f"{source}: bay id {dup!r} appears more than once")
    return bays
