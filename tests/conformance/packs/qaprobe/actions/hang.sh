#!/bin/sh
echo started
sleep 30
