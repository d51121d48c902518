-- title: Rejects by source
-- answers: the number of REJECTed flow records for every source address, most first
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, COUNT(*) AS rejects
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND action = 'REJECT'
GROUP BY srcaddr
ORDER BY rejects DESC, srcaddr
