-- CreateTable
CREATE TABLE "chat_channel_invites" (
    "chat_channel_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "invited_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "chat_channel_invites_pkey" PRIMARY KEY ("chat_channel_id","user_id")
);

-- AddForeignKey
ALTER TABLE "chat_channel_invites" ADD CONSTRAINT "chat_channel_invites_chat_channel_id_fkey" FOREIGN KEY ("chat_channel_id") REFERENCES "chat_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;

