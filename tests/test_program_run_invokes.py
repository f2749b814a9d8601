"""A program that calls a provider function (`pulumi.runtime.invoke`, as `aws.get_region()` does) runs under mocks.

The mocks answer every function with an empty result and no failures: before, they answered "no
failures" with None, which the SDK's mock monitor iterates, so any invoke failed the run with
"'NoneType' object is not iterable" (the offline check reported the program as failed).
"""

from pathlib import Path

from bluegreen.program_run import ProgramRun, run_program

PROGRAM = """
import pulumi

class Thing(pulumi.CustomResource):
    def __init__(self, name, props):
        super().__init__("test:index:Thing", name, props)

found = pulumi.runtime.invoke("test:index:lookup", {"key": "region"})
thing = Thing("after-invoke", {"found": found.value})
pulumi.export("found", found.value)
"""


def test_a_program_that_invokes_a_function_runs_under_mocks_and_gets_an_empty_result(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text(PROGRAM)

    run = run_program({}, stack="test", project_dir=tmp_path, into=ProgramRun())

    assert run.outputs == {"found": {}}
    assert run.named("after-invoke").inputs == {"found": {}}
