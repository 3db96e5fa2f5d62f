"""LibreOffice converters watched from outside: a document to convert, the text of the PDF
it gives, and the processes and files a stopped converter must not leave behind."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from docx import Document
from pypdf import PdfReader


def make_docx(*paragraphs: str) -> bytes:
    document = Document()
    document.add_heading("Woonbegeleidingsovereenkomst", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def pdf_text(pdf: bytes) -> str:
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return done.stdout.decode()
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def processes_mentioning(text: str) -> list[str]:
    """Live processes whose command line holds `text` (a pool's folder appears in soffice's)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        if text.encode() in command:
            found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found


def zombie_children() -> list[str]:
    zombies = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        if fields and fields[0] == "Z" and int(fields[1]) == os.getpid():
            zombies.append(stat)
    return zombies


def assert_no_leftovers(workdir: Path) -> None:
    assert not workdir.exists()
    assert processes_mentioning(str(workdir)) == []
    assert zombie_children() == []


def wait_for(condition: Callable[[], bool], seconds: float = 40.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
