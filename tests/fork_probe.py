"""`python -m tests.fork_probe ACTION [CODE]`: says what it was started with, then exits, raises or waits.

tests/test_fork_server.py starts it cold and from the fork server (testkit/fork_server.py), and compares.
"""

import json
import os
import sys
import time

if __name__ == "__main__":
    leader = os.getsid(0) == os.getpid()
    print(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "probe": os.environ.get("PROBE"), "leader": leader}))
    sys.stdout.flush()
    print("on stderr", file=sys.stderr, flush=True)
    action = sys.argv[1]
    if action == "exit":
        sys.exit(int(sys.argv[2]))
    if action == "raise":
        raise RuntimeError("the probe failed")
    with open("started", "w"):  # "wait": says it runs, then waits for a signal to end it
        pass
    time.sleep(60)
