#!/bin/sh
# Read key='value' lines from stdin until EOF (values are shell single-quoted by the runner).
set -e
name=""
times="1"
while IFS= read -r line; do
    [ -z "$line" ] && continue
    key="${line%%=*}"
    value="${line#*=}"
    eval "value=$value"
    case "$key" in
        name) name="$value" ;;
        times) times="$value" ;;
    esac
done
echo "greeting $name $times time(s) as $ATTUNE_ACTION in pack $ATTUNE_PACK_REF" >&2
greeting=""
i=0
while [ "$i" -lt "$times" ]; do
    greeting="${greeting}hello ${name}!"
    i=$((i + 1))
done
printf '{"greeting": "%s", "cwd": "%s", "exec_id": "%s"}\n' "$greeting" "$(pwd)" "$ATTUNE_EXEC_ID"
