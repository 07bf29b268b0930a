"""Who may read operational detail (/metrics, /api/health?detailed=1): a scraper holding
METRICS_TOKEN, or a client address in METRICS_ALLOWED_IPS (default: this host only). Both name
internal services, queue depths and error texts that help an attacker, not the public."""

import hmac
import ipaddress

from flask import current_app, request

from smartcity.auth.guard import bearer_token


def allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    offered = bearer_token()
    if token and offered and hmac.compare_digest(offered.encode(), str(token).encode()):
        return True
    setting = current_app.config.get("METRICS_ALLOWED_IPS") or []
    if isinstance(setting, str):
        setting = setting.split(",")
    try:
        address = ipaddress.ip_address((request.remote_addr or "").split("%", 1)[0])
    except ValueError:
        return False
    for item in setting:
        try:
            if address in ipaddress.ip_network(item.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False
