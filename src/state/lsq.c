/*-------------------------------------------------------------------------
 * state/lsq.c
 *	  The weighted least-squares state that families share: the tall-skinny
 *	  QR aggregate state (transition, combine, serialize, deserialize,
 *	  final, named and tagged), the solve that turns a state into
 *	  coefficients, standard errors and metrics, the Huber-White "meat"
 *	  aggregate, and the MADlib-compatible learn.linreg aggregate.
 *
 * No model family lives here: the linear family (models/linear.c) solves
 * these states, and so will every IRLS iteration of the GLMs.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "args.h"
#include "state/lsq.h"
#include "numeric/distributions.h"
#include "numeric/linalg.h"
#include "passparam.h"
#include "state/groups.h"
#include "state/trans.h"

PG_FUNCTION_INFO_V1(linear_trans);
PG_FUNCTION_INFO_V1(linear_named_trans);
PG_FUNCTION_INFO_V1(linreg_trans);
PG_FUNCTION_INFO_V1(linear_combine);
PG_FUNCTION_INFO_V1(linear_serial);
PG_FUNCTION_INFO_V1(linear_deserial);
PG_FUNCTION_INFO_V1(linear_merge_trans);
PG_FUNCTION_INFO_V1(linear_final_state);
PG_FUNCTION_INFO_V1(linear_stamp);
PG_FUNCTION_INFO_V1(linreg_final);
PG_FUNCTION_INFO_V1(linear_state_version);
PG_FUNCTION_INFO_V1(meat_trans);
PG_FUNCTION_INFO_V1(meat_pass_trans);
PG_FUNCTION_INFO_V1(meat_combine);
PG_FUNCTION_INFO_V1(meat_serial);
PG_FUNCTION_INFO_V1(meat_deserial);
PG_FUNCTION_INFO_V1(meat_final);
PG_FUNCTION_INFO_V1(meat_groups_trans);
PG_FUNCTION_INFO_V1(meat_groups_final);

/* ---------------------------------------------------------------------
 * The state
 * ---------------------------------------------------------------------
 */

/* Give an unsized state (ncols = 0) its k features. */
static void
linear_state_size(LinearState *st, int k)
{
	if (k < 1 || k > LEARN_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a linear model takes between 1 and %d features, not %d",
						LEARN_MAX_FEATURES, k)));
	st->ncols = k + 2;
	st->R = MemoryContextAllocZero(st->mcxt, sizeof(double) * st->ncols * st->ncols);
	st->bufcap = LEARN_FIRST_BLOCK_ROWS;
}

/* The row buffer (with_buffer) or the QR workspace, made when first
 * needed: states that only get merged (deserialized partial states) never
 * need a buffer, and small states, whose blocks la_qr_fold_small folds, no
 * workspace. */
static void
linear_state_workspace(LinearState *st, bool with_buffer)
{
	if (with_buffer)
	{
		if (st->buf == NULL)
			st->buf = MemoryContextAlloc(st->mcxt, sizeof(double) * st->bufcap * st->ncols);
	}
	else if (st->work == NULL)
		st->work = MemoryContextAlloc(st->mcxt, sizeof(double) * la_qr_work_size(st->ncols));
}

/*
 * A state for k features; k < 0 leaves it unsized until the first row.
 * family and signature say what made it (see LinearState).
 */
LinearState *
linear_state_create(int k, char family, uint64 signature)
{
	LinearState *st = palloc0(sizeof(LinearState));

	st->mcxt = CurrentMemoryContext;
	st->family = family;
	st->signature = signature;
	if (k >= 0)
		linear_state_size(st, k);
	return st;
}

uint64
linear_signature(const char *const *names, int n)
{
	uint64		h = 0;

	for (int i = 0; i < n; i++)
	{
		/* the terminating NUL separates the names */
		h = hash_bytes_extended((const unsigned char *) names[i], strlen(names[i]) + 1,
								h);
	}
	return h == 0 ? 1 : h;
}

/*
 * An open state's levels (LINEAR_FAMILY_OPEN): its columns are [1, the
 * numbers, y], then a column for each level as it is first seen.
 */
typedef struct OpenLevels
{
	int			nargs;			/* feature arguments */
	int		   *block;			/* of each: its categorical feature (0 the
								 * first), or -1 for a number */
	int			nblocks;
	int			nnum;
	int			max_levels;		/* to one categorical feature */
	LevelTable **levels;		/* of each categorical feature */
	int		  **col;			/* its levels' state columns */
	int		   *colcap;
	int			ncols;			/* the columns of the levels found; R has
								 * them after the next flush */
	bool		stopped;		/* too many levels: nothing more is added */
} OpenLevels;

/* The state column of the response. */
static inline int
linear_target_col(const LinearState *st)
{
	return st->open ? st->open->nnum + 1 : st->ncols - 1;
}

/* The feature argument (1 the first) of an open state's column j. */
static int
open_feature_of(const OpenLevels *ol, int j)
{
	int			u = 0;

	if (ol->stopped)
		return 0;				/* its last level has no column */

	for (int a = 0; a < ol->nargs; a++)
	{
		int			b = ol->block[a];

		if (b < 0 && ++u == j)
			return a + 1;
		for (int i = 0; b >= 0 && i < levels_count(ol->levels[b]); i++)
			if (ol->col[b][i] == j)
				return a + 1;
	}
	return 0;
}

/*
 * A factor with an infinite or NaN entry: the data's squares overflow a
 * double (values near 1e154 and beyond).  The diagonal is enough to look
 * at, as every entry of a column feeds its diagonal; it also says which
 * column overflowed.
 */
static void
check_factor(LinearState *st)
{
	for (int j = 0; j < st->ncols; j++)
		if (!isfinite(st->R[j + j * st->ncols]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 j == 0 ? errmsg("the least-squares state overflowed in the weights") :
					 j == linear_target_col(st) ?
					 errmsg("the least-squares state overflowed in the target") :
					 st->open ?
					 errmsg("the least-squares state overflowed in feature %d",
							open_feature_of(st->open, j)) :
					 st->level_terms ?
					 errmsg("the least-squares state overflowed in term %d", j) :
					 errmsg("the least-squares state overflowed in feature %d", j),
					 errdetail("Sums of squares of the values exceed the range of float8 (about 1e308)."),
					 errhint("Rescale the values, e.g. divide them by a power of ten.")));
}

static void
check_weight_sum(double sum_w)
{
	if (!isfinite(sum_w))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("the sum of the weights overflowed"),
				 errdetail("The weights add up to more than the range of float8 (about 1e308)."),
				 errhint("Rescale the weights: only their ratios matter to the estimates.")));
}

/*
 * A row of weight w > 0 enters the state scaled by sqrt(w), its log
 * counted for the likelihood (row_weight; log_weight alone for a row that
 * enters a cell, which takes w itself), and is counted (count_row).
 */
static inline void
log_weight(LinearState *st, double w)
{
	if (w != 1.0 && !st->no_log_w)
		st->sum_log_w += log(w);
}

static inline double
row_weight(LinearState *st, double w)
{
	log_weight(st, w);
	return w == 1.0 ? 1.0 : sqrt(w);
}

static inline void
count_row(LinearState *st, double w)
{
	st->n++;
	st->sum_w += w;
	if (unlikely(!isfinite(st->sum_w)))
		check_weight_sum(st->sum_w);
}

/*
 * Fold the m rows B (leading dimension ldb) into the n x n factor R: a few
 * narrow ones without BLAS, else with it (*work: la_qr_work_size(n), made
 * in mcxt at the first need).
 */
static void
fold_rows(int n, double *R, double *B, int m, int ldb, double **work, MemoryContext mcxt)
{
	if (m <= LA_FOLD_SMALL_ROWS && n <= LA_FOLD_BLOCKED_MIN)
		la_qr_fold_small(n, R, B, m, ldb);
	else
	{
		int			info;

		if (*work == NULL)
			*work = MemoryContextAlloc(mcxt, sizeof(double) * la_qr_work_size(n));
		info = la_qr_fold(n, R, B, m, ldb, *work);
		if (info != 0)
			elog(ERROR, "QR fold failed: info %d", info);
	}
}

/* Fold the buffered rows into R. */
static void
flush_buffer(LinearState *st)
{
	if (st->nbuf == 0)
		return;
	fold_rows(st->ncols, st->R, st->buf, st->nbuf, st->bufcap, &st->work, st->mcxt);
	st->nbuf = 0;
	check_factor(st);
	/*
	 * Grow the block geometrically once the state has many rows (the
	 * states of small groups keep a small buffer), or at once for a wide
	 * state, which la_qr_fold_small never folds.  A narrow state in a
	 * table of groups keeps its small buffer: folding 8 rows at a time
	 * costs it about the same per row, and a table of a thousand groups
	 * of many rows would otherwise hold a 256-row block for each (10 kB
	 * at 3 features: more than hash_mem, and the pass read again with
	 * GROUP BY).
	 */
	if (st->bufcap < LEARN_FOLD_ROWS &&
		((st->n >= LEARN_SMALL_STATE_ROWS && !st->small_buffer) ||
		 st->ncols > LA_FOLD_BLOCKED_MIN))
	{
		st->bufcap = Min(st->bufcap * 2, LEARN_FOLD_ROWS);
		pfree(st->buf);
		st->buf = MemoryContextAlloc(st->mcxt, sizeof(double) * st->bufcap * st->ncols);
	}
}

/* ---------------------------------------------------------------------
 * Cells: the rows of a state with categorical features, gathered by their
 * levels.
 *
 * A row of levels (a_1, ..., a_m) and numbers x has the state row
 * [1, e_a1, ..., e_am, x, y] (e_a: the indicators of level a), which is
 * mostly zeros and, folded into R, costs ncols^2 like any row.  All rows of
 * one combination of levels (a cell) share their indicator columns, so the
 * sum of squares of a cell's rows, weights w_i, is
 *
 *	 W [1, c', m'][1, c', m']' + [0, 0; 0, S]
 *
 * with W the weight of its rows, c its constant indicator row, m the
 * weighted mean of their [x, y] and S = sum w_i ([x, y]_i - m)(...)' their
 * scatter about it.  A cell keeps W and m only; each row's share of S goes
 * into one factor Rw of the scatters of all cells (their sum, nq = nnum + 1
 * columns), as the updating formula of the weighted mean gives it
 * (Welford's, in factor form): a row of weight w joining a cell of weight W
 * and mean m adds the row sqrt(W w / (W + w)) ([x, y] - m) to Rw and moves
 * m by w / (W + w) of the difference (from the heavier side: see
 * linear_state_add_cells).  So a row costs a lookup, a few
 * multiplications and a row appended to Rw's block, folded many rows at a
 * time, and a cell is a few cache lines.  Flushing the table folds each
 * cell's row sqrt(W) [1, c', m'] into the big factor, then Rw's rows (in
 * the numbers' and y's columns): R'R gets exactly the sum of squares of the
 * rows.  Cells are flushed when their table is full, and before the state
 * is solved, merged or serialized.
 * ---------------------------------------------------------------------
 */

#define CELL_FIRST_SLOTS 16		/* a table's first size: a power of two */
/*
 * The cells a state keeps before a flush take about this many bytes with
 * their slots (21,000 cells of 3 levels and 2 numbers, 15,000 of 2 levels
 * and 8 numbers).  A flush folds a row into R for each cell, and a cell
 * seen again after it starts anew, so a table too small for the
 * combinations the rows have flushes over and over: 8,000 combinations of
 * 3 text columns trained 4 times slower in 4,096 cells.
 */
#define CELL_MEMORY (2 * 1024 * 1024)

/* A cell: its levels and mean in one allocation with it. */
typedef struct Cell
{
	double		w;				/* the weight of its rows */
	int		   *levels;			/* one per block */
	double	   *mean;			/* nq: the weighted mean of their [x, y] */
} Cell;

/* A slot of the table: the cell's hash beside it, compared first. */
typedef struct CellSlot
{
	uint32		hash;
	Cell	   *cell;			/* NULL: empty */
} CellSlot;

struct CellTable
{
	int			nblocks;
	int		   *block_col;		/* each block's first state column */
	int			nnum;
	int		   *num_map;		/* the state columns of [x, y]: each
								 * number's, then y's */
	int		  **level_col;		/* of an open state: each block's levels'
								 * columns (OpenLevels.col); NULL: level
								 * i of block b is column block_col[b] + i */
	int			nq;				/* nnum + 1 */
	int			ncells;
	int			max_cells;		/* before a flush: about CELL_MEMORY of
								 * them */
	bool		direct;			/* an open state's rows no longer gather:
								 * its levels are too few for cells to pay
								 * (linear_state_add_open) */
	int			nslots;			/* a power of two, at least 2 ncells */
	CellSlot   *slots;
	MemoryContext mcxt;			/* the cells: reset by each flush */
	double	   *row;			/* ncols: a flushed row */
	double	   *Rw;				/* nq x nq: the factor of the cells'
								 * scatters */
	double	   *wbuf;			/* wcap x nq, column-major: rows of Rw
								 * waiting */
	int			nw;
	int			wcap;
	int64		wrows;			/* rows folded into Rw */
	double	   *work;			/* la_qr_work_size(nq), or NULL */
};

void
linear_state_set_cells(LinearState *st, int nblocks, const int *block_col, int nnum,
					   const int *num_col)
{
	struct CellTable *ct;
	int			cell_size;

	/* worth it only when the indicators are most of the columns */
	if (nblocks == 0 || (st->ncols < 2 * (nnum + 2) && st->open == NULL))
		return;
	ct = MemoryContextAllocZero(st->mcxt, sizeof(struct CellTable));
	ct->nblocks = nblocks;
	ct->block_col = MemoryContextAlloc(st->mcxt, sizeof(int) * nblocks);
	memcpy(ct->block_col, block_col, sizeof(int) * nblocks);
	ct->nnum = nnum;
	ct->num_map = MemoryContextAlloc(st->mcxt, sizeof(int) * (nnum + 1));
	memcpy(ct->num_map, num_col, sizeof(int) * nnum);
	ct->num_map[nnum] = linear_target_col(st);
	ct->nq = nnum + 1;
	cell_size = MAXALIGN(sizeof(Cell)) + MAXALIGN(sizeof(int) * nblocks) +
		sizeof(double) * ct->nq + 2 * sizeof(CellSlot);
	ct->max_cells = Max(64, CELL_MEMORY / cell_size);
	ct->nslots = CELL_FIRST_SLOTS;
	ct->slots = MemoryContextAllocZero(st->mcxt, sizeof(CellSlot) * ct->nslots);
	ct->mcxt = AllocSetContextCreate(st->mcxt, "pg_learn cells", ALLOCSET_SMALL_SIZES);
	ct->row = MemoryContextAlloc(st->mcxt, sizeof(double) * st->ncols);
	ct->Rw = MemoryContextAllocZero(st->mcxt, sizeof(double) * ct->nq * ct->nq);
	ct->wcap = LEARN_FIRST_BLOCK_ROWS;
	ct->wbuf = MemoryContextAlloc(st->mcxt, sizeof(double) * ct->wcap * ct->nq);
	st->cells = ct;
}

/* Fold one whole row (scaled) into the state, counting nothing. */
static void
fold_raw(LinearState *st, const double *row)
{
	if (st->buf == NULL && st->n < LEARN_ROW_FOLD_ROWS && st->ncols <= LA_FOLD_BLOCKED_MIN)
	{
		double		one[LA_FOLD_BLOCKED_MIN];

		memcpy(one, row, sizeof(double) * st->ncols);
		la_qr_fold_row(st->ncols, st->R, one);
		check_factor(st);
		return;
	}
	if (unlikely(st->buf == NULL))
		linear_state_workspace(st, true);
	for (int j = 0; j < st->ncols; j++)
		st->buf[st->nbuf + (size_t) j * st->bufcap] = row[j];
	if (++st->nbuf == st->bufcap)
		flush_buffer(st);
}

/* Double the table of cells. */
static void
grow_cells(LinearState *st)
{
	struct CellTable *ct = st->cells;
	int			n = ct->nslots * 2;
	CellSlot   *slots = MemoryContextAllocZero(st->mcxt, sizeof(CellSlot) * n);

	for (int i = 0; i < ct->nslots; i++)
	{
		uint32		h;

		if (ct->slots[i].cell == NULL)
			continue;
		for (h = ct->slots[i].hash; slots[h & (n - 1)].cell != NULL; h++)
			;
		slots[h & (n - 1)] = ct->slots[i];
	}
	pfree(ct->slots);
	ct->slots = slots;
	ct->nslots = n;
}

/*
 * Fold the rows waiting for Rw into it.  Its block grows as the state's
 * own does (flush_buffer): to LEARN_FOLD_ROWS rows once many rows came,
 * unless the state is one of many groups.  Returns whether Rw is finite.
 */
static bool
cells_fold(LinearState *st)
{
	struct CellTable *ct = st->cells;
	int			nq = ct->nq;

	if (ct->nw == 0)
		return true;
	fold_rows(nq, ct->Rw, ct->wbuf, ct->nw, ct->wcap, &ct->work, st->mcxt);
	ct->wrows += ct->nw;
	ct->nw = 0;
	if (ct->wcap < LEARN_FOLD_ROWS && ct->wrows >= LEARN_SMALL_STATE_ROWS &&
		!st->small_buffer)
	{
		ct->wcap = Min(ct->wcap * 2, LEARN_FOLD_ROWS);
		pfree(ct->wbuf);
		ct->wbuf = MemoryContextAlloc(st->mcxt, sizeof(double) * ct->wcap * nq);
	}
	for (int j = 0; j < nq; j++)
		if (!isfinite(ct->Rw[j + (size_t) j * nq]))
			return false;
	return true;
}

/*
 * Fold the rows of the upper triangular R (n x n) into st, R's column j as
 * st's column map[j]: st then also holds the rows R stands for, their
 * columns moved (a zero column where no column of R goes).  Zero rows are
 * left out.
 */
static void
fold_mapped(LinearState *st, int n, const double *R, const int *map)
{
	double	   *row = palloc(sizeof(double) * st->ncols);

	for (int r = 0; r < n; r++)
	{
		bool		zero = true;

		memset(row, 0, sizeof(double) * st->ncols);
		for (int j = r; j < n; j++)
		{
			double		v = R[r + (size_t) j * n];

			row[map[j]] = v;
			zero = zero && v == 0.0;
		}
		if (!zero)
			fold_raw(st, row);
		CHECK_FOR_INTERRUPTS();
	}
	pfree(row);
}

/*
 * Give an open state's R the columns of the levels found since the last
 * flush: each new column, zero in every row so far, is a zero column and
 * row appended to R, which stays triangular.
 */
static void
open_grow(LinearState *st)
{
	int			n = st->open->ncols;
	int			old = st->ncols;
	double	   *R;

	if (n == old)
		return;
	flush_buffer(st);			/* its rows are of the old width */
	R = MemoryContextAllocZero(st->mcxt, sizeof(double) * n * n);
	for (int j = 0; j < old; j++)
		memcpy(R + (size_t) j * n, st->R + (size_t) j * old, sizeof(double) * (j + 1));
	pfree(st->R);
	st->R = R;
	if (st->buf)
		pfree(st->buf);
	st->buf = NULL;
	st->nbuf = 0;
	if (st->work)
		pfree(st->work);
	st->work = NULL;
	st->ncols = n;
	if (st->cells)
	{
		pfree(st->cells->row);
		st->cells->row = MemoryContextAlloc(st->mcxt, sizeof(double) * n);
	}
}

/*
 * Fold every cell into R and empty the table: each cell's row
 * sqrt(W) [1, c', m'] (the constant, its indicators and its mean), then
 * the nq rows of Rw, the cells' scatters, in the numbers' and y's columns.
 * R takes one row of each cell and nq more: at 100 columns of levels,
 * folding every row of every cell's own factor had been most of the time
 * of a flush.
 */
static void
flush_cells(LinearState *st)
{
	struct CellTable *ct = st->cells;
	int			nq = ct->nq;

	if (ct->ncells == 0)
		return;
	if (st->open)
		open_grow(st);
	for (int h = 0; h < ct->nslots; h++)
	{
		Cell	   *c = ct->slots[h].cell;
		double		sw;

		if (c == NULL)
			continue;
		sw = sqrt(c->w);
		memset(ct->row, 0, sizeof(double) * st->ncols);
		ct->row[0] = sw;
		for (int b = 0; b < ct->nblocks; b++)
			ct->row[ct->level_col ? ct->level_col[b][c->levels[b]] :
					ct->block_col[b] + c->levels[b]] = sw;
		for (int j = 0; j < nq; j++)
			ct->row[ct->num_map[j]] = sw * c->mean[j];
		fold_raw(st, ct->row);
		ct->slots[h].cell = NULL;
		CHECK_FOR_INTERRUPTS();
	}
	cells_fold(st);
	fold_mapped(st, nq, ct->Rw, ct->num_map);
	memset(ct->Rw, 0, sizeof(double) * nq * nq);
	ct->ncells = 0;
	MemoryContextReset(ct->mcxt);

	/*
	 * An open state gathers its rows from the start, before it knows its
	 * levels; once they are not most of its columns (the rule of
	 * linear_state_set_cells), its rows go to R directly.
	 */
	if (st->open && st->open->ncols < 2 * (nq + 1))
		ct->direct = true;
}

/* a few ints: a loop, not a call of memcmp */
static inline bool
same_levels(const int *a, const int *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

void
linear_state_add_cells(LinearState *st, const int *levels, const double *xnum,
					   double y, double w)
{
	struct CellTable *ct = st->cells;
	uint32		hash = 0;
	uint32		h;
	Cell	   *c;

	if (w == 0.0)
	{
		st->n_zero_weight++;
		return;
	}
	for (int b = 0; b < ct->nblocks; b++)
		hash = hash_combine(hash, murmurhash32((uint32) levels[b]));
	for (h = hash;; h++)
	{
		CellSlot   *sl = &ct->slots[h & (ct->nslots - 1)];

		c = sl->cell;
		if (c == NULL)
			break;
		if (sl->hash == hash && same_levels(c->levels, levels, ct->nblocks))
			break;
	}
	log_weight(st, w);
	if (c == NULL)
	{
		Size		lsize = MAXALIGN(sizeof(int) * ct->nblocks);

		if (ct->ncells == ct->max_cells)
			flush_cells(st);
		if (2 * (ct->ncells + 1) > ct->nslots)
			grow_cells(st);
		for (h = hash; ct->slots[h & (ct->nslots - 1)].cell != NULL; h++)
			;
		c = MemoryContextAlloc(ct->mcxt, MAXALIGN(sizeof(Cell)) + lsize +
							   sizeof(double) * ct->nq);
		c->levels = (int *) ((char *) c + MAXALIGN(sizeof(Cell)));
		memcpy(c->levels, levels, sizeof(int) * ct->nblocks);
		c->mean = (double *) ((char *) c->levels + lsize);
		/* its first row: the mean, no scatter */
		c->w = w;
		memcpy(c->mean, xnum, sizeof(double) * ct->nnum);
		c->mean[ct->nnum] = y;
		ct->slots[h & (ct->nslots - 1)].hash = hash;
		ct->slots[h & (ct->nslots - 1)].cell = c;
		ct->ncells++;
	}
	else
	{
		double		wsum = c->w + w;
		double		r = w / wsum;
		double		f = sqrt(c->w * r);
		double	   *dst = ct->wbuf + ct->nw;

		/*
		 * The row's share of the scatter, and the mean moved from the
		 * heavier side: a row that outweighs the cell's rows so far takes
		 * the mean from its own values (x - W / (W + w) d), so that a mean
		 * of a few light rows far away (an IRLS row's tiny working weight
		 * and huge working response) does not round the row's values away.
		 */
		if (r <= 0.5)
		{
			for (int j = 0; j < ct->nq; j++)
			{
				double		d = (j < ct->nnum ? xnum[j] : y) - c->mean[j];

				dst[(size_t) j * ct->wcap] = f * d;
				c->mean[j] += r * d;
			}
		}
		else
		{
			double		rc = c->w / wsum;

			for (int j = 0; j < ct->nq; j++)
			{
				double		v = j < ct->nnum ? xnum[j] : y;
				double		d = v - c->mean[j];

				dst[(size_t) j * ct->wcap] = f * d;
				c->mean[j] = v - rc * d;
			}
		}
		c->w = wsum;
		if (++ct->nw == ct->wcap && unlikely(!cells_fold(st)))
		{
			/* the big factor says which column */
			flush_cells(st);
			flush_buffer(st);
			check_factor(st);
		}
	}
	count_row(st, w);
}

void
linear_state_add_open(LinearState *st, const int *levels, const double *xnum, double y,
					  double w)
{
	OpenLevels *ol = st->open;
	double	   *row;
	double		sw;

	if (!st->cells->direct)
	{
		linear_state_add_cells(st, levels, xnum, y, w);
		return;
	}
	if (w == 0.0)
	{
		st->n_zero_weight++;
		return;
	}
	open_grow(st);
	row = st->cells->row;		/* ncols, free outside flush_cells */
	sw = row_weight(st, w);
	memset(row, 0, sizeof(double) * st->ncols);
	row[0] = sw;
	for (int j = 0; j < ol->nnum; j++)
		row[j + 1] = sw * xnum[j];
	row[ol->nnum + 1] = sw * y;
	for (int b = 0; b < ol->nblocks; b++)
		row[ol->col[b][levels[b]]] = sw;
	fold_raw(st, row);
	count_row(st, w);
}

void
linear_state_flush(LinearState *st)
{
	if (st->cells)
		flush_cells(st);
	flush_buffer(st);
}

/* ---------------------------------------------------------------------
 * Open states: the levels found in the rows
 * ---------------------------------------------------------------------
 */

/*
 * Make st an open state of nargs feature arguments, block[j] the
 * categorical feature of argument j (0, 1, ... in order) or -1 for a
 * number, without levels yet.  A factor st already has (read from a
 * serialized state, with columns for its levels) is kept; else R gets the
 * columns [1, numbers, y].
 */
static void
open_init(LinearState *st, int nargs, const int *block, int max_levels)
{
	MemoryContext old = MemoryContextSwitchTo(st->mcxt);
	OpenLevels *ol = palloc0(sizeof(OpenLevels));
	int		   *num_col;

	ol->nargs = nargs;
	ol->max_levels = max_levels;
	ol->block = palloc(sizeof(int) * nargs);
	memcpy(ol->block, block, sizeof(int) * nargs);
	for (int j = 0; j < nargs; j++)
		ol->nblocks += block[j] >= 0;
	ol->nnum = nargs - ol->nblocks;
	ol->levels = palloc(sizeof(LevelTable *) * ol->nblocks);
	ol->col = palloc(sizeof(int *) * ol->nblocks);
	ol->colcap = palloc(sizeof(int) * ol->nblocks);
	for (int b = 0; b < ol->nblocks; b++)
	{
		ol->levels[b] = levels_create(NULL, NULL, 0, st->mcxt);
		ol->colcap[b] = 16;
		ol->col[b] = palloc(sizeof(int) * ol->colcap[b]);
	}
	ol->ncols = ol->nnum + 2;
	st->family = LINEAR_FAMILY_OPEN;
	st->open = ol;
	if (st->R == NULL)
	{
		st->ncols = ol->ncols;
		st->R = palloc0(sizeof(double) * st->ncols * st->ncols);
	}
	st->bufcap = LEARN_FIRST_BLOCK_ROWS;
	st->level_terms = true;
	num_col = palloc(sizeof(int) * Max(ol->nnum, 1));
	for (int j = 0; j < ol->nnum; j++)
		num_col[j] = j + 1;
	/* level_col, below, places the levels, not block_col */
	linear_state_set_cells(st, ol->nblocks, palloc0(sizeof(int) * ol->nblocks), ol->nnum,
						   num_col);
	st->cells->level_col = ol->col;
	MemoryContextSwitchTo(old);
}

LinearState *
linear_state_create_open(int nargs, const bool *categorical, int max_levels)
{
	LinearState *st = linear_state_create(-1, 0, 0);
	int		   *block = palloc(sizeof(int) * Max(nargs, 1));
	int			nblocks = 0;

	for (int j = 0; j < nargs; j++)
		block[j] = categorical[j] ? nblocks++ : -1;
	if (nblocks == 0 || max_levels < 1)
		elog(ERROR, "pg_learn: an open state needs a categorical feature and room for a level");
	open_init(st, nargs, block, max_levels);
	pfree(block);
	return st;
}

/* Too many levels: the state stops, dropping its rows' cells. */
static void
open_stop(LinearState *st)
{
	struct CellTable *ct = st->cells;

	st->open->stopped = true;
	if (ct && ct->ncells > 0)
	{
		memset(ct->slots, 0, sizeof(CellSlot) * ct->nslots);
		ct->ncells = 0;
		MemoryContextReset(ct->mcxt);
		memset(ct->Rw, 0, sizeof(double) * ct->nq * ct->nq);
		ct->nw = 0;
	}
}

int
linear_state_open_level(LinearState *st, int b, const char *s, int len)
{
	OpenLevels *ol = st->open;
	bool		added;
	int			i;

	if (ol->stopped)
		return -1;
	i = levels_add(ol->levels[b], s, len, &added);
	if (!added)
		return i;
	if (levels_count(ol->levels[b]) > ol->max_levels ||
		ol->ncols - 2 >= LEARN_MAX_FEATURES)
	{
		open_stop(st);
		return -1;
	}
	if (i == ol->colcap[b])
	{
		ol->colcap[b] *= 2;
		ol->col[b] = repalloc(ol->col[b], sizeof(int) * ol->colcap[b]);
	}
	ol->col[b][i] = ol->ncols++;
	return i;
}

List *
linear_state_open_levels(LinearState *st)
{
	OpenLevels *ol = st->open;
	List	   *result = NIL;

	if (ol->stopped)
		return NIL;
	for (int b = 0; b < ol->nblocks; b++)
	{
		List	   *lv = NIL;

		for (int i = 0; i < levels_count(ol->levels[b]); i++)
			lv = lappend(lv, pstrdup(levels_text(ol->levels[b], i)));
		result = lappend(result, lv);
	}
	return result;
}

LinearState *
linear_state_deserialize_open(bytea *state)
{
	LinearState *st = linear_state_deserialize(state);

	if (st->family != LINEAR_FAMILY_OPEN)
		elog(ERROR, "pg_learn: the state has no open levels");
	return st;
}

/* dst += src, both open states of the same arguments. */
static void
open_merge(LinearState *dst, LinearState *src)
{
	OpenLevels *d = dst->open;
	OpenLevels *o = src->open;
	int		   *map;

	if (d->nargs != o->nargs || d->max_levels != o->max_levels ||
		memcmp(d->block, o->block, sizeof(int) * d->nargs) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot merge open linear states of different features")));
	if (o->stopped)
		open_stop(dst);
	if (d->stopped)
		return;
	linear_state_flush(src);
	open_grow(src);
	map = palloc(sizeof(int) * src->ncols);
	for (int j = 0; j < o->nnum + 2; j++)
		map[j] = j;
	for (int b = 0; b < o->nblocks; b++)
		for (int i = 0; i < levels_count(o->levels[b]); i++)
		{
			int			di = linear_state_open_level(dst, b, levels_text(o->levels[b], i),
													 levels_len(o->levels[b], i));

			if (di < 0)
				return;			/* dst stopped */
			map[o->col[b][i]] = d->col[b][di];
		}
	linear_state_flush(dst);
	open_grow(dst);
	fold_mapped(dst, src->ncols, src->R, map);
	flush_buffer(dst);
	check_factor(dst);
	pfree(map);
}

LinearState *
linear_state_close(LinearState *st, int *const *order, uint64 signature)
{
	OpenLevels *ol = st->open;
	LinearState *closed;
	int		   *map;
	int			k = ol->nnum;
	int			c = 1;
	int			u = 0;

	Assert(!ol->stopped);
	linear_state_flush(st);
	open_grow(st);
	for (int b = 0; b < ol->nblocks; b++)
		k += levels_count(ol->levels[b]);
	closed = linear_state_create(k, LINEAR_FAMILY_LINEAR, signature);
	closed->level_terms = true;
	map = palloc(sizeof(int) * st->ncols);
	map[0] = 0;
	for (int j = 0; j < ol->nargs; j++)
	{
		int			b = ol->block[j];

		if (b < 0)
			map[1 + u++] = c++;
		else
			for (int i = 0; i < levels_count(ol->levels[b]); i++)
				map[ol->col[b][order[b][i]]] = c++;
	}
	map[ol->nnum + 1] = c;
	Assert(c == k + 1);
	fold_mapped(closed, st->ncols, st->R, map);
	flush_buffer(closed);
	check_factor(closed);
	closed->n = st->n;
	closed->n_skipped = st->n_skipped;
	closed->n_zero_weight = st->n_zero_weight;
	closed->sum_w = st->sum_w;
	closed->sum_log_w = st->sum_log_w;
	pfree(map);
	return closed;
}

/*
 * Add one row: x holds the ncols - 2 features.
 *
 * The first LEARN_ROW_FOLD_ROWS rows of a state of at most
 * LA_FOLD_BLOCKED_MIN columns are folded into R one at a time: a group of
 * a few rows never needs a row buffer.  Later rows are buffered and folded
 * a block at a time, which is faster per row (each column's square root
 * and divisions are paid once a block); the buffer stays at
 * LEARN_FIRST_BLOCK_ROWS rows while the state is small, as most of the
 * memory (and of the time, in page faults) of an aggregate over many small
 * groups would otherwise be their buffers.
 */
void
linear_state_add(LinearState *st, const double *x, double y, double w)
{
	double		sw;
	double	   *row;
	size_t		stride;
	double		one[LA_FOLD_BLOCKED_MIN];
	bool		direct;
	int			k = st->ncols - 2;

	if (w == 0.0)
	{
		st->n_zero_weight++;
		return;
	}
	direct = st->buf == NULL && st->n < LEARN_ROW_FOLD_ROWS &&
		st->ncols <= LA_FOLD_BLOCKED_MIN;
	if (direct)
	{
		row = one;
		stride = 1;
	}
	else
	{
		if (unlikely(st->buf == NULL))
			linear_state_workspace(st, true);
		row = st->buf + st->nbuf;
		stride = st->bufcap;
	}
	if (w == 1.0)
	{
		row[0] = 1.0;
		for (int j = 0; j < k; j++)
			row[(j + 1) * stride] = x[j];
		row[(k + 1) * stride] = y;
	}
	else
	{
		sw = row_weight(st, w);
		row[0] = sw;
		for (int j = 0; j < k; j++)
			row[(j + 1) * stride] = sw * x[j];
		row[(k + 1) * stride] = sw * y;
	}
	count_row(st, w);
	if (direct)
	{
		la_qr_fold_row(st->ncols, st->R, row);
		check_factor(st);
	}
	else if (++st->nbuf == st->bufcap)
		flush_buffer(st);
}

/*
 * Add one row given whole: row holds all ncols values, already scaled by
 * the square root of its weight (a row of a multinomial pass, irls.c,
 * where one observation makes several rows).  The caller counts weights.
 */
void
linear_state_add_row(LinearState *st, const double *row)
{
	fold_raw(st, row);
	st->n++;
}

static const char *
family_name(char family)
{
	return family == LINEAR_FAMILY_LINREG ? "learn.linreg_partial" :
		family == LINEAR_FAMILY_OPEN ? "learn.linear_partial with open levels" :
		"learn.linear_partial";
}

/*
 * Error unless src may be merged into dst: states of one family, made with
 * the same feature names (or both without), with the same number of
 * columns.  A state that has not seen a row or a merge yet takes on what
 * it is merged with.
 */
static void
check_mergeable(LinearState *dst, LinearState *src)
{
	if (src->family == 0)
		return;
	if (dst->family == 0)
	{
		dst->family = src->family;
		dst->signature = src->signature;
	}
	if (src->family != dst->family)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot merge a state of %s with a state of %s",
						family_name(dst->family), family_name(src->family))));
	if (src->signature != dst->signature)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot merge linear states of different models"),
				 errdetail(src->signature == 0 || dst->signature == 0 ?
						   "One state names its features and the other does not." :
						   "The states were made with different feature names.")));
	if (src->family != LINEAR_FAMILY_OPEN &&
		src->ncols != 0 && dst->ncols != 0 && src->ncols != dst->ncols)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot merge linear states of %d and %d features",
						dst->ncols - 2, src->ncols - 2)));
}

/* dst += src; src is consumed. */
void
linear_state_merge(LinearState *dst, LinearState *src)
{
	check_mergeable(dst, src);
	if (src->open && dst->open == NULL)
		open_init(dst, src->open->nargs, src->open->block, src->open->max_levels);
	else if (src->ncols != 0 && dst->ncols == 0)
		linear_state_size(dst, src->ncols - 2);
	if (pg_add_s64_overflow(dst->n, src->n, &dst->n) ||
		pg_add_s64_overflow(dst->n_skipped, src->n_skipped, &dst->n_skipped) ||
		pg_add_s64_overflow(dst->n_zero_weight, src->n_zero_weight, &dst->n_zero_weight))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of merged linear states out of range")));
	dst->sum_w += src->sum_w;
	check_weight_sum(dst->sum_w);
	dst->sum_log_w += src->sum_log_w;
	if (src->open)
	{
		/* its levels, even of rows that were skipped */
		open_merge(dst, src);
		return;
	}
	if (src->ncols == 0 || src->n == 0)
		return;
	linear_state_flush(src);
	linear_state_flush(dst);
	linear_state_workspace(dst, false);
	if (la_qr_merge(dst->ncols, dst->R, src->R, dst->work) != 0)
		elog(ERROR, "dtpqrt failed while merging linear states");
	check_factor(dst);
}

/*
 * Serialized form (network byte order): version byte, family byte, int64
 * signature, int32 ncols, int64 n, n_skipped, n_zero_weight, float8 sum_w,
 * sum_log_w, then the upper triangle of R column by column.  An open
 * state (LINEAR_FAMILY_OPEN) goes on: int32 nargs, for each argument its
 * categorical feature (int32, -1 for a number), int32 max_levels, a byte
 * 1 when it stopped, else for each categorical feature int32 the number
 * of its levels and for each level its int32 column, int32 length and
 * text.
 */
#define LINEAR_HEADER_BYTES (1 + 1 + 8 + 4 + 3 * 8 + 2 * 8)

bytea *
linear_state_serialize(LinearState *st)
{
	StringInfoData buf;

	if (st->ncols > 0)
		linear_state_flush(st);
	if (st->open)
		open_grow(st);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, LINEAR_STATE_VERSION);
	pq_sendbyte(&buf, st->family);
	pq_sendint64(&buf, (int64) st->signature);
	pq_sendint32(&buf, st->ncols);
	pq_sendint64(&buf, st->n);
	pq_sendint64(&buf, st->n_skipped);
	pq_sendint64(&buf, st->n_zero_weight);
	pq_sendfloat8(&buf, st->sum_w);
	pq_sendfloat8(&buf, st->sum_log_w);
	for (int j = 0; j < st->ncols; j++)
		for (int i = 0; i <= j; i++)
			pq_sendfloat8(&buf, st->R[i + j * st->ncols]);
	if (st->open)
	{
		OpenLevels *ol = st->open;

		pq_sendint32(&buf, ol->nargs);
		for (int j = 0; j < ol->nargs; j++)
			pq_sendint32(&buf, ol->block[j]);
		pq_sendint32(&buf, ol->max_levels);
		pq_sendbyte(&buf, ol->stopped ? 1 : 0);
		for (int b = 0; b < ol->nblocks && !ol->stopped; b++)
		{
			pq_sendint32(&buf, levels_count(ol->levels[b]));
			for (int i = 0; i < levels_count(ol->levels[b]); i++)
			{
				pq_sendint32(&buf, ol->col[b][i]);
				pq_sendint32(&buf, levels_len(ol->levels[b], i));
				pq_sendbytes(&buf, levels_text(ol->levels[b], i), levels_len(ol->levels[b], i));
			}
		}
	}
	return pq_endtypsend(&buf);
}

/*
 * Read an open state's levels (after its factor, which gave it ncols
 * columns) into st; NULL, or what is wrong with them.
 */
static const char *
open_read(StringInfo buf, LinearState *st, int ncols)
{
	OpenLevels *ol;
	bool	   *used;
	int			stopped;
	int			nargs;
	int		   *block;
	int			nblocks = 0;
	int			max_levels;

	if (buf->len - buf->cursor < 4)
		return "The levels are missing.";
	nargs = pq_getmsgint(buf, 4);
	if (nargs < 1 || nargs > FUNC_MAX_ARGS ||
		buf->len - buf->cursor < 4 * (nargs + 1) + 1)
		return "The number of arguments is out of range.";
	block = palloc(sizeof(int) * nargs);
	for (int j = 0; j < nargs; j++)
	{
		block[j] = pq_getmsgint(buf, 4);
		if (block[j] != -1 && block[j] != nblocks++)
			return "The categorical features are out of order.";
	}
	max_levels = pq_getmsgint(buf, 4);
	if (nblocks == 0 || max_levels < 1 || max_levels > LEARN_MAX_LEVELS ||
		ncols < nargs - nblocks + 2)
		return "The layout of the levels is out of range.";
	open_init(st, nargs, block, max_levels);
	ol = st->open;
	stopped = pq_getmsgbyte(buf);
	if (stopped == 1)
	{
		open_stop(st);
		return buf->cursor != buf->len ? "The value goes on after its levels." : NULL;
	}
	if (stopped != 0)
		return "The layout of the levels is out of range.";
	used = palloc0(sizeof(bool) * ncols);
	for (int b = 0; b < ol->nblocks; b++)
	{
		int			n;

		if (buf->len - buf->cursor < 4)
			return "The levels are missing.";
		n = pq_getmsgint(buf, 4);
		if (n < 0 || n > ol->max_levels)
			return "A number of levels is out of range.";
		for (int i = 0; i < n; i++)
		{
			int			col;
			int			len;

			if (buf->len - buf->cursor < 8)
				return "The levels are missing.";
			col = pq_getmsgint(buf, 4);
			len = pq_getmsgint(buf, 4);
			if (col < ol->nnum + 2 || col >= ncols || used[col])
				return "A level's column is out of range.";
			if (len < 0 || len > buf->len - buf->cursor)
				return "A level's text is out of range.";
			if (linear_state_open_level(st, b, buf->data + buf->cursor, len) != i)
				return "A level appears twice.";
			buf->cursor += len;
			used[col] = true;
			ol->col[b][i] = col;
		}
	}
	for (int j = ol->nnum + 2; j < ncols; j++)
		if (!used[j])
			return "A column has no level.";
	if (buf->cursor != buf->len)
		return "The value goes on after its levels.";
	pfree(used);
	return NULL;
}

static void
invalid_state(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid pg_learn linear state"),
			 errdetail("%s", detail)));
}

/* state_read's answer for a state of another version (in *version) */
static const char version_problem[] = "version";

/*
 * Read a serialized state into *out: NULL, or what is wrong with the
 * value (version_problem when it is of another version, in *version).
 */
static const char *
state_read(bytea *b, LinearState **out, int *version_out)
{
	StringInfoData buf;
	LinearState *st;
	int			len = VARSIZE_ANY_EXHDR(b);
	int			version;
	int			family;
	uint64		signature;
	int			ncols;

	buf.data = VARDATA_ANY(b);
	buf.len = len;
	buf.maxlen = len;
	buf.cursor = 0;
	if (len < LINEAR_HEADER_BYTES)
		return "The value is too short.";
	version = pq_getmsgbyte(&buf);
	*version_out = version;
	if (version != LINEAR_STATE_VERSION)
		return version_problem;
	family = pq_getmsgbyte(&buf);
	if (family != 0 && family != LINEAR_FAMILY_LINEAR && family != LINEAR_FAMILY_LINREG &&
		family != LINEAR_FAMILY_OPEN)
		return "The state is of an unknown kind.";
	signature = (uint64) pq_getmsgint64(&buf);
	ncols = pq_getmsgint(&buf, 4);
	if (family == LINEAR_FAMILY_OPEN ?
		(ncols < 2 || ncols > LEARN_MAX_FEATURES + 2 || signature != 0) :
		(ncols != 0 && (ncols < 3 || ncols > LEARN_MAX_FEATURES + 2)))
		return "The number of columns is out of range.";
	if (family == LINEAR_FAMILY_OPEN ?
		len < LINEAR_HEADER_BYTES + 8 * (ncols * (ncols + 1) / 2) :
		len != LINEAR_HEADER_BYTES + 8 * (ncols * (ncols + 1) / 2))
		return "The length does not match the number of columns.";
	if (family == 0 && (ncols != 0 || signature != 0))
		return "A state with columns must say what made it.";
	st = linear_state_create(ncols == 0 || family == LINEAR_FAMILY_OPEN ? -1 : ncols - 2,
							 (char) family, signature);
	if (family == LINEAR_FAMILY_OPEN)
	{
		st->ncols = ncols;
		st->R = palloc0(sizeof(double) * ncols * ncols);
	}
	st->n = pq_getmsgint64(&buf);
	st->n_skipped = pq_getmsgint64(&buf);
	st->n_zero_weight = pq_getmsgint64(&buf);
	st->sum_w = pq_getmsgfloat8(&buf);
	st->sum_log_w = pq_getmsgfloat8(&buf);
	if (st->n < 0 || st->n_skipped < 0 || st->n_zero_weight < 0 ||
		!isfinite(st->sum_w) || st->sum_w < 0 || !isfinite(st->sum_log_w) ||
		(ncols == 0 && st->n != 0))
		return "A count or sum is out of range.";
	for (int j = 0; j < ncols; j++)
		for (int i = 0; i <= j; i++)
		{
			double		v = pq_getmsgfloat8(&buf);

			if (!isfinite(v))
				return "The factor holds a non-finite value.";
			st->R[i + j * ncols] = v;
		}
	if (family == LINEAR_FAMILY_OPEN)
	{
		/* the factor read has the columns of the levels that follow */
		const char *problem = open_read(&buf, st, ncols);

		if (problem)
			return problem;
	}
	pq_getmsgend(&buf);
	*out = st;
	return NULL;
}

LinearState *
linear_state_deserialize(bytea *b)
{
	LinearState *st = NULL;
	int			version = 0;
	const char *problem = state_read(b, &st, &version);

	if (problem == version_problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported pg_learn linear state version %d", version),
				 errhint("This build reads version %d.", LINEAR_STATE_VERSION)));
	if (problem)
		invalid_state(problem);
	return st;
}

const char *
linear_state_problem(bytea *b, const char *const *names, int k, int64 n_rows,
					 int64 n_skipped)
{
	LinearState *st = NULL;
	int			version = 0;
	const char *problem = state_read(b, &st, &version);

	if (problem == version_problem)
		return psprintf("is of state version %d; this build reads version %d",
						version, LINEAR_STATE_VERSION);
	if (problem)
		return psprintf("is not a valid state (%s)", problem);
	/* a state that saw no row has no columns: it merges with any */
	if (st->ncols != 0 &&
		(st->family != LINEAR_FAMILY_LINEAR || st->ncols != k + 2 ||
		 st->signature != linear_signature(names, k)))
		problem = "is not a state of the model's terms";

	/*
	 * The counts are the group's, and a row counted has a positive weight:
	 * a state of other rows would merge into a fit of wrong degrees of
	 * freedom, or an infinite rmse.
	 */
	else if (st->n != n_rows || st->n_skipped != n_skipped)
		problem = psprintf("counts %lld rows and %lld skipped, but its group has %lld and %lld",
						   (long long) st->n, (long long) st->n_skipped,
						   (long long) n_rows, (long long) n_skipped);
	else if ((st->n > 0) != (st->sum_w > 0))
		problem = st->n > 0 ? "counts rows but no weight" : "has weight but no rows";
	/* the factor is as large as the columns squared: not kept for each */
	if (st->R)
		pfree(st->R);
	pfree(st);
	return problem;
}

/*
 * The signature of the feature names given as argument i of a transition
 * function with k features: one name for each, none NULL.
 */
static uint64
names_signature(FunctionCallInfo fcinfo, int i, int k)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	const char **names;

	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the feature names must not be NULL")));
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(i), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n != k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%d feature names were given for %d features", n, k)));
	names = palloc(sizeof(char *) * Max(n, 1));
	for (int j = 0; j < n; j++)
	{
		if (nulls[j])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("the feature names must not contain NULL")));
		names[j] = TextDatumGetCString(elems[j]);
	}
	return linear_signature(names, n);
}

/*
 * The transition of learn.linear_partial: features from argument first on,
 * their names (when named) in argument first - 1.
 */
static Datum
linear_trans_common(FunctionCallInfo fcinfo, int first, bool named)
{
	MemoryContext aggcontext = agg_context(fcinfo, "linear_trans");
	LinearState *st = PG_ARGISNULL(0) ? NULL : (LinearState *) PG_GETARG_POINTER(0);
	LinearState *result;
	TransCache *tc = trans_cache_groups(fcinfo, first);

	if (st == NULL)
	{
		MemoryContext old;

		/* an open state's terms are not known: it is named once closed */
		if (named && tc->open)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("features with an open encoding take no names")));
		/* the names are read once per call site, with the first row */
		if (named && tc->signature == 0)
			tc->signature = names_signature(fcinfo, first - 1, tc->k);
		old = MemoryContextSwitchTo(aggcontext);
		if (tc->open)
		{
			st = linear_state_create_open(tc->nargs, tc->categorical, tc->open_max);
		}
		else if (tc->ngroup > 0)
		{
			st = linear_state_create(-1, LINEAR_FAMILY_GROUPS, 0);
			st->groups = group_table_create(fcinfo, tc->key_first, tc->ngroup, aggcontext);
		}
		else
		{
			st = linear_state_create(tc->k, LINEAR_FAMILY_LINEAR, tc->signature);
			trans_set_cells(tc, st);
		}
		MemoryContextSwitchTo(old);
	}
	result = st;
	if (st->groups)
	{
		/* the row's group's state; none once the table stopped */
		void	  **slot = group_table_find(st->groups, fcinfo->args + tc->key_first);

		if (slot == NULL)
			PG_RETURN_POINTER(result);
		if (*slot == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(group_table_context(st->groups));

			*slot = linear_state_create(tc->k, LINEAR_FAMILY_LINEAR, tc->signature);
			((LinearState *) *slot)->small_buffer = true;
			trans_set_cells(tc, (LinearState *) *slot);
			MemoryContextSwitchTo(old);
		}
		st = *slot;
	}
	if (st->open)
	{
		int			r = read_features_open(fcinfo, tc, st, PG_ARGISNULL(1) || PG_ARGISNULL(2));

		if (r == 0)
			st->n_skipped++;
		else if (r > 0)
		{
			double		y = PG_GETARG_FLOAT8(1);
			double		w = PG_GETARG_FLOAT8(2);

			check_response_weight(y, w);
			linear_state_add_open(st, tc->lev, tc->xnum, y, w);
		}
		CHECK_FOR_INTERRUPTS();
		PG_RETURN_POINTER(st);
	}
	/* a state of cells reads the levels and numbers, not the indicators */
	tc->levels_only = st->cells != NULL;
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || !read_features(fcinfo, tc))
		st->n_skipped++;
	else
	{
		double		y = PG_GETARG_FLOAT8(1);
		double		w = PG_GETARG_FLOAT8(2);

		check_response_weight(y, w);
		if (st->cells)
			linear_state_add_cells(st, tc->lev, tc->xnum, y, w);
		else
			linear_state_add(st, tc->x, y, w);
	}
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_POINTER(result);
}

/* linear_trans(state internal, y float8, w float8, VARIADIC x "any") */
Datum
linear_trans(PG_FUNCTION_ARGS)
{
	return linear_trans_common(fcinfo, 3, false);
}

/*
 * linear_named_trans(state internal, y float8, w float8, names text[],
 *					  VARIADIC x "any")
 */
Datum
linear_named_trans(PG_FUNCTION_ARGS)
{
	return linear_trans_common(fcinfo, 4, true);
}

/*
 * linreg_trans(state internal, y float8, x float8[])
 */
Datum
linreg_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "linreg_trans");
	LinearState *st = PG_ARGISNULL(0) ? NULL : (LinearState *) PG_GETARG_POINTER(0);
	ArrayType  *xa;
	int			k;
	double	   *x;

	if (st == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		st = linear_state_create(-1, LINEAR_FAMILY_LINREG, 0);
		MemoryContextSwitchTo(old);
	}
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		st->n_skipped++;
		PG_RETURN_POINTER(st);
	}
	xa = PG_GETARG_ARRAYTYPE_P(2);
	if (ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must be a one-dimensional array")));
	k = ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa));
	if (ARR_HASNULL(xa))
	{
		st->n_skipped++;
		PG_RETURN_POINTER(st);
	}
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x must have at least one element")));
	if (st->ncols == 0)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		linear_state_size(st, k);
		MemoryContextSwitchTo(old);
	}
	else if (k != st->ncols - 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("x has %d elements, but earlier rows had %d", k, st->ncols - 2)));
	x = (double *) ARR_DATA_PTR(xa);
	for (int j = 0; j < k; j++)
		if (!isfinite(x[j]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("x[%d] is %s", j + 1, isnan(x[j]) ? "NaN" : "infinite")));
	check_response_weight(PG_GETARG_FLOAT8(1), 1.0);
	linear_state_add(st, x, PG_GETARG_FLOAT8(1), 1.0);
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_POINTER(st);
}

/* Copy a state into the current memory context. */
static LinearState *
linear_state_copy(LinearState *src)
{
	LinearState *st = linear_state_create(-1, 0, 0);

	linear_state_merge(st, src);
	return st;
}

/* group_table_merge's callbacks */
static void
merge_group(void *dst, void *src)
{
	linear_state_merge(dst, src);
}

static void *
copy_group(void *src)
{
	return linear_state_copy(src);
}

static bytea *
serialize_group(void *st)
{
	return linear_state_serialize(st);
}

static void *
read_group(bytea *b)
{
	return linear_state_deserialize(b);
}

Datum
linear_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "linear_combine");
	LinearState *s1 = PG_ARGISNULL(0) ? NULL : (LinearState *) PG_GETARG_POINTER(0);
	LinearState *s2 = PG_ARGISNULL(1) ? NULL : (LinearState *) PG_GETARG_POINTER(1);
	MemoryContext old;

	if (s2 == NULL)
		PG_RETURN_POINTER(s1);
	old = MemoryContextSwitchTo(aggcontext);
	if (s2->groups || (s1 && s1->groups))
	{
		if (s1 == NULL)
		{
			s1 = linear_state_create(-1, LINEAR_FAMILY_GROUPS, 0);
			s1->groups = group_table_create_like(s2->groups, aggcontext);
		}
		if (s1->groups == NULL || s2->groups == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("cannot merge a state of groups with a state of one")));
		group_table_merge(s1->groups, s2->groups, merge_group, copy_group);
		MemoryContextSwitchTo(old);
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
		s1 = linear_state_copy(s2);
	else
		linear_state_merge(s1, s2);
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(s1);
}

/*
 * A state of groups as the version, LINEAR_FAMILY_GROUPS, then what
 * write writes of its table: group_table_serialize between the processes
 * of a query, group_table_result as the aggregate's value.
 */
#define groups_bytea(st, write) \
	group_table_bytea((st)->groups, LINEAR_STATE_VERSION, LINEAR_FAMILY_GROUPS, \
					  (write), serialize_group)

Datum
linear_serial(PG_FUNCTION_ARGS)
{
	LinearState *st = (LinearState *) PG_GETARG_POINTER(0);

	agg_context(fcinfo, "linear_serial");
	if (st->groups)
		PG_RETURN_BYTEA_P(groups_bytea(st, group_table_serialize));
	PG_RETURN_BYTEA_P(linear_state_serialize(st));
}

Datum
linear_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	GroupTable *gt;

	agg_context(fcinfo, "linear_deserial");
	/* a parallel worker's state of groups: only ever its linear_serial's */
	gt = group_table_from_bytea(b, LINEAR_STATE_VERSION, LINEAR_FAMILY_GROUPS,
								CurrentMemoryContext, read_group);
	if (gt)
	{
		LinearState *st = linear_state_create(-1, LINEAR_FAMILY_GROUPS, 0);

		st->groups = gt;
		PG_RETURN_POINTER(st);
	}
	PG_RETURN_POINTER(linear_state_deserialize(b));
}

/* linear_merge_trans(state internal, part bytea): the _merge aggregates. */
Datum
linear_merge_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "linear_merge_trans");
	LinearState *st = PG_ARGISNULL(0) ? NULL : (LinearState *) PG_GETARG_POINTER(0);
	/* read in the per-row context, freed after this row */
	LinearState *part = PG_ARGISNULL(1) ? NULL :
		linear_state_deserialize(PG_GETARG_BYTEA_PP(1));
	MemoryContext old = MemoryContextSwitchTo(aggcontext);

	if (st == NULL)
		st = linear_state_create(-1, 0, 0);
	MemoryContextSwitchTo(old);
	if (part)
		linear_state_merge(st, part);
	PG_RETURN_POINTER(st);
}

/*
 * linear_stamp(state bytea, features text[]): a state made without feature
 * names (learn.linear_partial(y, w, x...)), stamped with them as if they
 * had been given; a state already stamped with the same names as it is.
 * postgres_fdw sends no aggregate with a text constant among its
 * arguments (its collation does not come from the foreign table), so a
 * shard computes its state without the names and the merged state gets
 * them here.  A state merged from none (no row, no state) is NULL, as
 * learn.linear_partial of no row.
 */
Datum
linear_stamp(PG_FUNCTION_ARGS)
{
	LinearState *st = linear_state_deserialize(PG_GETARG_BYTEA_PP(0));
	uint64		signature;

	if (st->family == 0)
		PG_RETURN_NULL();
	if (st->family != LINEAR_FAMILY_LINEAR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot name the features of a state of %s", family_name(st->family))));
	signature = names_signature(fcinfo, 1, st->ncols - 2);
	if (st->signature != 0 && st->signature != signature)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("cannot name the features of a state made with other feature names")));
	st->signature = signature;
	PG_RETURN_BYTEA_P(linear_state_serialize(st));
}

/* Final function of the _partial aggregates: the state as bytea. */
Datum
linear_final_state(PG_FUNCTION_ARGS)
{
	LinearState *st;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (LinearState *) PG_GETARG_POINTER(0);
	if (st->groups)
		PG_RETURN_BYTEA_P(groups_bytea(st, group_table_result));
	PG_RETURN_BYTEA_P(linear_state_serialize(st));
}

Datum
linear_state_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(LINEAR_STATE_VERSION);
}

/* ---------------------------------------------------------------------
 * Solving a state
 * ---------------------------------------------------------------------
 */

/* The residual norm of the last of columns cols regressed on the others. */
static double
r_subset_resid_norm(LinearState *st, const int *cols, int s)
{
	double	   *Rs = palloc(sizeof(double) * s * s);
	double	   *tmp = palloc(sizeof(double) * (st->ncols * s + s + la_qr_work_size(s)));
	double		last;

	if (la_qr_subset(st->ncols, st->R, cols, s, Rs, tmp) != 0)
		elog(ERROR, "dgeqr2 failed");
	last = Rs[(s - 1) + (s - 1) * s];
	pfree(tmp);
	pfree(Rs);
	return fabs(last);
}

/*
 * t statistic and p-value of term j from its estimate and standard error;
 * NULL (NaN) when the standard error is zero or not finite.
 */
static void
set_test(LinearFit *fit, int j)
{
	double		se = fit->std_error[j];

	if (!isfinite(se) || se <= 0.0 || !(fit->df_resid > 0))
	{
		fit->statistic[j] = fit->p_value[j] = NAN;
		return;
	}
	fit->statistic[j] = fit->coef[j] / se;
	fit->p_value[j] = dist_t_sf2(fit->statistic[j], fit->df_resid);
}

/*
 * linear_fit, with the total norm (the square root of the total sum of
 * squares that r2 compares with) given as tnorm, or NaN to have it made
 * from the state as centered_tss says.
 */
static LinearFit *
linear_fit_total(LinearState *st, const int *cols, int p, bool intercept,
				 bool centered_tss, double tnorm, bool solve_only, const char **reason)
{
	LinearFit  *fit;
	int			nc = st->ncols;
	int			ycol = nc - 1;
	int			rank;
	int		   *kept;
	double	   *Rs;
	double	   *tmp;
	double	   *b;
	double		df_int = intercept ? 1.0 : 0.0;
	double		rnorm;
	double	   *rownorm;
	int			r;

	linear_state_flush(st);
	if (st->n == 0)
	{
		*reason = "no rows";
		return NULL;
	}
	if (st->n < p)
	{
		*reason = psprintf("%lld %s fewer than the %d parameters", (long long) st->n,
						   st->n == 1 ? "row is" : "rows are", p);
		return NULL;
	}

	fit = palloc0(sizeof(LinearFit));
	fit->p = p;
	fit->intercept = intercept;
	fit->n = st->n;
	fit->aliased = palloc(sizeof(bool) * p);
	fit->coef = palloc(sizeof(double) * p);
	fit->std_error = palloc(sizeof(double) * p);
	fit->statistic = palloc(sizeof(double) * p);
	fit->p_value = palloc(sizeof(double) * p);

	/* which terms are linearly dependent on earlier ones */
	tmp = palloc(sizeof(double) * ((size_t) nc * (p + 2) + 16 * (p + 2) + la_qr_work_size(p + 2) + (size_t) (p + 2) * (p + 2)));
	rank = la_qr_alias(nc, st->R, cols, p, LEARN_ALIAS_TOL, fit->aliased, tmp);
	for (int j = 0; j < p; j++)
		fit->aliased[j] = !fit->aliased[j];
	if (rank == 0)
	{
		*reason = "every term is zero";
		return NULL;
	}
	fit->rank = rank;

	/* the factor of the kept terms and the response */
	kept = palloc(sizeof(int) * (rank + 1));
	r = 0;
	for (int j = 0; j < p; j++)
		if (!fit->aliased[j])
			kept[r++] = cols[j];
	kept[r] = ycol;
	Rs = palloc(sizeof(double) * (rank + 1) * (rank + 1));
	if (la_qr_subset(nc, st->R, kept, rank + 1, Rs, tmp) != 0)
		elog(ERROR, "dgeqr2 failed");
	b = palloc(sizeof(double) * rank);
	rownorm = palloc(sizeof(double) * rank);
	if (la_ls_solve(rank, Rs, b) != 0)
	{
		*reason = "the kept terms are singular";
		return NULL;
	}
	fit->rinv = palloc(sizeof(double) * rank * rank);
	if (la_tri_inverse(rank, Rs, rank + 1, fit->rinv) != 0)
	{
		*reason = "the kept terms are singular";
		return NULL;
	}

	/*
	 * Everything below works with norms, never their squares, where it can:
	 * the residual norm |r_yy|, the total norm, and the row norms of R^-1,
	 * so that data near 1e300 or 1e-300 still gives finite statistics.
	 */
	rnorm = fabs(Rs[rank + rank * (rank + 1)]);
	la_upper_row_norms(rank, fit->rinv, rownorm);
	fit->df_resid = (double) st->n - rank;
	fit->sigma = fit->df_resid > 0 ? rnorm / sqrt(fit->df_resid) : NAN;
	r = 0;
	for (int j = 0; j < p; j++)
	{
		if (fit->aliased[j])
		{
			fit->coef[j] = fit->std_error[j] = NAN;
			fit->statistic[j] = fit->p_value[j] = NAN;
			continue;
		}
		fit->coef[j] = b[r];
		fit->std_error[j] = fit->sigma * rownorm[r];
		if (solve_only)
			fit->statistic[j] = fit->p_value[j] = NAN;
		else
			set_test(fit, j);
		r++;
	}
	if (solve_only)
	{
		fit->r2 = fit->adj_r2 = fit->rmse = NAN;
		fit->f_statistic = fit->f_p_value = NAN;
		fit->log_likelihood = fit->aic = fit->bic = NAN;
		fit->condition_number = NAN;
		pfree(tmp);
		return fit;
	}

	/* total norm: around the weighted mean, or around zero */
	if (isnan(tnorm) && centered_tss)
	{
		int			pair[2] = {0, ycol};

		tnorm = r_subset_resid_norm(st, pair, 2);
	}
	else if (isnan(tnorm))
	{
		int			one[1] = {ycol};

		tnorm = r_subset_resid_norm(st, one, 1);
	}
	fit->r2 = tnorm > 0 ? 1.0 - (rnorm / tnorm) * (rnorm / tnorm) : NAN;
	fit->adj_r2 = fit->df_resid > 0 ?
		1.0 - (1.0 - fit->r2) * (((double) st->n - df_int) / fit->df_resid) : NAN;
	fit->rmse = rnorm / sqrt(st->sum_w);
	if (rank - df_int > 0 && fit->df_resid > 0 && rnorm > 0)
	{
		/* (TSS - RSS) / RSS = (tnorm / rnorm)^2 - 1 */
		double		ratio = tnorm / rnorm;

		fit->f_statistic = (ratio * ratio - 1.0) * (fit->df_resid / (rank - df_int));
		fit->f_p_value = dist_f_sf(fit->f_statistic, rank - df_int, fit->df_resid);
	}
	else
		fit->f_statistic = fit->f_p_value = NAN;

	/* R's logLik.lm, with sigma counted as a parameter in AIC and BIC */
	{
		double		nn = (double) st->n;

		fit->log_likelihood = 0.5 * (st->sum_log_w -
									 nn * (log(2 * M_PI) + 1.0 - log(nn) + 2.0 * log(rnorm)));
		fit->aic = -2.0 * fit->log_likelihood + 2.0 * (rank + 1);
		fit->bic = -2.0 * fit->log_likelihood + log(nn) * (rank + 1);
	}

	/* condition number of all terms, aliased ones included */
	{
		double	   *Rp = palloc(sizeof(double) * p * p);
		int		   *iwork = palloc(sizeof(int) * 8 * p);

		if (la_qr_subset(nc, st->R, cols, p, Rp, tmp) != 0)
			elog(ERROR, "dgeqr2 failed");
		fit->condition_number = la_tri_condition(p, Rp, p, tmp, iwork);
		pfree(Rp);
		pfree(iwork);
	}
	pfree(tmp);
	return fit;
}

LinearFit *
linear_fit(LinearState *st, const int *cols, int p, bool intercept,
		   bool centered_tss, const char **reason)
{
	return linear_fit_total(st, cols, p, intercept, centered_tss, NAN, false, reason);
}

LinearFit *
linear_fit_solve(LinearState *st, const int *cols, int p, bool intercept,
				 const char **reason)
{
	return linear_fit_total(st, cols, p, intercept, false, NAN, true, reason);
}

LinearFit *
linear_fit_given_total(LinearState *st, const int *cols, int p, bool intercept,
					   double tnorm, const char **reason)
{
	return linear_fit_total(st, cols, p, intercept, false, tnorm, false, reason);
}

LinearFit *
linear_fit_copy(const LinearFit *fit)
{
	int			p = fit->p;
	int			rank = fit->rank;
	Size		size = MAXALIGN(sizeof(LinearFit)) +
		sizeof(double) * (4 * p + rank * rank) + sizeof(bool) * p;
	char	   *mem = palloc(size);
	LinearFit  *copy = (LinearFit *) mem;
	double	   *d = (double *) (mem + MAXALIGN(sizeof(LinearFit)));

	*copy = *fit;
	copy->coef = d;
	copy->std_error = d + p;
	copy->statistic = d + 2 * p;
	copy->p_value = d + 3 * p;
	copy->rinv = d + 4 * p;
	copy->aliased = (bool *) (d + 4 * p + rank * rank);
	memcpy(copy->coef, fit->coef, sizeof(double) * p);
	memcpy(copy->std_error, fit->std_error, sizeof(double) * p);
	memcpy(copy->statistic, fit->statistic, sizeof(double) * p);
	memcpy(copy->p_value, fit->p_value, sizeof(double) * p);
	memcpy(copy->rinv, fit->rinv, sizeof(double) * rank * rank);
	memcpy(copy->aliased, fit->aliased, sizeof(bool) * p);
	return copy;
}

void
linear_fit_robust(LinearFit *fit, const int *cols, const double *meat,
				  int meat_n, bool hc1)
{
	int			rank = fit->rank;
	double	   *M = palloc(sizeof(double) * rank * rank);
	double	   *V = palloc(sizeof(double) * rank * rank);
	double	   *tmp = palloc(sizeof(double) * rank * rank);
	double	   *bread = palloc(sizeof(double) * rank * rank);
	int		   *idx = palloc(sizeof(int) * rank);
	double		scale = 1.0;
	int			r = 0;

	for (int j = 0; j < fit->p; j++)
		if (!fit->aliased[j])
			idx[r++] = cols[j];
	for (int a = 0; a < rank; a++)
		for (int c = 0; c < rank; c++)
			M[a + c * rank] = meat[idx[a] + idx[c] * meat_n];
	/* bread (X'WX)^-1 = R^-1 R^-T, made only for robust fits */
	la_upper_uut(rank, fit->rinv, bread);
	la_sandwich(rank, bread, M, V, tmp);
	for (int i = 0; i < rank; i++)
		if (!isfinite(V[i + i * rank]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the robust (sandwich) covariance overflowed"),
					 errhint("Rescale the features or the target, or train without \"robust\".")));
	if (hc1 && fit->df_resid > 0)
		scale = (double) fit->n / fit->df_resid;
	r = 0;
	for (int j = 0; j < fit->p; j++)
	{
		if (fit->aliased[j])
			continue;
		fit->std_error[j] = sqrt(scale * V[r + r * rank]);
		set_test(fit, j);
		r++;
	}
	pfree(M);
	pfree(V);
	pfree(tmp);
	pfree(bread);
	pfree(idx);
}

/* ---------------------------------------------------------------------
 * learn.linreg: MADlib-compatible result of a state
 * ---------------------------------------------------------------------
 */

static Datum
float8_array_or_nulls(const double *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	bool	   *nulls = palloc(sizeof(bool) * n);
	int			dims[1] = {n};
	int			lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		nulls[i] = isnan(v[i]);
		d[i] = Float8GetDatum(v[i]);
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID,
											  sizeof(float8), FLOAT8PASSBYVAL,
											  TYPALIGN_DOUBLE));
}

static Datum
nullable_float8(double v, bool *isnull)
{
	*isnull = isnan(v);
	return Float8GetDatum(v);
}

/* The learn.linreg_result of a fit of the k elements of x. */
Datum
linear_fit_linreg_result(FunctionCallInfo fcinfo, const LinearFit *fit, int k)
{
	TupleDesc	tupdesc;
	Datum		values[8];
	bool		nulls[8] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "a learn.linreg final function must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);

	values[0] = float8_array_or_nulls(fit->coef, k);
	values[1] = nullable_float8(fit->r2, &nulls[1]);
	/* MADlib's adjustment: n - 1 over n - k, as if x held an intercept */
	values[2] = nullable_float8(fit->df_resid > 0 ?
								1.0 - (1.0 - fit->r2) * ((fit->n - 1.0) / fit->df_resid) : NAN,
								&nulls[2]);
	values[3] = float8_array_or_nulls(fit->std_error, k);
	values[4] = float8_array_or_nulls(fit->statistic, k);
	values[5] = float8_array_or_nulls(fit->p_value, k);
	/*
	 * MADlib's condition_no is the 2-norm condition number of X (its
	 * documented example reports 9002.5 for the houses data, which is
	 * sqrt(max/min eigenvalue of X'X)): learn.train's condition_number.
	 */
	values[6] = nullable_float8(fit->condition_number, &nulls[6]);
	values[7] = Int64GetDatum(fit->n);
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

Datum
linreg_final(PG_FUNCTION_ARGS)
{
	LinearState *st;
	LinearFit  *fit;
	int		   *cols;
	int			k;
	const char *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (LinearState *) PG_GETARG_POINTER(0);
	if (st->open)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("a state of learn.linear_partial with open levels cannot be solved"),
				 errdetail("learn.train closes such a state once it knows the order of the levels.")));
	if (st->ncols == 0 || st->n == 0)
		PG_RETURN_NULL();
	k = st->ncols - 2;

	/*
	 * Fewer rows than elements of x: NULL, as regr_slope gives for fewer
	 * than two rows, so that the first rows of a running (cumulative)
	 * window are NULL rather than an error.
	 */
	if (st->n < k)
		PG_RETURN_NULL();
	cols = palloc(sizeof(int) * k);
	for (int j = 0; j < k; j++)
		cols[j] = j + 1;
	fit = linear_fit(st, cols, k, false, true, &reason);
	if (fit == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("cannot fit a linear regression: %s", reason)));
	PG_RETURN_DATUM(linear_fit_linreg_result(fcinfo, fit, k));
}

/* ---------------------------------------------------------------------
 * The meat of Huber-White standard errors: sum (w e)^2 x x' over the rows,
 * for given coefficients, as a second pass of a robust fit.
 * ---------------------------------------------------------------------
 */

#define MEAT_STATE_VERSION 1

typedef struct MeatState
{
	int			ncols;			/* 1 + k */
	int64		n;
	double	   *coef;			/* ncols; NULL once deserialized */
	bool		skip;			/* the group has no coefficients: ignore
								 * its rows (a group that was not fitted) */
	double	   *M;				/* ncols x ncols, upper */
	int			nbuf;
	double	   *buf;			/* LEARN_BLOCK_ROWS x ncols; NULL until
								 * needed (meat_add_row) */
	double	   *ybuf;			/* the block's responses, then residuals */
	double	   *wbuf;
	bool		no_buffer;		/* a group's state in a table of groups:
								 * a narrow state adds every row alone */
	MemoryContext mcxt;			/* where the state lives */
	struct GroupTable *groups;	/* learn._linear_meat_groups: the groups'
								 * states (the fields above unused) */
} MeatState;

/* Second byte of a state of groups of the meat (first: the version) */
#define MEAT_STATE_GROUPS 'G'

static void merge_meat(void *dst, void *src);
static void *copy_meat(void *src);

static MeatState *
meat_state_create(int ncols)
{
	MeatState  *ms = palloc0(sizeof(MeatState));

	ms->ncols = ncols;
	ms->M = palloc0(sizeof(double) * ncols * ncols);
	ms->mcxt = CurrentMemoryContext;
	return ms;
}

static void
meat_flush(MeatState *ms)
{
	int			m = ms->nbuf;

	if (m == 0)
		return;
	/* residuals e = y - X b, then rows scaled by w e */
	la_gemv_sub(m, ms->ncols, ms->buf, LEARN_BLOCK_ROWS, ms->coef, ms->ybuf);
	for (int i = 0; i < m; i++)
	{
		double		u = ms->wbuf[i] * ms->ybuf[i];

		for (int j = 0; j < ms->ncols; j++)
			ms->buf[i + j * LEARN_BLOCK_ROWS] *= u;
	}
	la_syrk_add(ms->ncols, m, ms->buf, LEARN_BLOCK_ROWS, ms->M);
	ms->nbuf = 0;
}

/*
 * Add one row (features x, response y, weight w) to the meat's sum.  A
 * narrow state adds its first LEARN_SMALL_STATE_ROWS rows one at a time (a
 * rank-one update, with no square root or division a block would share)
 * and buffers only after them, so that the states of small groups have no
 * buffer (a block of LEARN_BLOCK_ROWS rows: 40 kB at 3 features); the
 * states in a table of groups never buffer (no_buffer).
 */
static void
meat_add_row(MeatState *ms, const double *x, double y, double w)
{
	int			i = ms->nbuf;

	check_response_weight(y, w);
	ms->n++;
	if (ms->buf == NULL && (ms->n <= LEARN_SMALL_STATE_ROWS || ms->no_buffer) &&
		ms->ncols <= LA_FOLD_BLOCKED_MIN)
	{
		double		u[LA_FOLD_BLOCKED_MIN];
		double		e = y - ms->coef[0];

		for (int j = 1; j < ms->ncols; j++)
			e -= ms->coef[j] * x[j - 1];
		e *= w;
		u[0] = e;
		for (int j = 1; j < ms->ncols; j++)
			u[j] = e * x[j - 1];
		/* the upper triangle of M += u u' */
		for (int c = 0; c < ms->ncols; c++)
			for (int r = 0; r <= c; r++)
				ms->M[r + c * ms->ncols] += u[r] * u[c];
	}
	else
	{
		if (ms->buf == NULL)
		{
			ms->buf = MemoryContextAlloc(ms->mcxt, sizeof(double) * LEARN_BLOCK_ROWS * ms->ncols);
			ms->ybuf = MemoryContextAlloc(ms->mcxt, sizeof(double) * LEARN_BLOCK_ROWS);
			ms->wbuf = MemoryContextAlloc(ms->mcxt, sizeof(double) * LEARN_BLOCK_ROWS);
		}
		ms->buf[i] = 1.0;
		for (int j = 0; j < ms->ncols - 1; j++)
			ms->buf[i + (j + 1) * LEARN_BLOCK_ROWS] = x[j];
		ms->ybuf[i] = y;
		ms->wbuf[i] = w;
		if (++ms->nbuf == LEARN_BLOCK_ROWS)
			meat_flush(ms);
	}
	CHECK_FOR_INTERRUPTS();
}

/* meat_trans(state internal, coef float8[], y float8, w float8, VARIADIC x "any") */
Datum
meat_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "meat_trans");
	MeatState  *ms = PG_ARGISNULL(0) ? NULL : (MeatState *) PG_GETARG_POINTER(0);
	TransCache *tc = trans_cache(fcinfo, 4);

	if (ms == NULL || ms->coef == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);
		ArrayType  *ca;

		ca = PG_ARGISNULL(1) ? NULL : PG_GETARG_ARRAYTYPE_P(1);
		if (ca == NULL || ARR_HASNULL(ca) ||
			ArrayGetNItems(ARR_NDIM(ca), ARR_DIMS(ca)) != tc->k + 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("learn._linear_meat needs %d coefficients without NULLs",
							tc->k + 1)));
		if (ms == NULL)
			ms = meat_state_create(tc->k + 1);
		ms->coef = palloc(sizeof(double) * ms->ncols);
		memcpy(ms->coef, ARR_DATA_PTR(ca), sizeof(double) * ms->ncols);
		MemoryContextSwitchTo(old);
	}
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || !read_features(fcinfo, tc))
		PG_RETURN_POINTER(ms);
	meat_add_row(ms, tc->x, PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3));
	PG_RETURN_POINTER(ms);
}

/*
 * meat_pass_trans(state internal, param bytea, ngroupcols int4, y float8,
 *				   w float8, VARIADIC: the group columns, then x "any")
 *
 * The robust pass as one grouped scan: each group's coefficients come
 * from the pass parameter (passparam.h), looked up once per group state.
 */
/* The cache of a call site of the robust pass (meat_pass_trans's args) */
static TransCache *
meat_pass_cache(FunctionCallInfo fcinfo)
{
	TransCache *tc = fcinfo->flinfo->fn_extra;

	if (tc == NULL)
	{
		int			ngroupcols = PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2);

		/* no sum that can overflow: ngroupcols comes from SQL */
		if (ngroupcols < 0 || ngroupcols >= PG_NARGS() - 5)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("learn._linear_meat needs its group columns and at least one feature")));
		tc = trans_cache(fcinfo, 5 + ngroupcols);
		tc->pass = learn_pass_params_decode(fcinfo, 1, 2, 5, tc->k + 1);
	}
	return tc;
}

/*
 * A group's meat state in cxt, with its coefficients from the pass
 * parameter (looked up in the caller's short-lived context, kept as long
 * as the state: learn_pass_params_lookup)
 */
static MeatState *
meat_pass_state(FunctionCallInfo fcinfo, TransCache *tc, MemoryContext cxt)
{
	const double *coef = learn_pass_params_lookup(tc->pass, fcinfo, cxt);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	MeatState  *ms = meat_state_create(tc->k + 1);

	MemoryContextSwitchTo(old);
	ms->coef = unconstify(double *, coef);
	ms->skip = (coef == NULL);
	return ms;
}

Datum
meat_pass_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "meat_pass_trans");
	MeatState  *ms = PG_ARGISNULL(0) ? NULL : (MeatState *) PG_GETARG_POINTER(0);
	TransCache *tc = meat_pass_cache(fcinfo);

	if (ms == NULL)
		ms = meat_pass_state(fcinfo, tc, aggcontext);
	if (ms->skip || PG_ARGISNULL(3) || PG_ARGISNULL(4) || !read_features(fcinfo, tc))
		PG_RETURN_POINTER(ms);
	meat_add_row(ms, tc->x, PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4));
	PG_RETURN_POINTER(ms);
}

/*
 * meat_groups_trans(state internal, param bytea, ngroupcols int4, y float8,
 *					 w float8, VARIADIC: the group columns, then x "any")
 *
 * The robust pass as one ungrouped scan that keeps its groups itself
 * (state/groups.h): learn._linear_meat_groups.
 */
Datum
meat_groups_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "meat_groups_trans");
	MeatState  *top = PG_ARGISNULL(0) ? NULL : (MeatState *) PG_GETARG_POINTER(0);
	TransCache *tc = meat_pass_cache(fcinfo);
	MeatState  *ms;
	void	  **slot;

	if (top == NULL)
	{
		MemoryContext old;
		int			ngroupcols = learn_pass_params_ngroupcols(tc->pass);

		if (ngroupcols < 1 || ngroupcols > INDEX_MAX_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("learn._linear_meat_groups takes between 1 and %d group columns",
							INDEX_MAX_KEYS)));
		old = MemoryContextSwitchTo(aggcontext);
		top = palloc0(sizeof(MeatState));
		top->mcxt = aggcontext;
		top->groups = group_table_create(fcinfo, 5, ngroupcols, aggcontext);
		MemoryContextSwitchTo(old);
	}
	slot = group_table_find(top->groups, fcinfo->args + 5);
	if (slot == NULL)
		PG_RETURN_POINTER(top);
	if (*slot == NULL)
	{
		*slot = meat_pass_state(fcinfo, tc, group_table_context(top->groups));
		/* no 1024-row block per group: 40 kB at 3 features */
		((MeatState *) *slot)->no_buffer = true;
	}
	ms = *slot;
	if (ms->skip || PG_ARGISNULL(3) || PG_ARGISNULL(4) || !read_features(fcinfo, tc))
		PG_RETURN_POINTER(top);
	meat_add_row(ms, tc->x, PG_GETARG_FLOAT8(3), PG_GETARG_FLOAT8(4));
	PG_RETURN_POINTER(top);
}

static void
meat_merge(MeatState *dst, MeatState *src)
{
	if (dst->ncols != src->ncols)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge meat states of %d and %d columns",
						dst->ncols, src->ncols)));
	if (src->coef)
		meat_flush(src);
	if (dst->coef)
		meat_flush(dst);
	for (int i = 0; i < dst->ncols * dst->ncols; i++)
		dst->M[i] += src->M[i];
	dst->n += src->n;
}

Datum
meat_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = agg_context(fcinfo, "meat_combine");
	MeatState  *s1 = PG_ARGISNULL(0) ? NULL : (MeatState *) PG_GETARG_POINTER(0);
	MeatState  *s2 = PG_ARGISNULL(1) ? NULL : (MeatState *) PG_GETARG_POINTER(1);

	if (s2 == NULL)
		PG_RETURN_POINTER(s1);
	if (s2->groups || (s1 && s1->groups))
	{
		if (s1 == NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(aggcontext);

			s1 = palloc0(sizeof(MeatState));
			s1->mcxt = aggcontext;
			s1->groups = group_table_create_like(s2->groups, aggcontext);
			MemoryContextSwitchTo(old);
		}
		if (s1->groups == NULL || s2->groups == NULL)
			invalid_state("A meat state of groups cannot merge with one of a group.");
		group_table_merge(s1->groups, s2->groups, merge_meat, copy_meat);
		PG_RETURN_POINTER(s1);
	}
	if (s1 == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(aggcontext);

		s1 = meat_state_create(s2->ncols);
		MemoryContextSwitchTo(old);
	}
	meat_merge(s1, s2);
	PG_RETURN_POINTER(s1);
}

static bytea *
meat_state_serialize(MeatState *ms)
{
	StringInfoData buf;

	if (ms->coef)
		meat_flush(ms);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, MEAT_STATE_VERSION);
	pq_sendint32(&buf, ms->ncols);
	pq_sendint64(&buf, ms->n);
	for (int i = 0; i < ms->ncols * ms->ncols; i++)
		pq_sendfloat8(&buf, ms->M[i]);
	return pq_endtypsend(&buf);
}

static MeatState *
meat_state_deserialize(bytea *b)
{
	StringInfoData buf;
	MeatState  *ms;
	int			ncols;

	buf.data = VARDATA_ANY(b);
	buf.len = buf.maxlen = VARSIZE_ANY_EXHDR(b);
	buf.cursor = 0;
	if (buf.len < 13 || pq_getmsgbyte(&buf) != MEAT_STATE_VERSION)
		invalid_state("The meat state is too short or of another version.");
	ncols = pq_getmsgint(&buf, 4);
	if (ncols < 2 || ncols > LEARN_MAX_FEATURES + 2 ||
		buf.len != 13 + 8 * ncols * ncols)
		invalid_state("The meat state's length does not match its columns.");
	ms = meat_state_create(ncols);
	ms->n = pq_getmsgint64(&buf);
	for (int i = 0; i < ncols * ncols; i++)
		ms->M[i] = pq_getmsgfloat8(&buf);
	pq_getmsgend(&buf);
	return ms;
}

/* group_table_* callbacks of meat states */
static void
merge_meat(void *dst, void *src)
{
	meat_merge(dst, src);
}

static void *
copy_meat(void *src)
{
	MeatState  *ms = meat_state_create(((MeatState *) src)->ncols);

	meat_merge(ms, src);
	return ms;
}

static bytea *
serialize_meat(void *ms)
{
	return meat_state_serialize(ms);
}

static void *
read_meat(bytea *b)
{
	return meat_state_deserialize(b);
}

/* A meat state of groups as the version, MEAT_STATE_GROUPS, the table. */
#define meat_groups_bytea(ms, write, each) \
	group_table_bytea((ms)->groups, MEAT_STATE_VERSION, MEAT_STATE_GROUPS, (write), (each))

Datum
meat_serial(PG_FUNCTION_ARGS)
{
	MeatState  *ms = (MeatState *) PG_GETARG_POINTER(0);

	agg_context(fcinfo, "meat_serial");
	if (ms->groups)
		PG_RETURN_BYTEA_P(meat_groups_bytea(ms, group_table_serialize, serialize_meat));
	PG_RETURN_BYTEA_P(meat_state_serialize(ms));
}

Datum
meat_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	GroupTable *gt;

	agg_context(fcinfo, "meat_deserial");
	/* a parallel worker's state of groups: only ever its meat_serial's */
	gt = group_table_from_bytea(b, MEAT_STATE_VERSION, MEAT_STATE_GROUPS,
								CurrentMemoryContext, read_meat);
	if (gt)
	{
		MeatState  *ms = palloc0(sizeof(MeatState));

		ms->mcxt = CurrentMemoryContext;
		ms->groups = gt;
		PG_RETURN_POINTER(ms);
	}
	PG_RETURN_POINTER(meat_state_deserialize(b));
}

/* The meat as a full symmetric float8[] of (k+1)^2 elements. */
static Datum meat_matrix(MeatState *ms);

Datum
meat_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(meat_matrix((MeatState *) PG_GETARG_POINTER(0)));
}

/* group_table_result's callback: a group's matrix, as a varlena */
static bytea *
meat_matrix_bytes(void *ms)
{
	return (bytea *) DatumGetPointer(meat_matrix(ms));
}

/*
 * Final function of learn._linear_meat_groups: every group's key and meat
 * matrix (group_table_result after the version and MEAT_STATE_GROUPS; a
 * matrix as the float8[]'s bytes after its header).
 */
Datum
meat_groups_final(PG_FUNCTION_ARGS)
{
	MeatState  *ms;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	ms = (MeatState *) PG_GETARG_POINTER(0);
	if (ms->groups == NULL)
		invalid_state("The meat state holds no groups.");
	PG_RETURN_BYTEA_P(meat_groups_bytea(ms, group_table_result, meat_matrix_bytes));
}

static Datum
meat_matrix(MeatState *ms)
{
	double	   *full;
	int			n;

	if (ms->coef)
		meat_flush(ms);
	n = ms->ncols;
	for (int i = 0; i < n * n; i++)
		if (!isfinite(ms->M[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the robust standard errors overflowed"),
					 errdetail("The sums of squared weighted residuals times the features exceed the range of float8 (about 1e308)."),
					 errhint("Rescale the features or the target, or train without \"robust\".")));
	full = palloc(sizeof(double) * n * n);
	for (int j = 0; j < n; j++)
		for (int i = 0; i < n; i++)
			full[i + j * n] = (i <= j) ? ms->M[i + j * n] : ms->M[j + i * n];
	return float8_array_or_nulls(full, n * n);
}
