"""The stores and dialects: where the books are kept (an SQLite file, a PostgreSQL database), the
tables' spec and its upgrades (schema), opening and locking (store) and copying books between them."""
