"""One run of the program reports every problem in a stack config, not the first few.

pydantic runs a model's own rules only once all its fields are valid, so a bad `confidence` hid the
metric's `max`, which hid the order of `steps`, and a bad Prometheus address hid a hook's URL: 13 of
15 planted mistakes came out in the first pass. Each message names the key, the value and the rule.
"""

from tests.conftest import config_error

SUBNETS = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]

FIFTEEN_MISTAKES = {
    "bluegreen:platform": "aws",
    "bluegreen:blue": {"image": "repo/web:latest"},
    "bluegreen:green": {"image": "repo/web:1.5.0"},
    "bluegreen:traffic": {"blue": 90, "green": 20},
    "bluegreen:service": {"port": 70000, "healthCheck": {"path": "health", "intervalSeconds": 10}},
    "bluegreen:aws": {"vpcId": "vpc-bad", "subnetIds": SUBNETS, "cpu": 256, "memory": 4096,
                      "ingressCidrs": ["10.0.0.0/33"]},
    "bluegreen:rollout": {
        "steps": [{"setWeight": 25}, {"setWeight": 5}, {"setWeight": 100}],
        "analysis": {
            "interval": "99999999h",
            "metrics": [{"name": "errors", "template": "errorRate", "max": 5, "confidence": float("nan")}],
        },
        "prometheus": {"address": "http://169.254.169.254:9090"},
        "hooks": {"preTraffic": {"url": "file:///etc/shadow", "timeout": "٣s"}},
    },
    "bluegreen:promotion": {"from": "mallory personal/staging"},
}

EXPECTED = [
    "bluegreen:blue.image = 'repo/web:latest' is invalid: must be pinned by a tag other than latest",
    "bluegreen:traffic = {blue: 90, green: 20} is invalid: weights must sum to 100",
    "bluegreen:service.port = 70000 is invalid: must be an integer from 1 to 65535",
    "bluegreen:service.healthCheck.path = 'health' is invalid: must start with '/'",
    "bluegreen:aws.vpcId = 'vpc-bad' is invalid: must look like vpc-0123456789abcdef0",
    "bluegreen:aws.memory = 4096 is invalid: with cpu 256, Fargate takes memory 512, 1024, 2048",
    "bluegreen:aws.ingressCidrs[0] = '10.0.0.0/33' is invalid: must be a network in CIDR notation",
    "bluegreen:rollout.steps = [25, 5, 100] is invalid: setWeight values must strictly increase",
    "bluegreen:rollout.analysis.interval = '99999999h' is invalid: must be at most 1h",
    "bluegreen:rollout.analysis.metrics[0].confidence = nan is invalid: must be from 0.5 to 0.999",
    "bluegreen:rollout.analysis.metrics[0].max = 5 is invalid: is a ratio of requests: must be from 0 to 1",
    "bluegreen:rollout.prometheus.address = 'http://169.254.169.254:9090' is invalid: names a host analysis may "
    "not query: 169.254.169.254 is a cloud metadata address",
    "bluegreen:rollout.hooks.preTraffic.url = 'file:///etc/shadow' is invalid: must be an http:// or https:// URL",
    "bluegreen:rollout.hooks.preTraffic.timeout = '٣s' is invalid: must be a duration with a unit",
    "bluegreen:promotion.from = 'mallory personal/staging' is invalid: must look like staging, acme/staging or "
    "acme/web/staging",
]


def test_one_pass_reports_every_planted_mistake():
    message = config_error(FIFTEEN_MISTAKES, stack="prod")

    assert len(EXPECTED) == 15
    missed = [line for line in EXPECTED if line not in message]
    assert missed == [], message
    assert message.splitlines()[0] == "invalid stack config (15 problem(s)):", message


def test_a_rule_judging_a_left_out_siblings_default_is_not_reported():
    """timeoutSeconds 20 is fine beside the intervalSeconds the user wrote (bad: 5000), not beside the default 10."""
    config = {
        "bluegreen:platform": "docker",
        "bluegreen:blue": {"image": "repo/web:1.4.2"},
        "bluegreen:green": {"image": "repo/web:1.5.0"},
        "bluegreen:service": {"healthCheck": {"intervalSeconds": 5000, "timeoutSeconds": 20}},
    }

    message = config_error(config, stack="local")

    assert message.splitlines() == [
        "invalid stack config (1 problem(s)):",
        "bluegreen:service.healthCheck.intervalSeconds = 5000 is invalid: must be an integer from 5 to 300"
    ]
