-- DropIndex
DROP INDEX "change_log_xid_idx";

-- AlterTable
ALTER TABLE "change_log" DROP COLUMN "xid",
ADD COLUMN     "events" TEXT NOT NULL DEFAULT '[]';
