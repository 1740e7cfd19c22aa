/*-------------------------------------------------------------------------
 * predict.c
 *	  Scoring: learn.predict by model name (array and row forms), its
 *	  planner support function, and the per-backend cache of loaded model
 *	  versions.  Each version is loaded and scored by its family
 *	  (ScoringModel.family); nothing here knows one by name.
 *
 * A model name is resolved once per statement and call site (fn_extra
 * lives as long as the executor's FmgrInfo), so a redeploy is seen by the
 * next statement.  The parsed form of each model version is kept in a
 * per-backend cache keyed by model id: a version's content never changes,
 * so an entry stays valid across invalidations; it is only checked to be
 * the same model (an id is reused after the extension is recreated) and
 * bounded in number.  A grouped model loads its groups as rows ask for
 * them, then all at once (LAZY_GROUP_LOADS).
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "args.h"
#include "catalog.h"
#include "exprs.h"
#include "keys.h"
#include "levels.h"
#include "models/linpred.h"
#include "predict.h"

PG_FUNCTION_INFO_V1(learn_predict_array);
PG_FUNCTION_INFO_V1(learn_predict_row);
PG_FUNCTION_INFO_V1(learn_predict_cols);
PG_FUNCTION_INFO_V1(learn_predict_support);
PG_FUNCTION_INFO_V1(learn_predict_proba_array);
PG_FUNCTION_INFO_V1(learn_predict_proba_row);
PG_FUNCTION_INFO_V1(learn_predict_proba_cols);
PG_FUNCTION_INFO_V1(learn_predict_label_array);
PG_FUNCTION_INFO_V1(learn_predict_label_row);
PG_FUNCTION_INFO_V1(learn_score_trigger);
PG_FUNCTION_INFO_V1(learn_explain_array);
PG_FUNCTION_INFO_V1(learn_explain_row);
PG_FUNCTION_INFO_V1(learn_predict_proba_class_cols);
PG_FUNCTION_INFO_V1(learn_predict_label_cols);

/* ---------------------------------------------------------------------
 * Per-backend cache of parsed model versions
 * ---------------------------------------------------------------------
 */

typedef struct CacheEntry
{
	int64		id;				/* hash key */
	ScoringModel *model;
} CacheEntry;

static HTAB *model_cache = NULL;
static MemoryContext cache_cxt = NULL;

/*
 * A grouped model loads the groups its rows ask for one at a time, with
 * an index lookup each, until this many; the next unknown key loads them
 * all with one ordered scan.  A query that scores a few groups of a large
 * model (in each parallel worker) so never reads the rest, and one that
 * scores many pays at most this many lookups more than a full load.
 */
#define LAZY_GROUP_LOADS 64

/*
 * Bumped by every relcache invalidation of learn.models: training that
 * deploys, deploying and dropping send one (catalog_models_changed), and
 * so do dropping the extension, ANALYZE, VACUUM and any DDL on the table.
 * Other backends, and the backends of a hot standby that replays the
 * commit, see it when they accept invalidations, which each call site
 * makes them do once per statement (predict_site_for); this one sees it
 * at the next CommandCounterIncrement.  So even a PL/pgSQL function that
 * keeps its call sites for the whole transaction resolves names again
 * after a redeploy.  It only makes call sites resolve names again (one indexed
 * query each); the cache of loaded versions does not depend on it.
 */
static uint64 models_generation = 1;
static Oid	models_relid = InvalidOid;

/*
 * Bumped whenever a cached version is freed (replaced, or the cache
 * emptied); call sites then fetch their version from the cache again.
 */
static uint64 cache_epoch = 0;

static void
models_inval_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == models_relid)
		models_generation++;
}

void
predict_init(void)
{
	CacheRegisterRelcacheCallback(models_inval_callback, (Datum) 0);
}

static void
cache_reset(void)
{
	HASHCTL		ctl;

	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(CacheMemoryContext, "pg_learn model cache",
										  ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(cache_cxt);
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(CacheEntry);
	ctl.hcxt = cache_cxt;
	model_cache = hash_create("pg_learn models", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	cache_epoch++;
}

/*
 * The loaded version id, whose learn.models row says trained_at.  A
 * version's content never changes, so a cached version stays valid across
 * any invalidation.  Only its id can come to mean another model: after
 * DROP EXTENSION and CREATE EXTENSION the ids start again at 1.  Such a
 * model is in another learn.models (another OID) and was trained at
 * another time (the same transaction could train both, but not in the
 * same table), so an entry serves only when both match what the caller
 * resolved from the catalog just now.
 */
static ScoringModel *
cache_get(int64 id, TimestampTz trained_at)
{
	CacheEntry *e;
	ScoringModel *m;
	bool		found;
	Oid			relid = catalog_models_relid();

	if (model_cache == NULL)
		cache_reset();
	e = hash_search(model_cache, &id, HASH_FIND, NULL);
	if (e)
	{
		if (e->model->trained_at == trained_at && e->model->models_relid == relid)
			return e->model;
		/* another model under a reused id: drop what the old one had */
		MemoryContextDelete(e->model->mcxt);
		hash_search(model_cache, &id, HASH_REMOVE, NULL);
		cache_epoch++;
	}
	else if (hash_get_num_entries(model_cache) >= learn_model_cache_size)
		cache_reset();
	m = catalog_load_scoring(id);
	MemoryContextSetParent(m->mcxt, cache_cxt);
	e = hash_search(model_cache, &id, HASH_ENTER, &found);
	e->model = m;
	return m;
}

/*
 * The group of a grouped model that key (joining values) names, loading
 * it first if need be; NULL when the model has no such group.
 */
static const ScoringGroup *
model_group(ScoringModel *m, const char *key, char *const *values)
{
	ScoringGroup *g = catalog_find_group(m, key);

	if (g == NULL && !m->complete)
	{
		if (m->nlazy < LAZY_GROUP_LOADS)
			g = catalog_load_group(m, key, values);
		else
		{
			catalog_load_all_groups(m);
			g = catalog_find_group(m, key);
		}
	}
	return g != NULL && g->data != NULL ? g : NULL;
}

/* ---------------------------------------------------------------------
 * Per-call-site state
 * ---------------------------------------------------------------------
 */

#define EXPLAIN_VALUE	0
#define EXPLAIN_IMPUTED	1		/* NULL, replaced by the imputed value */
#define EXPLAIN_UNSEEN	2		/* a level training never saw */

typedef struct PredictSite
{
	text	   *spec;			/* model reference last resolved */
	uint64		resolved_generation;	/* models_generation then */
	TimestampTz statement;		/* start of the statement that last used it */
	int64		id;
	TimestampTz trained_at;		/* learn.models.trained_at of id */
	uint64		epoch;			/* cache_epoch when model was fetched */
	ScoringModel *model;
	double	   *x;				/* the model's nx terms */
	int			xcap;
	double	   *proba;			/* a multiclass model's class probabilities */
	int			probacap;

	/* row forms: how the offered columns map to the model */
	int64		mapped_model_id;
	Oid			rowtype;
	int32		rowtypmod;
	uint64		rowtype_id;		/* the typcache's identifier of its layout */
	TupleDesc	tupdesc;		/* a copy, for deforming */
	int		   *feat_att;		/* 0-based attribute of each feature */
	LearnArgKind *feat_kind;
	Oid		   *feat_type;		/* a categorical feature's column type */
	ExprState **feat_expr;		/* a feature expression's state, or NULL;
								 * NULL when the row's columns are read as
								 * they are */
	TupleTableSlot *expr_slot;	/* the offered columns, for feat_expr */
	ExprContext *expr_context;

	/* learn.explain: what the last scored row was made of */
	bool		explaining;
	char	   *flags;			/* each feature: EXPLAIN_* */
	char	  **level_text;		/* each categorical feature's value text */
	const ScoringGroup *group;	/* the group that scored it */
	FmgrInfo   *feat_out;		/* and its output function */
	int		   *group_att;
	KeyFormatter *group_fmt;
	char	  **group_values;	/* a row's group values as text */
	Datum	   *values;
	bool	   *nulls;
	StringInfoData key;
} PredictSite;

static PredictSite *
predict_site_for(FmgrInfo *flinfo, text *spec)
{
	PredictSite *site = flinfo->fn_extra;
	MemoryContext mcxt = flinfo->fn_mcxt;

	if (site == NULL)
	{
		site = MemoryContextAllocZero(mcxt, sizeof(PredictSite));
		flinfo->fn_extra = site;
	}

	/*
	 * A call site can outlive its statement: PL/pgSQL keeps its
	 * expressions for the whole transaction.  The relcache message of a
	 * deploy committed by another session, or replayed from the primary
	 * on a hot standby, bumps models_generation only when this backend
	 * accepts invalidations, and inside a transaction block nothing else
	 * makes it do so while it holds its locks.  So a call site accepts
	 * them once per statement; each further row costs one comparison.
	 */
	if (site->statement != GetCurrentStatementStartTimestamp())
	{
		site->statement = GetCurrentStatementStartTimestamp();
		AcceptInvalidationMessages();
	}
	if (site->spec == NULL || site->resolved_generation != models_generation ||
		VARSIZE_ANY_EXHDR(site->spec) != VARSIZE_ANY_EXHDR(spec) ||
		memcmp(VARDATA_ANY(site->spec), VARDATA_ANY(spec), VARSIZE_ANY_EXHDR(spec)) != 0)
	{
		uint64		generation = models_generation;
		TimestampTz trained_at;
		int64		id = catalog_resolve_model(text_to_cstring(spec), &trained_at);
		MemoryContext old = MemoryContextSwitchTo(mcxt);

		models_relid = catalog_models_relid();

		if (site->spec)
			pfree(site->spec);
		site->spec = (text *) DatumGetPointer(datumCopy(PointerGetDatum(spec), false, -1));
		MemoryContextSwitchTo(old);
		site->resolved_generation = generation;
		/*
		 * The same id and time in a recreated extension is another model
		 * (a model of another epoch is fetched again below anyway).
		 */
		if (id != site->id || trained_at != site->trained_at ||
			(site->model != NULL && site->epoch == cache_epoch &&
			 site->model->models_relid != models_relid))
			site->model = NULL;
		site->id = id;
		site->trained_at = trained_at;
	}
	if (site->model == NULL || site->epoch != cache_epoch)
	{
		int			nfeatures;

		site->model = cache_get(site->id, site->trained_at);
		site->epoch = cache_epoch;
		nfeatures = Max(site->model->nx, 1);
		if (site->x == NULL || site->xcap < nfeatures)
		{
			site->x = MemoryContextAlloc(mcxt, sizeof(double) * nfeatures);
			site->xcap = nfeatures;
		}
		if (site->model->family->score_classes &&
			(site->proba == NULL || site->probacap < site->model->nclasses))
		{
			site->proba = MemoryContextAlloc(mcxt, sizeof(double) *
											 Max(site->model->nclasses, 1));
			site->probacap = site->model->nclasses;
		}
	}
	return site;
}

/* The call site of a scoring function whose argument 0 is the model. */
static PredictSite *
predict_site(FunctionCallInfo fcinfo)
{
	return predict_site_for(fcinfo->flinfo, PG_GETARG_TEXT_PP(0));
}

/*
 * Score one row of features with a group of a model.  A multiclass model
 * leaves its class probabilities in site->proba and scores the index of
 * the most probable class (the first of equals).
 */
static inline double
model_score(PredictSite *site, const ScoringGroup *g, const double *x)
{
	const ScoringModel *m = site->model;
	int			best = 0;

	if (m->family->score_classes == NULL)
		return m->family->score(m->model_data, g->data, x, m->nx);
	m->family->score_classes(m->model_data, g->data, x, m->nx, site->proba);
	for (int c = 1; c < m->nclasses; c++)
		if (site->proba[c] > site->proba[best])
			best = c;
	return best;
}

/* The array form: false for a NULL score (NULL array or element). */
static bool
score_array(FunctionCallInfo fcinfo, PredictSite **sitep, double *result)
{
	PredictSite *site;
	ScoringModel *m;
	ArrayType  *xa;
	int			n;
	Datum	   *elems;
	bool	   *nulls;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	site = predict_site(fcinfo);
	*sitep = site;
	m = site->model;
	if (m->ngroupcols > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" is grouped by %s; score a row, not an array",
						m->name, m->group_by[0])));
	if (m->levels)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" has categorical features; score a row, not an array",
						m->name),
				 errhint("Pass the row: learn.predict('%s', t) FROM t.", m->name)));
	if (PG_ARGISNULL(1))
		return false;
	xa = PG_GETARG_ARRAYTYPE_P(1);
	n = ArrayGetNItems(ARR_NDIM(xa), ARR_DIMS(xa));
	if (ARR_NDIM(xa) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the features must be a one-dimensional array")));
	if (n != m->nfeatures)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" takes %d features, but the array has %d",
						m->name, m->nfeatures, n),
				 errhint("The order is that of learn.models.features.")));
	site->group = m->single;
	if (site->explaining)
		memset(site->flags, EXPLAIN_VALUE, m->nfeatures);
	if (!ARR_HASNULL(xa))
	{
		if (site->explaining)
			memcpy(site->x, ARR_DATA_PTR(xa), sizeof(double) * n);
		*result = model_score(site, m->single, (double *) ARR_DATA_PTR(xa));
		return true;
	}
	deconstruct_array(xa, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &n);
	for (int j = 0; j < n; j++)
	{
		if (nulls[j] && m->impute == NULL)
			return false;
		site->x[j] = nulls[j] ? m->impute[j] : DatumGetFloat8(elems[j]);
		if (site->explaining && nulls[j])
			site->flags[j] = EXPLAIN_IMPUTED;
	}
	*result = model_score(site, m->single, site->x);
	return true;
}

/*
 * The columns a row-like input offers: names and types, in argument or
 * attribute order.
 */
typedef struct ColumnSet
{
	int			n;
	const char **names;
	Oid		   *types;
	bool		computed;		/* the features' expressions are computed:
								 * columns named as the features */
} ColumnSet;

static int
find_column(const ColumnSet *cs, const char *name)
{
	for (int i = 0; i < cs->n; i++)
		if (cs->names[i] != NULL && strcmp(cs->names[i], name) == 0)
			return i;
	return -1;
}

/* An offered column as a Var of the expression slot. */
static Node *
expr_column_var(void *arg, const char *name, int location)
{
	const ColumnSet *cs = arg;
	int			a = find_column(cs, name);

	if (a < 0)
		return NULL;
	return (Node *) makeVar(1, a + 1, cs->types[a], -1, get_typcollation(cs->types[a]), 0);
}

/*
 * Compile the model's feature expressions over the offered columns, into
 * site->feat_expr, with a slot that holds a row's columns for them.
 */
static void
compile_feature_exprs(PredictSite *site, const ColumnSet *cs, MemoryContext mcxt)
{
	ScoringModel *m = site->model;
	TupleDesc	td = CreateTemplateTupleDesc(Max(cs->n, 1));

	site->feat_expr = palloc0(sizeof(ExprState *) * m->nfeatures);
	for (int i = 0; i < cs->n; i++)
		TupleDescInitEntry(td, i + 1, cs->names[i] ? cs->names[i] : "dropped",
						   OidIsValid(cs->types[i]) ? cs->types[i] : INT4OID, -1, 0);
	for (int i = cs->n; i < Max(cs->n, 1); i++)
		TupleDescInitEntry(td, i + 1, "none", INT4OID, -1, 0);
	site->expr_slot = MakeSingleTupleTableSlot(td, &TTSOpsVirtual);
	site->expr_context = CreateStandaloneExprContext();
	for (int j = 0; j < m->nfeatures; j++)
	{
		Node	   *raw;
		char	   *sql;
		Node	   *expr;

		if (m->feature_exprs[j] == NULL)
			continue;
		raw = feature_expr_raw(m->feature_exprs[j], &sql);
		expr = feature_expr_analyze(raw, sql, m->features[j], m->name, FEATURE_EXPR_SCORE,
									expr_column_var, (void *) cs);
		site->feat_expr[j] = ExecInitExpr((Expr *) expression_planner((Expr *) expr), NULL);
	}
}

/* Map the model's features and group columns to the offered columns. */
static void
map_columns(PredictSite *site, const ColumnSet *cs, MemoryContext mcxt)
{
	ScoringModel *m = site->model;
	MemoryContext old;

	/* a call site that goes through many models keeps only the last map */
	if (site->expr_slot)
	{
		ExecDropSingleTupleTableSlot(site->expr_slot);
		FreeExprContext(site->expr_context, true);
		site->expr_slot = NULL;
		site->expr_context = NULL;
	}
	site->feat_expr = NULL;
	if (site->feat_att)
	{
		pfree(site->feat_att);
		pfree(site->feat_kind);
		pfree(site->feat_type);
		pfree(site->feat_out);
		pfree(site->group_att);
		pfree(site->group_fmt);
		pfree(site->group_values);
	}
	old = MemoryContextSwitchTo(mcxt);
	site->feat_att = palloc(sizeof(int) * Max(m->nfeatures, 1));
	site->feat_kind = palloc(sizeof(LearnArgKind) * Max(m->nfeatures, 1));
	site->feat_type = palloc0(sizeof(Oid) * Max(m->nfeatures, 1));
	site->feat_out = palloc0(sizeof(FmgrInfo) * Max(m->nfeatures, 1));
	if (m->feature_exprs && !cs->computed)
		compile_feature_exprs(site, cs, mcxt);
	for (int j = 0; j < m->nfeatures; j++)
	{
		int			a;
		Oid			typid;

		if (site->feat_expr && site->feat_expr[j])
		{
			a = -1;
			typid = getBaseType(exprType((Node *) site->feat_expr[j]->expr));
		}
		else
		{
			a = find_column(cs, m->features[j]);
			if (a < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("the row has no column \"%s\", a feature of model \"%s\"",
								m->features[j], m->name)));
			typid = getBaseType(cs->types[a]);
		}
		site->feat_att[j] = a;
		if (m->levels && m->levels[j])
		{
			/* categorical: a value is found by its text */
			Oid			out;
			bool		varlena;

			getTypeOutputInfo(typid, &out, &varlena);
			fmgr_info_cxt(out, &site->feat_out[j], mcxt);
			site->feat_type[j] = typid;
			continue;
		}
		if (!learn_arg_kind(typid, &site->feat_kind[j]))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s \"%s\" has type %s, which is not numeric or boolean",
							a < 0 ? "feature expression" : "column",
							m->features[j], format_type_be(typid))));
	}
	site->group_att = palloc(sizeof(int) * Max(m->ngroupcols, 1));
	site->group_fmt = palloc(sizeof(KeyFormatter) * Max(m->ngroupcols, 1));
	site->group_values = palloc(sizeof(char *) * Max(m->ngroupcols, 1));
	for (int g = 0; g < m->ngroupcols; g++)
	{
		int			a = find_column(cs, m->group_by[g]);

		if (a < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the row has no column \"%s\", a group_by column of model \"%s\"",
							m->group_by[g], m->name)));
		key_formatter_init(&site->group_fmt[g], cs->types[a], mcxt);
		site->group_att[g] = a;
	}
	if (site->key.data == NULL)
		initStringInfo(&site->key);
	MemoryContextSwitchTo(old);
	site->mapped_model_id = m->id;
}

/* An error while a feature's expression is computed names it. */
typedef struct FeatureEval
{
	const ScoringModel *model;
	int			feature;
} FeatureEval;

static void
feature_eval_context(void *arg)
{
	FeatureEval *fe = arg;

	errcontext("computing feature \"%s\" of model \"%s\"",
			   fe->model->features[fe->feature], fe->model->name);
}

/*
 * Score mapped column values; false (a NULL score) when a feature is NULL
 * or the row's group is unknown to the model.
 */
static bool
score_columns(PredictSite *site, const Datum *values, const bool *nulls,
			  double *result)
{
	ScoringModel *m = site->model;
	const ScoringGroup *grp;

	if (site->feat_expr)
	{
		TupleTableSlot *slot = site->expr_slot;
		int			n = slot->tts_tupleDescriptor->natts;

		ExecClearTuple(slot);
		memcpy(slot->tts_values, values, sizeof(Datum) * n);
		memcpy(slot->tts_isnull, nulls, sizeof(bool) * n);
		ExecStoreVirtualTuple(slot);
		ResetExprContext(site->expr_context);
		site->expr_context->ecxt_scantuple = slot;
	}
	for (int j = 0; j < m->nfeatures; j++)
	{
		int			a = site->feat_att[j];
		int			p = m->xpos[j];
		Datum		v;
		bool		isnull;

		if (a >= 0)
		{
			v = values[a];
			isnull = nulls[a];
		}
		else
		{
			FeatureEval fe;
			ErrorContextCallback errcb;

			fe.model = m;
			fe.feature = j;
			errcb.callback = feature_eval_context;
			errcb.arg = &fe;
			errcb.previous = error_context_stack;
			error_context_stack = &errcb;
			v = ExecEvalExprSwitchContext(site->feat_expr[j], site->expr_context, &isnull);
			error_context_stack = errcb.previous;
		}
		if (isnull)
		{
			/* NULL gives NULL, unless the model imputes */
			if (m->impute == NULL)
				return false;
			if (site->explaining)
			{
				site->flags[j] = EXPLAIN_IMPUTED;
				site->level_text[j] = NULL;
			}
			if (m->levels && m->levels[j])
			{
				memset(site->x + p, 0, sizeof(double) * levels_count(m->levels[j]));
				site->x[p + (int) m->impute[j]] = 1.0;
			}
			else
				site->x[p] = m->impute[j];
			continue;
		}
		if (m->levels && m->levels[j])
		{
			/* one indicator per level; an unseen level is the reference */
			int			i = levels_find_datum(m->levels[j], v, site->feat_type[j],
											  &site->feat_out[j]);

			memset(site->x + p, 0, sizeof(double) * levels_count(m->levels[j]));
			if (i >= 0)
				site->x[p + i] = 1.0;
			if (site->explaining)
			{
				site->flags[j] = i >= 0 ? EXPLAIN_VALUE : EXPLAIN_UNSEEN;
				site->level_text[j] = OutputFunctionCall(&site->feat_out[j], v);
			}
			continue;
		}
		if (site->explaining)
			site->flags[j] = EXPLAIN_VALUE;
		site->x[p] = learn_datum_to_double(v, site->feat_kind[j]);
	}
	if (m->ngroupcols == 0)
		grp = m->single;
	else
	{
		resetStringInfo(&site->key);
		for (int g = 0; g < m->ngroupcols; g++)
		{
			int			a = site->group_att[g];

			site->group_values[g] = nulls[a] ? NULL : key_text(&site->group_fmt[g], values[a]);
			key_append(&site->key, site->group_values[g]);
		}
		grp = model_group(m, site->key.data, site->group_values);
		if (grp == NULL)
			return false;
	}
	site->group = grp;
	*result = model_score(site, grp, site->x);
	return true;
}

static void
check_model_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
}

/* The row form: false for a NULL score. */
/* A copy of the layout of the rows to score, and room for one row. */
static void
site_set_rowdesc(PredictSite *site, TupleDesc td, MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);

	if (site->tupdesc)
	{
		FreeTupleDesc(site->tupdesc);
		pfree(site->values);
		pfree(site->nulls);
	}
	site->tupdesc = CreateTupleDescCopy(td);
	site->values = palloc(sizeof(Datum) * Max(site->tupdesc->natts, 1));
	site->nulls = palloc(sizeof(bool) * Max(site->tupdesc->natts, 1));
	MemoryContextSwitchTo(old);
	site->mapped_model_id = 0;
}

/* Map the model's columns to those of the rows' layout, once per model. */
static void
site_map_rowdesc(PredictSite *site, MemoryContext mcxt)
{
	TupleDesc	td = site->tupdesc;
	ColumnSet	cs;

	if (site->mapped_model_id == site->model->id)
		return;
	cs.n = td->natts;
	cs.computed = false;
	cs.names = palloc(sizeof(char *) * Max(td->natts, 1));
	cs.types = palloc(sizeof(Oid) * Max(td->natts, 1));
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		cs.names[i] = att->attisdropped ? NULL : NameStr(att->attname);
		cs.types[i] = att->atttypid;
	}
	map_columns(site, &cs, mcxt);
}

static bool
score_row(FunctionCallInfo fcinfo, PredictSite **sitep, double *result)
{
	PredictSite *site;
	HeapTupleHeader rec;
	HeapTupleData tuple;
	Oid			rowtype;
	int32		rowtypmod;
	uint64		rowtype_id;

	check_model_arg(fcinfo);
	site = predict_site(fcinfo);
	*sitep = site;
	if (PG_ARGISNULL(1))
		return false;
	rec = PG_GETARG_HEAPTUPLEHEADER(1);
	rowtype = HeapTupleHeaderGetTypeId(rec);
	rowtypmod = HeapTupleHeaderGetTypMod(rec);

	/*
	 * The same type may have another layout after ALTER TABLE: the
	 * typcache gives each layout of a type its own identifier.
	 */
	rowtype_id = assign_record_type_identifier(rowtype, rowtypmod);
	if (site->tupdesc == NULL || site->rowtype != rowtype ||
		site->rowtypmod != rowtypmod || site->rowtype_id != rowtype_id)
	{
		TupleDesc	td = lookup_rowtype_tupdesc(rowtype, rowtypmod);

		site_set_rowdesc(site, td, fcinfo->flinfo->fn_mcxt);
		ReleaseTupleDesc(td);
		site->rowtype = rowtype;
		site->rowtypmod = rowtypmod;
		site->rowtype_id = rowtype_id;
	}
	site_map_rowdesc(site, fcinfo->flinfo->fn_mcxt);

	tuple.t_len = HeapTupleHeaderGetDatumLength(rec);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = rec;
	heap_deform_tuple(&tuple, site->tupdesc, site->values, site->nulls);
	return score_columns(site, site->values, site->nulls, result);
}

/*
 * learn._predict_cols(model text, names text[], VARIADIC cols "any"): the
 * row form after the planner support function took the row apart into
 * the columns the model needs (see predict_support).  Columns are matched
 * by name again whenever the resolved model version changes.
 */
/* learn._predict_cols's form: false for a NULL score. */
static bool
score_cols_from(FunctionCallInfo fcinfo, PredictSite **sitep, double *result, int first)
{
	PredictSite *site;
	int			ncols = PG_NARGS() - first;

	check_model_arg(fcinfo);
	site = predict_site(fcinfo);
	*sitep = site;
	if (site->mapped_model_id != site->model->id)
	{
		MemoryContext mcxt = fcinfo->flinfo->fn_mcxt;
		ColumnSet	cs;
		Datum	   *names;
		bool	   *nnulls;
		int			nn = -1;

		if (!PG_ARGISNULL(1))
			deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, -1, false, TYPALIGN_INT,
							  &names, &nnulls, &nn);
		if (PG_ARGISNULL(1) || nn != ncols)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("learn._predict_cols needs one name for each of its %d columns",
							ncols)));
		cs.n = ncols;
		cs.computed = true;
		cs.names = palloc(sizeof(char *) * Max(ncols, 1));
		cs.types = palloc(sizeof(Oid) * Max(ncols, 1));
		for (int i = 0; i < ncols; i++)
		{
			cs.names[i] = nnulls[i] ? NULL : TextDatumGetCString(names[i]);
			cs.types[i] = get_fn_expr_argtype(fcinfo->flinfo, i + first);
		}
		map_columns(site, &cs, mcxt);
		if (site->nulls == NULL)
			site->nulls = MemoryContextAlloc(mcxt, sizeof(bool) * Max(ncols, 1));
	}
	for (int i = 0; i < ncols; i++)
		site->nulls[i] = PG_ARGISNULL(i + first);
	/* the arguments are the values; skip model and names (and class) */
	{
		Datum		vals[FUNC_MAX_ARGS];

		for (int i = 0; i < ncols; i++)
			vals[i] = PG_GETARG_DATUM(i + first);
		return score_columns(site, vals, site->nulls, result);
	}
}

static bool
score_cols(FunctionCallInfo fcinfo, PredictSite **sitep, double *result)
{
	return score_cols_from(fcinfo, sitep, result, 2);
}

/* learn._predict_proba_class_cols(model, names, class, VARIADIC cols) */
static bool
score_cols_class(FunctionCallInfo fcinfo, PredictSite **sitep, double *result)
{
	return score_cols_from(fcinfo, sitep, result, 3);
}

/* ---------------------------------------------------------------------
 * What is returned: learn.predict, learn.predict_proba, learn.predict_label
 * ---------------------------------------------------------------------
 */

/* A multiclass family's model scores every class (model_score). */
static inline bool
multiclass(const ScoringModel *m)
{
	return m->family->score_classes != NULL;
}

/*
 * The class a classifier's score picks: a binary one's last when its
 * probability is over 0.5; a multiclass one's score is the class.
 */
static inline int
predicted_class(const ScoringModel *m, double score)
{
	if (multiclass(m))
		return (int) score;
	return score > 0.5 ? m->nclasses - 1 : 0;
}

static void
check_classifier(const ScoringModel *m, const char *fname)
{
	if (!m->classifier || (m->nclasses != 2 && !multiclass(m)))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("model \"%s\" is not a binary classifier, so it has no %s",
						m->name, fname),
				 errhint("Score it with learn.predict.")));
}

/* learn.predict: a regression's value, a classifier's class as a number */
static Datum
predict_value(const ScoringModel *m, double score)
{
	double		v;

	if (!m->classifier)
		return Float8GetDatum(score);
	check_classifier(m, "numeric prediction");
	v = m->class_values[predicted_class(m, score)];
	if (isnan(v))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("model \"%s\" has classes that are not numbers, so learn.predict cannot return them",
						m->name),
				 errhint("Use learn.predict_label for the class, or learn.predict_proba for its probability.")));
	return Float8GetDatum(v);
}

/*
 * learn.predict_proba: the probability of the last class, or of cls (a
 * multiclass model's probabilities are in proba).
 */
static Datum
predict_proba_value(const ScoringModel *m, double score, const double *proba, text *cls)
{
	char	   *c;

	check_classifier(m, "class probabilities");
	if (multiclass(m))
	{
		if (cls == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model \"%s\" has %d classes, so learn.predict_proba needs the class whose probability it returns",
							m->name, m->nclasses),
					 errhint("Call learn.predict_proba(model, x, class).")));
		c = text_to_cstring(cls);
		for (int i = 0; i < m->nclasses; i++)
			if (strcmp(c, m->classes[i]) == 0)
				return Float8GetDatum(proba[i]);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model \"%s\" has no class \"%s\"", m->name, c),
				 errdetail("Its classes are those of learn.models.classes.")));
	}
	if (cls == NULL)
		return Float8GetDatum(score);
	c = text_to_cstring(cls);
	if (strcmp(c, m->classes[1]) == 0)
		return Float8GetDatum(score);
	if (strcmp(c, m->classes[0]) == 0)
		return Float8GetDatum(1.0 - score);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("model \"%s\" has no class \"%s\"", m->name, c),
			 errdetail("Its classes are \"%s\" and \"%s\".", m->classes[0], m->classes[1])));
	return (Datum) 0;
}

static Datum
predict_label_value(const ScoringModel *m, double score)
{
	check_classifier(m, "class labels");
	return CStringGetTextDatum(m->classes[predicted_class(m, score)]);
}

/* What a scoring function returns of a score. */
typedef enum PredictOutput
{
	OUTPUT_VALUE,				/* learn.predict */
	OUTPUT_PROBA,				/* learn.predict_proba */
	OUTPUT_LABEL				/* learn.predict_label */
} PredictOutput;

typedef bool (*Scorer) (FunctionCallInfo fcinfo, PredictSite **site, double *score);

/*
 * Score with one of the forms and return what is asked for; class_arg:
 * argument 2 is learn.predict_proba's class (its three-argument forms),
 * whose NULL gives NULL, as a NULL feature does.
 */
static Datum
predict_output(FunctionCallInfo fcinfo, Scorer score, PredictOutput output,
			   bool class_arg)
{
	PredictSite *site;
	double		s;

	if (!score(fcinfo, &site, &s) || (class_arg && PG_ARGISNULL(2)))
		PG_RETURN_NULL();
	switch (output)
	{
		case OUTPUT_VALUE:
			return predict_value(site->model, s);
		case OUTPUT_PROBA:
			return predict_proba_value(site->model, s, site->proba,
									   class_arg && !PG_ARGISNULL(2) ?
									   PG_GETARG_TEXT_PP(2) : NULL);
		case OUTPUT_LABEL:
			return predict_label_value(site->model, s);
	}
	PG_RETURN_NULL();
}

Datum
learn_predict_array(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_array, OUTPUT_VALUE, false);
}

Datum
learn_predict_row(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_row, OUTPUT_VALUE, false);
}

Datum
learn_predict_cols(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_cols, OUTPUT_VALUE, false);
}

/* learn.predict_proba(model, x float8[] [, class text]) */
Datum
learn_predict_proba_array(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_array, OUTPUT_PROBA, PG_NARGS() == 3);
}

/* learn.predict_proba(model, x record [, class text]) */
Datum
learn_predict_proba_row(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_row, OUTPUT_PROBA, PG_NARGS() == 3);
}

/* learn._predict_proba_cols: learn.predict_proba's row form, rewritten */
Datum
learn_predict_proba_cols(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_cols, OUTPUT_PROBA, false);
}

/* learn._predict_proba_class_cols: the same with a class, rewritten */
Datum
learn_predict_proba_class_cols(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_cols_class, OUTPUT_PROBA, true);
}

/* learn._predict_label_cols: learn.predict_label's row form, rewritten */
Datum
learn_predict_label_cols(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_cols, OUTPUT_LABEL, false);
}

Datum
learn_predict_label_array(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_array, OUTPUT_LABEL, false);
}

Datum
learn_predict_label_row(PG_FUNCTION_ARGS)
{
	return predict_output(fcinfo, score_row, OUTPUT_LABEL, false);
}

/* ---------------------------------------------------------------------
 * learn.explain: each feature's part in one prediction
 * ---------------------------------------------------------------------
 */

/* A number per linear predictor: plain for one, else an object by class. */
static void
explain_numbers(StringInfo b, const ScoringModel *m, const double *v, int npred)
{
	if (npred == 1)
	{
		linpred_json_value(b, v[0]);
		return;
	}
	appendStringInfoChar(b, '{');
	for (int c = 0; c < npred; c++)
	{
		if (c > 0)
			appendStringInfoString(b, ", ");
		escape_json(b, m->classes[c + 1]);
		appendStringInfoString(b, ": ");
		linpred_json_value(b, v[c]);
	}
	appendStringInfoChar(b, '}');
}

/*
 * The explanation of one row as JSON text: the intercept and, for each
 * feature, its value, its term, the term's estimate and its contribution
 * (estimate times value, on the link scale), which sum to the linear
 * predictor; then the prediction.  A categorical feature contributes the
 * estimate of its level's term (0 for the reference level and for a level
 * training never saw, flagged "unseen_level"); a NULL the model imputed
 * is flagged "imputed".
 */
static char *
explain_json(PredictSite *site, double score)
{
	ScoringModel *m = site->model;
	int			npred = m->family->score_classes ? Max(m->nclasses - 1, 1) : 1;
	const double **coef = palloc(sizeof(double *) * npred);
	double	   *v = palloc(sizeof(double) * npred);
	double	   *eta = palloc(sizeof(double) * npred);
	StringInfoData b;

	for (int c = 0; c < npred; c++)
	{
		coef[c] = m->family->coefficients(m->model_data, site->group->data, m->nx, c);
		eta[c] = coef[c][0];
	}
	initStringInfo(&b);
	appendStringInfoString(&b, "{\"model\": ");
	escape_json(&b, m->name);
	appendStringInfo(&b, ", \"version\": %d", m->version);
	if (m->ngroupcols > 0)
	{
		appendStringInfoString(&b, ", \"group\": {");
		for (int g = 0; g < m->ngroupcols; g++)
		{
			if (g > 0)
				appendStringInfoString(&b, ", ");
			escape_json(&b, m->group_by[g]);
			appendStringInfoString(&b, ": ");
			if (site->group_values[g])
				escape_json(&b, site->group_values[g]);
			else
				appendStringInfoString(&b, "null");
		}
		appendStringInfoChar(&b, '}');
	}
	appendStringInfoString(&b, ", \"intercept\": ");
	explain_numbers(&b, m, eta, npred);
	appendStringInfoString(&b, ", \"features\": [");
	for (int j = 0; j < m->nfeatures; j++)
	{
		int			p = m->xpos[j];
		int			col = p;	/* the term's place in x */
		double		x;
		bool		reference = false;

		appendStringInfoString(&b, j > 0 ? ", {\"feature\": " : "{\"feature\": ");
		escape_json(&b, m->features[j]);
		appendStringInfoString(&b, ", \"value\": ");
		if (m->levels && m->levels[j])
		{
			int			nl = levels_count(m->levels[j]);
			const char *text = site->level_text ? site->level_text[j] : NULL;

			col = -1;
			for (int i = 0; i < nl; i++)
				if (site->x[p + i] != 0.0)
					col = p + i;
			if (text == NULL && col >= 0)
				text = levels_text(m->levels[j], col - p);
			if (text)
				escape_json(&b, text);
			else
				appendStringInfoString(&b, "null");
			appendStringInfoString(&b, ", \"term\": ");
			reference = m->intercept && col == p;
			if (col >= 0 && !reference)
				escape_json(&b, psprintf("%s=%s", m->features[j], levels_text(m->levels[j], col - p)));
			else
				appendStringInfoString(&b, "null");
			x = 1.0;
		}
		else
		{
			x = site->x[p];
			linpred_json_value(&b, x);
			appendStringInfoString(&b, ", \"term\": ");
			escape_json(&b, m->features[j]);
		}
		for (int c = 0; c < npred; c++)
			v[c] = col >= 0 ? coef[c][col + 1] : 0.0;
		appendStringInfoString(&b, ", \"estimate\": ");
		explain_numbers(&b, m, v, npred);
		for (int c = 0; c < npred; c++)
		{
			v[c] *= x;
			eta[c] += v[c];
		}
		appendStringInfoString(&b, ", \"contribution\": ");
		explain_numbers(&b, m, v, npred);
		if (reference)
			appendStringInfoString(&b, ", \"reference_level\": true");
		if (site->flags[j] == EXPLAIN_IMPUTED)
			appendStringInfoString(&b, ", \"imputed\": true");
		else if (site->flags[j] == EXPLAIN_UNSEEN)
			appendStringInfoString(&b, ", \"unseen_level\": true");
		appendStringInfoChar(&b, '}');
	}
	appendStringInfoString(&b, "], \"linear_predictor\": ");
	explain_numbers(&b, m, eta, npred);
	if (!m->classifier)
	{
		appendStringInfoString(&b, ", \"prediction\": ");
		linpred_json_value(&b, score);
	}
	else
	{
		if (multiclass(m))
		{
			appendStringInfoString(&b, ", \"probabilities\": {");
			for (int c = 0; c < m->nclasses; c++)
			{
				if (c > 0)
					appendStringInfoString(&b, ", ");
				escape_json(&b, m->classes[c]);
				appendStringInfoString(&b, ": ");
				linpred_json_value(&b, site->proba[c]);
			}
			appendStringInfoChar(&b, '}');
		}
		else
		{
			appendStringInfoString(&b, ", \"probability\": ");
			linpred_json_value(&b, score);
		}
		appendStringInfoString(&b, ", \"class\": ");
		escape_json(&b, m->classes[predicted_class(m, score)]);
	}
	appendStringInfoChar(&b, '}');
	return b.data;
}

static Datum
explain_output(FunctionCallInfo fcinfo, Scorer score)
{
	PredictSite *site;
	ScoringModel *m;
	double		s;
	bool		ok;

	check_model_arg(fcinfo);
	site = predict_site(fcinfo);
	m = site->model;
	if (m->family->coefficients == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model \"%s\" (algorithm %s) has no linear predictor to explain",
						m->name, m->family->name)));
	site->flags = palloc(Max(m->nfeatures, 1));
	site->level_text = palloc0(sizeof(char *) * Max(m->nfeatures, 1));
	site->explaining = true;
	PG_TRY();
	{
		ok = score(fcinfo, &site, &s);
	}
	PG_FINALLY();
	{
		site->explaining = false;
	}
	PG_END_TRY();
	if (!ok || site->model != m)
		PG_RETURN_NULL();
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(explain_json(site, s)));
}

Datum
learn_explain_array(PG_FUNCTION_ARGS)
{
	return explain_output(fcinfo, score_array);
}

Datum
learn_explain_row(PG_FUNCTION_ARGS)
{
	return explain_output(fcinfo, score_row);
}

/* ---------------------------------------------------------------------
 * learn.score_trigger('model', 'column' [, 'class'])
 * ---------------------------------------------------------------------
 */

/*
 * What the trigger writes into a column: a number column (float8, float4,
 * numeric) takes a regression's value or a classifier's probability (of
 * the last class, or of cls); an integer or boolean column a classifier's
 * class as a number; any other column a classifier's label, through the
 * column type's input function.
 */
static Datum
trigger_value(const ScoringModel *m, PredictSite *site, double score, const char *cls,
			  Form_pg_attribute att, const char *colname)
{
	Oid			base = getBaseType(att->atttypid);
	int32		typmod = att->atttypmod;
	Datum		d;

	switch (base)
	{
		case FLOAT8OID:
		case FLOAT4OID:
		case NUMERICOID:
			{
				double		v = score;

				if (m->classifier)
				{
					if (multiclass(m) && cls == NULL)
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("model \"%s\" has %d classes: learn.score_trigger needs the class whose probability it writes into \"%s\"",
										m->name, m->nclasses, colname),
								 errhint("Add the class as the trigger's third argument.")));
					v = DatumGetFloat8(predict_proba_value(m, score, site->proba,
														   cls ? cstring_to_text(cls) : NULL));
				}
				if (base == FLOAT8OID)
					return Float8GetDatum(v);
				if (base == FLOAT4OID)
					return DirectFunctionCall1(dtof, Float8GetDatum(v));
				d = DirectFunctionCall1(float8_numeric, Float8GetDatum(v));
				if (typmod >= 0)
					d = DirectFunctionCall2(numeric, d, Int32GetDatum(typmod));
				return d;
			}
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case BOOLOID:
			{
				double		v;

				if (!m->classifier)
					break;
				v = DatumGetFloat8(predict_value(m, score));
				if (base == BOOLOID)
					return BoolGetDatum(v != 0.0);
				d = DirectFunctionCall1(dtoi8, Float8GetDatum(v));
				if (base == INT8OID)
					return d;
				return base == INT4OID ? DirectFunctionCall1(int84, d) :
					DirectFunctionCall1(int82, d);
			}
		default:
			{
				Oid			in;
				Oid			ioparam;

				if (!m->classifier)
					break;
				getTypeInputInfo(base, &in, &ioparam);
				return OidInputFunctionCall(in, m->classes[predicted_class(m, score)],
											ioparam, typmod);
			}
	}
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("column \"%s\" has type %s, which cannot hold a prediction of model \"%s\"",
					colname, format_type_be(att->atttypid), m->name),
			 errhint("A regression's value goes into a float8, float4 or numeric column; a classifier's probability into one of those, its label into a text column, its class into an integer or boolean one when the classes are numbers.")));
	return (Datum) 0;
}

/*
 * BEFORE INSERT OR UPDATE ... FOR EACH ROW EXECUTE FUNCTION
 * learn.score_trigger('model', 'column' [, 'class']): the new row's
 * prediction written into its column (NULL when a feature is NULL or the
 * model has no such group).
 */
Datum
learn_score_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *trig;
	HeapTuple	tuple;
	TupleDesc	desc;
	Form_pg_attribute att;
	PredictSite *site;
	const char *colname;
	int			attnum;
	Datum		value = (Datum) 0;
	bool		isnull = true;
	double		score;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("learn.score_trigger must be called as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("learn.score_trigger must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));
	trig = td->tg_trigger;
	if (trig->tgnargs < 2 || trig->tgnargs > 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("learn.score_trigger takes 2 or 3 arguments (model, column[, class]), not %d",
						trig->tgnargs)));
	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	desc = RelationGetDescr(td->tg_relation);
	colname = trig->tgargs[1];
	attnum = SPI_fnumber(desc, colname);
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"%s\" for learn.score_trigger to write",
						RelationGetRelationName(td->tg_relation), colname)));
	att = TupleDescAttr(desc, attnum - 1);

	site = predict_site_for(fcinfo->flinfo, cstring_to_text(trig->tgargs[0]));
	if (site->tupdesc == NULL || !equalTupleDescs(site->tupdesc, desc))
		site_set_rowdesc(site, desc, fcinfo->flinfo->fn_mcxt);
	site_map_rowdesc(site, fcinfo->flinfo->fn_mcxt);
	for (int j = 0; j < site->model->nfeatures; j++)
		if (site->feat_att[j] == attnum - 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" is a feature of model \"%s\"; learn.score_trigger cannot write into it",
							colname, site->model->name)));
	heap_deform_tuple(tuple, desc, site->values, site->nulls);
	if (score_columns(site, site->values, site->nulls, &score))
	{
		value = trigger_value(site->model, site, score,
							  trig->tgnargs == 3 ? trig->tgargs[2] : NULL, att, colname);
		isnull = false;
	}
	if (get_typtype(att->atttypid) == TYPTYPE_DOMAIN)
		domain_check(value, isnull, att->atttypid, NULL, fcinfo->flinfo->fn_mcxt);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, &attnum, &value, &isnull));
}

/*
 * Planner support of learn.predict(model, record): when the model is a
 * constant and the row is a table's whole-row variable, rewrite the call
 * into learn._predict_cols(model, names, col1, col2, ...) over just the
 * columns the model uses, so the executor never builds the composite row.
 * The plan records a dependency on learn.models; training and deploying
 * invalidate it (catalog_models_changed), so a new version with other
 * columns is planned again.  When anything is unusual, the call is left
 * as it is: the plain row form is always correct.
 */
/* A column of the row's table, as the row's own Var would read it. */
typedef struct InlineRow
{
	Oid			relid;
	Var		   *row;
} InlineRow;

static Node *
inline_column_var(void *arg, const char *name, int location)
{
	InlineRow  *ir = arg;
	AttrNumber	attnum = get_attnum(ir->relid, name);
	Oid			typid;
	int32		typmod;
	Oid			collid;
	Var		   *col;

	if (attnum <= 0)
		return NULL;
	get_atttypetypmodcoll(ir->relid, attnum, &typid, &typmod, &collid);
	col = learn_make_column_var(ir->row, attnum, typid, typmod, collid);
#if PG_VERSION_NUM >= 160000
	/* nulled by the same outer joins as the row it replaces */
	col->varnullingrels = bms_copy(ir->row->varnullingrels);
#endif
	return (Node *) col;
}

/*
 * A feature expression over the row's table, to be evaluated by the
 * executor in place of the row; NULL when it reads a column the table
 * lacks or calls a function that is not a superuser's (the row form then
 * reports or checks it at run time).
 */
static Node *
inline_feature_expr(const ScoringModel *m, int j, Oid relid, Var *row)
{
	char	   *sql;
	Node	   *raw = feature_expr_raw(m->feature_exprs[j], &sql);
	InlineRow	ir;
	Node	   *expr;
	ListCell   *lc;

	foreach(lc, feature_expr_columns(raw))
		if (get_attnum(relid, (char *) lfirst(lc)) <= 0)
			return NULL;
	ir.relid = relid;
	ir.row = row;
	expr = feature_expr_analyze(raw, sql, m->features[j], m->name, FEATURE_EXPR_INLINE,
								inline_column_var, &ir);
	return expr ? (Node *) expression_planner((Expr *) expr) : NULL;
}

Datum
learn_predict_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	FuncExpr   *fexpr;
	Const	   *model;
	Var		   *row;
	RangeTblEntry *rte;
	int64		id;
	TimestampTz trained_at;
	ScoringModel *m;
	List	   *args;
	Datum	   *names;
	int			ncols;
	Oid			argtypes[4] = {TEXTOID, TEXTARRAYOID, ANYOID, ANYOID};
	Oid			target;
	Oid			rettype;
	const char *targetname;
	char	   *fname;
	FuncExpr   *newexpr;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	fexpr = req->fcall;
	if (req->root == NULL || list_length(fexpr->args) < 2 || list_length(fexpr->args) > 3 ||
		!IsA(linitial(fexpr->args), Const) || !IsA(lsecond(fexpr->args), Var))
		PG_RETURN_POINTER(NULL);
	/* which columns form: learn.predict, predict_proba (with a class or
	 * not), predict_label */
	fname = get_func_name(fexpr->funcid);
	if (fname == NULL)
		PG_RETURN_POINTER(NULL);
	rettype = FLOAT8OID;
	if (strcmp(fname, "predict") == 0 && list_length(fexpr->args) == 2)
		targetname = "_predict_cols";
	else if (strcmp(fname, "predict_proba") == 0 && list_length(fexpr->args) == 2)
		targetname = "_predict_proba_cols";
	else if (strcmp(fname, "predict_proba") == 0)
	{
		targetname = "_predict_proba_class_cols";
		argtypes[2] = TEXTOID;
	}
	else if (strcmp(fname, "predict_label") == 0 && list_length(fexpr->args) == 2)
	{
		targetname = "_predict_label_cols";
		rettype = TEXTOID;
	}
	else
		PG_RETURN_POINTER(NULL);
	model = linitial_node(Const, fexpr->args);
	row = lsecond_node(Var, fexpr->args);
	if (model->constisnull || model->consttype != TEXTOID ||
		row->varattno != InvalidAttrNumber || row->varlevelsup != 0 ||
		row->varno < 1 || row->varno > list_length(req->root->parse->rtable))
		PG_RETURN_POINTER(NULL);
	rte = rt_fetch(row->varno, req->root->parse->rtable);
	if (rte->rtekind != RTE_RELATION)
		PG_RETURN_POINTER(NULL);

	id = catalog_lookup_model(TextDatumGetCString(model->constvalue), &trained_at);
	if (id == 0)
		PG_RETURN_POINTER(NULL);
	m = cache_get(id, trained_at);

	ncols = m->nfeatures + m->ngroupcols;
	if (ncols + 2 > FUNC_MAX_ARGS)
		PG_RETURN_POINTER(NULL);
	names = palloc(sizeof(Datum) * ncols);
	args = list_make1(model);
	for (int i = 0; i < ncols; i++)
	{
		const char *col = i < m->nfeatures ? m->features[i] : m->group_by[i - m->nfeatures];
		InlineRow	ir;
		Node	   *arg;

		if (i < m->nfeatures && m->feature_exprs && m->feature_exprs[i])
			arg = inline_feature_expr(m, i, rte->relid, row);
		else
		{
			ir.relid = rte->relid;
			ir.row = row;
			arg = inline_column_var(&ir, col, -1);
		}
		if (arg == NULL)
			PG_RETURN_POINTER(NULL);
		names[i] = CStringGetTextDatum(col);
		args = lappend(args, arg);
	}
	args = list_insert_nth(args, 1,
						   makeConst(TEXTARRAYOID, -1, InvalidOid, -1,
									 PointerGetDatum(construct_array(names, ncols, TEXTOID,
																	 -1, false, TYPALIGN_INT)),
									 false, false));
	if (list_length(fexpr->args) == 3)
		args = list_insert_nth(args, 2, lthird(fexpr->args));
	target = LookupFuncName(list_make2(makeString("learn"), makeString((char *) targetname)),
							list_length(fexpr->args) == 3 ? 4 : 3, argtypes, true);
	if (!OidIsValid(target))
		PG_RETURN_POINTER(NULL);

	newexpr = makeFuncExpr(target, rettype, args, fexpr->funccollid, fexpr->inputcollid,
						   COERCE_EXPLICIT_CALL);
	newexpr->location = fexpr->location;
	req->root->glob->relationOids = lappend_oid(req->root->glob->relationOids,
												catalog_models_relid());
	PG_RETURN_POINTER(newexpr);
}
