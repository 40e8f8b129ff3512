#!/usr/bin/env python3
"""Holds BEGIN EXCLUSIVE on the sqlite database DB for SECONDS, then lets go.
Prints "locked" once it holds the lock."""
import sqlite3
import sys
import time

c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
c.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
c.execute("ROLLBACK")
print("released", flush=True)
