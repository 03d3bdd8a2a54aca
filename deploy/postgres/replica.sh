#!/bin/sh
# The read replica: on first start a base backup of the primary over a physical slot that keeps the WAL the
# replica has not received (pg_basebackup -R writes primary_conninfo and standby.signal), then a hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U postgres -q; do sleep 1; done
  psql -h postgres -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "select pg_create_physical_replication_slot('read_replica', true)
      where not exists (select 1 from pg_replication_slots where slot_name = 'read_replica')"
  pg_basebackup -h postgres -U postgres -D "$PGDATA" -S read_replica -X stream -R --checkpoint=fast
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c wal_receiver_status_interval=1s -c max_connections=200
