/*-------------------------------------------------------------------------
 * pg_learn.c
 *	  Module entry point: _PG_init and the GUCs.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include "utils/guc.h"

#include "numeric/linalg.h"
#include "predict.h"

PG_MODULE_MAGIC;

int			learn_model_cache_size = 64;

void		_PG_init(void);

void
_PG_init(void)
{
	/* parallelism comes from PostgreSQL's workers, not from BLAS threads */
	la_single_thread();

	DefineCustomIntVariable("learn.model_cache_size",
							"Model versions each backend keeps parsed for scoring.",
							NULL,
							&learn_model_cache_size,
							64, 1, 100000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("learn");

	predict_init();
}
