"""Real headless Chromium for the HTML pages: screenshots and the laid-out page width.

Tests skip where no Chromium is installed (``apt-get install chromium``; CI's ``.ci/run``
installs it). Set ``SHELFSCAN_SHOTS=DIR`` to keep the screenshots for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (apt-get install chromium)"
)
SIZES = ((412, 915), (1440, 900))  # a phone (Pixel-class) and a desktop window
_MEASURE = "<script>parent.document.title='W'+document.documentElement.scrollWidth+'x'</script>"


def _chromium(
    args: list[str], profile: Path, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


def _host(page: Path, size: tuple[int, int], name: str) -> Path:
    """A page holding ``page`` in an iframe of exactly ``size``: headless Chromium lays
    a window out at least 500 px wide, so a phone width needs a frame."""
    host = page.with_name(name)
    host.write_text(
        '<!doctype html><html><body style="margin:0;background:#777">'
        f'<iframe src="{page.name}" width="{size[0]}" height="{size[1]}" '
        'style="border:0;display:block"></iframe></body></html>',
        encoding="utf-8",
    )
    return host


def screenshot(page: Path, size: tuple[int, int], out: Path) -> np.ndarray:
    """The page's first screen in a ``size`` (width, height) viewport, as a BGR image."""
    host = _host(page, size, f"{page.stem}-host-{size[0]}.html")
    window = (max(size[0], 800), size[1])
    _chromium(
        [
            "--allow-file-access-from-files",
            f"--screenshot={out}",
            f"--window-size={window[0]},{window[1]}",
            host.as_uri(),
        ],
        out.parent / f"profile-{out.stem}",
    )
    if not out.is_file():
        raise AssertionError(f"chromium wrote no screenshot of {page}")
    img = cv2.imread(str(out))
    if img is None:
        raise AssertionError(f"{out}: not an image")
    img = np.ascontiguousarray(img[: size[1], : size[0]])
    cv2.imwrite(str(out), img)
    keep = os.environ.get("SHELFSCAN_SHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(out, Path(keep) / out.name)
    return img


def laid_out_width(page: Path, width: int) -> int:
    """The document's scroll width when laid out ``width`` px wide (a copy of the page
    with a measuring script, in a frame; the page itself carries none)."""
    probe = page.with_name(page.stem + "-probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _MEASURE + "</body>"))
    host = _host(probe, (width, 900), f"{page.stem}-probe-host-{width}.html")
    done = _chromium(
        ["--allow-file-access-from-files", "--dump-dom", "--window-size=1600,900", host.as_uri()],
        page.parent / f"profile-probe-{width}",
    )
    found = re.search(r"<title>W(\d+)x", done.stdout)
    if found is None:
        raise AssertionError(f"no measurement from chromium: {done.stderr[-400:]}")
    return int(found.group(1))
