-- CreateTable
CREATE TABLE "change_log" (
    "seq" BIGINT NOT NULL PRIMARY KEY,
    "xid" BIGINT,
    "providers" TEXT NOT NULL,
    "names" BOOLEAN NOT NULL,
    "pruned" BIGINT
);

-- CreateIndex
CREATE INDEX "change_log_xid_idx" ON "change_log"("xid");
