"""Two processes writing one SQLite ledger at once: both wait for the lock, nothing is lost."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from ledger_cli import LEDGER, run
from strategies import fact, jsonl

from ledger import Ledger


def _facts(prefix: str, n: int) -> bytes:
    return jsonl(
        *(
            fact(
                "ForcesDeployed",
                f"2022-01-{1 + i % 28:02d}",
                id=f"{prefix}-{i}",
                mission="m",
                contributor="RU",
            )
            for i in range(n)
        )
    )


def _start(db: Path, path: Path, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(LEDGER), "--db", str(db), "import", str(path), "--json"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_two_imports_creating_one_ledger_both_succeed(tmp_path: Path) -> None:
    for attempt in range(3):
        db = tmp_path / f"new-{attempt}.db"
        (tmp_path / "a.jsonl").write_bytes(_facts("a", 1500))
        (tmp_path / "b.jsonl").write_bytes(_facts("b", 1500))
        procs = [_start(db, tmp_path / name, tmp_path) for name in ("a.jsonl", "b.jsonl")]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
        assert sorted(json.loads(out)["appended"] for out, _ in outs) == [1500, 1500]
        with Ledger.open(db) as lg:
            assert lg.size() == 3000
            assert {e.fact.fact_id[0] for e in lg.entries()} == {"a", "b"}
            assert lg.verify().ok


def test_two_retractions_of_one_fact_one_wins_the_other_is_bad_input(tmp_path: Path) -> None:
    for attempt in range(3):
        db = tmp_path / f"l-{attempt}.db"
        (tmp_path / "f.jsonl").write_bytes(_facts("f", 5))
        assert run("--db", db, "import", tmp_path / "f.jsonl", cwd=tmp_path).returncode == 0
        for name in ("r1", "r2"):
            retraction = fact("FactRetracted", "2022-02", id=name, target="f-3", reason=name)
            (tmp_path / f"{name}.jsonl").write_bytes(jsonl(retraction))
        procs = [_start(db, tmp_path / f"{name}.jsonl", tmp_path) for name in ("r1", "r2")]
        outs = [p.communicate(timeout=120) for p in procs]
        codes = sorted(p.returncode for p in procs)
        assert codes == [0, 2], [err for _, err in outs]
        loser = next(err.decode() for p, (_, err) in zip(procs, outs, strict=True) if p.returncode == 2)
        assert "$.target: 'f-3' was already retracted by" in loser and "Traceback" not in loser
        with Ledger.open(db) as lg:
            assert lg.size() == 6
            assert lg.verify().ok
