"""How `bluegreen status` lays out one stack for people: a table on a terminal wide enough for every cell
on one line, else plain indented lines (also when piped into a CI log). Nothing is cut or folded: an image,
a URL or a health detail is always whole on one line (the terminal or the log wraps a plain line itself).
Lists print one item per line."""

from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from .stack_status import ColorStatus, StackStatus
from .terminal_text import markup


def render_status(console: Console, status: StackStatus) -> None:
    if status.error is not None:
        console.print(f"[bold]{markup(status.stack)}[/bold]: [red]{markup(status.error)}[/red]")
        return
    if not console.is_terminal:
        _plain(console, status)
        return
    colors, outputs = _tables(status)
    # A table only when no cell would have to fold (a folded image or URL cannot be copied whole).
    unbounded = console.options.update_width(100_000)
    if all(Measurement.get(console, unbounded, table).maximum <= console.width for table in (colors, outputs)):
        console.print(colors)
        _after_colors(console, status, indent="")
        if status.outputs:
            console.print(outputs)
    else:
        _plain(console, status)


def _title(status: StackStatus) -> str:
    return f"{markup(status.stack)} ({status.platform}): live {status.live}, candidate {status.candidate}"


def _health_lines(status: StackStatus, color: ColorStatus) -> list[str]:
    if not color.replicas:
        return ["scaled to 0"]
    if not color.health:
        return ["unknown (not deployed)" if not status.outputs else "no gates"]
    return [
        f"[{'green' if r.healthy else 'red'}]{'✓' if r.healthy else '✗'} {markup(str(r))}[/]" for r in color.health
    ]


def _deployed(color: ColorStatus) -> str:
    return "-" if color.deployed_weight is None else f"{color.deployed_weight}%"


def _tables(status: StackStatus) -> tuple[Table, Table]:
    colors = Table(title=_title(status), title_justify="left")
    for column in ("color", "weight (config)", "weight (deployed)", "image", "replicas", "health"):
        colors.add_column(column, no_wrap=True)
    for color in status.colors:
        health = "\n".join(_health_lines(status, color))
        image = markup(color.image)
        colors.add_row(color.color, f"{color.weight}%", _deployed(color), image, str(color.replicas), health)
    outputs = Table(show_header=False, box=None, padding=(0, 2))
    outputs.add_column(no_wrap=True)
    outputs.add_column(no_wrap=True)
    for key, value in sorted(status.outputs.items()):
        outputs.add_row(markup(key), "\n".join(markup(line) for line in shown_lines(value)))
    return colors, outputs


def _plain(console: Console, status: StackStatus) -> None:
    console.print(_title(status))
    for color in status.colors:
        replicas = f"{color.replicas} replica{'' if color.replicas == 1 else 's'}"
        console.print(f"  {color.color}: weight {color.weight}% (deployed {_deployed(color)}), {replicas}")
        console.print(f"    image: {markup(color.image)}")
        health = _health_lines(status, color)
        console.print(f"    health: {health[0]}")
        for line in health[1:]:
            console.print(f"            {line}")
    _after_colors(console, status, indent="  ")
    if status.outputs:
        console.print("  outputs:")
        for key, value in sorted(status.outputs.items()):
            lines = shown_lines(value)
            if len(lines) == 1 and not isinstance(value, list | tuple):
                console.print(f"    {markup(key)}: {markup(lines[0])}")
                continue
            console.print(f"    {markup(key)}:")
            for line in lines:
                console.print(f"      {markup(line)}")


def _after_colors(console: Console, status: StackStatus, indent: str) -> None:
    if status.record is not None:
        console.print(f"{indent}release record: " + markup(", ".join(f"{k}={v}" for k, v in status.record.items())))
    else:
        console.print(f"{indent}release record: none (the stack predates it; recovery needs --to COLOR)")
    for difference in status.drift:
        console.print(f"{indent}[red]config differs from what is deployed: {markup(difference)}[/red]")
    if status.lock is not None:
        age = status.lock.age_seconds()
        since = f", {round(age)}s ago" if age is not None else ""
        state = {"gone": "its process is gone", "alive": "its process is running on this host"}.get(
            status.lock_holder, "on another host: cannot tell whether it runs"
        )
        console.print(
            f"{indent}[yellow]locked by {markup(status.lock.describe())}{since} "
            f"({state}; --holder {markup(status.lock.name)})[/yellow]"
        )
    if status.strategy:
        marked = [
            f"[bold]▶ {markup(step)}[/bold]" if index == status.position else markup(step)
            for index, step in enumerate(status.strategy)
        ]
        console.print(f"{indent}strategy: " + " → ".join(marked))


def shown_lines(value: Any) -> list[str]:
    """An output value as lines: a list one `- item` per line, a map `key=value` pairs, never a Python repr."""
    if isinstance(value, list | tuple):
        return [f"- {_scalar(item)}" for item in value] or ["(none)"]
    if isinstance(value, dict):
        return [", ".join(f"{k}={_scalar(v)}" for k, v in value.items())]
    return [_scalar(value)]


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_scalar(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_scalar(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
