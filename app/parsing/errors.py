"""Errors the parsing core raises for input it cannot treat as a report at all."""


class InputError(ValueError):
    """Bytes that cannot be read as a document. `code` is stable and machine-readable;
    the web layer maps it to a problem response (RFC 9457)."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
