CREATE TABLE "hosts" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text COLLATE "C" NOT NULL,
	"address" text DEFAULT '' NOT NULL,
	"labels" text DEFAULT '{}' NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"last_heartbeat_at" timestamp(3) with time zone,
	"info" text,
	"credential_ciphertext" text,
	"join_token_hash" text,
	"join_token_expires_at" timestamp(3) with time zone,
	"joined_at" timestamp(3) with time zone,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_placements" (
	"workspace_id" text PRIMARY KEY NOT NULL,
	"host_id" text NOT NULL,
	"container_name" text NOT NULL,
	"image" text NOT NULL,
	"source_volume" text,
	"desired" text NOT NULL,
	"observed" text NOT NULL,
	"reason" text,
	"observed_at" timestamp(3) with time zone,
	"created_at" timestamp(3) with time zone NOT NULL,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workspace_placements" ADD CONSTRAINT "workspace_placements_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_placements" ADD CONSTRAINT "workspace_placements_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "hosts_name_uq" ON "hosts" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "hosts_join_token_hash_uq" ON "hosts" USING btree ("join_token_hash");--> statement-breakpoint
CREATE INDEX "workspace_placements_host_idx" ON "workspace_placements" USING btree ("host_id");