#!/bin/bash
# A shell pack script as written for attune: the JSON parameters are one line on stdin.
IFS= read -r params
name=$(printf '%s' "$params" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p')
echo "one line: $params" >&2
printf '{"name": "%s", "line_count": %s}\n' "$name" "$(printf '%s\n' "$params" | wc -l)"
