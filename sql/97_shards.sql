--
-- learn._linear_stamp: a state made without feature names, named as
-- learn.train names the merged states of postgres_fdw shards (the shards
-- themselves are tested in tests/t/018_shards.pl).
--
CREATE TABLE stamp_t AS
SELECT i::float8 AS a, (i * 7 % 11)::float8 AS b, (3 + 2 * i - (i * 7 % 11) + i % 3)::float8 AS y
FROM generate_series(1, 40) AS i;

-- a stamped state is the state made with the names, byte for byte
SELECT learn._linear_stamp(learn.linear_partial(y, 1, a, b), '{a,b}')
       = learn.linear_partial(y, 1, '{a,b}'::text[], a, b) AS same_state
FROM stamp_t;
-- so it merges with named states of the same features
SELECT length(learn.linear_merge(s)) > 0 AS merged
FROM (SELECT learn._linear_stamp(learn.linear_partial(y, 1, a, b), '{a,b}') AS s FROM stamp_t
      UNION ALL
      SELECT learn.linear_partial(y, 1, '{a,b}'::text[], a, b) FROM stamp_t) AS p;
-- and the merge of unnamed states, stamped, is the merge of named ones
SELECT learn._linear_stamp(learn.linear_merge(s), '{a,b}')
       = (SELECT learn.linear_merge(s) FROM (
            SELECT learn.linear_partial(y, 1, '{a,b}'::text[], a, b) AS s FROM stamp_t WHERE a <= 20
            UNION ALL
            SELECT learn.linear_partial(y, 1, '{a,b}'::text[], a, b) FROM stamp_t WHERE a > 20) AS q)
       AS same_merge
FROM (SELECT learn.linear_partial(y, 1, a, b) AS s FROM stamp_t WHERE a <= 20
      UNION ALL
      SELECT learn.linear_partial(y, 1, a, b) FROM stamp_t WHERE a > 20) AS p;
-- a state stamped with the same names comes back as it is
SELECT learn._linear_stamp(s, '{a,b}') = s AS unchanged
FROM (SELECT learn.linear_partial(y, 1, '{a,b}'::text[], a, b) AS s FROM stamp_t) AS p;
-- a merge of no state is NULL, as linear_partial of no row; NULL in, NULL out
SELECT learn._linear_stamp(learn.linear_merge(s), '{a}') IS NULL AS empty
FROM (SELECT NULL::bytea AS s) AS p;
SELECT learn._linear_stamp(NULL, '{a}') IS NULL AS null_state,
       learn._linear_stamp(learn.linear_partial(y, 1, a), NULL) IS NULL AS null_names
FROM stamp_t;

-- errors
SELECT try($$SELECT learn._linear_stamp(learn.linear_partial(y, 1, '{a,b}'::text[], a, b), '{a,c}') FROM stamp_t$$);
SELECT try($$SELECT learn._linear_stamp(learn.linear_partial(y, 1, a, b), '{a}') FROM stamp_t$$);
SELECT try($$SELECT learn._linear_stamp(learn.linear_partial(y, 1, a, b), '{a,NULL}') FROM stamp_t$$);
SELECT try($$SELECT learn._linear_stamp(learn.linreg_partial(y, ARRAY[1, a]), '{a}') FROM stamp_t$$);
SELECT try($$SELECT learn._linear_stamp('\x00'::bytea, '{a}')$$);

DROP TABLE stamp_t;
