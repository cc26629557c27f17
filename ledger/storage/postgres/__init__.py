"""The shared store: a ledger in a PostgreSQL database, for many writers on many machines: its
URL (`settings`), one connection of ours for every read and write (`store`), a pool for asyncio
(`reader`), its catalogue checked on opening (`catalogue`), eventsourcing's table, lock and
notifications (`recorder`), and psycopg's errors translated in one place (`errors`)."""
