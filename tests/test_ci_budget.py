"""`bluegreen check` refuses a strategy that cannot finish within the release job's timeout."""

from pathlib import Path

import yaml
from rollout_support import docker_config

from bluegreen.ci_budget import job_timeout_minutes, strategy_problem
from bluegreen.offline_check import run_stack
from bluegreen.stack_files import PROJECT_DIR, read_stack_config, spec_of, stack_names


def project(tmp_path: Path, timeout_minutes: int, steps: list) -> Path:
    workflow = tmp_path / ".github" / "workflows" / "release.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(yaml.safe_dump({"jobs": {"release": {"timeout-minutes": timeout_minutes}}}))
    config = {**docker_config(), "bluegreen:rollout": {"steps": steps}}
    (tmp_path / "Pulumi.qa.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


class NoPack:
    """The strategy is refused before the pack would be asked anything."""

    def wait_ready(self):
        raise AssertionError("the pack was reached")


def test_a_strategy_longer_than_the_release_job_is_refused_by_check(tmp_path):
    steps = [{"setWeight": 10}, {"pause": "1h"}, {"setWeight": 100}]
    directory = project(tmp_path, 60, steps)

    result = run_stack("qa", NoPack(), directory)  # type: ignore[arg-type]

    assert not result.passed
    assert result.config_problems == [
        "bluegreen:rollout takes up to 1h30m (pauses 1h + 4 updates at 5m + 10m for the new color to become "
        "healthy), longer than the release job's timeout-minutes: 60 in .github/workflows/release.yml: the job "
        "would be cancelled mid-release; shorten the pauses or raise timeout-minutes (and role-duration-seconds "
        "with it)"
    ]


def test_a_manual_gate_costs_nothing_because_the_job_ends_there(tmp_path):
    steps = [{"setWeight": 10}, {"pause": {}}, {"setWeight": 100}]

    assert strategy_problem(spec_of({**docker_config(), "bluegreen:rollout": {"steps": steps}}), 45) is None


def test_every_stack_here_fits_the_release_workflow():
    minutes = job_timeout_minutes(PROJECT_DIR)

    assert minutes == 180
    for stack in stack_names(PROJECT_DIR):
        assert strategy_problem(spec_of(read_stack_config(stack)), minutes) is None, stack
