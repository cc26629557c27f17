"""The Merkle log as stored: which nodes a root or a proof needs (`tree`), and the right edge of a
growing tree (`compact`). Pure: the reads are `ledger.reading.log`'s, the RFC is `ledger.merkle`'s."""
