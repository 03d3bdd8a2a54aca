#!/bin/sh
# The read replica: on first start a base backup of the primary over a physical slot that keeps the WAL the
# replica has not received (pg_basebackup -R writes primary_conninfo and standby.signal), then a hot standby.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h postgres -U postgres -q; do sleep 1; done
  # a slot the primary invalidated (max_slot_wal_keep_size) cannot serve a new backup: drop it first
  psql -h postgres -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "select pg_drop_replication_slot('read_replica')
      from pg_replication_slots where slot_name = 'read_replica' and (wal_status = 'lost' or not active)"
  psql -h postgres -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "select pg_create_physical_replication_slot('read_replica', true)"
  pg_basebackup -h postgres -U postgres -D "$PGDATA" -S read_replica -X stream -R --checkpoint=fast
  chmod 0700 "$PGDATA"
fi
# a hot standby needs at least the primary's max_wal_senders (and connections): docker-compose.yml sets them there
exec postgres -c hot_standby=on -c wal_receiver_status_interval=1s -c max_connections=200 -c max_wal_senders=16 \
     -c max_replication_slots=16
