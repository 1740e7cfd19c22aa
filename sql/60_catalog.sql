--
-- The catalog: documented, kept by pg_dump, one deployed version per
-- name, immutable versions, drop.
--

-- every object of the extension has a COMMENT
SELECT pg_describe_object(classid, objid, objsubid) AS undocumented
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_learn')
   AND d.deptype = 'e'
   AND obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)) IS NULL
   -- row types of tables and array types come with their table or element
   -- type (PostgreSQL 17 and later list them as members too)
   AND NOT EXISTS (SELECT FROM pg_type t
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND (t.typcategory = 'A'
                           OR t.typrelid IN (SELECT oid FROM pg_class WHERE relkind <> 'c')))
 ORDER BY 1;
-- and every column of the catalog tables
SELECT c.relname, a.attname AS undocumented_column
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'learn'::regnamespace AND c.relkind = 'r'
   AND a.attnum > 0 AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL;

-- pg_dump keeps the models: the tables and the id sequence are config
SELECT unnest(extconfig)::regclass AS dumped FROM pg_extension WHERE extname = 'pg_learn' ORDER BY 1;
SELECT extrelocatable, extnamespace::regnamespace FROM pg_extension WHERE extname = 'pg_learn';

-- at most one deployed version per name
SELECT name, count(*) FILTER (WHERE deployed) AS deployed_versions
  FROM learn.models GROUP BY name HAVING count(*) FILTER (WHERE deployed) > 1;
SELECT try($$UPDATE learn.models SET deployed = true WHERE name = 'cars'$$);

-- deploy and drop
SELECT try($$SELECT learn.deploy('cars', 99)$$);
SELECT try($$SELECT learn.deploy('nope', 1)$$);
SELECT version, deployed FROM learn.deploy('cars', 1);
SELECT version, deployed FROM learn.models WHERE name = 'cars' ORDER BY version;
SELECT learn.drop_model('cars', 2) AS dropped;
SELECT version FROM learn.models WHERE name = 'cars' ORDER BY version;
SELECT try($$SELECT learn.drop_model('cars', 2)$$);
SELECT learn.drop_model('cars') AS dropped;
SELECT count(*) AS coefficients_left FROM learn.coefficients c
 WHERE NOT EXISTS (SELECT 1 FROM learn.models m WHERE m.id = c.model_id);
SELECT try($$SELECT learn.drop_model('cars')$$);
SELECT try($$SELECT learn.predict('cars', ARRAY[1.0])$$);
-- a new training under a dropped name goes on numbering: version 4, as
-- 1 to 3 were given before (a view pinned to 'cars@2' never scores it)
SELECT version, deployed FROM learn.train('cars', 'linear', 'mtcars', 'mpg', '{wt}');

-- the stored row describes the fit
SELECT name, algorithm, task, source, target, features, group_by, weight, params,
	   classes, n_rows, n_skipped, trained_by = current_user AS by_me,
	   train_seconds >= 0 AS timed, deployed
  FROM learn.models WHERE name = 'mtcars_weighted_hc1';
SELECT jsonb_object_keys(metrics) AS metric FROM learn.models WHERE name = 'mtcars' ORDER BY 1;
SELECT jsonb_object_keys(metrics) AS grouped_metric FROM learn.models WHERE name = 'iris' ORDER BY 1;
