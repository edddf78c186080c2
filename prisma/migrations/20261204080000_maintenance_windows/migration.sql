-- AlterTable
ALTER TABLE "alerts" ADD COLUMN     "held_by_window" INTEGER;

-- CreateTable
CREATE TABLE "maintenance_windows" (
    "id" SERIAL NOT NULL,
    "matcher" JSONB NOT NULL,
    "team_key" TEXT,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "reason" TEXT NOT NULL,
    "created_by_id" INTEGER,
    "created_by_name" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "recurrence" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "maintenance_windows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "maintenance_windows_ends_at_idx" ON "maintenance_windows"("ends_at");

-- CreateIndex
CREATE UNIQUE INDEX "maintenance_windows_recurrence_starts_at_key" ON "maintenance_windows"("recurrence", "starts_at");

