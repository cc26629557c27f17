"""Every read of the ledger, written once as plans (`plans`) that `Ledger` and `AsyncLedger` run
on their cursors: the knowledge horizon and entries (`entries`), replay (`replay`), the Merkle
log (`log`). The arguments they take are parsed in `args`."""
