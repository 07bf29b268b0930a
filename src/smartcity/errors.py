"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}."""

import logging

from flask import jsonify
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from smartcity.database import unavailable

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """An error the API reports to its caller."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


def bad_request(message: str, field: str | None = None, code: str = "validation_error"):
    return ApiError(400, code, message, {"field": field} if field else None)


def not_found(what: str):
    return ApiError(404, "not_found", f"{what} not found")


def conflict(message: str, field: str | None = None):
    return ApiError(409, "conflict", message, {"field": field} if field else None)


def error_response(status, code, message, details=None, headers=None):
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app):
    @app.errorhandler(ApiError)
    def handle_api_error(err: ApiError):
        return error_response(err.status, err.code, err.message, err.details, err.headers)

    from smartcity.validation import validation_error

    @app.errorhandler(ValidationError)
    def handle_validation_error(err: ValidationError):
        return handle_api_error(validation_error(err))

    @app.errorhandler(HTTPException)
    def handle_http_error(err: HTTPException):
        headers = {}
        if err.code == 429:
            retry = getattr(err, "retry_after", None) or 60
            headers["Retry-After"] = str(int(retry))
        if err.code == 405 and err.valid_methods:
            headers["Allow"] = ", ".join(err.valid_methods)
        code = HTTP_CODES.get(err.code, "http_error")
        return error_response(err.code, code, err.description or err.name, None, headers)

    @app.errorhandler(Exception)
    def handle_unexpected(err: Exception):
        if unavailable(err):  # a restart or outage, not a bug: the caller should come back
            log.warning("database unavailable: %s", str(err).split("\n", 1)[0])
            return error_response(503, "storage_unavailable",
                                  "database unavailable; retrying is safe", None,
                                  {"Retry-After": "2"})
        log.exception("unhandled error")
        return error_response(500, "internal_error", "internal server error")
