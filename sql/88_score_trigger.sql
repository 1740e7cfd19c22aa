--
-- learn.score_trigger: a BEFORE INSERT OR UPDATE trigger writes each new
-- row's prediction into a column, by the column's type: a regression's
-- value or a classifier's probability into a number column, a classifier's
-- class into an integer or boolean column, its label into any other.
-- Every value is compared with learn.predict* on the same row.
--
SET extra_float_digits = 0;

-- a regression with a categorical feature, into float8 and numeric(12,4)
CREATE TABLE trig_fac (LIKE fac, pred float8, pred_num numeric(12, 4));
CREATE TRIGGER score BEFORE INSERT OR UPDATE ON trig_fac
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('fac_two', 'pred');
CREATE TRIGGER score_num BEFORE INSERT OR UPDATE ON trig_fac
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('fac_two', 'pred_num');
INSERT INTO trig_fac SELECT f.*, NULL, NULL FROM fac f;
SELECT count(*) AS rows, bool_and(pred = learn.predict('fac_two', t)) AS same,
	   bool_and(pred_num = round(learn.predict('fac_two', t)::numeric, 4)) AS same_num
  FROM trig_fac t;
-- an update scores the new row; a NULL feature writes NULL
UPDATE trig_fac SET x1 = x1 + 1 WHERE color = 'red';
UPDATE trig_fac SET x2 = NULL WHERE color = 'green';
SELECT color, bool_and(pred IS NOT DISTINCT FROM learn.predict('fac_two', t)) AS same,
	   count(pred) AS scored
  FROM trig_fac t GROUP BY color ORDER BY color;

-- a binary classifier: its probability, its class, its label
CREATE TABLE trig_logit (x1 float8, x2 float8, yb int, p float8, cls int, is1 boolean,
	lbl text, p0 float8);
CREATE TRIGGER p BEFORE INSERT ON trig_logit
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'p');
CREATE TRIGGER cls BEFORE INSERT ON trig_logit
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'cls');
CREATE TRIGGER is1 BEFORE INSERT ON trig_logit
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'is1');
CREATE TRIGGER lbl BEFORE INSERT ON trig_logit
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'lbl');
CREATE TRIGGER p0 BEFORE INSERT ON trig_logit
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'p0', '0');
INSERT INTO trig_logit (x1, x2, yb) SELECT x1, x2, yb FROM glm_data;
SELECT count(*) AS rows,
	   bool_and(p = learn.predict_proba('logistic', t)) AS proba,
	   bool_and(cls = learn.predict('logistic', t)) AS class,
	   bool_and(is1 = (learn.predict('logistic', t) = 1)) AS bool,
	   bool_and(lbl = learn.predict_label('logistic', t)) AS label,
	   bool_and(p0 = learn.predict_proba('logistic', t, '0')) AS proba0
  FROM trig_logit t;

-- a multinomial model: the label, or the probability of a named class
CREATE TABLE trig_mn (x1 float8, x2 float8, species text, p_cat float8, p_any float8);
CREATE TRIGGER lbl BEFORE INSERT ON trig_mn
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('mn', 'species');
CREATE TRIGGER p_cat BEFORE INSERT ON trig_mn
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('mn', 'p_cat', 'cat');
INSERT INTO trig_mn (x1, x2) SELECT x1, x2 FROM mn_data;
SELECT count(*) AS rows, bool_and(species = learn.predict_label('mn', t)) AS label,
	   bool_and(p_cat = learn.predict_proba('mn', t, 'cat')) AS proba
  FROM trig_mn t;

-- a grouped model: a row of an unknown group gets NULL
CREATE TABLE trig_g (LIKE fac, pred float8);
CREATE TRIGGER score BEFORE INSERT OR UPDATE ON trig_g
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('fac_g', 'pred');
INSERT INTO trig_g SELECT f.*, NULL FROM fac f WHERE x1 > 1;
UPDATE trig_g SET g = 3 WHERE x1 > 1.5;
SELECT g, count(pred) AS scored, count(*) AS rows,
	   bool_and(pred IS NOT DISTINCT FROM learn.predict('fac_g', t)) AS same
  FROM trig_g t GROUP BY g ORDER BY g;

-- errors
CREATE TABLE trig_bad (x1 float8, x2 float8, yb int, note text, big smallint, p float8);
CREATE TRIGGER t BEFORE INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('poisson', 'note');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
CREATE TRIGGER t BEFORE INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'nope');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
CREATE TRIGGER t BEFORE INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'x1');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
CREATE TRIGGER t BEFORE INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('mn', 'p');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
CREATE TRIGGER t BEFORE INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
CREATE TRIGGER t AFTER INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('logistic', 'p');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
CREATE TRIGGER t BEFORE INSERT ON trig_bad
	FOR EACH ROW EXECUTE FUNCTION learn.score_trigger('no_such_model', 'p');
SELECT try($$INSERT INTO trig_bad (x1, x2) VALUES (1, 2)$$);
DROP TRIGGER t ON trig_bad;
SELECT try($$SELECT learn.score_trigger()$$);
SELECT count(*) AS nothing_inserted FROM trig_bad;
