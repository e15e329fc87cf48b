"""The embedder fine-tune: continuing from the shipped ONNX file, sibling batches, data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install -e '.[train]')")

from shelfscan.training.embedder import (  # noqa: E402
    TrainData,
    _SiblingSampler,
    fine_tune,
    grid_pool,
    load_onnx_embedder,
)

MODEL = Path(__file__).resolve().parents[2] / "models" / "embedder.onnx"


def _data(classes: int, brands: list[int], per_class: int = 3) -> TrainData:
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(classes), per_class)
    images = rng.integers(0, 256, (len(labels), 104, 72, 3), dtype=np.uint8)
    return TrainData(images, labels, classes, np.asarray(brands, np.int64))


@pytest.mark.parametrize("hw", [(6, 4), (6, 12), (5, 7), (1, 1)])
def test_grid_pool_is_the_adaptive_2x2_pool(hw: tuple[int, int]) -> None:
    """The slice-based grid pool (exportable with free H and W) lays out and averages
    cells exactly as ``F.adaptive_avg_pool2d(x, (2, 2)).flatten(1)``."""
    import torch.nn.functional as F

    x = torch.rand(2, 5, *hw)
    want = F.adaptive_avg_pool2d(x, (2, 2)).flatten(1)
    assert torch.allclose(grid_pool(x), want, atol=1e-6)


@pytest.mark.parametrize("hw", [(96, 64), (96, 192)])  # crops, and brand bands
def test_loaded_onnx_model_computes_what_onnx_runtime_does(hw: tuple[int, int]) -> None:
    import onnxruntime as ort

    model = load_onnx_embedder(MODEL)
    x = np.random.default_rng(1).random((3, 3, *hw), dtype=np.float32)
    want = ort.InferenceSession(str(MODEL), providers=["CPUExecutionProvider"]).run(
        ["embeddings"], {"images": x}
    )[0]
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    assert np.abs(got - want).max() < 1e-5


@pytest.mark.parametrize(
    ("brands", "groups"),
    [
        ([0, 0, 1, 1, 1, 2], [[0, 1], [2, 3, 4]]),  # brand 2 has one class: no group
        ([0, 1, 2], []),  # no brand with two variants
    ],
)
def test_sibling_sampler_draws_pairs_of_variants(brands: list[int], groups: list[int]) -> None:
    data = _data(len(brands), brands)
    sampler = _SiblingSampler(data)
    assert sorted(sampler.groups) == groups
    if not groups:
        assert len(sampler.draw(np.random.default_rng(0), 8)) == 0
        return
    idx = sampler.draw(np.random.default_rng(0), 16)
    labels = data.labels[idx].reshape(-1, 4)  # a group: two classes, two crops each
    for quad in labels:
        assert quad[0] == quad[1] and quad[2] == quad[3] and quad[0] != quad[2]
        assert data.brands[quad[0]] == data.brands[quad[2]]


def test_concat_offsets_classes_and_brands(tmp_path: Path) -> None:
    a, b = _data(2, [0, 0]), _data(3, [0, 1, 1])
    both = TrainData.concat([a, b])
    assert both.classes == 5
    assert both.labels.tolist() == a.labels.tolist() + (b.labels + 2).tolist()
    assert both.brands.tolist() == [0, 0, 1, 2, 2]
    both.save(tmp_path / "d.npz")
    again = TrainData.load(tmp_path / "d.npz")
    assert again.classes == 5 and np.array_equal(again.images, both.images)


def test_frozen_batchnorm_fine_tune_keeps_the_statistics() -> None:
    model = load_onnx_embedder(MODEL)
    before = model.backbone._blocks[2]._bn1.running_var.clone()
    data = _data(4, [0, 0, 1, 1], per_class=4)
    losses, proxies = fine_tune(
        model, data, (96, 64), 0.02, batch=8, siblings=0.5, nuisance=0.5, warm=True, frozen_bn=True
    )
    assert losses and np.isfinite(losses).all() and proxies.shape == (4, 128)
    assert torch.equal(model.backbone._blocks[2]._bn1.running_var, before)
