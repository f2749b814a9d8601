"""Sample outputs in the hand-written pages, refreshed from real runs.

A `text` block right after `<!-- doc-test: output-of "COMMAND" matching "REGEX" -->` holds the
lines of COMMAND's output (stdout then stderr) that match REGEX. `make docs` runs each command in
this checkout and rewrites the block; tests/test_docs_commands.py runs it again on a fresh copy of
the repository and fails when the page shows anything else.
"""

import os
import re
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DIRECTIVE = re.compile(r"<!--\s*doc-test:\s*output-of\s+(.*?)\s*-->")


@dataclass(frozen=True)
class Sample:
    command: str
    pattern: str


def parse(argument: str) -> Sample:
    """`"make check" matching "^stack "` -> Sample("make check", "^stack ")."""
    words = shlex.split(argument)
    if len(words) == 3 and words[1] == "matching":
        return Sample(words[0], words[2])
    if len(words) == 1:
        return Sample(words[0], "")
    raise ValueError(f'output-of wants "COMMAND" [matching "REGEX"], got {argument!r}')


def shown_lines(sample: Sample, output: str) -> list[str]:
    """The lines of `output` the page shows."""
    return [line.rstrip() for line in output.splitlines() if line.strip() and re.search(sample.pattern, line)]


def run(command: str, cwd: Path) -> str:
    """What a user sees running `command` in bash at `cwd`: stdout, then stderr."""
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    for key in ("VIRTUAL_ENV", "MAKELEVEL", "MAKEFLAGS", "MFLAGS"):
        env.pop(key, None)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    return result.stdout + result.stderr


def refresh(text: str, output_of: Callable[[str], str]) -> str:
    """The page with every sample block rewritten from `output_of(command)`."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        match = DIRECTIVE.search(lines[index])
        if match and index + 1 < len(lines) and lines[index + 1].strip() == "```text":
            sample = parse(match.group(1))
            end = next(i for i in range(index + 2, len(lines)) if lines[i].strip() == "```")
            lines[index + 2 : end] = shown_lines(sample, output_of(sample.command))
        index += 1
    return "\n".join(lines)
