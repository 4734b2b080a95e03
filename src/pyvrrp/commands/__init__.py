"""One module per ``pyvrrp`` subcommand.

Each module defines ``NAME`` (the subcommand), ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). The CLI
finds them by listing this package, so adding a command touches no other file.
"""
