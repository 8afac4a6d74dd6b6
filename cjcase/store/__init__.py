"""The caseload file: connection, migrations, backups, encryption, paths. It knows no rule."""
