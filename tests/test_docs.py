"""The contract documentation is generated from the contract and kept up to date."""

import time
import zipfile

import pytest

from qpv_analytics import docs
from qpv_analytics.config import get_paths
from qpv_analytics.contract import TABLES

pytestmark = pytest.mark.unit


def test_data_readme_is_up_to_date():
    readme = get_paths().contract_doc
    assert readme.read_text(encoding="utf-8") == docs.contract_markdown(), (
        "data/README.md est périmé : lancez « make doc »."
    )


def test_every_column_is_documented():
    text = docs.contract_markdown()
    for table in TABLES.values():
        for col in table.columns:
            assert f"`{col.name}`" in text


def test_plausibility_checks_are_documented():
    text = docs.contract_markdown()
    checks = [check for t in TABLES.values() for _, check in t.plausibility]
    assert len(checks) == 6
    for check in checks:
        assert f"vraisemblance ({check.label}" in text
    assert "soit `montant_abattement_eur` / `logements_concernes`) : une valeur entre 20 et" in text


def _content(path):
    """A template's content: its bytes, or for a workbook each ZIP member's name, date and data.

    Compressed bytes could differ with the zlib of another machine; the content cannot.
    """
    if path.suffix != ".xlsx":
        return path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        return [(i.filename, i.date_time, archive.read(i)) for i in archive.infolist()]


def test_templates_are_up_to_date(tmp_path):
    written = sorted(p.name for p in docs.write_templates(tmp_path))
    committed = get_paths().blank_templates
    assert sorted(p.name for p in committed.iterdir() if p.is_file()) == written
    stale = [n for n in written if _content(committed / n) != _content(tmp_path / n)]
    assert not stale, (
        f"modèles périmés dans data/modeles/ ({', '.join(stale)}) : lancez « make doc »."
    )


def test_regenerating_the_templates_gives_the_same_bytes(tmp_path, monkeypatch):
    first = docs.workbook_bytes(docs.template_workbook(TABLES["gusp"]))
    later = time.time() + 3 * 24 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    assert docs.workbook_bytes(docs.template_workbook(TABLES["gusp"])) == first
