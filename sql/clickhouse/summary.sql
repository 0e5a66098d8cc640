-- audit's summary counts for the window: deliveries checked, those traced
-- to a fill, and the findings of each type.  Parameters as for
-- correlate.sql.
SELECT count() AS deliveries,
       countIf(traced) AS traced,
       countIf(type = 'cross_tenant') AS cross_tenant,
       countIf(type = 'device_mismatch') AS device_mismatch,
       countIf(type = 'unknown_owner') AS unknown_owner,
       countIf(type = 'unattributed') AS unattributed
FROM verdicts(since_ms = {since_ms:Int64}, until_ms = {until_ms:Int64},
              skew_ms = {skew_ms:Int64})
SETTINGS join_use_nulls = 1;
