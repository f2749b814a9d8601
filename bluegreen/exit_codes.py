"""The exit codes of the `bluegreen` CLI and what each means: one table for the code and for docs/cli.md."""

from enum import IntEnum


class ExitCode(IntEnum):
    DONE = 0
    FAILED = 1
    REFUSED = 2
    ROLLBACK_FAILED = 3
    PAUSED = 4
    CONFLICT = 5
    INTERRUPTED = 130


MEANINGS: dict[ExitCode, str] = {
    ExitCode.DONE: "done (`status`: every color serving traffic is healthy; `check`: no mandatory violation)",
    ExitCode.FAILED: (
        "a gate or an update failed; traffic is back on the previous color if it had moved. `status`: a stack "
        "could not be read, or a color serving traffic is unhealthy. `check`: a mandatory violation or an "
        "invalid stack config"
    ),
    ExitCode.REFUSED: (
        "refused before anything changed: bad option, no Pulumi project here, no stack file for the stack, "
        "invalid stack config, wrong promotion order, stack not found, stack locked by another release, protected "
        "stack not confirmed, the Pulumi CLI or the policy pack missing. With `--json`, stdout holds "
        '`{"error": {"code", "status", "message", "hint"}}`'
    ),
    ExitCode.ROLLBACK_FAILED: (
        "the automatic rollback failed too: production needs a human now (the message has the commands)"
    ),
    ExitCode.PAUSED: (
        "paused, config equal to the deployed weights: a manual gate (`pause: {}`), or analysis without data "
        "past inconclusiveLimit; continue with `bluegreen resume`, undo with `bluegreen rollback`"
    ),
    ExitCode.CONFLICT: (
        "the stack's config changed under the release (someone else acted on the stack); it stopped and "
        "changed nothing more"
    ),
    ExitCode.INTERRUPTED: (
        "interrupted by Ctrl-C or SIGTERM: traffic rolled back, or left as deployed with `--on-interrupt pause`"
    ),
}
