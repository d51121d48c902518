-- title: Slow scan
-- answers: internet sources that probed many ports or hosts over a whole day, mostly refused: scans too slow or too spread over objects for the streaming port-scan detection
-- params: from to min_ports min_hosts min_reject_ratio
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
-- param min_ports: distinct destination ports in one day; min_hosts: or distinct destination addresses; min_reject_ratio: share of REJECTs
-- default min_ports: 100
-- default min_hosts: 50
-- default min_reject_ratio: 0.8
-- output: one row per (srcaddr, dt): type, severity, direction, srcaddr, dt, ports, hosts, flows, rejects, reject_ratio
WITH daily AS (
  SELECT srcaddr, dt,
         COUNT(DISTINCT dstport) AS ports,
         COUNT(DISTINCT dstaddr) AS hosts,
         COUNT(*) AS flows,
         SUM(CASE WHEN action = 'REJECT' THEN 1 ELSE 0 END) AS rejects
  FROM flow_logs
  WHERE dt BETWEEN ? AND ?
    AND direction_class = 'ingress-internet'
  GROUP BY srcaddr, dt
)
SELECT 'slow-scan' AS type, 'medium' AS severity, 'inbound' AS direction,
       srcaddr, dt, ports, hosts, flows, rejects,
       CAST(rejects AS DOUBLE) / flows AS reject_ratio
FROM daily
WHERE (ports >= CAST(? AS BIGINT) OR hosts >= CAST(? AS BIGINT))
  AND CAST(rejects AS DOUBLE) / flows >= CAST(? AS DOUBLE)
ORDER BY dt, srcaddr
