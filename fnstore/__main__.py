"""Run the fnstore command line as ``python -m fnstore``."""

from fnstore.cli import main

main()
