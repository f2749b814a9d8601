"""The program typechecks: pyright over the files `[tool.pyright]` in pyproject.toml includes.

This is where pyright runs in CI (`make test`), as `make typecheck` runs it: not before every
`pulumi up`, where it would delay each traffic step (docs/install.md shows the opt-in).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pyright_reports_no_errors() -> None:
    pyright = Path(sys.executable).parent / "pyright"
    # Without this the PyPI wrapper asks PyPI for a newer release on every run.
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    result = subprocess.run(
        [str(pyright)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "0 errors" in output, output
