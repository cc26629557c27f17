"""Measure the verifiable log on an existing ledger: inclusion proofs and a full verify.

    python -m tests.bench_verifiable_log LEDGER_DB [--proofs 200]

Prints the median and worst inclusion-proof time (library call, random
entries, proof checked with ledger.merkle) and the time of one full verify.
A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from ledger import Ledger, merkle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("--proofs", type=int, default=200)
    args = parser.parse_args()
    with Ledger.open(args.db) as lg:
        size = lg.size()
        rng = random.Random(1)
        times = []
        for _ in range(args.proofs):
            seq = rng.randrange(size)
            start = time.perf_counter()
            p = lg.inclusion_proof(seq)
            times.append(time.perf_counter() - start)
            proof = [bytes.fromhex(h) for h in p.proof]
            leaf, root = bytes.fromhex(p.leaf_hash), bytes.fromhex(p.root)
            assert merkle.verify_inclusion(seq, size, leaf, proof, root)
        start = time.perf_counter()
        report = lg.verify()
        verify_s = time.perf_counter() - start
    print(f"entries: {size}")
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    print(f"inclusion proof: median {median:.2f} ms, worst {worst:.2f} ms")
    print(f"full verify: {verify_s:.2f} s, ok={report.ok}")


if __name__ == "__main__":
    main()
