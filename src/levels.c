/*-------------------------------------------------------------------------
 * levels.c
 *	  A small open-addressing hash table from a level's text to its index
 *	  (levels.h).
 *-------------------------------------------------------------------------
 */
#include "levels.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "utils/builtins.h"

struct LevelTable
{
	int			n;				/* levels */
	int			cap;			/* room in text and len */
	int			mask;			/* slots - 1, a power of two minus one */
	int		   *slots;			/* level index + 1; 0 is empty */
	char	  **text;			/* each level's text */
	int		   *len;
	MemoryContext mcxt;			/* of a table that grows (levels_add) */
};

/* Put level i in its slot. */
static void
levels_place(LevelTable *t, int i)
{
	uint32		h = hash_bytes((const unsigned char *) t->text[i], t->len[i]);

	while (t->slots[h & t->mask] != 0)
		h++;
	t->slots[h & t->mask] = i + 1;
}

LevelTable *
levels_create(char *const *levels, const int *lens, int n, MemoryContext mcxt)
{
	LevelTable *t = MemoryContextAllocZero(mcxt, sizeof(LevelTable));
	int			size = 8;

	while (size < 2 * n)
		size *= 2;
	t->n = n;
	t->cap = Max(n, 1);
	t->mask = size - 1;
	t->mcxt = mcxt;
	t->slots = MemoryContextAllocZero(mcxt, sizeof(int) * size);
	t->text = MemoryContextAlloc(mcxt, sizeof(char *) * t->cap);
	t->len = MemoryContextAlloc(mcxt, sizeof(int) * t->cap);
	for (int i = 0; i < n; i++)
	{
		t->text[i] = MemoryContextAlloc(mcxt, lens[i] + 1);
		memcpy(t->text[i], levels[i], lens[i]);
		t->text[i][lens[i]] = '\0';
		t->len[i] = lens[i];
		if (levels_find(t, levels[i], lens[i]) >= 0)
			elog(ERROR, "pg_learn: level \"%s\" appears twice", t->text[i]);
		levels_place(t, i);
	}
	return t;
}

int
levels_add(LevelTable *t, const char *s, int len, bool *added)
{
	int			i = levels_find(t, s, len);

	*added = i < 0;
	if (i >= 0)
		return i;
	if (t->n == t->cap)
	{
		t->cap *= 2;
		t->text = repalloc(t->text, sizeof(char *) * t->cap);
		t->len = repalloc(t->len, sizeof(int) * t->cap);
	}
	i = t->n++;
	t->text[i] = MemoryContextAlloc(t->mcxt, len + 1);
	memcpy(t->text[i], s, len);
	t->text[i][len] = '\0';
	t->len[i] = len;
	if (2 * t->n > t->mask + 1)
	{
		/* keep the table at most half full */
		int			size = 2 * (t->mask + 1);

		pfree(t->slots);
		t->slots = MemoryContextAllocZero(t->mcxt, sizeof(int) * size);
		t->mask = size - 1;
		for (int j = 0; j < t->n; j++)
			levels_place(t, j);
	}
	else
		levels_place(t, i);
	return i;
}

int
levels_len(const LevelTable *t, int i)
{
	return t->len[i];
}

const char *
levels_text(const LevelTable *t, int i)
{
	return t->text[i];
}

int
levels_count(const LevelTable *t)
{
	return t->n;
}

int
levels_find(const LevelTable *t, const char *s, int len)
{
	uint32		h = hash_bytes((const unsigned char *) s, len);

	for (;;)
	{
		int			i = t->slots[h & t->mask] - 1;

		if (i < 0)
			return -1;
		if (t->len[i] == len && memcmp(t->text[i], s, len) == 0)
			return i;
		h++;
	}
}

int
levels_find_datum(const LevelTable *t, Datum d, Oid typid, FmgrInfo *out)
{
	switch (typid)
	{
		case TEXTOID:
		case VARCHAROID:
			{
				text	   *v = DatumGetTextPP(d);
				int			i = levels_find(t, VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v));

				if ((Pointer) v != DatumGetPointer(d))
					pfree(v);
				return i;
			}
		case BPCHAROID:
			{
				/* character(n)::text drops the trailing blanks */
				BpChar	   *v = DatumGetBpCharPP(d);
				int			len = VARSIZE_ANY_EXHDR(v);
				int			i;

				while (len > 0 && VARDATA_ANY(v)[len - 1] == ' ')
					len--;
				i = levels_find(t, VARDATA_ANY(v), len);
				if ((Pointer) v != DatumGetPointer(d))
					pfree(v);
				return i;
			}
		default:
			{
				char	   *s = OutputFunctionCall(out, d);
				int			i = levels_find(t, s, strlen(s));

				pfree(s);
				return i;
			}
	}
}
