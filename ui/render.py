"""Pure HTML rendering for the chat UI: answers, source cards, the letter viewer, filters.

Every function here takes plain data (the ``/v1/answer`` body, a document dict)
and returns a string or a value, so it can be tested without a browser. All
letter text is HTML-escaped before a ``<mark>`` is put around the quote.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

from rag.retrieve import Filters

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")
ABSTAIN_BANNER = "De brieven geven hierop geen antwoord"
MARK_ID = "kb-mark"

_MARKER = re.compile(r"\[(\d+)\]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# Characters Markdown would act on; as entities they are shown as they are.
_MARKDOWN_SPECIAL = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-!|~$"}


# --- small helpers ---------------------------------------------------------------------------------

def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def esc_markdown(text: str) -> str:
    """HTML-escaped text that Markdown leaves alone (no emphasis, lists or links from letter text)."""
    return "".join(_MARKDOWN_SPECIAL.get(c, c) for c in esc(text))


def format_date(iso: str | None) -> str:
    """``2025-04-24`` -> ``24 april 2025``; missing or unreadable -> ``datum onbekend``."""
    if not iso:
        return "datum onbekend"
    try:
        d = dt.date.fromisoformat(iso)
    except ValueError:
        return esc(iso)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def meta_line(item: dict) -> str:
    """Date, sender and reference of a letter (citation or document), escaped, separated by dots."""
    parts = [format_date(item.get("date")), esc(item.get("sender")) or "afzender onbekend"]
    if item.get("reference"):
        parts.append(f"kenmerk {esc(item['reference'])}")
    return " · ".join(parts)


# --- text with a highlighted span ------------------------------------------------------------------

def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the paragraphs of ``text``; paragraphs are separated by blank lines."""
    spans, pos = [], 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        if text[pos:m.start()].strip():
            spans.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


def _inline(text: str) -> str:
    return esc(text).replace("\n", "<br>")


def highlight(text: str, start: int, end: int, mark_id: str | None = None) -> str:
    """``text`` as escaped ``<p>`` paragraphs with ``text[start:end]`` wrapped in ``<mark>``.

    A quote that runs over a paragraph break is marked in each paragraph; only the
    first piece carries ``mark_id`` (the anchor the viewer scrolls to).
    """
    out, first = [], True
    for p0, p1 in paragraphs(text):
        a, b = max(start, p0), min(end, p1)
        if a < b:
            attrs = f' id="{mark_id}"' if (mark_id and first) else ""
            first = False
            body = f"{_inline(text[p0:a])}<mark{attrs}>{_inline(text[a:b])}</mark>{_inline(text[b:p1])}"
        else:
            body = _inline(text[p0:p1])
        out.append(f"<p>{body}</p>")
    return "".join(out)


def quote_span(passage: str, quote: str) -> tuple[int, int]:
    """Where the quote lies inside the passage; (0, 0) when it does not (nothing is marked then)."""
    i = passage.find(quote) if quote else -1
    return (i, i + len(quote)) if i >= 0 else (0, 0)


# --- chat messages ---------------------------------------------------------------------------------

def ref_link(turn: int, n: int) -> str:
    return (f'<a class="kb-ref" href="#kb-bron-{turn}-{n}" data-turn="{turn}" data-n="{n}" '
            f'title="Bron {n} openen">[{n}]</a>')


def answer_html(ans: dict, turn: int, text: str | None = None) -> str:
    """An assistant message: the answer with each [n] a link to its source, or the abstention banner.

    ``text`` is a prefix of ``ans["answer"]`` while the answer is being revealed.
    """
    text = ans["answer"] if text is None else text
    if ans.get("abstained"):
        return (f'<div class="kb-msg kb-abstain"><div class="kb-abstain-title">{ABSTAIN_BANNER}.</div>'
                f'<div>{esc_markdown(abstain_detail(ans["answer"], bool(ans.get("citations"))))}</div></div>')
    known = {c["n"] for c in ans.get("citations", [])}
    body, pos = [], 0
    for m in _MARKER.finditer(text):
        body.append(esc_markdown(text[pos:m.start()]))
        n = int(m.group(1))
        body.append(ref_link(turn, n) if n in known else esc_markdown(m.group(0)))
        pos = m.end()
    body.append(esc_markdown(text[pos:]))
    notice = f'<div class="kb-notice">{esc(ans["notice"])}</div>' if ans.get("notice") else ""
    return f'<div class="kb-msg kb-answer">{notice}{"".join(body)}</div>'


_GENERIC_ABSTAIN = re.compile(r"^De brieven geven geen antwoord op deze vraag(\s*\([^)]*\))?\.\s*")
_CLOSEST = re.compile(r"^Hieronder staan de passages die er het dichtst bij komen[^.]*\.\s*")


def abstain_detail(text: str, has_passages: bool) -> str:
    """The engine's abstention text under the banner: its reason, without repeating the banner.

    The generic sentences ("De brieven geven geen antwoord ... Hieronder staan de passages ...") are
    replaced by one that says where the closest passages are in this layout; a specific reason
    ("De brief ... vermeldt zelf geen ondertekenaar ...") is kept as it is.
    """
    rest = _GENERIC_ABSTAIN.sub("", text.strip(), count=1)
    rest = _CLOSEST.sub("", rest, count=1).strip()
    where = ("De passages die er het dichtst bij komen staan bij ‘Dichtstbijzijnde passages’; controleer zelf of ze "
             "helpen." if has_passages else "Er zijn ook geen passages gevonden die er dicht bij komen.")
    return f"{rest} {where}" if rest else where


def error_html(message: str) -> str:
    return f'<div class="kb-msg kb-error">{esc_markdown(message)}</div>'


def question_html(question: str) -> str:
    return f'<div class="kb-msg">{esc_markdown(question)}</div>'


def chat_messages(turns: list[dict], reveal: str | None = None) -> list[dict]:
    """Chatbot messages for the conversation; ``reveal`` is the part of the last answer shown so far."""
    msgs = []
    for i, t in enumerate(turns):
        msgs.append({"role": "user", "content": question_html(t["question"])})
        last = i == len(turns) - 1
        if t.get("answer") is not None:
            msgs.append({"role": "assistant", "content": answer_html(t["answer"], i, reveal if last else None)})
        elif t.get("error"):
            msgs.append({"role": "assistant", "content": error_html(t["error"])})
        elif last:
            msgs.append({"role": "assistant", "content": '<div class="kb-msg kb-wait">Bezig met zoeken in de '
                                                         'brieven…</div>'})
    return msgs


def history(turns: list[dict]) -> list[dict]:
    """Earlier answered turns as the engine's ``history`` (user question, assistant answer text)."""
    out = []
    for t in turns:
        if t.get("answer") is None:
            continue
        out.append({"role": "user", "content": t["question"]})
        out.append({"role": "assistant", "content": t["answer"]["answer"]})
    return out


def reveal_steps(text: str, words: int = 4) -> Iterator[str]:
    """Growing prefixes of ``text`` in groups of ``words`` words; the last one is the whole text."""
    pieces = text.split(" ")
    for i in range(words, len(pieces), words):
        yield " ".join(pieces[:i])
    yield text


# --- sources panel ---------------------------------------------------------------------------------

def page_note(c: dict) -> str:
    """`` · blz. 3`` for a source with pages (PDF), nothing otherwise."""
    return f' · <span class="kb-page">blz. {int(c["page"])}</span>' if c.get("page") else ""


def citation_card(c: dict, turn: int) -> str:
    """One numbered source: the letter's title and particulars, its passage with the quote marked."""
    a, b = quote_span(c["text"], c["quote"])
    section = f'<div class="kb-section">{esc(c["section"])}</div>' if c.get("section") else ""
    if c.get("kamervraag"):  # the Kamerlid's question the quoted answer responds to: context, not the answer
        section += f'<div class="kb-kamervraag"><span>Kamervraag:</span> {esc(c["kamervraag"])}</div>'
    return (
        f'<article class="kb-card" id="kb-bron-{turn}-{c["n"]}" data-kb-open data-turn="{turn}" data-n="{c["n"]}" '
        f'role="button" tabindex="0" aria-label="Bron {c["n"]}: {esc(c["title"])}; open de brief">'
        f'<div class="kb-card-head"><span class="kb-num">{c["n"]}</span>'
        f'<div><h3 class="kb-title">{esc(c["title"])}</h3><div class="kb-meta">{meta_line(c)}{page_note(c)}</div>'
        f'</div></div>{section}<div class="kb-passage">{highlight(c["text"], a, b)}</div>'
        f'<div class="kb-open">Open de brief bij deze passage →</div></article>'
    )


def sources_html(ans: dict | None, turn: int | None, question: str | None = None, scope: str | None = None) -> str:
    """The panel beside the chat: numbered sources, or the closest passages after an abstention."""
    if ans is None or turn is None:
        return ('<section class="kb-sources"><h2>Bronnen</h2><p class="kb-empty">Stel een vraag. Hier verschijnen '
                'de passages uit de Kamerbrieven waarop het antwoord steunt, met de geciteerde zinnen gemarkeerd.'
                '</p></section>')
    abstained = bool(ans.get("abstained"))
    title = "Dichtstbijzijnde passages" if abstained else "Bronnen"
    about = f'<p class="kb-about">Bij de vraag: “{esc(question)}”</p>' if question else ""
    query = (ans.get("query") or "").strip()
    if question and query and query != question.strip():
        about += f'<p class="kb-about">Gezocht met het eerdere gesprek erbij: “{esc(query)}”</p>'
    if scope:
        about += f'<p class="kb-about kb-scope">{esc(scope)}</p>'

    banner = ""
    if abstained:
        banner = (f'<div class="kb-banner" role="status"><strong>{ABSTAIN_BANNER}.</strong> Dit zijn de passages '
                  'die er het dichtst bij komen; controleer zelf of ze helpen.</div>')
    cards = "".join(citation_card(c, turn) for c in ans.get("citations", []))
    if not cards:
        cards = '<p class="kb-empty">Geen passages gevonden binnen de gekozen filters.</p>'
    cls = "kb-sources kb-sources-abstain" if abstained else "kb-sources"
    return f'<section class="{cls}"><h2>{title}</h2>{about}{banner}{cards}</section>'


# --- letter viewer ---------------------------------------------------------------------------------

def letter_html(doc: dict, start: int, end: int, n: int | None = None, original: str | None = None,
                page: int | None = None) -> str:
    """The whole letter, paragraph by paragraph, with ``text[start:end]`` marked (id ``kb-mark``).

    ``original`` is the address of the file it was read from (opened at ``page`` for a PDF).
    """
    link = (f' · <a href="{esc(doc["url"])}" target="_blank" rel="noopener">online</a>'
            if (doc.get("url") or "").startswith(("https://", "http://")) else "")
    if original:
        at = f"#page={int(page)}" if page else ""
        where = f" (blz. {int(page)})" if page else ""
        link += (f' · <a class="kb-original" href="{esc(original)}{at}" target="_blank" rel="noopener">'
                 f'Open het origineel{where}</a>')
    label = f'<span class="kb-num">{n}</span>' if n is not None else ""
    return (
        f'<article class="kb-letter"><header class="kb-letter-head">{label}<div class="kb-letter-id">'
        f'<h2 class="kb-title">{esc(doc.get("title") or doc.get("doc_id"))}</h2>'
        f'<div class="kb-meta">{meta_line(doc)}{link}</div></div>'
        f'<button type="button" class="kb-back" data-kb-back>← Bronnen</button></header>'
        f'<div class="kb-letter-body">{highlight(doc["text"], start, end, MARK_ID)}</div></article>'
    )


def letter_placeholder() -> str:
    return ('<article class="kb-letter"><p class="kb-empty">Klik op een bron (of op een [n] in het antwoord) '
            'om de hele brief te lezen, met de geciteerde zinnen gemarkeerd.</p></article>')


# --- filters ---------------------------------------------------------------------------------------

def parse_date(value: str | None, label: str) -> str | None:
    """A date box's value as ``YYYY-MM-DD``, or None when empty; ValueError with a Dutch message otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"De datum bij ‘{label}’ moet de vorm JJJJ-MM-DD hebben, bijvoorbeeld 2025-04-24.")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"De datum bij ‘{label}’ bestaat niet: {value}.") from None
    return value


def build_filters(doc_ids: list[str] | None, date_from: str | None, date_to: str | None) -> Filters | None:
    """The engine's Filters from the filter controls; None when nothing is filtered."""
    lo = parse_date(date_from, "Vanaf")
    hi = parse_date(date_to, "Tot en met")
    if lo and hi and lo > hi:
        raise ValueError("De datum bij ‘Vanaf’ ligt na de datum bij ‘Tot en met’.")
    if not (doc_ids or lo or hi):
        return None
    return Filters(doc_ids=list(doc_ids) if doc_ids else None, date_from=lo, date_to=hi)


def filter_summary(filters: Filters | None, titles: dict[str, str]) -> str | None:
    """One Dutch line saying where was searched, for the sources panel; None without filters."""
    if filters is None:
        return None
    parts = []
    if filters.doc_ids:
        names = [f"‘{titles.get(d, d)}’" for d in filters.doc_ids]
        parts.append(f"alleen in {names[0]}" if len(names) == 1 else
                     f"alleen in {len(names)} brieven: {', '.join(names)}")
    if filters.date_from and filters.date_to:
        parts.append(f"van {format_date(filters.date_from)} tot en met {format_date(filters.date_to)}")
    elif filters.date_from:
        parts.append(f"vanaf {format_date(filters.date_from)}")
    elif filters.date_to:
        parts.append(f"tot en met {format_date(filters.date_to)}")
    return "Filter: " + "; ".join(parts) + "." if parts else None


def document_choices(documents: list[dict]) -> list[tuple[str, str]]:
    """(label, doc_id) per letter for the multi-select, newest first, undated last."""
    def key(d: dict) -> tuple[int, str, str]:
        return (0 if d.get("date") else 1, "" if not d.get("date") else _invert(d["date"]), d.get("title") or "")

    out = []
    for d in sorted(documents, key=key):
        when = format_date(d.get("date")) if d.get("date") else "zonder datum"
        out.append((f"{d.get('title') or d['doc_id']} ({when})", d["doc_id"]))
    return out


def _invert(iso: str) -> str:
    """Sorts dates descending in an ascending sort."""
    return "".join(chr(ord("9") - ord(ch) + ord("0")) if ch.isdigit() else ch for ch in iso)
