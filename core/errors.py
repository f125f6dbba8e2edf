class ServiceError(Exception):
    """A user-safe refusal from a service; `status` is what the API answers with."""

    def __init__(self, message: str, *, code: str, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.field = field
