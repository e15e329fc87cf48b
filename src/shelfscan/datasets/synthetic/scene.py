"""Scene plans: a bay's planogram and the products actually standing on it.

``plan_scene`` builds a ``SceneSpec`` of plain, editable dataclasses (millimetres,
bay origin at the top-left of the bay, y downwards). Tests and tools may change it
(remove facings, swap SKUs, add competitors) before ``render_scene`` draws it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from .hard import PLAN_STREAM, TIER_STREAM, TRAY_MM, HardPlan, Realism
from .products import SkuSpec, SyntheticCatalog

BOARD_MM = 45.0  # height of a shelf board's front edge strip
HANG_MM = BOARD_MM * 0.7 + 40.0  # pegboard: hook rail top to the top of a hanging pack
_TAG_W_MM = (50.0, 75.0)


@dataclass(frozen=True)
class SceneConfig:
    """Knobs of the scene planner; every range is (low, high)."""

    shelves: tuple[int, int] = (3, 7)
    pegboard_prob: float = 0.1
    facings: tuple[int, int] = (1, 6)
    oos_prob: float = 0.1  # a whole planogram block is out of stock
    partial_oos_prob: float = 0.1  # some facings of a block are missing
    pushed_back_prob: float = 0.06  # a facing stands behind the shelf edge
    stack_prob: float = 0.15  # a block of boxes/cans/jars is stacked two high where it fits
    foreign_prob: float = 0.02  # a facing holds a SKU from outside the planogram
    price_tags: bool = True
    # visible part of the bay's width: below 1 shows the whole bay with side panels,
    # above 1 crops products at the left and right frame edges
    view_width: tuple[float, float] = (0.92, 1.12)
    aspect: float = 4 / 3  # width / height of the photo the plan is framed for
    catalog_skus: int = 200  # size of the default catalog when none is given
    camera_strength: float = 0.5  # used by ``generate_scene`` (0 = no camera effects)
    # hard cases of real stores (``hard.Realism``); all off by default
    realism: Realism = field(default_factory=Realism)


@dataclass
class PlacedItem:
    """One product facing as it stands in the bay (millimetres)."""

    sku: str
    shelf: int  # 0 = top shelf
    x_mm: float  # left edge, from the bay's left edge
    width_mm: float
    height_mm: float
    pushed_back: bool = False
    level: int = 0  # 0 = standing on the shelf, 1 = stacked on the unit below, ...
    lift_mm: float = 0.0  # raised above its place (bags heaped in a basket)


@dataclass
class PriceTag:
    """A price label on a shelf edge (or hook rail), left-aligned with its block."""

    shelf: int
    x_mm: float
    width_mm: float
    sku: str
    price: str
    style: str = "plain"  # one of ``hard.TAG_STYLES``


@dataclass
class Shelf:
    """One shelf: products stand on ``base_mm`` and may rise ``clearance_mm`` above it.

    On a pegboard bay ``base_mm`` is the hook rail and products hang below it.
    """

    base_mm: float
    clearance_mm: float


@dataclass
class SceneStyle:
    """Colours (BGR) and lighting of the fixture."""

    back: tuple[int, int, int]
    board: tuple[int, int, int]
    edge: tuple[int, int, int]
    tag: tuple[int, int, int]
    floor: tuple[int, int, int]
    header: tuple[int, int, int]
    light_top: float  # brightness multiplier at the top of the bay
    light_bottom: float


@dataclass
class SceneSpec:
    """A planned bay: what should be there (``planogram``) and what is (``items``)."""

    catalog: SyntheticCatalog
    bay_type: str  # "shelf" or "pegboard"
    bay_width_mm: float
    bay_height_mm: float
    view_width_mm: float  # width of the bay region framed by the photo (centred)
    shelves: list[Shelf]
    planogram: list[list[tuple[str, int]]]  # shelves top to bottom: (sku, facings) blocks
    items: list[PlacedItem]
    price_tags: list[PriceTag]
    style: SceneStyle
    header_text: str = ""
    extras: dict[str, object] = field(default_factory=dict)
    hard: HardPlan | None = None  # hard cases to draw (``SceneConfig.realism``)

    def items_on(self, shelf: int, all_levels: bool = False) -> list[PlacedItem]:
        """Facings of one shelf, left to right: the units standing on the shelf, or with
        ``all_levels`` also the units stacked on them."""
        return sorted(
            (i for i in self.items if i.shelf == shelf and (all_levels or i.level == 0)),
            key=lambda i: (i.x_mm, i.level),
        )

    def remove_facings(self, sku: str, count: int | None = None, shelf: int | None = None) -> int:
        """Remove up to ``count`` facings of ``sku`` (all when None), rightmost first, with
        any units stacked on them. Returns the number of facings removed; the planogram is
        left unchanged.
        """
        hits = [
            i
            for i in self.items
            if i.sku == sku and i.level == 0 and (shelf is None or i.shelf == shelf)
        ]
        hits.sort(key=lambda i: (i.shelf, -i.x_mm))
        drop = hits if count is None else hits[:count]

        def stacked_on(item: PlacedItem, base: PlacedItem) -> bool:
            return item.shelf == base.shelf and abs(item.x_mm - base.x_mm) < base.width_mm / 2

        self.items = [i for i in self.items if not any(stacked_on(i, d) for d in drop)]
        return len(drop)

    def replace_sku(self, old: str, new: str, shelf: int | None = None) -> int:
        """Put ``new`` where ``old`` stands (keeping slot widths); returns the count."""
        spec = self.catalog.get(new)
        n = 0
        for item in self.items:
            if item.sku == old and (shelf is None or item.shelf == shelf):
                item.sku, item.height_mm = new, spec.height_mm
                item.width_mm = min(spec.width_mm, item.width_mm * 1.15)
                n += 1
        return n


def _style(rng: np.random.Generator) -> SceneStyle:
    backs = [(205, 205, 200), (225, 222, 215), (175, 180, 182), (60, 60, 62), (200, 210, 220)]
    edges = [(240, 240, 240), (55, 55, 58), (190, 192, 195), (40, 40, 190), (160, 90, 30)]
    tags = [(60, 220, 250), (245, 245, 245), (70, 180, 250), (90, 220, 150)]
    floors = [(170, 175, 180), (140, 155, 170), (200, 200, 198)]
    back = backs[int(rng.integers(len(backs)))]
    return SceneStyle(
        back=back,
        board=tuple(int(c * 0.85) for c in back),  # type: ignore[arg-type]
        edge=edges[int(rng.integers(len(edges)))],
        tag=tags[int(rng.integers(len(tags)))],
        floor=floors[int(rng.integers(len(floors)))],
        header=tuple(int(v) for v in rng.integers(30, 230, 3)),  # type: ignore[arg-type]
        light_top=float(rng.uniform(0.95, 1.12)),
        light_bottom=float(rng.uniform(0.7, 0.95)),
    )


def _pick_brands(rng: np.random.Generator, catalog: SyntheticCatalog, n_shelves: int) -> list[str]:
    """A few brands of one or two categories, as a real bay is merchandised."""
    cats = sorted({s.category for s in catalog.skus})
    main = str(rng.choice(cats))
    pool = [b.name for b in catalog.brands if b.category == main]
    if len(pool) < 3 or rng.random() < 0.4:
        other = str(rng.choice(cats))
        pool += [b.name for b in catalog.brands if b.category == other and b.name not in pool]
    rng.shuffle(pool)
    return pool[: max(2, min(len(pool), n_shelves + 2))]


def _fill_shelf(
    rng: np.random.Generator,
    band: list[SkuSpec],
    pool: list[SkuSpec],
    width_mm: float,
    facings: tuple[int, int],
    max_height: float,
) -> list[tuple[SkuSpec, int]]:
    """Blocks of (sku, facings), left to right, filling ``width_mm``; brands kept together."""
    fits = [s for s in pool if s.height_mm <= max_height]
    band_ids = {s.sku for s in band}
    first = [fits[i] for i in rng.permutation(len(fits)) if fits[i].sku in band_ids]
    rest = [fits[i] for i in rng.permutation(len(fits)) if fits[i].sku not in band_ids]
    specs: list[SkuSpec] = []
    counts: list[int] = []
    used = 0.0
    for spec in first + rest:
        n = int(rng.integers(facings[0], facings[1] + 1))
        n = min(n, int((width_mm - used) // (spec.width_mm + 3)))
        if n >= 1:
            specs.append(spec)
            counts.append(n)
            used += n * (spec.width_mm + 3) + 6
    # widen blocks (up to the facing limit, then past it) until the shelf is full
    for limit in (facings[1], facings[1] * 2):
        grew = True
        while grew:
            grew = False
            for k in rng.permutation(len(specs)).tolist():
                if counts[k] < limit and used + specs[k].width_mm + 3 <= width_mm:
                    counts[k] += 1
                    used += specs[k].width_mm + 3
                    grew = True
    keys = [(sp.brand, float(rng.random())) for sp in specs]
    order = sorted(range(len(specs)), key=lambda i: keys[i])  # brands kept together
    return [(specs[i], counts[i]) for i in order]


def plan_scene(
    seed: int, config: SceneConfig | None = None, catalog: SyntheticCatalog | None = None
) -> SceneSpec:
    """Plan a bay (planogram + placed items + price tags), deterministic from ``seed``."""
    cfg = config or SceneConfig()
    cat = catalog or SyntheticCatalog(cfg.catalog_skus, seed=0)
    rng = np.random.default_rng(seed)
    pegboard = rng.random() < cfg.pegboard_prob
    n_shelves = int(rng.integers(cfg.shelves[0], cfg.shelves[1] + 1))
    brands = _pick_brands(rng, cat, n_shelves)
    pool = [s for s in cat.skus if s.brand in brands]
    if pegboard:
        pool = [s for s in pool if s.shape in ("bag", "box", "tube")] or pool
    # shelf heights from the products that go there
    by_height = sorted(pool, key=lambda s: s.height_mm)
    cuts = [round(len(by_height) * k / n_shelves) for k in range(n_shelves + 1)]
    bands = [by_height[a:b] or list(pool) for a, b in itertools.pairwise(cuts)]
    rng.shuffle(bands)
    bay_height_guess = sum(max(s.height_mm for s in b) + 60 + BOARD_MM for b in bands) + 210
    view_w = bay_height_guess * cfg.aspect * 0.98
    bay_w = float(np.clip(view_w / rng.uniform(*cfg.view_width), 500, 4500))
    view_w *= float(rng.uniform(0.97, 1.03))
    planned = []
    for band in bands:
        room = max(s.height_mm for s in band) + float(rng.uniform(20, 70))
        planned.append(_fill_shelf(rng, band, pool, bay_w - 12, cfg.facings, room - 10))
    header = str(pool[0].category.upper()) if pool and rng.random() < 0.5 else ""
    spec = _assemble(rng, cfg, cat, planned, pegboard, bay_w, view_w, header)
    if cfg.realism.any:
        plan_hard(spec, cfg.realism, seed)
    return spec


def plan_from_planogram(
    planogram: list[list[tuple[str, int]]],
    seed: int = 0,
    config: SceneConfig | None = None,
    catalog: SyntheticCatalog | None = None,
    bay_type: str = "shelf",
) -> SceneSpec:
    """Plan a bay that carries ``planogram`` (shelves top to bottom of (sku, facings)).

    The ``config`` perturbations (out-of-stock, pushed-back, foreign facings, stacking)
    are applied as in ``plan_scene``; set their probabilities to 0 for an exact copy.
    The bay is as wide as the widest shelf; ``config.view_width`` above 1 shows all of it.

    Raises:
        CatalogError: a SKU is not in the catalog.
        ValueError: a facing count below 1 or an unknown ``bay_type``.
    """
    cfg = config or SceneConfig()
    cat = catalog or SyntheticCatalog(cfg.catalog_skus, seed=0)
    if bay_type not in ("shelf", "pegboard"):
        raise ValueError(f"bay_type must be 'shelf' or 'pegboard', got {bay_type!r}")
    planned = []
    for row in planogram:
        blocks = []
        for sku, n in row:
            if int(n) < 1:
                raise ValueError(f"facings must be >= 1, got {n} for {sku}")
            blocks.append((cat.get(sku), int(n)))
        planned.append(blocks)
    rng = np.random.default_rng(seed)
    pegboard = bay_type == "pegboard"
    gap = 18.0 if pegboard else 3.0
    widths = [sum(n * (s.width_mm + gap) + 6 for s, n in row) for row in planned]
    bay_w = max([*widths, 300.0]) + float(rng.uniform(20, 60))
    shelves, bay_h = _stack_shelves(rng, planned, pegboard)
    view_w = max(bay_h * cfg.aspect * 0.98, bay_w * float(rng.uniform(*cfg.view_width)))
    spec = _assemble(rng, cfg, cat, planned, pegboard, bay_w, view_w, "", (shelves, bay_h))
    if cfg.realism.any:
        plan_hard(spec, cfg.realism, seed)
    return spec


def _stack_shelves(
    rng: np.random.Generator, planned: list[list[tuple[SkuSpec, int]]], pegboard: bool
) -> tuple[list[Shelf], float]:
    """Shelves top to bottom, each as high as its tallest product plus headroom."""
    shelves: list[Shelf] = []
    y = float(rng.uniform(60, 160))  # header above the top shelf
    for blocks in planned:
        tallest = max((s.height_mm for s, _ in blocks), default=200.0)
        clearance = tallest + float(rng.uniform(18, 60))
        if pegboard:  # hook rail on top, products hang below it
            shelves.append(Shelf(base_mm=y, clearance_mm=clearance))
            y += HANG_MM + clearance + 10
        else:  # products stand on the board below them
            y += clearance
            shelves.append(Shelf(base_mm=y, clearance_mm=clearance))
            y += BOARD_MM
    return shelves, y + float(rng.uniform(80, 140))


def _assemble(
    rng: np.random.Generator,
    cfg: SceneConfig,
    cat: SyntheticCatalog,
    planned: list[list[tuple[SkuSpec, int]]],
    pegboard: bool,
    bay_w: float,
    view_w: float,
    header: str,
    layout: tuple[list[Shelf], float] | None = None,
) -> SceneSpec:
    shelves, bay_h = layout or _stack_shelves(rng, planned, pegboard)
    spec = SceneSpec(
        catalog=cat,
        bay_type="pegboard" if pegboard else "shelf",
        bay_width_mm=bay_w,
        bay_height_mm=bay_h,
        view_width_mm=view_w,
        shelves=shelves,
        planogram=[[(s.sku, n) for s, n in blocks] for blocks in planned],
        items=[],
        price_tags=[],
        style=_style(rng),
        header_text=header,
    )
    brands = {s.brand for blocks in planned for s, _ in blocks}
    foreign = [s for s in cat.skus if s.brand not in brands] or cat.skus
    for row, blocks in enumerate(planned):
        _place_row(rng, spec, cfg, row, blocks, foreign, pegboard)
    return spec


def _place_row(
    rng: np.random.Generator,
    spec: SceneSpec,
    cfg: SceneConfig,
    row: int,
    blocks: list[tuple[SkuSpec, int]],
    foreign: list[SkuSpec],
    pegboard: bool,
) -> None:
    gap_between = 3.0 if not pegboard else 18.0
    widths = sum(n * (s.width_mm + gap_between) for s, n in blocks)
    slack = max(0.0, spec.bay_width_mm - widths - 10)
    block_gap = min(30.0, slack / max(1, len(blocks) + 1))
    x = float(rng.uniform(0.3, 1.0)) * block_gap + 5
    for sku, n in blocks:
        slots = [x + k * (sku.width_mm + gap_between) for k in range(n)]
        missing: set[int] = set()
        if rng.random() < cfg.oos_prob:
            missing = set(range(n))
        elif n > 1 and rng.random() < cfg.partial_oos_prob:
            missing = set(range(n - int(rng.integers(1, n)), n))
        if cfg.price_tags:
            tw = float(rng.uniform(*_TAG_W_MM))
            price = f"{rng.uniform(0.49, 9.99):.2f}"
            spec.price_tags.append(PriceTag(row, x + float(rng.uniform(0, 8)), tw, sku.sku, price))
        clearance = spec.shelves[row].clearance_mm
        stack = (
            not pegboard
            and sku.shape in ("box", "can", "jar", "multipack")
            and 2 * sku.height_mm + 8 <= clearance
            and rng.random() < cfg.stack_prob
        )
        for k, sx in enumerate(slots):
            if k in missing:
                continue
            who = sku
            if rng.random() < cfg.foreign_prob:
                alt = foreign[int(rng.integers(len(foreign)))]
                if alt.width_mm <= sku.width_mm * 1.1 and alt.height_mm <= clearance:
                    who = alt
            pushed = (not pegboard) and rng.random() < cfg.pushed_back_prob
            x0 = sx + float(rng.uniform(-1.5, 1.5))
            spec.items.append(PlacedItem(who.sku, row, x0, who.width_mm, who.height_mm, pushed))
            if stack and who is sku and not pushed and rng.random() < 0.9:
                x1 = x0 + float(rng.uniform(-2.0, 2.0))
                spec.items.append(
                    PlacedItem(sku.sku, row, x1, sku.width_mm, sku.height_mm, level=1)
                )
        x = slots[-1] + sku.width_mm + gap_between + block_gap


def plan_hard(spec: SceneSpec, realism: Realism, seed: int) -> None:
    """Add the hard cases of ``realism`` to a planned scene, in place (own random stream).

    Baskets replace a shelf row's facings by bags heaped in a wire basket; tall stacks
    pile stackable facings up to four high; cooler doors and clear bottles, back rows,
    tag styles, negatives and surfaces are recorded in ``spec.hard`` for the renderer.
    """
    from .hard import NEGATIVE_KINDS

    r = realism
    rng = np.random.default_rng([seed, PLAN_STREAM])
    plan = HardPlan(seed=seed, surfaces=r.surfaces)
    if rng.random() < r.wide_view:
        spec.view_width_mm *= float(rng.uniform(1.15, 1.5))
    shelf_bay = spec.bay_type == "shelf"
    if not shelf_bay:
        plan.peg_labels = rng.random() < r.peg_labels
        if plan.peg_labels:  # one label per hook instead of rail tags
            spec.price_tags = []
    bags = [s for s in spec.catalog.skus if s.shape == "bag"]
    for row, sh in enumerate(spec.shelves):
        if not shelf_bay:
            continue
        if bags and rng.random() < r.baskets:
            _fill_basket(rng, spec, row, sh, bags)
            plan.basket_rows.append(row)
            continue
        if rng.random() < r.tall_stacks:
            _stack_high(rng, spec, row, sh)
        if rng.random() < r.back_rows:
            plan.back_rows.append(row)
    if shelf_bay and rng.random() < r.cooler:
        pitch = float(rng.uniform(550, 800))
        x = float(rng.uniform(0.2, 0.9)) * pitch
        while x < spec.bay_width_mm:
            plan.cooler_frames_mm.append(x)
            x += pitch
    clear_rate = r.clear_bottles if plan.cooler_frames_mm else r.clear_bottles * 0.3
    for sku in sorted({i.sku for i in spec.items}):
        if spec.catalog.get(sku).shape == "bottle" and rng.random() < clear_rate:
            plan.clear_skus.add(sku)
    for tag in spec.price_tags:
        if rng.random() < r.sale_tags:
            tag.style = str(rng.choice(["sale", "multibuy", "promo"]))
            if tag.style == "multibuy":
                n = int(rng.integers(2, 5))
                tag.price = f"{n}/{n * float(tag.price) * 0.8:.2f}"
    plan.negatives = [k for k in NEGATIVE_KINDS if rng.random() < r.negatives]
    if shelf_bay and r.tiers > 0:  # own stream: scenes without tiers keep their plan
        tier_rng = np.random.default_rng([seed, TIER_STREAM])
        for row in range(len(spec.shelves)):
            drawn = row not in plan.basket_rows and tier_rng.random() < r.tiers
            if drawn and _stack_tiers(tier_rng, spec, row):
                plan.tier_rows.append(row)
    spec.hard = plan


def _fill_basket(
    rng: np.random.Generator, spec: SceneSpec, row: int, sh: Shelf, bags: list[SkuSpec]
) -> None:
    """Bags heaped in a basket on ``row``: overlapping, lifted a little, each a facing."""
    spec.items = [i for i in spec.items if i.shelf != row]
    fits = [b for b in bags if b.height_mm * 0.8 <= sh.clearance_mm - 10] or bags
    x = float(rng.uniform(2, 20))
    while x < spec.bay_width_mm - 60:
        b = fits[int(rng.integers(len(fits)))]
        scale = min(1.0, (sh.clearance_mm - 10) / b.height_mm)
        w, h = b.width_mm * scale, b.height_mm * scale
        if x + w > spec.bay_width_mm - 5:
            break
        lift = float(rng.uniform(0, max(0.0, sh.clearance_mm - 10 - h)))
        spec.items.append(PlacedItem(b.sku, row, x, w, h, lift_mm=lift))
        x += w * float(rng.uniform(0.72, 0.95))


def _stack_high(rng: np.random.Generator, spec: SceneSpec, row: int, sh: Shelf) -> None:
    """Stack the row's stackable front facings (cases, cans, jars) as high as they fit,
    up to four units; each unit is a facing."""
    stackable = ("box", "can", "jar", "multipack")
    extra = []
    for it in spec.items:
        if it.shelf != row or it.level != 0 or it.pushed_back:
            continue
        if spec.catalog.get(it.sku).shape not in stackable:
            continue
        have = {
            i.level
            for i in spec.items
            if i.shelf == row and abs(i.x_mm - it.x_mm) < it.width_mm / 2
        }
        level = max(have) + 1
        while level < 4 and (level + 1) * (it.height_mm + 1.0) <= sh.clearance_mm - 5:
            dx = float(rng.uniform(-2.0, 2.0))
            extra.append(
                PlacedItem(it.sku, row, it.x_mm + dx, it.width_mm, it.height_mm, level=level)
            )
            level += 1
    spec.items.extend(extra)


def _stack_tiers(rng: np.random.Generator, spec: SceneSpec, row: int) -> bool:
    """Tiers of cases on ``row`` (drinks, cash-and-carry): the row's front units stand in
    trays, and one to three more tiers of the same units stand in trays on their tops,
    with no shelf edge and no price tag between tiers. Every unit is a facing of this
    shelf (``level`` = its tier): the tiers are one shelf row. The shelf's space grows
    to hold them (the shelves below move down, the view widens to keep the bay framed).
    Returns False when the row has no front unit to stack."""
    sh = spec.shelves[row]
    spec.items = [i for i in spec.items if not (i.shelf == row and i.level > 0)]
    base = [i for i in spec.items if i.shelf == row and not i.pushed_back and i.lift_mm == 0]
    if not base:
        return False
    n = int(rng.integers(2, 5))
    need = n * (max(i.height_mm for i in base) + TRAY_MM) + 10.0
    grow = max(0.0, need - sh.clearance_mm)
    for later in spec.shelves[row:]:
        later.base_mm += grow
    sh.clearance_mm += grow
    spec.view_width_mm *= (spec.bay_height_mm + grow) / spec.bay_height_mm
    spec.bay_height_mm += grow
    for it in base:
        for k in range(1, n):
            dx = float(rng.uniform(-2.0, 2.0))
            lift = k * (TRAY_MM - 1.0)  # the trays' floors between the tiers
            spec.items.append(
                PlacedItem(
                    it.sku, row, it.x_mm + dx, it.width_mm, it.height_mm, level=k, lift_mm=lift
                )
            )
    return True
