"""Modal dialogs: each edits one kind of record through the services and returns it."""
