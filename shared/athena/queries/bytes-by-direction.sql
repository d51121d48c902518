-- title: Bytes by direction
-- answers: bytes per source, destination and flow direction (ingress/egress as the ENI saw it; NULL before format v5)
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, dstaddr, flow_direction, SUM(bytes) AS bytes
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND srcaddr IS NOT NULL
GROUP BY srcaddr, dstaddr, flow_direction
ORDER BY bytes DESC, srcaddr, dstaddr, flow_direction
LIMIT 100
