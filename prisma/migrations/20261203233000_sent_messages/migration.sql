-- CreateTable
CREATE TABLE "sent_messages" (
    "id" SERIAL NOT NULL,
    "via" TEXT NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sent_messages_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sent_messages_via_idempotency_key_key" ON "sent_messages"("via", "idempotency_key");

-- What chat sent so far is kept: a card posted before the upgrade is edited, not posted again.
INSERT INTO "sent_messages" ("via", "idempotency_key", "target", "message_id", "created_at", "updated_at")
SELECT "platform"::text, "idempotency_key", "channel_id", "message_id", "created_at", "updated_at" FROM "chat_messages";

-- DropTable
DROP TABLE "chat_messages";
