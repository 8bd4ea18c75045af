"""The bench's pure helpers (tools/bench/stats.py, tools/bench/wire.py): pairing, the median of pair
ratios, the physical bounds a ratio is refused outside, the one table, and response delimiting."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "bench"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", TOOLS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


stats = _load("stats")
wire = _load("wire")
Sample, Row, Budget = stats.Sample, stats.Row, stats.Budget


def _recorder(name: str, log: list[str], values: list[float]) -> object:
    feed = iter(values)

    def run() -> object:
        log.append(name)
        return Sample(next(feed), None)

    return run


def test_alternate_swaps_which_side_goes_first_and_keeps_the_warm_up_out() -> None:
    log: list[str] = []
    paired = stats.alternate(
        _recorder("a", log, [99.0, 1.0, 2.0, 3.0, 4.0]), _recorder("b", log, [99.0, 10, 20, 30, 40]), 4
    )
    assert log == ["a", "b", "a", "b", "b", "a", "a", "b", "b", "a"]
    assert [s.value for s in paired.ours] == [1.0, 2.0, 3.0, 4.0]
    assert [s.value for s in paired.baseline] == [10, 20, 30, 40]


def test_the_ratio_is_the_median_of_pair_ratios_not_the_ratio_of_medians() -> None:
    # Two pairs at 2x and one where the baseline was hit by load: the medians of the sides (12 and 15)
    # would say 0.8; the pairs say 2.
    ours = tuple(Sample(v, None) for v in (10.0, 30.0, 12.0))
    baseline = tuple(Sample(v, None) for v in (5.0, 15.0, 100.0))
    paired = stats.Paired(ours, baseline)
    assert paired.ratio() == pytest.approx(2.0)
    assert paired.median("ours").value / paired.median("baseline").value == pytest.approx(0.8)


@given(st.lists(st.tuples(st.floats(0.001, 1e6), st.floats(0.001, 1e6)), min_size=1, max_size=30))
def test_median_of_ratios_lies_within_the_pair_ratios(pairs: list[tuple[float, float]]) -> None:
    ratios = [a / b for a, b in pairs]
    assert min(ratios) <= stats.median_of_ratios(pairs) <= max(ratios)


@pytest.mark.parametrize("pairs", [[], [(1.0, 0.0)], [(1.0, -2.0)]])
def test_median_of_ratios_refuses_what_is_no_ratio(pairs: list[tuple[float, float]]) -> None:
    with pytest.raises(ValueError):
        stats.median_of_ratios(pairs)


def test_pairs_must_match() -> None:
    with pytest.raises(ValueError):
        stats.Paired((Sample(1.0),), ())
    with pytest.raises(ValueError):
        stats.Paired((), ())


def test_the_cpu_ratio_needs_cpu_on_both_sides() -> None:
    with_cpu = stats.Paired((Sample(2.0, 1.0), Sample(2.0, 3.0)), (Sample(1.0, 1.0), Sample(1.0, 1.0)))
    assert with_cpu.cpu_ratio() == pytest.approx(2.0)
    assert stats.Paired((Sample(2.0, 1.0),), (Sample(1.0, None),)).cpu_ratio() is None
    assert stats.Paired((Sample(2.0, 1.0),), (Sample(1.0, 0.0),)).cpu_ratio() is None


def test_a_ratio_below_its_floor_is_refused_and_says_why() -> None:
    row = Row("start-up", "19 ms", "20 ms", ratio=0.95, budget=Budget(2.0), floor=1.0)
    assert row.ratio_text() == "refused"
    assert row.verdict() == "refused: below floor 1: machine noise, rerun"
    assert row.as_json()["ratio"] is None
    assert "0.95" not in stats.table([row])


def test_a_cost_of_nothing_is_shown_at_its_floor_when_the_pairs_fall_either_side() -> None:
    # 21 pairs, 12 of them below 1 (the median too): as likely as not from a true ratio of 1.
    pairs = (0.97,) * 12 + (1.03,) * 9
    row = Row("telemetry on vs off", "", ratio=0.97, budget=Budget(1.05), floor=1.0, pair_ratios=pairs)
    assert row.refusal() is None
    assert row.at_bound() == "floor"
    assert row.ratio_text() == "1.00 at floor"
    assert row.verdict() == "yes"  # the budget is checked against the bound, not the noise
    assert row.as_json()["ratio"] == 1.0
    assert row.as_json()["at_bound"] == "floor"
    assert "0.97" not in stats.table([row])


def test_pairs_that_fall_below_the_floor_beyond_noise_are_refused() -> None:
    pairs = (0.9,) * 17 + (1.02,) * 4  # 17 of 21 below: a fair coin does that 0.4 % of the time
    row = Row("start-up", "", ratio=0.9, budget=Budget(2.0), floor=1.0, pair_ratios=pairs)
    assert row.at_bound() is None
    assert row.verdict() == "refused: below floor 1: machine noise, rerun"
    ceiling = Row("req/s", "", ratio=1.2, ceiling=1.0, pair_ratios=(1.2,) * 9)
    assert ceiling.verdict() == "refused: above ceiling 1: machine noise, rerun"
    assert (
        Row("req/s", "", ratio=1.01, ceiling=1.0, pair_ratios=(1.01, 0.99, 1.02)).ratio_text()
        == "1.00 at ceiling"
    )


def test_the_sign_test_is_the_binomial_tail() -> None:
    assert stats.sign_test(0, 5) == 1.0
    assert stats.sign_test(1, 1) == 0.5
    assert stats.sign_test(3, 3) == 0.125
    assert stats.sign_test(2, 3) == 0.5
    assert stats.sign_test(15, 21) < stats.NOISE_LEVEL < stats.sign_test(14, 21)  # 15 of 21 refuse


def test_a_ratio_above_its_ceiling_is_refused() -> None:
    row = Row("req/s", "", ratio=1.3, budget=Budget(0.6, at_least=True), ceiling=1.0)
    assert row.verdict() == "refused: above ceiling 1: machine noise, rerun"


@pytest.mark.parametrize(
    ("ratio", "budget", "verdict"),
    [
        (1.0, Budget(2.0), "yes"),  # the floor itself is possible
        (2.0, Budget(2.0), "yes"),
        (2.01, Budget(2.0), "no"),
        (0.6, Budget(0.6, at_least=True), "yes"),
        (0.59, Budget(0.6, at_least=True), "no"),
        (3.0, None, "-"),
    ],
)
def test_the_verdict_checks_the_budget(ratio: float, budget: object, verdict: str) -> None:
    assert Row("m", "", ratio=ratio, budget=budget, floor=1.0 if ratio >= 1 else None).verdict() == verdict


def test_an_absolute_figure_is_checked_instead_of_the_ratio() -> None:
    row = Row("RSS above idle", "818 MB", figure=818.0, budget=Budget(64, unit="MB"))
    assert row.verdict() == "no"
    assert str(row.budget) == "≤ 64 MB"
    assert Row("RSS", "", figure=12.0, budget=Budget(64, unit="MB")).verdict() == "yes"


def test_a_skipped_row_says_why_and_has_no_verdict() -> None:
    row = Row("whoami vs node floor", "", budget=Budget(0.65), skipped="node is not installed")
    assert row.verdict() == "skipped: node is not installed"


def test_the_table_has_one_header_and_a_line_per_row() -> None:
    rows = [
        Row("a", "1 ms", "2 ms", ratio=0.5, cpu_ratio=0.4, budget=Budget(0.65)),
        Row("b", "9 ms", "3 ms", ratio=3.0, budget=Budget(2.0), floor=1.0),
    ]
    lines = stats.table(rows).splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == list(stats.HEADER)
    assert len(lines) == 2 + len(rows)
    assert [c.strip() for c in lines[2].strip("|").split("|")] == [
        "a",
        "1 ms",
        "2 ms",
        "0.50 (cpu 0.40)",
        "≤ 0.65×",
        "yes",
    ]
    assert [c.strip() for c in lines[3].strip("|").split("|")][-1] == "no"
    assert len({len(line) for line in lines}) == 1  # aligned


def test_the_json_carries_every_row() -> None:
    rows = [Row("a", "1", ratio=0.5, budget=Budget(0.65)), Row("b", "", skipped="absent")]
    document = json.loads(stats.as_json(rows, quick=True))
    assert document["quick"] is True
    assert [r["ok"] for r in document["rows"]] == ["yes", "skipped: absent"]


def test_paired_row_reports_the_medians_of_each_side() -> None:
    paired = stats.Paired(
        tuple(Sample(v, v / 2) for v in (0.030, 0.040, 0.050)), tuple(Sample(0.020, 0.010) for _ in range(3))
    )
    row = stats.paired_row("m", paired, budget=Budget(2.0), floor=1.0)
    assert row.ours == "40.0 ms (cpu 20.0 ms)"
    assert row.baseline == "20.0 ms (cpu 10.0 ms)"
    assert row.ratio == pytest.approx(2.0)
    assert row.pair_ratios == pytest.approx((1.5, 2.0, 2.5))
    assert row.details["pairs"] == 3


RESPONSE = b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}'


def test_complete_response_waits_for_the_whole_body() -> None:
    for cut in range(len(RESPONSE)):
        assert wire.complete_response(RESPONSE[:cut]) is None
    assert wire.complete_response(RESPONSE) == (200, len(RESPONSE))


def test_complete_response_leaves_the_next_one() -> None:
    buffer = bytearray(RESPONSE + RESPONSE.replace(b"200 OK", b"503 Busy")[:20])
    status, length = wire.complete_response(buffer)
    del buffer[:length]
    assert status == 200
    assert bytes(buffer) == b"HTTP/1.1 503 Busy\r\nc"


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n",
        b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
        b"SSH-2.0 hello\r\n\r\n",
    ],
)
def test_complete_response_refuses_what_it_cannot_delimit(head: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.complete_response(head)


def test_the_request_is_a_keep_alive_get() -> None:
    request = wire.request_bytes("127.0.0.1", 8080, "/healthz", {"authorization": "Bearer x"})
    assert request.startswith(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n")
    assert request.endswith(b"authorization: Bearer x\r\n\r\n")
    assert b"connection: close" not in request.lower()
