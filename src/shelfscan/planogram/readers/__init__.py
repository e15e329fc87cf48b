"""Read planogram files: shelfscan JSON, CSV, Azure-style JSON, JDA/Blue Yonder ``.psa``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from shelfscan.errors import PlanogramError
from shelfscan.planogram.model import Planogram, validate
from shelfscan.planogram.readers.azure import is_azure, read_azure_data
from shelfscan.planogram.readers.csv_format import read_csv, read_csv_text
from shelfscan.planogram.readers.json_format import read_json_data
from shelfscan.planogram.readers.psa import read_psa, read_psa_text

FORMATS = ("json", "csv", "azure", "psa")
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
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise PlanogramError(f"{path}: cannot read ({exc})") from exc
    except json.JSONDecodeError as exc:
        raise PlanogramError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc


def read_planograms(
    path: Path, fmt: str | None = None, known_skus: set[str] | None = None
) -> list[Planogram]:
    """Every bay in ``path``, validated (against ``known_skus`` too when given)."""
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise PlanogramError(f"unknown planogram format {fmt!r} (valid: {', '.join(FORMATS)})")
    if not path.is_file():
        raise PlanogramError(f"{path}: no such file")
    if fmt == "csv":
        bays = read_csv(path)
    elif fmt == "psa":
        bays = read_psa(path)
    else:
        data = _load_json(path)
        if fmt == "azure" or is_azure(data):
            if not is_azure(data):
                raise PlanogramError(f"{path}: not an Azure planogram (no fixtures/positions)")
            bays = read_azure_data(data, str(path), path.stem)
        else:
            bays = read_json_data(data, str(path), path.stem)
    for bay in bays:
        validate(bay, known_skus)
    return bays


__all__ = [
    "FORMATS",
    "PLANOGRAM_SUFFIXES",
    "detect_format",
    "planogram_files",
    "read_azure_data",
    "read_csv_text",
    "read_json_data",
    "read_planograms",
    "read_psa_text",
]
