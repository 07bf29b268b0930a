"""Security headers on every response."""

CSP = ("default-src 'self'; img-src 'self' data: blob: https:; style-src 'self' 'unsafe-inline'; "
       "script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
       "base-uri 'self'; form-action 'self'")


def init_app(app):
    defaults = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                ("Referrer-Policy", "strict-origin-when-cross-origin"),
                ("Content-Security-Policy", CSP),
                ("Permissions-Policy", "geolocation=(), camera=(), microphone=()")]
    if app.config["ENV"] == "production":
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    names = {name.lower() for name, _ in defaults}

    @app.after_request
    def add_headers(response):
        # A view may have set its own: keep it. One pass over the few headers present, since
        # Headers.setdefault looks each name up by raising and catching KeyError.
        present = {name.lower() for name, _value in response.headers} & names
        response.headers.extend(
            [item for item in defaults if item[0].lower() not in present] if present
            else defaults)
        return response
