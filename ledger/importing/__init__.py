"""An import: each line checked (`check`), each chunk planned against the ledger (`plan`), and
written by the store in one transaction (`ledger.storage.writer`)."""
