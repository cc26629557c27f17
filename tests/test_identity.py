"""The canonical form is RFC 8785: our fast msgspec encoding equals a reference JCS encoder."""

from __future__ import annotations

import msgspec
import rfc8785
from hypothesis import given
from hypothesis import strategies as st
from strategies import line, world_facts

from ledger.identity import canonical_form, derived_id, stored_form
from ledger.validation import parse_line


def _reference(data: object) -> bytes:
    """RFC 8785 by the book: nulls dropped, then the reference encoder."""

    def drop(value: object) -> object:
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [drop(v) for v in value]
        return value

    return rfc8785.dumps(drop(data))


@given(world_facts(), st.text(max_size=20))
def test_canonical_and_stored_forms_are_rfc8785(fact: dict[str, object], quote: str) -> None:
    fact["sources"] = [{"publisher": "Wire", "quote": quote + '\u2028\x7f\x00\x1f"\\/é𝄞'}]
    checked = parse_line(line(fact), "t.jsonl", 1)
    as_json = msgspec.json.decode(msgspec.json.encode(checked.fact))
    for default in ("acting", "interim"):
        if as_json.get(default) is False:
            del as_json[default]  # equal to its default
    assert stored_form(checked.fact) == _reference(as_json)
    del as_json["id"]
    assert canonical_form(checked.fact) == _reference(as_json) == checked.canonical
    assert checked.fact.id == derived_id(checked.canonical)
