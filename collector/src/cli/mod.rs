//! The `keys` and `export` commands.
