-- title: UDP users
-- answers: which addresses send UDP traffic, to how many peers, with how many bytes
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, COUNT(DISTINCT dstaddr) AS peers, COUNT(*) AS flows, SUM(bytes) AS bytes
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND protocol = 17
GROUP BY srcaddr
ORDER BY bytes DESC, srcaddr
