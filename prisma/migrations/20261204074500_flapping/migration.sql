-- AlterTable
ALTER TABLE "alerts" ADD COLUMN     "flapping_since" TIMESTAMPTZ(3),
ADD COLUMN     "recent_fires" TIMESTAMPTZ(3)[] DEFAULT ARRAY[]::TIMESTAMPTZ(3)[];

