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
	int			cap;			/* room in text, len and word */
	int			mask;			/* slots - 1, a power of two minus one */
	int		   *slots;			/* level index + 1; 0 is empty */
	char	  **text;			/* each level's text */
	int		   *len;
	uint64	   *word;			/* a text of at most 8 bytes, as a word */
	MemoryContext mcxt;			/* of a table that grows (levels_add) */
};

/*
 * A text of at most 8 bytes as one word, zeros after it: such texts (most
 * levels) are hashed and compared as words, not byte by byte.
 */
static inline uint64
short_word(const char *s, int len)
{
	uint64		w = 0;

	for (int i = 0; i < len; i++)
		w |= (uint64) (unsigned char) s[i] << (8 * i);
	return w;
}

/* murmur3's 64-bit finalizer, of a short text's word and its length */
static inline uint32
word_hash(uint64 w, int len)
{
	uint64		h = w ^ ((uint64) len << 59);

	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32) h;
}

static inline uint32
level_hash(const char *s, int len)
{
	if (len <= 8)
		return word_hash(short_word(s, len), len);
	return hash_bytes((const unsigned char *) s, len);
}

/* Put level i in its slot. */
static void
levels_place(LevelTable *t, int i)
{
	uint32		h = level_hash(t->text[i], t->len[i]);

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
	t->word = MemoryContextAlloc(mcxt, sizeof(uint64) * t->cap);
	for (int i = 0; i < n; i++)
	{
		t->text[i] = MemoryContextAlloc(mcxt, lens[i] + 1);
		memcpy(t->text[i], levels[i], lens[i]);
		t->text[i][lens[i]] = '\0';
		t->len[i] = lens[i];
		t->word[i] = lens[i] <= 8 ? short_word(levels[i], lens[i]) : 0;
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
		t->word = repalloc(t->word, sizeof(uint64) * t->cap);
	}
	i = t->n++;
	t->text[i] = MemoryContextAlloc(t->mcxt, len + 1);
	memcpy(t->text[i], s, len);
	t->text[i][len] = '\0';
	t->len[i] = len;
	t->word[i] = len <= 8 ? short_word(s, len) : 0;
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
	uint32		h;

	if (len <= 8)
	{
		uint64		w = short_word(s, len);

		h = word_hash(w, len);
		for (;; h++)
		{
			int			i = t->slots[h & t->mask] - 1;

			if (i < 0)
				return -1;
			if (t->word[i] == w && t->len[i] == len)
				return i;
		}
	}
	h = hash_bytes((const unsigned char *) s, len);
	for (;; h++)
	{
		int			i = t->slots[h & t->mask] - 1;

		if (i < 0)
			return -1;
		if (t->len[i] == len && memcmp(t->text[i], s, len) == 0)
			return i;
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
