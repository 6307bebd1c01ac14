"""Request and response shapes of the public contract (../shared/CONTRACT.md).

The CLI validates its arguments with the same models, so ``rag ask`` and
``POST /v1/answer`` accept and refuse exactly the same input.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rag.retrieve import Filters

MAX_QUERY_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_text(value: str, what: str = "vraag") -> str:
    """1..2000 characters after trimming, no control characters except newline and tab."""
    if not isinstance(value, str):
        raise ValueError(f"de {what} moet tekst zijn")
    value = value.strip()
    if not value:
        raise ValueError(f"de {what} is leeg")
    if len(value) > MAX_QUERY_CHARS:
        raise ValueError(f"de {what} is langer dan {MAX_QUERY_CHARS} tekens ({len(value)})")
    if _CONTROL.search(value):
        raise ValueError(f"de {what} bevat een stuurteken (alleen regeleinde en tab zijn toegestaan)")
    return value


class FilterModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_ids: list[str] | None = Field(None, description="Only these letters (ids from GET /v1/documents).")
    date_from: dt.date | None = Field(None, description="Only letters dated on or after (YYYY-MM-DD).")
    date_to: dt.date | None = Field(None, description="Only letters dated on or before (YYYY-MM-DD).")

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso(cls, v: Any) -> Any:
        if v is None or isinstance(v, dt.date):
            return v
        if not isinstance(v, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
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
    content: str = Field(..., max_length=20000)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(..., description="What to search for (1-2000 characters).")
    top_k: int = Field(5, ge=1, le=50)
    filters: FilterModel | None = None

    @field_validator("query", mode="before")
    @classmethod
    def _query(cls, v: Any) -> str:
        return check_text(v, "zoekvraag")


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(..., description="The question (1-2000 characters).")
    top_k: int = Field(5, ge=1, le=50, description="Passages considered for the answer.")
    mode: str | None = Field(None, description="Answer mode; GET /v1/modes lists those offered.")
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
