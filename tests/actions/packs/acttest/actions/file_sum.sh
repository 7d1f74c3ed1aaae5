#!/bin/bash
# Parameters are in the file named by ATTUNE_PARAMETER_FILE (YAML "key: value" lines here).
set -euo pipefail
a=$(sed -n 's/^a: //p' "$ATTUNE_PARAMETER_FILE")
b=$(sed -n 's/^b: //p' "$ATTUNE_PARAMETER_FILE")
echo "file: $ATTUNE_PARAMETER_FILE" >&2
echo "sum: $((a + b))"
echo "parameter_file: $ATTUNE_PARAMETER_FILE"
