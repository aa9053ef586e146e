"""qpv_analytics: observation and evaluation of urban policy in priority neighbourhoods (QPV)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qpv_analytics")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
