CREATE TABLE "apps" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sort_key" text COLLATE "C" NOT NULL,
	"labels" text DEFAULT '{}' NOT NULL,
	"annotations" text DEFAULT '{}' NOT NULL,
	"spec" text DEFAULT '{}' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"ecosystem_id" text NOT NULL,
	"domain_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "domains" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sort_key" text COLLATE "C" NOT NULL,
	"labels" text DEFAULT '{}' NOT NULL,
	"annotations" text DEFAULT '{}' NOT NULL,
	"spec" text DEFAULT '{}' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"ecosystem_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ecosystems" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sort_key" text COLLATE "C" NOT NULL,
	"labels" text DEFAULT '{}' NOT NULL,
	"annotations" text DEFAULT '{}' NOT NULL,
	"spec" text DEFAULT '{}' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_contexts" (
	"user_id" text PRIMARY KEY NOT NULL,
	"ecosystem_id" text,
	"domain_id" text,
	"app_id" text,
	"workspace_id" text,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"sort_key" text COLLATE "C" NOT NULL,
	"labels" text DEFAULT '{}' NOT NULL,
	"annotations" text DEFAULT '{}' NOT NULL,
	"spec" text DEFAULT '{}' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL,
	"ecosystem_id" text NOT NULL,
	"domain_id" text NOT NULL,
	"app_id" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_ecosystem_id_ecosystems_id_fk" FOREIGN KEY ("ecosystem_id") REFERENCES "public"."ecosystems"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "apps" ADD CONSTRAINT "apps_domain_id_domains_id_fk" FOREIGN KEY ("domain_id") REFERENCES "public"."domains"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_ecosystem_id_ecosystems_id_fk" FOREIGN KEY ("ecosystem_id") REFERENCES "public"."ecosystems"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_contexts" ADD CONSTRAINT "user_contexts_ecosystem_id_ecosystems_id_fk" FOREIGN KEY ("ecosystem_id") REFERENCES "public"."ecosystems"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_contexts" ADD CONSTRAINT "user_contexts_domain_id_domains_id_fk" FOREIGN KEY ("domain_id") REFERENCES "public"."domains"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_contexts" ADD CONSTRAINT "user_contexts_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_contexts" ADD CONSTRAINT "user_contexts_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_ecosystem_id_ecosystems_id_fk" FOREIGN KEY ("ecosystem_id") REFERENCES "public"."ecosystems"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_domain_id_domains_id_fk" FOREIGN KEY ("domain_id") REFERENCES "public"."domains"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_app_id_apps_id_fk" FOREIGN KEY ("app_id") REFERENCES "public"."apps"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "apps_sort_key_uq" ON "apps" USING btree ("sort_key");--> statement-breakpoint
CREATE UNIQUE INDEX "apps_parent_name_uq" ON "apps" USING btree ("domain_id","name");--> statement-breakpoint
CREATE INDEX "apps_ecosystem_sort_idx" ON "apps" USING btree ("ecosystem_id","sort_key");--> statement-breakpoint
CREATE INDEX "apps_domain_sort_idx" ON "apps" USING btree ("domain_id","sort_key");--> statement-breakpoint
CREATE UNIQUE INDEX "domains_sort_key_uq" ON "domains" USING btree ("sort_key");--> statement-breakpoint
CREATE UNIQUE INDEX "domains_parent_name_uq" ON "domains" USING btree ("ecosystem_id","name");--> statement-breakpoint
CREATE INDEX "domains_ecosystem_sort_idx" ON "domains" USING btree ("ecosystem_id","sort_key");--> statement-breakpoint
CREATE UNIQUE INDEX "ecosystems_sort_key_uq" ON "ecosystems" USING btree ("sort_key");--> statement-breakpoint
CREATE UNIQUE INDEX "ecosystems_name_uq" ON "ecosystems" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "workspaces_sort_key_uq" ON "workspaces" USING btree ("sort_key");--> statement-breakpoint
CREATE UNIQUE INDEX "workspaces_parent_name_uq" ON "workspaces" USING btree ("app_id","name");--> statement-breakpoint
CREATE INDEX "workspaces_ecosystem_sort_idx" ON "workspaces" USING btree ("ecosystem_id","sort_key");--> statement-breakpoint
CREATE INDEX "workspaces_domain_sort_idx" ON "workspaces" USING btree ("domain_id","sort_key");--> statement-breakpoint
CREATE INDEX "workspaces_app_sort_idx" ON "workspaces" USING btree ("app_id","sort_key");