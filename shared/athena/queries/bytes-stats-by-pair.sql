-- title: Bytes per flow by address pair
-- answers: average, smallest and largest flow-record size in bytes for each source/destination pair (top 100 by average)
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, dstaddr, COUNT(*) AS flows, AVG(bytes) AS avg_bytes, MIN(bytes) AS min_bytes, MAX(bytes) AS max_bytes
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND srcaddr IS NOT NULL
GROUP BY srcaddr, dstaddr
ORDER BY avg_bytes DESC, srcaddr, dstaddr
LIMIT 100
