//! Postgres: `system_metrics`, `service_status` and `network_checks` become tables partitioned by day on
//! `ts_epoch`, keeping every row, column and index. SQLite keeps its plain tables (nothing to do).
//!
//! Partitions live in the schema `smartmon_partitions` (named `<table>_pYYYYMMDD`, plus `<table>_default`
//! for rows outside every day partition), so `public` lists the same tables and columns on both backends.
//! `smartmon_ensure_partition(table, day_start)` creates one day's partition, moving that day's rows out
//! of the default partition first. The migration creates one for every day that holds rows and for
//! yesterday to a week ahead; the lifecycle job keeps creating them ahead. The `id` identity column keeps
//! counting from the highest id copied. Rows are copied inside the migration's transaction: an install
//! that fails half-way keeps its old table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261127_004100_partitioned_history"
    }
}

/// The history tables that are partitioned.
const TABLES: [&str; 3] = ["system_metrics", "service_status", "network_checks"];

const ENSURE_PARTITION: &str = r#"
CREATE SCHEMA IF NOT EXISTS smartmon_partitions;
CREATE OR REPLACE FUNCTION smartmon_ensure_partition(parent text, day_start double precision)
RETURNS boolean LANGUAGE plpgsql AS $fn$
DECLARE
  day double precision := floor(day_start / 86400) * 86400;
  part text := parent || '_p' || to_char(to_timestamp(day) AT TIME ZONE 'UTC', 'YYYYMMDD');
BEGIN
  IF to_regclass(format('smartmon_partitions.%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  -- Rows already written for that day sit in the default partition: move them into the new one
  -- before attaching it, or the attach would be refused.
  EXECUTE format('CREATE TABLE smartmon_partitions.%I (LIKE public.%I INCLUDING DEFAULTS)', part, parent);
  IF to_regclass(format('smartmon_partitions.%I', parent || '_default')) IS NOT NULL THEN
    EXECUTE format('WITH moved AS (DELETE FROM smartmon_partitions.%I WHERE ts_epoch >= %s AND ts_epoch < %s
                    RETURNING *) INSERT INTO smartmon_partitions.%I SELECT * FROM moved',
                   parent || '_default', day, day + 86400, part);
  END IF;
  EXECUTE format('ALTER TABLE public.%I ATTACH PARTITION smartmon_partitions.%I FOR VALUES FROM (%s) TO (%s)',
                 parent, part, day, day + 86400);
  RETURN true;
EXCEPTION WHEN duplicate_table THEN
  RETURN false;
END
$fn$;
"#;

/// Moves `table` to a partitioned table of the same name, columns, defaults, sequence and indexes.
fn partition_sql(table: &str) -> String {
    format!(
        r#"
DO $do$
DECLARE
  defs text[];
  def text;
  r record;
BEGIN
  ALTER TABLE public.{table} RENAME TO {table}_unpartitioned;
  SELECT coalesce(array_agg(indexdef), ARRAY[]::text[]) INTO defs FROM pg_indexes
   WHERE schemaname = 'public' AND tablename = '{table}_unpartitioned'
     AND indexname <> '{table}_pkey';
  FOR r IN SELECT indexname FROM pg_indexes
            WHERE schemaname = 'public' AND tablename = '{table}_unpartitioned'
              AND indexname <> '{table}_pkey' LOOP
    EXECUTE format('DROP INDEX public.%I', r.indexname);
  END LOOP;
  ALTER TABLE public.{table}_unpartitioned RENAME CONSTRAINT {table}_pkey TO {table}_unpartitioned_pkey;
  CREATE TABLE public.{table} (LIKE public.{table}_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY)
    PARTITION BY RANGE (ts_epoch);
  ALTER TABLE public.{table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, ts_epoch);
  FOREACH def IN ARRAY defs LOOP
    EXECUTE replace(def, ' ON public.{table}_unpartitioned ', ' ON public.{table} ');
  END LOOP;
  CREATE INDEX IF NOT EXISTS ix_{table}_ts ON public.{table} (ts_epoch);
  PERFORM smartmon_ensure_partition('{table}', d) FROM (
    SELECT DISTINCT floor(ts_epoch / 86400) * 86400 AS d FROM public.{table}_unpartitioned
    UNION SELECT (floor(extract(epoch FROM now()) / 86400) + k) * 86400 FROM generate_series(-1, 7) AS k
  ) days;
  CREATE TABLE smartmon_partitions.{table}_default PARTITION OF public.{table} DEFAULT;
  INSERT INTO public.{table} SELECT * FROM public.{table}_unpartitioned;
  DROP TABLE public.{table}_unpartitioned;
  PERFORM setval(pg_get_serial_sequence('public.{table}', 'id'),
                 COALESCE((SELECT max(id) FROM public.{table}), 0) + 1, false);
  IF pg_get_serial_sequence('public.{table}', 'id') <> 'public.{table}_id_seq' THEN
    EXECUTE format('ALTER SEQUENCE %s RENAME TO {table}_id_seq', pg_get_serial_sequence('public.{table}', 'id'));
  END IF;
END
$do$;
"#
    )
}

/// Moves `table` back to a plain table (the `down` of this migration).
fn unpartition_sql(table: &str) -> String {
    format!(
        r#"
DO $do$
DECLARE
  defs text[];
  def text;
  r record;
BEGIN
  ALTER TABLE public.{table} RENAME TO {table}_partitioned;
  SELECT coalesce(array_agg(indexdef), ARRAY[]::text[]) INTO defs FROM pg_indexes
   WHERE schemaname = 'public' AND tablename = '{table}_partitioned' AND indexname <> '{table}_pkey';
  FOR r IN SELECT indexname FROM pg_indexes
            WHERE schemaname = 'public' AND tablename = '{table}_partitioned'
              AND indexname <> '{table}_pkey' LOOP
    EXECUTE format('DROP INDEX public.%I', r.indexname);
  END LOOP;
  ALTER TABLE public.{table}_partitioned RENAME CONSTRAINT {table}_pkey TO {table}_partitioned_pkey;
  CREATE TABLE public.{table} (LIKE public.{table}_partitioned INCLUDING DEFAULTS INCLUDING IDENTITY);
  ALTER TABLE public.{table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id);
  FOREACH def IN ARRAY defs LOOP
    EXECUTE replace(def, ' ON ONLY public.{table}_partitioned ', ' ON public.{table} ');
  END LOOP;
  INSERT INTO public.{table} SELECT * FROM public.{table}_partitioned;
  DROP TABLE public.{table}_partitioned CASCADE;
  PERFORM setval(pg_get_serial_sequence('public.{table}', 'id'),
                 COALESCE((SELECT max(id) FROM public.{table}), 0) + 1, false);
  IF pg_get_serial_sequence('public.{table}', 'id') <> 'public.{table}_id_seq' THEN
    EXECUTE format('ALTER SEQUENCE %s RENAME TO {table}_id_seq', pg_get_serial_sequence('public.{table}', 'id'));
  END IF;
END
$do$;
"#
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(ENSURE_PARTITION).await?;
        for table in TABLES {
            db.execute_unprepared(&partition_sql(table)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for table in TABLES {
            db.execute_unprepared(&unpartition_sql(table)).await?;
        }
        db.execute_unprepared(
            "DROP FUNCTION IF EXISTS smartmon_ensure_partition(text, double precision);
             DROP SCHEMA IF EXISTS smartmon_partitions CASCADE;",
        )
        .await
        .map(|_| ())
    }
}
