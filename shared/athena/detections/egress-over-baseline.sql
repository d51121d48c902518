-- title: Egress over baseline
-- answers: hours in which our ENIs sent an external address far more bytes than that address gets in an average hour of the range (a host joining a DDoS, exfiltration)
-- params: from to from to factor min_bytes
-- param from: first dt partition of the baseline range (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
-- param factor: how many times the address's average hourly bytes an hour must reach; min_bytes: and at least this many bytes
-- default factor: 10
-- default min_bytes: 100000000
-- output: one row per (dstaddr, dt, hour): type, severity, direction, dstaddr, srcaddr (one sender, else NULL), dt, hour, bytes, baseline_bytes, hours, sources
WITH hourly AS (
  SELECT dstaddr, dt, hour, SUM(bytes) AS bytes, COUNT(DISTINCT srcaddr) AS sources, MIN(srcaddr) AS srcaddr
  FROM flow_logs
  WHERE dt BETWEEN ? AND ?
    AND direction_class = 'egress-internet'
    AND action = 'ACCEPT'
  GROUP BY dstaddr, dt, hour
),
span AS (
  SELECT COUNT(DISTINCT dt || 'T' || hour) AS hours
  FROM flow_logs
  WHERE dt BETWEEN ? AND ?
),
scored AS (
  SELECT h.dstaddr, h.dt, h.hour, h.bytes, h.sources, h.srcaddr, s.hours,
         CAST(SUM(h.bytes) OVER (PARTITION BY h.dstaddr) - h.bytes AS DOUBLE) / GREATEST(s.hours - 1, 1) AS baseline_bytes
  FROM hourly h CROSS JOIN span s
)
SELECT 'egress-over-baseline' AS type,
       'high' AS severity,
       'outbound' AS direction,
       dstaddr,
       CASE WHEN sources = 1 THEN srcaddr END AS srcaddr,
       dt, hour, bytes, baseline_bytes, hours, sources
FROM scored
WHERE bytes >= CAST(? AS DOUBLE) * baseline_bytes
  AND bytes >= CAST(? AS BIGINT)
ORDER BY dt, hour, bytes DESC, dstaddr
