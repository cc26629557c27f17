"""Charts (contract section 15): `ledger plot`, `Ledger.chart` and `Ledger.plot` on real ledgers: the
example (Kazakhstan, January 2022), the Niger episode (an overthrow, an interim prime minister, a
withdrawal deadline met), and a generated state with 50 offices; formats by suffix, the same bytes
on every run, the model's lanes, bars, events and deadlines, every error exit 2 with no file left."""

from __future__ import annotations

import asyncio
import json
import random
import re
import struct
import warnings
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from ledger_cli import invoke
from matplotlib.colors import to_rgba
from matplotlib.patches import Rectangle

from ledger import AsyncLedger, Chart, Ledger
from ledger.chart.draw import _Drawing
from ledger.errors import MissionNotFound, UsageError

ROOT = Path(__file__).resolve().parent.parent
KZ = ROOT / "docs" / "examples" / "kazakhstan-2022-01-11.jsonl"
NE = ROOT / "docs" / "examples" / "niger-2023.jsonl"
MISSION = "csto-kazakhstan-2022"
PNG = b"\x89PNG\r\n\x1a\n"


def ledger_of(path: Path, *files: Path | bytes) -> Path:
    with Ledger.open(path, create=True) as lg:
        lg.import_facts(
            (f"f{i}.jsonl", f if isinstance(f, bytes) else f.read_bytes()) for i, f in enumerate(files)
        )
    return path


@pytest.fixture
def kz(tmp_path: Path) -> Path:
    return ledger_of(tmp_path / "kz.db", KZ)


@pytest.fixture
def ne(tmp_path: Path) -> Path:
    return ledger_of(tmp_path / "ne.db", NE)


@pytest.fixture
def mx(tmp_path: Path) -> Path:
    return ledger_of(tmp_path / "mx.db", ROOT / "tests" / "episodes" / "mexico-1913.jsonl")


def plot(tmp: Path, db: Path, *args: str) -> Any:
    return invoke("--db", db, "plot", *args, cwd=tmp)


def lanes(chart: Chart) -> list[tuple[str, str]]:
    return [(lane.kind, lane.key) for lane in chart.lanes]


def lane(chart: Chart, key: str) -> Any:
    return next(lane for lane in chart.lanes if lane.key == key)


def pictures(folder: Path) -> list[str]:
    """The files in `folder` other than ledgers: pictures, and any half-written one."""
    return sorted(p.name for p in folder.iterdir() if ".db" not in p.name)


# Formats


def test_the_suffix_decides_the_format(tmp_path: Path, kz: Path) -> None:
    for name in ("kz.svg", "kz.png", "kz.pdf", "KZ.PNG"):
        proc = plot(tmp_path, kz, "--state", "KZ", "-o", name)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == ""
        assert proc.stderr == f"{name}: 8 lanes, 6 bars, 3 events, 2 deadlines, 2022-01-06 to 2022-01-11\n"
    svg = (tmp_path / "kz.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg
    # Text stays text: the names can be searched and selected.
    for name in ("Alikhan Smailov", "Russia", "Tajikistan", "CSTO mission in Kazakhstan", "prime-minister"):
        assert f">{name}</text>" in svg
    assert (tmp_path / "kz.png").read_bytes().startswith(PNG)
    assert (tmp_path / "KZ.PNG").read_bytes().startswith(PNG)
    assert (tmp_path / "kz.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("suffix", ["svg", "png", "pdf"])
def test_the_same_ledger_and_options_give_the_same_bytes(tmp_path: Path, kz: Path, suffix: str) -> None:
    for name in ("one", "two"):
        assert plot(tmp_path, kz, "--state", "KZ", "--lang", "ar", "-o", f"{name}.{suffix}").returncode == 0
    one, two = (tmp_path / f"one.{suffix}").read_bytes(), (tmp_path / f"two.{suffix}").read_bytes()
    assert one == two
    # No date, no version of anything: only what the chart says.
    assert b"Matplotlib v" not in one and b"matplotlib.org" not in one
    assert b"timeline-ledger" in one


# The model


def test_the_example_chart_of_kazakhstan(kz: Path) -> None:
    with Ledger.open(kz) as lg:
        chart = lg.chart(state="KZ")
        root, size = lg.root(), lg.size()
    assert (chart.subject, chart.key, chart.title) == ("state", "KZ", "Kazakhstan")
    assert (chart.start, chart.end) == (date(2022, 1, 6), date(2022, 1, 11))
    assert (chart.root, chart.size) == (root, size)
    assert lanes(chart) == [
        ("state", "KZ"),
        ("office", "prime-minister"),
        ("mission", MISSION),
        *[("contingent", code) for code in ("AM", "BY", "KG", "RU", "TJ")],
    ]
    assert [lane.label for lane in chart.lanes[2:]] == [
        "CSTO mission in Kazakhstan",
        "AM",
        "BY",
        "KG",
        "RU",
        "TJ",
    ]
    (pm,) = lane(chart, "prime-minister").bars
    assert (pm.holder, pm.name, pm.start, pm.end, pm.acting) == (
        "alikhan-smailov",
        "Alikhan Smailov",
        date(2022, 1, 11),
        None,
        False,
    )
    assert pm.start_fact == "kz-2022-01-11-smailov-appointed"
    ru = lane(chart, "RU").bars
    assert [(b.name, b.start, b.end, b.acting) for b in ru] == [("Russia", date(2022, 1, 6), None, False)]
    assert [(m.kind, m.day, m.by) for m in lane(chart, "KZ").markers] == [
        ("GovernmentDismissed", date(2022, 1, 9), "kassym-jomart-tokayev")
    ]
    assert [(m.kind, m.fact) for m in lane(chart, MISSION).markers] == [
        ("MissionCompleted", "kz-2022-01-11-mission-completed"),
        ("WithdrawalAnnounced", "kz-2022-01-11-withdrawal-announced"),
    ]
    # Promises judged on the last day shown; both deadlines lie beyond it: arrows at the right edge.
    assert [(d.kind, d.day, d.status, d.days, d.beyond) for d in lane(chart, MISSION).deadlines] == [
        ("withdrawal-start", date(2022, 1, 13), "pending", 2, "after"),
        ("withdrawal-complete", date(2022, 1, 23), "pending", 12, "after"),
    ]


def test_a_mission_chart_has_its_contingents_and_its_events_only(kz: Path) -> None:
    with Ledger.open(kz) as lg:
        chart = lg.chart(mission=MISSION)
    assert chart.title == "CSTO mission in Kazakhstan"
    assert lanes(chart) == [
        ("mission", MISSION),
        *[("contingent", c) for c in ("AM", "BY", "KG", "RU", "TJ")],
    ]
    assert {m.kind for m in chart.markers()} == {"MissionCompleted", "WithdrawalAnnounced"}  # no dismissal
    assert len(chart.deadlines()) == 2


def test_promises_are_judged_on_the_last_day_shown(kz: Path, ne: Path) -> None:
    with Ledger.open(kz) as lg:
        later = lg.chart(state="KZ", end="2022-01-15")
    assert later.end == date(2022, 1, 15)
    assert [(d.kind, d.status, d.days, d.beyond) for d in later.deadlines()] == [
        ("withdrawal-start", "overdue", 2, None),  # no withdrawal started by then
        ("withdrawal-complete", "pending", 8, "after"),
    ]
    assert all(bar.end is None for bar in later.bars())  # open: to the right edge
    with Ledger.open(ne) as lg:
        shown = lg.chart(state="NE")
        after = lg.chart(state="NE", end="2024-01-31")
        before = lg.chart(state="NE", end="2023-12-01")
    (d,) = shown.deadlines()
    assert shown.end == date(2023, 12, 22)  # the last troops left: the last fact shown
    assert (d.kind, d.day, d.status, d.days, d.outcome, d.beyond) == (
        "withdrawal-complete",
        date(2023, 12, 31),
        "met",
        -9,
        date(2023, 12, 22),
        "after",
    )
    (d,) = after.deadlines()
    assert (d.status, d.beyond) == ("met", None)
    (d,) = before.deadlines()
    assert (d.status, d.days, d.outcome, d.beyond) == ("pending", 30, None, "after")
    (fr,) = lane(before, "FR").bars
    assert fr.end is None  # not withdrawn yet on 2023-12-01


def test_the_niger_episode_overthrow_interim_and_the_french_forces(ne: Path) -> None:
    with Ledger.open(ne) as lg:
        chart = lg.chart(state="NE")
    assert chart.start == date(2021, 4, 2)
    assert lanes(chart) == [
        ("state", "NE"),
        ("office", "president"),
        ("office", "prime-minister"),
        ("office", "president-of-the-cnsp"),
        ("mission", "french-forces-niger"),
        ("contingent", "FR"),
    ]
    assert [(b.name, b.end) for b in lane(chart, "president").bars] == [("Mohamed Bazoum", date(2023, 7, 26))]
    pm = lane(chart, "prime-minister").bars
    assert [(b.holder, b.acting) for b in pm] == [
        ("ouhoumoudou-mahamadou", False),
        ("hassoumi-massaoudou", True),  # interim: acting, hatched
        ("ali-mahaman-lamine-zeine", False),
    ]
    assert pm[0].name == "ouhoumoudou-mahamadou"  # no description: the slug
    assert [(m.kind, m.day, m.by) for m in lane(chart, "NE").markers] == [
        ("GovernmentOverthrown", date(2023, 7, 26), "abdourahamane-tchiani")
    ]
    assert [m.kind for m in lane(chart, "french-forces-niger").markers] == ["WithdrawalAnnounced"]
    (fr,) = lane(chart, "FR").bars
    assert (fr.name, fr.start, fr.end) == ("France", date(2022, 12, 31), date(2023, 12, 22))


def test_from_and_to_narrow_the_days_shown(ne: Path) -> None:
    with Ledger.open(ne) as lg:
        chart = lg.chart(state="NE", start="2023-07", end="2023-08-31")
    assert (chart.start, chart.end) == (date(2023, 7, 1), date(2023, 8, 31))
    assert [b.holder for b in lane(chart, "prime-minister").bars] == [
        "ouhoumoudou-mahamadou",  # began before: drawn from the left edge
        "hassoumi-massaoudou",
        "ali-mahaman-lamine-zeine",
    ]
    assert "french-forces-niger" in [lane.key for lane in chart.lanes]
    assert [m.kind for m in chart.markers()] == ["GovernmentOverthrown"]  # the announcement is later
    assert chart.deadlines() == []  # promised on 2023-09-24, after the last day shown


def test_names_in_the_language_asked_for(kz: Path) -> None:
    with Ledger.open(kz) as lg:
        chart = lg.chart(state="KZ", lang="ru")
    assert chart.title == "Казахстан"
    assert lane(chart, "prime-minister").bars[0].name == "Алихан Смаилов"
    assert lane(chart, "RU").bars[0].name == "Россия"
    assert lane(chart, MISSION).label == "Миссия ОДКБ в Казахстане"


def test_the_knowledge_horizon_is_respected(tmp_path: Path, kz: Path) -> None:
    with Ledger.open(kz) as lg:
        v1 = lg.chart(state="KZ", size=17)  # the facts without the descriptions
        early = lg.chart(state="KZ", size=10)  # before the dismissal was recorded
        with pytest.raises(UsageError, match="nothing to draw"):
            lg.chart(state="KZ", known_at="2000-01-01")
        now = lg.chart(state="KZ", known_at="9999-12-31")
        assert now == lg.chart(state="KZ")
    assert v1.size == 17 and v1.title == "Kazakhstan"  # the ISO name, without a description
    assert lane(v1, "prime-minister").bars[0].name == "alikhan-smailov"
    assert lane(v1, "RU").bars[0].name == "Russian Federation"
    assert "prime-minister" not in [lane.key for lane in early.lanes]
    assert [m.kind for m in early.markers()] == ["MissionCompleted", "WithdrawalAnnounced"]
    proc = plot(tmp_path, kz, "--state", "KZ", "--size", "10", "-o", "early.svg")
    assert proc.returncode == 0, proc.stderr
    svg = (tmp_path / "early.svg").read_text(encoding="utf-8")
    assert "Alikhan" not in svg and ">Russian Federation</text>" in svg  # described at entry 19
    proc = plot(tmp_path, kz, "--state", "KZ", "--known-at", "2000-01-01", "-o", "none.svg")
    assert proc.returncode == 2 and "nothing to draw" in proc.stderr
    assert "in 0 entries" in proc.stderr  # the horizon, not the state, is why: the message says so
    assert not (tmp_path / "none.svg").exists()
    proc = plot(tmp_path, kz, "--state", "KZ", "--size", "1", "-o", "none.svg")
    assert proc.returncode == 2 and "promise in 1 entry" in proc.stderr


# Errors: exit 2, a message naming the option, and no file


BAD = [
    ("--state KZ -o kz.jpg", "-o kz.jpg: .jpg is not a picture's suffix: name the file .svg, .png or .pdf"),
    ("--state KZ -o kz", "-o kz: no suffix: name the file .svg, .png or .pdf"),
    ("--state KZ -o -", "-o -: a picture is not written to stdout: name a file .svg, .png or .pdf"),
    ("-o kz.png", "give --state CODE or --mission SLUG (one of them)"),
    (f"--state KZ --mission {MISSION} -o kz.png", "give --state CODE or --mission SLUG"),
    (
        "--state Kazakhstan -o kz.png",
        "--state Kazakhstan: not an ISO 3166-1 alpha-2 or former-state (ISO 3166-3) code; did you mean KZ?",
    ),
    ("--mission csto-kazakstan-2022 -o kz.png", f"did you mean {MISSION}?"),
    ("--mission csto -o kz.png", f"--mission csto: no mission of this name in the ledger (it has {MISSION})"),
    (f"--mission {MISSION} --to 2022-01-05 -o kz.png", "no mission of this name on 2022-01-05"),
    (
        "--state FR -o kz.png",
        "--state FR: nothing to draw: no office, contingent on its soil, event or promise in 30 entries\n",
    ),
    (
        "--state RU -o kz.png",  # its contingent in Kazakhstan is in its mission's lanes (a trial)
        f"--state RU: nothing to draw: no office, contingent on its soil, event or promise in 30 entries; "
        f"its contingents abroad are drawn with --mission {MISSION}",
    ),
    ("--state KZ --from 2022-02 --to 2022-01 -o kz.png", "--to 2022-01: it is before the first day shown"),
    ("--state KZ --from 2022-13 -o kz.png", "--from: '2022-13' does not exist"),
    ("--state KZ --size 99 -o kz.png", "--size 99: the ledger has 30 entries"),
    ("--state KZ --lang english! -o kz.png", "--lang english!: not a BCP 47 language tag"),
    ("--state KZ -o missing/kz.png", "-o missing/kz.png: no such directory: missing"),
    ("--state KZ", "Missing option '-o'"),
]


@pytest.mark.parametrize(("args", "message"), BAD)
def test_bad_options_exit_2_and_write_nothing(tmp_path: Path, kz: Path, args: str, message: str) -> None:
    proc = plot(tmp_path, kz, *args.split())
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert pictures(tmp_path) == []


def test_a_directory_as_output_and_no_ledger_are_errors_too(tmp_path: Path, kz: Path) -> None:
    (tmp_path / "out.png").mkdir()
    proc = plot(tmp_path, kz, "--state", "KZ", "-o", "out.png")
    assert proc.returncode == 2 and "is a directory" in proc.stderr
    proc = plot(tmp_path, tmp_path / "none.db", "--state", "KZ", "-o", "kz.png")
    assert proc.returncode == 2
    assert pictures(tmp_path) == ["out.png"]


def test_a_failed_drawing_leaves_an_earlier_picture_as_it_was(tmp_path: Path, kz: Path) -> None:
    assert plot(tmp_path, kz, "--state", "KZ", "-o", "kz.png").returncode == 0
    before = (tmp_path / "kz.png").read_bytes()
    assert plot(tmp_path, kz, "--state", "FR", "-o", "kz.png").returncode == 2
    assert (tmp_path / "kz.png").read_bytes() == before
    assert pictures(tmp_path) == ["kz.png"]


def test_the_library_names_its_parameters(kz: Path, tmp_path: Path) -> None:
    with Ledger.open(kz) as lg:
        with pytest.raises(UsageError) as e:
            lg.plot(tmp_path / "kz.gif", state="KZ")
        assert e.value.param == "output"
        with pytest.raises(UsageError) as e:
            lg.chart()
        with pytest.raises(MissionNotFound):
            lg.chart(mission="nope")
    assert pictures(tmp_path) == []


# Scripts no font has, and right-to-left names


def test_names_in_any_script_draw_without_a_warning(tmp_path: Path, kz: Path) -> None:
    described = {
        "id": "zh-name",
        "type": "ActorDescribed",
        "occurred": "2022-01-11",
        "actor": "alikhan-smailov",
        "names": {"zh": "阿利汗·斯迈洛夫", "he": "עליחאן סמאילוב"},
        "sources": [{"publisher": "test"}],
    }
    with Ledger.open(kz) as lg:
        lg.import_facts([("zh.jsonl", json.dumps(described))])
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for lang in ("zh", "he", "ar"):
                for suffix in ("svg", "png", "pdf"):
                    lg.plot(tmp_path / f"{lang}.{suffix}", state="KZ", lang=lang)
    assert [str(w.message) for w in seen] == []
    assert ">阿利汗·斯迈洛夫</text>" in (tmp_path / "zh.svg").read_text(encoding="utf-8")
    proc = plot(tmp_path, kz, "--state", "KZ", "--lang", "zh", "-o", "zh2.png")
    assert proc.returncode == 0 and "Glyph" not in proc.stderr


# The async twin, PostgreSQL


def test_the_async_twin_gives_the_same_chart_and_bytes(tmp_path: Path, kz: Path) -> None:
    with Ledger.open(kz) as lg:
        chart = lg.chart(state="KZ", lang="ru", end="2022-01-15")
        lg.plot(tmp_path / "sync.svg", mission=MISSION)

    async def main() -> Chart:
        async with AsyncLedger.open(kz) as alg:
            await alg.plot(tmp_path / "async.svg", mission=MISSION)
            return await alg.chart(state="KZ", lang="ru", end="2022-01-15")

    assert asyncio.run(main()) == chart
    assert (tmp_path / "async.svg").read_bytes() == (tmp_path / "sync.svg").read_bytes()


def test_a_postgresql_ledger_draws_the_same_chart(tmp_path: Path, kz: Path, pg_url: str) -> None:
    with Ledger.open(pg_url, create=True) as lg:
        lg.import_facts([("kz.jsonl", KZ.read_bytes())])
        on_pg = lg.chart(state="KZ")
        lg.plot(tmp_path / "pg.png", state="KZ")
    with Ledger.open(kz) as lg:
        on_sqlite = lg.chart(state="KZ")
    # The same facts, recorded at other times: another root, the same picture otherwise.
    assert msgspec.structs.replace(on_pg, root="") == msgspec.structs.replace(on_sqlite, root="")
    assert (tmp_path / "pg.png").read_bytes().startswith(PNG)


# A state with 50 offices

NAMES = [
    "Alexandra",
    "Benedetta",
    "Cornelia",
    "Dorothea",
    "Evangelina",
    "Francesca",
    "Gabriella",
    "Henrietta",
]
SURNAMES = [
    "Abernathy-Whitmore",
    "Baptiste",
    "Castellanos",
    "Dimitrov",
    "Eriksson",
    "Fitzgerald-Montague",
    "Hakimi",
]


def fifty_offices(seed: int = 13) -> bytes:
    """A generated France: 50 offices held by one to five people each over twelve years (some
    acting, some with long names), a dismissal, an overthrow, and a mission with a mandate and a
    withdrawal deadline."""
    rng = random.Random(seed)
    facts: list[dict[str, Any]] = []

    def add(**fact: Any) -> None:
        facts.append({"id": f"g{len(facts)}", "sources": [{"publisher": "generated"}], **fact})

    for k in range(50):
        office = "prime-minister" if k == 0 else f"minister-of-portfolio-{k}"
        day, person = date(2010, 1, 1) + timedelta(days=rng.randint(0, 400)), ""
        for _ in range(rng.randint(1, 5)):
            person = f"person-{k}-{rng.randint(0, 9)}"
            add(type="OfficeAssumed", occurred=day.isoformat(), state="FR", office=office, person=person,
                acting=rng.random() < 0.2)  # fmt: skip
            day += timedelta(days=rng.choice([3, 40, 200, 700, 1500]))
            if day > date(2022, 1, 1):
                break
        if rng.random() < 0.3:
            add(type="OfficeLeft", occurred=day.isoformat(), state="FR", office=office, person=person)
    add(type="GovernmentDismissed", occurred="2014-05-02", state="FR")
    add(type="GovernmentOverthrown", occurred="2019-03-10", state="FR", by="junta")
    add(type="MissionAuthorized", occurred="2012-02-01", mission="gen-mission", organization="un", host="FR",
        until="2016")  # fmt: skip
    for code in ("DE", "IT", "ES"):
        add(type="ForcesDeployed", occurred="2012-03-01", mission="gen-mission", contributor=code, host="FR")
    add(type="WithdrawalAnnounced", occurred="2015-06-01", mission="gen-mission", completes_within_days=90)
    add(type="ForcesWithdrawn", occurred="2016-02-01", mission="gen-mission")
    add(type="MissionCompleted", occurred="2016-02-02", mission="gen-mission")
    for k in range(50):
        for i in range(10):
            name = f"{NAMES[(k + i) % len(NAMES)]} {SURNAMES[(k * 3 + i) % len(SURNAMES)]}"
            add(type="ActorDescribed", occurred="2020-01-01", actor=f"person-{k}-{i}", names={"en": name})
    return "".join(json.dumps(f) + "\n" for f in facts).encode()


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_fifty_offices_draw_readably(tmp_path: Path, kz: Path) -> None:
    db = ledger_of(tmp_path / "fifty.db", fifty_offices())
    proc = plot(tmp_path, db, "--state", "FR", "-o", "fifty.png")
    assert proc.returncode == 0, proc.stderr
    assert plot(tmp_path, kz, "--state", "KZ", "-o", "kz.png").returncode == 0
    with Ledger.open(db) as lg:
        chart = lg.chart(state="FR")
    assert sum(lane.kind == "office" for lane in chart.lanes) == 50
    assert {d.status for d in chart.deadlines()} == {"late", "met"}  # 90 days after 2015-06-01; 2016
    fifty_w, fifty_h = png_size((tmp_path / "fifty.png").read_bytes())
    kz_w, kz_h = png_size((tmp_path / "kz.png").read_bytes())
    assert fifty_w == kz_w and fifty_h > 4 * kz_h  # the height grows with the lanes
    # No two texts overlap: labels inside bars, after them, or cut with an ellipsis.
    drawing = _Drawing(chart)
    renderer = drawing.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in drawing.ax.texts if t.get_text()]
    assert len(boxes) > 100
    for i, (text, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            overlap_w = min(box.x1, other_box.x1) - max(box.x0, other_box.x0)
            overlap_h = min(box.y1, other_box.y1) - max(box.y0, other_box.y0)
            assert overlap_w <= 1 or overlap_h <= 1, (text, other)
    assert any(text.endswith("…") for text, _ in boxes)


def test_more_lanes_than_a_picture_can_hold_is_a_usage_error(tmp_path: Path) -> None:
    from ledger.chart.draw import MAX_LANES, render
    from ledger.chart.shape import Lane

    day = date(2022, 1, 1)
    many = [Lane(kind="office", key=f"office-{i}", label=f"office-{i}") for i in range(MAX_LANES + 1)]
    chart = Chart(
        subject="state",
        key="FR",
        title="France",
        start=day,
        end=day,
        lanes=tuple(many),
        lang="en",
        size=1,
        root="00",
    )
    with pytest.raises(UsageError) as e:
        render(chart, "svg")
    assert e.value.param == "state"
    assert "501 lanes are too many for one readable picture (at most 500)" in str(e.value)


def test_the_first_and_last_days_a_date_can_have(tmp_path: Path, kz: Path) -> None:
    proc = plot(tmp_path, kz, "--state", "KZ", "--from", "0001", "--to", "9999", "-o", "all.png")
    assert proc.returncode == 0, proc.stderr
    assert "0001-01-01 to 9999-12-31" in proc.stderr
    with Ledger.open(kz) as lg:
        statuses = [d.status for d in lg.chart(state="KZ", end="9999").deadlines()]
    assert statuses == ["overdue", "overdue"]


def test_a_name_that_did_not_fit_its_bar_is_named_in_a_footnote(tmp_path: Path, ne: Path) -> None:
    assert plot(tmp_path, ne, "--state", "NE", "-o", "niger.svg").returncode == 0
    svg = (tmp_path / "niger.svg").read_text(encoding="utf-8")
    # The interim prime minister's eleven days, in a picture of two and a half years.
    assert (
        ">Names that did not fit: prime-minister, 2023-07-27 to 2023-08-07: hassoumi-massaoudou (acting);"
        in svg
    )
    # ... and the names cut short, in full: a reader can tell who they were.
    assert "prime-minister, 2023-08-07 to open: ali-mahaman-lamine-zeine;" in svg
    assert ">ali-mahaman-la…</text>" in svg  # cut with an ellipsis, inside its bar
    assert ">Mohamed Bazoum</text>" in svg


def test_a_window_of_a_day_or_two_is_ticked_in_days_not_hours(tmp_path: Path, mx: Path) -> None:
    # Mexico's day of three presidents: the ledger knows days, so the axis names days, not 03:00,
    # each in the middle of its span, and never the day after the last one shown.
    for to, days in (("1913-02-19", ["19"]), ("1913-02-20", ["19", "20"])):
        proc = plot(tmp_path, mx, "--state", "MX", "--from", "1913-02-19", "--to", to, "-o", "mx.svg")
        assert proc.returncode == 0, proc.stderr
        svg = (tmp_path / "mx.svg").read_text(encoding="utf-8")
        assert ":00</text>" not in svg
        assert re.findall(r">1913-02-(\d\d)</text>", svg) == days


def test_the_axis_never_names_the_day_after_the_last_one_shown(tmp_path: Path, mx: Path) -> None:
    # --to 1912-12-31: the right edge is where 1913 begins, which is not shown, so not named.
    proc = plot(tmp_path, mx, "--state", "MX", "--from", "1911-06-01", "--to", "1912-12-31", "-o", "mx.svg")
    assert proc.returncode == 0, proc.stderr
    svg = (tmp_path / "mx.svg").read_text(encoding="utf-8")
    assert ">1912</text>" in svg and ">1913</text>" not in svg


def test_an_event_on_the_last_day_shown_is_drawn_whole(mx: Path) -> None:
    # The coup of 19 February 1913 is the last day of Mexico's chart: its marker is on the edge.
    with Ledger.open(mx) as lg:
        chart = lg.chart(state="MX")
    assert chart.end == date(1913, 2, 19) and [m.kind for m in chart.markers()] == ["GovernmentOverthrown"]
    drawing = _Drawing(chart)
    renderer = drawing.fig.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = drawing.ax.get_window_extent(renderer)
    markers = [line for line in drawing.ax.lines if line.get_marker() not in (None, "None", "")]
    assert markers
    for line in markers:
        box = line.get_window_extent(renderer)
        inside = axes.x0 <= box.x0 and box.x1 <= axes.x1
        assert inside or not line.get_clip_on(), "a marker cut in half by the edge of the plot"


def test_deadlines_beyond_an_edge_share_alike_labels_and_never_overlap(tmp_path: Path) -> None:
    # Afghanistan 1988: Geneva's two announcements name the same start date (15 May 1988), and two
    # completion dates; a chart of 1990 has all four before its first day. Four labels in one lane
    # overlapped: alike ones now share a label, and past two the rest are counted.
    af = ledger_of(tmp_path / "af.db", ROOT / "tests" / "episodes" / "afghanistan-1988.jsonl")
    args = ("--mission", "soviet-forces-afghanistan", "--from", "1990", "-o", "af.svg")
    assert plot(tmp_path, af, *args).returncode == 0
    svg = (tmp_path / "af.svg").read_text(encoding="utf-8")
    assert ">  start by 1988-05-15 (met) ×2</text>" in svg
    assert ">  2 more deadlines before the first day shown (ledger audit promises lists them)</text>" in svg
    assert svg.count(" (met)") == 1


def drawn_bars(drawing: _Drawing, *holders: str) -> list[Rectangle]:
    """The rectangle drawn for each holder's bar (one bar each), found by its colour."""
    bars = {
        patch.get_facecolor(): patch
        for patch in drawing.ax.patches
        if isinstance(patch, Rectangle) and patch.get_height() < 1
    }
    return [bars[to_rgba(drawing.colour(holder))] for holder in holders]


def fact_line(type_: str, day: str, id_: str, **fields: Any) -> bytes:
    """One line of a fact file, with one source."""
    f = {"type": type_, "occurred": day, "id": id_, "sources": [{"publisher": "p"}], **fields}
    return json.dumps(f).encode() + b"\n"


def test_a_one_day_office_holder_is_drawn_over_the_next_holder_and_a_day_wide(mx: Path) -> None:
    # Lascuráin held the presidency for under an hour on 19 February 1913, and Huerta took it the
    # same day: his bar covers that day, on top of Huerta's, which would otherwise hide it.
    with Ledger.open(mx) as lg:
        for start, end in (("1913-02-10", "1913-02-28"), ("1912-01-01", "1913-02-28")):
            chart = lg.chart(state="MX", start=start, end=end)
            drawing = _Drawing(chart)
            lascurain, huerta = drawn_bars(drawing, "pedro-lascurain", "victoriano-huerta")
            assert lascurain.get_zorder() > huerta.get_zorder()
            assert lascurain.get_x() == huerta.get_x()  # both began on the 19th
            day_px = drawing.px_per_day
            assert lascurain.get_width() >= max(1.0, 3.0 / day_px) - 1e-9
            assert lascurain.get_width() <= max(1.0, 3.0 / day_px) + 1e-9


def test_a_spell_too_short_for_the_scale_is_drawn_three_pixels_wide_over_its_successor(
    tmp_path: Path,
) -> None:
    # Sudan, 11-12 April 2019 (found by a trial): Ibn Auf chaired the military council for a day,
    # then Burhan. On a chart of three years, a day is a third of a pixel: his bar is widened to
    # three pixels, so it runs into Burhan's, and is drawn over it rather than under it.
    office = {"state": "SD", "office": "chair-of-the-transitional-military-council"}
    db = ledger_of(
        tmp_path / "sd.db",
        fact_line("OfficeAssumed", "2019-04-11", "auf", person="awad-ibn-auf", **office)
        + fact_line("OfficeLeft", "2019-04-12", "auf-left", person="awad-ibn-auf", **office)
        + fact_line("OfficeAssumed", "2019-04-12", "burhan", person="abdel-fattah-al-burhan", **office),
    )
    with Ledger.open(db) as lg:
        chart = lg.chart(state="SD", start="2019-01-01", end="2022-01-31")
    drawing = _Drawing(chart)
    auf, burhan = drawn_bars(drawing, "awad-ibn-auf", "abdel-fattah-al-burhan")
    assert drawing.px_per_day < 1
    assert auf.get_width() * drawing.px_per_day == pytest.approx(3.0)
    assert auf.get_x() + auf.get_width() > burhan.get_x()  # it runs into Burhan's bar
    assert auf.get_zorder() > burhan.get_zorder()


def test_a_subject_without_a_name_is_named_once_in_the_title(tmp_path: Path) -> None:
    db = ledger_of(tmp_path / "m.db", ROOT / "tests" / "episodes" / "niger-2023.jsonl")
    with Ledger.open(db) as lg:
        described = lg.chart(mission="french-forces-niger")
        state = lg.chart(state="NE")
    from ledger.chart.draw import heading

    assert heading(state) == "Niger (NE): offices and foreign forces"
    assert heading(described) == "french-forces-niger: contingents"  # not "... (french-forces-niger)"


def test_two_deadlines_a_day_apart_are_two_lines_on_a_chart_of_years(tmp_path: Path) -> None:
    # UNAMID (found by a trial): its mandate ended on 31 December 2020 and its withdrawal was to
    # start by 1 January 2021. On a chart of thirteen years the two lines were one.
    mission = {"mission": "unamid", "organization": "united-nations", "host": "SD"}
    db = ledger_of(
        tmp_path / "u.db",
        fact_line("MissionAuthorized", "2007-07-31", "authorized", **mission)
        + fact_line("ForcesDeployed", "2007-12-31", "rw", mission="unamid", contributor="RW")
        + fact_line("MissionAuthorized", "2020-06-03", "extended", until="2020-12-31", **mission)
        + fact_line("WithdrawalAnnounced", "2020-12-22", "ended", mission="unamid", start_by="2021-01-01"),
    )

    def lines_px(start: str) -> list[float]:
        with Ledger.open(db) as lg:
            drawing = _Drawing(lg.chart(mission="unamid", start=start, end="2021-06-30"))
        xs = [  # the deadlines' lines (1.8 wide; an event's guide line is thinner)
            segment[0][0]
            for collection in drawing.ax.collections
            if list(collection.get_linewidth()) == [1.8]
            for segment in getattr(collection, "get_segments", list)()
            if len(segment) == 2 and segment[0][0] == segment[1][0]
        ]
        return sorted(x * drawing.px_per_day for x in xs)

    far = lines_px("2008-01-01")
    assert len(far) == 2 and far[1] - far[0] >= 4.0 - 1e-9
    near = lines_px("2020-12-01")  # days wide: each line on its own day
    assert len(near) == 2
    with Ledger.open(db) as lg:
        px = _Drawing(lg.chart(mission="unamid", start="2020-12-01", end="2021-06-30")).px_per_day
    assert near[1] - near[0] == pytest.approx(px)
    with Ledger.open(db) as lg:
        drawing = _Drawing(lg.chart(mission="unamid", start="2008-01-01", end="2021-06-30"))
    early, late = drawing.left + 100.0, drawing.left + 101.0
    gap = 4.0 / drawing.px_per_day
    # Whatever the order they come in, the earlier stays on its day and the later moves right.
    assert drawing._apart([late, early]) == [early + gap, early]
    assert drawing._apart([early, late]) == [early, early + gap]
    # Three on one day: three lines, `gap` apart (found by a review: two of them coincided).
    assert drawing._apart([early, early, early]) == pytest.approx([early, early + gap, early + 2 * gap])
    # At the right edge: pushed back left, in their order, never past the edge.
    edge = drawing.right - 0.5
    assert drawing._apart([edge - 1, edge, edge - 2]) == pytest.approx(
        [drawing.right - gap, drawing.right, drawing.right - 2 * gap]
    )


@pytest.mark.parametrize("lang", ["en", "ar", "ru"])
def test_the_legend_stays_inside_the_picture_however_wide_the_lane_labels(kz: Path, lang: str) -> None:
    # In Arabic, the mission's long name widens the lane labels' column, and the legend, which
    # starts under the plot, ran off the right edge (found by a trial): fewer columns now.
    with Ledger.open(kz) as lg:
        for chart in (lg.chart(state="KZ", lang=lang), lg.chart(mission=MISSION, lang=lang)):
            drawing = _Drawing(chart)
            fig = drawing.fig
            renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
            (legend,) = fig.legends
            box = legend.get_window_extent(renderer)
            assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, (lang, chart.key)


def test_a_bar_whose_day_is_not_exact_has_a_dotted_end_and_the_legend_says_why(ne: Path) -> None:
    # French forces in Niger "since 2022" (found by a trial): the bar began at the effective day,
    # 31 December 2022, and read as "arrived around January 2023".
    with Ledger.open(ne) as lg:
        chart = lg.chart(state="NE")
    (france,) = lane(chart, "FR").bars
    assert (france.start, france.start_exact, france.end_exact) == (date(2022, 12, 31), False, True)
    assert all(bar.start_exact and bar.end_exact for bar in lane(chart, "president").bars)
    drawing = _Drawing(chart)
    dotted = [
        c
        for c in drawing.ax.collections
        if any(style[1] is not None for style in getattr(c, "get_linestyle", list)())
        and list(c.get_linewidth()) == [1.4]
    ]
    assert len(dotted) == 1  # France's start only
    (segment,) = dotted[0].get_segments()
    assert segment[0][0] == pytest.approx(
        float(date(2022, 12, 31).toordinal() - date(1970, 1, 1).toordinal())
    )
    legend = [t.get_text() for t in drawing.fig.legends[0].get_texts()]
    assert "dotted bar end: not an exact day (a year, a month, ~ or ?)" in legend
