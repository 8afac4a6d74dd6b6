"""The full screens of the terminal interface."""
