"""The one exception module: every error a user may see is a ``ShelfscanError``.

The CLI catches these, prints one line and exits non-zero; library code raises them
with a message that names the file (and line, where there is one) and the problem.
"""

from __future__ import annotations


class ShelfscanError(Exception):
    """Base class of every error shelfscan reports to a user."""


class ImageError(ShelfscanError):
    """An image file is missing, unreadable, corrupt or too small."""


class ModelError(ShelfscanError):
    """An ONNX model is missing, corrupt or has an unexpected signature."""


class StoreError(ShelfscanError):
    """The SQLite store cannot be opened, migrated or written."""


class ConfigError(ShelfscanError):
    """A setting, option or config file is invalid."""


class DatasetError(ShelfscanError):
    """An annotated dataset (COCO, YOLO, VOC, CSV) is malformed."""


class CatalogError(ShelfscanError):
    """A SKU catalog operation failed (unknown or duplicate SKU, bad reference image)."""


class PlanogramError(ShelfscanError):
    """A planogram file is malformed or references something unknown."""


class CaptureError(ShelfscanError):
    """A camera, stream or video source cannot be opened or read."""


class SyncError(ShelfscanError):
    """Uploading to the CRM failed in a way the user must act on."""


class PriceListError(ShelfscanError):
    """A price list file is malformed (the message names the file and line)."""


class BatchError(ShelfscanError):
    """A batch input (folder or manifest) or the Ray cluster cannot be used."""
