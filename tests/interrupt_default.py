"""The suite's processes take SIGINT as they would from a terminal, wherever the suite was started.

A shell without job control starts a background command (`make test &` in a script, a CI step that
runs the suite in the background) with SIGINT ignored, and an ignored signal stays ignored across
`exec`: Python keeps it so, and so would every process the suite starts. The tests that interrupt
the CLI, the release engine or a forked child then wait for an interrupt that never comes (6 failed,
one of them by a 30 s timeout). So the suite gives SIGINT back to Python's own handler: the processes
it starts then begin with the default disposition, as a terminal's would.

conftest.py imports this first, before the controller starts its workers, so they inherit it too.
"""

import signal

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
