"""Errors the user can fix, with the HTTP status the API answers them with."""

from __future__ import annotations


class IngestError(ValueError):
    """Bad input to an ingest (unreadable file, wrong type, clashing ids): 422 unless said otherwise."""

    status = 422

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class TooLarge(IngestError):
    """Over a size limit (bytes, pages, unpacked size): 413."""

    status = 413
