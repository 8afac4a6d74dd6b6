"""The `cjcase` command line: thin typer commands over the services, grouped by area."""
