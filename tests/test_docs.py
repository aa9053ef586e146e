"""The contract documentation is generated from the contract and kept up to date."""

import pytest

from qpv_analytics import docs
from qpv_analytics.config import get_paths
from qpv_analytics.contract import TABLES

pytestmark = pytest.mark.unit


def test_data_readme_is_up_to_date():
    readme = get_paths().root / "data" / "README.md"
    assert readme.read_text(encoding="utf-8") == docs.contract_markdown(), (
        "data/README.md est périmé : lancez « make doc »."
    )


def test_every_column_is_documented():
    text = docs.contract_markdown()
    for table in TABLES.values():
        for col in table.columns:
            assert f"`{col.name}`" in text
