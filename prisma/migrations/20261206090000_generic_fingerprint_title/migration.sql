-- Generic alerts sent without a fingerprint were told apart by their labels, and when those were
-- only service and team, every alert of a service merged into one ({"service": "api"}). The
-- default now adds the title when the labels only place the alert (src/alerts/generic.ts,
-- fingerprintOf). Alerts stored under the old default get the new one, so that their next
-- notification, a repeat or a resolution, still finds them. Rows whose fingerprint is not the old
-- default (sent with one of their own, or stored with masked text under REDACT_PII) stay as they are.
UPDATE alerts a
SET fingerprint = substr(encode(sha256(convert_to('title=' || a.title || E'\n' || l.identity, 'UTF8')), 'hex'), 1, 16)
FROM (
  SELECT b.id, string_agg(e.key || '=' || e.value, E'\n' ORDER BY e.key COLLATE "C") AS identity, bool_and(e.key IN ('service', 'team')) AS placement_only
  FROM alerts b, jsonb_each_text(b.labels) e
  WHERE b.source = 'generic'
  GROUP BY b.id
) l
WHERE a.id = l.id
  AND a.source = 'generic'
  AND l.placement_only
  AND a.fingerprint = substr(encode(sha256(convert_to(l.identity, 'UTF8')), 'hex'), 1, 16);
