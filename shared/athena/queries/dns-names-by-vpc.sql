-- title: DNS names by VPC
-- answers: which DNS names were queried from each VPC (sensor DNS requests; VPC from the mirrored ENI's flow logs)
-- params: from to from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT e.vpc_id AS vpc_id, element_at(d.dns.queries, 1).rrname AS rrname, COUNT(*) AS queries
FROM sensor_dns d
JOIN (
  SELECT DISTINCT interface_id, vpc_id
  FROM flow_logs
  WHERE dt BETWEEN ? AND ?
    AND vpc_id IS NOT NULL
) e ON e.interface_id = d.mirror.source_eni
WHERE d.dt BETWEEN ? AND ?
  AND d.dns.type = 'request'
  AND element_at(d.dns.queries, 1).rrname IS NOT NULL
GROUP BY e.vpc_id, element_at(d.dns.queries, 1).rrname
ORDER BY vpc_id, queries DESC, rrname
