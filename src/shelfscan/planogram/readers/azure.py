"""Azure-style planogram JSON (the Image Analysis "planogram matching" schema).

::

    {"planogram": {"width": 100, "height": 50,
      "products":  [{"id": "p1", "name": "...", "w": 12.3, "h": 20}],
      "fixtures":  [{"id": "f1", "w": 100, "h": 2, "x": 0, "y": 20}],
      "positions": [{"id": "1", "productId": "p1", "fixtureId": "f1", "x": 0, "y": 4}]}}

Coordinates have their origin at the top left. Fixtures (shelves) are ordered by ``y``
(top first); each position is one facing, ordered by ``x`` on its fixture, and neighbouring
facings of the same product become one position with several facings. The product ``id``
is the SKU; ``w`` becomes the facing width.
"""

from __future__ import annotations

from typing import Any

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, PlanogramShelf, Position
from shelfscan.planogram.readers._build import parse_float


def is_azure(data: Any) -> bool:
    body = data.get("planogram", data) if isinstance(data, dict) else None
    return isinstance(body, dict) and "fixtures" in body and "positions" in body


def _index(items: Any, kind: str, source: str) -> dict[str, dict[str, Any]]:
    if not isinstance(items, list):
        raise PlanogramError(f"{source}: '{kind}' must be a list")
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item:
            raise PlanogramError(f"{source}: {kind}[{i}]: expected an object with an 'id'")
        key = str(item["id"])
        if key in out:
            raise PlanogramError(f"{source}: {kind}[{i}]: duplicate {kind[:-1]} id {key!r}")
        out[key] = {**item, "_at": f"{source}: {kind}[{i}]"}
    return out


def read_azure_data(data: Any, source: str, default_id: str) -> list[Planogram]:
    body = data.get("planogram", data)
    products = _index(body.get("products", []), "products", source)
    fixtures = _index(body["fixtures"], "fixtures", source)
    positions = _index(body["positions"], "positions", source)
    if not fixtures:
        raise PlanogramError(f"{source}: planogram has no fixtures (a bay with no shelves)")
    per_fixture: dict[str, list[tuple[float, str, str]]] = {f: [] for f in fixtures}
    xs_seen: dict[str, set[float]] = {f: set() for f in fixtures}
    for pos in positions.values():
        at = pos["_at"]
        fid, pid = str(pos.get("fixtureId", "")), str(pos.get("productId", ""))
        if fid not in fixtures:
            raise PlanogramError(f"{at}: unknown fixtureId {fid!r}")
        if products and pid not in products:
            raise PlanogramError(f"{at}: unknown productId {pid!r}")
        x = float(parse_float(pos.get("x"), "x", at) or 0.0)
        if round(x, 9) in xs_seen[fid]:  # a set: linear in the number of positions
            raise PlanogramError(f"{at}: duplicate position (fixture {fid!r} x={x:g})")
        xs_seen[fid].add(round(x, 9))
        per_fixture[fid].append((x, pid, at))
    order = sorted(
        fixtures,
        key=lambda f: float(parse_float(fixtures[f].get("y"), "y", fixtures[f]["_at"]) or 0.0),
    )
    shelves = []
    for fid in order:
        blocks: list[Position] = []
        for _, pid, at in sorted(per_fixture[fid]):
            width = products.get(pid, {}).get("w")
            w = parse_float(width, "w", products.get(pid, {}).get("_at", at), optional=True)
            if blocks and blocks[-1].sku == pid:
                last = blocks[-1]
                blocks[-1] = Position(pid, last.facings + 1, last.width_mm, "", last.source)
            else:
                blocks.append(Position(pid, 1, w, "", at))
        if not blocks:
            raise PlanogramError(f"{fixtures[fid]['_at']}: fixture {fid!r} has no positions")
        shelves.append(PlanogramShelf(tuple(blocks)))
    bay_id = str(body.get("id") or default_id)
    return [Planogram(bay_id, tuple(shelves), str(body.get("name") or bay_id), source)]
