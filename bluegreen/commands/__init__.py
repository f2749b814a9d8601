"""The CLI's commands, one module per group: `release` (release, shift, resume, pause), `recovery`
(rollback, abort), `promote`, `status` and `check`. `options` holds the options several commands share,
`running` the path every traffic-moving command ends on (plan, confirm, run the engine, report, exit)."""
