"""The ONNX embedder wrapper: crops, contract checks, unit vectors (the shipped model)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from catalog_builders import catalog, embedder, embedder_path
from shelfscan.datasets.synthetic import render_packshot
from shelfscan.errors import ModelError
from shelfscan.recognition.embedder import Embedder, batch_bounds, crop_boxes

IMG = np.arange(100 * 200 * 3, dtype=np.uint8).reshape(100, 200, 3)


@pytest.mark.parametrize(
    ("box", "margin", "shape"),
    [
        ([10, 20, 50, 80], 0.0, (60, 40, 3)),  # plain crop
        ([10, 20, 50, 80], 0.1, (72, 48, 3)),  # grown by 10 % each side
        ([-30, -10, 20, 30], 0.0, (30, 20, 3)),  # clipped at the top-left corner
        ([300, 10, 400, 50], 0.0, (1, 1, 3)),  # entirely outside: a 1x1 black crop
    ],
)
def test_crop_boxes(box: list[float], margin: float, shape: tuple[int, int, int]) -> None:
    (crop,) = crop_boxes(IMG, np.array([box], np.float32), margin)
    assert crop.shape == shape


def test_shipped_embedder_embeds_bands_at_their_aspect() -> None:
    """The graph keeps H and W free: crops at ``input_hw``, brand bands at ``band_hw``
    (wider than tall), both unit vectors of the same width."""
    emb = embedder()
    assert emb.input_hw == (96, 64) and emb.band_hw == (96, 192)
    rng = np.random.default_rng(0)
    packs = [render_packshot(s, rng, 192)[0] for s in catalog().skus[:4]]
    bands = emb.bands([p[: p.shape[0] // 3] for p in packs])
    assert bands.shape == (4, emb.dim)
    assert np.allclose(np.linalg.norm(bands, axis=1), 1.0, atol=1e-5)
    # not the crop input: a band stretched to 96x64 embeds differently
    assert float(np.max(np.abs(bands - emb([p[: p.shape[0] // 3] for p in packs])))) > 0.05


def test_shipped_embedder_gives_unit_vectors() -> None:
    emb = embedder()
    rng = np.random.default_rng(0)
    crops = [render_packshot(s, rng, 120)[0] for s in catalog().skus[:5]]
    vecs = emb(crops)
    assert vecs.shape == (5, emb.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert emb([]).shape == (0, emb.dim)
    # the same product photographed twice is closer than two different products
    again = emb([render_packshot(catalog().skus[0], rng, 120)[0]])[0]
    assert float(again @ vecs[0]) > float(again @ vecs[3])


@pytest.mark.parametrize(
    ("n", "batch_size", "threads", "sizes"),
    [
        (162, 32, 2, [13, 14] * 6),  # two batches at a time, 32 crops in flight at most
        (162, 32, 1, [27] * 6),  # one thread: batches of up to 32, even
        (64, 32, 2, [16] * 4),
        (9, 32, 2, [4, 5]),  # a few crops still go side by side
        (1, 32, 2, [1]),
        (3, 32, 4, [1, 1, 1]),  # never an empty batch
        (0, 32, 2, []),
    ],
)
def test_batch_bounds(n: int, batch_size: int, threads: int, sizes: list[int]) -> None:
    bounds = batch_bounds(n, batch_size, threads)
    assert bounds[0] == 0 and bounds[-1] == n
    assert [b - a for a, b in itertools.pairwise(bounds)] == sizes


def test_batches_side_by_side_embed_as_one_at_a_time() -> None:
    rng = np.random.default_rng(1)
    crops = [render_packshot(s, rng, 90 + 7 * i)[0] for i, s in enumerate(catalog().skus[:40])]
    side_by_side = Embedder.from_path(embedder_path(), threads=2)
    one_by_one = Embedder.from_path(embedder_path(), threads=1)
    assert np.allclose(side_by_side(crops), one_by_one(crops), atol=1e-6)


def _tiny_model(
    path: Path, meta: dict[str, str], output: str = "embeddings", width: int | str = 3
) -> Path:
    node = helper.make_node("GlobalAveragePool", ["images"], ["pooled"])
    flat = helper.make_node("Flatten", ["pooled"], [output])
    graph = helper.make_graph(
        [node, flat],
        "tiny",
        # a named width: the channels left free too, so nothing fixes it
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["n", width, 8, 8])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["n", width])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    for k, v in meta.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(model, str(path))
    return path


_HW = {"shelfscan.kind": "embedder", "shelfscan.input_hw": "8,8"}


@pytest.mark.parametrize(
    ("meta", "output", "width", "message"),
    [
        ({}, "embeddings", 3, "not a shelfscan embedder"),  # a detector or foreign model
        ({"shelfscan.kind": "embedder"}, "embeddings", 3, "input_hw"),  # no input size
        (_HW, "out", 3, "'embeddings'"),
        ({**_HW, "shelfscan.threshold": "high"}, "embeddings", 3, "threshold"),
        (_HW, "embeddings", "d", "width of its embeddings is not fixed"),  # symbolic width
    ],
)
def test_contract_errors(
    tmp_path: Path, meta: dict[str, str], output: str, width: int | str, message: str
) -> None:
    path = _tiny_model(tmp_path / "m.onnx", meta, output, width)
    with pytest.raises(ModelError, match=message):
        Embedder(ort.InferenceSession(str(path)), "m.onnx")


def test_tiny_model_runs_in_batches(tmp_path: Path) -> None:
    meta = {**_HW, "shelfscan.threshold": "0.7"}
    emb = Embedder(ort.InferenceSession(str(_tiny_model(tmp_path / "m.onnx", meta))), batch_size=2)
    crops = [
        np.full((20, 10, 3), (b, g, r), np.uint8)
        for b, g, r in [(255, 0, 0), (0, 0, 255), (0, 255, 0), (10, 10, 10), (255, 0, 0)]
    ]
    vecs = emb(crops)
    assert vecs.shape == (5, 3) and emb.match_config.threshold == 0.7
    assert np.allclose(vecs[0], [0, 0, 1])  # BGR blue -> RGB channel 2
    assert np.allclose(vecs[0], vecs[4])


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        Embedder.from_path(tmp_path / "nope.onnx")


def test_a_named_band_model_embeds_the_bands(tmp_path: Path) -> None:
    """``shelfscan.band_model`` names a file beside the model: ``bands`` goes through it,
    whole crops do not, and the embedder's name carries both files' digests."""
    # the band model: its own input size, and the opposite vector of the crop model's
    node = helper.make_node("GlobalAveragePool", ["images"], ["pooled"])
    flat = helper.make_node("Flatten", ["pooled"], ["flat"])
    neg = helper.make_node("Neg", ["flat"], ["embeddings"])
    graph = helper.make_graph(
        [node, flat, neg],
        "band",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["n", 3, 4, 12])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["n", 3])],
    )
    band = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    for k, v in {"shelfscan.kind": "embedder", "shelfscan.input_hw": "4,12"}.items():
        entry = band.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(band, str(tmp_path / "band.onnx"))
    path = _tiny_model(tmp_path / "m.onnx", {**_HW, "shelfscan.band_model": "band.onnx"})
    emb = Embedder.from_path(path, threads=1)
    assert emb.band is not None and emb.band.input_hw == (4, 12)
    assert emb.name.startswith("m.onnx@") and "+band.onnx@" in emb.name
    red = [np.full((10, 30, 3), (0, 0, 255), np.uint8)]
    assert np.allclose(emb.bands(red), [[-1, 0, 0]]) and np.allclose(emb(red), [[1, 0, 0]])
    (tmp_path / "band.onnx").unlink()
    with pytest.raises(ModelError, match=r"band model .* is missing"):
        Embedder.from_path(path)
