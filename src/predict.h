/*-------------------------------------------------------------------------
 * predict.h
 *	  Scoring's hook into module start-up.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_PREDICT_H
#define PG_LEARN_PREDICT_H

/* Register the catalog invalidation callback (from _PG_init). */
extern void predict_init(void);

#endif							/* PG_LEARN_PREDICT_H */
