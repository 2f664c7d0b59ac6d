"""One module per area, each with a ``STRINGS`` dict: key → (Vietnamese, English)."""
