"""Fine-tune the product-crop embedder on synthetic catalogs (CPU, time-bounded).

    python scripts/train_embedder.py --out /tmp/embedder.pt --minutes 15

Catalog seeds 2001.. are used for training (``--init`` continues a run with class
proxies started at the class means); evaluation uses seeds 7 (test) and 101
(calibration), export calibration uses 9001. Needs the ``train`` extra.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from shelfscan.training.embedder import CropEmbedder, fine_tune, synthetic_training_data


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
    parser.add_argument("--lr", type=float, default=2e-3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    hw = (args.height, args.width)
    t0 = time.perf_counter()
    data = synthetic_training_data(range(2001, 2001 + args.catalogs), args.scenes, hw)
    print(f"{len(data.labels)} crops of {data.classes} SKUs in {time.perf_counter() - t0:.0f} s")
    model = CropEmbedder(args.blocks, args.dim, imagenet=args.init is None)
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu", weights_only=True)["state"])
    fine_tune(model, data, hw, args.minutes, lr=args.lr, warm=args.init is not None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {"state": model.state_dict(), "blocks": args.blocks, "dim": args.dim, "hw": hw}, args.out
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
