--
-- A robust fit whose meat overflows.  With |x| and |y| near 1e120 the fit
-- itself is fine (squares near 1e240), but the meat's terms (w e)^2 x x'
-- are near 1e480: infinite, and their sums of both signs NaN.  pg_learn
-- 0.1 returned those as NULL elements of the meat and read the array as
-- dense memory (memcheck: an invalid read of 8 bytes in
-- linear_fit_robust); now the meat's final function refuses to return
-- them and the training fails with 22003, with no invalid read.
--
-- Forty features make the meat array (41 x 41 float8, 13 kB) larger than a
-- memory context's chunk limit, so it has a malloc block of its own and
-- memcheck would see a read past its end.  (Values near 1e200 overflow the
-- fit under valgrind, whose x87 arithmetic lacks the extended range that
-- OpenBLAS's dnrm2 relies on; 1e120 overflows only the meat, natively and
-- under valgrind alike.)
SELECT format('CREATE TABLE huge AS SELECT %s, y * 1e120 AS y FROM (SELECT i, %s, '
			  '(-1) ^ i * (1 + (i * 37 %% 11)) AS y FROM generate_series(1, 200) i) s',
			  string_agg(format('x%s * 1e120 AS x%s', j, j), ', '),
			  string_agg(format('sin(i * %s) AS x%s', j, j), ', '))
  FROM generate_series(1, 40) j \gexec
-- the meat alone: NULL elements where sums of infinities are NaN
SELECT count(*) FILTER (WHERE m IS NULL) AS null_elements, count(*) AS elements
  FROM (SELECT unnest(learn._linear_meat(array_fill(0::float8, ARRAY[41]), y, 1,
		x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x12, x13, x14, x15, x16, x17,
		x18, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28, x29, x30, x31, x32,
		x33, x34, x35, x36, x37, x38, x39, x40)) AS m FROM huge) s;
-- the robust fit reads that array as dense
SELECT id FROM learn.train('huge', 'linear', 'huge', 'y', params => '{"robust": "HC1"}') \gset
SELECT count(*) AS terms, count(std_error) AS with_std_error
  FROM learn.coefficients WHERE model_id = :id;
