#!/bin/sh
# The parsing loop of attune's http_request.sh: key=value lines until EOF, quotes stripped.
url=""
retries=""
headers=""
while IFS= read -r line; do
    [ -z "$line" ] && continue
    key="${line%%=*}"
    value="${line#*=}"
    case "$value" in
        \"*\") value="${value#\"}"; value="${value%\"}" ;;
        \'*\') value="${value#\'}"; value="${value%\'}" ;;
    esac
    case "$key" in
        url) url="$value" ;;
        retries) retries="$value" ;;
        headers.*) headers="${headers}${key#headers.}:${value};" ;;
    esac
done
printf '{"url":"%s","retries":"%s","headers":"%s"}\n' "$url" "$retries" "$headers"
