"""docs/library.md's complete program and its test under Pulumi mocks: the test exists, runs and passes,
and the page shows both files exactly as they are."""

import subprocess
import sys

from bluegreen.stack_files import PROJECT_DIR

EXAMPLE = PROJECT_DIR / "examples" / "library"


def test_the_example_programs_own_test_passes_under_mocks():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", str(EXAMPLE)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_the_page_shows_the_program_and_its_test_as_they_are():
    page = (PROJECT_DIR / "docs" / "library.md").read_text()

    for name in ("__main__.py", "test_main.py"):
        assert f"```python\n{(EXAMPLE / name).read_text()}```" in page, name
