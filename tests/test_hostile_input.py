"""Whatever bytes a user pastes: the import succeeds or refuses them as bad input, and a refusal
writes nothing. Never another exception, never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_cli import invoke
from strategies import jsonl, world_facts

from ledger import Ledger
from ledger.errors import BadInput

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)
FIELDS = st.sampled_from(["type", "occurred", "sources", "mission", "contributor", "personnel", "id", "note"])


def _try_import(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp, Ledger.open(Path(tmp) / "l.db", create=True) as lg:
        lg.import_facts(
            [
                (
                    "seed.jsonl",
                    jsonl(
                        {
                            "type": "DeploymentCompleted",
                            "occurred": "2022",
                            "sources": [{"publisher": "x"}],
                            "mission": "m",
                        }
                    ),
                )
            ]
        )
        root = lg.root()
        try:
            lg.import_facts([("pasted.jsonl", data)])
        except BadInput as e:
            assert str(e).startswith("pasted.jsonl:"), str(e)
            assert lg.size() == 1 and lg.root() == root  # nothing written
        assert lg.verify().ok


@settings(max_examples=60)
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    _try_import(data)


@settings(max_examples=60)
@given(st.lists(JSON, min_size=1, max_size=3))
def test_arbitrary_json_lines(values: list[Any]) -> None:
    _try_import(b"\n".join(json.dumps(v).encode() for v in values))


@settings(max_examples=60)
@given(world_facts(), FIELDS, JSON)
def test_a_valid_fact_with_one_field_replaced_by_anything(
    fact: dict[str, Any], field: str, value: Any
) -> None:
    fact[field] = value
    _try_import(json.dumps(fact, allow_nan=True).encode())


def test_hostile_files_through_the_cli(tmp_path: Path) -> None:
    valid = (
        b'{"type":"StatementMade","occurred":"2022","sources":[{"publisher":"x"}],'
        b'"speaker":"a","summary":"s"}'
    )
    cases = {
        "bom": b"\xef\xbb\xbf" + valid + b"\n",
        "nan": valid.replace(b'"s"}', b'"s","note":NaN}'),
        "deep": b"[" * 200_000 + b"]" * 200_000,
        "ten-megabyte-line": valid.replace(b'"summary":"s"', b'"summary":"' + b"x" * 10_000_000 + b'"'),
        "control-character": valid.replace(b'"s"', b'"a\x01b"'),
        "invalid-utf8": valid.replace(b'"s"', b'"\xff"'),
        "duplicate-keys": valid.replace(b'{"type"', b'{"speaker":"b","type"'),
        "lone-surrogate": valid.replace(b'"s"', b'"\\ud800"'),
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(data)
        db = tmp_path / f"{name}.db"
        r = invoke("--db", db, "import", path, "--json", cwd=tmp_path)
        assert r.returncode in (0, 2), (name, r.stderr)
        if r.returncode == 2:
            assert r.stderr.startswith(f"ledger: {path}:1: $"), (name, r.stderr)
            assert json.loads(invoke("--db", db, "log", "--json", cwd=tmp_path).stdout or "null") is None
        assert invoke("--db", db, "verify", cwd=tmp_path).returncode == 0, name
