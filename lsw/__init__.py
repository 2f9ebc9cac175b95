"""livestream-warehouse: the `lsw` command line."""
