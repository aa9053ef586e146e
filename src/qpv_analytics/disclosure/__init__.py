"""Disclosure control: masking of small counts and the confidentiality scanner."""

from qpv_analytics.disclosure.html_tables import to_html_table
from qpv_analytics.disclosure.indicator_tables import protect_people
from qpv_analytics.disclosure.suppression import mask_count_series, mask_counts, mask_rate

__all__ = ["mask_count_series", "mask_counts", "mask_rate", "protect_people", "to_html_table"]
