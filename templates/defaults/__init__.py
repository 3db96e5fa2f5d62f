"""The default Word templates, their manifest and the script that generates them (build.py)."""

from pathlib import Path

DEFAULTS_DIR = Path(__file__).parent
