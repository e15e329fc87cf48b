"""`shelfscan scan` end to end: the shipped model on the shipped sample photos, real SQLite."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from shelfscan.cli import app

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_images"
runner = CliRunner()


def sample_photos() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*.jpg"))


def small_copy(src: Path, dst: Path, width: int = 1200) -> Path:
    """A smaller copy of a sample photo, to keep the suite fast."""
    img = Image.open(src)
    img.thumbnail((width, width))
    img.save(dst, "JPEG", quality=90)
    return dst


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for src in sample_photos()[:2]:
        small_copy(src, folder / src.name)
    return folder


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_scan_json_matches_database(photos: Path, db_path: Path) -> None:
    code, out, err = run(
        "scan",
        str(photos),
        "--db",
        str(db_path),
        "--store",
        "S1",
        "--visit",
        "V1",
        "--rep",
        "alice",
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["visit"] == "V1" and len(report["photos"]) == 2
    con = sqlite3.connect(db_path)
    for photo in report["photos"]:
        assert photo["facings"] > 10  # dense sample shelves
        assert len(photo["rows"]) >= 2
        assert sum(r["facings"] for r in photo["rows"]) == photo["facings"]
        stored = dict(
            con.execute(
                "SELECT name, value FROM kpis WHERE photo_id = ? AND scope = ''",
                [photo["photo_id"]],
            )
        )
        assert stored["facings"] == photo["facings"]
        assert stored["gaps"] == len(photo["gaps"])
        n_prod = con.execute(
            "SELECT COUNT(*) FROM detections WHERE photo_id = ? AND "
            "class_name = 'product' AND row >= 0",
            [photo["photo_id"]],
        ).fetchone()[0]
        assert n_prod == photo["facings"]
        n_gaps = con.execute(
            "SELECT COUNT(*) FROM gaps WHERE photo_id = ?", [photo["photo_id"]]
        ).fetchone()[0]
        assert n_gaps == len(photo["gaps"])
    visit = con.execute("SELECT store_id, rep FROM visits WHERE id = 'V1'").fetchone()
    assert visit == ("S1", "alice")


def test_rescan_same_visit_does_not_duplicate(photos: Path, db_path: Path) -> None:
    for _ in range(2):
        code, _, err = run("scan", str(photos), "--db", str(db_path), "--visit", "V1")
        assert code == 0, err
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 2
    per_photo = con.execute(
        "SELECT COUNT(DISTINCT photo_id), COUNT(*) FROM kpis WHERE name = 'facings' AND scope = ''"
    ).fetchone()
    assert per_photo == (2, 2)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("zero.jpg", b"", "file is empty"),  # zero-byte file
        ("notes.png", b"hello, not a png", "not an image"),  # non-image with image suffix
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "corrupt or truncated"),  # corrupt JPEG
    ],
)
def test_bad_file_in_batch_is_reported_and_batch_goes_on(
    photos: Path, db_path: Path, name: str, content: bytes, message: str
) -> None:
    (photos / name).write_bytes(content)
    code, out, err = run("scan", str(photos), "--db", str(db_path), "--json")
    assert code == 1
    lines = [line for line in err.splitlines() if name in line]
    assert len(lines) == 1 and message in lines[0]
    report = json.loads(out)
    assert sum(1 for p in report["photos"] if "error" not in p) == 2
    assert sqlite3.connect(db_path).execute("SELECT COUNT(*) FROM photos").fetchone()[0] == 2


def test_tiny_image_is_rejected(tmp_path: Path, db_path: Path) -> None:
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    code, _, err = run("scan", str(tmp_path / "dot.png"), "--db", str(db_path))
    assert code == 1 and "dot.png" in err and "too small" in err


def test_missing_path_and_missing_model(tmp_path: Path, db_path: Path) -> None:
    code, _, err = run("scan", str(tmp_path / "nowhere"), "--db", str(db_path))
    assert code == 1 and "nowhere: no such file or folder" in err
    code, _, err = run(
        "scan", str(tmp_path), "--db", str(db_path), "--detector", str(tmp_path / "missing.onnx")
    )
    assert code == 1 and "missing.onnx: model file not found" in err
    assert "Traceback" not in err


def test_unwritable_db_is_one_clear_line(photos: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = run("scan", str(photos), "--db", str(tmp_path / "file" / "db.sqlite"))
    assert code == 1 and "cannot open database" in err and "Traceback" not in err


def test_visits_and_show(photos: Path, db_path: Path) -> None:
    assert run("scan", str(photos), "--db", str(db_path), "--visit", "V7")[0] == 0
    code, out, _ = run("visits", "--db", str(db_path), "--json")
    assert code == 0 and json.loads(out)[0]["id"] == "V7" and json.loads(out)[0]["photos"] == 2
    code, out, _ = run("show", "V7", "--db", str(db_path), "--json")
    assert code == 0 and len(json.loads(out)["photos"]) == 2
    code, _, err = run("show", "nope", "--db", str(db_path))
    assert code == 1 and "no visit 'nope'" in err


def _as_nobody(cmd: list[str]) -> list[str]:
    """Run ``cmd`` as an unprivileged user when we are root (root reads every folder)."""
    if os.geteuid() != 0:
        return cmd
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot provoke a permission error")
    wrapped = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    probe = subprocess.run(
        [*wrapped[:4], sys.executable, "-c", "import shelfscan"], capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot run this checkout's Python")
    return wrapped


def test_unreadable_folder_in_batch(photos: Path) -> None:
    """A folder the user cannot read: one clear line, the readable photos are still stored."""
    work = Path(tempfile.mkdtemp(prefix="shelfscan-perm-", dir="/tmp"))
    try:
        work.chmod(0o777)
        readable = Path(shutil.copytree(photos, work / "photos"))
        for p in [readable, *readable.iterdir()]:
            p.chmod(0o755)
        locked = work / "locked"
        locked.mkdir()
        (locked / "x.jpg").write_bytes(b"x")
        locked.chmod(0)
        cmd = _as_nobody(
            [
                sys.executable,
                "-m",
                "shelfscan",
                "scan",
                str(readable),
                str(locked),
                "--db",
                str(work / "db.sqlite"),
            ]
        )
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=300, env={**os.environ, "HOME": str(work)}
        )
        assert proc.returncode == 1, proc.stderr
        assert f"{locked}: cannot read folder (Permission denied)" in proc.stderr
        assert "Traceback" not in proc.stderr
        count = sqlite3.connect(work / "db.sqlite").execute("SELECT COUNT(*) FROM photos")
        assert count.fetchone()[0] == 2
    finally:
        (work / "locked").chmod(0o700)
        shutil.rmtree(work, ignore_errors=True)


def test_show_reads_like_the_report(tmp_path: Path) -> None:
    from bay_builders import stored_visit

    stored_visit(tmp_path, tmp_path / "s.db")
    result = runner.invoke(
        app, ["show", "V1", "--db", str(tmp_path / "s.db")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for text in ("Facings", "Empty shelf", "Planogram compliance", "On-shelf availability"):
        assert text in out, text
    assert "%" in out and "empty_shelf_share" not in out and "planogram_compliance" not in out
