"""What every other module may lean on, and which leans on nothing else of merbench's: the
error that reaches users as one line, files written whole or not at all, scratch folders
removed even when a command is ended at once, text merbench did not write shown as written,
a TOML file's values said back as the file writes them, and the on-disk cache of computed
values (features, factories' options), checked by checksum."""
