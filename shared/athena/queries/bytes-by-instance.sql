-- title: Bytes by instance
-- answers: bytes, packets and flow records per EC2 instance (the instance-id field, else the ENI inventory's owner)
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT COALESCE(instance_id, src_instance) AS instance_id, SUM(bytes) AS bytes, SUM(packets) AS packets, COUNT(*) AS flows
FROM flow_logs
WHERE dt BETWEEN ? AND ?
  AND COALESCE(instance_id, src_instance) IS NOT NULL
GROUP BY COALESCE(instance_id, src_instance)
ORDER BY bytes DESC, instance_id
