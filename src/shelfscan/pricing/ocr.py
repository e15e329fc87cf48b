"""Price-tag OCR with RapidOCR's bundled PP-OCRv6 models, one recognition batch per photo.

A tag crop is already a text region, so by default its price line is found from its ink
(``pricing.lines``: connected components, no text detector) and only that line is
recognised. Tags whose line holds no readable price go through RapidOCR's text detector,
one tiny run per tag (packing all tags into one mosaic made the detector's results depend
on the neighbouring tags, since its squeeze-excite blocks see the whole image), and their
largest few lines are recognised. Lines are cut from the full-resolution photo and all
lines of the photo are recognised together in batches. Nothing is downloaded: the model
files are the ones inside the ``rapidocr`` wheel (a missing file is a ``ModelError``).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from shelfscan.config import models_dir
from shelfscan.errors import ModelError
from shelfscan.pricing.lines import find_lines
from shelfscan.pricing.parse import TextLine, parse_tag

Image = npt.NDArray[np.uint8]

_Line = tuple[float, tuple[int, int, int, int]]  # height, (x1, y1, x2, y2)

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
PRICE_REC_MODEL = "price_rec.onnx"  # REC_MODEL cut to price characters (models/README.md)
PRICE_DET_MODEL = "price_det.onnx"  # DET_MODEL in int8 (models/README.md)


def bundled_models_dir() -> Path:
    """The ``models/`` folder inside the installed ``rapidocr`` package."""
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


def model_path(name: str, bundled: Path) -> Path:
    """The OCR model file ``name`` names: a path, else a file under shelfscan's ``models/``,
    else one of RapidOCR's bundled models in ``bundled`` (``DET_MODEL``, ``REC_MODEL``)."""
    path = Path(name).expanduser()
    if path.is_absolute() or path.exists():
        return path
    ours = models_dir() / name
    return ours if ours.is_file() or name not in (DET_MODEL, REC_MODEL) else bundled / name


@dataclass(frozen=True)
class OcrSettings:
    """Tunables of tag OCR."""

    threads: int = 2
    rec_model: str = PRICE_REC_MODEL  # the recogniser (``model_path``; REC_MODEL: full)
    det_model: str = PRICE_DET_MODEL  # the text detector (``model_path``; DET_MODEL: float)
    tag_height: int = 64  # each tag crop is scaled to this height for text detection
    max_width: int = 384  # ... and at most this wide
    pad: float = 0.1  # crop margin around the tag box, share of its size: the text detector
    # misses text that touches the crop edge, and detected tag boxes are often tight
    max_lines: int = 1  # lines recognised per tag, largest first (text detector): the
    # price line; a second line read no more prices on the real dev tags nor on synthetic
    # ones (scripts/eval_prices.py) and cost ~4 ms of CPU per fallback tag
    component_lines: int = 1  # ... with the component line finder: the price line only,
    # since recognition dominates the cost (a line costs ~6 ms of CPU) and a tag whose
    # price is not read falls back to the detector and its ``max_lines`` lines
    min_line_share: float = 0.45  # skip lines smaller than this share of the tag's largest
    rec_batch: int = 4  # lines of one recognition batch, padded to the widest: small
    # batches of lines sorted by aspect waste least on padding
    line_finder: str = "components"  # "components" (ink analysis, no text detector) or
    # "detector" (RapidOCR's text detector on each tag)
    fallback: bool = True  # with "components": tags whose lines hold no readable price
    # are detected again with the text detector and recognised once more


@dataclass(frozen=True)
class OcrRun:
    """The lines read from each tag of one photo, and what the steps cost (wall ms)."""

    lines: list[list[TextLine]]
    find_ms: float  # finding each tag's price line (components or text detector)
    recognise_ms: float  # recognising those lines (cropping, resizing, the model)
    fallback_ms: float  # tags read again with the text detector (both steps)
    fallback_tags: int  # how many tags that was


class TagOcr:
    """Reads the text lines of many tag boxes on one photo."""

    def __init__(self, settings: OcrSettings | None = None, bundled: Path | None = None):
        """``bundled``: the folder of RapidOCR's models (default: inside its wheel)."""
        self.settings = settings or OcrSettings()
        folder = bundled or bundled_models_dir()
        self.det_model = model_path(self.settings.det_model, folder)
        self.rec_model = model_path(self.settings.rec_model, folder)
        for path in (self.det_model, self.rec_model):
            if not path.is_file():
                raise ModelError(
                    f"{path}: OCR model not found (RapidOCR's ship inside the rapidocr wheel,"
                    " shelfscan's price models under models/; shelfscan never downloads"
                    " models)"
                )
        from rapidocr.ch_ppocr_det import TextDetector
        from rapidocr.ch_ppocr_rec import TextRecInput, TextRecognizer
        from rapidocr.main import DEFAULT_CFG_PATH
        from rapidocr.utils.parse_parameters import ParseParams

        from shelfscan.detection.session import load_session

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)  # after its import sets INFO

        cfg = ParseParams.load(DEFAULT_CFG_PATH)
        engine = cfg.EngineConfig.onnxruntime
        for section, path in ((cfg.Det, self.det_model), (cfg.Rec, self.rec_model)):
            section.engine_cfg = engine
            section.model_path = str(path)  # explicit path: no download branch
            section.model_root_dir = str(path.parent)
            # the project's session options, one ORT thread: parallel over tags instead
            section._set_flag("allow_objects", True)
            section.session = load_session(path, threads=1)
        cfg.Det.limit_type, cfg.Det.limit_side_len = "max", 4096  # crops are sized in _tag_lines
        cfg.Rec.rec_batch_num = self.settings.rec_batch
        # RapidOCR pads every batch to at least 320 px wide (its default shape); price lines
        # are ~1.6 times as wide as tall (~80 px), so pad only to the batch's widest line.
        cfg.Rec.rec_img_shape = [3, 48, 48]
        cfg.Rec.font_path = None
        self._det = TextDetector(cfg.Det)
        self._rec = TextRecognizer(cfg.Rec)
        self._rec_input = TextRecInput
        self._pool = ThreadPoolExecutor(max(1, self.settings.threads), "tag-ocr")

    def _crop(self, image: Image, box: npt.NDArray[np.float32]) -> tuple[Image, int, int]:
        """The tag box with its margin (``settings.pad``) and the crop's top-left corner."""
        s = self.settings
        h_img, w_img = image.shape[:2]
        mx, my = s.pad * float(box[2] - box[0]), s.pad * float(box[3] - box[1])
        bx1, by1 = max(0, int(box[0] - mx)), max(0, int(box[1] - my))
        bx2 = min(w_img, int(np.ceil(box[2] + mx)))
        by2 = min(h_img, int(np.ceil(box[3] + my)))
        return image[by1 : max(by2, by1 + 1), bx1 : max(bx2, bx1 + 1)], bx1, by1

    def _detector_image(self, crop: Image) -> tuple[Image, float]:
        """A tag crop scaled for the text detector (``tag_height`` high), and its scale."""
        s = self.settings
        scale = s.tag_height / crop.shape[0]
        w = max(8, min(s.max_width, round(crop.shape[1] * scale)))
        small = np.ascontiguousarray(
            cv2.resize(crop, (w, s.tag_height), interpolation=cv2.INTER_AREA), dtype=np.uint8
        )
        return small, scale

    def detector_inputs(self, image: Image, boxes: Any) -> list[npt.NDArray[np.float32]]:
        """The text detector's input tensors (1, 3, H, W) for tag ``boxes``: what the
        fallback feeds it (calibration data for ``scripts/build_price_models.py``)."""
        pre = self._det.get_preprocess()
        out = []
        for box in np.asarray(boxes, dtype=np.float32).reshape(-1, 4):
            small, _ = self._detector_image(self._crop(image, box)[0])
            out.append(np.asarray(pre(small), np.float32))
        return out

    def _tag_lines(self, image: Image, box: npt.NDArray[np.float32], finder: str) -> list[_Line]:
        """One tag's text lines: (height, rectangle), both in image pixels, largest first."""
        s = self.settings
        crop, bx1, by1 = self._crop(image, box)
        if finder == "components":
            gray: Image = np.asarray(
                cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop, np.uint8
            )
            return [
                (float(y2 - y1), (bx1 + x1, by1 + y1, bx1 + x2, by1 + y2))
                for x1, y1, x2, y2 in find_lines(gray, s.component_lines, s.min_line_share)
                if x2 - x1 >= 4 and y2 - y1 >= 4
            ]
        small, scale = self._detector_image(crop)
        found = self._det(small)
        lines: list[_Line] = []
        for quad in found.boxes if found.boxes is not None else ():
            lx1, ly1 = max(0.0, float(quad[:, 0].min())), max(0.0, float(quad[:, 1].min()))
            lx2, ly2 = float(quad[:, 0].max()), float(quad[:, 1].max())
            rect = (
                int(bx1 + lx1 / scale),
                int(by1 + ly1 / scale),
                int(np.ceil(bx1 + lx2 / scale)),
                int(np.ceil(by1 + ly2 / scale)),
            )
            lines.append(((ly2 - ly1) / scale, rect))
        lines.sort(key=lambda item: -item[0])
        top = lines[0][0] if lines else 0.0
        return [
            (h, (x1, y1, x2, y2))
            for h, (x1, y1, x2, y2) in lines[: s.max_lines]
            if h >= s.min_line_share * top and x2 - x1 >= 4 and y2 - y1 >= 4
        ]

    def _recognise(self, crops: list[Image]) -> list[tuple[str, float, tuple[float, ...]]]:
        """(text, mean score, per-character scores) of each line crop."""
        rec = self._rec(self._rec_input(img=crops, return_word_box=True))
        out = []
        for text, score, words in zip(rec.txts or (), rec.scores, rec.word_results, strict=True):
            confs = tuple(float(c) for c in getattr(words, "confs", ()) or ())
            out.append((str(text), float(score), confs if len(confs) == len(text) else ()))
        return out

    def read(self, image: Image, boxes: Any) -> list[list[TextLine]]:
        """OCR lines of each tag box; ``boxes`` (N, 4) xyxy in image pixels (BGR image)."""
        return self.read_timed(image, boxes).lines

    def read_timed(self, image: Image, boxes: Any) -> OcrRun:
        """``read`` with the time of each step.

        Lines are found (see ``OcrSettings.line_finder``) and recognised on
        ``settings.threads`` worker threads with one ONNX Runtime thread each (small
        inputs scale badly inside ORT).
        """
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        if len(boxes) == 0:
            return OcrRun([], 0.0, 0.0, 0.0, 0)
        s = self.settings
        ms = [0.0, 0.0]
        out = self._read(image, boxes, s.line_finder, ms)
        t0 = time.perf_counter()
        again: list[int] = []
        if s.line_finder == "components" and s.fallback:
            again = [i for i, lines in enumerate(out) if parse_tag(lines).status != "read"]
            if again:
                for i, lines in zip(
                    again, self._read(image, boxes[again], "detector", [0.0, 0.0]), strict=True
                ):
                    out[i] = lines
        return OcrRun(out, ms[0], ms[1], (time.perf_counter() - t0) * 1000, len(again))

    def _read(
        self, image: Image, boxes: npt.NDArray[np.float32], finder: str, ms: list[float]
    ) -> list[list[TextLine]]:
        """Lines of each box; adds the milliseconds of finding and recognising to ``ms``."""
        t0 = time.perf_counter()
        per_tag = list(self._pool.map(lambda b: self._tag_lines(image, b, finder), boxes))
        t1 = time.perf_counter()
        jobs = [(i, h, r) for i, lines in enumerate(per_tag) for h, r in lines]
        jobs.sort(key=lambda j: (j[2][2] - j[2][0]) / max(1, j[2][3] - j[2][1]))  # by aspect
        n = self.settings.threads
        chunks = [jobs[k::n] for k in range(n)]  # each chunk spans all aspects evenly
        crops = [[image[r[1] : r[3], r[0] : r[2]] for _, _, r in chunk] for chunk in chunks]
        results = list(self._pool.map(self._recognise, [c for c in crops if c]))
        t2 = time.perf_counter()
        ms[0] += (t1 - t0) * 1000
        ms[1] += (t2 - t1) * 1000
        out: list[list[TextLine]] = [[] for _ in boxes]
        for chunk, texts in zip([c for c in chunks if c], results, strict=True):
            for (i, height, r), (text, score, confs) in zip(chunk, texts, strict=True):
                width = float(r[2] - r[0]) * height / max(1, r[3] - r[1])
                out[i].append(TextLine(text, score, float(height), confs, width))
        return out
