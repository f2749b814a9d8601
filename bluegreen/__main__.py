"""`python -m bluegreen`: the operator CLI."""

from .cli import main

main()
