"""From a file's bytes to a cleaned letter: type checks, then the reader for its kind.

``.txt``/``.md`` go through ``rag.clean``; ``.pdf`` through ``rag.pdf`` and ``.docx``
through docx2python, both then through ``rag.layout``. Whatever cannot be read
raises ``IngestError`` (422) or ``TooLarge`` (413) with a Dutch reason, before
anything is written, so a bad file never changes the index.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from rag.clean import CleanDoc, clean
from rag.errors import IngestError, TooLarge
from rag.layout import Para, clean_layout

SUFFIXES = (".txt", ".md", ".pdf", ".docx")
MEDIA_TYPES = {
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_UNZIPPED_BYTES = 200_000_000  # a Word letter unpacks to a few MB; more is a zip bomb
MAX_ZIP_RATIO = 200  # real document XML compresses about 5-20 times
_MAGIC = {b"%PDF-": "een PDF-bestand", b"PK\x03\x04": "een ZIP- of Word-bestand (.docx)",
          b"\xd0\xcf\x11\xe0": "een oud Word-bestand (.doc)", b"{\\rtf": "een RTF-bestand"}
_NOTE = re.compile(r"^(?:footnote|endnote)(\d+)\)\s*(.*)$", re.S)
_NOTE_MARK = re.compile(r"----(?:footnote|endnote)\d+----")
_DOCX_FIELD = re.compile(r"----(?:media|Image)[^-]*----")


def check_name(name: str) -> str:
    """The suffix of an accepted file name, or IngestError."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise IngestError(f"{name or 'bestand'}: alleen .txt-, .md-, .pdf- en .docx-bestanden worden ingelezen")
    return suffix


def _sniff(data: bytes) -> str | None:
    head = data[:1024].lstrip()
    for magic, what in _MAGIC.items():
        if head.startswith(magic) or (magic == b"%PDF-" and magic in data[:1024]):
            return what
    return None


def read_document(name: str, data: bytes, max_pages: int) -> CleanDoc:
    """The cleaned letter in ``data`` (named ``name``); IngestError/TooLarge when it cannot be read."""
    suffix = check_name(name)
    found = _sniff(data)
    if suffix == ".pdf":
        if found != "een PDF-bestand":
            raise IngestError(f"{name}: de inhoud is geen PDF" + (f" maar {found}" if found else "")
                              + "; controleer de extensie")
        from rag.pdf import read_pdf

        try:
            paras, notes, _ = read_pdf(data, max_pages)
        except IngestError as e:
            raise type(e)(f"{name}: {e}", e.status) from None
        doc = clean_layout(paras, notes)
    elif suffix == ".docx":
        if not data.startswith(b"PK\x03\x04"):
            raise IngestError(f"{name}: de inhoud is geen Word-bestand (.docx)" + (f" maar {found}" if found else "")
                              + "; controleer de extensie")
        doc = _read_docx(name, data)
    else:
        if found or b"\x00" in data[:4096]:
            raise IngestError(f"{name}: de inhoud is geen tekst" + (f" maar {found}" if found else "")
                              + "; controleer de extensie")
        doc = clean(decode_text(data))
    if not doc.text.strip():
        raise IngestError(f"{name}: het document bevat geen tekst")
    return doc


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _check_zip(name: str, data: bytes) -> None:
    """A real .docx: a readable zip with a Word body, that does not unpack to far more than it weighs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if "word/document.xml" not in {i.filename for i in infos}:
                raise IngestError(f"{name}: dit ZIP-bestand is geen Word-document (word/document.xml ontbreekt)")
            total = sum(i.file_size for i in infos)
            ratio = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 1_000_000),
                        default=0)
            if total > MAX_UNZIPPED_BYTES or ratio > MAX_ZIP_RATIO:
                raise TooLarge(f"{name}: het Word-bestand pakt uit tot {total // 1_000_000} MB "
                               f"(ZIP-bom?); dit wordt niet ingelezen")
            if z.testzip() is not None:
                raise IngestError(f"{name}: het Word-bestand is beschadigd")
    except zipfile.BadZipFile:
        raise IngestError(f"{name}: het Word-bestand is beschadigd (geen geldig ZIP-bestand)") from None


def _read_docx(name: str, data: bytes) -> CleanDoc:
    """Body paragraphs (Word headings stay headings), footnotes and endnotes; headers and footers are dropped."""
    from docx2python import docx2python

    _check_zip(name, data)
    try:
        with docx2python(io.BytesIO(data)) as d:
            body = list(_flat(d.body_pars))
            notes_pars = list(_flat(d.footnotes_pars)) + list(_flat(d.endnotes_pars))
    except IngestError:
        raise
    except Exception:  # noqa: BLE001 - docx2python raises many kinds on a broken document
        raise IngestError(f"{name}: het Word-bestand is beschadigd of onleesbaar") from None
    paras = []
    for p in body:
        text = _DOCX_FIELD.sub("", _NOTE_MARK.sub("", "".join(p.run_strings))).replace("\t", " ")
        if text.strip():
            paras.append(Para(text=text, heading=(p.style or "").lower().startswith(("heading", "kop", "title"))))
    notes = []
    for p in notes_pars:
        m = _NOTE.match("".join(p.run_strings).strip())
        if m and m.group(2).strip():
            notes.append(Para(text=m.group(2), number=m.group(1)))
        elif notes and "".join(p.run_strings).strip():  # a note of several paragraphs
            notes[-1].text += " " + "".join(p.run_strings)
    return clean_layout(paras, notes)


def _flat(x):
    if isinstance(x, list):
        for y in x:
            yield from _flat(y)
    else:
        yield x
