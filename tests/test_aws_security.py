"""Platform aws, security groups: the ALB opens only its listener ports to the allowed CIDRs,
and tasks accept the app port from the ALB's group only."""

import pytest

from bluegreen.program_run import ProgramRun
from components.aws.security import CidrRule, alb_ingress_rules
from tests.conftest import run_config, stack_config

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
OFFICE = ["203.0.113.0/24", "198.51.100.0/24"]


def cidr_rules(run: ProgramRun, group_id: str) -> set[tuple[float, str]]:
    """(port, CIDR) of every ingress rule on one group; checks each is a single TCP port."""
    found = set()
    for rule in run.of_type(INGRESS):
        inputs = rule.inputs
        if inputs["securityGroupId"] != group_id:
            continue
        assert inputs["ipProtocol"] == "tcp"
        assert inputs["fromPort"] == inputs["toPort"]
        found.add((inputs["fromPort"], inputs.get("cidrIpv4") or inputs["cidrIpv6"]))
    return found


def rules_on(run: ProgramRun, type_token: str, group_id: str) -> list[dict]:
    return [r.inputs for r in run.of_type(type_token) if r.inputs["securityGroupId"] == group_id]


# Pure decisions --------------------------------------------------------------------------------


def test_one_rule_per_port_and_cidr_without_duplicates():
    rules = alb_ingress_rules({80: ["0.0.0.0/0", "0.0.0.0/0"], 9080: ["10.0.0.0/8"]})
    assert rules == [CidrRule(80, "0.0.0.0/0"), CidrRule(9080, "10.0.0.0/8")]


def test_rule_names_come_from_content_and_ipv6_goes_to_cidr_ipv6():
    v4, v6 = CidrRule(443, "10.1.0.0/16"), CidrRule(443, "2001:db8::/32")
    assert (v4.slug, v4.cidr_args()) == ("443-10-1-0-0-16", {"cidr_ipv4": "10.1.0.0/16"})
    assert (v6.slug, v6.cidr_args()) == ("443-2001-db8-x-32", {"cidr_ipv6": "2001:db8::/32"})


# The real program ------------------------------------------------------------------------------


def test_dev_alb_opens_http_to_everyone_and_the_test_port_to_nobody_by_default():
    run = run_config(stack_config("dev"), stack="dev")
    assert cidr_rules(run, "web-alb-sg-id") == {(80, "0.0.0.0/0")}


def test_the_test_port_opens_only_to_explicit_test_ingress_cidrs():
    run = run_config(stack_config("dev", {"bluegreen:aws.testIngressCidrs": ["192.0.2.0/24"]}), stack="dev")
    assert cidr_rules(run, "web-alb-sg-id") == {(80, "0.0.0.0/0"), (9080, "192.0.2.0/24")}


def test_staging_alb_opens_redirect_https_and_test_port_to_the_office_only():
    run = run_config(stack_config("staging"), stack="staging")
    assert cidr_rules(run, "web-alb-sg-id") == {(port, cidr) for port in (80, 443, 9443) for cidr in OFFICE}


def test_prod_test_listener_is_narrower_than_production():
    run = run_config(stack_config("prod"), stack="prod")
    assert cidr_rules(run, "web-alb-sg-id") == {
        (80, "0.0.0.0/0"),
        (443, "0.0.0.0/0"),
        (9443, "203.0.113.0/24"),
        (9443, "198.51.100.0/24"),
    }


def test_an_ipv6_cidr_becomes_a_cidr_ipv6_rule():
    run = run_config(
        stack_config("dev", {"bluegreen:aws.ingressCidrs": ["::/0"], "bluegreen:aws.testIngressCidrs": ["::/0"]}),
        stack="dev",
    )
    assert cidr_rules(run, "web-alb-sg-id") == {(80, "::/0"), (9080, "::/0")}
    assert all("cidrIpv4" not in r.inputs for r in run.of_type(INGRESS) if r.inputs.get("cidrIpv6"))


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_tasks_take_the_app_port_from_the_alb_group_only(stack):
    run = run_config(stack_config(stack), stack=stack)
    assert rules_on(run, INGRESS, "web-tasks-sg-id") == [
        {
            "securityGroupId": "web-tasks-sg-id",
            "referencedSecurityGroupId": "web-alb-sg-id",
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
        }
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_alb_sends_only_the_app_port_to_the_tasks_and_tasks_reach_out_freely(stack):
    run = run_config(stack_config(stack), stack=stack)
    assert rules_on(run, EGRESS, "web-alb-sg-id") == [
        {
            "securityGroupId": "web-alb-sg-id",
            "referencedSecurityGroupId": "web-tasks-sg-id",
            "ipProtocol": "tcp",
            "fromPort": 8080,
            "toPort": 8080,
        }
    ]
    assert rules_on(run, EGRESS, "web-tasks-sg-id") == [
        {"securityGroupId": "web-tasks-sg-id", "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"}
    ]


def test_groups_have_no_inline_rules_and_live_in_the_configured_vpc():
    run = run_config(stack_config("prod"), stack="prod")
    groups = {r.name: r.inputs for r in run.of_type(GROUP)}
    assert set(groups) == {"web-alb-sg", "web-tasks-sg"}
    for inputs in groups.values():
        assert inputs["vpcId"] == "vpc-0c1d2e3f4a5b60718"
        assert "ingress" not in inputs and "egress" not in inputs


def test_app_port_change_moves_both_sides_of_the_alb_to_task_path():
    run = run_config(stack_config("dev", {"bluegreen:service.port": 3000}), stack="dev")
    [to_tasks] = rules_on(run, EGRESS, "web-alb-sg-id")
    [into_tasks] = rules_on(run, INGRESS, "web-tasks-sg-id")
    assert (to_tasks["fromPort"], into_tasks["fromPort"]) == (3000, 3000)


# The security group without pulumi_aws.ec2 ---------------------------------------------------------

TWO_GROUPS = '''
import pulumi_aws as aws
from components.aws.security_group import SecurityGroup

for cls in (aws.ec2.SecurityGroup, SecurityGroup):
    cls(f"{cls.__module__}-sg", vpc_id="vpc-0123456789abcdef0", description="fixed text", tags={"a": "b"})
'''


def test_security_group_sends_what_the_sdk_class_sends(tmp_path):
    from bluegreen.program_run import run_program

    (tmp_path / "__main__.py").write_text(TWO_GROUPS)
    run = run_program({}, project_dir=tmp_path)
    modules = ("pulumi_aws.ec2.security_group", "components.aws.security_group")
    sdk, ours = (run.named(f"{module}-sg") for module in modules)
    assert (ours.type, ours.inputs) == (sdk.type, sdk.inputs)
    assert ours.inputs == {"vpcId": "vpc-0123456789abcdef0", "description": "fixed text", "tags": {"a": "b"}}


def test_the_aws_program_never_imports_pulumi_aws_ec2():
    import subprocess
    import sys

    from bluegreen.stack_files import PROJECT_DIR

    # A fresh interpreter: this test process has long loaded ec2 for the comparison above.
    # (`pulumi_aws.ec2` itself is always a lazy placeholder; its submodules load only when used.)
    probe = (
        "import sys, warnings; warnings.filterwarnings('ignore');"
        "from bluegreen.program_run import run_config; from bluegreen.stack_files import stack_config;"
        "run_config(stack_config('prod'), stack='prod');"
        "print(sorted(m for m in sys.modules if m.startswith('pulumi_aws.ec2.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# Normalised before naming (issue 9): one network, one spelling, one rule --------------------------


def ingress_names(run: ProgramRun) -> list[str]:
    return sorted(r.name for r in run.of_type(INGRESS) if r.inputs["securityGroupId"] == "web-alb-sg-id")


def test_a_bare_host_address_becomes_its_slash_32_network():
    # AWS refuses "10.0.0.1" as a CIDR; the only network it can mean is 10.0.0.1/32.
    run = run_config(stack_config("dev", {"bluegreen:aws.ingressCidrs": ["10.0.0.1", "2001:db8::1"]}), stack="dev")
    assert cidr_rules(run, "web-alb-sg-id") == {(80, "10.0.0.1/32"), (80, "2001:db8::1/128")}


@pytest.mark.parametrize(
    ("cidrs", "rule"),
    [
        (["fe80::/10", "FE80::/10"], (80, "fe80::/10")),  # two spellings once made a duplicate URN
        (["::/0", "0::/0"], (80, "::/0")),  # two rules for one network
        (["0.0.0.0/0", "0.0.0.0/0"], (80, "0.0.0.0/0")),
    ],
)
def test_two_spellings_of_one_network_make_one_rule(cidrs, rule):
    run = run_config(stack_config("dev", {"bluegreen:aws.ingressCidrs": cidrs}), stack="dev")
    assert cidr_rules(run, "web-alb-sg-id") == {rule}
    assert len(ingress_names(run)) == 1


def test_rule_names_are_unique_across_every_listener_port():
    cidrs = {"bluegreen:aws.ingressCidrs": ["10.0.0.0/8", "::/0"], "bluegreen:aws.testIngressCidrs": ["10.0.0.0/8"]}
    run = run_config(stack_config("dev", cidrs), stack="dev")
    names = ingress_names(run)
    assert len(names) == len(set(names)) == 3


def test_ipv6_networks_that_once_shared_a_name_each_get_their_own_rule():
    """`a::/128` and `::a/128` both became `...-a-128`: one rule was lost; now each has its own name."""
    config = stack_config("dev", {"bluegreen:aws.testIngressCidrs": ["a::/128", "::a/128"]})
    run = run_config(config, stack="dev")
    assert cidr_rules(run, "web-alb-sg-id") == {(80, "0.0.0.0/0"), (9080, "a::/128"), (9080, "::a/128")}
    names = {r.name for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert {"web-alb-in-9080-a-x-128", "web-alb-in-9080-x-a-128"} <= names


def test_an_ipv6_rule_keeps_its_state_through_an_alias_from_its_former_name():
    assert (CidrRule(9443, "2001:db8::/32").legacy_slug, CidrRule(9443, "::/0").legacy_slug) == (
        "9443-2001-db8-32",
        "9443-0",
    )
    run = run_config(stack_config("dev", {"bluegreen:aws.testIngressCidrs": ["2001:db8::/32"]}), stack="dev")
    [rule] = [r for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") if "2001" in r.name]
    assert rule.name == "web-alb-in-9080-2001-db8-x-32"
    assert {"name": "web-alb-in-9080-2001-db8-32"}.items() <= next(
        a for a in rule.aliases if a.get("name") == "web-alb-in-9080-2001-db8-32"
    ).items()
