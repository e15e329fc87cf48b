"""Detector training code: target assignment, one learning step, export and int8.

Needs the ``train`` extra (PyTorch); skipped with a message where torch is missing
(CI installs only ``dev``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install -e '.[train]')")

from shelfscan.training.data import CropConfig, make_samples, random_crop  # noqa: E402
from shelfscan.training.loss import assign_one, detection_loss  # noqa: E402
from shelfscan.training.model import ExportWrapper, ModelConfig, ShelfDet, grid_points  # noqa: E402
from shelfscan.types import Detections  # noqa: E402

GRID = (8, 8)  # a 64 x 64 input at stride 8


def assign(boxes: list[list[float]], classes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    points = grid_points(*GRID, torch.device("cpu"))
    labels, out = assign_one(
        points,
        GRID,
        torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
        torch.tensor(classes, dtype=torch.int64),
    )
    return labels.reshape(GRID).numpy(), out.numpy()


@pytest.mark.parametrize(
    ("boxes", "classes", "positives"),
    [
        # a 32 x 32 box centred at (20, 20): cell centres 12, 20 and 28 px lie within
        # max(0.3 * 32, 8) = 9.6 px of it and inside the box -> cells 1..3 x 1..3
        ([[4, 4, 36, 36]], [0], {(r, c) for r in (1, 2, 3) for c in (1, 2, 3)}),
        # a 6 x 4 price tag holding no cell centre (44 / 52 px) still gets the cell
        # under its centre (48, 47): row 5, column 6
        ([[45, 45, 51, 49]], [2], {(5, 6)}),
        # no boxes: all background
        ([], [], set()),
    ],
)
def test_assignment_positives(
    boxes: list[list[float]], classes: list[int], positives: set[tuple[int, int]]
) -> None:
    labels, _ = assign(boxes, classes)
    got = {(int(r), int(c)) for r, c in zip(*np.nonzero(labels >= 0), strict=True)}
    assert got == positives
    for r, c in got:
        assert labels[r, c] == classes[0]


def test_overlap_goes_to_the_smaller_box() -> None:
    # a small box inside a big one: the shared centre cell belongs to the small box
    labels, out = assign([[0, 0, 64, 64], [24, 24, 40, 40]], [0, 2])
    assert labels[3, 3] == 2
    np.testing.assert_allclose(out.reshape(8, 8, 4)[3, 3], [24, 24, 40, 40])
    assert labels[0, 0] == -1  # outside the big box's central region


def test_random_crop_keeps_mostly_visible_boxes() -> None:
    image = np.zeros((100, 100, 3), np.uint8)
    boxes = np.array([[10, 10, 30, 30], [50, 50, 90, 90]], np.float32)
    rng = np.random.default_rng(0)
    crop, kept, _cls = random_crop(image, boxes, np.array([0, 1]), 120, rng, 0.45)
    assert crop.shape == (120, 120, 3)  # padded: the image is smaller than the crop
    np.testing.assert_allclose(kept, boxes)
    assert crop[110, 110].tolist() == [114, 114, 114]


def test_make_samples_shapes() -> None:
    image = np.full((300, 400, 3), 200, np.uint8)
    dets = Detections.from_boxes([[100, 100, 160, 200]])
    cfg = CropConfig(input_size=256, crop=128, crops_per_scene=3)
    samples = make_samples(image, dets, cfg, np.random.default_rng(1))
    assert len(samples) == 3
    for rgb, boxes, classes in samples:
        assert rgb.shape == (128, 128, 3) and rgb.dtype == np.uint8
        assert boxes.shape[1] == 4 and len(boxes) == len(classes)
        assert (boxes >= 0).all() and (boxes <= 128).all()


@pytest.mark.slow
def test_a_few_steps_reduce_the_loss() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(2)
    model = ShelfDet(ModelConfig(num_classes=1)).train()
    images = torch.rand(2, 3, 64, 64) * 0.1
    images[:, :, 16:48, 20:40] = 0.9  # one bright product per image
    boxes = [torch.tensor([[20.0, 16.0, 40.0, 48.0]])] * 2
    classes = [torch.tensor([0])] * 2
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    losses = []
    for _ in range(6):
        loss = detection_loss(model(images), boxes, classes)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.7 * losses[0]


@pytest.mark.slow
def test_export_and_quantize_meet_the_onnx_contract(tmp_path: Path) -> None:
    import onnxruntime as ort

    from shelfscan.detection.session import metadata
    from shelfscan.training.export import compare_with_torch, export_onnx
    from shelfscan.training.quantize import quantize_int8

    torch.manual_seed(0)
    model = ShelfDet(ModelConfig(num_classes=3)).eval()
    fp32 = export_onnx(model, tmp_path / "m.onnx", 256)
    assert compare_with_torch(model, fp32, sizes=((96, 128),)) < 1e-3
    rng = np.random.default_rng(0)
    calib = [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(2)]
    int8 = quantize_int8(fp32, tmp_path / "m8.onnx", calib, 256, ("product", "empty", "price_tag"))
    for path in (fp32, int8):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        (inp,), (out,) = session.get_inputs(), session.get_outputs()
        assert (inp.name, out.name) == ("images", "detections")
        meta = metadata(session)
        assert meta["shelfscan.input_size"] == "256"
        assert meta["shelfscan.classes"] == "product,empty,price_tag"
        assert meta["shelfscan.kind"] == "detector"
        for h, w in ((64, 96), (160, 128)):  # any multiple of 32
            x = np.full((1, 3, h, w), 0.5, np.float32)
            (y,) = session.run(None, {"images": x})
            assert y.shape == (1, h * w // 64, 7)
            assert ((y[..., 4:] >= 0) & (y[..., 4:] <= 1)).all()
    assert int8.stat().st_size < fp32.stat().st_size / 2


def test_export_wrapper_boxes_are_in_input_pixels() -> None:
    model = ShelfDet(ModelConfig(num_classes=1)).eval()
    with torch.no_grad():
        y = ExportWrapper(model)(torch.rand(1, 3, 64, 96))
    assert y.shape == (1, 96, 5)
    assert (y[0, :, 2] > y[0, :, 0]).all() and (y[0, :, 3] > y[0, :, 1]).all()
    # each box contains its own cell centre, cells in row-major order (x fastest)
    cx = (torch.arange(96) % 12 + 0.5) * 8
    cy = (torch.arange(96) // 12 + 0.5) * 8
    assert ((y[0, :, 0] < cx) & (cx < y[0, :, 2]) & (y[0, :, 1] < cy) & (cy < y[0, :, 3])).all()


def test_dataset_source_and_mixing(tmp_path: Path) -> None:
    import cv2

    from shelfscan.datasets import AnnotatedImage, write_coco
    from shelfscan.training.data import dataset_source, mixed_source

    items = []
    for i in range(2):
        path = tmp_path / f"img{i}.png"
        cv2.imwrite(str(path), np.full((40, 60, 3), 50 * i, np.uint8))
        items.append(AnnotatedImage(path, 60, 40, Detections.from_boxes([[5, 5, 20 + i, 30]])))
    source = dataset_source(write_coco(items, tmp_path / "ann.json"))
    image, dets = source(3)  # round-robin: seed 3 -> image 1
    assert image.shape == (40, 60, 3) and int(image[0, 0, 0]) == 50
    np.testing.assert_allclose(dets.xyxy, [[5, 5, 21, 30]])

    def synthetic(seed: int) -> tuple[np.ndarray, Detections]:
        return np.zeros((8, 8, 3), np.uint8), Detections.empty()

    mixed = mixed_source(synthetic, source, 0.5)
    shapes = {mixed(seed)[0].shape for seed in range(40)}
    assert shapes == {(8, 8, 3), (40, 60, 3)}  # both sources are drawn from


@pytest.mark.parametrize(
    ("node", "path"),
    [
        ("/model/backbone/_conv_stem/Conv", "backbone._conv_stem"),
        ("/model/backbone/_blocks.3/_expand_conv/Conv", "backbone._blocks.3._expand_conv"),
        ("/model/fpn/lateral.0/lateral.0.0/Conv", "fpn.lateral.0.0"),
        ("/model/fpn/smooth4/smooth4.1/smooth4.1.0/Conv", "fpn.smooth4.1.0"),
        ("/model/tower/tower.1/tower.1.1/tower.1.1.0/Conv", "tower.1.1.0"),
        ("/model/cls/Conv", "cls"),
    ],
)
def test_onnx_node_names_map_to_modules(node: str, path: str) -> None:
    from shelfscan.training.onnx_init import module_path

    assert module_path(node) == path


def test_training_starts_from_an_exported_model(tmp_path: Path) -> None:
    """Export (BN folded) -> load into a fresh model -> what ONNX Runtime computes."""
    import onnxruntime as ort

    from shelfscan.training.export import export_onnx
    from shelfscan.training.onnx_init import model_from_onnx

    torch.manual_seed(0)
    model = ShelfDet(ModelConfig(num_classes=3))
    with torch.no_grad():  # BN statistics that are not the identity, so folding matters
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
    model.eval()
    path = export_onnx(model, tmp_path / "m.onnx", 128)
    loaded = model_from_onnx(path)
    x = torch.rand(1, 3, 96, 128)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    want = torch.from_numpy(session.run(None, {"images": x.numpy()})[0])
    with torch.no_grad():
        got = ExportWrapper(loaded)(x)
        fresh = ExportWrapper(ShelfDet(ModelConfig(num_classes=3)).eval())(x)
    assert torch.allclose(want[..., 4:], got[..., 4:], atol=1e-5)
    assert torch.allclose(want[..., :4], got[..., :4], atol=1e-3)
    assert not torch.allclose(fresh[..., 4:], want[..., 4:], atol=1e-3)


def test_loading_a_model_of_another_shape_fails(tmp_path: Path) -> None:
    from shelfscan.errors import ModelError
    from shelfscan.training.export import export_onnx
    from shelfscan.training.onnx_init import load_onnx_weights

    path = export_onnx(ShelfDet(ModelConfig(num_classes=1)).eval(), tmp_path / "m.onnx", 128)
    with pytest.raises(ModelError, match="cls"):
        load_onnx_weights(ShelfDet(ModelConfig(num_classes=3)), path)
