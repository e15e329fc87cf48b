"""Write the sample SKU catalog: one reference image per SKU on the sample shelves.

    python scripts/make_sample_catalog.py [--samples sample_images]

Reads ``catalog.json`` and the ground truth of the sample photos (``labels/`` and
``planograms/``), renders a frontal packshot of every SKU they use with the synthetic
generator's own ``render_packshot`` and writes the import format of
``shelfscan catalog import``:

    catalog/catalog.csv          sku,ean,name,brand,category,width_mm
    catalog/<SKU>/front.jpg      one reference image (160 px high, JPEG quality 90)

Deterministic: running it again rewrites byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from pathlib import Path

import cv2

from shelfscan.datasets.synthetic import SyntheticCatalog
from shelfscan.datasets.synthetic.products import render_packshot

HEIGHT_PX = 160
QUALITY = 90


def used_skus(samples: Path) -> set[str]:
    """Every SKU a sample photo shows or a sample planogram asks for."""
    skus: set[str] = set()
    for path in sorted((samples / "labels").glob("*.json")):
        data = json.loads(path.read_text())
        skus |= {str(a["sku"]) for a in data["annotations"] if a.get("sku")}
    for path in sorted((samples / "planograms").glob("*.json")):
        data = json.loads(path.read_text())
        skus |= {str(p["sku"]) for shelf in data["shelves"] for p in shelf}
    return skus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, default=Path("sample_images"))
    args = parser.parse_args()
    samples: Path = args.samples
    seed = int(json.loads((samples / "catalog.json").read_text())["seed"])
    catalog = SyntheticCatalog(200, seed=seed)
    out = samples / "catalog"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    skus = sorted(used_skus(samples))
    with (out / "catalog.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["sku", "ean", "name", "brand", "category", "width_mm"])
        for sku in skus:
            spec = catalog.get(sku)
            writer.writerow([sku, spec.ean, spec.name, spec.brand, spec.category, spec.width_mm])
            image, _ = render_packshot(spec, size_px=HEIGHT_PX)
            ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, QUALITY])
            if not ok:
                raise SystemExit(f"cannot encode {sku}")
            (out / sku).mkdir()
            (out / sku / "front.jpg").write_bytes(buf.tobytes())
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{out}: {len(skus)} SKUs, {size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
