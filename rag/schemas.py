"""Request and response shapes of the public contract (../shared/CONTRACT.md).

The CLI validates its arguments with the same models, so ``rag ask`` and
``POST /v1/answer`` accept and refuse exactly the same input.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from rag.retrieve import Filters

MAX_QUERY_CHARS = 2000
MAX_TURN_CHARS = 20000
MAX_DOC_ID_CHARS = 200

# Control characters (Unicode category Cc) other than tab and newline, and UTF-16 surrogates: a JSON string may
# carry a lone one ("\\ud800"), which is no character at all and cannot be encoded for the embedder, BM25 or Chroma.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# The same rules as JSON Schema patterns (ECMA-262 source text), so /openapi.json states what the server enforces.
_ALLOWED_CLASS = r"[^\x00-\x08\x0b-\x1f\x7f-\x9f]"
TEXT_PATTERN = rf"^{_ALLOWED_CLASS}*[^\s\x00-\x1f\x7f-\x9f]{_ALLOWED_CLASS}*$"
TURN_PATTERN = rf"^{_ALLOWED_CLASS}*$"
DOC_ID_PATTERN = r"^[A-Za-z0-9_.-]+$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TURN_RULES = f"At most {MAX_TURN_CHARS} characters; no control characters but newline and tab; valid Unicode."


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot reach the engine (a control character or invalid Unicode), or None."""
    m = _FORBIDDEN.search(value)
    if m is None:
        return None
    code = ord(m.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"bevat ongeldige Unicode (een losse surrogaat U+{code:04X} op positie {m.start()})"
    return (f"bevat een stuurteken (U+{code:04X} op positie {m.start()}; alleen regeleinde en tab zijn "
            "toegestaan)")


def check_text(value: str, what: str = "vraag") -> str:
    """1..2000 characters after trimming, no control characters except newline and tab, valid Unicode."""
    if not isinstance(value, str):
        raise ValueError(f"de {what} moet tekst zijn")
    value = value.strip()
    if not value:
        raise ValueError(f"de {what} is leeg")
    if len(value) > MAX_QUERY_CHARS:
        raise ValueError(f"de {what} is langer dan {MAX_QUERY_CHARS} tekens ({len(value)})")
    if problem := text_problem(value):
        raise ValueError(f"de {what} {problem}")
    return value


def check_turn(value: str, what: str = "tekst van een eerdere beurt") -> str:
    """Earlier turns may be empty, and long (up to 20,000 characters), but obey the same character rules."""
    if not isinstance(value, str):
        raise ValueError(f"de {what} moet tekst zijn")
    if len(value) > MAX_TURN_CHARS:
        raise ValueError(f"de {what} is langer dan {MAX_TURN_CHARS} tekens ({len(value)})")
    if problem := text_problem(value):
        raise ValueError(f"de {what} {problem}")
    return value


def text_field(description: str, default: Any = ..., **extra: Any) -> Any:
    """A required text field whose schema states the rules ``check_text`` enforces (after trimming)."""
    return Field(default, description=f"{description} 1-{MAX_QUERY_CHARS} characters after trimming surrounding "
                                      "whitespace; no control characters but newline and tab; valid Unicode.",
                 json_schema_extra={"minLength": 1, "maxLength": MAX_QUERY_CHARS, "pattern": TEXT_PATTERN}, **extra)


DocId = Annotated[str, Field(min_length=1, max_length=MAX_DOC_ID_CHARS, pattern=DOC_ID_PATTERN)]
IsoDate = Annotated[dt.date, WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN})]


class FilterModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_ids: list[DocId] | None = Field(None, max_length=100,
                                        description="Only these letters (ids from GET /v1/documents).")
    date_from: IsoDate | None = Field(None, description="Only letters dated on or after (YYYY-MM-DD).")
    date_to: IsoDate | None = Field(None, description="Only letters dated on or before (YYYY-MM-DD).")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        if v is None or isinstance(v, dt.date):
            return v
        if not isinstance(v, str) or not re.fullmatch(DATE_PATTERN, v):
            raise ValueError("datum moet de vorm JJJJ-MM-DD hebben")
        return dt.date.fromisoformat(v)

    @model_validator(mode="after")
    def _order(self) -> FilterModel:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from ligt na date_to")
        return self

    def to_filters(self) -> Filters:
        return Filters(
            doc_ids=list(self.doc_ids) if self.doc_ids else None,
            date_from=self.date_from.isoformat() if self.date_from else None,
            date_to=self.date_to.isoformat() if self.date_to else None,
        )


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(..., description=TURN_RULES,
                         json_schema_extra={"maxLength": MAX_TURN_CHARS, "pattern": TURN_PATTERN})

    @field_validator("content", mode="before")
    @classmethod
    def _content(cls, v: Any) -> str:
        return check_turn(v)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = text_field("What to search for.")
    top_k: int = Field(5, ge=1, le=50)
    filters: FilterModel | None = None

    @field_validator("query", mode="before")
    @classmethod
    def _query(cls, v: Any) -> str:
        return check_text(v, "zoekvraag")


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = text_field("The question.")
    top_k: int = Field(5, ge=1, le=50, description="Passages considered for the answer.")
    mode: str | None = Field(None, max_length=50, pattern=r"^[a-z_-]+$",
                             description="Answer mode; GET /v1/modes lists those offered.")
    filters: FilterModel | None = None
    history: list[Turn] | None = Field(None, max_length=50, description="Earlier turns, oldest first.")

    @field_validator("question", mode="before")
    @classmethod
    def _question(cls, v: Any) -> str:
        return check_text(v, "vraag")


class SearchResult(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    section: str | None = None
    text: str
    start: int
    end: int
    score: float
    page: int | None = Field(None, description="Page of the original where the passage starts; null without pages.")


class SearchResponse(BaseModel):
    results: list[SearchResult]
    timings_ms: dict[str, float] = Field(default_factory=dict)


class CitationModel(BaseModel):
    n: int
    doc_id: str
    title: str
    date: str | None
    sender: str | None
    reference: str | None = None
    section: str | None = None
    chunk_id: str
    text: str
    quote: str
    start: int
    end: int
    score: float
    kamervraag: str | None = Field(
        None, description="When the quote answers a Kamervraag: that question, as context (never the answer).")
    page: int | None = Field(None, description="Page of the original where the quote starts; null without pages.")


class AnswerResponse(BaseModel):
    answer: str
    abstained: bool
    mode: str
    citations: list[CitationModel]
    timings_ms: dict[str, float]
    query: str | None = Field(None, description="The question as searched (rewritten from history).")
    support: float | None = Field(None, description="How well the cited sentences support an answer (0-1).")
    language: str | None = None
    question_kind: str | None = None
    notice: str | None = Field(None, description="Set when the answer is not what the mode promised: in llm mode, "
                               "the model failed or nothing it wrote held up, so the extractive answer is given.")
    generation: dict | None = Field(None, description="llm mode: whether the model was called, how many sentences "
                                    "it wrote and kept, each dropped sentence with the reason, timings.")


class DocumentMeta(BaseModel):
    doc_id: str
    title: str
    date: str | None
    sender: str | None
    reference: str | None
    source: str
    url: str | None


class DocumentsResponse(BaseModel):
    documents: list[DocumentMeta]


class DocumentWithText(DocumentMeta):
    metadata_sources: dict[str, str] = Field(default_factory=dict)
    text: str
