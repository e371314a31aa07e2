"""Domain errors, each with the HTTP status the pages and the API turn it into."""


class WorkflowError(Exception):
    status = 400

    def __init__(self, message: str, details: list[str] | None = None, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        #: for a form with several parts: part -> its message (the page shows each next to its part)
        self.fields = fields or {}


class Invalid(WorkflowError):
    """Bad input (missing reason, empty name...)."""
    status = 400


class Forbidden(WorkflowError):
    """Not your role or not your organisation."""
    status = 403


class NotFound(WorkflowError):
    status = 404


class Conflict(WorkflowError):
    """A move the machine does not allow now, or a stale edit."""
    status = 409
