"""Print the Roman numeral of the ``number`` parameter, and where its code came from."""

import json
import os
import sys

import reqpack_numerals  # <pack>/lib
import roman  # requirements.txt

params = json.loads(sys.stdin.readline())
print(
    json.dumps(
        {
            "numeral": reqpack_numerals.numeral(params["number"]),
            "roman_file": roman.__file__,
            "python": sys.executable,
            "prefix": sys.prefix,
            "pythonpath": os.environ.get("PYTHONPATH", ""),
        }
    )
)
