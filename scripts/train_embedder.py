"""Fine-tune the product-crop embedder on synthetic catalogs (CPU, time-bounded).

    python scripts/train_embedder.py --out /tmp/embedder.pt --minutes 15

Catalog seeds 2001.. are used for training, tobacco catalog seeds 3001.. with
``--tobacco N`` (``--init`` continues a run with class proxies started at the class
means; ``--init-onnx`` continues from a shipped ONNX file, BatchNorm frozen); evaluation
uses seeds 7 (test) and 101 (calibration) of both kinds, export calibration uses 9001.
``--data`` caches the rendered crops (an .npz) so a run can continue in short chunks.
Needs the ``train`` extra.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from shelfscan.training.embedder import (
    CropEmbedder,
    TrainData,
    fine_tune,
    load_onnx_embedder,
    synthetic_training_data,
)

TOBACCO_SEED = 3001


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--catalogs", type=int, default=6)
    parser.add_argument("--scenes", type=int, default=15, help="scenes per catalog")
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--height", type=int, default=96)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--init", type=Path, help="continue from this checkpoint")
    parser.add_argument("--init-onnx", type=Path, help="continue from this embedder.onnx")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--tobacco", type=int, default=0, help="tobacco catalogs (150 SKUs)")
    parser.add_argument("--tobacco-scenes", type=int, default=10)
    parser.add_argument("--siblings", type=float, default=0.0, help="batch share of variants")
    parser.add_argument("--nuisance", type=float, default=0.0, help="crop share with nuisances")
    parser.add_argument("--data", type=Path, help="crop cache (.npz): read if there, else written")
    parser.add_argument("--seed", type=int, default=0, help="batch sampling seed")
    parser.add_argument(
        "--band", action="store_true", help="brand bands (the verification cue), e.g. 96x192"
    )
    parser.add_argument("--cast", type=float, default=0.1, help="largest colour cast per channel")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    hw = (args.height, args.width)
    t0 = time.perf_counter()
    if args.data and args.data.exists():
        data = TrainData.load(args.data)
    else:
        parts = [
            synthetic_training_data(
                range(2001, 2001 + args.catalogs), args.scenes, hw, band=args.band
            )
        ]
        if args.tobacco:
            seeds = range(TOBACCO_SEED, TOBACCO_SEED + args.tobacco)
            parts.append(
                synthetic_training_data(
                    seeds, args.tobacco_scenes, hw, 150, kind="tobacco", packshots=4, band=args.band
                )
            )
        data = TrainData.concat(parts)
        if args.data:
            data.save(args.data)
    print(f"{len(data.labels)} crops of {data.classes} SKUs in {time.perf_counter() - t0:.0f} s")
    warm = args.init is not None or args.init_onnx is not None
    if args.init_onnx:
        model = load_onnx_embedder(args.init_onnx)
        args.blocks = model.blocks
    else:
        model = CropEmbedder(args.blocks, args.dim, imagenet=args.init is None)
    frozen = args.init_onnx is not None
    proxies = None
    if args.init:
        ckpt = torch.load(args.init, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["state"])
        frozen = bool(ckpt.get("frozen_bn", False))
        if "proxies" in ckpt and ckpt["proxies"].shape[0] == data.classes:
            proxies = ckpt["proxies"]  # the same data: continue the run's proxies
    _, proxies = fine_tune(
        model,
        data,
        hw,
        args.minutes,
        lr=args.lr,
        warm=warm,
        siblings=args.siblings,
        nuisance=args.nuisance,
        cast=args.cast,
        frozen_bn=frozen,
        seed=args.seed,
        proxies=proxies,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "state": model.state_dict(),
            "blocks": args.blocks,
            "dim": args.dim,
            "hw": hw,
            "frozen_bn": frozen,
            "proxies": proxies,
            "band": args.band,
        },
        args.out,
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
