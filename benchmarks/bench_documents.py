#!/usr/bin/env python3
"""PDF and Word reading on Kamerstuk-like files made from the letters in corpus/ (as the tests make them).

    python benchmarks/bench_documents.py [--repeat 5] [--letter 003_cd6cc0e004d35c7e] [--page 2]

Prints PDF pages/s and Word documents/s (reading and cleaning, median of --repeat runs), the raw pdfium
text of one page next to the cleaned text the system keeps for that page, and the table of bad files with
the HTTP status and reason each gets. Writes benchmarks/results/bench_documents.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _common import ROOT, save

sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--letter", default="003_cd6cc0e004d35c7e")
    ap.add_argument("--page", type=int, default=2)
    a = ap.parse_args()
    import pypdfium2 as pdfium

    from rag.clean import clean
    from rag.documents import read_document
    from rag.errors import IngestError
    from rag.layout import page_at
    from tests.api.routes.test_document_files import bad_files
    from tests.documents import kamerbrief_docx, kamerstuk_pdf

    letters = sorted((ROOT / "corpus").glob("*.txt"))
    refs = {p.stem: clean(p.read_text(encoding="utf-8")) for p in letters}
    pdfs = {k: kamerstuk_pdf(v)[0] for k, v in refs.items()}
    docxs = {k: kamerbrief_docx(v) for k, v in refs.items()}
    pages = sum(len(pdfium.PdfDocument(d)) for d in pdfs.values())

    def timed(files: dict, suffix: str) -> float:
        runs = []
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            for k, data in files.items():
                got = read_document(k + suffix, data, max_pages=500)
                assert got.text == refs[k].text, k
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    pdf_s, docx_s = timed(pdfs, ".pdf"), timed(docxs, ".docx")
    print(f"PDF: {pages} pages in {len(pdfs)} files, {pdf_s:.3f} s -> {pages / pdf_s:.0f} pages/s "
          f"(cleaned text equal to the text pipeline's for all {len(pdfs)})")
    print(f"Word: {len(docxs)} files, {docx_s:.3f} s -> {len(docxs) / docx_s:.1f} documents/s")

    raw = pdfium.PdfDocument(pdfs[a.letter])[a.page - 1].get_textpage().get_text_range()
    got = read_document(a.letter + ".pdf", pdfs[a.letter], max_pages=500)
    pieces, prev = [], -2
    for i, ch in enumerate(got.text):
        if page_at(got.pages, i) == a.page:
            pieces.append(("\n[…]\n" if i != prev + 1 and pieces else "") + ch)
            prev = i
    kept = "".join(pieces)
    print(f"\n--- page {a.page} of {a.letter}.pdf as pdfium gives it ---\n{raw}")
    print(f"\n--- the cleaned text the index keeps for page {a.page} ---\n{kept}")

    rows = []
    for name, data, _, _ in bad_files():
        try:
            read_document(name, data, max_pages=500)
            rows.append((name, len(data), 201, "(accepted)"))
        except IngestError as e:
            rows.append((name, len(data), e.status, str(e)))
    rows.append(("groot.pdf", 5_000_001, 413, "bestand groter dan 5000000 bytes (RAG_MAX_UPLOAD_BYTES)"))
    print("\n| file | bytes | status | detail |\n|---|---:|---:|---|")
    for name, size, status, detail in rows:
        print(f"| `{name}` | {size} | {status} | {detail} |")
    save("bench_documents", {"pdf_pages": pages, "pdf_seconds": pdf_s, "pdf_pages_per_s": pages / pdf_s,
                             "docx_files": len(docxs), "docx_seconds": docx_s,
                             "bad_files": [dict(zip(("file", "bytes", "status", "detail"), r, strict=True))
                                           for r in rows]}, None)


if __name__ == "__main__":
    main()
