"""Widgets the screens and dialogs share."""
