"""What each rule checks, the outage it prevents and how to fix a violation, in the user's words.

The pack hands `remediation_steps` and a `url` to the engine for every policy, and
docs/policies.md is generated from the same text (`make docs`), so the page a violation
links to says exactly what the pack says.
"""

from dataclasses import dataclass

POLICY_DOCS = "docs/policies.md"
"""Where the rules are documented, relative to the repository root; each rule is an anchor on it."""


@dataclass(frozen=True)
class Guidance:
    checks: str
    """What the rule looks at, precisely enough to predict a verdict."""
    prevents: str
    """The outage or hazard a violation leads to."""
    fix: str
    """The remediation: what to change so the rule passes."""


def policy_url(name: str) -> str:
    """The documentation anchor of one rule, e.g. `docs/policies.md#k8s-probe-timing`."""
    return f"{POLICY_DOCS}#{name}"


GUIDANCE: dict[str, Guidance] = {
    "k8s-readiness-probe-required": Guidance(
        "Every serving container has a `readinessProbe`.",
        "Without one, a pod joins its Service the moment it starts. Requests go to a process that is still "
        "booting, and they fail with connection refused or 5xx during every rollout.",
        "Add a `readinessProbe` (an `httpGet` of the health path) to each serving container.",
    ),
    "k8s-liveness-probe-required": Guidance(
        "Every serving container has a `livenessProbe`.",
        "A hung process (deadlock, exhausted pool) stays in rotation forever, and its share of requests times out.",
        "Add a `livenessProbe` that fails only when the process must be restarted.",
    ),
    "k8s-liveness-differs-from-readiness": Guidance(
        "The liveness probe is not identical to the readiness probe: the same handler and the same "
        "`initialDelaySeconds`, `periodSeconds`, `timeoutSeconds`, `successThreshold` and `failureThreshold`, "
        "with Kubernetes defaults filled in, count as identical.",
        "Under load, every pod that should only leave rotation is restarted instead. The restarts cascade until "
        "no pod is left.",
        "Give liveness more patience than readiness, e.g. a `failureThreshold` twice as high "
        "(the program uses 2 × unhealthyThreshold).",
    ),
    "k8s-probe-timing": Guidance(
        "For every probe: `timeoutSeconds` < `periodSeconds`, `successThreshold` is 1 for liveness and startup "
        "probes, and `failureThreshold` >= 1. Kubernetes defaults apply when a field is unset.",
        "Probes that overlap or can never pass. They flap pods in and out of rotation, or the API server rejects "
        "the workload in the middle of a rollout.",
        "Set `timeoutSeconds` below `periodSeconds`, and `successThreshold: 1` on liveness and startup probes.",
    ),
    "k8s-startup-probe-for-slow-start": Guidance(
        "A liveness `initialDelaySeconds` above the bound needs a `startupProbe`.",
        "With a long fixed delay, a container that hangs after it starts is caught only late. A start that is "
        "slower than usual gets it killed in a loop.",
        "Replace the long `initialDelaySeconds` with a `startupProbe` whose "
        "`failureThreshold × periodSeconds` covers the slowest start.",
    ),
    "k8s-rolling-update-max-unavailable": Guidance(
        "A Deployment with fewer replicas than the bound uses `RollingUpdate` with `maxUnavailable` 0 "
        '(`0` or `"0%"`), and never `Recreate`.',
        "With few replicas, the default 25% `maxUnavailable` or `Recreate` removes serving pods before their "
        "replacements are ready. Capacity drops, or falls to zero.",
        "Set `strategy.rollingUpdate.maxUnavailable: 0` and a `maxSurge` above 0.",
    ),
    "k8s-termination-grace-exceeds-prestop": Guidance(
        "`terminationGracePeriodSeconds` (default 30) is greater than the preStop sleep. The sleep is read from "
        "`sleep N` in an exec preStop, or from the native `sleep.seconds` action.",
        "The kubelet sends SIGKILL while the pod is still draining, and requests still in flight are cut.",
        "Raise `terminationGracePeriodSeconds` to the preStop sleep plus the longest request plus a margin.",
    ),
    "k8s-image-tag-pinned": Guidance(
        "Every container image has a tag other than `latest`, or a digest.",
        "With a moving tag, blue and green can run different builds under one name. A rollback or a rescheduled "
        "pod then pulls code that nobody tested.",
        "Pin each image by a release tag (`repo/web:1.5.0`) or a digest (`repo/web@sha256:...`).",
    ),
    "k8s-replicas-behind-service": Guidance(
        "A Deployment whose pod labels match a Service's selector (same namespace) has at least `minReplicas` "
        "replicas. 0 is exempt: that is a color deliberately scaled down, and the program itself refuses to send "
        "weight to it.",
        "A single pod behind a Service is an outage whenever that pod's node is drained or the pod crashes.",
        "Run at least `minReplicas` replicas of every Deployment that serves traffic.",
    ),
    "k8s-pod-disruption-budget": Guidance(
        "A Deployment selected by a Service has a PodDisruptionBudget that selects its pods. The budget must "
        'still allow an eviction: no `maxUnavailable` 0, `minAvailable` `"100%"`, or `minAvailable` >= replicas.',
        "Without a budget, a node drain can evict every pod of a color at once. A budget that forbids all "
        "evictions stalls node upgrades until someone deletes it under pressure.",
        "Add a PodDisruptionBudget with `maxUnavailable: 1` selecting the Deployment's pods.",
    ),
    "k8s-router-backends-identical-probes": Guidance(
        "Deployments that one router sends traffic to have identical probes. A router is either an HTTPRoute's "
        "`backendRefs`, or Services of one app whose selectors differ only in a color label. The rule names each "
        "Deployment whose probes differ from the majority; with two colors there is no majority, so it names both.",
        'When probes differ, one color can be "ready" before it can serve. A flip then moves traffic to a color '
        "that is judged by a laxer check.",
        "Render both colors' probes from one health spec (as `bluegreen:service.healthCheck` does).",
    ),
    "aws-target-group-health-check": Guidance(
        "HTTP/HTTPS target groups keep the health check enabled and set a `path`.",
        "With no check, or a check on `/` instead of the health endpoint, the ALB keeps routing to tasks that "
        "cannot serve.",
        "Enable `healthCheck` and set `path` to the app's health endpoint.",
    ),
    "aws-target-group-health-check-timing": Guidance(
        "`interval` is 5..300, `timeout` is 2..120, and `timeout` < `interval`. Unset values get AWS defaults, "
        "which pass.",
        "AWS rejects the change in the middle of an update, or slow checks overlap and flap targets.",
        "Keep `healthCheck.timeout` below `healthCheck.interval`, both within AWS's ranges.",
    ),
    "aws-target-group-health-check-thresholds": Guidance(
        "`healthyThreshold` and `unhealthyThreshold` are 2..10.",
        "AWS rejects the update, or a threshold of 1 makes a single slow response pull a target.",
        "Set both thresholds between 2 and 10.",
    ),
    "aws-target-group-deregistration-delay": Guidance(
        "`deregistrationDelay` is at most the bound. Unset means AWS's 300 s.",
        "Every flip or scale-in waits the full delay. Rollbacks stay slow exactly when they are urgent.",
        "Set `deregistrationDelay` to your longest request time, at most `maxSeconds`.",
    ),
    "aws-forward-action-weights": Guidance(
        "Forward actions of listeners and listener rules have 1..5 target groups, integer weights 0..999, and at "
        "least one weight > 0. An unset weight counts as 1.",
        "If every weight is 0, the listener routes to nothing and every request returns 503. Invalid weights fail "
        "the update in the middle of a flip.",
        "Give at least one target group a weight above 0, and keep weights integers from 0 to 999.",
    ),
    "aws-https-listener-tls-policy": Guidance(
        "HTTPS/TLS listeners use a policy whose minimum is TLS 1.2: `ELBSecurityPolicy-TLS13-1-2-*`, "
        "`-TLS-1-2-*` or `-FS-1-2-*`. Unset means `ELBSecurityPolicy-2016-08`, which allows TLS 1.0.",
        "Clients are negotiated down to TLS 1.0/1.1. When the policy is later tightened in a hurry, clients break.",
        "Set `sslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06` (or list your policy in `extraAllowedPolicies`).",
    ),
    "aws-alb-drop-invalid-headers": Guidance(
        "Application load balancers set `dropInvalidHeaderFields: true`.",
        "Malformed headers reach the targets, where they can desync requests or be misrouted (request smuggling).",
        "Set `dropInvalidHeaderFields: true` on the load balancer.",
    ),
    "aws-ecs-container-health-check": Guidance(
        "Every container in `containerDefinitions` has a `healthCheck` command that is not `NONE`. "
        "`containerDefinitions` is parsed from its JSON string.",
        'ECS marks a task healthy as soon as it starts, so a deployment "succeeds" with tasks that cannot serve.',
        "Add a `healthCheck` command (e.g. `curl -fsS` of the health path) to each container definition.",
    ),
    "aws-ecs-circuit-breaker-rollback": Guidance(
        "An ECS service with `loadBalancers` sets `deploymentCircuitBreaker {enable: true, rollback: true}`. "
        "CODE_DEPLOY and EXTERNAL controllers are exempt.",
        "A bad task definition replaces tasks forever instead of rolling back to the last good one.",
        "Set `deploymentCircuitBreaker: {enable: true, rollback: true}`.",
    ),
    "aws-ecs-minimum-healthy-percent": Guidance(
        "`deploymentMinimumHealthyPercent` (ECS default 100) is at least the bound.",
        "A deployment stops serving tasks before their replacements pass health checks, so capacity dips during "
        "every rollout.",
        "Set `deploymentMinimumHealthyPercent: 100` (and `deploymentMaximumPercent: 200`).",
    ),
    "aws-ecs-health-check-grace-period": Guidance(
        "An ECS service with `loadBalancers` sets `healthCheckGracePeriodSeconds` of at least the bound.",
        "Target-group checks that fail while the app is still starting kill new tasks in a loop, and the rollout "
        "never completes.",
        "Set `healthCheckGracePeriodSeconds` to the app's start time plus interval × healthy threshold.",
    ),
    "aws-weighted-target-groups-have-tasks": Guidance(
        "Every target group that a listener or listener rule sends weight > 0 to has an ECS service registering "
        "tasks in it, with `desiredCount` >= 1 (unset means the provider's 0; `DAEMON` services are exempt). "
        "Targets attached without ECS, through a TargetGroupAttachment, an Auto Scaling group or an Auto Scaling "
        "attachment, also count.",
        "Weight sent to an empty target group returns 503 for that share of requests. This is the classic "
        '"flipped to a color that is not running".',
        "Scale the color up before sending it weight, or send its weight to the color that runs.",
    ),
    "aws-listener-target-groups-identical-health-checks": Guidance(
        "Target groups that share a listener, through its default actions or its rules, have identical "
        "`healthCheck` blocks.",
        "One color passes checks that the other would fail, so a flip moves traffic to tasks that are judged by a "
        "laxer check.",
        "Render both target groups' health checks from one spec (as `bluegreen:service.healthCheck` does).",
    ),
    "aws-http-listener-redirects-to-https": Guidance(
        "An HTTP listener on a public (not `internal`) application load balancer redirects to HTTPS. With "
        "`requireHttps: false`, an ALB with no HTTPS listener at all may serve plain HTTP.",
        "Plain-HTTP entry points stay open next to HTTPS. Clients and bookmarks keep using them, and they break "
        "when HTTP is finally closed.",
        "Make port 80 a `redirect` to HTTPS (set `bluegreen:aws.certificateArn`), or list the port in "
        "`exemptPorts`.",
    ),
    "docker-container-healthcheck": Guidance(
        'A container has a `healthcheck` whose `tests` are neither empty nor `["NONE"]`.',
        "The container counts as healthy as soon as it starts, so the router sends it requests before it can serve.",
        "Set `healthcheck.tests`, e.g. `[\"CMD-SHELL\", \"curl -fsS http://127.0.0.1:8080/health || exit 1\"]`.",
    ),
    "docker-healthcheck-timing": Guidance(
        "The healthcheck `timeout` is shorter than its `interval`. Both are Go durations (`10s`, `1m30s`); unset "
        "or `0s` means Docker's 30 s.",
        "Hung checks overlap the next check, so a stuck container is detected late and healthy ones flap.",
        "Set `timeout` below `interval` (e.g. interval `10s`, timeout `5s`).",
    ),
    "docker-image-tag-pinned": Guidance(
        "The container `image` (or the RemoteImage `name`) has a tag other than `latest`, a digest, or is a "
        "`sha256:` image ID.",
        "With a moving tag, blue and green, or a restart and its predecessor, can run different builds.",
        "Pin the image by a release tag or a digest.",
    ),
    "k8s-pod-security-restricted": Guidance(
        "Every container of a pod template (init containers too) runs with `runAsNonRoot: true`, "
        "`allowPrivilegeEscalation: false`, `capabilities.drop: [\"ALL\"]` and a `RuntimeDefault` (or "
        "`Localhost`) seccomp profile, set on the container or inherited from the pod `securityContext`. "
        "`allowRoot: true` waives `runAsNonRoot` and the dropped capabilities.",
        "A root process that can gain privileges and keeps Linux capabilities turns one bug in the app into a "
        "foothold on the node; a namespace enforcing the restricted profile also rejects the pods mid-rollout.",
        "Keep `bluegreen:kubernetes.podSecurity: restricted` (the default), or set the four fields in the pod "
        "and container `securityContext`; for an image that must run as root use `podSecurity: baseline` and "
        "set `allowRoot: true` in that stack's policy config.",
    ),
    "aws-shared-rule-not-catch-all": Guidance(
        "Every ALB listener rule has a host condition with at least one literal character in each value (not "
        "`*`, `*.*` or `?*`), or, without a host condition, a path condition none of whose values matches every "
        "path (`/*`, `/*/*`). A value unknown until apply is not judged.",
        "On a shared ALB the rule with the lowest priority number that matches takes the request. A catch-all rule "
        "takes the traffic of every service whose rule has a higher number, on the production and the test "
        "listener alike, and silently serves any host a later rule forgets.",
        "List this service's own hosts in `bluegreen:aws.sharedListener.hostHeaders` (each within `ownedHosts`) "
        "and remove `catchAll: true`; a real fallback belongs to the platform stack's listener default action.",
    ),
    "k8s-route-header-secret": Guidance(
        "Every header match of an HTTPRoute rule (`spec.rules[].matches[].headers[]`) has a value that is a Pulumi "
        "secret of at least `minLength` characters and not a well-known word (`true`, `1`, `preview`, ...). Header "
        "names in `publicHeaders` are skipped; a value unknown until apply is not judged.",
        "On a public Gateway, a header match is the only thing between a stranger and the route's backends. A "
        "plaintext value can be read in the stack file and state, and `X-Bluegreen-Preview: true` is the first "
        "thing anyone tries: the unverified candidate answers the internet.",
        "Give the preview route its own host (`bluegreen:kubernetes.gateway.previewHostname`) or a secret token "
        "(`pulumi config set --secret bluegreen:previewToken \"$(openssl rand -hex 16)\"`); list a header that only "
        "routes, never guards, in `publicHeaders`.",
    ),
    "k8s-resources-set": Guidance(
        "Every container (init containers too) sets `resources.requests.cpu`, `resources.requests.memory` and "
        "`resources.limits.memory`.",
        "Pods without requests are scheduled blind and evicted first; without a memory limit one leaking color "
        "can starve the other one, which runs on the same nodes during a release.",
        "Set `bluegreen:kubernetes.resources` (the program's defaults are 100m CPU, 128Mi requested, 256Mi "
        "limit) or the container's `resources`.",
    ),
    "aws-test-listener-not-public": Guidance(
        "The security group ingress rules of the stack (`aws:vpc/securityGroupIngressRule`, "
        "`aws:ec2/securityGroupRule` of type ingress, inline `ingress` blocks of `aws:ec2/securityGroup`) that "
        "reach a test port together let in at most `maxRoutableShare` (1/65,536) of the routable IPv4 or IPv6 "
        "address space. The networks are merged first, so `0.0.0.0/1` plus `128.0.0.0/1` is the whole internet; "
        "private, shared and documentation ranges count for nothing; IPv6 is measured within global unicast "
        "`2000::/3`. Test ports are those of listeners tagged `bluegreen:listener: test` (the program tags its "
        "test listener, on whatever `testListenerPort` the stack sets) and those in `testListenerPorts`. "
        "Protocol `-1` opens every port.",
        "The test listener serves the candidate color before it is released: opened to the internet, anyone can "
        "use unreleased code, and its bugs are public before the smoke tests run.",
        "Leave `bluegreen:aws.testIngressCidrs` empty (the default) or list your testers' networks; if a test "
        "listener written by hand uses another port, list it in `testListenerPorts`.",
    ),
    "docker-ports-loopback-only": Guidance(
        "Every published port (`ports[]` with an `external` host port) names an address in `ip`; unset, "
        "`0.0.0.0` and `::` mean every interface.",
        "The test port serves the unreleased candidate; published on every interface, the whole network (a café "
        "Wi-Fi) reaches it and the production port alike.",
        "Keep `bluegreen:docker.publishAddress: 127.0.0.1` (the default); disable the rule in a stack that is "
        "deliberately open.",
    ),
    "docker-published-container-confined": Guidance(
        "A container that publishes host ports sets `securityOpts: [\"no-new-privileges:true\"]`, "
        "`capabilities.drops: [\"ALL\"]` and a `memory` limit above 0.",
        "The container that takes host traffic (the router) is the first one an attacker reaches; unconfined, "
        "an exploit gains privileges through setuid binaries, and a request flood takes the host's memory.",
        "Set the three inputs on the container (the program's HAProxy router has them).",
    ),
    "docker-app-container-confined": Guidance(
        "Every container sets `securityOpts: [\"no-new-privileges:true\"]` (unless `allowNewPrivileges`), "
        "`capabilities.drops: [\"ALL\"]`, adds back only capabilities listed in `allowedCapabilities`, and is "
        "not `privileged`.",
        "An app container with the runtime's default capabilities and setuid binaries turns one bug in the app "
        "into root on the container and a step towards the host.",
        "Keep the program's defaults; for an app that needs a capability (NET_BIND_SERVICE to listen below 1024 "
        "as non-root) set `bluegreen:docker.appCapabilities` and list it in this rule's `allowedCapabilities`.",
    ),
    "inputs-nesting-limit": Guidance(
        "No resource's inputs nest objects and lists more than 100 levels deep. The pack reads inputs only to "
        "that depth: anything deeper is left out of every rule's view, and this rule reports the resource.",
        "Inputs built by a runaway program (or crafted to exhaust the pack's recursion) would otherwise fail the "
        "whole analysis, so no rule's verdict reaches the engine.",
        "Fix the program that builds the inputs; no provider schema nests that deep.",
    ),
    "rollout-analysis-required": Guidance(
        "The `bluegreen:index:RolloutStrategy` resource (the stack's `bluegreen:rollout`) has analysis metrics.",
        "Health checks pass a release whose health path answers 200 while its real routes fail or are slow; "
        "without metrics, such a release reaches 100% of users.",
        "Set `bluegreen:rollout.analysis.metrics`: `errorRate` (max 0.01) and `latencyP99` (max 500ms), or "
        "Prometheus queries on Kubernetes (docs/analysis.md).",
    ),
    "rollout-first-step-small": Guidance(
        "The first `setWeight` of the strategy (after a preset or the default is expanded) is at most "
        "`maxFirstWeight` (25).",
        "A bad release reaches a large share of users before anything can judge it.",
        "Start with a small weight, e.g. `setWeight: 5` followed by a pause.",
    ),
    "rollout-pause-after-weight": Guidance(
        "Every `setWeight` below 100 is followed by a pause, and every timed pause lasts at least "
        "`analysis.initialDelay` plus `minIntervals` (3) times `analysis.interval`.",
        "Without a pause the next weight comes before any measurement; a pause of one or two intervals is decided "
        "by one window's noise or one missed scrape, with no room for a window without data.",
        "Add `pause: 5m` (or `pause: {}` for a manual gate) after each weight below 100, three intervals or longer.",
    ),
    "rollout-analysis-limits": Guidance(
        "`analysis.failureLimit` is at most `maxFailureLimit` (2) and `analysis.inconclusiveLimit` at most "
        "`maxInconclusiveLimit` (2).",
        "Each failure tolerated keeps a failing candidate on users for one more interval; each inconclusive "
        "measurement tolerated is a window in which nothing was judged.",
        "Lower the limits; use `initialDelay` for a known warm-up or metric delay instead of a larger allowance.",
    ),
    "rollout-hook-least-privilege": Guidance(
        "No hook's `env` names one of the release machine's credentials (`credentialNames`: PULUMI_*, AWS_*, "
        "GOOGLE_*, AZURE_*, ARM_*, ACTIONS_*, GITHUB_TOKEN, ...), and no URL hook sets `allowLinkLocal`.",
        "A hook is code from the stack file run on the release machine: given its credentials, or the metadata "
        "service that hands them out, one reviewed-looking line in a pull request deploys or reads anything the "
        "release can.",
        "Give the hook a credential of its own (`env: [SMOKE_TOKEN]`) and point URL hooks at `{{testUrl}}`.",
    ),
}
