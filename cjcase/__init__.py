"""cjcase: a terminal caseload manager for criminal-justice drug and alcohol keyworkers."""

__version__ = "0.1.0"
