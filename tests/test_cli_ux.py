"""The CLI as people and pipes meet it: the script's names, tables that never cut ids, types or
times, CSV and TSV output, readable summaries, and filters that are checked (issue items 4-9)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ledger_cli import invoke, run
from rich.console import Console
from strategies import fact, jsonl

from cli import render
from cli.table import Column, print_table
from ledger import Ledger, names

BIN = Path(sys.executable).parent
M = "csto-kazakhstan-2022"


# Item 4: a second console script, `timeline-ledger`


@pytest.mark.parametrize("name", ["ledger", "timeline-ledger"])
@pytest.mark.subprocess
def test_both_scripts_run_and_help_shows_the_name_called_by(name: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(BIN / name), "--help"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"Usage: {name} [OPTIONS] COMMAND [ARGS]...")
    sub = subprocess.run(
        [str(BIN / name), "timeline", "--help"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert sub.stdout.startswith(f"Usage: {name} timeline [OPTIONS]")
    failed = subprocess.run(
        [str(BIN / name), "--db", "missing.db", "log"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert failed.returncode == 2
    assert failed.stderr.startswith(f"{name}: missing.db: no ledger here")


def test_other_names_are_shown_as_ledger() -> None:
    from cli.main import program_name

    assert program_name("/usr/bin/timeline-ledger") == "timeline-ledger"
    assert program_name("/x/ledger") == "ledger"
    assert program_name("main.py") == "ledger"
    assert program_name("") == "ledger"


@pytest.mark.subprocess
def test_ledger_cli_helper_runs_the_ledger_script(tmp_path: Path) -> None:
    assert run("--version", cwd=tmp_path).stdout.startswith("ledger, version")


# Item 2, the command's side: it configures logging for itself


@pytest.mark.subprocess
def test_log_level_info_shows_the_library_events_as_json_lines_on_stderr(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parent / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"
    quiet = run("--db", tmp_path / "l.db", "import", example, cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == ""
    r = run("--log-level", "info", "--db", tmp_path / "l.db", "import", example, "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"appended": 0, "unchanged": 17, "size": 17}
    [line] = r.stderr.splitlines()
    event = json.loads(line)
    assert {k: event[k] for k in ("event", "level", "appended", "unchanged", "size")} == {
        "event": "import.done",
        "level": "info",
        "appended": 0,
        "unchanged": 17,
        "size": 17,
    }
    assert event["timestamp"].endswith("Z")


# Shared ledgers: the example, and one with the longest ids, types and dates the contract allows

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "kazakhstan-2022-01-11.v1.jsonl"
LONG_ID = "an-id-as-long-as-they-come-" + "x" * 60  # 87 characters
LONG_MISSION = "a-mission-with-a-long-name-" + "m" * 40
LONG_FACTS = [
    fact(
        "MissionRequested",
        "2022-01-05T09:30:15.123456+05:00",
        id=LONG_ID + "-requested",
        mission=LONG_MISSION,
        organization="csto",
        host="KZ",
        requested_by="kassym-jomart-tokayev",
    ),
    fact(
        "PrimeMinisterNominated",
        "2022-01-06?",
        id=LONG_ID + "-nominated",
        state="KZ",
        person="alikhan-smailov",
    ),
    fact(
        "StatementMade",
        "2022-01-07",
        id=LONG_ID + "-said",
        speaker="a-speaker",
        summary='A long statement, with "quotes", commas and words enough to wrap many times. ' * 3,
    ),
]


@pytest.fixture(scope="module")
def example_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("example") / "example.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files(EXAMPLE)
    return db


@pytest.fixture(scope="module")
def long_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("long") / "long.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("long.jsonl", jsonl(*LONG_FACTS))])
    return db


def _whole_values(out: str, *, log: bool, db: Path) -> None:
    """Every id, type and date of the ledger is in `out` whole, on one line, and nothing is cut."""
    assert "…" not in out
    lines = out.splitlines()
    with Ledger.open(db) as lg:
        entries = list(lg.entries())
    for e in entries:
        values = [e.fact.fact_id, e.fact.type, e.fact.occurred] + ([e.recorded_at] if log else [])
        for value in values:
            assert any(value in line for line in lines), (value, out)


# Item 5: tables never cut ids, types or times


@pytest.mark.parametrize("columns", [40, 60, 80, 110, 250])
@pytest.mark.parametrize("command", ["timeline", "log"])
def test_piped_tables_print_whole_values_at_every_width(
    long_db: Path, example_db: Path, tmp_path: Path, command: str, columns: int
) -> None:
    for db in (long_db, example_db):
        r = invoke("--db", db, command, cwd=tmp_path, env={"COLUMNS": str(columns)})
        assert r.returncode == 0, r.stderr
        _whole_values(r.stdout, log=command == "log", db=db)
    # The prose wraps: no line is longer than the values and a summary column of 30 need.
    r = invoke("--db", long_db, "timeline", cwd=tmp_path, env={"COLUMNS": str(columns)})
    widest = max(len(line) for line in r.stdout.splitlines())
    whole = 3 + 10 + 32 + 22 + len(LONG_ID + "-requested") + 30 + 19
    assert widest <= max(columns, whole)
    assert "quotes" in r.stdout and "many" in r.stdout


def _as_terminal(width: int, entries: list[Any], *, timeline: bool) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None, legacy_windows=False)
    render.entries_table(console, entries, timeline=timeline)
    return out.getvalue()


@pytest.mark.parametrize("width", [50, 70, 80, 100, 120, 160, 300])
def test_terminal_tables_keep_ids_whole_and_wrap_the_prose(
    long_db: Path, example_db: Path, width: int
) -> None:
    for db in (long_db, example_db):
        with Ledger.open(db) as lg:
            folded, entries = list(lg.timeline()), list(lg.entries())
        for items, timeline in ((folded, True), (entries, False)):
            out = _as_terminal(width, items, timeline=timeline)
            assert "…" not in out
            lines = out.splitlines()
            for e in items:
                assert any(e.fact.fact_id in line for line in lines), (width, e.fact.fact_id, out)
            longest_id = max(len(e.fact.fact_id) for e in items)
            if width >= longest_id + 40:  # room for the id beside the other columns: the table fits
                assert max(len(line) for line in lines) <= width, out
            if width >= 160:  # a wide terminal: types and times whole too, one row a line
                for e in items:
                    assert any(e.fact.type in line for line in lines)
                    assert any(e.fact.occurred in line for line in lines)


WORDS = (Column("when", "when", stacks=True), Column("what", "what", "words"), Column("fact", "fact", "id"))
NAMED = (
    "2023-12-31",
    ("Soviet forces in Afghanistan (40th Army) (Afghanistan)", "made by Mikhail Gorbachev", LONG_ID),
    LONG_ID,
)


@pytest.mark.parametrize("width", [60, 80, 100, 140, 250])
def test_names_wrap_at_spaces_and_ids_stay_whole(width: int) -> None:
    """A `words` column (names with ids among them) wraps at spaces to fit the terminal, never
    narrower than its longest word; piped, it is whole."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system=None, legacy_windows=False)
    print_table(console, WORDS, [NAMED])
    lines = out.getvalue().splitlines()
    assert sum(LONG_ID in line for line in lines) == 2, out.getvalue()  # in both columns, whole
    least = 3 * 2 + 1 + 2 * len(LONG_ID)  # stacked: the id beside the id
    assert max(len(line) for line in lines) <= max(width, least), out.getvalue()
    shown = " ".join(w for line in lines for w in line.replace("│", " ").split())
    assert "Soviet forces in Afghanistan (40th Army) (Afghanistan)" in shown  # wrapped, not cut
    piped = io.StringIO()
    print_table(Console(file=piped, width=40, color_system=None), WORDS, [NAMED])
    assert any(
        "Soviet forces in Afghanistan (40th Army) (Afghanistan)" in line
        for line in piped.getvalue().splitlines()
    )


@pytest.mark.parametrize("terminal", [True, False])
def test_rows_of_several_lines_are_ruled_off_and_a_continuation_stays_with_its_row(terminal: bool) -> None:
    """Two promises of several lines each get a rule between them; a row whose first cell is empty
    (a conflict's further claim) continues the row above, without a rule; one-line rows get none."""
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=terminal, color_system=None, legacy_windows=False)
    cols = (Column("when", "when"), Column("what", "what", "words"))
    print_table(console, cols, [("2023-12-31", ("a", "b")), ("", "c"), ("2024-01-31", ("d", "e"))])
    lines = out.getvalue().splitlines()
    rules = [k for k, line in enumerate(lines) if line.startswith("├")]
    assert len(rules) == 1, out.getvalue()
    assert "c" in lines[rules[0] - 1] and "2024-01-31" in lines[rules[0] + 1]
    flat = io.StringIO()
    print_table(Console(file=flat, width=200, color_system=None), cols, [("1", "a"), ("2", "b")])
    assert not any(line.startswith("├") for line in flat.getvalue().splitlines())


def test_a_wide_terminal_shows_one_column_per_value(example_db: Path) -> None:
    with Ledger.open(example_db) as lg:
        folded = list(lg.timeline())
    header = _as_terminal(200, folded, timeline=True).splitlines()[1]
    assert [h.strip() for h in header.strip("┃").split("┃")] == [
        "seq", "effective", "occurred", "type", "id", "summary",
    ]  # fmt: skip
    # Narrower, the type goes above the id (and the effective day above the occurred date).
    narrow = _as_terminal(100, folded, timeline=True).splitlines()
    assert [h.strip() for h in narrow[1].strip("┃").split("┃")] == ["", "effective", "type", ""]
    assert [h.strip() for h in narrow[2].strip("┃").split("┃")] == ["seq", "occurred", "id", "summary"]


def test_world_tables_keep_fact_ids_whole(tmp_path: Path, long_db: Path) -> None:
    appointed = fact(
        "PrimeMinisterAppointed", "2022-01-11", id=LONG_ID + "-appointed", state="KZ", person="p"
    )
    db = tmp_path / "w.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_facts([("f.jsonl", jsonl(*LONG_FACTS, appointed))])
    r = invoke("--db", db, "replay", "--as-of", "2022-01-12", cwd=tmp_path, env={"COLUMNS": "60"})
    assert r.returncode == 0, r.stderr
    assert LONG_ID + "-appointed" in r.stdout and "…" not in r.stdout


# Item 6: --csv and --tsv


def _delimited(text: str, dialect: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), dialect=dialect))


@pytest.mark.parametrize(("flag", "dialect"), [("--csv", "excel"), ("--tsv", "excel-tab")])
def test_csv_and_tsv_have_the_table_columns(long_db: Path, tmp_path: Path, flag: str, dialect: str) -> None:
    timeline = invoke("--db", long_db, "timeline", flag, cwd=tmp_path)
    assert timeline.returncode == 0, timeline.stderr
    assert "\r" not in timeline.stdout.replace('\r"', "")
    rows = _delimited(timeline.stdout, dialect)
    assert rows[0] == ["seq", "effective", "occurred", "type", "id", "summary"]
    with Ledger.open(long_db) as lg:  # actors named in English (--lang en), as the table does
        name = names(lg.actors())
        want = [list(render.entry_row(e, name)) for e in lg.timeline()]
        log_want = [list(render.entry_row(e, name)) for e in lg.entries()]
    assert rows[1:] == want
    assert rows[3][5].startswith('a-speaker: A long statement, with "quotes", commas')
    log = invoke("--db", long_db, "log", flag, cwd=tmp_path)
    rows = _delimited(log.stdout, dialect)
    assert rows[0] == ["seq", "recorded_at", "occurred", "type", "id", "summary"]
    assert rows[1:] == log_want


def test_csv_is_rfc_4180_with_newline_line_ends(long_db: Path, tmp_path: Path) -> None:
    out = invoke("--db", long_db, "timeline", "--csv", cwd=tmp_path).stdout
    assert out.startswith("seq,effective,occurred,type,id,summary\n")
    assert out.count("\n") == 4 and "\r\n" not in out
    assert '"a-speaker: A long statement, with ""quotes"", commas' in out  # quoted, quotes doubled


@pytest.mark.parametrize("command", ["timeline", "log"])
@pytest.mark.parametrize("flags", [("--json", "--csv"), ("--csv", "--tsv"), ("--tsv", "--json")])
def test_one_output_format_at_most(
    example_db: Path, tmp_path: Path, command: str, flags: tuple[str, str]
) -> None:
    r = invoke("--db", example_db, command, *flags, cwd=tmp_path)
    assert r.returncode == 2
    assert r.stdout == ""
    said = " ".join(r.stderr.split())
    assert "cannot be given together: choose one output" in said
    assert flags[0] in said and flags[1] in said


def test_json_lines_are_unchanged_by_the_new_options(example_db: Path, tmp_path: Path) -> None:
    timeline = [
        json.loads(line)
        for line in invoke("--db", example_db, "timeline", "--json", cwd=tmp_path).stdout.splitlines()
    ]
    log = [
        json.loads(line)
        for line in invoke("--db", example_db, "log", "--json", cwd=tmp_path).stdout.splitlines()
    ]
    assert [set(t) for t in timeline] == [{"seq", "effective", "fact"}] * 17
    assert [set(line) for line in log] == [{"seq", "id", "type", "occurred", "recorded_at", "leaf_hash"}] * 17


# Item 8: replay --state


def test_replay_state_limits_the_document(example_db: Path, tmp_path: Path) -> None:
    def doc(*args: str) -> dict[str, Any]:
        r = invoke("--db", example_db, "replay", "--as-of", "2022-01-12", *args, "--json", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        document = dict(json.loads(r.stdout))
        states = sorted(set(args[1::2]))  # the receipt's query names the states asked for (section 13)
        asked = document.pop("receipt")["query"].get("state")
        assert asked == (None if not states else states[0] if len(states) == 1 else states), asked
        return document

    whole = doc()
    assert doc("--state", "KZ") == whole  # the only state, and the host of the only mission
    ru = doc("--state", "RU")
    assert ru == {**whole, "states": {}}  # a contributor: its mission, no state entry of its own
    assert doc("--state", "RU", "--state", "KZ") == whole
    fr = invoke(
        "--db", example_db, "replay", "--as-of", "2022-01-12", "--state", "FR", "--json", cwd=tmp_path
    )
    assert fr.returncode == 0
    assert {**json.loads(fr.stdout), "receipt": None} == {
        **whole,
        "states": {},
        "missions": {},
        "receipt": None,
    }
    assert fr.stderr == "Nothing is known about FR on 2022-01-12.\n"


# Item 9: filters are checked


NOT_A_CODE = "not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code"
NO_MISSION = "no mission of this name in the ledger"
TYPO = "csto-kazakstan-22"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("timeline", "--state", "kz"), f"--state kz: {NOT_A_CODE}; did you mean KZ?"),
        (("timeline", "--state", "Kazakhstan"), f"--state Kazakhstan: {NOT_A_CODE}; did you mean KZ?"),
        (("timeline", "--state", "KAZ"), f"--state KAZ: {NOT_A_CODE}; did you mean KZ?"),
        (("timeline", "--state", "Kazakstan"), f"--state Kazakstan: {NOT_A_CODE}; did you mean KZ?"),
        (("timeline", "--state", "XX"), f"--state XX: {NOT_A_CODE} (such as KZ, or SUHH for the USSR)"),
        (("timeline", "--mission", "no-such"), f"--mission no-such: {NO_MISSION} (it has {M})"),
        (("timeline", "--mission", TYPO), f"--mission {TYPO}: {NO_MISSION}; did you mean {M}?"),
        (("timeline", "--mission", M, "--size", "0"), f"--mission {M}: {NO_MISSION}"),
        (("replay", "--state", "kz"), f"--state kz: {NOT_A_CODE}; did you mean KZ?"),
        (("replay", "--state", "KZ", "--state", "Russia"), f"--state Russia: {NOT_A_CODE}; did you mean RU?"),
        (("replay", "--state", "SU"), f"--state SU: {NOT_A_CODE}; did you mean SUHH?"),
        (("timeline", "--state", "SUN"), f"--state SUN: {NOT_A_CODE}; did you mean SUHH?"),
        (("timeline", "--state", "DDR"), f"--state DDR: {NOT_A_CODE}; did you mean DDDE?"),
        (("timeline", "--state", "cs"), f"--state cs: {NOT_A_CODE}; did you mean CSHH or CSXX?"),
    ],
)  # fmt: skip
def test_a_bad_filter_is_a_usage_error_with_a_hint(
    example_db: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    for output in ((), ("--json",)):
        r = invoke("--db", example_db, *args, *output, cwd=tmp_path)
        assert r.returncode == 2, r.stdout
        assert r.stdout == ""
        assert r.stderr == f"ledger: {message}\n"


EMPTY = "No facts in the timeline for"


@pytest.mark.parametrize(
    ("args", "note"),
    [
        (("timeline", "--state", "FR"), f"{EMPTY} --state FR.\n"),
        (("timeline", "--state", "KZ", "--to", "2022-01-01"), f"{EMPTY} --to 2022-01-01 --state KZ.\n"),
        (("timeline", "--mission", M, "--from", "2023"), f"{EMPTY} --from 2023 --mission {M}.\n"),
        (("log", "--size", "0"), "No entries for --size 0.\n"),
    ],
)  # fmt: skip
def test_an_empty_result_says_so_on_stderr(
    example_db: Path, tmp_path: Path, args: tuple[str, ...], note: str
) -> None:
    table = invoke("--db", example_db, *args, cwd=tmp_path)
    assert (table.returncode, table.stderr) == (0, note)
    assert "┃ seq ┃" in table.stdout  # an empty table: its header
    as_json = invoke("--db", example_db, *args, "--json", cwd=tmp_path)
    assert (as_json.returncode, as_json.stdout, as_json.stderr) == (0, "", note)
    as_csv = invoke("--db", example_db, *args, "--csv", cwd=tmp_path)
    assert (as_csv.returncode, as_csv.stderr) == (0, note)
    assert len(as_csv.stdout.splitlines()) == 1  # the header row


def test_a_state_without_facts_is_not_an_error(example_db: Path) -> None:
    with Ledger.open(example_db) as lg:
        assert list(lg.timeline(state="FR")) == []
        assert lg.replay("2022-01-12", states="FR").states == {}


@pytest.mark.parametrize("width", [60, 80, 120])
def test_world_tables_fit_a_terminal_with_ids_whole(example_db: Path, width: int) -> None:
    with Ledger.open(example_db) as lg:
        world = lg.replay("2022-01-12")
    out = io.StringIO()
    render.world(Console(file=out, width=width, force_terminal=True, color_system=None), world)
    text = out.getvalue()
    assert "kz-2022-01-11-smailov-appointed" in text and "csto-kazakhstan-2022" in text
    assert "…" not in text
    # Stacked, the offices table needs 84 columns for its ids whole, the holder's name among them
    # (the ledger describes nobody, so the name is the slug, which wraps at spaces only: it has
    # none); narrower, it overflows rather than cut.
    assert text.count("alikhan-smailov") == 2  # as the person, and whole as the name
    assert max(len(line) for line in text.splitlines()) <= max(width, 84)


def test_the_output_option_is_one_decorator_for_any_command() -> None:
    """What `audit promises` and `audit conflicts` will take: one decorator, one `fmt` argument."""
    import click
    from click.testing import CliRunner

    from cli.output import rows_option

    @click.command()
    @rows_option(json_help="Print one JSON object.")
    def audit(fmt: str) -> None:
        click.echo(fmt)

    runner = CliRunner()
    assert [runner.invoke(audit, args).output for args in ([], ["--json"], ["--csv"], ["--tsv"])] == [
        "table\n", "json\n", "csv\n", "tsv\n",
    ]  # fmt: skip
    both = runner.invoke(audit, ["--tsv", "--csv"])
    assert both.exit_code == 2 and "cannot be given together" in both.output
    assert "Print one JSON object." in runner.invoke(audit, ["--help"]).output


def test_replay_tables_show_figures_and_their_dispute(tmp_path: Path) -> None:
    """Under a contingent's personnel, the current claims' range (and `disputed` when they
    disagree); a mission's own figures on its line."""
    db = tmp_path / "figures.db"
    facts = [
        fact("ForcesDeployed", "2022-01-06", mission="m", contributor="RU", host="KZ", personnel=3000),
        fact(
            "StrengthReported",
            "2022-01-07",
            mission="m",
            contributor="RU",
            personnel=2500,
            personnel_high=3500,
        ),
        fact("StrengthReported", "2022-01-08", mission="m", personnel=4000),
        fact("StrengthReported", "2022-01-08", mission="m", personnel=4200),
    ]
    (tmp_path / "f.jsonl").write_bytes(jsonl(*facts))
    assert invoke("--db", db, "import", "f.jsonl", cwd=tmp_path).returncode == 0
    r = invoke("--db", db, "replay", "--as-of", "2022-01-07", cwd=tmp_path)
    assert "│ 2,500       │\n" in r.stdout and "│ 2,500-3,500 │\n" in r.stdout, (
        r.stdout
    )  # a range: not disputed
    assert "disputed" not in r.stdout and "  strength" not in r.stdout
    r = invoke("--db", db, "replay", "--as-of", "2022-01-08", cwd=tmp_path)
    assert "  strength 4,000-4,200 on 2022-01-08, disputed\n" in r.stdout, r.stdout
    r = invoke("--db", db, "replay", "--as-of", "2022-01-06", cwd=tmp_path)
    assert "│ 3,000     │\n" in r.stdout, r.stdout  # one figure: the figure alone


# A reader that closes the pipe early (`ledger export facts | head`) is no failure


@pytest.mark.parametrize(
    "command",
    [
        ["export", "facts"],
        ["export", "entries"],
        ["log", "--json"],
        ["log", "--csv"],
        ["timeline", "--json"],
        ["replay"],  # a table: rich would exit 1 itself
        ["timeline"],
    ],
)
@pytest.mark.subprocess
def test_a_reader_that_stops_early_ends_the_command_quietly_with_exit_0(
    command: list[str], tmp_path: Path
) -> None:
    from ledger.bench import synthetic_facts

    facts = tmp_path / "facts.jsonl"
    facts.write_bytes(synthetic_facts(3000))  # far more output than a pipe's buffer holds
    db = tmp_path / "l.db"
    with Ledger.open(db, create=True) as lg:
        lg.import_files([facts])
    proc = subprocess.Popen(
        [str(BIN / "ledger"), "--db", str(db), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does once it has its line
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert err == b""


@pytest.mark.parametrize("terminal", [True, False])
def test_an_offices_table_shows_every_fact_on_its_own_line_whole_dates_and_who_an_interim_stands_in_for(
    tmp_path: Path, terminal: bool
) -> None:
    """Found by a trial on Sudan 2019: the facts of an office were one cell joined by a newline,
    shown escaped (`\\n`); a date's `?` folded onto a line of its own on an 80-column terminal;
    and the holder an interim stands in for was in `--json` only."""
    with Ledger.open(tmp_path / "l.db", create=True) as lg:
        lg.import_facts(
            [
                (
                    "f.jsonl",
                    jsonl(
                        fact(
                            "OfficeAssumed",
                            "2019-02-23?",
                            id="sd-2019-02-23-ibn-auf-vp",
                            state="SD",
                            office="first-vice-president",
                            person="awad-ibn-auf",
                        ),
                        fact(
                            "PrimeMinisterAppointed",
                            "2018-09~",
                            id="sd-2018-moussa-pm",
                            state="SD",
                            person="motazz-moussa",
                        ),
                        fact(
                            "GovernmentDismissed",
                            "2019-02-22",
                            id="sd-2019-02-22-government-dissolved",
                            state="SD",
                        ),
                        fact(
                            "OfficeAssumed",
                            "2019-02-24",
                            id="sd-interim",
                            state="SD",
                            office="chair-of-the-transitional-military-council",
                            person="someone",
                        ),
                        fact(
                            "OfficeAssumed",
                            "2019-02-25",
                            id="sd-interim-2",
                            state="SD",
                            office="chair-of-the-transitional-military-council",
                            person="stand-in",
                            interim=True,
                        ),
                    ),
                )
            ]
        )
        world = lg.replay("2019-04-12")
    out = io.StringIO()
    render.world(Console(file=out, width=80, force_terminal=terminal, color_system=None), world)
    text = out.getvalue()
    assert "\\n" not in text
    assert "sd-2018-moussa-pm " in text and " sd-2019-02-22-government-dissolved " in text
    assert "2019-02-23? " in text
    assert "for someone" in text


def test_a_state_without_a_government_status_says_none_is_recorded(example_db: Path, tmp_path: Path) -> None:
    # Before the dismissal of 9 January no fact says how Kazakhstan is governed: "government: -"
    # read as "no government" (found by a trial).
    r = invoke("--db", example_db, "replay", "--as-of", "2022-01-08", "--state", "KZ", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Kazakhstan (KZ)  government: no status recorded yet" in r.stdout
