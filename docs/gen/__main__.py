"""`python -m docs.gen` rewrites the reference pages; `--check` only reports the stale ones (exit 1)."""

import sys

from .pages import stale_pages, write_pages


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        stale = stale_pages()
        for path in stale:
            print(f"{path} differs from what the code generates; run `make docs`", file=sys.stderr)
        return 1 if stale else 0
    if argv:
        print("usage: python -m docs.gen [--check]", file=sys.stderr)
        return 2
    for path in write_pages():
        print(f"wrote {path}")
    return 0


sys.exit(main(sys.argv[1:]))
