"""Labels and selectors: how Kubernetes (and `kubectl -l`) finds each color's pods.

Selectors of Deployments are immutable, so they hold only the app and the color,
never anything that depends on traffic; a flip moves router selectors, not these.
"""

from ..spec import Color

PART_OF = "bluegreen"
COLOR_LABEL = "bluegreen/color"
ROLE_LABEL = "bluegreen/role"


def app_labels(app: str) -> dict[str, str]:
    """Labels on every resource of the service: `kubectl get all -l app.kubernetes.io/part-of=bluegreen`."""
    return {
        "app": app,
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
    }


def color_selector(app: str, color: Color) -> dict[str, str]:
    """The pods of one color. Immutable once a Deployment exists."""
    return {"app": app, "color": color}


def color_labels(app: str, color: Color) -> dict[str, str]:
    """Labels of one color's Deployment, pods, Service and PodDisruptionBudget."""
    return {
        **app_labels(app),
        **color_selector(app, color),
        COLOR_LABEL: color,
        "app.kubernetes.io/instance": f"{app}-{color}",
    }


def router_labels(app: str, role: str) -> dict[str, str]:
    """Labels of a router resource; `role` is stable, preview, production or preview-route."""
    return {**app_labels(app), ROLE_LABEL: role}
