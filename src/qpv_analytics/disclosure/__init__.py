"""Disclosure control: masking of small counts and the confidentiality scanner."""

from qpv_analytics.disclosure.control import (
    mask_count_series,
    mask_counts,
    mask_rate,
    protect_people,
    to_html_table,
)

__all__ = ["mask_count_series", "mask_counts", "mask_rate", "protect_people", "to_html_table"]
