"""Entry point for ``python -m qpv_analytics``."""

from qpv_analytics.cli import main

raise SystemExit(main())
