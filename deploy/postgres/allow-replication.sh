#!/bin/sh
# Runs once, when the primary's data directory is first initialised: the read replica connects for replication
# from another container (initdb only allows it from localhost).
set -eu
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
