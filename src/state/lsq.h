/*-------------------------------------------------------------------------
 * state/lsq.h
 *	  The one-pass weighted least-squares state and the fit made from it,
 *	  shared by the families that solve least-squares problems.
 *
 * State columns: 0 is the constant (sqrt(w)), 1..k the features, k+1 the
 * response, every row scaled by sqrt(w).  The state keeps the upper
 * triangular factor R of that matrix (R'R = [1 X y]'W[1 X y]), so any
 * column subset, with or without intercept, is solved from it later.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_STATE_LSQ_H
#define PG_LEARN_STATE_LSQ_H

#include "pg_learn.h"

/* First byte of a serialized linear state; bump when the layout changes. */
#define LINEAR_STATE_VERSION 2

/*
 * What made a state: learn.linear_partial (features without the constant)
 * or learn.linreg_partial (x as given).  States of different kinds never
 * merge.  0: not yet known (an empty state that only receives merges).
 * (This tags the aggregate that made the state, not a model family of
 * family.h.)
 */
#define LINEAR_FAMILY_LINEAR 'L'
#define LINEAR_FAMILY_LINREG 'R'

/*
 * A state of learn.linear_partial whose categorical features have an open
 * encoding (state/trans.h): it finds their levels in its rows, in the
 * order they come, and gives each a column when first seen.  Its columns
 * are [1, the numbers, y, the levels as found]; linear_state_close turns
 * it into the LINEAR_FAMILY_LINEAR state of the levels in their order.
 * It is never solved, stored or named as it is.
 */
#define LINEAR_FAMILY_OPEN 'O'

/*
 * The state of learn.linear_partial called with group keys (an encoding
 * that begins with "G" elements, state/groups.h): a LINEAR_FAMILY_LINEAR
 * state per group, in groups.  Its final value is the groups' keys and
 * states (group_table_result after the version and this byte), for the
 * training alone: no function reads it as a state.
 */
#define LINEAR_FAMILY_GROUPS 'G'

typedef struct LinearState
{
	char		family;			/* LINEAR_FAMILY_*, or 0 */
	uint64		signature;		/* hash of the feature names; 0 when the
								 * state was made without names */
	int			ncols;			/* 1 + k + 1 */
	int64		n;				/* rows folded (positive weight) */
	int64		n_skipped;		/* rows with a NULL value */
	int64		n_zero_weight;	/* rows with weight 0: neither */
	double		sum_w;			/* sum of the weights of folded rows */
	double		sum_log_w;		/* sum of their logs (log-likelihood) */
	bool		no_log_w;		/* the weights are working weights of a
								 * pass (irls.c): skip their logs */
	double	   *R;				/* ncols x ncols upper triangular */
	int			nbuf;			/* rows waiting in buf */
	int			bufcap;
	bool		small_buffer;	/* a group's state in a table of groups:
								 * a narrow state's buffer keeps its first
								 * size, whatever its rows */
	double	   *buf;			/* bufcap x ncols, column-major; NULL until
								 * the first row */
	double	   *work;			/* QR workspace; NULL until needed */
	struct CellTable *cells;	/* rows gathered by their levels (lsq.c);
								 * NULL: rows fold directly */
	bool		level_terms;	/* a categorical feature has a column per
								 * level: errors name columns as terms */
	struct OpenLevels *open;	/* LINEAR_FAMILY_OPEN: its levels (lsq.c) */
	struct GroupTable *groups;	/* LINEAR_FAMILY_GROUPS: the groups' states */
	MemoryContext mcxt;			/* where the state lives */
} LinearState;

extern LinearState *linear_state_create(int k, char family, uint64 signature);

/*
 * NULL when b is a state of linear.c's training aggregate with these k
 * term names (or a state that saw no row) that counted n_rows rows and
 * n_skipped skipped ones, else what is wrong with it.
 */
extern const char *linear_state_problem(bytea *b, const char *const *names, int k,
										int64 n_rows, int64 n_skipped);

/* The signature of a list of feature names (never 0). */
extern uint64 linear_signature(const char *const *names, int n);
extern void linear_state_add(LinearState *st, const double *x, double y,
							 double w);
extern void linear_state_add_row(LinearState *st, const double *row);

/*
 * Categorical features: gather rows by their combination of levels
 * (nblocks categorical features whose first level is state column
 * block_col[b]; nnum numbers at columns num_col[j]), when it pays.  Rows
 * then come by linear_state_add_cells (when st->cells is set): each
 * block's level, and the numbers.
 */
extern void linear_state_set_cells(LinearState *st, int nblocks, const int *block_col,
								   int nnum, const int *num_col);
extern void linear_state_add_cells(LinearState *st, const int *levels, const double *xnum,
								   double y, double w);
extern void linear_state_flush(LinearState *st);

/*
 * Add a row to an open state (linear_state_create_open): the index of
 * each categorical feature's level (linear_state_open_level), the
 * numbers.  Gathered in cells while they pay.
 */
extern void linear_state_add_open(LinearState *st, const int *levels, const double *xnum,
								  double y, double w);

/*
 * An open state (LINEAR_FAMILY_OPEN) of nargs feature arguments, the
 * categorical ones marked in categorical[], at most max_levels levels to a
 * feature.
 */
extern LinearState *linear_state_create_open(int nargs, const bool *categorical,
											 int max_levels);

/*
 * The index of the level of the b-th categorical feature with this text,
 * a new one when first seen; -1 once the state has more levels than it
 * may (more than max_levels to a feature, or more columns than a state
 * has): it then stops, and says so (linear_state_open_levels).
 */
extern int	linear_state_open_level(LinearState *st, int b, const char *s, int len);

/*
 * An open state's levels: for each categorical feature the List of its
 * levels' texts as they came (char *); NIL when the state stopped.
 */
extern List *linear_state_open_levels(LinearState *st);

/* A serialized open state; an error for a state of another kind. */
extern LinearState *linear_state_deserialize_open(bytea *state);

/*
 * The LINEAR_FAMILY_LINEAR state of an open one, with the levels of its
 * b-th categorical feature in the order order[b] (indexes of the levels
 * as found), signed with signature: the state the same rows make with the
 * levels given in that order.
 */
extern LinearState *linear_state_close(LinearState *st, int *const *order,
									   uint64 signature);
extern void linear_state_merge(LinearState *dst, LinearState *src);
extern bytea *linear_state_serialize(LinearState *st);
extern LinearState *linear_state_deserialize(bytea *b);

/* Result of solving a state for one column subset. */
typedef struct LinearFit
{
	int			p;				/* model terms */
	int			rank;
	bool		intercept;		/* first term is state column 0 */
	bool	   *aliased;		/* p */
	double	   *coef;			/* p, NaN when aliased */
	double	   *std_error;
	double	   *statistic;
	double	   *p_value;
	double	   *rinv;			/* rank x rank R^-1 of the kept terms, upper */
	int64		n;
	double		df_resid;
	double		r2;
	double		adj_r2;
	double		sigma;
	double		rmse;
	double		f_statistic;	/* NaN when there is no slope */
	double		f_p_value;
	double		log_likelihood;
	double		aic;
	double		bic;
	double		condition_number;	/* sigma_max/sigma_min of sqrt(W)X */
} LinearFit;

/*
 * Solve the state for the terms cols[0..p-1] (state column indices).
 * centered_tss: measure r2 against the weighted mean of y (as with an
 * intercept) rather than against zero.  Returns NULL when the fit is
 * impossible, with the reason in *reason.
 */
extern LinearFit *linear_fit(LinearState *st, const int *cols, int p,
							 bool intercept, bool centered_tss,
							 const char **reason);

/*
 * linear_fit's solve alone: the coefficients, which terms are aliased, the
 * rank, R^-1, sigma and the standard errors; the t tests, r2, the F test,
 * the log-likelihood and the condition number are NaN.  An IRLS step,
 * whose statistics the family makes itself (about 5% of a grouped GLM's
 * training went to those of every step).
 */
extern LinearFit *linear_fit_solve(LinearState *st, const int *cols, int p,
								   bool intercept, const char **reason);

/*
 * linear_fit with r2 measured against the total norm tnorm (the square
 * root of the total sum of squares) made elsewhere: the moving state of
 * learn.linreg (rolling.c) keeps it in a factor of its own.
 */
extern LinearFit *linear_fit_given_total(LinearState *st, const int *cols, int p,
										 bool intercept, double tnorm,
										 const char **reason);

/*
 * The learn.linreg_result of a fit of the k elements of x (fcinfo: the
 * final function's, whose result type it is).
 */
extern Datum linear_fit_linreg_result(FunctionCallInfo fcinfo, const LinearFit *fit, int k);

/*
 * A copy of a fit in the current memory context, in one allocation: what
 * the robust pass and the stored terms need (not the fit's temporaries).
 */
extern LinearFit *linear_fit_copy(const LinearFit *fit);

/*
 * Replace the standard errors of a fit by sandwich (Huber-White) ones:
 * meat is the (k+1) x (k+1) matrix sum (w e)^2 x x' over state columns
 * 0..k; hc1 applies the n / (n - rank) correction.
 */
extern void linear_fit_robust(LinearFit *fit, const int *cols,
							  const double *meat, int meat_n, bool hc1);

#endif							/* PG_LEARN_STATE_LSQ_H */
