-- title: Top rejected sources
-- answers: the 20 source addresses with the most REJECTed flow records (security groups / network ACLs said no)
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, COUNT(*) AS rejects, COUNT(DISTINCT dstaddr) AS targets, COUNT(DISTINCT dstport) AS ports
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND action = 'REJECT'
GROUP BY srcaddr
ORDER BY rejects DESC, srcaddr
LIMIT 20
