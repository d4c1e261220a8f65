"""T24 (registry part): every column is classified in the data inventory."""

from __future__ import annotations

from registry.inventory import INFRASTRUCTURE, INVENTORY
from registry.models import metadata


def test_every_column_of_every_table_is_classified() -> None:
    for name, table in metadata.tables.items():
        if name in INFRASTRUCTURE:
            continue
        assert name in INVENTORY, name
        assert set(INVENTORY[name]) == {c.name for c in table.columns}, name
    assert set(INVENTORY) | set(INFRASTRUCTURE) == set(metadata.tables)


def test_identity_contact_financial_and_special_columns_do_not_survive_an_erasure() -> None:
    for table, columns in INVENTORY.items():
        for column, entry in columns.items():
            if entry.category in ("identity", "contact", "financial", "special"):
                assert entry.action != "keep", (table, column)
