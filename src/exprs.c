/*-------------------------------------------------------------------------
 *
 * exprs.c
 *	  Feature expressions: a features element 'log(disp) AS log_disp' is a
 *	  SQL expression over the source's columns, stored with the model and
 *	  evaluated again at scoring over the scored row's columns.
 *
 * At training the element is parsed with the caller's search_path, over
 * Params that stand for the source's columns, and checked (immutable; no
 * aggregate, window function, set-returning function or subquery).  What
 * is stored is that tree printed with pg_catalog's search_path, each Param
 * replaced by its column's quoted name cast to the column's type at
 * training (so that scoring computes the same function on a row whose
 * column has another type): read back under the same path it
 * denotes the same functions and operators, whatever search_path the
 * scoring session has (and the literals read the same, whatever its
 * DateStyle or standard_conforming_strings).  At scoring the stored text
 * is analyzed over the scored row's columns, under pg_catalog's
 * search_path, and runs with the scorer's rights: it may call only
 * functions, and use only domain, composite and range types, owned by
 * superusers or by roles that have the scorer's rights already, so that
 * no model owner's code runs with rights its owner does not have (a
 * superuser, or a member of the owner's role, scoring the model would
 * otherwise lend the owner its rights).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/regproc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "exprs.h"

/*
 * The settings under which stored expressions are printed and read: the
 * search_path, and those that change how a literal is written or read
 * (a backslash in a string, a date's field order, a float's digits), so
 * that the text means the same whatever the sessions that train and
 * score have set.
 */
static const char *const catalog_settings[][2] = {
	{"search_path", "pg_catalog, pg_temp"},
	{"standard_conforming_strings", "on"},
	{"datestyle", "ISO"},
	{"intervalstyle", "postgres"},
	{"extra_float_digits", "3"},
};

static int
catalog_path_begin(void)
{
	int			nest = NewGUCNestLevel();

	for (int i = 0; i < lengthof(catalog_settings); i++)
		(void) set_config_option(catalog_settings[i][0], catalog_settings[i][1],
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

/*
 * An error's position in "SELECT <expression>" is shown in that text, not
 * in the statement that called pg_learn.
 */
static void
expr_error_callback(void *arg)
{
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery((const char *) arg);
	}
}

/* The feature (and model) of an error while an expression is analyzed. */
static void
feature_context(void *arg)
{
	errcontext("%s", (const char *) arg);
}

/* The one target of "SELECT <text>" (*sql), or an error. */
static ResTarget *
parse_target(const char *text, const char *what, char **sql_out)
{
	char	   *sql = psprintf("SELECT %s", text);
	List	   *stmts;
	SelectStmt *s;
	ErrorContextCallback errcb;

	errcb.callback = expr_error_callback;
	errcb.arg = sql;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	error_context_stack = errcb.previous;
	*sql_out = sql;

	if (list_length(stmts) == 1 &&
		IsA(linitial_node(RawStmt, stmts)->stmt, SelectStmt))
	{
		s = (SelectStmt *) linitial_node(RawStmt, stmts)->stmt;
		if (s->op == SETOP_NONE && list_length(s->targetList) == 1 &&
			s->distinctClause == NIL && s->intoClause == NULL && s->fromClause == NIL &&
			s->whereClause == NULL && s->groupClause == NIL && s->havingClause == NULL &&
			s->windowClause == NIL && s->valuesLists == NIL && s->sortClause == NIL &&
			s->limitOffset == NULL && s->limitCount == NULL && s->lockingClause == NIL &&
			s->withClause == NULL)
			return linitial_node(ResTarget, s->targetList);
	}
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("%s \"%s\" is not one expression", what, text),
			 errhint("A feature is a column name or 'expression AS name', e.g. 'log(disp) AS log_disp'.")));
	return NULL;
}

/* A ColumnRef of one plain name: that name, else NULL. */
static const char *
plain_column(Node *n)
{
	ColumnRef  *c;

	if (!IsA(n, ColumnRef))
		return NULL;
	c = (ColumnRef *) n;
	if (list_length(c->fields) != 1 || !IsA(linitial(c->fields), String))
		return NULL;
	return strVal(linitial(c->fields));
}

/*
 * A features element that is not the exact name of a source column: one
 * column name, quoted or not (false, *name that column), or 'expression
 * AS name' (true, *name and *raw the expression's parse tree).
 */
bool
feature_element_parse(const char *elem, char **name, Node **raw, char **sql)
{
	ResTarget  *rt = parse_target(elem, "feature", sql);
	const char *col = plain_column(rt->val);

	if (rt->name == NULL)
	{
		if (col == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("feature expression \"%s\" needs a name", elem),
					 errhint("Write it as 'expression AS name', e.g. 'log(disp) AS log_disp'.")));
		*name = pstrdup(col);
		return false;
	}
	*name = pstrdup(rt->name);
	if (col != NULL && strcmp(col, rt->name) == 0)
		return false;			/* 'x AS x' is column x */
	*raw = rt->val;
	return true;
}

/* A stored expression's parse tree. */
Node *
feature_expr_raw(const char *text, char **sql)
{
	int			nest = catalog_path_begin();
	ResTarget  *rt = parse_target(text, "stored feature expression", sql);

	AtEOXact_GUC(true, nest);
	return rt->val;
}

static bool
columns_walker(Node *node, List **names)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		const char *col = plain_column(node);

		if (col != NULL)
			*names = lappend(*names, pstrdup(col));
		return false;
	}
	return raw_expression_tree_walker(node, columns_walker, (void *) names);
}

List *
feature_expr_columns(Node *raw)
{
	List	   *names = NIL;

	(void) columns_walker(raw, &names);
	return names;
}

typedef struct HookState
{
	FeatureColumnFn column;
	void	   *arg;
	const char *feature;
	const char *model;
} HookState;

static Node *
pre_columnref(ParseState *pstate, ColumnRef *cref)
{
	HookState  *hs = pstate->p_ref_hook_state;
	const char *col = plain_column((Node *) cref);
	Node	   *n;

	if (col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("feature expression \"%s\" may name only columns, not %s",
						hs->feature, NameListToString(cref->fields)),
				 errhint("Leave out the table name: the columns are the row's."),
				 parser_errposition(pstate, cref->location)));
	n = hs->column(hs->arg, col, cref->location);
	if (n == NULL)
	{
		if (hs->model)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("the row has no column \"%s\", which feature \"%s\" of model \"%s\" reads",
							col, hs->feature, hs->model),
					 parser_errposition(pstate, cref->location)));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of feature expression \"%s\" does not exist in the source",
						col, hs->feature),
				 parser_errposition(pstate, cref->location)));
	}
	return n;
}

typedef struct RightsCheck
{
	bool		superusers_only;
	Oid			func;			/* the first untrusted one */
	Oid			type;			/* or the first untrusted type */
	Oid			owner;
} RightsCheck;

/*
 * Code of owner may run as the current user when it could do nothing its
 * owner cannot do already: a superuser's, or a role's that has the
 * current user's rights.  (The current user having the owner's rights is
 * the opposite, and not enough: the owner's code would act with the
 * current user's rights.)
 */
static bool
trusted_owner(Oid owner, const RightsCheck *rc)
{
	return superuser_arg(owner) ||
		(!rc->superusers_only && has_privs_of_role(owner, GetUserId()));
}

static bool
untrusted_function(Oid func, void *context)
{
	RightsCheck *rc = context;
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(func));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for function %u", func);
	owner = ((Form_pg_proc) GETSTRUCT(tup))->proowner;
	ReleaseSysCache(tup);
	if (trusted_owner(owner, rc))
		return false;
	rc->func = func;
	rc->owner = owner;
	return true;
}

/*
 * A type whose values run code its owner chose when they are read or
 * coerced: a domain (its CHECK constraints), a composite, range or
 * multirange type (their members' domains), or an array of one, of a
 * role the check does not trust.  A cast to one runs that code, and a
 * literal of one runs it already when the text is analyzed.
 */
static bool
untrusted_type(Oid typid, RightsCheck *rc)
{
	Oid			elem = get_element_type(typid);
	HeapTuple	tup;
	char		typtype;
	Oid			owner;

	if (OidIsValid(elem))
		typid = elem;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	typtype = ((Form_pg_type) GETSTRUCT(tup))->typtype;
	owner = ((Form_pg_type) GETSTRUCT(tup))->typowner;
	ReleaseSysCache(tup);
	if ((typtype != TYPTYPE_DOMAIN && typtype != TYPTYPE_COMPOSITE &&
		 typtype != TYPTYPE_RANGE && typtype != TYPTYPE_MULTIRANGE) ||
		trusted_owner(owner, rc))
		return false;
	rc->type = typid;
	rc->owner = owner;
	return true;
}

/* The types a raw tree names, checked before it is analyzed. */
static bool
raw_types_walker(Node *node, RightsCheck *rc)
{
	TypeName   *tn = NULL;

	if (node == NULL)
		return false;
	if (IsA(node, TypeName))
		tn = (TypeName *) node;
	else if (IsA(node, TypeCast))
		tn = ((TypeCast *) node)->typeName;
	if (tn != NULL)
	{
		Oid			typid = LookupTypeNameOid(NULL, tn, true);

		if (OidIsValid(typid) && untrusted_type(typid, rc))
			return true;
		if (IsA(node, TypeName))
			return false;
	}
	return raw_expression_tree_walker(node, raw_types_walker, (void *) rc);
}

/*
 * The refusal of an expression that would run the code of a role the
 * scorer has no rights of (rc filled by the walkers above).
 */
static void
untrusted_error(const char *what, const RightsCheck *rc, FeatureExprUse use)
{
	bool		update = (use == FEATURE_EXPR_UPDATE);

	if (OidIsValid(rc->func))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s calls function %s of role \"%s\"", what,
						format_procedure_qualified(rc->func),
						GetUserNameFromId(rc->owner, false)),
				 update ?
				 errdetail("learn.update runs a model's feature expressions on the new rows with the rights of the role that updates, as scoring does with the rights of the role that scores; they may call only functions of superusers and of roles that have the rights of that role.") :
				 errdetail("Scoring runs a model's feature expressions with the rights of the role that scores; they may call only functions of superusers and of roles that have the rights of the role that scores.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s uses type %s of role \"%s\"", what,
					format_type_be_qualified(rc->type),
					GetUserNameFromId(rc->owner, false)),
			 update ?
			 errdetail("Reading or coercing a value of a domain, composite or range type runs the code of its owner's choice (a domain's CHECK constraints); learn.update may use such types only of superusers and of roles that have the rights of the role that updates.") :
			 errdetail("Reading or coercing a value of a domain, composite or range type runs the code of its owner's choice (a domain's CHECK constraints); scoring may use such types only of superusers and of roles that have the rights of the role that scores.")));
}

static bool
temporary_function(Oid func, void *context)
{
	if (!isAnyTempNamespace(get_func_namespace(func)))
		return false;
	*(Oid *) context = func;
	return true;
}

static bool
temporary_walker(Node *node, Oid *func)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, temporary_function, func))
		return true;
	return expression_tree_walker(node, temporary_walker, (void *) func);
}

/* A temporary type, or an array of one. */
static bool
temporary_type(Oid typid)
{
	Oid			elem = get_element_type(typid);
	HeapTuple	tup;
	Oid			nsp;

	if (OidIsValid(elem))
		typid = elem;
	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", typid);
	nsp = ((Form_pg_type) GETSTRUCT(tup))->typnamespace;
	ReleaseSysCache(tup);
	return isAnyTempNamespace(nsp);
}

static bool
temporary_operator(Oid opno)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Oid			nsp;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	nsp = ((Form_pg_operator) GETSTRUCT(tup))->oprnamespace;
	ReleaseSysCache(tup);
	return isAnyTempNamespace(nsp);
}

/*
 * A temporary operator or type that an expression names (its temporary
 * functions are temporary_walker's): *what says which.
 */
static bool
temporary_object_walker(Node *node, const char **what)
{
	Oid			typid = InvalidOid;

	if (node == NULL)
		return false;
	switch (nodeTag(node))
	{
		case T_OpExpr:
		case T_DistinctExpr:
		case T_NullIfExpr:
			if (temporary_operator(((OpExpr *) node)->opno))
				*what = "operator";
			break;
		case T_ScalarArrayOpExpr:
			if (temporary_operator(((ScalarArrayOpExpr *) node)->opno))
				*what = "operator";
			break;
		case T_RowCompareExpr:
			{
				ListCell   *lc;

				foreach(lc, ((RowCompareExpr *) node)->opnos)
					if (temporary_operator(lfirst_oid(lc)))
						*what = "operator";
			}
			break;
		case T_Const:
			typid = ((Const *) node)->consttype;
			break;
		case T_FuncExpr:
			typid = ((FuncExpr *) node)->funcresulttype;
			break;
		case T_RelabelType:
			typid = ((RelabelType *) node)->resulttype;
			break;
		case T_CoerceViaIO:
			typid = ((CoerceViaIO *) node)->resulttype;
			break;
		case T_ArrayCoerceExpr:
			typid = ((ArrayCoerceExpr *) node)->resulttype;
			break;
		case T_ConvertRowtypeExpr:
			typid = ((ConvertRowtypeExpr *) node)->resulttype;
			break;
		case T_CoerceToDomain:
			typid = ((CoerceToDomain *) node)->resulttype;
			break;
		case T_RowExpr:
			typid = ((RowExpr *) node)->row_typeid;
			break;
		case T_ArrayExpr:
			typid = ((ArrayExpr *) node)->array_typeid;
			break;
		default:
			break;
	}
	if (OidIsValid(typid) && temporary_type(typid))
		*what = "type";
	if (*what)
		return true;
	return expression_tree_walker(node, temporary_object_walker, (void *) what);
}

static bool
parallel_unsafe_function(Oid func, void *context)
{
	if (func_parallel(func) == PROPARALLEL_SAFE)
		return false;
	*(Oid *) context = func;
	return true;
}

static bool
parallel_unsafe_walker(Node *node, Oid *func)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, parallel_unsafe_function, func))
		return true;
	return expression_tree_walker(node, parallel_unsafe_walker, (void *) func);
}

static bool
rights_walker(Node *node, RightsCheck *rc)
{
	if (node == NULL)
		return false;
	if (check_functions_in_node(node, untrusted_function, rc))
		return true;
	if (IsA(node, CoerceToDomain) &&
		untrusted_type(((CoerceToDomain *) node)->resulttype, rc))
		return true;
	return expression_tree_walker(node, rights_walker, (void *) rc);
}

/*
 * Analyze an expression's raw tree; column names become what column()
 * makes of them.  Errors name the feature (and the model, when scoring).
 * FEATURE_EXPR_INLINE gives NULL instead of an expression that calls a
 * function, or uses a domain, composite or range type, of a role other
 * than a superuser.
 */
Node *
feature_expr_analyze(Node *raw, const char *sql, const char *feature, const char *model,
					 FeatureExprUse use, FeatureColumnFn column, void *arg)
{
	ParseState *pstate = make_parsestate(NULL);
	HookState	hs;
	ErrorContextCallback featcb;
	ErrorContextCallback errcb;
	Node	   *expr;
	int			nest = -1;
	const char *what = model ? psprintf("feature \"%s\" of model \"%s\"", feature, model) :
		psprintf("feature \"%s\"", feature);

	hs.column = column;
	hs.arg = arg;
	hs.feature = feature;
	hs.model = model;
	pstate->p_pre_columnref_hook = pre_columnref;
	pstate->p_ref_hook_state = &hs;
	pstate->p_sourcetext = sql;
	featcb.callback = feature_context;
	featcb.arg = (void *) what;
	featcb.previous = error_context_stack;
	errcb.callback = expr_error_callback;
	errcb.arg = (void *) sql;
	errcb.previous = &featcb;
	error_context_stack = &errcb;
	if (use != FEATURE_EXPR_TRAIN)
	{
		RightsCheck rc;

		nest = catalog_path_begin();
		/* before analysis, which reads the literals */
		memset(&rc, 0, sizeof(rc));
		rc.superusers_only = (use == FEATURE_EXPR_INLINE);
		if (raw_types_walker(raw, &rc))
		{
			AtEOXact_GUC(true, nest);
			error_context_stack = featcb.previous;
			if (use == FEATURE_EXPR_INLINE)
				return NULL;
			untrusted_error(what, &rc, use);
		}
	}
	expr = transformExpr(pstate, copyObject(raw), EXPR_KIND_SELECT_TARGET);
	assign_expr_collations(pstate, expr);
	if (nest >= 0)
		AtEOXact_GUC(true, nest);
	error_context_stack = featcb.previous;

	if (pstate->p_hasAggs)
		ereport(ERROR,
				(errcode(ERRCODE_GROUPING_ERROR),
				 errmsg("%s must not use an aggregate function", what),
				 errhint("A feature is computed from one row's columns; aggregate in the source query.")));
	if (pstate->p_hasWindowFuncs)
		ereport(ERROR,
				(errcode(ERRCODE_WINDOWING_ERROR),
				 errmsg("%s must not use a window function", what),
				 errhint("A feature is computed from one row's columns; use window functions in the source query.")));
	if (pstate->p_hasTargetSRFs)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s must not return a set", what)));
	if (pstate->p_hasSubLinks)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s must not use a subquery", what),
				 errhint("A feature is computed from one row's columns.")));
	if (contain_mutable_functions(expr))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("%s is not immutable", what),
				 errdetail("Scoring evaluates it again on other rows, and must compute what training computed."),
				 errhint("Use only IMMUTABLE functions and operators in a feature expression.")));
	if (use == FEATURE_EXPR_TRAIN)
	{
		Oid			func;
		const char *temp = NULL;

		if (temporary_walker(expr, &func))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s calls temporary function %s", what, get_func_name(func)),
					 errdetail("A model outlives the session; its expressions are evaluated again at scoring.")));
		if (temporary_object_walker(expr, &temp))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s uses a temporary %s", what, temp),
					 errdetail("A model outlives the session; its expressions are evaluated again at scoring.")));
	}
	else
	{
		RightsCheck rc;

		memset(&rc, 0, sizeof(rc));
		rc.superusers_only = (use == FEATURE_EXPR_INLINE);
		if (rights_walker(expr, &rc))
		{
			if (use == FEATURE_EXPR_INLINE)
				return NULL;
			untrusted_error(what, &rc, use);
		}
	}
	{
		Oid			func;

		if (parallel_unsafe_walker(expr, &func))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("%s calls function %s, which is not PARALLEL SAFE", what,
							format_procedure(func)),
					 errdetail("Scoring is parallel safe: a model's expressions may run in parallel workers."),
					 errhint("If the function is safe to run in a parallel worker, mark it so with ALTER FUNCTION ... PARALLEL SAFE.")));
	}
	return expr;
}

static bool
ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$' || IS_HIGHBIT_SET(c);
}

/*
 * The text to store for an analyzed expression over Params $1..$n that
 * stand for the columns param_names[0..n-1]: printed with pg_catalog's
 * search_path (catalog_path) or the caller's, each $k replaced by its
 * column's quoted name, cast to the column's type at training when
 * param_types is given: scoring then computes the same function on a row
 * whose column has another type (an integer column still divides as the
 * float column training read).  The printer writes literals as '...' or E'...'
 * with quotes doubled and identifiers as "..." with quotes doubled, so a
 * $k outside them is a parameter unless it ends an identifier.
 */
char *
feature_expr_deparse(Node *expr, const char *const *param_names, const Oid *param_types,
					 bool catalog_path)
{
	int			nest = catalog_path ? catalog_path_begin() : -1;
	char	   *s = deparse_expression(expr, NIL, false, false);
	StringInfoData out;
	char		quote = 0;

	initStringInfo(&out);
	for (const char *p = s; *p; p++)
	{
		if (quote)
		{
			appendStringInfoChar(&out, *p);
			if (*p == quote)
			{
				if (p[1] == quote)
					appendStringInfoChar(&out, *++p);
				else
					quote = 0;
			}
			continue;
		}
		if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '$' && isdigit((unsigned char) p[1]) &&
				 (p == s || !ident_char(p[-1])))
		{
			int			k = 0;

			while (isdigit((unsigned char) p[1]))
				k = k * 10 + (*++p - '0');
			Assert(k >= 1);
			if (param_types)
				appendStringInfo(&out, "(%s)::%s", quote_identifier(param_names[k - 1]),
								 format_type_be(param_types[k - 1]));
			else
				appendStringInfoString(&out, quote_identifier(param_names[k - 1]));
			continue;
		}
		appendStringInfoChar(&out, *p);
	}
	if (nest >= 0)
		AtEOXact_GUC(true, nest);
	return out.data;
}
