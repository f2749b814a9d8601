"""Rules of the bluegreen policy pack: plain functions over plain dicts, grouped by platform.

Only `policies.py` (which wraps each rule) and `values.py` (its unknown-value sentinels) import pulumi_policy;
the rule functions themselves see plain dicts and lists.
"""
