"""``write_synthetic_dataset``: files on disk agree with what was generated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfscan.datasets import load_dataset
from shelfscan.datasets.synthetic import (
    SceneConfig,
    SyntheticCatalog,
    generate_scene,
    parse_size,
    planogram_json,
    write_synthetic_dataset,
)
from shelfscan.errors import ConfigError, DatasetError

CAT = SyntheticCatalog(60, seed=3)
SIZE = (320, 240)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("syn")
    items = write_synthetic_dataset(
        out, [4, 9], SceneConfig(), SIZE, ("coco", "yolo", "voc", "csv"), CAT
    )
    return out, items


def test_layout(written: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    out, items = written
    for rel in (
        "images/syn_000004.jpg",
        "images/syn_000009.jpg",
        "annotations.json",
        "data.yaml",
        "labels/syn_000004.txt",
        "Annotations/syn_000009.xml",
        "annotations.csv",
        "planograms/syn_000004.json",
        "catalog.json",
        "scenes.jsonl",
    ):
        assert (out / rel).is_file(), rel
    catalog = json.loads((out / "catalog.json").read_text())
    assert catalog["seed"] == 3 and len(catalog["skus"]) == 60
    assert {"sku", "ean", "brand", "shape", "width_mm", "height_mm"} <= catalog["skus"][0].keys()
    lines = [json.loads(x) for x in (out / "scenes.jsonl").read_text().splitlines()]
    assert [x["seed"] for x in lines] == [4, 9]
    assert len(items) == 2


@pytest.mark.parametrize("fmt", ["coco", "yolo", "voc", "csv"])
def test_every_format_reads_back(written: tuple[Path, list], fmt: str) -> None:  # type: ignore[type-arg]
    out, items = written
    back = load_dataset(out, format=fmt)
    assert [b.path.name for b in back] == [i.path.name for i in items]
    for b, i in zip(back, items, strict=True):
        assert np.allclose(b.detections.xyxy, i.detections.xyxy, atol=0.01)
        assert b.detections.class_id.tolist() == i.detections.class_id.tolist()
    if fmt == "coco":
        assert back[0].detections.data["sku"].tolist() == items[0].detections.data["sku"].tolist()


def test_planogram_file_matches_the_scene(written: tuple[Path, list]) -> None:  # type: ignore[type-arg]
    out, _ = written
    scene = generate_scene(9, SceneConfig(), CAT, SIZE)
    doc = json.loads((out / "planograms" / "syn_000009.json").read_text())
    assert doc == planogram_json(scene.spec)
    assert doc["shelves"][0][0].keys() == {"sku", "facings"}
    assert len(doc["shelves"]) == len(scene.spec.shelves)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="unknown output format"):
        write_synthetic_dataset(tmp_path, [1], formats=("tfrecord",))


@pytest.mark.parametrize(
    ("text", "size"),
    [("1600x1200", (1600, 1200)), ("640X480", (640, 480)), (" 320 x 240 ", (320, 240))],
)
def test_parse_size(text: str, size: tuple[int, int]) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["1600", "axb", "10x10", "1600x1200x3", "-5x10"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(ConfigError, match="size"):
        parse_size(text)
