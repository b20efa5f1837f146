"""Entry point of every step process: set up the import path, run the step program, flush its outputs.

See docs/sandbox-protocol.md. The server starts `python3 -I -B writ_boot.py` in the attempt's working directory.
"""
import os
import runpy
import sys

work = os.environ.get("WRIT_WORK", os.getcwd())
runtime = os.environ.get("WRIT_RUNTIME", os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [runtime, os.path.join(work, "skills")]

try:
    import writ  # the step runtime; optional for programs that use none of it
except ImportError:
    writ = None

runpy.run_path(os.path.join(work, "program.py"), run_name="__main__")
if writ is not None and hasattr(writ, "_flush"):
    writ._flush()
