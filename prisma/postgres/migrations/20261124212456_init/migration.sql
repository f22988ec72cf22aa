-- CreateTable
CREATE TABLE "resource_classes" (
    "id" INTEGER NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "resource_classes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "traits" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "traits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resource_providers" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "parent_provider_id" INTEGER,
    "root_provider_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "resource_providers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "inventories" (
    "id" SERIAL NOT NULL,
    "resource_provider_id" INTEGER NOT NULL,
    "resource_class_id" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "reserved" INTEGER NOT NULL DEFAULT 0,
    "min_unit" INTEGER NOT NULL DEFAULT 1,
    "max_unit" INTEGER NOT NULL DEFAULT 2147483647,
    "step_size" INTEGER NOT NULL DEFAULT 1,
    "allocation_ratio" DOUBLE PRECISION NOT NULL DEFAULT 1.0,

    CONSTRAINT "inventories_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "projects" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "external_id" TEXT NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consumer_types" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "consumer_types_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consumers" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,
    "project_id" INTEGER NOT NULL,
    "user_id" INTEGER NOT NULL,
    "consumer_type_id" INTEGER,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consumers_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "allocations" (
    "id" SERIAL NOT NULL,
    "resource_provider_id" INTEGER NOT NULL,
    "consumer_id" INTEGER NOT NULL,
    "resource_class_id" INTEGER NOT NULL,
    "used" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "allocations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "aggregates" (
    "id" SERIAL NOT NULL,
    "uuid" TEXT NOT NULL,

    CONSTRAINT "aggregates_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resource_provider_traits" (
    "resource_provider_id" INTEGER NOT NULL,
    "trait_id" INTEGER NOT NULL,

    CONSTRAINT "resource_provider_traits_pkey" PRIMARY KEY ("resource_provider_id","trait_id")
);

-- CreateTable
CREATE TABLE "resource_provider_aggregates" (
    "resource_provider_id" INTEGER NOT NULL,
    "aggregate_id" INTEGER NOT NULL,

    CONSTRAINT "resource_provider_aggregates_pkey" PRIMARY KEY ("resource_provider_id","aggregate_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "resource_classes_name_key" ON "resource_classes"("name");

-- CreateIndex
CREATE UNIQUE INDEX "traits_name_key" ON "traits"("name");

-- CreateIndex
CREATE UNIQUE INDEX "resource_providers_uuid_key" ON "resource_providers"("uuid");

-- CreateIndex
CREATE UNIQUE INDEX "resource_providers_name_key" ON "resource_providers"("name");

-- CreateIndex
CREATE INDEX "resource_providers_parent_provider_id_idx" ON "resource_providers"("parent_provider_id");

-- CreateIndex
CREATE INDEX "resource_providers_root_provider_id_idx" ON "resource_providers"("root_provider_id");

-- CreateIndex
CREATE INDEX "inventories_resource_class_id_resource_provider_id_idx" ON "inventories"("resource_class_id", "resource_provider_id");

-- CreateIndex
CREATE UNIQUE INDEX "inventories_resource_provider_id_resource_class_id_key" ON "inventories"("resource_provider_id", "resource_class_id");

-- CreateIndex
CREATE UNIQUE INDEX "projects_external_id_key" ON "projects"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "users_external_id_key" ON "users"("external_id");

-- CreateIndex
CREATE UNIQUE INDEX "consumer_types_name_key" ON "consumer_types"("name");

-- CreateIndex
CREATE UNIQUE INDEX "consumers_uuid_key" ON "consumers"("uuid");

-- CreateIndex
CREATE INDEX "consumers_project_id_user_id_idx" ON "consumers"("project_id", "user_id");

-- CreateIndex
CREATE INDEX "consumers_consumer_type_id_idx" ON "consumers"("consumer_type_id");

-- CreateIndex
CREATE INDEX "allocations_resource_provider_id_resource_class_id_used_idx" ON "allocations"("resource_provider_id", "resource_class_id", "used");

-- CreateIndex
CREATE INDEX "allocations_resource_class_id_idx" ON "allocations"("resource_class_id");

-- CreateIndex
CREATE UNIQUE INDEX "allocations_consumer_id_resource_provider_id_resource_class_key" ON "allocations"("consumer_id", "resource_provider_id", "resource_class_id");

-- CreateIndex
CREATE UNIQUE INDEX "aggregates_uuid_key" ON "aggregates"("uuid");

-- CreateIndex
CREATE INDEX "resource_provider_traits_trait_id_resource_provider_id_idx" ON "resource_provider_traits"("trait_id", "resource_provider_id");

-- CreateIndex
CREATE INDEX "resource_provider_aggregates_aggregate_id_resource_provider_idx" ON "resource_provider_aggregates"("aggregate_id", "resource_provider_id");

-- AddForeignKey
ALTER TABLE "resource_providers" ADD CONSTRAINT "resource_providers_parent_provider_id_fkey" FOREIGN KEY ("parent_provider_id") REFERENCES "resource_providers"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_providers" ADD CONSTRAINT "resource_providers_root_provider_id_fkey" FOREIGN KEY ("root_provider_id") REFERENCES "resource_providers"("id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventories" ADD CONSTRAINT "inventories_resource_provider_id_fkey" FOREIGN KEY ("resource_provider_id") REFERENCES "resource_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "inventories" ADD CONSTRAINT "inventories_resource_class_id_fkey" FOREIGN KEY ("resource_class_id") REFERENCES "resource_classes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consumers" ADD CONSTRAINT "consumers_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consumers" ADD CONSTRAINT "consumers_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consumers" ADD CONSTRAINT "consumers_consumer_type_id_fkey" FOREIGN KEY ("consumer_type_id") REFERENCES "consumer_types"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_resource_provider_id_fkey" FOREIGN KEY ("resource_provider_id") REFERENCES "resource_providers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_consumer_id_fkey" FOREIGN KEY ("consumer_id") REFERENCES "consumers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_resource_class_id_fkey" FOREIGN KEY ("resource_class_id") REFERENCES "resource_classes"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_provider_traits" ADD CONSTRAINT "resource_provider_traits_resource_provider_id_fkey" FOREIGN KEY ("resource_provider_id") REFERENCES "resource_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_provider_traits" ADD CONSTRAINT "resource_provider_traits_trait_id_fkey" FOREIGN KEY ("trait_id") REFERENCES "traits"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_provider_aggregates" ADD CONSTRAINT "resource_provider_aggregates_resource_provider_id_fkey" FOREIGN KEY ("resource_provider_id") REFERENCES "resource_providers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "resource_provider_aggregates" ADD CONSTRAINT "resource_provider_aggregates_aggregate_id_fkey" FOREIGN KEY ("aggregate_id") REFERENCES "aggregates"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
