"""The error of a request that cannot be planned, raised by the option checks and the planner alike.

Its own module so the checks made while parsing a command line import nothing heavy.
"""


class PlanError(ValueError):
    """The request cannot be planned; the message names the option or key, the value and the rule."""
