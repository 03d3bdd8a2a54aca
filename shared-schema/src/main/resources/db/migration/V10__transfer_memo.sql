-- Version 2 of TransferKarma carries an optional memo, stored with the transfer it posts and published in
-- TransferPosted. Expand only: a nullable column without a default is a catalog change (no rewrite), and the
-- ledger workers of V9's release keep inserting transfers while the new ones roll out (they name their
-- columns). The check is added NOT VALID and then validated, which scans under a lock that lets writes go on.
--
-- Deploy order: ledger workers of this release first, then the producers that send memos (ingest); a version-2
-- transfer reaching a V9 worker is refused as "unsupported schemaVersion" and dead-lettered (README "Versioning").
--
-- Rollback: db/rollback/U10__transfer_memo.sql (the memos are lost).

alter table transfers add column memo text;
alter table transfers add constraint transfers_memo_check
    check (memo is null or char_length(memo) between 1 and 500) not valid;
alter table transfers validate constraint transfers_memo_check;
