-- AlterTable
ALTER TABLE "notifications" ADD COLUMN     "folded_into" INTEGER,
ADD COLUMN     "slot_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "notifications_folded_into_idx" ON "notifications"("folded_into");

