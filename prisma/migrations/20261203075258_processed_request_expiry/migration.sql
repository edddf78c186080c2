-- AlterTable
ALTER TABLE "processed_requests" ADD COLUMN     "expires_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "processed_requests_expires_at_idx" ON "processed_requests"("expires_at");

