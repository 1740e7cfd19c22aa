/*-------------------------------------------------------------------------
 * state/rolling.c
 *	  The moving-aggregate state of learn.linreg: over a window frame that
 *	  slides (OVER (... ROWS BETWEEN 59 PRECEDING AND CURRENT ROW)) the rows
 *	  that enter the frame are folded into a QR factor and the rows that
 *	  leave it are taken out of it by a downdate, O(p^2) a row instead of a
 *	  refit of the whole frame.
 *
 * The state keeps the frame's rows in a ring (the window keeps them in its
 * tuplestore anyway), the upper triangular factor F of [X y] and the
 * factor G of [1 y], whose last element is the square root of the
 * centered total sum of squares that r2 needs.  (A constant column in F
 * would be exactly collinear with the 1 that x holds for an intercept, and
 * no downdate could go through it.)
 *
 * Removing a row is LINPACK's dchdd downdate (la_qr_downdate_row), mixed
 * stable: each one leaves F'F = X'X + E with |E| of the order of
 * eps |F_before|^2, where |F_before| may be much larger than the factor
 * after it.  Such an error in the Gram matrix moves the solution by up to
 * kappa^2 |E| / |F|^2 (relative; kappa the condition number of [X y], so
 * it bounds both the coefficients and the residual norm), where a fresh
 * QR fit errs by kappa eps.  So the state sums the error scales of its
 * downdates since it last refactored,
 *
 *		eta = (p + 1) eps sum |F_before|_F^2 / |F|_F^2,
 *
 * estimates kappa (LAPACK's dtrcon on F, O(p^2)) after every change, and
 * refactors F and G exactly from the ring (O(m p^2) for m rows) when
 *
 *		kappa^2 eta > ROLLING_DRIFT_TOL,
 *
 * when a downdate is impossible (the row held all the frame knew of some
 * direction: a rank-deficient frame), and anyway after as many downdates
 * as the frame holds rows, which keeps the cost amortized O(p^2) a row.
 * Between refactorings the results therefore differ from a fresh fit of
 * the frame by at most about ROLLING_DRIFT_TOL (relative, to first order)
 * beyond that fit's own error; ill-conditioned frames (kappa above about
 * sqrt(ROLLING_DRIFT_TOL / eta): a few thousand after one downdate, less
 * after many) are refactored at every row, which is a fresh fit.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <float.h>
#include <limits.h>
#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "numeric/linalg.h"
#include "state/lsq.h"
#include "state/trans.h"

PG_FUNCTION_INFO_V1(linreg_moving_trans);
PG_FUNCTION_INFO_V1(linreg_moving_inv);
PG_FUNCTION_INFO_V1(linreg_moving_final);

/* kappa^2 eta beyond which the state refactors (see above) */
#define ROLLING_DRIFT_TOL 1e-8

/* rows of the ring at first; it doubles when full */
#define ROLLING_FIRST_ROWS 64

typedef struct RollingState
{
	int			k;				/* elements of x; 0 until the first row */
	int			nx;				/* k + 1: the columns of F */
	int			cap;			/* rows the ring has room for */
	int			head;			/* the ring's oldest row */
	int			count;			/* rows in the frame (without NULLs) */
	double	   *rows;			/* cap rows of nx values: x, then y */
	double	   *F;				/* nx x nx: the factor of [X y] */
	double		G[4];			/* 2 x 2: the factor of [1 y] */
	double		drift_f;		/* sum of |F|_F^2 before each downdate
								 * since the last refactoring */
	double		drift_g;		/* the same for G */
	int			ndown;			/* downdates since the last refactoring */
	double	   *row;			/* nx: a row being folded */
	double	   *work;			/* 3 nx */
	int		   *iwork;			/* nx */
	MemoryContext mcxt;			/* where the state lives */
} RollingState;

/* Give the state its k elements of x. */
static void
rolling_size(RollingState *st, int k)
{
	if (k > LEARN_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("x may have at most %d elements, not %d", LEARN_MAX_FEATURES, k)));
	st->k = k;
	st->nx = k + 1;
	st->cap = ROLLING_FIRST_ROWS;
	st->rows = MemoryContextAlloc(st->mcxt, sizeof(double) * st->cap * st->nx);
	st->F = MemoryContextAllocZero(st->mcxt, sizeof(double) * st->nx * st->nx);
	st->row = MemoryContextAlloc(st->mcxt, sizeof(double) * st->nx);
	st->work = MemoryContextAlloc(st->mcxt, sizeof(double) * 3 * st->nx);
	st->iwork = MemoryContextAlloc(st->mcxt, sizeof(int) * st->nx);
}

/* |R|_F^2 of the upper triangular n x n R */
static double
frobenius2(const double *R, int n)
{
	double		s = 0.0;

	for (int j = 0; j < n; j++)
		for (int i = 0; i <= j; i++)
			s += R[i + j * n] * R[i + j * n];
	return s;
}

/* The squares of the frame's values overflow a double, as check_factor in
 * lsq.c says of the plain state. */
static void
check_rolling_factor(RollingState *st)
{
	for (int j = 0; j < st->nx; j++)
		if (!isfinite(st->F[j + j * st->nx]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the least-squares state overflowed in %s",
							j == st->k ? "the target" : psprintf("x[%d]", j + 1)),
					 errdetail("Sums of squares of the values exceed the range of float8 (about 1e308)."),
					 errhint("Rescale the values, e.g. divide them by a power of ten.")));
	if (!isfinite(st->G[3]))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the least-squares state overflowed in the target"),
				 errdetail("Sums of squares of the values exceed the range of float8 (about 1e308)."),
				 errhint("Rescale the values, e.g. divide them by a power of ten.")));
}

/* Fold one row (x, then y: nx values) into F and G. */
static void
fold(RollingState *st, const double *r)
{
	double		g[2] = {1.0, r[st->k]};

	memcpy(st->row, r, sizeof(double) * st->nx);
	la_qr_fold_row(st->nx, st->F, st->row);
	la_qr_fold_row(2, st->G, g);
}

static inline double *
ring_row(RollingState *st, int i)
{
	return st->rows + (size_t) ((st->head + i) % st->cap) * st->nx;
}

/* F and G made again from the rows of the frame. */
static void
refactor(RollingState *st)
{
	memset(st->F, 0, sizeof(double) * st->nx * st->nx);
	memset(st->G, 0, sizeof(st->G));
	for (int i = 0; i < st->count; i++)
		fold(st, ring_row(st, i));
	st->drift_f = st->drift_g = 0.0;
	st->ndown = 0;
	check_rolling_factor(st);
}

/*
 * Whether the downdates since the last refactoring may have cost R (n x
 * n) more accuracy than ROLLING_DRIFT_TOL: kappa^2 eta above it.
 */
static bool
drift_too_large(RollingState *st, const double *R, int n, double drift)
{
	double		f2;
	double		eta;
	double		rcond;

	if (drift == 0.0)
		return false;
	f2 = frobenius2(R, n);
	if (!(f2 > 0.0))
		return true;
	eta = n * DBL_EPSILON * drift / f2;
	rcond = la_tri_rcond(n, R, n, st->work, st->iwork);
	return !(eta <= ROLLING_DRIFT_TOL * rcond * rcond);
}

static void
check_accuracy(RollingState *st)
{
	if (drift_too_large(st, st->F, st->nx, st->drift_f) ||
		drift_too_large(st, st->G, 2, st->drift_g))
		refactor(st);
}

/* A row enters the frame. */
static void
rolling_add(RollingState *st, const double *x, double y)
{
	double	   *r;

	if (st->count == st->cap)
	{
		int			cap;
		double	   *rows;

		if (st->cap > INT_MAX / 2 ||
			(size_t) st->cap * 2 > MaxAllocHugeSize / (sizeof(double) * st->nx))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the window frame of learn.linreg holds too many rows")));
		cap = st->cap * 2;
		rows = MemoryContextAllocHuge(st->mcxt, sizeof(double) * (size_t) cap * st->nx);
		for (int i = 0; i < st->count; i++)
			memcpy(rows + (size_t) i * st->nx, ring_row(st, i), sizeof(double) * st->nx);
		pfree(st->rows);
		st->rows = rows;
		st->cap = cap;
		st->head = 0;
	}
	r = ring_row(st, st->count);
	memcpy(r, x, sizeof(double) * st->k);
	r[st->k] = y;
	st->count++;
	fold(st, r);
	check_rolling_factor(st);
	check_accuracy(st);
}

/* The oldest row leaves the frame. */
static void
rolling_remove(RollingState *st)
{
	double	   *r = ring_row(st, 0);
	double		g[2] = {1.0, r[st->k]};
	double		before_f;
	double		before_g;

	st->head = (st->head + 1) % st->cap;
	st->count--;
	if (st->count == 0)
	{
		refactor(st);
		return;
	}
	before_f = frobenius2(st->F, st->nx);
	before_g = frobenius2(st->G, 2);
	/* the row stays in the ring's memory until a later row takes its place */
	if (!la_qr_downdate_row(st->nx, st->F, r, st->work) ||
		!la_qr_downdate_row(2, st->G, g, st->work) ||
		++st->ndown >= st->count)
	{
		refactor(st);
		return;
	}
	st->drift_f += before_f;
	st->drift_g += before_g;
	check_accuracy(st);
}

/*
 * The row of arguments y (1) and x (2): false when it has a NULL (the row
 * is skipped, as learn.linreg skips it); an error when it is malformed.
 */
static bool
read_row(FunctionCallInfo fcinfo, RollingState *st, double *y, const double **x)
{
	ArrayType  *xa;
	int			k;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return false;
	xa = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array")));
	k = ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa));
	if (ARR_HASNULL(xa))
		return false;
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must have at least one element")));
	if (st->k == 0)
		rolling_size(st, k);
	else if (k != st->k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements, but earlier rows had %d", k, st->k)));
	*x = (const double *) ARR_DATA_PTR(xa);
	*y = PG_GETARG_FLOAT8(1);
	return true;
}

/* linreg_moving_trans(state internal, y float8, x float8[]) */
Datum
linreg_moving_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "linreg_moving_trans");
	RollingState *st = PG_ARGISNULL(0) ? NULL : (RollingState *) PG_GETARG_POINTER(0);
	const double *x;
	double		y;

	if (st == NULL)
	{
		st = MemoryContextAllocZero(aggcontext, sizeof(RollingState));
		st->mcxt = aggcontext;
	}
	if (!read_row(fcinfo, st, &y, &x))
		PG_RETURN_POINTER(st);
	for (int j = 0; j < st->k; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x[%d] is %s", j + 1, isnan(x[j]) ? "NaN" : "infinite")));
	check_response_weight(y, 1.0);
	rolling_add(st, x, y);
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_POINTER(st);
}

/*
 * linreg_moving_inv(state internal, y float8, x float8[]): the inverse
 * transition.  PostgreSQL removes the frame's rows in the order they
 * entered it, so the row is the ring's oldest; should it not be, NULL
 * makes PostgreSQL aggregate the frame again from its first row.
 */
Datum
linreg_moving_inv(PG_FUNCTION_ARGS)
{
	RollingState *st;
	const double *x;
	double		y;
	const double *r;

	agg_context(fcinfo, "linreg_moving_inv");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RollingState *) PG_GETARG_POINTER(0);
	if (!read_row(fcinfo, st, &y, &x))
		PG_RETURN_POINTER(st);
	if (st->count == 0)
		PG_RETURN_NULL();
	r = ring_row(st, 0);
	if (r[st->k] != y || memcmp(r, x, sizeof(double) * st->k) != 0)
		PG_RETURN_NULL();
	rolling_remove(st);
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_POINTER(st);
}

/*
 * linreg_moving_final(state internal): the learn.linreg result of the
 * frame, made from F and G without changing them (the window calls it for
 * every row).  NULL for a frame with fewer rows than elements of x, as
 * regr_slope gives NULL for fewer than two, and for a frame whose x is
 * all zeros.
 */
Datum
linreg_moving_final(PG_FUNCTION_ARGS)
{
	RollingState *st;
	LinearState *ls;
	LinearFit  *fit;
	int		   *cols;
	int			nc;
	const char *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RollingState *) PG_GETARG_POINTER(0);
	if (st->k == 0 || st->count == 0 || st->count < st->k)
		PG_RETURN_NULL();

	/* a plain state of columns [0, X, y] whose factor is F */
	ls = linear_state_create(st->k, LINEAR_FAMILY_LINREG, 0);
	nc = ls->ncols;
	for (int j = 0; j < st->nx; j++)
		for (int i = 0; i <= j; i++)
			ls->R[(i + 1) + (j + 1) * nc] = st->F[i + j * st->nx];
	ls->n = st->count;
	ls->sum_w = st->count;
	cols = palloc(sizeof(int) * st->k);
	for (int j = 0; j < st->k; j++)
		cols[j] = j + 1;
	fit = linear_fit_given_total(ls, cols, st->k, false, fabs(st->G[3]), &reason);
	if (fit == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(linear_fit_linreg_result(fcinfo, fit, st->k));
}
