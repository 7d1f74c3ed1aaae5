#!/bin/bash
# Start a background grandchild, record its pid, then run far past timeout_seconds.
eval "$(cat)"
sleep 300 &
echo "$!" > "$pid_file"
echo "started grandchild $!"
while true; do sleep 0.2; done
