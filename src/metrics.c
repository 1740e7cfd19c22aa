/*-------------------------------------------------------------------------
 * metrics.c
 *	  The metric aggregates of a model's predictions (learn.r2, mse, rmse,
 *	  mae, accuracy, precision, recall, f1, log_loss, auc and
 *	  confusion_matrix): their states, transition, combine, serialize,
 *	  deserialize and final functions.  Three states serve them all:
 *
 *	  - MetricSums, fixed-size sums and counts: the regression errors (with
 *		a Welford mean and sum of squares of y, merged as Chan et al.), the
 *		counts of equal pairs and of the four boolean outcomes, the log
 *		loss;
 *	  - AucState, every score kept, 8 bytes a row, by class, in sorted
 *		runs whose (true, false) pairs are counted exactly;
 *	  - ConfusionState, the distinct labels and a count per (actual,
 *		predicted) pair of them.
 *
 *	  Every serialized state starts with METRIC_STATE_VERSION and a byte
 *	  naming its kind, and is validated when read.  Results do not depend
 *	  on the plan: counts are exact, sums compensated, and the AUC is a
 *	  ratio of exact integers.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <float.h>
#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "numeric/radix.h"
#include "state/trans.h"

PG_FUNCTION_INFO_V1(learn_regression_trans);
PG_FUNCTION_INFO_V1(learn_accuracy_trans);
PG_FUNCTION_INFO_V1(learn_binary_trans);
PG_FUNCTION_INFO_V1(learn_log_loss_trans);
PG_FUNCTION_INFO_V1(learn_metric_combine);
PG_FUNCTION_INFO_V1(learn_metric_serial);
PG_FUNCTION_INFO_V1(learn_metric_deserial);
PG_FUNCTION_INFO_V1(learn_r2_final);
PG_FUNCTION_INFO_V1(learn_mse_final);
PG_FUNCTION_INFO_V1(learn_rmse_final);
PG_FUNCTION_INFO_V1(learn_mae_final);
PG_FUNCTION_INFO_V1(learn_accuracy_final);
PG_FUNCTION_INFO_V1(learn_precision_final);
PG_FUNCTION_INFO_V1(learn_recall_final);
PG_FUNCTION_INFO_V1(learn_f1_final);
PG_FUNCTION_INFO_V1(learn_log_loss_final);
PG_FUNCTION_INFO_V1(learn_auc_trans);
PG_FUNCTION_INFO_V1(learn_auc_combine);
PG_FUNCTION_INFO_V1(learn_auc_serial);
PG_FUNCTION_INFO_V1(learn_auc_deserial);
PG_FUNCTION_INFO_V1(learn_auc_final);
PG_FUNCTION_INFO_V1(learn_confusion_trans);
PG_FUNCTION_INFO_V1(learn_confusion_combine);
PG_FUNCTION_INFO_V1(learn_confusion_serial);
PG_FUNCTION_INFO_V1(learn_confusion_deserial);
PG_FUNCTION_INFO_V1(learn_confusion_final);

/* First byte of every serialized metric state; bump when a layout changes. */
#define METRIC_STATE_VERSION 1

/* Second byte: which state follows. */
#define METRIC_KIND_SUMS 'S'
#define METRIC_KIND_AUC 'A'
#define METRIC_KIND_CONFUSION 'C'

/*
 * Most scores learn.auc keeps per group (800 MB of them): a parallel
 * worker's partial state must fit in one bytea (1 GB), and every plan
 * stops at the same row.
 */
#define METRIC_AUC_MAX_ROWS INT64CONST(100000000)

/* The first capacity of each class's scores in a new AUC state. */
#define METRIC_AUC_FIRST_CAP 16

/* learn.confusion_matrix: most distinct labels, and most bytes of them. */
#define METRIC_MAX_LABELS 1000
#define METRIC_MAX_LABEL_BYTES (10 * 1024 * 1024)

/* log_loss clips p to [eps, 1 - eps], eps of float8, as scikit-learn. */
#define METRIC_LOG_LOSS_EPS DBL_EPSILON

static void
non_finite_input(const char *what, double v)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is %s", what, isnan(v) ? "NaN" : "infinite"),
			 errhint("Filter such rows out, or turn them into NULLs to have them ignored.")));
}

static void
metric_overflow(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the sum of the %s overflowed", what)));
}

static void
invalid_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid pg_learn metric state"),
			 errdetail("%s", detail)));
}

/* A reader over a serialized state, after its version and kind. */
static void
state_reader(StringInfo buf, bytea *b, char kind, int min_len)
{
	buf->data = VARDATA_ANY(b);
	buf->len = VARSIZE_ANY_EXHDR(b);
	buf->maxlen = buf->len;
	buf->cursor = 0;
	if (buf->len < 2 + min_len)
		invalid_state("The state is too short.");
	if (pq_getmsgbyte(buf) != METRIC_STATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported pg_learn metric state version"),
				 errhint("This build reads version %d.", METRIC_STATE_VERSION)));
	if (pq_getmsgbyte(buf) != kind)
		invalid_state("The state belongs to another aggregate.");
}

static void
state_writer(StringInfo buf, char kind)
{
	pq_begintypsend(buf);
	pq_sendbyte(buf, METRIC_STATE_VERSION);
	pq_sendbyte(buf, kind);
}

static int64
add_counts(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of merged metric states out of range")));
	return r;
}

/* The state a transition function continues; NULL when it has none yet. */
#define CURRENT_STATE(type) (PG_ARGISNULL(0) ? NULL : (type *) PG_GETARG_POINTER(0))

/* Return the state unchanged: NULL stays NULL. */
#define RETURN_STATE(st) \
	do { if ((st) == NULL) PG_RETURN_NULL(); PG_RETURN_POINTER(st); } while (0)

/* How a combine function makes an empty state and merges another into it. */
typedef void *(*StateCreateFn) (MemoryContext mcxt);
typedef void (*StateMergeFn) (void *into, const void *from, MemoryContext mcxt);

static Datum
combine_states(FunctionCallInfo fcinfo, const char *fname, StateCreateFn create,
			   StateMergeFn merge)
{
	MemoryContext aggcontext = agg_context(fcinfo, fname);
	void	   *a = PG_ARGISNULL(0) ? NULL : PG_GETARG_POINTER(0);
	void	   *b = PG_ARGISNULL(1) ? NULL : PG_GETARG_POINTER(1);

	if (b == NULL)
		RETURN_STATE(a);
	if (a == NULL)
		a = create(aggcontext);
	merge(a, b, aggcontext);
	PG_RETURN_POINTER(a);
}

/* ---------------------------------------------------------------------
 * MetricSums: sums and counts of fixed size
 * ---------------------------------------------------------------------
 */

/* A Neumaier (compensated) sum: its error does not grow with the rows. */
typedef struct CompSum
{
	double		s;
	double		c;
} CompSum;

static inline void
comp_add(CompSum *a, double x)
{
	double		t = a->s + x;

	if (fabs(a->s) >= fabs(x))
		a->c += (a->s - t) + x;
	else
		a->c += (x - t) + a->s;
	a->s = t;
}

static inline double
comp_value(const CompSum *a)
{
	return a->s + a->c;
}

/* count[] of the boolean outcomes: 2 * actual + predicted */
#define OUTCOME_TN 0
#define OUTCOME_FP 1
#define OUTCOME_FN 2
#define OUTCOME_TP 3
/* count[] of accuracy */
#define COUNT_EQUAL 0

/* sum[] of the regression errors and of the squares of y about its mean */
#define SUM_SQUARED 0
#define SUM_ABSOLUTE 1
#define SUM_Y_SQUARES 2
/* sum[] of the log loss (a state of its own) */
#define SUM_LOG_LOSS 0

typedef struct MetricSums
{
	int64		n;				/* pairs counted */
	int64		count[4];		/* outcomes, or equal pairs */
	double		mean;			/* Welford: the mean of y */
	CompSum		sum[3];
} MetricSums;

#define METRIC_SUMS_BYTES (5 * 8 + 8 + 6 * 8)

static void *
sums_create(MemoryContext mcxt)
{
	return MemoryContextAllocZero(mcxt, sizeof(MetricSums));
}

static MetricSums *
sums_state(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcontext = agg_context(fcinfo, fname);
	MetricSums *st = CURRENT_STATE(MetricSums);

	if (st == NULL)
		st = sums_create(aggcontext);
	return st;
}

/* learn.r2, mse, rmse, mae: (y float8, yhat float8) */
Datum
learn_regression_trans(PG_FUNCTION_ARGS)
{
	MetricSums *st;
	double		y;
	double		yhat;
	double		d;
	double		e;

	agg_context(fcinfo, "learn_regression_trans");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		RETURN_STATE(CURRENT_STATE(MetricSums));
	y = PG_GETARG_FLOAT8(1);
	yhat = PG_GETARG_FLOAT8(2);
	if (unlikely(!isfinite(y)))
		non_finite_input("y", y);
	if (unlikely(!isfinite(yhat)))
		non_finite_input("yhat", yhat);
	st = sums_state(fcinfo, "learn_regression_trans");
	st->n++;
	d = y - st->mean;
	st->mean += d / (double) st->n;
	comp_add(&st->sum[SUM_Y_SQUARES], d * (y - st->mean));
	e = y - yhat;
	comp_add(&st->sum[SUM_SQUARED], e * e);
	comp_add(&st->sum[SUM_ABSOLUTE], fabs(e));
	PG_RETURN_POINTER(st);
}

/* The equality function of a call site's argument type, kept in fn_extra. */
static FmgrInfo *
equality_of_args(FunctionCallInfo fcinfo)
{
	FmgrInfo   *eq = fcinfo->flinfo->fn_extra;

	if (eq == NULL)
	{
		Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);
		TypeCacheEntry *tce;

		if (!OidIsValid(typid))
			elog(ERROR, "learn.accuracy: could not determine the type of its arguments");
		tce = lookup_type_cache(getBaseType(typid), TYPECACHE_EQ_OPR_FINFO);
		if (!OidIsValid(tce->eq_opr_finfo.fn_oid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("could not identify an equality operator for type %s",
							format_type_be(typid))));
		eq = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(FmgrInfo));
		fmgr_info_copy(eq, &tce->eq_opr_finfo, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = eq;
	}
	return eq;
}

/*
 * learn.accuracy: (actual, predicted) of one type, text or any other with
 * an equality operator, compared with the input collation.
 */
Datum
learn_accuracy_trans(PG_FUNCTION_ARGS)
{
	MetricSums *st;
	FmgrInfo   *eq;

	agg_context(fcinfo, "learn_accuracy_trans");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		RETURN_STATE(CURRENT_STATE(MetricSums));
	eq = equality_of_args(fcinfo);
	st = sums_state(fcinfo, "learn_accuracy_trans");
	st->n++;
	if (DatumGetBool(FunctionCall2Coll(eq, PG_GET_COLLATION(),
									   PG_GETARG_DATUM(1), PG_GETARG_DATUM(2))))
		st->count[COUNT_EQUAL]++;
	PG_RETURN_POINTER(st);
}

/* learn.precision, recall, f1: (actual bool, predicted bool) */
Datum
learn_binary_trans(PG_FUNCTION_ARGS)
{
	MetricSums *st;

	agg_context(fcinfo, "learn_binary_trans");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		RETURN_STATE(CURRENT_STATE(MetricSums));
	st = sums_state(fcinfo, "learn_binary_trans");
	st->n++;
	st->count[2 * PG_GETARG_BOOL(1) + PG_GETARG_BOOL(2)]++;
	PG_RETURN_POINTER(st);
}

/*
 * learn.log_loss: (actual bool, p float8), p the probability of true.
 * As scikit-learn's log_loss, p is clipped to [eps, 1 - eps] first.
 */
Datum
learn_log_loss_trans(PG_FUNCTION_ARGS)
{
	MetricSums *st;
	double		p;

	agg_context(fcinfo, "learn_log_loss_trans");
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		RETURN_STATE(CURRENT_STATE(MetricSums));
	p = PG_GETARG_FLOAT8(2);
	if (!(p >= 0.0 && p <= 1.0))
	{
		if (isnan(p))
			non_finite_input("p", p);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("p is %g, not a probability between 0 and 1", p)));
	}
	p = Min(Max(p, METRIC_LOG_LOSS_EPS), 1.0 - METRIC_LOG_LOSS_EPS);
	st = sums_state(fcinfo, "learn_log_loss_trans");
	st->n++;
	comp_add(&st->sum[SUM_LOG_LOSS], PG_GETARG_BOOL(1) ? -log(p) : -log1p(-p));
	PG_RETURN_POINTER(st);
}

/* Chan et al.'s merge of the means and sums of squares; sums and counts add. */
static void
sums_merge(void *into, const void *from, MemoryContext mcxt)
{
	MetricSums *a = into;
	const MetricSums *b = from;
	int64		n;
	double		d;

	if (b->n == 0)
		return;
	if (a->n == 0)
	{
		*a = *b;
		return;
	}
	n = add_counts(a->n, b->n);
	d = b->mean - a->mean;
	for (int i = 0; i < lengthof(a->count); i++)
		a->count[i] = add_counts(a->count[i], b->count[i]);
	for (int i = 0; i < lengthof(a->sum); i++)
	{
		comp_add(&a->sum[i], b->sum[i].s);
		comp_add(&a->sum[i], b->sum[i].c);
	}
	comp_add(&a->sum[SUM_Y_SQUARES], d * d * ((double) a->n * (double) b->n / (double) n));
	a->mean += d * ((double) b->n / (double) n);
	a->n = n;
}

Datum
learn_metric_combine(PG_FUNCTION_ARGS)
{
	return combine_states(fcinfo, "learn_metric_combine", sums_create, sums_merge);
}

Datum
learn_metric_serial(PG_FUNCTION_ARGS)
{
	MetricSums *st = (MetricSums *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	agg_context(fcinfo, "learn_metric_serial");
	state_writer(&buf, METRIC_KIND_SUMS);
	pq_sendint64(&buf, st->n);
	for (int i = 0; i < lengthof(st->count); i++)
		pq_sendint64(&buf, st->count[i]);
	pq_sendfloat8(&buf, st->mean);
	for (int i = 0; i < lengthof(st->sum); i++)
	{
		pq_sendfloat8(&buf, st->sum[i].s);
		pq_sendfloat8(&buf, st->sum[i].c);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
learn_metric_deserial(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	MetricSums *st;

	agg_context(fcinfo, "learn_metric_deserial");
	state_reader(&buf, PG_GETARG_BYTEA_PP(0), METRIC_KIND_SUMS, METRIC_SUMS_BYTES);
	if (buf.len != 2 + METRIC_SUMS_BYTES)
		invalid_state("The state's length does not match its kind.");
	st = palloc0(sizeof(MetricSums));
	st->n = pq_getmsgint64(&buf);
	for (int i = 0; i < lengthof(st->count); i++)
	{
		st->count[i] = pq_getmsgint64(&buf);
		if (st->count[i] < 0 || st->count[i] > st->n)
			invalid_state("A count is out of range.");
	}
	if (st->n < 0)
		invalid_state("A count is out of range.");
	st->mean = pq_getmsgfloat8(&buf);
	for (int i = 0; i < lengthof(st->sum); i++)
	{
		st->sum[i].s = pq_getmsgfloat8(&buf);
		st->sum[i].c = pq_getmsgfloat8(&buf);
	}
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* The state a final function reads; NULL when no pair was counted. */
static MetricSums *
final_sums(FunctionCallInfo fcinfo)
{
	MetricSums *st = CURRENT_STATE(MetricSums);

	return st == NULL || st->n == 0 ? NULL : st;
}

static double
sum_value(const MetricSums *st, int which, const char *what)
{
	double		v = comp_value(&st->sum[which]);

	if (!isfinite(v))
		metric_overflow(what);
	return v;
}

/* sum[which] over the pairs counted; false over none (the result is NULL) */
static bool
sum_mean(FunctionCallInfo fcinfo, int which, const char *what, double *mean)
{
	MetricSums *st = final_sums(fcinfo);

	if (st == NULL)
		return false;
	*mean = sum_value(st, which, what) / (double) st->n;
	return true;
}

/*
 * 1 - SSE / SS(y), as scikit-learn's r2_score with its default
 * force_finite: a constant y gives 1 when every prediction is exact, else
 * 0.  NULL below two pairs (scikit-learn: NaN and a warning).
 */
Datum
learn_r2_final(PG_FUNCTION_ARGS)
{
	MetricSums *st = final_sums(fcinfo);
	double		sse;
	double		ss;

	if (st == NULL || st->n < 2)
		PG_RETURN_NULL();
	sse = sum_value(st, SUM_SQUARED, "squared errors");
	ss = sum_value(st, SUM_Y_SQUARES, "squares of y about its mean");
	if (sse == 0.0)
		PG_RETURN_FLOAT8(1.0);
	if (ss == 0.0)
		PG_RETURN_FLOAT8(0.0);
	PG_RETURN_FLOAT8(1.0 - sse / ss);
}

Datum
learn_mse_final(PG_FUNCTION_ARGS)
{
	double		mse;

	if (!sum_mean(fcinfo, SUM_SQUARED, "squared errors", &mse))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mse);
}

Datum
learn_rmse_final(PG_FUNCTION_ARGS)
{
	double		mse;

	if (!sum_mean(fcinfo, SUM_SQUARED, "squared errors", &mse))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sqrt(mse));
}

Datum
learn_mae_final(PG_FUNCTION_ARGS)
{
	double		mae;

	if (!sum_mean(fcinfo, SUM_ABSOLUTE, "absolute errors", &mae))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(mae);
}

Datum
learn_accuracy_final(PG_FUNCTION_ARGS)
{
	MetricSums *st = final_sums(fcinfo);

	if (st == NULL)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) st->count[COUNT_EQUAL] / (double) st->n);
}

/*
 * k TP / (k TP + FP + FN), FP and FN each when asked for; NULL when it is
 * 0 / 0 (scikit-learn: 0 and an UndefinedMetricWarning).
 */
static Datum
outcome_ratio(FunctionCallInfo fcinfo, int k, bool with_fp, bool with_fn)
{
	MetricSums *st = final_sums(fcinfo);
	double		num;
	double		den;

	if (st == NULL)
		PG_RETURN_NULL();
	num = k * (double) st->count[OUTCOME_TP];
	den = num + (with_fp ? (double) st->count[OUTCOME_FP] : 0.0) +
		(with_fn ? (double) st->count[OUTCOME_FN] : 0.0);
	if (den == 0.0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(num / den);
}

/* TP / (TP + FP) */
Datum
learn_precision_final(PG_FUNCTION_ARGS)
{
	return outcome_ratio(fcinfo, 1, true, false);
}

/* TP / (TP + FN) */
Datum
learn_recall_final(PG_FUNCTION_ARGS)
{
	return outcome_ratio(fcinfo, 1, false, true);
}

/*
 * 2 TP / (2 TP + FP + FN): the harmonic mean of precision and recall, and
 * 0 when TP is 0 but not every pair is a true negative (as scikit-learn,
 * which warns only when every pair is one).
 */
Datum
learn_f1_final(PG_FUNCTION_ARGS)
{
	return outcome_ratio(fcinfo, 2, true, true);
}

Datum
learn_log_loss_final(PG_FUNCTION_ARGS)
{
	double		loss;

	if (!sum_mean(fcinfo, SUM_LOG_LOSS, "log losses", &loss))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(loss);
}

/* ---------------------------------------------------------------------
 * AucState: every score, by class, for an exact ROC AUC
 * ---------------------------------------------------------------------
 */

#define ST_SORT sort_scores
#define ST_ELEMENT_TYPE double
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/* a score and its weight (the GLM pass's, see learn_sort_scores) */
typedef struct WeightedScore
{
	double		score;
	double		weight;
} WeightedScore;

#define ST_SORT sort_weighted_scores
#define ST_ELEMENT_TYPE WeightedScore
#define ST_COMPARE(a, b) (((a)->score > (b)->score) - ((a)->score < (b)->score))
#define ST_CHECK_FOR_INTERRUPTS
#define ST_SCOPE static
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Most sorted runs a class keeps.  Merged states append their sorted
 * scores as runs, and the final function counts pairs run by run (the
 * count is a sum over pairs of runs), so nothing is merged into a copy;
 * beyond this many runs the class is sorted whole instead.
 */
#define METRIC_AUC_MAX_RUNS 16

/* The scores of one class: v[0, n), the runs [end[r - 1], end[r]). */
typedef struct AucScores
{
	double	   *v;
	int64		n;
	int64		cap;
	bool		sorted;			/* each run is in ascending order */
	int			nruns;			/* 0 when n is 0; end[nruns - 1] = n */
	int64		end[METRIC_AUC_MAX_RUNS];
} AucScores;

/* [0]: the scores of actual false, [1]: of actual true */
typedef struct AucState
{
	AucScores	c[2];
} AucState;

static void
too_many_scores(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("learn.auc keeps at most " INT64_FORMAT " scores a group",
					METRIC_AUC_MAX_ROWS),
			 errhint("Compute it over a sample (TABLESAMPLE), or over smaller groups.")));
}

/* An empty state; its arrays come with the first scores. */
static void *
auc_state_create(MemoryContext mcxt)
{
	AucState   *st = MemoryContextAllocZero(mcxt, sizeof(AucState));

	st->c[0].sorted = st->c[1].sorted = true;
	return st;
}

/* Room for at least need scores (within the limit). */
static void
scores_reserve(AucScores *s, int64 need, MemoryContext mcxt)
{
	int64		cap;

	if (need <= s->cap)
		return;
	if (need > METRIC_AUC_MAX_ROWS)
		too_many_scores();
	cap = Min(Max(need, Max(2 * s->cap, METRIC_AUC_FIRST_CAP)), METRIC_AUC_MAX_ROWS);
	s->v = s->v ?
		repalloc_huge(s->v, sizeof(double) * cap) :
		MemoryContextAllocHuge(mcxt, sizeof(double) * cap);
	s->cap = cap;
}

/*
 * Sort n scores: by their bits when they are many and a second buffer can
 * be had (radix.c), else by comparison.
 */
void
learn_sort_scores(void *v, int64 n, size_t size)
{
	void	   *tmp = NULL;

	if (n >= RADIX_SORT_MIN)
		tmp = palloc_extended(n * size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (tmp != NULL)
	{
		radix_sort_doubles(v, n, size, tmp);
		pfree(tmp);
	}
	else if (size == sizeof(double))
		sort_scores(v, n);
	else
		sort_weighted_scores(v, n);
}

/* The scores as one run, sorted. */
static void
scores_flatten(AucScores *s)
{
	if (!s->sorted || s->nruns > 1)
		learn_sort_scores(s->v, s->n, sizeof(double));
	s->sorted = true;
	s->nruns = s->n > 0 ? 1 : 0;
	s->end[0] = s->n;
}

Datum
learn_auc_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "learn_auc_trans");
	AucState   *st = CURRENT_STATE(AucState);
	AucScores  *s;
	double		score;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		RETURN_STATE(st);
	score = PG_GETARG_FLOAT8(2);
	if (unlikely(!isfinite(score)))
		non_finite_input("score", score);
	if (st == NULL)
		st = auc_state_create(aggcontext);
	if (unlikely(st->c[0].n + st->c[1].n >= METRIC_AUC_MAX_ROWS))
		too_many_scores();
	s = &st->c[PG_GETARG_BOOL(1) ? 1 : 0];
	if (s->n == s->cap)
		scores_reserve(s, s->n + 1, aggcontext);
	/* the last run grows; scores that come in order keep it sorted */
	if (s->n > 0 && score < s->v[s->n - 1])
		s->sorted = false;
	s->v[s->n++] = score;
	s->nruns = Max(s->nruns, 1);
	s->end[s->nruns - 1] = s->n;
	PG_RETURN_POINTER(st);
}

/* Append b's scores to a's: as sorted runs while both are sorted. */
static void
scores_merge(AucScores *a, const AucScores *b, MemoryContext mcxt)
{
	int64		n = a->n;

	if (b->n == 0)
		return;
	scores_reserve(a, n + b->n, mcxt);
	memcpy(a->v + n, b->v, sizeof(double) * b->n);
	a->n = n + b->n;
	if (a->sorted && b->sorted && a->nruns + b->nruns <= METRIC_AUC_MAX_RUNS)
	{
		for (int r = 0; r < b->nruns; r++)
			a->end[a->nruns++] = n + b->end[r];
	}
	else
	{
		/* sorted whole at the end */
		a->sorted = false;
		a->nruns = 1;
		a->end[0] = a->n;
	}
}

static void
auc_merge(void *into, const void *from, MemoryContext mcxt)
{
	AucState   *a = into;
	const AucState *b = from;

	if (a->c[0].n + a->c[1].n + b->c[0].n + b->c[1].n > METRIC_AUC_MAX_ROWS)
		too_many_scores();
	for (int c = 0; c < 2; c++)
		scores_merge(&a->c[c], &b->c[c], mcxt);
}

Datum
learn_auc_combine(PG_FUNCTION_ARGS)
{
	return combine_states(fcinfo, "learn_auc_combine", auc_state_create, auc_merge);
}

#define AUC_HEADER_BYTES (2 * 8)

/*
 * Version, kind, the two counts, then each class's scores, sorted: the
 * parallel workers share the sorting, and the leader appends their runs.
 */
Datum
learn_auc_serial(PG_FUNCTION_ARGS)
{
	AucState   *st = (AucState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	agg_context(fcinfo, "learn_auc_serial");
	state_writer(&buf, METRIC_KIND_AUC);
	for (int c = 0; c < 2; c++)
	{
		scores_flatten(&st->c[c]);
		pq_sendint64(&buf, st->c[c].n);
	}
	/* within MaxAllocSize: at most METRIC_AUC_MAX_ROWS scores */
	enlargeStringInfo(&buf, (int) (sizeof(double) * (st->c[0].n + st->c[1].n)));
	for (int c = 0; c < 2; c++)
	{
		const AucScores *s = &st->c[c];
		char	   *out = buf.data + buf.len;

		for (int64 i = 0; i < s->n; i++)
		{
			uint64		u;

			memcpy(&u, &s->v[i], sizeof(u));
			u = pg_hton64(u);
			memcpy(out + i * sizeof(u), &u, sizeof(u));
		}
		buf.len += (int) (sizeof(double) * s->n);
	}
	buf.data[buf.len] = '\0';
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
learn_auc_deserial(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	AucState   *st;
	int64		n[2];

	agg_context(fcinfo, "learn_auc_deserial");
	state_reader(&buf, PG_GETARG_BYTEA_PP(0), METRIC_KIND_AUC, AUC_HEADER_BYTES);
	n[0] = pq_getmsgint64(&buf);
	n[1] = pq_getmsgint64(&buf);
	if (n[0] < 0 || n[1] < 0 || n[0] > METRIC_AUC_MAX_ROWS || n[1] > METRIC_AUC_MAX_ROWS ||
		n[0] + n[1] > METRIC_AUC_MAX_ROWS ||
		buf.len - buf.cursor != (int64) sizeof(double) * (n[0] + n[1]))
		invalid_state("The number of scores does not match the state's length.");
	st = auc_state_create(CurrentMemoryContext);
	for (int c = 0; c < 2; c++)
	{
		AucScores  *s = &st->c[c];
		const char *in = buf.data + buf.cursor;

		if (n[c] == 0)
			continue;
		s->v = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(double) * n[c]);
		s->n = s->cap = n[c];
		for (int64 i = 0; i < n[c]; i++)
		{
			uint64		u;
			double		v;

			memcpy(&u, in + i * sizeof(u), sizeof(u));
			u = pg_ntoh64(u);
			memcpy(&v, &u, sizeof(v));
			if (!isfinite(v))
				invalid_state("A score is not finite.");
			if (i > 0 && v < s->v[i - 1])
				s->sorted = false;
			s->v[i] = v;
		}
		s->nruns = 1;
		s->end[0] = n[c];
		buf.cursor += (int) (sizeof(double) * n[c]);
	}
	PG_RETURN_POINTER(st);
}

/*
 * Twice the number of pairs of a sorted run of positive scores and one of
 * negative scores that the positive wins, plus the ties: for each group
 * of equal positive scores, two for every negative below and one for
 * every negative equal, counted in one merge of the two runs.
 */
static int64
run_pairs_twice(const double *pos, int64 npos, const double *neg, int64 nneg)
{
	int64		below = 0;
	int64		twice = 0;

	for (int64 i = 0; i < npos;)
	{
		double		s = pos[i];
		int64		run = 0;
		int64		upto;

		while (i < npos && pos[i] == s)
		{
			run++;
			i++;
		}
		while (below < nneg && neg[below] < s)
			below++;
		for (upto = below; upto < nneg && neg[upto] == s; upto++)
			;
		twice += run * (2 * below + (upto - below));
		below = upto;
	}
	return twice;
}

/*
 * The ROC AUC: the share of (true, false) pairs whose true member scores
 * higher, ties counting one half, summed over every pair of a sorted run
 * of each class.  The count (twice the numerator, an integer below 2^53
 * at the row limit) and the denominator are exact, so the result is the
 * same rounded ratio whatever the plan.  NULL unless both classes are
 * present.
 */
Datum
learn_auc_final(PG_FUNCTION_ARGS)
{
	AucState   *st = CURRENT_STATE(AucState);
	const AucScores *neg;
	const AucScores *pos;
	int64		twice = 0;

	if (st == NULL || st->c[0].n == 0 || st->c[1].n == 0)
		PG_RETURN_NULL();
	for (int c = 0; c < 2; c++)
		if (!st->c[c].sorted)
			scores_flatten(&st->c[c]);
	neg = &st->c[0];
	pos = &st->c[1];
	for (int i = 0; i < pos->nruns; i++)
	{
		int64		p0 = i > 0 ? pos->end[i - 1] : 0;

		for (int j = 0; j < neg->nruns; j++)
		{
			int64		n0 = j > 0 ? neg->end[j - 1] : 0;

			twice += run_pairs_twice(pos->v + p0, pos->end[i] - p0,
									 neg->v + n0, neg->end[j] - n0);
			CHECK_FOR_INTERRUPTS();
		}
	}
	PG_RETURN_FLOAT8((double) twice / (2.0 * (double) pos->n * (double) neg->n));
}

/* ---------------------------------------------------------------------
 * ConfusionState: the distinct labels and the count of each pair
 * ---------------------------------------------------------------------
 */

typedef struct ConfLabel
{
	uint32		hash;
	int			len;
	char	   *data;
} ConfLabel;

typedef struct ConfusionState
{
	MemoryContext mcxt;
	int			nlabels;
	int			cap;			/* labels the arrays have room for */
	ConfLabel  *labels;			/* in the order first seen */
	int64	   *counts;			/* cap x cap, [actual * cap + predicted] */
	int			nslots;			/* open addressing: a power of 2 */
	int		   *slots;			/* label index, or -1 */
	Size		label_bytes;
} ConfusionState;

#define CONF_FIRST_CAP 4

static void *
confusion_create(MemoryContext mcxt)
{
	ConfusionState *st = MemoryContextAllocZero(mcxt, sizeof(ConfusionState));

	st->mcxt = mcxt;
	st->cap = CONF_FIRST_CAP;
	st->labels = MemoryContextAlloc(mcxt, sizeof(ConfLabel) * st->cap);
	st->counts = MemoryContextAllocZero(mcxt, sizeof(int64) * st->cap * st->cap);
	st->nslots = 2 * CONF_FIRST_CAP;
	st->slots = MemoryContextAlloc(mcxt, sizeof(int) * st->nslots);
	memset(st->slots, -1, sizeof(int) * st->nslots);
	return st;
}

/* Twice the labels' room: the labels, the count matrix and the slots. */
static void
confusion_grow(ConfusionState *st)
{
	int			cap = 2 * st->cap;
	int64	   *counts = MemoryContextAllocZero(st->mcxt, sizeof(int64) * cap * cap);

	for (int a = 0; a < st->nlabels; a++)
		memcpy(counts + (Size) a * cap, st->counts + (Size) a * st->cap,
			   sizeof(int64) * st->nlabels);
	pfree(st->counts);
	st->counts = counts;
	st->labels = repalloc(st->labels, sizeof(ConfLabel) * cap);
	st->cap = cap;
	pfree(st->slots);
	st->nslots = 2 * cap;
	st->slots = MemoryContextAlloc(st->mcxt, sizeof(int) * st->nslots);
	memset(st->slots, -1, sizeof(int) * st->nslots);
	for (int i = 0; i < st->nlabels; i++)
	{
		int			s = st->labels[i].hash & (st->nslots - 1);

		while (st->slots[s] >= 0)
			s = (s + 1) & (st->nslots - 1);
		st->slots[s] = i;
	}
}

/* The index of a label, added when new. */
static int
confusion_label(ConfusionState *st, const char *data, int len)
{
	uint32		hash = hash_bytes((const unsigned char *) data, len);
	int			s = hash & (st->nslots - 1);
	ConfLabel  *l;

	for (; st->slots[s] >= 0; s = (s + 1) & (st->nslots - 1))
	{
		l = &st->labels[st->slots[s]];
		if (l->hash == hash && l->len == len && memcmp(l->data, data, len) == 0)
			return st->slots[s];
	}
	if (st->nlabels >= METRIC_MAX_LABELS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("learn.confusion_matrix takes at most %d distinct labels",
						METRIC_MAX_LABELS),
				 errhint("Compute it per group, or map rare labels to one.")));
	if (st->label_bytes + len > METRIC_MAX_LABEL_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the labels of learn.confusion_matrix add up to more than %d bytes",
						METRIC_MAX_LABEL_BYTES),
				 errhint("Map long labels to short ones.")));
	if (st->nlabels == st->cap)
	{
		confusion_grow(st);
		return confusion_label(st, data, len);
	}
	l = &st->labels[st->nlabels];
	l->hash = hash;
	l->len = len;
	l->data = MemoryContextAlloc(st->mcxt, Max(len, 1));
	memcpy(l->data, data, len);
	st->label_bytes += len;
	st->slots[s] = st->nlabels;
	return st->nlabels++;
}

static inline int64 *
confusion_cell(ConfusionState *st, int actual, int predicted)
{
	return &st->counts[(Size) actual * st->cap + predicted];
}

Datum
learn_confusion_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "learn_confusion_trans");
	ConfusionState *st = CURRENT_STATE(ConfusionState);
	text	   *actual;
	text	   *predicted;
	int			a;
	int			p;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		RETURN_STATE(st);
	actual = PG_GETARG_TEXT_PP(1);
	predicted = PG_GETARG_TEXT_PP(2);
	if (st == NULL)
		st = confusion_create(aggcontext);
	a = confusion_label(st, VARDATA_ANY(actual), VARSIZE_ANY_EXHDR(actual));
	p = confusion_label(st, VARDATA_ANY(predicted), VARSIZE_ANY_EXHDR(predicted));
	(*confusion_cell(st, a, p))++;
	PG_RETURN_POINTER(st);
}

static void
confusion_merge(void *into, const void *from, MemoryContext mcxt)
{
	ConfusionState *a = into;
	const ConfusionState *b = from;
	int		   *map = palloc(sizeof(int) * Max(b->nlabels, 1));

	for (int i = 0; i < b->nlabels; i++)
		map[i] = confusion_label(a, b->labels[i].data, b->labels[i].len);
	for (int i = 0; i < b->nlabels; i++)
		for (int j = 0; j < b->nlabels; j++)
		{
			int64		n = b->counts[(Size) i * b->cap + j];

			if (n != 0)
			{
				int64	   *cell = confusion_cell(a, map[i], map[j]);

				*cell = add_counts(*cell, n);
			}
		}
	pfree(map);
}

Datum
learn_confusion_combine(PG_FUNCTION_ARGS)
{
	return combine_states(fcinfo, "learn_confusion_combine", confusion_create,
						  confusion_merge);
}

/*
 * Version, kind, the number of labels, each label (length, bytes), the
 * number of non-zero cells and each (actual, predicted, count).
 */
Datum
learn_confusion_serial(PG_FUNCTION_ARGS)
{
	ConfusionState *st = (ConfusionState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int64		ncells = 0;

	agg_context(fcinfo, "learn_confusion_serial");
	state_writer(&buf, METRIC_KIND_CONFUSION);
	pq_sendint32(&buf, st->nlabels);
	for (int i = 0; i < st->nlabels; i++)
	{
		pq_sendint32(&buf, st->labels[i].len);
		pq_sendbytes(&buf, st->labels[i].data, st->labels[i].len);
	}
	for (int i = 0; i < st->nlabels; i++)
		for (int j = 0; j < st->nlabels; j++)
			ncells += *confusion_cell(st, i, j) != 0;
	pq_sendint64(&buf, ncells);
	for (int i = 0; i < st->nlabels; i++)
		for (int j = 0; j < st->nlabels; j++)
		{
			int64		n = *confusion_cell(st, i, j);

			if (n != 0)
			{
				pq_sendint32(&buf, i);
				pq_sendint32(&buf, j);
				pq_sendint64(&buf, n);
			}
		}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
learn_confusion_deserial(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	ConfusionState *st;
	int			nlabels;
	int64		ncells;

	agg_context(fcinfo, "learn_confusion_deserial");
	state_reader(&buf, PG_GETARG_BYTEA_PP(0), METRIC_KIND_CONFUSION, 4 + 8);
	st = confusion_create(CurrentMemoryContext);
	nlabels = pq_getmsgint(&buf, 4);
	if (nlabels < 0 || nlabels > METRIC_MAX_LABELS)
		invalid_state("The number of labels is out of range.");
	for (int i = 0; i < nlabels; i++)
	{
		int			len = pq_getmsgint(&buf, 4);

		if (len < 0 || len > buf.len - buf.cursor)
			invalid_state("A label's length is out of range.");
		if (confusion_label(st, buf.data + buf.cursor, len) != i)
			invalid_state("A label is repeated.");
		buf.cursor += len;
	}
	ncells = pq_getmsgint64(&buf);
	if (ncells < 0 || ncells > (int64) nlabels * nlabels ||
		buf.len - buf.cursor != ncells * 16)
		invalid_state("The number of cells does not match the state's length.");
	for (int64 k = 0; k < ncells; k++)
	{
		int			a = pq_getmsgint(&buf, 4);
		int			p = pq_getmsgint(&buf, 4);
		int64		n = pq_getmsgint64(&buf);
		int64	   *cell;

		if (a < 0 || a >= nlabels || p < 0 || p >= nlabels || n <= 0)
			invalid_state("A cell is out of range.");
		cell = confusion_cell(st, a, p);
		*cell = add_counts(*cell, n);
	}
	PG_RETURN_POINTER(st);
}

/* labels in byte order, shorter first where one is a prefix of the other */
static int
label_cmp(const void *x, const void *y, void *arg)
{
	const ConfLabel *labels = arg;
	const ConfLabel *a = &labels[*(const int *) x];
	const ConfLabel *b = &labels[*(const int *) y];
	int			r = memcmp(a->data, b->data, Min(a->len, b->len));

	if (r != 0)
		return r;
	return (a->len > b->len) - (a->len < b->len);
}

static void
push_string(JsonbParseState **ps, JsonbIteratorToken tok, const char *s, int len)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = len;
	pushJsonbValue(ps, tok, &v);
}

/*
 * {"labels": [...], "matrix": [[...], ...]}: every label seen on either
 * side in byte order, and matrix[i][j] the pairs of actual labels[i] and
 * predicted labels[j].
 */
Datum
learn_confusion_final(PG_FUNCTION_ARGS)
{
	ConfusionState *st = CURRENT_STATE(ConfusionState);
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	Numeric		zero = int64_to_numeric(0);
	int		   *order;
	int			L;

	if (st == NULL || st->nlabels == 0)
		PG_RETURN_NULL();
	L = st->nlabels;
	order = palloc(sizeof(int) * L);
	for (int i = 0; i < L; i++)
		order[i] = i;
	qsort_arg(order, L, sizeof(int), label_cmp, st->labels);

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	push_string(&ps, WJB_KEY, "labels", 6);
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < L; i++)
		push_string(&ps, WJB_ELEM, st->labels[order[i]].data, st->labels[order[i]].len);
	pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	push_string(&ps, WJB_KEY, "matrix", 6);
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < L; i++)
	{
		pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
		for (int j = 0; j < L; j++)
		{
			int64		n = *confusion_cell(st, order[i], order[j]);
			JsonbValue	v;

			v.type = jbvNumeric;
			v.val.numeric = n == 0 ? zero : int64_to_numeric(n);
			pushJsonbValue(&ps, WJB_ELEM, &v);
		}
		pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
		CHECK_FOR_INTERRUPTS();
	}
	pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	pfree(order);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}
