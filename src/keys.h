/*-------------------------------------------------------------------------
 * keys.h
 *	  Canonical text of group values: how learn.coefficients.group_key
 *	  stores a group and how scoring finds a row's group.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_KEYS_H
#define PG_LEARN_KEYS_H

#include "pg_learn.h"

#include "lib/stringinfo.h"
#include "utils/hsearch.h"

/* How to format values of one type. */
typedef struct KeyFormatter
{
	FmgrInfo	out;
	bool		settings_matter;	/* output depends on DateStyle and such */
	bool		is_numeric;		/* 1.0 and 1.00 are one group: trim the scale */
	Oid			fast_type;		/* a type formatted directly, else InvalidOid */
} KeyFormatter;

/*
 * Error unless values of typid can key groups: the text of reg* values
 * (regclass, regproc, ...) depends on search_path, so one group could be
 * stored under one text and scored under another.
 */
extern void key_check_type(Oid typid, const char *column);

extern void key_formatter_init(KeyFormatter *kf, Oid typid, MemoryContext mcxt);

/* The canonical text of a non-NULL value (palloc'd). */
extern char *key_text(KeyFormatter *kf, Datum value);

/*
 * The settings under which canonical text is written, fixed until
 * key_settings_restore(the level key_settings_fix returned); an error
 * in between restores them with the (sub)transaction.
 */
extern int	key_settings_fix(bool reading);
extern void key_settings_restore(int nest);

/* How to read values of one type back from their canonical text. */
typedef struct KeyReader
{
	FmgrInfo	in;				/* the base type's input function */
	Oid			ioparam;
	bool		settings_matter;	/* read under the settings of key_text */
} KeyReader;

extern void key_reader_init(KeyReader *kr, Oid typid, MemoryContext mcxt);

/* Whether any of the readers reads under the settings of key_text. */
extern bool key_readers_need_settings(const KeyReader *readers, int n);

typedef enum KeyRead
{
	KEY_READ,					/* values read */
	KEY_MALFORMED,				/* the key is not nvalues values */
	KEY_UNREADABLE				/* a value's text does not read back (a
								 * domain's constraint added NOT VALID, an
								 * aclitem of a dropped role, ...) */
} KeyRead;

/*
 * The values of a lookup key of nvalues (at most INDEX_MAX_KEYS) values,
 * read by readers (palloc'd, NULL for SQL NULL): each equal, by its type's
 * equality, to the value its text was written from.  Call it between
 * key_settings_fix(true) and key_settings_restore when the readers need
 * settings.  A text that does not read back is KEY_UNREADABLE from
 * PostgreSQL 16 on (its input functions report soft errors); before, it
 * is the input function's error.
 */
extern KeyRead key_lookup_values(const char *key, int nvalues, KeyReader *readers,
								 NullableDatum *values);

/*
 * The nvalues values of a lookup key (key_append's), each palloc'd, NULL
 * for SQL NULL; false when key is not nvalues values.
 */
extern bool key_lookup_split(const char *key, int nvalues, char **values);

/*
 * Append one group value (NULL for SQL NULL) to a lookup key.  Each value
 * is length-prefixed, so no value can be mistaken for a separator.
 */
extern void key_append(StringInfo key, const char *value);

/*
 * A hash table of groups by lookup key, in mcxt: its entries (entrysize
 * bytes) start with a char * pointing to the NUL-ended key, which the
 * table hashes and compares by its text.  Search it with the address of a
 * char *.
 */
extern HTAB *key_table_create(const char *name, long nelem, Size entrysize,
							  MemoryContext mcxt);

/* The lookup key of a stored group key (a text[] datum of canonical text). */
extern void key_lookup_from_text_array(Datum group_key, StringInfo key);

#endif							/* PG_LEARN_KEYS_H */
