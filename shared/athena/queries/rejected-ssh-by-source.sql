-- title: Rejected SSH by source
-- answers: how much rejected SSH (TCP 22) traffic each source sent: flow records, packets, bytes, targets
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT srcaddr, COUNT(*) AS flows, SUM(packets) AS packets, SUM(bytes) AS bytes, COUNT(DISTINCT dstaddr) AS targets
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND action = 'REJECT'
  AND protocol = 6
  AND dstport = 22
GROUP BY srcaddr
ORDER BY flows DESC, srcaddr
