"""The config model: every `bluegreen:*` stack config key, validated once before any resource."""

from .aws import AwsConfig
from .aws_shared import SharedListener
from .docker import DockerConfig
from .kubernetes import GatewayRef, KubernetesConfig
from .loader import parse_spec, raw_from_engine_config
from .problems import ConfigError, ConfigProblem
from .release_record import ReleaseRecord
from .root import BlueGreenSpec, Platform
from .service import COLORS, Color, ColorSpec, HealthCheck, Service, Traffic

__all__ = [
    "COLORS",
    "AwsConfig",
    "BlueGreenSpec",
    "Color",
    "ColorSpec",
    "ConfigError",
    "ConfigProblem",
    "DockerConfig",
    "GatewayRef",
    "HealthCheck",
    "KubernetesConfig",
    "Platform",
    "ReleaseRecord",
    "Service",
    "SharedListener",
    "Traffic",
    "parse_spec",
    "raw_from_engine_config",
]
