"""A synthetic SKU catalog: brands, variants and their frontal packshots.

Every SKU belongs to a brand; SKUs of one brand share a colour scheme, a logo and a
label layout and differ in a variant colour band, variant text and size, which is
what makes real catalogs confusable. Everything is deterministic from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from shelfscan.errors import CatalogError

from .draw import Bgr, fit_text, render_body

# category -> (shapes, typical variant words, size unit)
_CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "beverages": (
        ("bottle", "can", "multipack"),
        ("COLA", "ZERO", "LEMON", "ORANGE", "LIGHT"),
        "ml",
    ),
    "snacks": (("bag", "box"), ("SALTED", "PAPRIKA", "CHEESE", "ONION", "CHILLI", "BBQ"), "g"),
    "dairy": (("jar", "bottle", "box"), ("NATURAL", "STRAWBERRY", "VANILLA", "LIGHT"), "g"),
    "cereal": (("box",), ("ORIGINAL", "HONEY", "CHOCO", "FRUIT", "OAT"), "g"),
    "personal care": (
        ("bottle", "tube", "box"),
        ("FRESH", "SENSITIVE", "MEN", "ALOE", "CLASSIC"),
        "ml",
    ),
    "canned food": (("can", "jar"), ("TOMATO", "BEANS", "CORN", "TUNA", "PEAS"), "g"),
    "confectionery": (("box", "bag"), ("MILK", "DARK", "NUT", "MINT", "CARAMEL"), "g"),
    "household": (("bottle", "box"), ("LEMON", "OCEAN", "ORIGINAL", "ULTRA"), "ml"),
}

# shape -> ((min width, max width), (min height, max height)) in millimetres
_SIZES: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "bottle": ((60, 95), (170, 320)),
    "can": ((55, 78), (100, 165)),
    "jar": ((70, 110), (85, 160)),
    "box": ((70, 210), (120, 310)),
    "bag": ((120, 230), (160, 300)),
    "multipack": ((150, 280), (110, 210)),
    "tube": ((40, 60), (140, 200)),
}

SHAPES: tuple[str, ...] = tuple(_SIZES)
_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "to",
    "ve",
    "zu",
    "ne",
    "pa",
    "sol",
    "tri",
    "ber",
    "fro",
    "max",
)
_LOGOS = ("ellipse", "circle", "diamond", "banner", "star")
_STYLES = ("band", "split", "stripes", "frame")


@dataclass(frozen=True)
class BrandStyle:
    """The look a brand shares across its SKUs (colours are BGR)."""

    name: str
    category: str
    primary: Bgr
    secondary: Bgr
    accent: Bgr
    text: Bgr
    logo: str  # one of ellipse, circle, diamond, banner, star
    layout: str  # one of band, split, stripes, frame
    font: int  # a cv2 Hershey font id


@dataclass(frozen=True)
class SkuSpec:
    """One synthetic product: identity, physical size and appearance."""

    sku: str
    ean: str
    name: str
    brand: str
    category: str
    shape: str
    width_mm: float
    height_mm: float
    variant: str
    size_text: str
    style: BrandStyle
    variant_color: Bgr
    cap_color: Bgr
    # tobacco-like packs (``SyntheticCatalog(kind="tobacco")``): the lower
    # ``warning_share`` of the front is a health warning drawn per pack from a pool of
    # ``warning_pool`` designs of seed ``warning_seed``; 0 = no warning panel
    warning_share: float = 0.0
    warning_pool: int = 0
    warning_seed: int = 0

    @property
    def aspect(self) -> float:
        """Width over height."""
        return self.width_mm / self.height_mm


def ean13(first12: str) -> str:
    """Append the EAN-13 check digit to 12 digits."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"EAN-13 needs 12 digits before the check digit, got {first12!r}")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def _hsv_color(rng: np.random.Generator, s: tuple[float, float], v: tuple[float, float]) -> Bgr:
    hue = float(rng.uniform(0, 180))
    hsv = np.array([[[hue, rng.uniform(*s) * 255, rng.uniform(*v) * 255]]], dtype=np.float32)
    import cv2

    bgr = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2BGR)[0, 0]
    return (int(bgr[0]), int(bgr[1]), int(bgr[2]))


def _luma(c: Bgr) -> float:
    return 0.114 * c[0] + 0.587 * c[1] + 0.299 * c[2]


def _make_brand(rng: np.random.Generator, category: str) -> BrandStyle:
    n_syll = int(rng.integers(2, 4))
    name = "".join(str(rng.choice(_SYLLABLES)) for _ in range(n_syll)).upper()[:9]
    primary = _hsv_color(rng, (0.45, 1.0), (0.35, 0.95))
    if rng.random() < 0.2:  # white or black packs exist too
        primary = (235, 235, 235) if rng.random() < 0.6 else (30, 30, 30)
    secondary = _hsv_color(rng, (0.3, 1.0), (0.5, 1.0))
    accent = _hsv_color(rng, (0.0, 0.6), (0.85, 1.0))
    text: Bgr = (20, 20, 20) if _luma(accent) > 140 else (250, 250, 250)
    fonts = (0, 1, 2, 3, 4, 6, 7)
    return BrandStyle(
        name=name,
        category=category,
        primary=primary,
        secondary=secondary,
        accent=accent,
        text=text,
        logo=str(rng.choice(_LOGOS)),
        layout=str(rng.choice(_STYLES)),
        font=int(rng.choice(fonts)),
    )


class SyntheticCatalog:
    """``n_skus`` products over roughly ``n_skus / 7`` brands, deterministic from ``seed``."""

    skus: list[SkuSpec]
    brands: list[BrandStyle]

    def __init__(self, n_skus: int = 200, seed: int = 0, kind: str = "mixed") -> None:
        """``kind``: ``mixed`` (eight grocery categories) or ``tobacco`` (packs with a
        per-pack health warning and near variants within each brand, ``tobacco.py``)."""
        if n_skus < 1:
            raise ValueError(f"n_skus must be >= 1, got {n_skus}")
        if kind not in ("mixed", "tobacco"):
            raise ValueError(f"kind must be 'mixed' or 'tobacco', got {kind!r}")
        self.seed = seed
        self.kind = kind
        rng = np.random.default_rng(seed)
        if kind == "tobacco":
            self.brands, self.skus = _tobacco_skus(rng, n_skus, seed)
            self._by_sku = {s.sku: s for s in self.skus}
            return
        n_brands = max(1, round(n_skus / 7))
        cats = list(_CATEGORIES)
        brands = [_make_brand(rng, cats[i % len(cats)]) for i in range(n_brands)]
        # uneven brand sizes: a few big brands, many small ones
        weights = rng.pareto(1.5, n_brands) + 1.0
        owner = rng.choice(n_brands, size=n_skus, p=weights / weights.sum())
        owner[: min(n_brands, n_skus)] = np.arange(min(n_brands, n_skus))
        shape_of: dict[int, str] = {}
        self.skus = []
        for i, b in enumerate(owner.tolist()):
            brand = brands[b]
            shapes, variants, unit = _CATEGORIES[brand.category]
            if b not in shape_of or rng.random() < 0.2:
                shape_of[b] = str(rng.choice(shapes))
            self.skus.append(self._make_sku(rng, i, brand, shape_of[b], variants, unit))
        self._by_sku = {s.sku: s for s in self.skus}
        self.brands = brands

    @staticmethod
    def _make_sku(
        rng: np.random.Generator,
        index: int,
        brand: BrandStyle,
        shape: str,
        variants: tuple[str, ...],
        unit: str,
    ) -> SkuSpec:
        (w0, w1), (h0, h1) = _SIZES[shape]
        width = float(round(rng.uniform(w0, w1)))
        height = float(round(rng.uniform(h0, h1)))
        variant = str(rng.choice(variants))
        amount = int(rng.choice([100, 150, 200, 250, 330, 400, 500, 750, 1000]))
        size_text = f"{amount} {unit}" if amount < 1000 else f"1 {'l' if unit == 'ml' else 'kg'}"
        code = ean13("4" + f"{int(rng.integers(0, 10**6)):06d}" + f"{index:05d}")
        return SkuSpec(
            sku=f"SKU{index + 1:04d}",
            ean=code,
            name=f"{brand.name.title()} {variant.title()} {size_text}",
            brand=brand.name,
            category=brand.category,
            shape=shape,
            width_mm=width,
            height_mm=height,
            variant=variant,
            size_text=size_text,
            style=brand,
            variant_color=_hsv_color(rng, (0.5, 1.0), (0.5, 1.0)),
            cap_color=_hsv_color(rng, (0.2, 1.0), (0.3, 1.0)),
        )

    def __len__(self) -> int:
        return len(self.skus)

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def get(self, sku: str) -> SkuSpec:
        """The SKU with this id; ``CatalogError`` naming it when unknown."""
        try:
            return self._by_sku[sku]
        except KeyError:
            raise CatalogError(f"unknown SKU {sku!r} (catalog has {len(self)} SKUs)") from None

    def by_brand(self, brand: str) -> list[SkuSpec]:
        return [s for s in self.skus if s.brand == brand]

    def to_json(self) -> list[dict[str, object]]:
        """Plain attributes of every SKU, for ``catalog.json``."""
        return [
            {
                "sku": s.sku,
                "ean": s.ean,
                "name": s.name,
                "brand": s.brand,
                "category": s.category,
                "shape": s.shape,
                "width_mm": s.width_mm,
                "height_mm": s.height_mm,
                "variant": s.variant,
                "size": s.size_text,
            }
            for s in self.skus
        ]


def _tobacco_skus(
    rng: np.random.Generator, n_skus: int, seed: int
) -> tuple[list[BrandStyle], list[SkuSpec]]:
    from . import tobacco

    n_brands = max(1, round(n_skus / 6))
    brands = [replace(_make_brand(rng, tobacco.CATEGORY), category=tobacco.CATEGORY)]
    brands += [
        replace(_make_brand(rng, tobacco.CATEGORY), category=tobacco.CATEGORY)
        for _ in range(n_brands - 1)
    ]
    weights = rng.pareto(2.0, n_brands) + 1.0
    owner = rng.choice(n_brands, size=n_skus, p=weights / weights.sum())
    owner[: min(n_brands, n_skus)] = np.arange(min(n_brands, n_skus))
    share = {b: float(rng.uniform(0.6, 0.72)) for b in range(n_brands)}
    skus: list[SkuSpec] = []
    for i, b in enumerate(owner.tolist()):
        brand = brands[b]
        siblings = [s for s in skus if s.brand == brand.name]
        word, top, stripe = tobacco.make_variant(rng, brand, siblings)
        slim = "SL" in word.split() or "SLIMS" in word.split()
        width = float(round(rng.uniform(44, 50) if slim else rng.uniform(53, 58)))
        height = float(round(rng.uniform(84, 90)))
        code = ean13("5" + f"{int(rng.integers(0, 10**6)):06d}" + f"{i:05d}")
        skus.append(
            SkuSpec(
                sku=f"SKU{i + 1:04d}",
                ean=code,
                name=f"{brand.name.title()} {word.title()} 20",
                brand=brand.name,
                category=tobacco.CATEGORY,
                shape="box",
                width_mm=width,
                height_mm=height,
                variant=word,
                size_text="20",
                style=replace(brand, primary=top),
                variant_color=stripe,
                cap_color=brand.secondary,
                warning_share=share[b],
                warning_pool=tobacco.WARNING_POOL,
                warning_seed=seed,
            )
        )
    return brands, skus


def render_packshot(
    spec: SkuSpec,
    rng: np.random.Generator | None = None,
    size_px: int | None = None,
    panel: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """A frontal image of one product.

    Args:
        spec: the product.
        rng: when given, a small random appearance change (lighting, colour cast,
            rotation, scale, crop jitter), as between two photos of one product.
        size_px: image height in pixels (default 200); width follows the aspect.
        panel: the health-warning design of a tobacco pack (``spec.warning_pool`` > 0);
            default: drawn from ``rng`` (design 0 without one). Other packs ignore it.

    Returns:
        ``(bgr, mask)``: (H, W, 3) uint8 image and (H, W) uint8 mask (255 = product).
    """
    h = int(size_px or 200)
    if h < 8:
        raise ValueError(f"size_px must be >= 8, got {h}")
    w = max(4, round(h * spec.aspect))
    if spec.warning_pool and panel is None:
        panel = int(rng.integers(spec.warning_pool)) if rng is not None else 0
    img, mask = render_body(spec, w, h, panel or 0)
    if rng is not None:
        if spec.warning_pool and rng.random() < 0.3:
            from .tobacco import glare

            img = glare(img, mask, rng)
        img, mask = _vary(img, mask, rng)
    return img, mask


def _vary(
    img: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    h, w = mask.shape
    angle = float(rng.uniform(-3.0, 3.0))
    scale = float(rng.uniform(0.93, 1.04))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    m[:, 2] = m[:, 2] + rng.uniform(-0.03, 0.03, 2) * np.array([w, h])
    img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    gain = rng.uniform(0.75, 1.2) * rng.uniform(0.92, 1.08, 3)
    # a soft light gradient across the pack
    ramp = np.linspace(1.0 - rng.uniform(0, 0.25), 1.0, w, dtype=np.float32)
    if rng.random() < 0.5:
        ramp = ramp[::-1]
    out = img.astype(np.float32) * gain.astype(np.float32)[None, None, :] * ramp[None, :, None]
    out += rng.normal(0, 2.0, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8), mask


__all__ = [
    "SHAPES",
    "BrandStyle",
    "SkuSpec",
    "SyntheticCatalog",
    "ean13",
    "fit_text",
    "render_packshot",
]
