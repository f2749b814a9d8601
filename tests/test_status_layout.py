"""`bluegreen status` reads well at 80 and 120 columns and piped into a log: no image, URL or health
detail is cut, lists print as lists, and `--watch` takes an optional interval and stamps each view."""

import io
import re

import pytest
from rich.console import Console
from rollout_support import docker_config
from typer.testing import CliRunner

from bluegreen.cli import app
from bluegreen.cli_env import CliEnv
from bluegreen.health_gates import GateResult
from bluegreen.stack_status import ColorStatus, StackStatus
from bluegreen.status_layout import render_status
from testkit.mock_driver import MockProgramDriver

IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/checkout-service@sha256:" + "0123456789abcdef" * 4
URL = "http://internal-web-alb-1234567890.eu-west-1.elb.amazonaws.com:8443/health/deep/checkout-dependencies"


def status(image: str = IMAGE, url: str = URL) -> StackStatus:
    health = (GateResult("http", "blue", True, f"GET {url} -> 200"),)
    return StackStatus(
        stack="acme/shop/prod-eu",
        platform="aws",
        live="blue",
        candidate="green",
        colors=[
            ColorStatus("blue", 100, 100, image, 2, health),
            ColorStatus("green", 0, 0, image.replace("checkout", "checkout-next"), 0, ()),
        ],
        outputs={"url": url, "routerContainers": ["web-blue-0", "web-blue-1"], "weights": {"blue": 100, "green": 0}},
        strategy=["setWeight 10", "pause 5m", "setWeight 100"],
        position=None,
    )


def rendered(width: int, terminal: bool, shown: StackStatus | None = None) -> str:
    sink = io.StringIO()
    console = Console(file=sink, width=width, force_terminal=terminal, color_system=None, soft_wrap=True)
    render_status(console, shown or status())
    return sink.getvalue()


@pytest.mark.parametrize(("width", "terminal"), [(80, True), (120, True), (200, True), (80, False), (120, False)])
def test_nothing_is_cut_at_any_width(width, terminal):
    text = rendered(width, terminal)

    assert "…" not in text
    for value in (IMAGE, URL, "web-blue-0", "web-blue-1"):
        assert value in text  # whole, on one line


@pytest.mark.parametrize(("width", "terminal"), [(80, True), (120, True), (200, True), (120, False), (80, False)])
def test_too_narrow_for_the_values_or_piped_is_plain_lines_with_whole_values_and_lists_as_lists(width, terminal):
    text = rendered(width, terminal)

    assert "┃" not in text and "│" not in text
    assert f"    image: {IMAGE}\n" in text
    assert f"    url: {URL}\n" in text
    assert "    routerContainers:\n      - web-blue-0\n      - web-blue-1\n" in text
    assert "['web-blue-0', 'web-blue-1']" not in text
    assert "  green: weight 0% (deployed 0%), 0 replicas\n" in text and "    health: scaled to 0\n" in text


def test_a_terminal_wide_enough_for_every_cell_gets_the_table():
    short = status(image="repo/web:1.4.2", url="http://127.0.0.1:8080/health")

    text = rendered(160, True, short)

    assert "┃ color" in text and "weight (deployed)" in text and "repo/web:1.4.2" in text
    assert "['web-blue-0'" not in text and "- web-blue-0" in text
    assert "│" not in rendered(80, True, short)  # the same values at 80 columns: plain lines


def watch_env(stops_after: int) -> tuple[CliEnv, list[float]]:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == stops_after:
            raise KeyboardInterrupt

    driver = MockProgramDriver.deployed("local", docker_config())
    env = CliEnv(driver_for=lambda name: driver, gates=lambda spec, config, http: [], sleep=sleep)
    return env, slept


@pytest.mark.parametrize(
    ("args", "interval", "every"),
    [(["--watch"], 5.0, "5s"), (["--watch", "2s"], 2.0, "2s"), (["--watch=1m"], 60.0, "1m")],
)
def test_watch_takes_an_optional_interval_and_stamps_each_view(args, interval, every):
    env, slept = watch_env(stops_after=2)

    result = CliRunner().invoke(app, ["status", "-s", "local", *args], obj=env)

    assert result.exit_code == 0, result.output
    assert slept == [interval, interval]
    stamps = re.findall(r"^(\d\d:\d\d:\d\d), every (\S+) \(Ctrl-C to stop\)$", result.output, re.M)
    assert len(stamps) == 2 and {shown for _, shown in stamps} == {every}


def test_watch_alone_before_another_option_still_means_every_5s():
    env, slept = watch_env(stops_after=1)

    result = CliRunner().invoke(app, ["status", "--watch", "--stack", "local"], obj=env)

    assert result.exit_code == 0, result.output
    assert slept == [5.0]
