"""The dashboard's refresh token in a cookie, so that every tab of one browser shares one sign-in.

A client opts in with the header `X-Refresh-Cookie: 1` on login, refresh and sign-out; scripts
keep the refresh token in the JSON body as before. The cookie is HttpOnly (page scripts never see
the token), SameSite=Strict and limited to /api/auth (sent to nothing else), Secure when served
over TLS. The opt-in header is also the CSRF defence: another site can neither send it without a
CORS preflight that our allowlist refuses, nor make the browser send a SameSite=Strict cookie.

Beside it, a cookie scripts can read (HINT, no secret in it) says that a sign-in exists, so a
page opened signed out goes to the login form without a refresh that must fail.
"""

from flask import current_app, request

NAME = "smartcity_refresh"
PATH = "/api/auth"
HEADER = "X-Refresh-Cookie"
HINT = "smartcity_signed_in"


def opted_in() -> bool:
    return request.headers.get(HEADER) == "1"


def token() -> str | None:
    """The refresh token the cookie carries, if the client opted in and sent one."""
    return request.cookies.get(NAME) if opted_in() else None


def attach(response, refresh_token: str):
    max_age = current_app.config["JWT_REFRESH_TTL"]
    response.set_cookie(NAME, refresh_token, max_age=max_age, path=PATH, secure=request.is_secure,
                        httponly=True, samesite="Strict")
    response.set_cookie(HINT, "1", max_age=max_age, path="/", secure=request.is_secure,
                        samesite="Strict")
    return response


def clear(response):
    response.delete_cookie(NAME, path=PATH, secure=request.is_secure, httponly=True,
                           samesite="Strict")
    response.delete_cookie(HINT, path="/", secure=request.is_secure, samesite="Strict")
    return response
