-- AlterEnum


ALTER TYPE "ChatPlatform" ADD VALUE 'mattermost';
ALTER TYPE "ChatPlatform" ADD VALUE 'teams';

-- AlterTable
ALTER TABLE "people" ADD COLUMN     "mattermost_id" TEXT,
ADD COLUMN     "teams_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "people_mattermost_id_key" ON "people"("mattermost_id");

-- CreateIndex
CREATE UNIQUE INDEX "people_teams_id_key" ON "people"("teams_id");

