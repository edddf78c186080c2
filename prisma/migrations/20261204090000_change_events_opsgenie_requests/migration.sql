-- CreateTable
CREATE TABLE "change_events" (
    "id" SERIAL NOT NULL,
    "summary" TEXT NOT NULL,
    "source" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "route_id" TEXT NOT NULL,
    "service" TEXT,
    "team_key" TEXT,
    "details" JSONB,
    "links" JSONB NOT NULL DEFAULT '{}',
    "routing_key_hash" TEXT,

    CONSTRAINT "change_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "opsgenie_requests" (
    "id" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "success" BOOLEAN NOT NULL,
    "status" TEXT NOT NULL,
    "alert_id" TEXT,
    "alias" TEXT,
    "processed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "opsgenie_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "change_events_service_at_idx" ON "change_events"("service", "at");

-- CreateIndex
CREATE INDEX "change_events_team_key_at_idx" ON "change_events"("team_key", "at");

-- CreateIndex
CREATE INDEX "opsgenie_requests_processed_at_idx" ON "opsgenie_requests"("processed_at");

