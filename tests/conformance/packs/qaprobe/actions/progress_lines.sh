#!/bin/sh
echo '{"i":1}'
echo "progress: half way"
echo '{"i":2}'
