/*-------------------------------------------------------------------------
 * linalg.h
 *	  Thin numerical layer over LAPACKE/CBLAS used by pg_learn's models.
 *
 * All matrices are column-major with an explicit leading dimension, as in
 * LAPACK.  Callers pass the workspace: the functions never allocate.  The
 * LAPACK and BLAS routines are opened on first use (lapack.h), which errors
 * if they cannot be.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_LINALG_H
#define PG_LEARN_LINALG_H

#include <stdbool.h>

/* Largest block size passed to LAPACK's blocked triangular-pentagonal QR. */
#define LA_TPQRT_MAX_NB 32

/* Columns beyond which the fold uses the blocked (level 3) dtpqrt. */
#define LA_FOLD_BLOCKED_MIN 64

/* Doubles of workspace la_qr_fold and la_qr_merge need for n columns. */
extern int	la_qr_work_size(int n);

/*
 * Fold m new rows B (m x n, leading dimension ldb) into the upper triangular
 * factor R (n x n, leading dimension n), so that afterwards
 * R'R = R_old'R_old + B'B.  B is overwritten.
 */
extern int	la_qr_fold(int n, double *R, double *B, int m, int ldb, double *work);

/* la_qr_fold of one row x (n values, overwritten), without BLAS. */
extern void la_qr_fold_row(int n, double *R, double *x);

/* Rows up to which la_qr_fold_small is the faster fold. */
#define LA_FOLD_SMALL_ROWS 16

/*
 * la_qr_fold of m <= LA_FOLD_SMALL_ROWS rows B (leading dimension ldb) into
 * R of n columns, without BLAS or workspace (any n works; beyond
 * LA_FOLD_BLOCKED_MIN columns la_qr_fold is faster).
 */
extern void la_qr_fold_small(int n, double *R, double *B, int m, int ldb);

/*
 * Remove the row x (n values) from the upper triangular factor R (n x n,
 * leading dimension n): afterwards R'R = R_old'R_old - x x'.  LINPACK's
 * dchdd (Saunders' method): solve R'a = x, then the plane rotations that
 * turn [a; sqrt(1 - a'a)] into the last unit vector, applied to [R; 0],
 * leave [R_new; x'].  It is mixed stable (Stewart 1979): R_new is close to
 * the exact downdate of a matrix close to R_old.  Returns false, R
 * untouched, when the downdate is not positive definite in working
 * precision (a'a >= 1: the row held all that R knew of some direction) or
 * R is singular.  work needs 3n doubles.
 */
extern bool la_qr_downdate_row(int n, double *R, const double *x, double *work);

/*
 * Reciprocal of the 1-norm condition number of the upper triangular
 * n x n matrix R (leading dimension ldr), as LAPACK's dtrcon estimates it
 * in O(n^2); 0 when R is singular.  work needs 3n doubles, iwork n ints.
 */
extern double la_tri_rcond(int n, const double *R, int ldr, double *work, int *iwork);

/*
 * Merge upper triangular R2 (n x n) into R1: afterwards
 * R1'R1 = R1_old'R1_old + R2'R2.  R2 is overwritten.
 */
extern int	la_qr_merge(int n, double *R1, double *R2, double *work);

/*
 * Upper triangular factor of the column subset cols[0..s-1] of R
 * (n x n): Rs (s x s, leading dimension s) with Rs'Rs = R[:,cols]'R[:,cols].
 * tmp needs n*s + s + la_qr_work_size(s) doubles.
 */
extern int	la_qr_subset(int n, const double *R, const int *cols, int s,
						 double *Rs, double *tmp);

/*
 * Decide, column by column in the given order, which of the columns
 * cols[0..s-1] of R are linearly dependent on the columns kept before them:
 * a column is aliased when the norm of its part orthogonal to the kept
 * columns is at most tol times its own norm (R's dqrdc2 rule, tol = 1e-7 in
 * lm).  keep[i] is set for the kept ones; returns how many were kept.
 * tmp needs n*s + n doubles.
 */
extern int	la_qr_alias(int n, const double *R, const int *cols, int s,
						double tol, bool *keep, double *tmp);

/*
 * Solve the least-squares problem whose augmented factor is Rs
 * ((p+1) x (p+1), last column the response) for its p coefficients; the
 * residual norm is |Rs[p,p]|.  Returns 0, or the LAPACK info when the
 * system is singular.
 */
extern int	la_ls_solve(int p, const double *Rs, double *coef);

/*
 * R^-1 of the upper triangular leading p x p block of Rs (leading
 * dimension ldr) into inv (p x p, upper, zeros below).  Returns 0, or the
 * LAPACK info when R is singular.
 */
extern int	la_tri_inverse(int p, const double *Rs, int ldr, double *inv);

/*
 * Euclidean norms of the rows of the upper triangular U (p x p): for
 * U = R^-1, the square roots of the diagonal of (R'R)^-1, found without
 * squaring anything.
 */
extern void la_upper_row_norms(int p, const double *U, double *norms);

/* out := U U' (full symmetric) for upper triangular U (p x p): (R'R)^-1
 * from U = R^-1. */
extern void la_upper_uut(int p, const double *U, double *out);

/*
 * Ratio of the largest to the smallest singular value of the upper
 * triangular p x p matrix R (leading dimension ldr); +inf when singular.
 * tmp needs p*p + 11*p doubles, iwork 8*p ints.
 */
extern double la_tri_condition(int p, const double *R, int ldr,
							   double *tmp, int *iwork);

/* C := C + A'A for A (m x n, leading dimension lda); C upper, n x n. */
extern void la_syrk_add(int n, int m, const double *A, int lda, double *C);

/* y := y - A x for A (m x n, leading dimension lda). */
extern void la_gemv_sub(int m, int n, const double *A, int lda,
						const double *x, double *y);

/* out := A B A for symmetric A, B (n x n, full); tmp n*n doubles. */
extern void la_sandwich(int n, const double *A, const double *B, double *out,
						double *tmp);

#endif							/* PG_LEARN_LINALG_H */
