"""Document metadata: read from the letter itself, completed by a sidecar file.

Each field records where it came from (``metadata_sources``): ``text`` when the
letter states it, ``sidecar`` when ``corpus/metadata.json`` supplies it. A field
neither gives stays ``None``; nothing is guessed silently.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rag.clean import CleanDoc, reading

SIDECAR_NAME = "metadata.json"
FIELDS = ("title", "date", "sender", "reference", "url")

MONTHS = {
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
}
_DATE = re.compile(r"(\d{1,2})\s+(" + "|".join(MONTHS) + r")\s+(\d{4})", re.I)
_SMALL_WORDS = {"van", "en", "de", "het", "der", "voor", "op", "in", "te", "tot", "aan", "met", "bij", "over"}


def doc_id_for(source: str) -> str:
    """Stable, URL-safe id from the file name: ``000_3289456b47e41371.txt`` -> ``000_3289456b47e41371``."""
    stem = Path(source).stem
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower()
    return slug or "document"


def parse_dutch_date(text: str) -> str | None:
    """``30 juni 2023`` -> ``2023-06-30``; None when there is no valid date."""
    m = _DATE.search(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1))).isoformat()
    except ValueError:
        return None


Span = tuple[int, int]


@dataclass(frozen=True)
class Para:
    text: str
    start: int
    end: int


def _paragraphs(doc: CleanDoc) -> list[Para]:
    return [Para(doc.block_text(b), b.start, b.end) for b in doc.blocks if b.kind != "footnote"]


def _after_label(paras: list[Para], label: str) -> tuple[str, Span] | None:
    """The value of a letterhead field: ``Betreft`` on one line, its value on the next (or after a colon).

    The span covers label and value, so a citation shows both.
    """
    for i, p in enumerate(paras):
        m = re.fullmatch(label + r"\s*:?\s*(.*)", p.text, flags=re.I)
        if m:
            if m.group(1).strip():
                return m.group(1).strip(), (p.start, p.end)
            if i + 1 < len(paras):
                return paras[i + 1].text.strip(), (p.start, paras[i + 1].end)
    return None


def extract_date(paras: list[Para]) -> tuple[str, Span] | None:
    found = _after_label(paras, "Datum")
    if found and parse_dutch_date(found[0]):
        return parse_dutch_date(found[0]), found[1]
    for p in paras:
        m = re.fullmatch(r"(?:Den Haag|[’']s-Gravenhage),?\s+(.*)", p.text.strip())
        if m and parse_dutch_date(m.group(1)):
            return parse_dutch_date(m.group(1)), (p.start, p.end)
    return None


def extract_title(doc: CleanDoc) -> tuple[str, Span] | None:
    found = _after_label(_paragraphs(doc), "Betreft")
    if found:
        return found
    for b in doc.blocks:
        text = doc.block_text(b)
        if b.kind == "heading" and len(text.split()) >= 4 and text.isupper() and not text.startswith("NR."):
            return sentence_case(text, doc.text), (b.start, b.end)
    return None


def sentence_case(caps: str, body: str) -> str:
    """``GEANNOTEERDE AGENDA VAN DE NAVO TOP`` -> ``Geannoteerde agenda van de NAVO Top``.

    Each word takes the casing it most often has in the letter's body, so acronyms
    and names keep theirs; unknown words go lower case.
    """
    seen: dict[str, Counter] = {}
    for w in re.findall(r"[^\W\d_]+", body):
        if not w.isupper() or len(w) <= 5:
            seen.setdefault(w.lower(), Counter())[w] += 1

    def fix(word: str) -> str:
        low = word.lower()
        if low in _SMALL_WORDS:
            return low
        forms = seen.get(low)
        if forms:
            best = max(forms.items(), key=lambda kv: (kv[1], kv[0] != kv[0].upper()))[0]
            if best.isupper() or (best[0].isupper() and forms[best] >= 2 * forms.get(low, 0)):
                return best
        return low

    out = re.sub(r"[^\W\d_]+", lambda m: fix(m.group(0)), caps)
    return out[:1].upper() + out[1:]


_NAME = re.compile(r"(?:[A-Z][\w\-]*\.?\s*){1,4}")


def _pretty_role(role: str) -> str:
    words = role.strip().rstrip(",").split()
    if words and words[0].lower() == "de":
        words = words[1:]
    out = []
    for i, w in enumerate(words):
        low = w.lower()
        out.append(low if i == 0 or low in _SMALL_WORDS else low[:1].upper() + low[1:])
    return " ".join(out)


def extract_sender(paras: list[Para]) -> tuple[str, Span] | None:
    """The signing minister(s): ``minister van Defensie (Ruben Brekelmans)``, joined by ``en``."""
    found: list[str] = []
    span: Span | None = None
    for i, p in enumerate(paras):
        text = p.text.strip()
        if len(text) > 90 or not re.match(r"(de\s+)?(minister|staatssecretaris)\b", text, re.I):
            continue
        role, _, tail = text.rstrip(" ,").rpartition(",")
        name = tail.strip() if role and _NAME.fullmatch(tail.strip()) else None
        end = p.end
        if not name:
            role = text
        if not name and i + 1 < len(paras) and _NAME.fullmatch(paras[i + 1].text.strip()):
            name = paras[i + 1].text.strip()
            end = paras[i + 1].end
        if not name:
            continue
        entry = f"{_pretty_role(role)} ({name.strip()})"
        if entry not in found:
            found.append(entry)
            span = (span[0] if span else p.start, end)
    return (" en ".join(found), span) if found and span else None


def extract_reference(paras: list[Para]) -> tuple[str, Span] | None:
    found = _after_label(paras, "Onze referentie") or _after_label(paras, "Ons kenmerk")
    if found:
        return found
    head = paras[:12]
    for i, p in enumerate(head):
        m = re.fullmatch(r"(\d{2} \d{3})\b.*", p.text.strip())
        if m and i + 1 < len(head):
            n = re.match(r"Nr\.\s*(\d+)", head[i + 1].text.strip(), re.I)
            if n:
                return f"Kamerstuk {m.group(1)}, nr. {n.group(1)}", (p.start, head[i + 1].end)
    for p in paras[:6]:
        m = re.search(r"\bkenmerk\s+(\d{4}Z\d{5})", p.text, re.I)
        if m:
            return m.group(1), (p.start + m.start(), p.start + m.end())
    return None


def extract_with_spans(doc: CleanDoc) -> tuple[dict[str, str | None], dict[str, Span]]:
    """Fields the letter states itself, and where in the cleaned text it states them."""
    paras = _paragraphs(doc)
    found = {
        "title": extract_title(doc),
        "date": extract_date(paras),
        "sender": extract_sender(paras),
        "reference": extract_reference(paras),
    }
    fields: dict[str, str | None] = {f: (reading(v[0]) if v else None) for f, v in found.items()}
    fields["url"] = None
    return fields, {f: v[1] for f, v in found.items() if v}


def extract(doc: CleanDoc) -> dict[str, str | None]:
    """Fields the letter states itself."""
    return extract_with_spans(doc)[0]


def load_sidecar(folder: Path) -> dict[str, dict]:
    """``corpus/metadata.json``: ``{"file name": {"title": ..., ...}}``; keys starting with ``_`` are notes."""
    path = folder / SIDECAR_NAME
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: verwacht een object met per bestandsnaam de metadata")
    return {k: v for k, v in data.items() if not k.startswith("_") and isinstance(v, dict)}


def merge(from_text: dict[str, str | None], sidecar: dict | None) -> tuple[dict[str, str | None], dict[str, str]]:
    """Text first; the sidecar fills what the text does not state. Returns fields and their sources."""
    sidecar = sidecar or {}
    fields: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for f in FIELDS:
        if from_text.get(f):
            fields[f], sources[f] = from_text[f], "text"
        elif sidecar.get(f):
            fields[f], sources[f] = sidecar[f], "sidecar"
        else:
            fields[f] = None
    if fields["date"]:
        dt.date.fromisoformat(fields["date"])  # a malformed sidecar date fails loudly
    return fields, sources
