#!/bin/sh
printf '{"success":false,"error":"Failed to connect to host"}\n'
exit 1
