"""SQLite: the only package that speaks SQL, and it imports nothing of the mock above ``ids``/``clock``.

``database.Storage`` owns the connection, its lock and ``transaction()``; the DDL is ``schema.sql``.
Every other module holds the row functions of its tables, each taking the caller's connection:

- writes: a feature opens ``with storage.transaction() as conn:`` and calls row functions in order
  (the store never calls back into a feature);
- reads: ``Storage``'s read methods (one locked read each), or row functions inside a transaction.

``rows`` is the column-checked gateway for the payment and idempotency tables (dict rows).
"""
