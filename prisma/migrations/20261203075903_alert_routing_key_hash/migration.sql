-- AlterTable
ALTER TABLE "alerts" ADD COLUMN     "routing_key_hash" TEXT;


-- PagerDuty alerts stored before this migration: remember which routing key each came in with
-- (as the bot now does), and mask the key in the stored payload (its first 4 characters and an
-- ellipsis, chr(8230)), since a routing key, or the webhook token pasted as one, is a credential.
UPDATE "alerts"
SET "routing_key_hash" = encode(sha256(convert_to("raw"->>'routing_key', 'UTF8')), 'hex'),
    "raw" = jsonb_set("raw", '{routing_key}', to_jsonb(left("raw"->>'routing_key', 4) || chr(8230)))
WHERE "source" = 'pagerduty' AND jsonb_typeof("raw") = 'object' AND jsonb_typeof("raw"->'routing_key') = 'string';
