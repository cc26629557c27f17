"""The embedded store: a ledger in one SQLite file (WAL), read and written on one connection of
ours (`store`), asynchronously on one aiosqlite connection (`reader`); its schema checked on
opening (`catalogue`) and its driver's errors translated in one place (`errors`)."""
