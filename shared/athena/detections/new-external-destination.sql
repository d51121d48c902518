-- title: New external destination from a sensitive subnet
-- answers: internet addresses that a sensitive subnet talked to on the last day of the range and never in the days before it (baseline from the lake)
-- params: to subnets from to subnets
-- param from: first dt partition of the baseline (YYYY-MM-DD, inclusive); to: the day checked (the baseline ends the day before)
-- param subnets: comma-separated subnet ids that count as sensitive, e.g. subnet-0a1b,subnet-2c3d
-- default subnets:
-- output: one row per (subnet_id, dstaddr) first seen on `to`: type, severity, direction, finding_key (the subnet), dstaddr, srcaddr (one sender, else NULL), subnet_id, vpc_id, dt, first_start, flows, bytes
WITH recent AS (
  SELECT dt, subnet_id, dstaddr, MIN(vpc_id) AS vpc_id, MIN(start) AS first_start, COUNT(*) AS flows, SUM(bytes) AS bytes,
         COUNT(DISTINCT srcaddr) AS sources, MIN(srcaddr) AS srcaddr
  FROM flow_logs
  WHERE dt = ?
    AND direction_class = 'egress-internet'
    AND action = 'ACCEPT'
    AND strpos(',' || ? || ',', ',' || subnet_id || ',') > 0
  GROUP BY dt, subnet_id, dstaddr
),
baseline AS (
  SELECT DISTINCT subnet_id, dstaddr
  FROM flow_logs
  WHERE dt >= ? AND dt < ?
    AND direction_class = 'egress-internet'
    AND strpos(',' || ? || ',', ',' || subnet_id || ',') > 0
)
SELECT 'new-external-destination' AS type, 'medium' AS severity, 'outbound' AS direction, r.subnet_id AS finding_key,
       r.dstaddr, CASE WHEN r.sources = 1 THEN r.srcaddr END AS srcaddr, r.subnet_id, r.vpc_id, r.dt,
       r.first_start, r.flows, r.bytes
FROM recent r
LEFT JOIN baseline b ON b.subnet_id = r.subnet_id AND b.dstaddr = r.dstaddr
WHERE b.dstaddr IS NULL
ORDER BY r.subnet_id, r.first_start, r.dstaddr
