/*-------------------------------------------------------------------------
 * transfer.c
 *	  learn.export_model and learn.import_model: a model version as one
 *	  jsonb document, to keep in source control or to move between
 *	  databases.
 *
 * The format (docs/reference.md, "Export and import", lists every member)
 * is versioned by its "format_version"; this file reads version 1.  An
 * imported document is untrusted input: every member is checked for its
 * type, its range and its consistency with the others before anything is
 * stored, and a bad document is a 22023 error naming the member's path
 * (groups[2].terms[0].estimate).  Importing runs nothing the document
 * says: its feature expressions are only parsed here (so a malformed one
 * is refused at once), and scoring analyzes them under the same rules as
 * any stored model's.  The model is stored by catalog_store_model, as a
 * training stores one: the name's owner, the version number and deploying
 * follow the same rules.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "common/base64.h"

#include "catalog.h"
#include "exprs.h"
#include "family.h"

/* The version of the document format this library writes and reads. */
#define LEARN_EXPORT_FORMAT_VERSION 1
#define LEARN_EXPORT_FORMAT "pg_learn model"

PG_FUNCTION_INFO_V1(learn_export_model);

/* learn.export_model(model text) RETURNS jsonb */
Datum
learn_export_model(PG_FUNCTION_ARGS)
{
	char	   *spec = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64		id = catalog_resolve_model(spec, NULL);

	PG_RETURN_DATUM(catalog_export_document(id, LEARN_EXPORT_FORMAT_VERSION));
}

/* ---------------------------------------------------------------------
 * Reading a document
 * ---------------------------------------------------------------------
 */

/* A bad member: path names it (groups[2].terms[0].estimate), what is wrong. */
#define bad(path, what) \
	ereport(ERROR, \
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), \
			 errmsg("invalid model document: %s %s", (path), (what))))

static char *
path_key(const char *path, const char *key)
{
	return path[0] ? psprintf("%s.%s", path, key) : pstrdup(key);
}

static char *
path_index(const char *path, int i)
{
	return psprintf("%s[%d]", path, i);
}

static bool
is_object(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static bool
is_array(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

/* Member key of object obj, or NULL when it has none. */
static JsonbValue *
member(JsonbContainer *obj, const char *key)
{
	return getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
}

/* Error unless every key of obj is among allowed (NULL-terminated). */
static void
check_members(JsonbContainer *obj, const char *path, const char *const *allowed)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		const char *const *a;
		char	   *key;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL)
		{
			bad(path_key(path, key), "is not a member of the format");
		}
	}
}

static JsonbValue *
required(JsonbContainer *obj, const char *path, const char *key)
{
	JsonbValue *v = member(obj, key);

	if (v == NULL)
		bad(path_key(path, key), "is missing");
	return v;
}

static char *
str_value(const JsonbValue *v, const char *path, bool nullable)
{
	if (v == NULL || (nullable && v->type == jbvNull))
		return NULL;
	if (v->type != jbvString)
		bad(path, nullable ? "must be a string or null" : "must be a string");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static char *
get_str(JsonbContainer *obj, const char *path, const char *key, bool nullable)
{
	JsonbValue *v = nullable ? member(obj, key) : required(obj, path, key);

	return str_value(v, path_key(path, key), nullable);
}

/* A number that is an integer in [min, max]. */
static int64
int_value(const JsonbValue *v, const char *path, int64 min, int64 max)
{
	char	   *s;
	char	   *end;
	long long	n;

	if (v->type != jbvNumeric)
		bad(path, "must be an integer");
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	n = strtoll(s, &end, 10);
	if (*end != '\0' || errno != 0)
		bad(path, "must be an integer");
	if (n < min || n > max)
		bad(path, psprintf("must be between " INT64_FORMAT " and " INT64_FORMAT,
						   min, max));
	return (int64) n;
}

/* A finite number as a double (the nearest, as float8in reads it); NaN for null. */
static double
float_value(const JsonbValue *v, const char *path, bool nullable)
{
	char	   *s;
	char	   *end;
	double		d;

	if (v == NULL || (nullable && v->type == jbvNull))
		return NAN;
	if (v->type != jbvNumeric)
		bad(path, nullable ? "must be a number or null" : "must be a number");
	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	errno = 0;
	d = strtod(s, &end);
	if (*end != '\0' || !isfinite(d))
		bad(path, "must be a number within the range of float8");
	return d;
}

/* An array member (NULL: null, when nullable), and its length. */
static JsonbContainer *
array_value(const JsonbValue *v, const char *path, bool nullable, int *n)
{
	*n = 0;
	if (v == NULL || (nullable && v->type == jbvNull))
		return NULL;
	if (!is_array(v))
		bad(path, nullable ? "must be an array or null" : "must be an array");
	*n = JsonContainerSize(v->val.binary.data);
	return v->val.binary.data;
}

static JsonbValue *
elem(JsonbContainer *arr, int i)
{
	return getIthJsonbValueFromContainer(arr, i);
}

/*
 * An array of strings (elements may be null when elem_nullable), as a List
 * of char *; NIL for null.  unique: no element twice.  max: at most so many
 * elements (0: no limit), checked before the elements are (the check of
 * unique takes time quadratic in their number).
 */
static List *
str_list(const JsonbValue *v, const char *path, bool nullable, bool elem_nullable,
		 bool unique, bool nonempty, int max)
{
	int			n;
	JsonbContainer *arr = array_value(v, path, nullable, &n);
	List	   *out = NIL;

	if (arr == NULL)
		return NIL;
	if (nonempty && n == 0)
		bad(path, "must not be empty");
	if (max > 0 && n > max)
		bad(path, psprintf("has more than %d elements", max));
	for (int i = 0; i < n; i++)
	{
		char	   *ip;
		char	   *s;

		CHECK_FOR_INTERRUPTS();
		ip = path_index(path, i);
		s = str_value(elem(arr, i), ip, elem_nullable);

		if (nonempty && s != NULL && s[0] == '\0')
			bad(ip, "must not be empty");
		if (unique && s != NULL)
		{
			ListCell   *lc;

			foreach(lc, out)
				if (lfirst(lc) && strcmp(lfirst(lc), s) == 0)
					bad(ip, psprintf("repeats \"%s\"", s));
		}
		out = lappend(out, s);
	}
	return out;
}

static int
list_index_str(List *l, const char *s)
{
	ListCell   *lc;

	foreach(lc, l)
		if (lfirst(lc) && strcmp(lfirst(lc), s) == 0)
			return foreach_current_index(lc);
	return -1;
}

/* The text of a JSON container, as jsonb prints it. */
static char *
container_text(const JsonbValue *v)
{
	return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
}

/*
 * The document's params as learn_params_parse takes them: the effective
 * params show a param without a value (a default) as null.
 */
static Jsonb *
params_without_nulls(const JsonbValue *v)
{
	Datum		jb = DirectFunctionCall1(jsonb_in, CStringGetDatum(container_text(v)));
	JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
	JsonbValue	k;
	JsonbIteratorToken tok;
	List	   *nulls = NIL;
	ListCell   *lc;

	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok == WJB_KEY)
		{
			char	   *key = pnstrdup(k.val.string.val, k.val.string.len);

			tok = JsonbIteratorNext(&it, &k, true);
			if (tok == WJB_VALUE && k.type == jbvNull)
				nulls = lappend(nulls, key);
		}
	}
	foreach(lc, nulls)
		jb = DirectFunctionCall2(jsonb_delete, jb, CStringGetTextDatum(lfirst(lc)));
	return DatumGetJsonbP(jb);
}

static const char *const doc_members[] = {"format", "format_version", "pg_learn_version",
	"name", "version", "algorithm", "task", "source", "target", "features",
	"feature_exprs", "impute_values", "group_by", "weight", "params", "classes",
	"encodings", "n_rows", "n_skipped", "metrics", "trained_by", "trained_at",
	"train_seconds", "groups", "states", "lineage", NULL};
static const char *const state_members[] = {"group_key", "state", NULL};
static const char *const group_members[] = {"group_key", "n_rows", "n_skipped", "fitted",
"reason", "metrics", "terms", NULL};
static const char *const term_members[] = {"class", "position", "term", "estimate",
"std_error", "statistic", "p_value", NULL};

/* The groups of a document, checked, for catalog_store_model. */
typedef struct ImportGroups
{
	GroupRecord *groups;
	int			ngroups;
	int			next;
} ImportGroups;

static bool
import_next_group(void *arg, GroupRecord *rec)
{
	ImportGroups *ig = arg;

	if (ig->next >= ig->ngroups)
		return false;
	*rec = ig->groups[ig->next++];
	return true;
}

/* The text of a group key (a text[] of its values, NULL elements allowed). */
static char *
key_text(List *values)
{
	int			n = list_length(values);
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc0(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	ListCell   *lc;
	Oid			out;
	bool		isvarlena;

	foreach(lc, values)
	{
		int			i = foreach_current_index(lc);

		nulls[i] = lfirst(lc) == NULL;
		d[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum((char *) lfirst(lc));
	}
	getTypeOutputInfo(TEXTARRAYOID, &out, &isvarlena);
	return OidOutputFunctionCall(out, PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs,
																		 TEXTOID, -1, false,
																		 TYPALIGN_INT)));
}

/*
 * The states of the document (learn.states), one per group, checked by
 * the family against the model's terms: every level of a categorical
 * feature is a term of the state.
 */
static void
read_states(JsonbValue *v, const LearnFamily *family, const LearnParams *params,
			const ModelRecord *rec, ImportGroups *ig)
{
	JsonbContainer *arr;
	List	   *terms = NIL;
	List	   *term_levels = NIL;
	int		   *level;
	ListCell   *lc;
	int			n;

	if (v == NULL || v->type == jbvNull)
		return;
	if (family->merge_aggregate == NULL)
		bad("states", psprintf("must be null: a %s keeps no state", family->noun));
	if (rec->impute_values != NIL)
		bad("states", "must be null: a model that imputes means keeps no state");
	if (learn_param_number(params, "test_fraction") > 0)
		bad("states", "must be null: a model trained with held-out rows keeps no state");
	foreach(lc, rec->features)
	{
		List	   *levels = rec->encodings ? list_nth(rec->encodings, foreach_current_index(lc)) : NIL;
		ListCell   *lc2;

		if (levels == NIL)
		{
			terms = lappend(terms, lfirst(lc));
			term_levels = lappend_int(term_levels, -1);
		}
		foreach(lc2, levels)
		{
			terms = lappend(terms, psprintf("%s=%s", (char *) lfirst(lc), (char *) lfirst(lc2)));
			term_levels = lappend_int(term_levels, foreach_current_index(lc2));
		}
	}
	level = palloc(sizeof(int) * Max(list_length(term_levels), 1));
	foreach(lc, term_levels)
		level[foreach_current_index(lc)] = lfirst_int(lc);
	arr = array_value(v, "states", false, &n);
	if (n != ig->ngroups)
		bad("states", psprintf("must have %d elements, one per group", ig->ngroups));
	for (int i = 0; i < n; i++)
	{
		char	   *path = path_index("states", i);
		JsonbValue *sv = elem(arr, i);
		JsonbContainer *o;
		List	   *key;
		char	   *kt;
		const char *b64;
		int			len;
		bytea	   *state;
		const char *problem;
		int			g;

		CHECK_FOR_INTERRUPTS();
		if (!is_object(sv))
			bad(path, "must be an object");
		o = sv->val.binary.data;
		check_members(o, path, state_members);
		key = str_list(required(o, path, "group_key"), path_key(path, "group_key"), false,
					   true, false, false, 0);
		kt = rec->group_by != NIL ? key_text(key) : NULL;
		for (g = 0; g < ig->ngroups; g++)
			if (rec->group_by != NIL ? strcmp(ig->groups[g].key_text, kt) == 0 : key == NIL)
				break;
		if (g == ig->ngroups)
			bad(path_key(path, "group_key"), "is the key of no group of the document");
		if (ig->groups[g].state != NULL)
			bad(path_key(path, "group_key"), "repeats the key of an earlier state");
		b64 = get_str(o, path, "state", false);
		len = strlen(b64);
		state = palloc(VARHDRSZ + pg_b64_dec_len(len));
		len = pg_b64_decode(b64, len, (void *) VARDATA(state), pg_b64_dec_len(len));
		if (len < 0)
			bad(path_key(path, "state"), "must be base64 without line breaks");
		SET_VARSIZE(state, VARHDRSZ + len);
		problem = family->state_problem(params, terms, level, state,
										rec->group_by != NIL ? ig->groups[g].n_rows : rec->n_rows,
										rec->group_by != NIL ? ig->groups[g].n_skipped : rec->n_skipped,
										ig->groups[g].terms, ig->groups[g].nterms);
		if (problem)
			bad(path_key(path, "state"), problem);
		ig->groups[g].state = state;
	}
}

/*
 * One group of the document: its key, counts and terms.  nx is the terms'
 * width (positions run 0..nx), classes a multinomial model's classes (NIL
 * otherwise: every term's class is '').
 */
static void
read_group(JsonbValue *gv, const char *path, bool grouped, int ngroupcols, int nx,
		   bool multiclass, List *classes, GroupRecord *rec)
{
	JsonbContainer *g;
	JsonbContainer *terms;
	JsonbValue *v;
	List	   *key;
	bool		fitted = true;
	int			n;
	int			maxpos = multiclass ? (nx + 1) * list_length(classes) : nx + 1;
	bool	   *seen;

	memset(rec, 0, sizeof(GroupRecord));
	if (!is_object(gv))
		bad(path, "must be an object");
	g = gv->val.binary.data;
	check_members(g, path, group_members);
	key = str_list(required(g, path, "group_key"), path_key(path, "group_key"), false,
				   true, false, false, 0);
	if (list_length(key) != ngroupcols)
		bad(path_key(path, "group_key"),
			psprintf("must have %d elements, one per element of group_by", ngroupcols));
	if (grouped)
	{
		rec->key_text = key_text(key);
		rec->n_rows = int_value(required(g, path, "n_rows"), path_key(path, "n_rows"),
								0, PG_INT64_MAX);
		rec->n_skipped = int_value(required(g, path, "n_skipped"),
								   path_key(path, "n_skipped"), 0, PG_INT64_MAX);
		v = required(g, path, "fitted");
		if (v->type != jbvBool)
			bad(path_key(path, "fitted"), "must be a boolean");
		fitted = v->val.boolean;
		rec->reason = get_str(g, path, "reason", true);
		if (fitted != (rec->reason == NULL))
			bad(path_key(path, "reason"),
				fitted ? "must be null for a fitted group" : "must say why the group was not fitted");
		v = member(g, "metrics");
		if (v != NULL && v->type != jbvNull)
		{
			if (!is_object(v))
				bad(path_key(path, "metrics"), "must be an object or null");
			rec->metrics_json = container_text(v);
		}
	}
	else
	{
		for (const char *const *m = group_members + 1; *m && strcmp(*m, "terms") != 0; m++)
			if (member(g, *m) != NULL)
				bad(path_key(path, *m), "is only for the groups of a grouped model");
	}

	terms = array_value(required(g, path, "terms"), path_key(path, "terms"), false, &n);
	if (!fitted && n > 0)
		bad(path_key(path, "terms"), "must be empty for a group that was not fitted");
	if (fitted && n == 0)
		bad(path_key(path, "terms"), "must not be empty for a fitted group");
	if (n > maxpos)
		bad(path_key(path, "terms"), psprintf("has more than %d terms", maxpos));
	rec->nterms = n;
	rec->terms = palloc0(sizeof(LearnTerm) * Max(n, 1));
	seen = palloc0(sizeof(bool) * maxpos);
	for (int t = 0; t < n; t++)
	{
		char	   *tp = path_index(path_key(path, "terms"), t);
		JsonbValue *tv = elem(terms, t);
		JsonbContainer *tc;
		LearnTerm  *lt = &rec->terms[t];
		int			ci = 0;

		if (!is_object(tv))
			bad(tp, "must be an object");
		tc = tv->val.binary.data;
		check_members(tc, tp, term_members);
		lt->class_label = get_str(tc, tp, "class", false);
		if (multiclass)
		{
			/* a multinomial model's terms belong to a class after the first */
			ci = list_index_str(classes, lt->class_label);
			if (ci < 1)
				bad(path_key(tp, "class"),
					psprintf("\"%s\" is not a class of the model after the first", lt->class_label));
			ci--;
		}
		else if (lt->class_label[0] != '\0')
			bad(path_key(tp, "class"), "must be \"\" for this algorithm");
		lt->position = (int) int_value(required(tc, tp, "position"),
									   path_key(tp, "position"), 0, nx);
		if (seen[ci * (nx + 1) + lt->position])
			bad(path_key(tp, "position"),
				psprintf("repeats position %d of class \"%s\"", lt->position, lt->class_label));
		seen[ci * (nx + 1) + lt->position] = true;
		lt->term = get_str(tc, tp, "term", false);
		lt->estimate = float_value(required(tc, tp, "estimate"), path_key(tp, "estimate"), true);
		lt->std_error = float_value(member(tc, "std_error"), path_key(tp, "std_error"), true);
		lt->statistic = float_value(member(tc, "statistic"), path_key(tp, "statistic"), true);
		lt->p_value = float_value(member(tc, "p_value"), path_key(tp, "p_value"), true);
	}
}

/* Parse a stored feature expression; a failure is the document's fault. */
static void
check_expression(const char *text, const char *path)
{
	MemoryContext old = CurrentMemoryContext;
	char	   *sql;

	PG_TRY();
	{
		(void) feature_expr_raw(text, &sql);
	}
	PG_CATCH();
	{
		ErrorData  *ed;

		MemoryContextSwitchTo(old);
		ed = CopyErrorData();
		FlushErrorState();
		bad(path, psprintf("is not one SQL expression: %s", ed->message));
	}
	PG_END_TRY();
}

PG_FUNCTION_INFO_V1(learn_import_model);

/* learn.import_model(document jsonb, name text DEFAULT NULL) RETURNS learn.models */
Datum
learn_import_model(PG_FUNCTION_ARGS)
{
	Jsonb	   *docb;
	JsonbContainer *doc;
	JsonbValue *v;
	ModelRecord rec;
	const LearnFamily *family;
	LearnParams *params;
	ImportGroups ig;
	char	   *s;
	int			nfeatures;
	int			nx;
	int			n;
	JsonbContainer *arr;
	List	   *imputed;
	ListCell   *lc;
	char	   *lineage = "{}";

	catalog_require_writable("learn.import_model()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the model document must not be null")));
	docb = PG_GETARG_JSONB_P(0);
	doc = &docb->root;
	memset(&rec, 0, sizeof(rec));
	if (!JsonContainerIsObject(doc) || JsonContainerIsScalar(doc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid model document: it must be a JSON object")));

	/* what the document is, before anything else of it is read */
	s = get_str(doc, "", "format", false);
	if (strcmp(s, LEARN_EXPORT_FORMAT) != 0)
		bad("format", "must be \"" LEARN_EXPORT_FORMAT "\"");
	v = required(doc, "", "format_version");
	if (v->type != jbvNumeric)
		bad("format_version", "must be an integer");
	if (int_value(v, "format_version", 1, PG_INT32_MAX) != LEARN_EXPORT_FORMAT_VERSION)
		bad("format_version", psprintf("is not supported: this version of pg_learn reads format version %d",
									   LEARN_EXPORT_FORMAT_VERSION));
	check_members(doc, "", doc_members);
	(void) get_str(doc, "", "pg_learn_version", true);

	/* the model's name: the argument, else the document's */
	s = get_str(doc, "", "name", false);
	rec.name = PG_ARGISNULL(1) ? s : text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (rec.name[0] == '\0' || strchr(rec.name, '@') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid model name \"%s\"", rec.name),
				 errdetail("A model name is not empty and has no \"@\", which selects a version.")));
	if ((v = member(doc, "version")) != NULL)
		(void) int_value(v, "version", 1, PG_INT32_MAX);

	rec.algorithm = get_str(doc, "", "algorithm", false);
	family = learn_family_find(rec.algorithm);
	if (family == NULL)
		bad("algorithm", psprintf("\"%s\" is no algorithm this version of pg_learn can score",
								  rec.algorithm));
	rec.task = get_str(doc, "", "task", false);
	if (strcmp(rec.task, family->task) != 0)
		bad("task", psprintf("must be \"%s\" for algorithm \"%s\"", family->task, family->name));
	rec.source = get_str(doc, "", "source", false);
	rec.target = get_str(doc, "", "target", false);
	rec.weight = get_str(doc, "", "weight", true);

	rec.features = str_list(required(doc, "", "features"), "features", false, false, true, true,
						   LEARN_MAX_FEATURES);
	nfeatures = list_length(rec.features);
	if (nfeatures > LEARN_MAX_FEATURES)
		bad("features", psprintf("has more than %d elements", LEARN_MAX_FEATURES));
	rec.group_by = str_list(member(doc, "group_by"), "group_by", true, false, true, true,
						   LEARN_MAX_FEATURES);
	if (list_length(rec.group_by) > LEARN_MAX_FEATURES)
		bad("group_by", psprintf("has more than %d elements", LEARN_MAX_FEATURES));

	/* params: the family's, checked as learn.train checks them */
	v = required(doc, "", "params");
	if (!is_object(v))
		bad("params", "must be an object");
	if (member(v->val.binary.data, "imported_from") != NULL)
		bad("params.imported_from", "is not a parameter: an import records it from lineage");
	params = learn_params_parse(family, params_without_nulls(v));
	rec.deploy = learn_param_bool(params, "deploy");

	/* classes */
	rec.classes = str_list(member(doc, "classes"), "classes", true, false, true, false, 0);
	if (strcmp(family->task, "classification") == 0)
	{
		if (rec.classes == NIL)
			bad("classes", "must be an array of the classifier's labels");
		if (family->multiclass ? list_length(rec.classes) < 2 : list_length(rec.classes) != 2)
			bad("classes", family->multiclass ? "must have at least 2 labels" :
				"must have 2 labels");
		if (family->multiclass &&
			list_length(rec.classes) > (int) learn_param_number(params, "max_classes"))
			bad("classes", "has more labels than params max_classes allows");
	}
	else if (rec.classes != NIL)
		bad("classes", psprintf("must be null for algorithm \"%s\"", family->name));

	/* encodings: the levels of the categorical features */
	v = member(doc, "encodings");
	nx = nfeatures;
	if (v != NULL && v->type != jbvNull)
	{
		List	   *enc = NIL;
		bool		any = false;

		if (!is_object(v))
			bad("encodings", "must be an object or null");
		foreach(lc, rec.features)
		{
			char	   *p = path_key("encodings", lfirst(lc));
			List	   *levels = str_list(member(v->val.binary.data, lfirst(lc)), p, true,
										  false, true, false, 0);

			if (member(v->val.binary.data, lfirst(lc)) != NULL && levels == NIL)
				bad(p, "must not be empty");
			if (list_length(levels) > LEARN_MAX_LEVELS)
				bad(p, psprintf("has more than %d levels", LEARN_MAX_LEVELS));
			if (levels != NIL)
			{
				nx += list_length(levels) - 1;
				any = true;
			}
			enc = lappend(enc, levels);
		}
		{
			/* a key that is no feature */
			JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
			JsonbValue	k;
			JsonbIteratorToken tok;

			while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
			{
				char	   *key;

				if (tok != WJB_KEY)
					continue;
				key = pnstrdup(k.val.string.val, k.val.string.len);
				if (list_index_str(rec.features, key) < 0)
					bad(path_key("encodings", key), "is not a feature of the model");
			}
		}
		if (nx > LEARN_MAX_TERMS)
			bad("encodings", psprintf("expand the features to more than %d terms", LEARN_MAX_TERMS));
		rec.encodings = any ? enc : NIL;
	}

	/* feature expressions: parsed, never run */
	rec.feature_exprs = str_list(member(doc, "feature_exprs"), "feature_exprs", true, true,
								 false, false, 0);
	if (member(doc, "feature_exprs") && member(doc, "feature_exprs")->type != jbvNull &&
		list_length(rec.feature_exprs) != nfeatures)
		bad("feature_exprs", psprintf("must have %d elements, one per feature", nfeatures));
	foreach(lc, rec.feature_exprs)
		if (lfirst(lc) != NULL)
			check_expression(lfirst(lc), path_index("feature_exprs", foreach_current_index(lc)));

	/* imputed values: with params impute "mean", one per feature */
	imputed = str_list(member(doc, "impute_values"), "impute_values", true, false, false, false, 0);
	if (strcmp(learn_param_string(params, "impute"), "mean") == 0)
	{
		if (list_length(imputed) != nfeatures)
			bad("impute_values", psprintf("must have %d elements, one per feature, with params impute \"mean\"",
										  nfeatures));
		foreach(lc, imputed)
		{
			int			j = foreach_current_index(lc);
			List	   *levels = rec.encodings ? list_nth(rec.encodings, j) : NIL;
			char	   *ip = path_index("impute_values", j);

			if (levels != NIL)
			{
				if (list_index_str(levels, lfirst(lc)) < 0)
					bad(ip, psprintf("\"%s\" is not a level of feature \"%s\"",
									 (char *) lfirst(lc), (char *) list_nth(rec.features, j)));
			}
			else
			{
				char	   *end;
				double		d;

				/*
				 * as scoring's float8in reads it: an underflow to zero is
				 * out of range there, and would make the model unscorable
				 */
				errno = 0;
				d = strtod(lfirst(lc), &end);
				if (end == lfirst(lc) || *end != '\0' || !isfinite(d) ||
					(errno == ERANGE && d == 0.0))
					bad(ip, "must be the text of a finite number within the range of float8");
			}
		}
		rec.impute_values = imputed;
	}
	else if (member(doc, "impute_values") && member(doc, "impute_values")->type != jbvNull)
		bad("impute_values", "must be null unless params impute is \"mean\"");

	rec.n_rows = int_value(required(doc, "", "n_rows"), "n_rows", 0, PG_INT64_MAX);
	rec.n_skipped = int_value(required(doc, "", "n_skipped"), "n_skipped", 0, PG_INT64_MAX);
	v = required(doc, "", "metrics");
	if (!is_object(v))
		bad("metrics", "must be an object");
	rec.metrics_json = container_text(v);
	(void) get_str(doc, "", "trained_by", true);
	(void) get_str(doc, "", "trained_at", true);
	v = member(doc, "train_seconds");
	rec.train_seconds = v ? float_value(v, "train_seconds", false) : 0;
	if (rec.train_seconds < 0)
		bad("train_seconds", "must not be negative");

	/* groups and their terms */
	arr = array_value(required(doc, "", "groups"), "groups", false, &n);
	if (rec.group_by == NIL && n != 1)
		bad("groups", "must have one element for a model without group_by");
	if (n == 0)
		bad("groups", "must not be empty");
	ig.ngroups = n;
	ig.next = 0;
	ig.groups = palloc0(sizeof(GroupRecord) * n);
	for (int i = 0; i < n; i++)
	{
		read_group(elem(arr, i), path_index("groups", i), rec.group_by != NIL,
				   list_length(rec.group_by), nx, family->multiclass, rec.classes,
				   &ig.groups[i]);
		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < i; j++)
			if (ig.groups[i].key_text && strcmp(ig.groups[i].key_text, ig.groups[j].key_text) == 0)
				bad(path_key(path_index("groups", i), "group_key"),
					psprintf("repeats the key of groups[%d]", j));
	}

	read_states(member(doc, "states"), family, params, &rec, &ig);

	/* where the model came from: params.imported_from */
	v = member(doc, "lineage");
	if (v != NULL && v->type != jbvNull)
	{
		JsonbValue *e;

		if (!is_object(v))
			bad("lineage", "must be an object or null");
		e = member(v->val.binary.data, "exported_from");
		if (e != NULL && !is_object(e))
			bad("lineage.exported_from", "must be an object");
		e = member(v->val.binary.data, "imported_from");
		if (e != NULL && !is_object(e))
			bad("lineage.imported_from", "must be an object");
		lineage = container_text(v);
	}
	rec.params_json = learn_params_json_with(params, "imported_from", lineage);

	PG_RETURN_DATUM(catalog_store_model(&rec, import_next_group, &ig));
}
