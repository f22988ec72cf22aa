-- CreateTable
CREATE TABLE "change_log" (
    "seq" BIGSERIAL NOT NULL,
    "xid" BIGINT,
    "providers" TEXT NOT NULL,
    "names" BOOLEAN NOT NULL,
    "pruned" BIGINT,

    CONSTRAINT "change_log_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "change_log_xid_idx" ON "change_log"("xid");
