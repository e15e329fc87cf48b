"""Read planogram files: shelfscan JSON, CSV, Azure-style JSON, JDA/Blue Yonder ``.psa``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, validate
from shelfscan.planogram.readers._build import check_bounds, short
from shelfscan.planogram.readers._io import decode_text, read_bytes
from shelfscan.planogram.readers.azure import is_azure, read_azure_data
from shelfscan.planogram.readers.csv_format import read_csv, read_csv_text
from shelfscan.planogram.readers.json_format import read_json_data
from shelfscan.planogram.readers.psa import read_psa, read_psa_text

PLANOGRAM_SUFFIXES = (".json", ".csv", ".psa")


def planogram_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for the planogram files directly in it (sorted).

    ``PlanogramError`` for a path that does not exist or a folder with no planogram file.
    """
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() in PLANOGRAM_SUFFIXES
            )
            if not found:
                raise PlanogramError(
                    f"{path}: folder holds no planogram file ({', '.join(PLANOGRAM_SUFFIXES)})"
                )
            out.extend(found)
        elif path.exists():
            out.append(path)
        else:
            raise PlanogramError(f"{path}: no such file or folder")
    return out


class PlanogramReader(Protocol):
    """One file format: every bay in the file, not yet validated."""

    def __call__(self, path: Path) -> list[Planogram]: ...


def detect_format(path: Path) -> str:
    """By extension: .csv, .psa, .json (shelfscan or Azure by content)."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".psa"):
        return suffix[1:]
    if suffix == ".json":
        return "json"
    raise PlanogramError(
        f"{path}: cannot tell the planogram format from the extension "
        f"(use .json, .csv or .psa, or pass a format: {', '.join(FORMATS)})"
    )


def _load_json(path: Path) -> object:
    text = decode_text(read_bytes(path), path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanogramError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
    except RecursionError:
        raise PlanogramError(f"{path}: invalid JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise PlanogramError(f"{path}: invalid JSON ({short(str(exc))})") from None


def _read_json(path: Path) -> list[Planogram]:
    """shelfscan JSON, or Azure-style JSON when the content says so."""
    data = _load_json(path)
    if is_azure(data):
        return read_azure_data(data, str(path), path.stem)
    return read_json_data(data, str(path), path.stem)


def _read_azure(path: Path) -> list[Planogram]:
    data = _load_json(path)
    if not is_azure(data):
        raise PlanogramError(f"{path}: not an Azure planogram (no fixtures/positions)")
    return read_azure_data(data, str(path), path.stem)


READERS: dict[str, PlanogramReader] = {
    "json": _read_json,
    "csv": read_csv,
    "azure": _read_azure,
    "psa": read_psa,
}
FORMATS = tuple(READERS)


def get_reader(fmt: str) -> PlanogramReader:
    """The reader registered as ``fmt``; ``PlanogramError`` listing the valid names if none."""
    try:
        return READERS[fmt]
    except KeyError:
        raise PlanogramError(
            f"unknown planogram format {fmt!r} (valid: {', '.join(FORMATS)})"
        ) from None


def read_planograms(
    path: Path, fmt: str | None = None, known_skus: set[str] | None = None
) -> list[Planogram]:
    """Every bay in ``path``, validated (against ``known_skus`` too when given)."""
    reader = get_reader(fmt or detect_format(path))
    if not path.is_file():
        raise PlanogramError(f"{path}: no such file")
    bays = reader(path)
    for bay in bays:
        check_bounds(bay)
        validate(bay, known_skus)
    return bays


__all__ = [
    "FORMATS",
    "PLANOGRAM_SUFFIXES",
    "READERS",
    "PlanogramReader",
    "detect_format",
    "get_reader",
    "planogram_files",
    "read_azure_data",
    "read_csv_text",
    "read_json_data",
    "read_planograms",
    "read_psa_text",
]
