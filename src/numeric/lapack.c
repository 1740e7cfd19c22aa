/*-------------------------------------------------------------------------
 * lapack.c
 *	  Opens LAPACKE and OpenBLAS the first time linalg.c calls a routine
 *	  (see lapack.h for why the library does not link them).
 *
 * dlopen from this library searches its RPATH first (the Makefile's
 * openblas-serial directory), and the dependencies of what it opens
 * (LAPACKE's libblas.so.3 and liblapack.so.3) search it too, as they did
 * when the library linked them: the same files are mapped, only later.
 * They are opened RTLD_LOCAL: their symbols serve pg_learn alone.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dlfcn.h>

#include "lapack.h"

#ifndef PG_LEARN_BLAS_SONAME
#define PG_LEARN_BLAS_SONAME "libopenblas.so.0"
#endif
#ifndef PG_LEARN_LAPACKE_SONAME
#define PG_LEARN_LAPACKE_SONAME "liblapacke.so.3"
#endif

const LaApi *la_api_loaded = NULL;

static LaApi api;

static void *
open_library(const char *name)
{
	void	   *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);

	if (handle == NULL)
	{
		const char *error = dlerror();

		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("could not load library \"%s\": %s", name,
						error ? error : "unknown error"),
				 errhint("pg_learn needs LAPACKE and OpenBLAS (Debian: liblapacke and libopenblas0-serial).")));
	}
	return handle;
}

static void *
find_symbol(void *handle, const char *library, const char *symbol)
{
	void	   *p = dlsym(handle, symbol);

	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not find function \"%s\" in library \"%s\"",
						symbol, library)));
	return p;
}

const LaApi *
la_api_load(void)
{
	void	   *blas = open_library(PG_LEARN_BLAS_SONAME);
	void	   *lapacke = open_library(PG_LEARN_LAPACKE_SONAME);
	void		(*set_threads) (int);

#define LAPACKE(field, symbol) \
	api.field = (__typeof__(api.field)) find_symbol(lapacke, PG_LEARN_LAPACKE_SONAME, #symbol)
#define CBLAS(field, symbol) \
	api.field = (__typeof__(api.field)) find_symbol(blas, PG_LEARN_BLAS_SONAME, #symbol)
	LAPACKE(dtpqrt_work, LAPACKE_dtpqrt_work);
	LAPACKE(dlarfg_work, LAPACKE_dlarfg_work);
	LAPACKE(dtrcon_work, LAPACKE_dtrcon_work);
	LAPACKE(dgeqr2_work, LAPACKE_dgeqr2_work);
	LAPACKE(dtrtrs_work, LAPACKE_dtrtrs_work);
	LAPACKE(dtrtri_work, LAPACKE_dtrtri_work);
	LAPACKE(dlauum_work, LAPACKE_dlauum_work);
	LAPACKE(dgesdd_work, LAPACKE_dgesdd_work);
	CBLAS(dgemv, cblas_dgemv);
	CBLAS(dger, cblas_dger);
	CBLAS(dnrm2, cblas_dnrm2);
	CBLAS(dsyrk, cblas_dsyrk);
	CBLAS(dgemm, cblas_dgemm);
#undef LAPACKE
#undef CBLAS

	/*
	 * Parallelism comes from PostgreSQL's workers, not from BLAS threads.
	 * The serial OpenBLAS starts none; any other OpenBLAS is told to use one.
	 */
	set_threads = (void (*) (int)) dlsym(blas, "openblas_set_num_threads");
	if (set_threads != NULL)
		set_threads(1);

	la_api_loaded = &api;
	return la_api_loaded;
}
