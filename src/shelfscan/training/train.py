"""Training loop: AdamW, warm-up then cosine decay, bf16 autocast on CUDA, resumable.

The schedule runs on *progress* = max(step / steps, elapsed / time_budget), so a run
given a wall-clock budget (a GPU lease, a CI box) still finishes its decay and saves a
usable checkpoint. ``train`` resumes from ``<out>/last.pt`` when it exists.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from shelfscan.training.backbone import load_imagenet
from shelfscan.training.data import CropConfig, SceneSource, ShelfCrops, collate
from shelfscan.training.loss import detection_loss
from shelfscan.training.model import ModelConfig, ShelfDet


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 4000
    batch: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup: int = 200
    time_budget_s: float = float("inf")
    workers: int = 4
    first_seed: int = 1_000_000  # training seeds; evaluation uses 0..999
    checkpoint_every: int = 500
    log_every: int = 50
    pretrained: bool = True
    init_weights: str = ""  # start from these trained weights (weights.pt) instead
    init_onnx: str = ""  # or from a shipped detector ONNX file (``onnx_init``)
    freeze_bn: bool = False  # BatchNorm in eval mode (needed after ``init_onnx``)
    threads: int = 0  # torch intra-op threads in the training process (0 = torch default)
    model: ModelConfig = field(default_factory=ModelConfig)
    crops: CropConfig = field(default_factory=CropConfig)


def lr_factor(progress: float, step: int, warmup: int) -> float:
    """Linear warm-up over ``warmup`` steps, then cosine from 1 to 0.02."""
    warm = min(1.0, (step + 1) / max(warmup, 1))
    cos = 0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    return warm * cos


def save_checkpoint(
    path: Path,
    model: ShelfDet,
    opt: torch.optim.Optimizer,
    step: int,
    elapsed: float,
    cfg: TrainConfig,
) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "step": step,
            "elapsed": elapsed,
            "model_config": asdict(cfg.model),
            "input_size": cfg.crops.input_size,
        },
        tmp,
    )
    tmp.replace(path)


def save_weights(path: Path, model: ShelfDet, cfg: TrainConfig, step: int) -> None:
    """Weights only (no optimizer state): what export and fine-tuning need."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(
        {
            "model": state,
            "step": step,
            "model_config": asdict(cfg.model),
            "input_size": cfg.crops.input_size,
        },
        path,
    )


def load_model(path: Path, map_location: str = "cpu") -> tuple[ShelfDet, int]:
    """A trained model (eval mode) and its input size from a checkpoint."""
    ckpt = torch.load(path, map_location=map_location, weights_only=False)
    model = ShelfDet(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval(), int(ckpt["input_size"])


def train(
    cfg: TrainConfig,
    source: SceneSource,
    out_dir: Path,
    device: str = "cpu",
    log: Callable[[str], None] = print,
) -> Path:
    """Train (or resume) and return the path of the final checkpoint ``last.pt``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    last = out_dir / "last.pt"
    if cfg.threads > 0:
        torch.set_num_threads(cfg.threads)
    model = ShelfDet(cfg.model)
    if cfg.init_onnx:
        from shelfscan.training.onnx_init import load_onnx_weights

        n = load_onnx_weights(model, Path(cfg.init_onnx))
        log(f"initialised {n} convolutions from {cfg.init_onnx}")
    elif cfg.init_weights:
        init = torch.load(cfg.init_weights, map_location="cpu", weights_only=False)
        model.load_state_dict(init["model"])
        log(f"initialised from {cfg.init_weights} (step {init.get('step')})")
    elif cfg.pretrained:
        load_imagenet(model.backbone)
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, elapsed0 = 0, 0.0
    if last.exists():
        ckpt = torch.load(last, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        step, elapsed0 = int(ckpt["step"]), float(ckpt["elapsed"])
        log(f"resumed from {last} at step {step}")
    loader = torch.utils.data.DataLoader(
        ShelfCrops(source, cfg.crops, cfg.first_seed + step * 7919),
        batch_size=cfg.batch,
        num_workers=cfg.workers,
        collate_fn=collate,
        pin_memory=device.startswith("cuda"),
        persistent_workers=cfg.workers > 0,
        prefetch_factor=4 if cfg.workers > 0 else None,
    )
    model.train()
    if cfg.freeze_bn:
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.eval()
    start = time.monotonic()
    use_amp = device.startswith("cuda")
    running: dict[str, float] = {}
    tick = time.monotonic()
    for images, boxes, classes in loader:
        elapsed = elapsed0 + time.monotonic() - start
        progress = max(step / cfg.steps, elapsed / cfg.time_budget_s)
        if progress >= 1.0:
            break
        for group in opt.param_groups:
            group["lr"] = cfg.lr * lr_factor(progress, step, cfg.warmup)
        x = images.to(device, non_blocking=True).float().div_(255)
        gb = [b.to(device) for b in boxes]
        gc = [c.to(device) for c in classes]
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=use_amp):
            outputs = model(x)
        losses = detection_loss(outputs, gb, gc)
        opt.zero_grad(set_to_none=True)
        torch.autograd.backward(losses["loss"])
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        step += 1
        for k, v in losses.items():
            running[k] = running.get(k, 0.0) + float(v.detach())
        if step % cfg.log_every == 0:
            parts = " ".join(f"{k}={v / cfg.log_every:.3f}" for k, v in running.items())
            rate = cfg.log_every * cfg.batch / (time.monotonic() - tick)
            log(
                f"step {step} {elapsed:.0f}s {rate:.0f} img/s "
                f"lr={opt.param_groups[0]['lr']:.2e} {parts}"
            )
            running, tick = {}, time.monotonic()
        if step % cfg.checkpoint_every == 0:
            save_checkpoint(last, model, opt, step, elapsed, cfg)
    save_checkpoint(last, model, opt, step, elapsed0 + time.monotonic() - start, cfg)
    save_weights(out_dir / "weights.pt", model, cfg, step)
    log(f"saved {last} and weights.pt at step {step} ({time.monotonic() - start:.0f}s)")
    return last
