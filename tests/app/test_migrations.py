"""The migrations and the models describe the same tables, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect

from formbuilder.database import Database
from formbuilder.models import Base


def differences(database: Database, metadata: MetaData = Base.metadata) -> list:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_an_empty_database_upgrades_to_exactly_the_models(empty_db: Database):
    empty_db.upgrade()
    assert empty_db.revision() is not None
    assert differences(empty_db) == []


def test_the_comparison_would_notice_a_difference(empty_db: Database):
    empty_db.upgrade()
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["forms"].append_column(Column("extra", Integer))
    assert [d[0] for d in differences(empty_db, changed)] == ["add_column"]


def test_downgrading_to_base_removes_every_table(empty_db: Database):
    empty_db.upgrade()
    empty_db.downgrade("base")
    assert empty_db.revision() is None
    with empty_db.engine.connect() as connection:
        assert inspect(connection).get_table_names() == ["alembic_version"]


def test_a_downgraded_database_upgrades_again(empty_db: Database):
    empty_db.upgrade()
    empty_db.downgrade("base")
    empty_db.upgrade()
    assert differences(empty_db) == []


def test_upgrading_twice_changes_nothing(empty_db: Database):
    empty_db.upgrade()
    empty_db.upgrade()
    assert differences(empty_db) == []
