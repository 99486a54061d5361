"""Errors raised by services, each mapped to one HTTP status and a clear message."""

from __future__ import annotations


class AppError(Exception):
    """An error whose message is safe and useful to show to the caller."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class TooLarge(AppError):
    status_code = 413
    code = "too_large"


class Invalid(AppError):
    status_code = 422
    code = "invalid"


class TooMany(AppError):
    status_code = 429
    code = "too_many_requests"
