"""The result of matching one photo against a planogram: per position and per facing."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

PositionStatus = Literal["ok", "missing", "misplaced", "wrong_facings", "unseen"]
FacingStatus = Literal["", "expected", "misplaced", "unexpected", "unknown"]  # "": no facing
POSITION_STATUSES: tuple[PositionStatus, ...] = get_args(PositionStatus)
FACING_STATUSES: tuple[FacingStatus, ...] = get_args(FacingStatus)[1:]

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PositionMatch:
    """What was found for one planogram position.

    ``status``: ``ok`` (all facings there), ``missing`` (none there and the SKU is nowhere
    else: out of stock), ``misplaced`` (the SKU stands elsewhere, or swapped with its
    neighbour), ``wrong_facings`` (too few or too many), ``unseen`` (outside the photo).
    """

    shelf: int  # 0-based planogram shelf (0 = top)
    position: int  # 0-based position on the shelf (0 = leftmost)
    sku: str
    expected: int  # planned facings
    observed: int  # facings of this SKU counted at this position
    status: PositionStatus
    row: int = -1  # layout row matched to the shelf, -1 when none
    facing_ids: tuple[int, ...] = ()  # detection indices counted for the position
    slot_boxes: tuple[Box, ...] = ()  # estimated places of missing facings (for drawing)
    visible: int = -1  # slots inside the photo (-1: all)

    @property
    def label(self) -> str:
        return f"shelf {self.shelf + 1} position {self.position + 1}"


@dataclass(frozen=True)
class PlanogramMatch:
    """Planogram vs one photo. ``facing_status`` has one entry per detection ("" for
    boxes that are not facings on a row)."""

    planogram_id: str
    matcher: str
    positions: tuple[PositionMatch, ...]
    facing_status: tuple[FacingStatus, ...]
    shelf_of_row: tuple[int, ...]  # per layout row: matched planogram shelf, -1 for none
    cost: float = 0.0
    elapsed_ms: float = 0.0

    def status_counts(self) -> dict[str, int]:
        counts = Counter(p.status for p in self.positions)
        return {s: counts.get(s, 0) for s in POSITION_STATUSES}

    def facing_counts(self) -> dict[str, int]:
        counts: Counter[str] = Counter(s for s in self.facing_status if s)
        return {s: counts.get(s, 0) for s in FACING_STATUSES}

    def to_json(self) -> dict[str, Any]:
        return {
            "planogram_id": self.planogram_id,
            "matcher": self.matcher,
            "cost": self.cost,
            "elapsed_ms": self.elapsed_ms,
            "shelf_of_row": list(self.shelf_of_row),
            "facing_status": list(self.facing_status),
            "positions": [
                {
                    **asdict(p),
                    "facing_ids": list(p.facing_ids),
                    "slot_boxes": [list(b) for b in p.slot_boxes],
                }
                for p in self.positions
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanogramMatch:
        positions = tuple(
            PositionMatch(
                **{
                    **p,
                    "status": _position_status(p["status"]),
                    "facing_ids": tuple(int(i) for i in p["facing_ids"]),
                    "slot_boxes": tuple(tuple(float(v) for v in b) for b in p["slot_boxes"]),
                }
            )
            for p in data["positions"]
        )
        return cls(
            str(data["planogram_id"]),
            str(data["matcher"]),
            positions,
            tuple(_facing_status(s) for s in data["facing_status"]),
            tuple(int(s) for s in data["shelf_of_row"]),
            float(data.get("cost", 0.0)),
            float(data.get("elapsed_ms", 0.0)),
        )


def _position_status(value: object) -> PositionStatus:
    for status in POSITION_STATUSES:
        if value == status:
            return status
    raise ValueError(f"position status must be one of {POSITION_STATUSES}, got {value!r}")


def _facing_status(value: object) -> FacingStatus:
    for status in get_args(FacingStatus):
        if value == status:
            return status  # type: ignore[no-any-return]
    raise ValueError(f"facing status must be '' or one of {FACING_STATUSES}, got {value!r}")
