/*-------------------------------------------------------------------------
 * models/linpred.h
 *	  What the families with a linear predictor b0 + b1 x1 + ... + bk xk
 *	  share (linear.c, glm.c): their terms in state column order, their
 *	  coefficients loaded for scoring, the predictor itself and the
 *	  learn.*_predict(coef, x) argument checks, and metrics JSON numbers.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_MODELS_LINPRED_H
#define PG_LEARN_MODELS_LINPRED_H

#include "family.h"

/* The terms: (intercept) at state column 0 when intercept, then the
 * features at columns 1..k.  Returns how many. */
extern int	linpred_terms(const LearnTrainSpec *spec, bool intercept, int **cols,
						  const char ***terms);

/* A group's coefficients by state column (0 the intercept) from its
 * stored terms; an aliased term (NULL estimate) adds nothing, as in R. */
extern void *linpred_load(const void *model, int nfeatures, const LearnTerm *terms,
						  int nterms, MemoryContext mcxt);

/* The same for ncoef coefficients by position (a multinomial model's). */
extern void *linpred_load_coef(int ncoef, const LearnTerm *terms, int nterms,
							   MemoryContext mcxt);

/* The coefficients callback of a family whose group is its coefficients
 * (linpred_load's): predictor p starts p * (nfeatures + 1) doubles in. */
extern const double *linpred_coefficients(const void *model, const void *group,
										  int nfeatures, int predictor);

static inline double
linpred_eta(const double *coef, const double *x, int n)
{
	double		eta = coef[0];

	for (int j = 0; j < n; j++)
		eta += coef[j + 1] * x[j];
	return eta;
}

/*
 * The arguments (coef float8[], x float8[]) of learn.linear_predict and
 * learn.logistic_predict: false when either holds a NULL, errors 22023
 * when they do not fit.
 */
extern bool linpred_args(FunctionCallInfo fcinfo, const double **coef,
						 const double **x, int *n);

/*
 * A float8 as a JSON value: its shortest text that reads back as the same
 * double (what float8out prints by default), null when it is not finite.
 */
extern void linpred_json_value(StringInfo buf, double v);

/* ", key: v" (no comma first in an object), null when v is not finite. */
extern void linpred_json_number(StringInfo buf, const char *key, double v);

#endif							/* PG_LEARN_MODELS_LINPRED_H */
