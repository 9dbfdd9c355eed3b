"""PostgreSQL access: pool, transactions with the row-level-security user, migrations."""
