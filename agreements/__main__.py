"""`python -m agreements` runs the CLI."""

from agreements.cli import main

main()
