/*-------------------------------------------------------------------------
 * keys.c
 *	  Canonical text of group values.
 *
 * A grouped model stores each group's values as text (group_key) and
 * scoring formats a row's values to find its group, possibly in another
 * session with other settings.  The output of dates, times, intervals,
 * floats, money and bytea depends on DateStyle, IntervalStyle, TimeZone,
 * extra_float_digits, lc_monetary and bytea_output, so those are fixed
 * while such a value is formatted; numerics lose their trailing zeros, as
 * GROUP BY puts 1.0 and 1.00 in one group.  Training calls learn._key_text() in
 * its SQL and scoring calls key_text(), so both sides agree.
 *-------------------------------------------------------------------------
 */
#include "pg_learn.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "keys.h"

PG_FUNCTION_INFO_V1(learn_key_text);

/* The settings fixed while a settings-dependent value is formatted. */
static const char *const canonical_settings[][2] = {
	{"datestyle", "ISO, MDY"},
	{"intervalstyle", "postgres"},
	{"timezone", "UTC"},
	{"extra_float_digits", "3"},
	{"bytea_output", "hex"},
	{"lc_monetary", "C"},
};

static bool
output_depends_on_settings(Oid typid)
{
	char		category;
	bool		preferred;

	typid = getBaseType(typid);
	if (typid == FLOAT4OID || typid == FLOAT8OID || typid == BYTEAOID ||
		typid == CASHOID)
		return true;
	get_type_category_preferred(typid, &category, &preferred);
	/* date/time, timespan, and containers that may hold them */
	return category == TYPCATEGORY_DATETIME || category == TYPCATEGORY_TIMESPAN ||
		category == TYPCATEGORY_ARRAY || category == TYPCATEGORY_COMPOSITE ||
		category == TYPCATEGORY_RANGE || category == TYPCATEGORY_USER;
}

void
key_formatter_init(KeyFormatter *kf, Oid typid, MemoryContext mcxt)
{
	Oid			outfn;
	bool		varlena;

	getTypeOutputInfo(typid, &outfn, &varlena);
	fmgr_info_cxt(outfn, &kf->out, mcxt);
	kf->settings_matter = output_depends_on_settings(typid);
	kf->is_numeric = (getBaseType(typid) == NUMERICOID);
}

char *
key_text(KeyFormatter *kf, Datum value)
{
	int			nest;
	char	   *s;

	/* equal numerics print alike only without trailing zeros */
	if (kf->is_numeric)
		value = DirectFunctionCall1(numeric_trim_scale, value);
	if (!kf->settings_matter)
		return OutputFunctionCall(&kf->out, value);
	nest = NewGUCNestLevel();
	for (int i = 0; i < lengthof(canonical_settings); i++)
		(void) set_config_option(canonical_settings[i][0], canonical_settings[i][1],
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	s = OutputFunctionCall(&kf->out, value);
	AtEOXact_GUC(true, nest);
	return s;
}

void
key_append(StringInfo key, const char *value)
{
	if (value == NULL)
		appendStringInfoString(key, "N;");
	else
		appendStringInfo(key, "%zu:%s;", strlen(value), value);
}

/* learn._key_text(anyelement) RETURNS text */
Datum
learn_key_text(PG_FUNCTION_ARGS)
{
	KeyFormatter *kf = fcinfo->flinfo->fn_extra;

	if (kf == NULL)
	{
		kf = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(KeyFormatter));
		key_formatter_init(kf, get_fn_expr_argtype(fcinfo->flinfo, 0),
						   fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = kf;
	}
	PG_RETURN_TEXT_P(cstring_to_text(key_text(kf, PG_GETARG_DATUM(0))));
}
