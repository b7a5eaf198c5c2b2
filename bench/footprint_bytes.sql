-- bench/footprint.sh: the average bytes one row of each table takes, from the rows written since :since
-- (tables without ts_epoch, or with none written since: every row). Heap: pg_column_size of the whole
-- row (tuple header included) plus its 4-byte line pointer. Index: per index, an 8-byte index tuple
-- header plus the key columns' pg_column_size, aligned to 8, plus a line pointer (expression keys are
-- not counted). Page headers, free space and WAL are not counted.
-- Output: bytes TABLE ROWS_SIZED HEAP_BYTES_PER_ROW INDEX_BYTES_PER_ROW INDEXES
CREATE FUNCTION pg_temp.row_bytes(tbl regclass, since float8)
RETURNS TABLE (n bigint, heap numeric, idx numeric, indexes int) LANGUAGE plpgsql AS $$
DECLARE
  cond text := '';
  idx_expr text := '0';
  index_count int := 0;
  keys text;
  sized bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tbl AND attname = 'ts_epoch' AND NOT attisdropped) THEN
    cond := format(' WHERE ts_epoch >= %s', since);
    EXECUTE format('SELECT count(*) FROM %s t%s', tbl, cond) INTO sized;
    IF sized = 0 THEN
      cond := ''; -- nothing written in the window (SMART runs at start): size the rows there are
    END IF;
  END IF;
  FOR keys IN
    SELECT string_agg(format('coalesce(pg_column_size(%I), 0)', a.attname), ' + ')
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum)
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = tbl
    GROUP BY i.indexrelid
  LOOP
    idx_expr := idx_expr || format(' + ((8 + %s + 7) / 8 * 8 + 4)', keys);
    index_count := index_count + 1;
  END LOOP;
  RETURN QUERY EXECUTE format(
    'SELECT count(*), coalesce(avg(pg_column_size(t.*)), 0) + 4, coalesce(avg(%s), 0), %s FROM %s t%s',
    idx_expr, index_count, tbl, cond);
END $$;

SELECT 'bytes', c.relname, b.n, round(b.heap, 1), round(b.idx, 1), b.indexes
FROM pg_class c
JOIN pg_namespace ns ON ns.oid = c.relnamespace AND ns.nspname = 'public'
CROSS JOIN LATERAL pg_temp.row_bytes(c.oid, :since) b
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 2;
