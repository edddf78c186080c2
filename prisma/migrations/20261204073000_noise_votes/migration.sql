-- CreateTable
CREATE TABLE "noise_votes" (
    "incident_id" INTEGER NOT NULL,
    "person_id" INTEGER NOT NULL,
    "route_id" TEXT,
    "reason" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "noise_votes_pkey" PRIMARY KEY ("incident_id","person_id")
);

-- CreateIndex
CREATE INDEX "noise_votes_at_idx" ON "noise_votes"("at");

