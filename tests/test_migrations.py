from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smartcity import migrate
from smartcity.database import make_engine
from smartcity.models import metadata


def test_there_is_exactly_one_alembic_head():
    assert len(migrate.heads()) == 1


def test_migrated_schema_matches_the_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_migrations_downgrade_and_upgrade_cleanly_on_sqlite(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()[0]
    migrate.downgrade(engine, "base")
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads()[0]
