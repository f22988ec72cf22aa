-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_change_log" (
    "seq" BIGINT NOT NULL PRIMARY KEY,
    "providers" TEXT NOT NULL,
    "names" BOOLEAN NOT NULL,
    "pruned" BIGINT,
    "events" TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO "new_change_log" ("names", "providers", "pruned", "seq") SELECT "names", "providers", "pruned", "seq" FROM "change_log";
DROP TABLE "change_log";
ALTER TABLE "new_change_log" RENAME TO "change_log";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
