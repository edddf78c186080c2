-- CreateTable
CREATE TABLE "heartbeats" (
    "name" TEXT NOT NULL,
    "last_beat_at" TIMESTAMPTZ(3),
    "declared_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "missed_at" TIMESTAMPTZ(3),
    "beats" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "heartbeats_pkey" PRIMARY KEY ("name")
);

