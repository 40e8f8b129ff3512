/* The schema migrations embedded from db/migrations/NNN_name.sql, in version order. */
#ifndef KM_DB_MIGRATIONS_H
#define KM_DB_MIGRATIONS_H

struct db_migration {
	int version;      /* the NNN of NNN_name.sql; becomes PRAGMA user_version */
	const char *name; /* file name, for messages */
	const char *sql;
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

#endif
