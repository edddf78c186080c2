-- CreateTable
CREATE TABLE "swap_requests" (
    "id" SERIAL NOT NULL,
    "schedule_key" TEXT NOT NULL,
    "requester_id" INTEGER NOT NULL,
    "other_id" INTEGER NOT NULL,
    "mine_from" TIMESTAMPTZ(3) NOT NULL,
    "mine_to" TIMESTAMPTZ(3) NOT NULL,
    "theirs_from" TIMESTAMPTZ(3) NOT NULL,
    "theirs_to" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "platform" TEXT NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "swap_requests_pkey" PRIMARY KEY ("id")
);

