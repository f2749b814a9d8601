"""Test tooling that ships nothing to users: the traffic lab, the in-memory stack driver, the double-run diff.

It sits beside `bluegreen/`, not inside it, so the wheel (`bluegreen` and `components` only) leaves it
out; tests/ and bench/ import it from the checkout.
"""
