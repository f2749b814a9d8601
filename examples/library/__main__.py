"""One blue/green service on the local Docker platform, declared with typed arguments (docs/library.md)."""

import pulumi

from components.docker import BlueGreenService
from components.spec import ColorSpec, DockerConfig, HealthCheck, Service, Traffic

web = BlueGreenService(
    "web",
    {
        "service": Service(name="web", port=8080, replicas=2, health_check=HealthCheck(path="/health")),
        "blue": ColorSpec(image="ghcr.io/acme/web:1.4.2"),
        "green": ColorSpec(image="ghcr.io/acme/web:1.5.0"),
        "traffic": Traffic(blue=90, green=10),
        "docker": DockerConfig(http_port=18080, test_port=19080),
    },
)
pulumi.export("url", web.url)
pulumi.export("testUrl", web.test_url)
