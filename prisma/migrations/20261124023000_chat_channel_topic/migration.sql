-- AlterTable
ALTER TABLE "chat_channels" ADD COLUMN     "topic" TEXT;

