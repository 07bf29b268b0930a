-- PostgreSQL first-start script for docker-compose (replaces the design card's mongo-init.js).
--
-- The postgres image runs it once, when it initialises an empty data volume, as POSTGRES_USER
-- connected to POSTGRES_DB; the image itself creates that role and database from its environment.
--
-- The schema is created and changed only by Alembic (`python run.py db upgrade`, which the app
-- image runs before every start), never by this file. Nothing here is required: the application
-- and its tests work on a bare database; these are operational settings.

DO $$
BEGIN
    -- Sessions in UTC: the API speaks UTC, and date_trunc() on timestamptz (daily buckets,
    -- reports) follows the session time zone.
    EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
    -- JIT compilation targets plans with a high estimated cost, which are exactly our long-range
    -- aggregates; compiling can add tens of milliseconds to queries whose p95 target is 50 ms.
    EXECUTE format('ALTER DATABASE %I SET jit TO off', current_database());
    -- A connection left idle inside a transaction holds locks that block retention and
    -- migrations; end such sessions after five minutes.
    EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout TO %L',
                   current_database(), '5min');
END
$$;

-- Per-statement timing for finding slow queries; docker-compose preloads the library
-- (shared_preload_libraries=pg_stat_statements); without that, reading the view fails.
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
