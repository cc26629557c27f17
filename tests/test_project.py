"""The project stands on its own: a clone holds everything its tests, docs and README use."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = "../" + "shar" + "ed"  # the workspace folder beside the project, which a user's clone lacks


def _tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False
    ).stdout.decode()
    files = [ROOT / name for name in out.split("\0") if name]
    # Outside a git checkout (an unpacked archive): every file of the project's own folders.
    return files or [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]


def test_nothing_in_the_project_reads_or_links_the_workspace_beside_it() -> None:
    offenders = []
    for path in _tracked():
        if path.suffix in (".py", ".md", ".toml", ".cfg", ".txt", ".jsonl", ".json", "") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if OUTSIDE in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_merkle_vectors_are_vendored_with_their_licence_note() -> None:
    vectors = ROOT / "tests" / "vectors" / "rfc6962"
    assert len(list(vectors.rglob("*.json"))) > 150
    note = " ".join((vectors / "README.md").read_text(encoding="utf-8").split())
    assert "transparency-dev/merkle" in note and "Apache License, Version 2.0" in note
