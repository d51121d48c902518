-- title: TLS SNI by instance
-- answers: which TLS server names (ClientHello SNI) each mirrored instance connected to, and how often
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT mirror.instance_id AS instance_id, tls.sni AS sni, COUNT(*) AS sessions
FROM sensor_tls
WHERE dt BETWEEN ? AND ?
  AND tls.sni IS NOT NULL
GROUP BY mirror.instance_id, tls.sni
ORDER BY instance_id, sessions DESC, sni
