-- title: Sensor flows joined to flow logs
-- answers: each flow the sensor saw next to the flow-log record of the same 5-tuple in the same hour (ENI, action, bytes as VPC Flow Logs counted them)
-- params: from to from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT s.src_ip, s.src_port, s.dest_ip, s.dest_port, s.proto, s.dt, s.hour,
       s.flow.bytes_toserver AS sensor_bytes_toserver, s.flow.bytes_toclient AS sensor_bytes_toclient,
       f.interface_id, f.action, f.bytes AS flowlog_bytes, f.packets AS flowlog_packets
FROM sensor_flow s
JOIN flow_logs f
  ON f.dt = s.dt AND f.hour = s.hour
 AND f.srcaddr = s.src_ip AND f.dstaddr = s.dest_ip
 AND f.srcport = s.src_port AND f.dstport = s.dest_port
 AND f.protocol = CASE s.proto WHEN 'TCP' THEN 6 WHEN 'UDP' THEN 17 WHEN 'ICMP' THEN 1 WHEN 'IPv6-ICMP' THEN 58 END
WHERE s.dt BETWEEN ? AND ?
  AND f.dt BETWEEN ? AND ?
ORDER BY s.dt, s.hour, s.src_ip, s.src_port, s.dest_ip, s.dest_port, f.interface_id
