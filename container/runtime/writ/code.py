"""Which line of the step program is computing right now.

Provenance names the program line that created each row or value: we walk the Python stack outwards to the
first frame that belongs to ``<work>/program.py`` (the file ``writ_boot`` runs), so calls made from helper
modules still report the program's line.
"""
import os
import sys

PROGRAM_NAME = "program.py"
_program_paths = set()
_known = {}


def _is_program(filename):
    hit = _known.get(filename)
    if hit is None:
        if not _program_paths:
            work = os.environ.get("WRIT_WORK", os.getcwd())
            _program_paths.add(os.path.realpath(os.path.join(work, PROGRAM_NAME)))
        hit = os.path.realpath(filename) in _program_paths
        _known[filename] = hit
    return hit


def caller_line():
    """The current line in program.py, or None when no program frame is on the stack (e.g. in tests)."""
    frame = sys._getframe(1)
    while frame is not None:
        if _is_program(frame.f_code.co_filename):
            return frame.f_lineno
        frame = frame.f_back
    return None


def code_ref(line):
    """The provenance ``code`` entry for a program line."""
    return {"file": PROGRAM_NAME, "line": line}
