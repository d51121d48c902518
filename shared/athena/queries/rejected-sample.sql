-- title: Rejected sample
-- answers: the first 100 REJECTed flow records (by start time), to eyeball what is being refused
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT account_id, interface_id, srcaddr, dstaddr, srcport, dstport, protocol, packets, bytes, start, "end", action, reject_reason
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND action = 'REJECT'
ORDER BY start, interface_id, srcaddr, dstaddr, srcport, dstport
LIMIT 100
