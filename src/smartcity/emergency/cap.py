"""Public alerts as OASIS Common Alerting Protocol 1.2 documents (pure).

OASIS, *Common Alerting Protocol Version 1.2*, OASIS Standard, 1 July 2010: an <alert> (who,
when, status, type, scope) carries <info> blocks (category, event, urgency, severity,
certainty, texts, expiry) that carry <area> blocks (description, polygons). What the standard
asks and the schema alone does not enforce is checked here:
- dateTime with an explicit offset and no fraction, never "Z"; UTC is written "-00:00";
- identifier and sender without spaces, commas, "<" or "&";
- a polygon is at least four "lat,lon" pairs, WGS 84, the first and last the same;
- scope Restricted needs a restriction, Private needs addresses.
Elements follow the schema's order (it is a sequence).
"""

import xml.etree.ElementTree as ET
from datetime import datetime

NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml"
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = ("Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env",
              "Transport", "Infra", "CBRNE", "Other")
RESPONSE_TYPES = ("Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess",
                  "AllClear", "None")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
_RESTRICTED = (" ", ",", "<", "&")


def cap_datetime(value: datetime) -> str:
    """2026-03-01T14:05:00-00:00: seconds, an explicit offset, "-00:00" for UTC."""
    if value.tzinfo is None:
        raise ValueError("a CAP time needs a time zone")
    text = value.replace(microsecond=0).isoformat()
    offset = value.utcoffset()
    return text[:-6] + "-00:00" if offset is not None and not offset else text


def polygon_text(points: list) -> str:
    """'lat,lon lat,lon ...' from [[lat, lon], ...], closed if it was not."""
    pairs = [(float(lat), float(lon)) for lat, lon in points]
    if any(not (-90 <= lat <= 90 and -180 <= lon <= 180) for lat, lon in pairs):
        raise ValueError("polygon points must be WGS 84 [lat, lon]")
    if len(set(pairs)) < 3:
        raise ValueError("a polygon needs at least three distinct points")
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return " ".join(f"{lat:g},{lon:g}" for lat, lon in pairs)


def _one_of(value, allowed: tuple, field: str) -> str:
    if value not in allowed:
        raise ValueError(f"{field} must be one of {', '.join(allowed)}")
    return value


def _token(value: str, field: str) -> str:
    if not value or any(c in value for c in _RESTRICTED):
        raise ValueError(f"{field} must be non-empty without spaces, commas, '<' or '&'")
    return value


def _add(parent: ET.Element, tag: str, text) -> None:
    if text is not None:
        ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}").text = str(text)


def build_alert(alert: dict) -> bytes:
    """A CAP 1.2 XML document (UTF-8 bytes) from a dict with snake_case element names."""
    root = ET.Element(f"{{{NAMESPACE}}}alert")
    _add(root, "identifier", _token(alert["identifier"], "identifier"))
    _add(root, "sender", _token(alert["sender"], "sender"))
    _add(root, "sent", cap_datetime(alert["sent"]))
    _add(root, "status", _one_of(alert.get("status", "Actual"), STATUSES, "status"))
    _add(root, "msgType", _one_of(alert.get("msg_type", "Alert"), MSG_TYPES, "msg_type"))
    _add(root, "source", alert.get("source"))
    scope = _one_of(alert.get("scope", "Public"), SCOPES, "scope")
    _add(root, "scope", scope)
    if scope == "Restricted" and not alert.get("restriction"):
        raise ValueError("scope Restricted needs a restriction")
    if scope == "Private" and not alert.get("addresses"):
        raise ValueError("scope Private needs addresses")
    _add(root, "restriction", alert.get("restriction"))
    _add(root, "addresses", alert.get("addresses"))
    _add(root, "note", alert.get("note"))
    if alert.get("references"):
        _add(root, "references", " ".join(
            f"{_token(s, 'references')},{_token(i, 'references')},{cap_datetime(t)}"
            for s, i, t in alert["references"]))
    for info in alert.get("info", []):
        _info(root, info)
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True,
                       default_namespace=NAMESPACE)


def _info(root: ET.Element, info: dict) -> None:
    node = ET.SubElement(root, f"{{{NAMESPACE}}}info")
    _add(node, "language", info.get("language", "en-US"))
    categories = info["category"]
    for category in [categories] if isinstance(categories, str) else categories:
        _add(node, "category", _one_of(category, CATEGORIES, "category"))
    _add(node, "event", info["event"])
    for response in info.get("response_types", ()):
        _add(node, "responseType", _one_of(response, RESPONSE_TYPES, "response_types"))
    _add(node, "urgency", _one_of(info["urgency"], URGENCIES, "urgency"))
    _add(node, "severity", _one_of(info["severity"], SEVERITIES, "severity"))
    _add(node, "certainty", _one_of(info["certainty"], CERTAINTIES, "certainty"))
    for tag, key in (("effective", "effective"), ("onset", "onset"), ("expires", "expires")):
        if info.get(key) is not None:
            _add(node, tag, cap_datetime(info[key]))
    for tag, key in (("senderName", "sender_name"), ("headline", "headline"),
                     ("description", "description"), ("instruction", "instruction"),
                     ("web", "web"), ("contact", "contact")):
        _add(node, tag, info.get(key))
    for name, value in (info.get("parameters") or {}).items():
        parameter = ET.SubElement(node, f"{{{NAMESPACE}}}parameter")
        _add(parameter, "valueName", name)
        _add(parameter, "value", value)
    for area in info.get("areas", ()):
        block = ET.SubElement(node, f"{{{NAMESPACE}}}area")
        _add(block, "areaDesc", area["description"])
        for polygon in area.get("polygons", ()):
            _add(block, "polygon", polygon_text(polygon))
        for lat, lon, radius_km in area.get("circles", ()):
            _add(block, "circle", f"{float(lat):g},{float(lon):g} {float(radius_km):g}")
        for name, value in (area.get("geocodes") or {}).items():
            geocode = ET.SubElement(block, f"{{{NAMESPACE}}}geocode")
            _add(geocode, "valueName", name)
            _add(geocode, "value", value)

