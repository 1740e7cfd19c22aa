/*-------------------------------------------------------------------------
 * linalg.c
 *	  LAPACKE/CBLAS wrappers: the tall-skinny QR state of the linear models,
 *	  rank detection, least-squares solves and covariance algebra.
 *
 * The linear models never form X'X: every row block is folded into an upper
 * triangular factor R with R'R = X'X (LAPACK's triangular-pentagonal QR,
 * dtpqrt), and partial factors from parallel workers are merged the same
 * way.  That keeps the accuracy of a QR least-squares solve in one pass.
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "lapack.h"
#include "linalg.h"

/* dlamch('S') / dlamch('E'): below it dlarfg rescales */
#define LA_SAFE_MIN (DBL_MIN / DBL_EPSILON)
/* sums of two squares that neither overflowed nor lost bits to underflow */
#define LA_SAFE_SQ_MIN (DBL_MIN / (DBL_EPSILON * DBL_EPSILON))
#define LA_SAFE_SQ_MAX (DBL_MAX / 4)

static int
tpqrt_nb(int n)
{
	return n < LA_TPQRT_MAX_NB ? n : LA_TPQRT_MAX_NB;
}

int
la_qr_work_size(int n)
{
	/* T (nb x n) and the work array (nb x n) of dtpqrt; la_qr_fold needs n */
	return 2 * tpqrt_nb(n) * n;
}

/*
 * Householder QR of [R; B] that keeps only R.  Up to LA_FOLD_BLOCKED_MIN
 * columns, for each column a reflector
 * from R[j,j] and B[:,j], applied to the columns to its right with one
 * dgemv and one dger.  It is LAPACK's dtpqrt2 without the block reflector
 * T, which the fold never needs (a third of dtpqrt2's work at the widths
 * pg_learn sees).
 */
int
la_qr_fold(int n, double *R, double *B, int m, int ldb, double *work)
{
	double	   *w = work;

	if (m <= 0)
		return 0;
	/*
	 * Wide states: LAPACK's blocked dtpqrt, whose trailing updates are
	 * level 3 (dgemm), wins once there are several panels of columns
	 * (measured here: 0.25 s against 0.32 s at 98 columns, even at 66, and
	 * 30% slower at 13 or 34).
	 */
	if (n > LA_FOLD_BLOCKED_MIN)
	{
		int			nb = tpqrt_nb(n);

		return la_api()->dtpqrt_work(LAPACK_COL_MAJOR, m, n, 0, nb, R, n, B, ldb,
								   work, nb, work + nb * n);
	}
	for (int j = 0; j < n; j++)
	{
		double	   *v = B + (size_t) j * ldb;
		double		tau;
		int			nk = n - j - 1;

		/*
		 * The reflector of [R[j,j]; B[:,j]], as dtpqrt2 makes it: dlarfg
		 * rescales, so columns whose remainder is tiny (a block with fewer
		 * rows than columns leaves eps-sized ones) neither underflow nor
		 * overflow.
		 */
		la_api()->dlarfg_work(m + 1, R + j + (size_t) j * n, v, 1, &tau);
		if (tau == 0.0 || nk == 0)
			continue;			/* H is the identity, or nothing to update */
		/* w = tau (R[j, j+1:] + B[:, j+1:]' v); then the rank-1 updates */
		for (int k = 0; k < nk; k++)
			w[k] = R[j + (size_t) (j + 1 + k) * n];
		la_api()->dgemv(CblasColMajor, CblasTrans, m, nk, 1.0, v + ldb, ldb, v, 1,
					1.0, w, 1);
		for (int k = 0; k < nk; k++)
		{
			w[k] *= tau;
			R[j + (size_t) (j + 1 + k) * n] -= w[k];
		}
		la_api()->dger(CblasColMajor, m, nk, -1.0, v, 1, w, 1, v + ldb, ldb);
	}
	return 0;
}

/* dlapy2: sqrt(a^2 + b^2) without overflow or destructive underflow */
static inline double
pythag(double a, double b)
{
	double		w = fabs(a);
	double		z = fabs(b);

	if (w < z)
	{
		double		t = w;

		w = z;
		z = t;
	}
	if (z == 0.0 || !isfinite(w))
		return w;
	z /= w;
	return w * sqrt(1.0 + z * z);
}

/*
 * la_qr_fold with one row: the same reflectors (dlarfg of the 2-vector
 * [R[j,j]; x[j]]), written out so that a row costs no BLAS call and no
 * buffer.  The rare reflector whose norm is near underflow goes to dlarfg,
 * which rescales.
 */
void
la_qr_fold_row(int n, double *R, double *x)
{
	for (int j = 0; j < n; j++)
	{
		double	   *rjj = R + j + (size_t) j * n;
		double		alpha = *rjj;
		double		beta;
		double		tau;
		double		v;
		double		r2;

		if (x[j] == 0.0)
			continue;			/* H is the identity */
		r2 = alpha * alpha + x[j] * x[j];
		/* squares in range: the plain formula is as accurate */
		beta = -copysign(r2 > LA_SAFE_SQ_MIN && r2 < LA_SAFE_SQ_MAX ?
						 sqrt(r2) : pythag(alpha, x[j]), alpha);
		if (fabs(beta) < LA_SAFE_MIN)
		{
			v = x[j];
			la_api()->dlarfg_work(2, rjj, &v, 1, &tau);
		}
		else
		{
			tau = (beta - alpha) / beta;
			v = x[j] * (1.0 / (alpha - beta));
			*rjj = beta;
		}
		for (int c = j + 1; c < n; c++)
		{
			double	   *rjc = R + j + (size_t) c * n;
			double		w = tau * (*rjc + v * x[c]);

			*rjc -= w;
			x[c] -= v * w;
		}
	}
}

/*
 * la_qr_fold of a few rows (m <= LA_FOLD_SMALL_ROWS), without BLAS: the
 * same reflectors as la_qr_fold, each made once for the m rows, so that
 * the square root and the divisions of a column, which each row would pay
 * on its own (la_qr_fold_row), are shared by the block; and with no call
 * whose cost is more than the work at these sizes.
 */
static inline void fold_small(int n, double *R, double *B, int m, int ldb);

void
la_qr_fold_small(int n, double *R, double *B, int m, int ldb)
{
	/* a full block of 8 rows (a small state's, lsq.c): loops the compiler unrolls */
	if (m == 8)
		fold_small(n, R, B, 8, ldb);
	else
		fold_small(n, R, B, m, ldb);
}

static inline void
fold_small(int n, double *R, double *B, int m, int ldb)
{
	for (int j = 0; j < n; j++)
	{
		double	   *rjj = R + j + (size_t) j * n;
		double	   *v = B + (size_t) j * ldb;
		double		alpha = *rjj;
		double		xnorm2 = 0.0;
		int			nonzero = 0;
		double		r2;
		double		beta;
		double		tau;
		double		scale;

		for (int i = 0; i < m; i++)
		{
			xnorm2 += v[i] * v[i];
			nonzero |= v[i] != 0.0;
		}
		if (!nonzero)
			continue;			/* H is the identity (a NaN is nonzero) */
		if (isnan(xnorm2))
		{
			*rjj = NAN;			/* an overflow upstream: the diagonal says so,
								 * whatever the BLAS makes of a NaN */
			continue;
		}
		r2 = alpha * alpha + xnorm2;
		if (r2 > LA_SAFE_SQ_MIN && r2 < LA_SAFE_SQ_MAX &&
			xnorm2 > LA_SAFE_SQ_MIN)
		{
			/* squares in range: dlarfg's formulas, without its rescaling */
			beta = -copysign(sqrt(r2), alpha);
			tau = (beta - alpha) / beta;
			scale = 1.0 / (alpha - beta);
			for (int i = 0; i < m; i++)
				v[i] *= scale;
			*rjj = beta;
		}
		else
		{
			/* near underflow or overflow: dlarfg rescales */
			la_api()->dlarfg_work(m + 1, rjj, v, 1, &tau);
			if (tau == 0.0)
				continue;
		}
		for (int c = j + 1; c < n; c++)
		{
			double	   *rjc = R + j + (size_t) c * n;
			double	   *bc = B + (size_t) c * ldb;
			double		w = *rjc;

			for (int i = 0; i < m; i++)
				w += v[i] * bc[i];
			w *= tau;
			*rjc -= w;
			for (int i = 0; i < m; i++)
				bc[i] -= v[i] * w;
		}
	}
}

bool
la_qr_downdate_row(int n, double *R, const double *x, double *work)
{
	double	   *a = work;
	double	   *c = work + n;
	double	   *s = work + 2 * n;
	double		norm;
	double		alpha;

	/* R'a = x, forward substitution */
	for (int j = 0; j < n; j++)
	{
		double		rjj = R[j + (size_t) j * n];
		double		t = x[j];

		if (rjj == 0.0)
			return false;
		for (int i = 0; i < j; i++)
			t -= R[i + (size_t) j * n] * a[i];
		a[j] = t / rjj;
	}
	norm = la_api()->dnrm2(n, a, 1);
	if (!(norm < 1.0))
		return false;			/* also NaN and infinities */
	/* 1 - norm^2 without cancelling against 1 */
	alpha = sqrt((1.0 - norm) * (1.0 + norm));

	/* the rotations that fold a, last element first, into alpha */
	for (int i = n - 1; i >= 0; i--)
	{
		double		scale = alpha + fabs(a[i]);
		double		ca = alpha / scale;
		double		sb = a[i] / scale;
		double		r = sqrt(ca * ca + sb * sb);

		c[i] = ca / r;
		s[i] = sb / r;
		alpha = scale * r;
	}

	/* applied to each column of [R; 0], bottom up */
	for (int j = 0; j < n; j++)
	{
		double		xx = 0.0;

		for (int i = j; i >= 0; i--)
		{
			double	   *rij = R + i + (size_t) j * n;
			double		t = c[i] * xx + s[i] * *rij;

			*rij = c[i] * *rij - s[i] * xx;
			xx = t;
		}
	}
	return true;
}

double
la_tri_rcond(int n, const double *R, int ldr, double *work, int *iwork)
{
	double		rcond = 0.0;

	if (n == 0)
		return 1.0;
	if (la_api()->dtrcon_work(LAPACK_COL_MAJOR, '1', 'U', 'N', n, R, ldr, &rcond,
							work, iwork) != 0)
		return 0.0;
	return isfinite(rcond) ? rcond : 0.0;
}

int
la_qr_merge(int n, double *R1, double *R2, double *work)
{
	int			nb = tpqrt_nb(n);

	return la_api()->dtpqrt_work(LAPACK_COL_MAJOR, n, n, n, nb, R1, n, R2, n,
							   work, nb, work + nb * n);
}

int
la_qr_subset(int n, const double *R, const int *cols, int s,
			 double *Rs, double *tmp)
{
	double	   *A = tmp;
	double	   *tau = tmp + (size_t) n * s;
	double	   *work = tau + s;
	int			info;

	for (int j = 0; j < s; j++)
		memcpy(A + (size_t) j * n, R + (size_t) cols[j] * n, sizeof(double) * n);
	info = la_api()->dgeqr2_work(LAPACK_COL_MAJOR, n, s, A, n, tau, work);
	if (info != 0)
		return info;
	for (int j = 0; j < s; j++)
		for (int i = 0; i < s; i++)
			Rs[i + (size_t) j * s] = (i <= j) ? A[i + (size_t) j * n] : 0.0;
	return 0;
}

int
la_qr_alias(int n, const double *R, const int *cols, int s,
			double tol, bool *keep, double *tmp)
{
	double	   *tau = tmp + (size_t) n * s;
	int			k = 0;

	for (int i = 0; i < s; i++)
	{
		double	   *a = tmp + (size_t) k * n;
		double		norm0;
		double		tail;

		memcpy(a, R + (size_t) cols[i] * n, sizeof(double) * n);
		norm0 = la_api()->dnrm2(n, a, 1);

		/* apply the reflectors of the columns kept so far */
		for (int r = 0; r < k; r++)
		{
			const double *v = tmp + (size_t) r * n;
			double		w = a[r];

			for (int j = r + 1; j < n; j++)
				w += v[j] * a[j];
			w *= tau[r];
			a[r] -= w;
			for (int j = r + 1; j < n; j++)
				a[j] -= w * v[j];
		}
		tail = (k < n) ? la_api()->dnrm2(n - k, a + k, 1) : 0.0;
		keep[i] = (norm0 > 0.0 && tail > tol * norm0);
		if (!keep[i])
			continue;
		la_api()->dlarfg_work(n - k, a + k, a + k + 1, 1, &tau[k]);
		k++;
	}
	return k;
}

int
la_ls_solve(int p, const double *Rs, double *coef)
{
	int			ld = p + 1;

	memcpy(coef, Rs + (size_t) p * ld, sizeof(double) * p);
	if (p == 0)
		return 0;
	return la_api()->dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', p, 1,
							   Rs, ld, coef, p);
}

int
la_tri_inverse(int p, const double *Rs, int ldr, double *inv)
{
	for (int j = 0; j < p; j++)
		for (int i = 0; i < p; i++)
			inv[i + (size_t) j * p] = (i <= j) ? Rs[i + (size_t) j * ldr] : 0.0;
	return la_api()->dtrtri_work(LAPACK_COL_MAJOR, 'U', 'N', p, inv, p);
}

void
la_upper_row_norms(int p, const double *U, double *norms)
{
	/* row j of an upper triangular matrix: columns j..p-1 */
	for (int j = 0; j < p; j++)
		norms[j] = la_api()->dnrm2(p - j, U + j + (size_t) j * p, p);
}

void
la_upper_uut(int p, const double *U, double *out)
{
	memcpy(out, U, sizeof(double) * p * p);
	la_api()->dlauum_work(LAPACK_COL_MAJOR, 'U', p, out, p);
	for (int j = 0; j < p; j++)
		for (int i = j + 1; i < p; i++)
			out[i + (size_t) j * p] = out[j + (size_t) i * p];
}

double
la_tri_condition(int p, const double *R, int ldr, double *tmp, int *iwork)
{
	double	   *a = tmp;
	double	   *sv = tmp + (size_t) p * p;
	double	   *work = sv + p;
	int			info;

	if (p == 0)
		return NAN;
	for (int j = 0; j < p; j++)
		for (int i = 0; i < p; i++)
			a[i + (size_t) j * p] = (i <= j) ? R[i + (size_t) j * ldr] : 0.0;
	info = la_api()->dgesdd_work(LAPACK_COL_MAJOR, 'N', p, p, a, p, sv,
							   NULL, 1, NULL, 1, work, 10 * p, iwork);
	if (info != 0)
		return NAN;
	if (sv[p - 1] <= 0.0)
		return INFINITY;
	return sv[0] / sv[p - 1];
}

void
la_syrk_add(int n, int m, const double *A, int lda, double *C)
{
	if (m <= 0)
		return;
	la_api()->dsyrk(CblasColMajor, CblasUpper, CblasTrans, n, m, 1.0, A, lda,
				1.0, C, n);
}

void
la_gemv_sub(int m, int n, const double *A, int lda, const double *x,
			double *y)
{
	if (m <= 0)
		return;
	la_api()->dgemv(CblasColMajor, CblasNoTrans, m, n, -1.0, A, lda, x, 1,
				1.0, y, 1);
}

void
la_sandwich(int n, const double *A, const double *B, double *out,
			double *tmp)
{
	la_api()->dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0,
				A, n, B, n, 0.0, tmp, n);
	la_api()->dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0,
				tmp, n, A, n, 0.0, out, n);
}
