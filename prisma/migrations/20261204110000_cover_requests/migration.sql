-- CreateTable
CREATE TABLE "cover_requests" (
    "id" SERIAL NOT NULL,
    "team_key" TEXT NOT NULL,
    "schedule_key" TEXT NOT NULL,
    "requester_id" INTEGER NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "reason" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "taken_by_id" INTEGER,
    "taken_at" TIMESTAMPTZ(3),
    "override_id" INTEGER,
    "platform" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "cover_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "cover_requests_status_starts_at_idx" ON "cover_requests"("status", "starts_at");

