#!/bin/bash
echo "this is { not JSON"
