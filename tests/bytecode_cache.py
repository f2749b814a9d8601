"""The suite compiles each module once: Python's bytecode cache stays on where PYTHONDONTWRITEBYTECODE is set.

Container images and CI runners often set PYTHONDONTWRITEBYTECODE. The suite starts a few hundred Python
processes (the CLI, the policy pack, the program under mocks, docs commands on a fresh checkout), each
importing about 500 modules of Pulumi, its provider SDKs, pydantic and boto3. Without `__pycache__`
every one of them compiles those from source again (about 0.6 s of CPU each, half of a process's start),
and each pytest worker rewrites and compiles every test module again (about 7 s). The caches land in
`__pycache__/` directories, which git and the wheel ignore.

conftest.py imports this first, before the controller starts its workers, so the workers and every
process a test starts inherit the environment without the variable.
"""

import os
import sys

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
