"""`python -m bluegreen`: the operator CLI."""

from .cli import app

app(prog_name="bluegreen")
