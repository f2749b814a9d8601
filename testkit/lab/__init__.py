"""A loopback lab: real HAProxy and HTTP servers on 127.0.0.1, shared by the traffic test and the benchmark.

Nothing here leaves the machine: every socket binds or connects to 127.0.0.1.
"""
