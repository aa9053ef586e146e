"""Thresholds and defaults of the disclosure control and of the target statuses."""

MIN_COUNT = 5
"""Counts of people from 1 to 4 are masked (the parameters may raise it, never lower it).

Zero stays shown: a zero count describes nobody, so it cannot identify anyone, and masking
zeros would hide most of the sparse tables of the reports. Zeros are never used as
secondary cells either, so that a zero reads the same in every table.
"""

MIN_RATE_BASE = 20
"""A rate (or any value computed over people) whose base has fewer people is masked."""

PARTIAL_STATUS_PCT = 80.0
"""Below its target but at least this share of it (%): « partiellement atteint »."""

MAX_YEAR_CHANGE_PCT = 50.0
"""A State resource (posts, amount) changing by more than this share (%) in a year is flagged."""

UNIFORM_AMOUNT_MIN_RECORDS = 10
"""A year of a source is flagged when at least this many records all carry one amount."""

FRACTION_MIN_VALUES = 3
"""A file whose values of a rate column all lie in [0, 1] is refused as written in fractions
(0,452 for 45,2 %) once at least this many of them are not zero (fewer say too little)."""
