-- title: Top HTTP hosts
-- answers: the 20 HTTP Host names requested most through the mirror sensor, with the clients asking for them
-- params: from to
-- param from: first dt partition (YYYY-MM-DD, inclusive); to: last dt partition (inclusive)
SELECT http.hostname AS hostname, COUNT(*) AS requests, COUNT(DISTINCT src_ip) AS clients
FROM sensor_http
WHERE dt BETWEEN ? AND ?
  AND http.hostname IS NOT NULL
GROUP BY http.hostname
ORDER BY requests DESC, hostname
LIMIT 20
