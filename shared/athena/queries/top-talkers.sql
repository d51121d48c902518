-- title: Top talkers
-- answers: the 10 source/destination address pairs that moved the most bytes
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, dstaddr, SUM(bytes) AS bytes
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND srcaddr IS NOT NULL
GROUP BY srcaddr, dstaddr
ORDER BY bytes DESC, srcaddr, dstaddr
LIMIT 10
