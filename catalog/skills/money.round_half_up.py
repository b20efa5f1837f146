"""Round money half up (away from zero on ties), as invoices and engagement letters mean it.

Python's round() rounds half to even, which disagrees with billing rules on ties (0.125 -> 0.12);
this helper works on Decimal so that binary floating point never enters an amount.
"""

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value, places=2):
    """Return `value` (str, int or Decimal) rounded half up to `places` decimal places, as a Decimal."""
    if isinstance(value, float):
        # A float has already lost the exact decimal; go through its shortest repr instead of its binary value.
        value = repr(value)
    amount = Decimal(value)
    quantum = Decimal(1).scaleb(-int(places))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def format_amount(value, places=2):
    """`value` rounded half up and written with exactly `places` decimals, e.g. "1234.50"."""
    return f"{round_half_up(value, places):.{int(places)}f}"
