"""Escape text for HTML element content and attribute values (both quotes), the one rule site templates need."""


def escape_text(text):
    """Return `text` with &, <, >, " and ' replaced by entities."""
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )
