/*-------------------------------------------------------------------------
 * pg_learn.c
 *	  Module entry point: _PG_init and the GUCs.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include "utils/guc.h"

#include "predict.h"

PG_MODULE_MAGIC;

int			learn_model_cache_size = 64;
int			learn_max_group_memory = 1024 * 1024;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("learn.model_cache_size",
							"Model versions each backend keeps parsed for scoring.",
							NULL,
							&learn_model_cache_size,
							64, 1, 100000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("learn.max_group_memory",
							"Memory a training may keep for its groups between passes.",
							"A grouped model with later passes (robust standard errors, IRLS) keeps each fitted group's coefficients until the last pass; beyond this, training stops with an error. A logistic fit's last pass keeps its rows' fitted probabilities for the AUC within it; beyond, the AUC is null.",
							&learn_max_group_memory,
							1024 * 1024, 64, MAX_KILOBYTES,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("learn");

	predict_init();
}
