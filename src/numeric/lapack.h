/*-------------------------------------------------------------------------
 * lapack.h
 *	  The LAPACKE and CBLAS routines linalg.c calls, loaded on first use.
 *
 * Loading LAPACK and OpenBLAS costs a process 10-30 ms of symbol lookups
 * (OpenBLAS alone has 13,000 relocations to resolve), most of the cost of
 * loading pg_learn.  Many processes never call them: a parallel worker of
 * a grouped pass (its small states fold rows in linalg.c's own code), a
 * session or a worker that only scores.  So the library does not link
 * them: la_api() opens them the first time a routine is called.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_LAPACK_H
#define PG_LEARN_LAPACK_H

#include <cblas.h>
#include <lapacke.h>

typedef struct LaApi
{
	__typeof__(LAPACKE_dtpqrt_work) *dtpqrt_work;
	__typeof__(LAPACKE_dlarfg_work) *dlarfg_work;
	__typeof__(LAPACKE_dtrcon_work) *dtrcon_work;
	__typeof__(LAPACKE_dgeqr2_work) *dgeqr2_work;
	__typeof__(LAPACKE_dtrtrs_work) *dtrtrs_work;
	__typeof__(LAPACKE_dtrtri_work) *dtrtri_work;
	__typeof__(LAPACKE_dlauum_work) *dlauum_work;
	__typeof__(LAPACKE_dgesdd_work) *dgesdd_work;
	__typeof__(cblas_dgemv) *dgemv;
	__typeof__(cblas_dger) *dger;
	__typeof__(cblas_dnrm2) *dnrm2;
	__typeof__(cblas_dsyrk) *dsyrk;
	__typeof__(cblas_dgemm) *dgemm;
} LaApi;

/* set once the libraries are open; la_api_load opens them or errors */
extern const LaApi *la_api_loaded;
extern const LaApi *la_api_load(void);

static inline const LaApi *
la_api(void)
{
	return la_api_loaded ? la_api_loaded : la_api_load();
}

#endif							/* PG_LEARN_LAPACK_H */
