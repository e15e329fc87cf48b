"""The ONNX product-crop embedder: crops -> preprocess -> session.run -> unit vectors.

Model contract (see ``models/README.md``): input ``images`` float32 (N, 3, H, W) RGB in
[0, 1] with N dynamic; output ``embeddings`` float32 (N, D), L2-normalised; metadata
``shelfscan.kind=embedder``, ``shelfscan.input_hw`` ("H,W") and ``shelfscan.version``;
optionally ``shelfscan.band_hw`` ("H,W", for a graph whose H and W are free): the size a
brand band (``recognition.verify.upper_region``) is embedded at, keeping its aspect and
three times the crop input's pixels across, for the fine print that tells variants apart;
and ``shelfscan.band_model``: the file name (beside this one) of an embedder trained on
brand bands, which then embeds them instead (its vectors are compared only with its own).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.detection.session import load_session, metadata
from shelfscan.errors import ModelError
from shelfscan.imaging.threads import for_each
from shelfscan.recognition.matcher import MatchConfig
from shelfscan.types import FloatArray

Image = npt.NDArray[np.uint8]
# fraction of box width / height added on each side of a crop: none, since references are
# tight (packshots, boxes cut from photos) and a facing is compared with them as its box
# (4 % before session 5 of issue 13: synthetic seed 7 top-1 0.955 -> 0.969 without it)
CONTEXT_MARGIN = 0.0
MIN_CROP_PX = 8  # boxes narrower or shorter than this cannot be embedded
# crops in flight at most (over the batches run at once): ORT's memory arena grows to the
# largest batch it saw (512 crops: peak RSS 524 MB at 256 a batch, 149 MB at 32) and 32 is
# no slower (CPU 300 vs 469 ms); turning the arena off costs CPU and saves less (231 MB);
# see docs/performance.md
BATCH_SIZE = 32
# ... of the 96x64 crop input: larger inputs (brand bands at 96x192) go in batches of the
# same pixels (10 bands; 32 would grow the arenas by ~50 MB: peak RSS 313 MB in bench_full)
PIXELS_IN_FLIGHT = BATCH_SIZE * 96 * 64


def crop_boxes(image: Image, xyxy: FloatArray, margin: float = CONTEXT_MARGIN) -> list[Image]:
    """Cut (N, 4) boxes out of a BGR image, each grown by ``margin`` and clipped to the image.

    A box that lies (almost) entirely outside the image yields a 1x1 black crop.
    """
    h, w = image.shape[:2]
    crops: list[Image] = []
    for x1, y1, x2, y2 in np.asarray(xyxy, dtype=np.float32).reshape(-1, 4):
        mx, my = (x2 - x1) * margin, (y2 - y1) * margin
        a, b = max(0, int(x1 - mx)), max(0, int(y1 - my))
        c, d = min(w, int(np.ceil(x2 + mx))), min(h, int(np.ceil(y2 + my)))
        if c <= a or d <= b:
            crops.append(np.zeros((1, 1, 3), np.uint8))
        else:
            crops.append(image[b:d, a:c])
    return crops


class Embedder:
    """Embeds BGR product crops into L2-normalised vectors, in batches.

    ``threads`` batches run at once, each on one ORT thread (``from_path`` builds the
    session with one intra-op thread): at this model's input size ORT splits a batch's
    small convolutions badly over two threads (162 crops, 2 cores: 85 ms wall for 86 ms
    CPU with 2 intra-op threads, 44 ms wall with two 1-thread runs at once; see
    docs/performance.md). A session built otherwise works the same, only slower."""

    def __init__(
        self,
        session: Any,
        name: str = "embedder",
        batch_size: int = BATCH_SIZE,
        threads: int = 1,
        band: Embedder | None = None,
    ) -> None:
        self.session = session
        self.name = name
        self.batch_size = batch_size
        self.threads = max(1, threads)
        self.band = band  # the brand-band embedder (``bands``), if the model names one
        meta = metadata(session)
        if meta.get("shelfscan.kind") != "embedder":
            raise ModelError(f"{name}: not a shelfscan embedder (metadata shelfscan.kind missing)")
        try:
            hh, ww = (int(v) for v in meta["shelfscan.input_hw"].split(","))
        except (KeyError, ValueError) as exc:
            raise ModelError(f"{name}: bad or missing metadata shelfscan.input_hw") from exc
        self.input_hw = (hh, ww)
        self.band_hw = self.input_hw  # a model with fixed H and W embeds bands as crops
        if "shelfscan.band_hw" in meta:
            try:
                bh, bw = (int(v) for v in meta["shelfscan.band_hw"].split(","))
            except ValueError as exc:
                raise ModelError(f"{name}: bad metadata shelfscan.band_hw") from exc
            self.band_hw = (bh, bw)
        self.version = meta.get("shelfscan.version", "")
        try:  # decision values calibrated for this model (see models/README.md)
            self.match_config = MatchConfig(
                threshold=float(meta.get("shelfscan.threshold", MatchConfig.threshold)),
                margin=float(meta.get("shelfscan.margin", MatchConfig.margin)),
                link=float(meta.get("shelfscan.link", MatchConfig.link)),
                confident=float(meta.get("shelfscan.confident", MatchConfig.confident)),
            )
        except ValueError as exc:
            raise ModelError(
                f"{name}: bad metadata shelfscan.threshold/margin/link/confident ({exc})"
            ) from exc
        outputs = session.get_outputs()
        if not outputs or outputs[0].name != "embeddings":
            raise ModelError(f"{name}: expected an output named 'embeddings'")
        try:
            self.dim = int(outputs[0].shape[-1])
        except (TypeError, ValueError) as exc:
            raise ModelError(f"{name}: the width of its embeddings is not fixed") from exc
        if band is not None and band.dim != self.dim:
            raise ModelError(f"{name}: band model {band.name} gives {band.dim}-d vectors")

    @classmethod
    def from_path(cls, path: Path, threads: int = 2) -> Embedder:
        """The embedder in ``path`` and the band model it names (``shelfscan.band_model``,
        a file beside it); the name of both digests, so stored cues follow either file."""
        session = load_session(path, 1)
        name = f"{path.name}@{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
        band_file = metadata(session).get("shelfscan.band_model", "")
        band = None
        if band_file:
            band_path = path.with_name(band_file)
            if not band_path.is_file():
                raise ModelError(f"{name}: its band model {band_path} is missing")
            band = cls.from_path(band_path, threads)
            name = f"{name}+{band.name}"
        return cls(session, name, threads=threads, band=band)

    def preprocess(
        self,
        crops: list[Image],
        threads: int | None = None,
        hw: tuple[int, int] | None = None,
    ) -> FloatArray:
        """BGR crops -> (N, 3, H, W) RGB float tensor in [0, 1] (aspect is not kept; ``hw``:
        (H, W), default ``input_hw``); the resizes on up to ``threads`` threads
        (``for_each``'s default when None)."""
        hh, ww = hw or self.input_hw
        out = np.empty((len(crops), hh, ww, 3), np.uint8)

        def resize(i: int) -> None:
            interp = cv2.INTER_AREA if crops[i].shape[0] > hh else cv2.INTER_LINEAR
            out[i] = cv2.resize(crops[i], (ww, hh), interpolation=interp)

        for_each(resize, len(crops), threads)  # the resizes on a few threads (same pixels)
        tensor = np.empty((len(crops), 3, hh, ww), np.float32)
        tensor[:] = out.transpose(0, 3, 1, 2)[:, ::-1]  # BGR -> RGB, channels first
        tensor *= 1.0 / 255.0
        return tensor

    def __call__(self, crops: list[Image], hw: tuple[int, int] | None = None) -> FloatArray:
        """(N, D) float32 unit vectors of crops resized to ``hw`` (default ``input_hw``);
        an empty list gives shape (0, D)."""
        if not crops:
            return np.zeros((0, self.dim), np.float32)
        hh, ww = hw or self.input_hw
        size = max(1, min(self.batch_size, PIXELS_IN_FLIGHT // (hh * ww)))
        bounds = batch_bounds(len(crops), size, self.threads)
        parts: list[FloatArray] = [np.zeros((0, self.dim), np.float32)] * (len(bounds) - 1)

        def run(k: int, resize_threads: int | None = 1) -> None:
            batch = self.preprocess(crops[bounds[k] : bounds[k + 1]], resize_threads, hw)
            parts[k] = self.session.run(["embeddings"], {"images": batch})[0]

        if self.threads == 1 or len(parts) == 1:  # one batch at a time, resizes spread
            for k in range(len(parts)):
                run(k, None)
        else:  # whole batches (resizes and ORT run) side by side
            for_each(run, len(parts), self.threads, min_chunk=1)
        vecs = np.concatenate(parts).astype(np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        out: FloatArray = (vecs / np.maximum(norms, 1e-12)).astype(np.float32)
        return out

    def bands(self, regions: list[Image]) -> FloatArray:
        """(N, D) unit vectors of brand bands: by the band model where there is one, else
        by this model at ``band_hw``."""
        if self.band is not None:
            return self.band(regions)
        return self(regions, self.band_hw)


def batch_bounds(n: int, batch_size: int, threads: int) -> list[int]:
    """Boundaries of the batches ``n`` crops are embedded in, ``threads`` at a time: a
    multiple of ``threads`` batches, as even as possible (so that the threads finish
    together), with at most ``batch_size`` crops in flight at once (the memory bound)."""
    if n <= 0:
        return [0]
    threads = max(1, threads)
    per_round = threads * max(1, batch_size // threads)
    count = threads * -(-n // per_round)
    count = min(count, n)
    return [n * k // count for k in range(count + 1)]
