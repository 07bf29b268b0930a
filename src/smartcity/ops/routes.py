from flask import Blueprint, Response, render_template_string
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from smartcity.errors import ApiError
from smartcity.http import flag
from smartcity.ops import access
from smartcity.ops.health import run_checks
from smartcity.ops.metrics import metrics
from smartcity.ops.openapi import build_spec

bp = Blueprint("ops", __name__)


@bp.get("/api/health")
def health():
    """Report service health; ?detailed=1 adds database, Redis, MQTT and queue state."""
    # Detail only for the scraper or this host; everyone else gets the plain status.
    body, status = run_checks(flag("detailed") and access.allowed())
    return body, status


@bp.get("/metrics")
def prometheus_metrics():
    """Expose Prometheus metrics."""
    if not access.allowed():
        raise ApiError(403, "forbidden", "metrics need METRICS_TOKEN or an allowed address")
    return Response(generate_latest(metrics().registry), content_type=CONTENT_TYPE_LATEST)


@bp.get("/api/openapi.json")
def openapi():
    """Return the OpenAPI 3 description of this API."""
    return build_spec()


_DOCS = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>smartcity API</title><link rel="stylesheet" href="{{ url_for('ops.docs_css') }}"></head>
<body><main><h1>smartcity API</h1>
<p>Machine-readable: <a href="{{ url_for('ops.openapi') }}">/api/openapi.json</a>.
Errors: <code>{"error": {"code", "message", "details"}}</code>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Auth</th><th>Summary</th></tr></thead><tbody>
{% for path, ops in spec.paths.items() %}{% for method, op in ops.items() %}
<tr><td>{{ method|upper }}</td><td><code>{{ path }}</code></td>
<td>{{ op['x-auth'] }}</td>
<td>{{ op.summary }}</td></tr>{% endfor %}{% endfor %}
</tbody></table></main></body></html>"""


@bp.get("/api/docs")
def docs():
    """Show the API reference as a page."""
    return render_template_string(_DOCS, spec=build_spec())


@bp.get("/api/docs.css")
def docs_css():
    """Style the API reference page."""
    css = ("body{font:15px system-ui,sans-serif;margin:2rem;color:#111;background:#fff}"
           "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;"
           "padding:.3rem .5rem;text-align:left;vertical-align:top}code{font-size:13px}")
    return Response(css, mimetype="text/css")
