"""Shared code of the pack, importable from actions because attune prepends <pack>/lib to PYTHONPATH."""

import roman


def numeral(number: int) -> str:
    return roman.toRoman(number)
