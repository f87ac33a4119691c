CREATE TABLE "build_events" (
	"build_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"data" text NOT NULL,
	"at" timestamp(3) with time zone NOT NULL,
	CONSTRAINT "build_events_pk" PRIMARY KEY("build_id","seq")
);
--> statement-breakpoint
CREATE TABLE "builds" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"host" text NOT NULL,
	"status" text NOT NULL,
	"requested_builder" text,
	"builder" text,
	"no_cache" boolean DEFAULT false NOT NULL,
	"requested_by" text NOT NULL,
	"requested_by_id" text,
	"request" text NOT NULL,
	"tag" text,
	"image_id" text,
	"digest" text,
	"inputs_hash" text,
	"reused" boolean,
	"dockerfile" text,
	"base_image" text,
	"language" text,
	"steps" text DEFAULT '[]' NOT NULL,
	"failure" text,
	"last_seq" integer DEFAULT 0 NOT NULL,
	"log_bytes" integer DEFAULT 0 NOT NULL,
	"log_truncated" boolean DEFAULT false NOT NULL,
	"cancel_requested_at" timestamp(3) with time zone,
	"runner" text,
	"heartbeat_at" timestamp(3) with time zone,
	"created_at" timestamp(3) with time zone NOT NULL,
	"started_at" timestamp(3) with time zone,
	"finished_at" timestamp(3) with time zone,
	"updated_at" timestamp(3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "build_events" ADD CONSTRAINT "build_events_build_id_builds_id_fk" FOREIGN KEY ("build_id") REFERENCES "public"."builds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "builds" ADD CONSTRAINT "builds_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "builds_workspace_idx" ON "builds" USING btree ("workspace_id","id");--> statement-breakpoint
CREATE INDEX "builds_status_host_idx" ON "builds" USING btree ("status","host","id");