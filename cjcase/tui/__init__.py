"""The Textual interface: screens and dialogs that call the services, never SQL."""
