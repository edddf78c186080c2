-- CreateTable
CREATE TABLE "notifications" (
    "id" SERIAL NOT NULL,
    "page_id" INTEGER NOT NULL,
    "via" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "held_from" TIMESTAMPTZ(3),
    "status" TEXT NOT NULL DEFAULT 'pending',
    "provider_id" TEXT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "action_tokens" (
    "token_hash" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "person_id" INTEGER NOT NULL,
    "page_id" INTEGER,
    "via" TEXT,
    "address" TEXT,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "action_tokens_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "contact_verifications" (
    "person_id" INTEGER NOT NULL,
    "via" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "code_hash" TEXT,
    "code_expires_at" TIMESTAMPTZ(3),
    "verified_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_verifications_pkey" PRIMARY KEY ("person_id","via","address")
);

-- CreateIndex
CREATE INDEX "notifications_page_id_idx" ON "notifications"("page_id");

-- CreateIndex
CREATE INDEX "notifications_provider_id_idx" ON "notifications"("provider_id");

-- CreateIndex
CREATE INDEX "action_tokens_expires_at_idx" ON "action_tokens"("expires_at");

-- AddForeignKey
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "pages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_verifications" ADD CONSTRAINT "contact_verifications_person_id_fkey" FOREIGN KEY ("person_id") REFERENCES "people"("id") ON DELETE CASCADE ON UPDATE CASCADE;

