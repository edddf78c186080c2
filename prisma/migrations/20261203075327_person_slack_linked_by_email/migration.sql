-- AlterTable
ALTER TABLE "people" ADD COLUMN     "slack_linked_by_email" BOOLEAN NOT NULL DEFAULT false;

