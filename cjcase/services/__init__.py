"""Every read and write the program does; every rule lives here, once."""
