#!/bin/bash
# stdin holds the JSON parameter document; pick "code" out without jq.
code=$(tr -d '\n ' | sed -n 's/.*"code":\([0-9]*\).*/\1/p')
echo "partial output"
echo "something went wrong (code ${code:-3})" >&2
exit "${code:-3}"
