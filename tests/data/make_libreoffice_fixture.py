"""Makes tests/data/libreoffice-resaved.xlsx once (needs LibreOffice: apt-get install libreoffice-calc-nogui).

    .venv/bin/python -m tests.data.make_libreoffice_fixture

The template of the standard test world's own submission, filled with openpyxl (a number, a
number typed as text with a decimal comma, a formula, a flag, a note), then opened and saved
again by LibreOffice Calc (`soffice --headless --convert-to xlsx`). The test suite only reads
the committed file; it installs and runs nothing.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.pool import StaticPool

from config import TestingConfig
from peerreview import create_app
from peerreview.extensions import db

OUT = Path(__file__).resolve().parent / "libreoffice-resaved.xlsx"
FILL = {("1a", "_T", 2022): 41.3, ("1a", "SEX_F", 2022): "38,4", ("1a", "SEX_M", 2022): "=H5+1",
        ("3a", "_T", 2023): 1200}
FLAGS = {("1a", "Y_GE50", 2023): "estimated"}
NOTES = {("1a", "_T", 2022): "Register data, month-end stocks"}


def main() -> None:
    config = type("C", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SERVER_NAME": "localhost",
                                          "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": StaticPool}})
    app = create_app(config)
    with app.test_request_context():
        db.create_all()
        from peerreview.submissions.value_files import XLSX, export_file
        from tests.factories import build_world
        world = build_world("open")
        data = export_file(world.delegate, world.own_submission, XLSX)[0]
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Values"]
    for row in range(5, sheet.max_row + 1):
        key = (sheet.cell(row, 1).value, sheet.cell(row, 6).value, sheet.cell(row, 7).value)
        if key in FILL:
            sheet.cell(row, 8).value = FILL[key]
        if key in FLAGS:
            sheet.cell(row, 9).value = FLAGS[key]
        if key in NOTES:
            sheet.cell(row, 10).value = NOTES[key]
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "filled.xlsx"
        workbook.save(source)
        target = Path(folder) / "out"
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to",
                        "xlsx", "--outdir", str(target), str(source)], check=True, timeout=180)
        shutil.copy(target / "filled.xlsx", OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
