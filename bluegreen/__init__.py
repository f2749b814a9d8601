"""bluegreen operator tooling: offline checks and the release CLI."""
