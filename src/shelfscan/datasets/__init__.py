"""Annotated datasets: readers and writers (COCO, YOLO, Pascal VOC, SKU-110K CSV).

The synthetic shelf generator lives in ``shelfscan.datasets.synthetic``.
"""

from __future__ import annotations

from .coco import read_coco, write_coco
from .common import CLASS_ALIASES, AnnotatedImage, DatasetWarning
from .csv import read_csv, write_csv
from .load import FORMATS, DatasetSummary, check_dataset, detect_formats, load_dataset
from .voc import read_voc, write_voc
from .yolo import read_yolo, write_yolo

__all__ = [
    "CLASS_ALIASES",
    "FORMATS",
    "AnnotatedImage",
    "DatasetSummary",
    "DatasetWarning",
    "check_dataset",
    "detect_formats",
    "load_dataset",
    "read_coco",
    "read_csv",
    "read_voc",
    "read_yolo",
    "write_coco",
    "write_csv",
    "write_voc",
    "write_yolo",
]
