"""Errors the parsing core raises for input it cannot treat as a report at all."""


class InputError(ValueError):
    """Bytes that cannot be read as a document. `code` is stable and machine-readable; the
    web layer answers it with a problem response (RFC 9457) whose status it looks up by the
    code (app/api/problems.STATUS): the core knows nothing of HTTP."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
