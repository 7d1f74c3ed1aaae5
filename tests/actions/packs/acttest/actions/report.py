"""Read the parameter document the way the ATTUNE_* variables describe it; report it back."""

import json
import os
import sys

import yaml


def read_dotenv(text):
    """attune dotenv: key='value' lines, ' written as '\\''; restore with shell-like unquoting."""
    import shlex

    values = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, _, raw = line.partition("=")
        values[key] = "".join(shlex.split(raw)) if raw else ""
    return values


delivery = os.environ["ATTUNE_PARAMETER_DELIVERY"]
fmt = os.environ["ATTUNE_PARAMETER_FORMAT"]
if delivery == "file":
    with open(os.environ["ATTUNE_PARAMETER_FILE"], encoding="utf-8") as handle:
        text = handle.read()
    stdin_text = sys.stdin.read() if not sys.stdin.isatty() else ""
else:
    text = sys.stdin.read()
    stdin_text = text
params = {"json": json.loads, "yaml": yaml.safe_load, "dotenv": read_dotenv}[fmt](text)
env = {key: value for key, value in os.environ.items() if key.startswith("ATTUNE_")}
report = {
    "params": params,
    "env": env,
    "cwd": os.getcwd(),
    "raw_ends_with_newline": text.endswith("\n"),
    "stdin_when_file": stdin_text if delivery == "file" else None,
}
if delivery == "file":
    report["file_mode"] = oct(os.stat(os.environ["ATTUNE_PARAMETER_FILE"]).st_mode & 0o777)
print(f"report.py got {len(params)} parameters", file=sys.stderr)
out = os.environ["ATTUNE_OUTPUT_FORMAT"]
if out == "json":
    print("a log line before the JSON document")  # attune falls back to the last line
    print(json.dumps(report))
elif out == "yaml":
    print(yaml.safe_dump(report))
elif out == "jsonl":
    for key, value in sorted(params.items()):
        print(json.dumps({"key": key, "value": value}))
else:
    print(f"message={params.get('message')}")
