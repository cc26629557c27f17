"""A ledger on read-only media (a read-only mount, or a folder the user may not write in): SQLite
cannot make the `-shm` file a WAL reader needs, so the store reads the file as immutable
(`ledger.storage.sqlite.store`). Every read answers as it would on a writable copy; a write says
the ledger is read-only, exit 1, and changes nothing; a write-ahead log with commits beside it is a
clear error rather than a ledger quietly missing its last imports."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ledger_cli import invoke

from ledger import Ledger
from ledger.errors import StoreError

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl"


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], Path]]]:
    """(a folder to fill, the same folder read-only once `seal` is called): a read-only bind
    mount when the tests run as root (root writes through permissions), else permissions."""
    folder = tmp_path / "media"
    folder.mkdir()
    sealed = tmp_path / "mounted"
    mounted = False

    def seal() -> Path:
        nonlocal mounted
        if os.geteuid() != 0:
            for f in folder.iterdir():
                f.chmod(0o444)
            folder.chmod(0o555)
            return folder
        sealed.mkdir()
        bind = subprocess.run(["mount", "--bind", str(folder), str(sealed)], capture_output=True, check=False)
        if bind.returncode != 0:
            pytest.skip(f"no read-only mount to be had here: {bind.stderr.decode().strip()}")
        mounted = True
        ro = subprocess.run(["mount", "-o", "remount,ro,bind", str(sealed)], capture_output=True, check=False)
        if ro.returncode != 0:
            pytest.skip(f"no read-only mount to be had here: {ro.stderr.decode().strip()}")
        return sealed

    yield folder, seal
    if mounted:
        subprocess.run(["umount", "--lazy", str(sealed)], check=False)
    folder.chmod(0o755)


def test_a_ledger_on_read_only_media_answers_every_read_and_refuses_writes(
    read_only_folder: tuple[Path, Callable[[], Path]], tmp_path: Path
) -> None:
    folder, seal = read_only_folder
    with Ledger.open(folder / "l.db", create=True) as lg:
        lg.import_files([EXAMPLE])
        expected = lg.replay("2022-01-20")
        size, root = lg.size(), lg.checkpoint().root
    assert not (folder / "l.db-wal").exists()  # closed: the log was checkpointed into the file
    path = seal() / "l.db"
    with Ledger.open(path) as lg:
        assert lg.replay("2022-01-20") == expected
        assert lg.verify().ok and lg.checkpoint().root == root
    r = invoke("--db", path, "timeline", "--state", "KZ", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    new = tmp_path / "new.jsonl"
    new.write_text(
        '{"id":"ro-1","type":"StatementMade","occurred":"2022-01-21","speaker":"kz",'
        '"summary":"s","sources":[{"publisher":"p"}]}\n',
        encoding="utf-8",
    )
    r = invoke("--db", path, "import", new, cwd=tmp_path)
    assert r.returncode == 1
    assert "the import was not written: the ledger is read-only here" in r.stderr
    assert "Traceback" not in r.stderr
    with Ledger.open(path) as lg:
        assert lg.size() == size and lg.checkpoint().root == root


def test_a_write_ahead_log_with_commits_on_read_only_media_is_a_clear_error(
    read_only_folder: tuple[Path, Callable[[], Path]], tmp_path: Path
) -> None:
    """An immutable read would not see the log's commits: that is said, not a smaller ledger."""
    folder, seal = read_only_folder
    source = tmp_path / "w.db"
    with Ledger.open(source, create=True) as lg:
        lg.import_files([EXAMPLE])
    writer = sqlite3.connect(source)  # held open: the log is not folded into the file on close
    writer.execute("PRAGMA wal_autocheckpoint = 0")
    writer.execute("PRAGMA user_version = 7")  # a commit the file itself does not hold yet
    writer.commit()
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{source}{suffix}", folder / f"l.db{suffix}")
    writer.close()
    assert (folder / "l.db-wal").stat().st_size > 0
    path = seal() / "l.db"
    with pytest.raises(StoreError, match=r"its write-ahead log \(l.db-wal\) holds commits"):
        Ledger.open(path)
    r = invoke("--db", path, "replay", cwd=tmp_path)
    assert r.returncode == 1 and "write-ahead log" in r.stderr and "Traceback" not in r.stderr


def test_a_new_ledger_in_a_read_only_folder_is_refused_plainly(
    read_only_folder: tuple[Path, Callable[[], Path]], tmp_path: Path
) -> None:
    """Found by a trial: SQLite's own "unable to open database file" was all that was said."""
    _, seal = read_only_folder
    target = seal() / "new.db"
    for args in (("import", EXAMPLE), ("init",)):
        r = invoke("--db", target, *args, cwd=tmp_path)
        assert r.returncode == 1, r.stderr
        assert r.stderr == (
            f"ledger: {target}: cannot create the ledger: its folder {target.parent} cannot be written "
            "here (read-only, or no write access)\n"
        )
    assert not target.exists()
