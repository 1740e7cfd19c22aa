/*-------------------------------------------------------------------------
 * compat.h
 *	  Differences between the PostgreSQL versions pg_learn builds against.
 *-------------------------------------------------------------------------
 */
#ifndef PG_LEARN_COMPAT_H
#define PG_LEARN_COMPAT_H

#if PG_VERSION_NUM < 150000
#error "pg_learn needs PostgreSQL 15 or later"
#endif

#if PG_VERSION_NUM >= 160000
#define learn_has_privs_of_role(member, role) has_privs_of_role(member, role)
#else
#define learn_has_privs_of_role(member, role) has_privs_of_role(member, role)
#endif

#endif							/* PG_LEARN_COMPAT_H */
