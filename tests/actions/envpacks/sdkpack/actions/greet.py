#!/usr/bin/env python3
"""Greet one name the way attune-packs/python_example's hello action does: the SDK reads the
parameters from stdin, calls main() with the ones it declares, and prints the JSON result."""

import sys

import attune


def main(name: str = "Python", shout: bool = False):
    message = f"Hello, {name}"
    return {
        "message": message.upper() if shout else message,
        "sdk_file": attune.__file__,
        "python": sys.executable,
    }


if __name__ == "__main__":
    attune.run_action(main)
