"""Error bodies of the API: one shape (``{"detail": ...}``), in Dutch, always encodable, and stated in OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

# Pydantic's error types as a Dutch phrase about the field; ``{...}`` names come from the error's context.
_PHRASES = {
    "missing": "ontbreekt (verplicht veld)",
    "extra_forbidden": "is een onbekend veld",
    "string_type": "moet tekst zijn",
    "string_unicode": "bevat ongeldige Unicode (een losse surrogaat)",
    "int_type": "moet een geheel getal zijn",
    "int_parsing": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "bool_type": "moet true of false zijn",
    "bool_parsing": "moet true of false zijn",
    "greater_than_equal": "moet minstens {ge} zijn",
    "less_than_equal": "mag hoogstens {le} zijn",
    "string_too_short": "moet minstens {min_length} teken(s) hebben",
    "string_too_long": "mag hoogstens {max_length} tekens hebben",
    "too_short": "moet minstens {min_length} element(en) hebben",
    "too_long": "mag hoogstens {max_length} elementen hebben",
    "string_pattern_mismatch": "heeft een ongeldige vorm (patroon {pattern})",
    "literal_error": "moet een van deze waarden zijn: {expected}",
    "enum": "moet een van deze waarden zijn: {expected}",
    "list_type": "moet een lijst zijn",
    "dict_type": "moet een JSON-object zijn",
    "model_type": "moet een JSON-object zijn",
    "model_attributes_type": "moet een JSON-object zijn",
    "json_invalid": "is geen geldige JSON ({error})",
    "json_type": "is geen geldige JSON",
    "date_from_datetime_parsing": "moet een datum JJJJ-MM-DD zijn",
    "date_parsing": "moet een datum JJJJ-MM-DD zijn",
    "date_type": "moet een datum JJJJ-MM-DD zijn",
    "recursion_loop": "is te diep genest",
}


# Details Starlette and FastAPI raise themselves, in Dutch.
_THEIR_DETAILS = {
    "There was an error parsing the body": "de body kan niet worden gelezen (geen geldige JSON of UTF-8, of te diep "
                                           "genest)",
    "Not Found": "niet gevonden",
    "Method Not Allowed": "deze methode is hier niet toegestaan",
    "Not Authenticated": "niet aangemeld",
}


def their_detail(detail: Any) -> Any:
    """A framework's English detail in Dutch; ours pass unchanged."""
    return _THEIR_DETAILS.get(detail, detail) if isinstance(detail, str) else detail


def printable(value: Any) -> Any:
    """``value`` with every string made encodable as UTF-8 (a lone surrogate becomes ``\\ud800``), so an error
    about bad input can always be sent; the input itself may hold what cannot be encoded."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def dutch_message(error: dict) -> str:
    """One validation error as a Dutch sentence naming the field (``question``, ``filters.date_from``)."""
    loc = [str(x) for x in error.get("loc", ()) if x not in ("body", "query", "path", "header")]
    field = ".".join(loc) or "de body"
    kind = error.get("type", "")
    if kind == "value_error":  # our own validators already speak Dutch
        msg = str(error.get("msg", "")).removeprefix("Value error, ")
        return f"{field}: {msg}" if loc else msg
    phrase = _PHRASES.get(kind)
    if phrase is None:
        return f"{field}: {error.get('msg', 'ongeldige waarde')}"
    try:
        phrase = phrase.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        phrase = phrase.split(" (")[0].split(" {")[0]
    return f"{field} {phrase}"


def validation_detail(errors: list[dict]) -> list[dict]:
    """FastAPI's list shape (``loc``, ``msg``, ``type``), with the message in Dutch and never the input."""
    return printable([{"loc": list(e.get("loc", ())), "msg": dutch_message(e), "type": e.get("type", "")}
                      for e in errors])


class ValidationItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorResponse(BaseModel):
    """Every 4xx (and the 503 while the index loads): a reason, as a sentence or one item per invalid field."""

    detail: str | list[ValidationItem] = Field(..., description="Why the request was refused (Dutch).")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these status codes, all with the ErrorResponse body."""
    reasons = {400: "Unreadable body", 401: "Missing or wrong admin key", 404: "Unknown document",
               413: "Body too large", 422: "Invalid input (the reason says which field and why)",
               429: "Rate limit", 503: "The index is still loading"}
    return {c: {"model": ErrorResponse, "description": reasons[c]} for c in codes}
